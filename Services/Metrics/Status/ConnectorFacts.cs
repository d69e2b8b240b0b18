namespace ConnectorHealth.Metrics.Status;

// What the status board knows of a connector that has run: its stored state and its last 24 h (from the hourly
// rollups of the last 24–25 hours). Rates are 0–1; latencies in milliseconds.
public sealed record ConnectorFacts(
    string Connector,
    DateTimeOffset FirstRunAt,
    Guid LastRunId,
    DateTimeOffset LastRunAt,
    string LastRunStatus,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastFailureAt,
    int FailureStreak,
    TimeSpan? ExpectedInterval,
    int Runs24h,
    double? SuccessRate24h,
    double? RateLimitedRate24h,
    double? P95LatencyMs24h,
    string? Owner = null,
    IReadOnlyList<string>? Tags = null);
