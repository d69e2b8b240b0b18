using System.Text;
using ConnectorHealth.Operations.Broker;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.Operations.PipelineHealth;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHealth.UnitTests.Pipeline;

public sealed class PipelineHealthTests
{
    private const string Queue = "metrics-run-completed";
    private const string ErrorQueue = "metrics-run-completed_error";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ReceiveEndpoints _endpoints = new();
    private readonly PipelineOptions _options = new();
    private readonly PipelineMonitor _monitor;

    public PipelineHealthTests()
    {
        _endpoints.Register(Queue);
        _monitor = new PipelineMonitor(_endpoints, new FixedOptions(_options), _time);
    }

    [Fact]
    public async Task AFreshServiceWithEmptyQueuesAndStaleErrorsIsHealthy()
    {
        _monitor.ObserveQueue(Queue, new QueueDepth(true, 0, 1));
        _monitor.ObserveStore(ErrorQueue, 5);
        _time.Advance(TimeSpan.FromMinutes(5));
        _monitor.ObserveQueue(Queue, new QueueDepth(true, 0, 1));
        _monitor.ObserveStore(ErrorQueue, 5);

        Assert.Equal(HealthStatus.Healthy, (await ConsumersAsync()).Status);
        Assert.Equal(HealthStatus.Healthy, (await GrowthAsync()).Status);
    }

    [Fact]
    public async Task AnErrorQueueThatGrewWithinTheWindowIsDegradedWithHowToRedrive()
    {
        _monitor.ObserveStore(ErrorQueue, 2);
        _time.Advance(TimeSpan.FromSeconds(5));
        _monitor.ObserveStore(ErrorQueue, 4);
        _time.Advance(TimeSpan.FromSeconds(5));
        _monitor.ObserveStore(ErrorQueue, 5);

        var result = await GrowthAsync();

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal(
            "metrics-run-completed_error grew by 3 in the last 45 s (5 waiting); re-drive with POST /api/system/metrics/dead-letters/redrive",
            result.Description);
    }

    [Fact]
    public async Task GrowthOlderThanTheWindowNoLongerDegrades()
    {
        _monitor.ObserveStore(ErrorQueue, 0);
        _time.Advance(TimeSpan.FromSeconds(5));
        _monitor.ObserveStore(ErrorQueue, 1);
        Assert.Equal(HealthStatus.Degraded, (await GrowthAsync()).Status);

        // Sampled every 5 s; the rise stays inside the window until 45 s have passed since it was seen.
        for (var i = 0; i < 8; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            _monitor.ObserveStore(ErrorQueue, 1);
        }
        Assert.Equal(HealthStatus.Degraded, (await GrowthAsync()).Status);

        _time.Advance(TimeSpan.FromSeconds(5));
        _monitor.ObserveStore(ErrorQueue, 1);
        Assert.Equal(HealthStatus.Healthy, (await GrowthAsync()).Status);
    }

    [Fact]
    public async Task AFailureRightAfterARedriveStillCountsAsGrowth()
    {
        _monitor.ObserveStore(ErrorQueue, 5);
        _time.Advance(TimeSpan.FromSeconds(5));
        _monitor.ObserveStore(ErrorQueue, 0);
        _time.Advance(TimeSpan.FromSeconds(5));
        _monitor.ObserveStore(ErrorQueue, 1);

        var result = await GrowthAsync();

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.StartsWith("metrics-run-completed_error grew by 1 ", result.Description);
    }

    [Fact]
    public async Task UnknownCountsWhileTheBrokerIsAwayNeitherGrowNorForgetTheHistory()
    {
        _monitor.ObserveStore(ErrorQueue, 3);
        _time.Advance(TimeSpan.FromSeconds(20));
        _monitor.ObserveStore(ErrorQueue, null);
        _time.Advance(TimeSpan.FromSeconds(20));
        _monitor.ObserveStore(ErrorQueue, 3);
        Assert.Equal(HealthStatus.Healthy, (await GrowthAsync()).Status);

        _time.Advance(TimeSpan.FromSeconds(5));
        _monitor.ObserveStore(ErrorQueue, 4);
        Assert.Equal(HealthStatus.Degraded, (await GrowthAsync()).Status);
    }

    [Fact]
    public async Task MessagesWaitingWithoutAnyConsumptionForStalledAfterIsAStalledConsumer()
    {
        _endpoints.Consumed(Queue, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromMinutes(10));
        _monitor.ObserveQueue(Queue, new QueueDepth(true, 7, 1));

        // An idle consumer that just got work is not stalled, however long it was idle before.
        Assert.Equal(HealthStatus.Healthy, (await ConsumersAsync()).Status);
        Assert.Equal(TimeSpan.Zero, _monitor.Lag(Queue));

        _time.Advance(TimeSpan.FromSeconds(59));
        _monitor.ObserveQueue(Queue, new QueueDepth(true, 7, 1));
        Assert.Equal(HealthStatus.Healthy, (await ConsumersAsync()).Status);

        _time.Advance(TimeSpan.FromSeconds(1));
        _monitor.ObserveQueue(Queue, new QueueDepth(true, 7, 1));
        var result = await ConsumersAsync();

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("metrics-run-completed consumed nothing for 60 s while 7 messages wait", result.Description);
        Assert.Equal(TimeSpan.FromSeconds(60), _monitor.Lag(Queue));
    }

