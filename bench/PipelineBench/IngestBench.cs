using ConnectorHealth.ServiceDefaults;
using ConnectorHealth.Operations.PipelineHealth;
using MassTransit;
using Microsoft.Extensions.Hosting;

namespace ConnectorHealth.PipelineBench;

// The ingest windows on one running system: the bare MassTransit fan-out on its broker, then the pipeline itself, each
// driven to saturation `Repeat` times. The same connectors and seeds on every system, so that the one-replica and the
// N-replica systems are offered the same runs.
internal sealed class IngestBench : IAsyncDisposable
{
    private readonly PipelineBenchOptions _options;
    private readonly BenchSession _session;
    private readonly IReadOnlyList<string> _sinkQueues;
    private readonly IBusControl _bus;
    private readonly Action<string> _say;

    private IngestBench(PipelineBenchOptions options, BenchSession session, IReadOnlyList<string> sinkQueues, IBusControl bus, Action<string> say)
    {
        _options = options;
        _session = session;
        _sinkQueues = sinkQueues;
        _bus = bus;
        _say = say;
    }

    public static async Task<IngestBench> StartAsync(PipelineBenchOptions options, BenchSession session, Action<string> say)
    {
        var state = await session.StateAsync();
        string[] sinkQueues = [.. BenchSession.ConsumingServices.Select(s => state[s].Queues.Single(q => q.Name.EndsWith("-run-completed", StringComparison.Ordinal)).Name)];
        // Written as the runner writes it (compact JSON).
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(session.Broker, _ => { });
            rabbit.UseMessageJson();
        });
        await bus.StartAsync();
        return new IngestBench(options, session, sinkQueues, bus, say);
    }

    public IReadOnlyList<string> SinkQueues => _sinkQueues;

    // RunCompleted published to the system's exchange, as the runner publishes it; landed = rows in each service's runs table.
    public FanOut Pipeline(IReadOnlyList<string> connectors) => new(
        BenchSession.ConsumingServices,
        (run, cancellationToken) => _bus.Publish(run, cancellationToken),
        cancellationToken => _session.Database.LandedAsync(connectors, cancellationToken),
        cancellationToken => QueueDepths.ReadyAsync(_session.Admin, _sinkQueues, cancellationToken));

    public async Task<List<WindowResult>> BareAsync()
    {
        _say($"Bare MassTransit fan-out to three no-op consumers: {_options.Repeat} × {_options.BaselineDuration.TotalSeconds:N0} s…");
        var windows = new List<WindowResult>();
        await using var bare = await BareFanOut.StartAsync(_session.Broker);
        for (var r = 1; r <= _options.Repeat; r++)
        {
            var window = await Saturation.RunAsync(r, bare.FanOut(_session.Admin), new RunFactory(RunFactory.Names($"bare_r{r}", _options.Connectors), _options.Seed + r),
                _options.BaselineDuration, PipelineBenchOptions.WarmUpOf(_options.BaselineDuration), _options.InFlight, _options.Backlog, _session.Watch, _say);
            _say($"  repeat {r}: {window.EndToEndPerSecond:N0} msg/s to each of the three consumers");
            windows.Add(window);
        }
        return windows;
    }

    public async Task<List<WindowResult>> PipelineAsync()
    {
        _say($"Pipeline ingest: {_options.Repeat} × {_options.Duration.TotalSeconds:N0} s, {_options.Connectors} connectors per window…");
        var windows = new List<WindowResult>();
        for (var r = 1; r <= _options.Repeat; r++)
        {
            var connectors = RunFactory.Names($"bench_r{r}", _options.Connectors);
            var runs = new RunFactory(connectors, _options.Seed + 100 + r);
            var window = await Saturation.RunAsync(r, Pipeline(connectors), runs, _options.Duration, _options.WarmUp, _options.InFlight, _options.Backlog, _session.Watch, _say);
            _say($"  repeat {r}: {window.EndToEndPerSecond:N0} runs/s end to end (metrics {window.LandedPerSecond[0]:N0}, drift {window.LandedPerSecond[1]:N0}, "
                + $"alerting {window.LandedPerSecond[2]:N0}); {runs.SchemaChanges:N0} schema changes, {runs.Failures:N0} failed runs; "
                + $"{(window.AllLanded ? "all landed" : "NOT all landed")} {window.DrainSeconds:N0} s after publishing stopped");
            windows.Add(window);
        }
        return windows;
    }

    // Consumers on each service's queue: with N replicas, N times what one replica opens once every replica consumes.
    public async Task<long[]> ConsumersAsync(CancellationToken cancellationToken)
    {
        var consumers = new long[_sinkQueues.Count];
        for (var i = 0; i < consumers.Length; i++)
        {
            consumers[i] = (await _session.Admin.GetQueueDepthAsync(_sinkQueues[i], cancellationToken))?.Consumers ?? 0;
        }
        return consumers;
    }

    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}
