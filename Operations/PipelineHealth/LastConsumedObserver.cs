using MassTransit;

namespace ConnectorHealth.Operations.PipelineHealth;

/// <summary>Records, per receive endpoint, when it last finished a message (consumed or faulted: both are progress).</summary>
public sealed class LastConsumedObserver(ReceiveEndpoints endpoints, TimeProvider time) : IReceiveObserver
{
    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context) => Record(context);

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType) where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception) where T : class =>
        Task.CompletedTask;

    public Task ReceiveFault(ReceiveContext context, Exception exception) => Record(context);

    /// <summary>The queue of a RabbitMQ input address: its last path segment (rabbitmq://host/vhost/queue).</summary>
    public static string QueueOf(Uri inputAddress) => inputAddress.AbsolutePath.TrimEnd('/').Split('/')[^1];

    private Task Record(ReceiveContext context)
    {
        endpoints.Consumed(QueueOf(context.InputAddress), time.GetUtcNow());
        return Task.CompletedTask;
    }
}
