using System.Collections.Concurrent;
using ConnectorHealth.Operations.Broker;
using ConnectorHealth.Operations.PipelineHealth;

namespace ConnectorHealth.Operations.DeadLetters;

/// <summary>
/// Every dead-letter store of the service: those registered in DI as <see cref="IDeadLetterStore"/> (e.g. the runner's
/// parked runs) and one <see cref="ErrorQueueDeadLetterStore"/> per receive endpoint. The endpoints are known only once
/// MassTransit has configured them, after the container was built, hence this registry rather than DI registrations.
/// </summary>
public sealed class DeadLetterStores(IEnumerable<IDeadLetterStore> registered, ReceiveEndpoints endpoints, RabbitMqBrokerAdmin broker)
{
    private readonly IDeadLetterStore[] _registered = [.. registered];
    private readonly ConcurrentDictionary<string, ErrorQueueDeadLetterStore> _errorQueues = new(StringComparer.Ordinal);

    public IReadOnlyList<IDeadLetterStore> All =>
        [.. _registered, .. endpoints.Queues.Select(queue => _errorQueues.GetOrAdd(queue, q => new ErrorQueueDeadLetterStore(q, broker)))];
}
