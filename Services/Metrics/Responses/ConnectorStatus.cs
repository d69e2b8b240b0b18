namespace ConnectorHealth.Metrics.Responses;

// One line of the status board. The 24 h figures come from the hourly rollups of the last 24–25 hours; the owner and
// tags are those the connector's latest run that stated them said.
public sealed record ConnectorStatus(
    string Connector,
    string State,
    IReadOnlyList<string> Reasons,
    Guid? LastRunId,
    DateTimeOffset? LastRunAt,
    string? LastRunStatus,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastFailureAt,
    int FailureStreak,
    TimeSpan? ExpectedInterval,
    int Runs24h,
    double? SuccessRate24h,
    double? RateLimitedRate24h,
    double? P95LatencyMs24h,
    string? Owner,
    IReadOnlyList<string> Tags);
