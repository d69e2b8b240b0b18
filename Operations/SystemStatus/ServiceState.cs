namespace ConnectorHealth.Operations.SystemStatus;

/// <summary>
/// A service's pipeline state, as served by <c>GET /api/system/{service}</c>. A null number is unknown (the broker could
/// not be reached). Status: healthy | degraded | unhealthy (from the service's health checks); the gateway adds unreachable.
/// </summary>
public sealed record ServiceState(
    string Service,
    string Status,
    IReadOnlyList<string> Reasons,
    IReadOnlyList<QueueState> Queues,
    IReadOnlyList<DeadLetterStoreState> DeadLetters,
    PublishBacklogState? PublishBacklog);

/// <summary>
/// A consumer queue: <see cref="Messages"/> wait in the broker (ready, not yet delivered); <see cref="InFlight"/> were
/// delivered to this replica and are not yet acknowledged, the oldest for <see cref="OldestInFlightSeconds"/>.
/// </summary>
public sealed record QueueState(
    string Name, long? Messages, long? Consumers, DateTimeOffset? LastConsumedAt, double? LagSeconds, long InFlight = 0,
    double? OldestInFlightSeconds = null);

public sealed record DeadLetterStoreState(string Name, long? Count);

public sealed record PublishBacklogState(long Count, double? OldestAgeSeconds);
