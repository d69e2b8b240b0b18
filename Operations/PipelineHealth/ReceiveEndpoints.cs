using System.Collections.Concurrent;

namespace ConnectorHealth.Operations.PipelineHealth;

/// <summary>
/// The service's receive endpoints (their queue names, recorded as MassTransit configures them) and when each last
/// finished a message.
/// </summary>
public sealed class ReceiveEndpoints
{
    private readonly ConcurrentDictionary<string, bool> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastConsumed = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Queues => [.. _queues.Keys.Order(StringComparer.Ordinal)];

    public void Register(string queue) => _queues.TryAdd(queue, true);

    public void Consumed(string queue, DateTimeOffset at) =>
        _lastConsumed.AddOrUpdate(queue, at, (_, previous) => at > previous ? at : previous);

    public DateTimeOffset? LastConsumedAt(string queue) => _lastConsumed.TryGetValue(queue, out var at) ? at : null;
}
