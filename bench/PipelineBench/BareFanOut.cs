using ConnectorHealth.Contracts;
using ConnectorHealth.Operations.Broker;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Hosting;

namespace ConnectorHealth.PipelineBench;

// The floor to compare the pipeline with: a bus of its own in this process, on the system's RabbitMQ, publishing the same
// RunCompleted (as the runner writes it) to three consumers that do nothing, each on its own queue, batched exactly as the services batch
// (MessageBatches). Its own exchange name keeps these messages away from the services.
internal sealed class BareFanOut : IAsyncDisposable
{
    public static readonly string[] Queues = ["pipeline-bench-noop-a", "pipeline-bench-noop-b", "pipeline-bench-noop-c"];

    private const string Exchange = "pipeline-bench-run-completed";
    private const int BatchSize = MessageBatches.MessageLimit;
    private const int BatchesAtOnce = MessageBatches.ConcurrencyLimit;

    private readonly IBusControl _bus;
    private readonly long[] _consumed = new long[Queues.Length];

    private BareFanOut(Uri broker)
    {
        _bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(broker, _ => { });
            // The message as the runner writes it (compact JSON); read by MassTransit's own deserializer.
            rabbit.UseCompactJson();
            rabbit.Message<RunCompleted>(message => message.SetEntityName(Exchange));
            for (var i = 0; i < Queues.Length; i++)
            {
                var counter = i;
                rabbit.ReceiveEndpoint(Queues[i], endpoint =>
                {
                    // What MassTransit's consumer registration derives from these batch options for the services' endpoints
                    // (room for two full batches); the bus factory's Consumer() does not apply it by itself.
                    endpoint.PrefetchCount = BatchSize * BatchesAtOnce;
                    endpoint.ConcurrentMessageLimit = BatchSize * BatchesAtOnce;
                    endpoint.Consumer(
                        () => new NoOpConsumer(count => Interlocked.Add(ref _consumed[counter], count)),
                        consumer => consumer.Options<BatchOptions>(MessageBatches.Configure));
                });
            }
        });
    }

    public static async Task<BareFanOut> StartAsync(Uri broker)
    {
        var bare = new BareFanOut(broker);
        await bare._bus.StartAsync();
        return bare;
    }

    public FanOut FanOut(RabbitMqBrokerAdmin admin) => new(
        Queues,
        (run, cancellationToken) => _bus.Publish(run, cancellationToken),
        _ => Task.FromResult(Enumerable.Range(0, Queues.Length).Select(i => Volatile.Read(ref _consumed[i])).ToArray()),
        cancellationToken => QueueDepths.ReadyAsync(admin, Queues, cancellationToken));

    public async ValueTask DisposeAsync() => await _bus.StopAsync();

    private sealed class NoOpConsumer(Action<int> consumed) : IConsumer<Batch<RunCompleted>>
    {
        public Task Consume(ConsumeContext<Batch<RunCompleted>> context)
        {
            consumed(context.Message.Length);
            return Task.CompletedTask;
        }
    }
}
