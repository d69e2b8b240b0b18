using ConnectorHealth.Operations.Broker;

namespace ConnectorHealth.PipelineBench;

internal static class QueueDepths
{
    // Ready messages in each queue; null where the broker could not be asked.
    public static async Task<long?[]> ReadyAsync(RabbitMqBrokerAdmin admin, IReadOnlyList<string> queues, CancellationToken cancellationToken)
    {
        var depths = new long?[queues.Count];
        for (var i = 0; i < queues.Count; i++)
        {
            depths[i] = (await admin.GetQueueDepthAsync(queues[i], cancellationToken))?.Messages;
        }
        return depths;
    }
}