    [Fact]
    public async Task AConsumerThatKeepsConsumingABusyQueueIsNotStalled()
    {
        for (var i = 0; i < 30; i++)
        {
            _monitor.ObserveQueue(Queue, new QueueDepth(true, 500, 1));
            _time.Advance(TimeSpan.FromSeconds(5));
            _endpoints.Consumed(Queue, _time.GetUtcNow());
        }

        Assert.Equal(HealthStatus.Healthy, (await ConsumersAsync()).Status);
    }

    [Fact]
    public async Task AQueueWithoutConsumerIsDegradedOnlyOnceTheGapOutlastsAReconnect()
    {
        _monitor.ObserveQueue(Queue, new QueueDepth(true, 0, 0));
        Assert.Equal(HealthStatus.Healthy, (await ConsumersAsync()).Status);

        _time.Advance(TimeSpan.FromSeconds(10));
        _monitor.ObserveQueue(Queue, new QueueDepth(true, 0, 0));
        var result = await ConsumersAsync();

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("metrics-run-completed has no consumer (0 waiting)", result.Description);

        _monitor.ObserveQueue(Queue, new QueueDepth(true, 0, 1));
        Assert.Equal(HealthStatus.Healthy, (await ConsumersAsync()).Status);
    }

    [Fact]
    public async Task AQueueNotDeclaredYetIsNoProblem()
    {
        _monitor.ObserveQueue(Queue, QueueDepth.Missing);
        _time.Advance(TimeSpan.FromMinutes(5));
        _monitor.ObserveQueue(Queue, QueueDepth.Missing);

        Assert.Equal(HealthStatus.Healthy, (await ConsumersAsync()).Status);
    }

    [Fact]
    public async Task APublishBacklogOlderThanPublishStuckAfterIsDegraded()
    {
        var backlog = new Backlog { Current = new PublishBacklog(3, TimeSpan.FromSeconds(30)) };
        var check = new PublishBacklogHealthCheck([backlog], new FixedOptions(_options));
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        backlog.Current = new PublishBacklog(3, TimeSpan.FromSeconds(61));
        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("3 messages wait to be published, the oldest for 61 s", result.Description);
    }

    [Fact]
    public async Task AServiceWithoutPublishBacklogIsHealthy() =>
        Assert.Equal(HealthStatus.Healthy,
            (await new PublishBacklogHealthCheck([], new FixedOptions(_options)).CheckHealthAsync(new HealthCheckContext())).Status);

    [Fact]
    public void NonPositiveTimeSpansAreRejectedAtStartUp()
    {
        var result = new PipelineOptionsValidator().Validate(null, new PipelineOptions { ErrorGrowthWindow = TimeSpan.Zero });

        Assert.True(result.Failed);
        Assert.Contains("Pipeline:ErrorGrowthWindow", result.FailureMessage);
    }

    [Fact]
    public void AFaultedEnvelopeReadsAsADeadLetterWithRunAndConnector()
    {
        var runId = Guid.NewGuid();
        var body = Encoding.UTF8.GetBytes($$$"""
            {"messageId":"m-1","messageType":["urn:message:ConnectorHealth.Contracts:RunCompleted"],
             "message":{"runId":"{{{runId}}}","connector":"stripe_payments"}}
            """);
        var headers = new Dictionary<string, object?>
        {
            [MessageHeaders.Reason] = "fault"u8.ToArray(),
            [MessageHeaders.FaultMessage] = "boom"u8.ToArray(),
            [MessageHeaders.FaultExceptionType] = "System.InvalidOperationException"u8.ToArray(),
            [MessageHeaders.FaultTimestamp] = "2026-05-01T11:59:00.0000000Z"u8.ToArray(),
        };

        var letter = ErrorQueueDeadLetterStore.ToDeadLetter(ErrorQueue, new BrokerMessage("m-1", headers, body));

        Assert.Equal(
            new DeadLetter("m-1", ErrorQueue, "boom", "System.InvalidOperationException", new DateTimeOffset(2026, 5, 1, 11, 59, 0, TimeSpan.Zero),
                runId, "stripe_payments", "ConnectorHealth.Contracts:RunCompleted"),
            letter);
    }

    [Fact]
    public void ABodyThatIsNotJsonIsStillADeadLetter()
    {
        var letter = ErrorQueueDeadLetterStore.ToDeadLetter(ErrorQueue, new BrokerMessage("x", new Dictionary<string, object?>(), "not json"u8.ToArray()));

        Assert.Equal(new DeadLetter("x", ErrorQueue, "unknown", null, null, null, null, null), letter);
    }

    [Theory]
    [InlineData("rabbitmq://localhost:5672/metrics-run-completed", "metrics-run-completed")]
    [InlineData("rabbitmq://localhost:5672/vhost/metrics-run-completed?bind=true", "metrics-run-completed")]
    public void TheQueueOfAnInputAddressIsItsLastSegment(string address, string queue) =>
        Assert.Equal(queue, LastConsumedObserver.QueueOf(new Uri(address)));

    private Task<HealthCheckResult> ConsumersAsync() =>
        new ConsumersHealthCheck(_monitor).CheckHealthAsync(new HealthCheckContext());

    private Task<HealthCheckResult> GrowthAsync() =>
        new DeadLetterGrowthHealthCheck(_monitor, new PipelineService("metrics"), new FixedOptions(_options)).CheckHealthAsync(new HealthCheckContext());

    private sealed class Backlog : IPublishBacklogSource
    {
        public PublishBacklog Current { get; set; } = new(0, null);
    }

    private sealed class FixedOptions(PipelineOptions value) : IOptionsMonitor<PipelineOptions>
    {
        public PipelineOptions CurrentValue => value;

        public PipelineOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PipelineOptions, string?> listener) => null;
    }
}
