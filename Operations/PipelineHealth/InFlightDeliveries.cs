using System.Collections.Concurrent;
using MassTransit;

namespace ConnectorHealth.Operations.PipelineHealth;

/// <summary>
/// Counts the messages each receive endpoint of this process holds between delivery and acknowledgement, with when each
/// arrived. The broker's ready count misses them (a consumer stuck on its batch holds it delivered, so nothing "waits"),
/// and a batch that takes long keeps all its messages here, so their age is how long the consumer has been at it.
/// </summary>
public sealed class InFlightDeliveries(TimeProvider time) : IReceiveObserver
{
    private readonly ConcurrentDictionary<ReceiveContext, (string Queue, DateTimeOffset Since)> _deliveries = new(ReferenceEqualityComparer.Instance);

    public Task PreReceive(ReceiveContext context)
    {
        _deliveries[context] = (LastConsumedObserver.QueueOf(context.InputAddress), time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task PostReceive(ReceiveContext context)
    {
        _deliveries.TryRemove(context, out _);
        return Task.CompletedTask;
    }

    public Task ReceiveFault(ReceiveContext context, Exception exception)
    {
        _deliveries.TryRemove(context, out _);
        return Task.CompletedTask;
    }

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType) where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception) where T : class =>
        Task.CompletedTask;

    /// <summary>The messages in flight from one queue and the age of the oldest (null when none).</summary>
    public InFlight Of(string queue)
    {
        var now = time.GetUtcNow();
        long count = 0;
        DateTimeOffset? oldest = null;
        foreach (var (_, delivery) in _deliveries)
        {
            if (delivery.Queue == queue)
            {
                count++;
                oldest = oldest is { } o && o <= delivery.Since ? o : delivery.Since;
            }
        }
        return new InFlight(count, oldest is { } since ? now - since : null);
    }

    /// <summary>Every queue with messages in flight.</summary>
    public IReadOnlyList<string> Queues => [.. _deliveries.Values.Select(d => d.Queue).Distinct().Order(StringComparer.Ordinal)];
}
