namespace ConnectorHealth.Metrics.Responses;

// One run with its attempts; TraceId links it to its trace in the Aspire dashboard. A running run (status running)
// has no finishedAt and no attempts; its latencyMs runs to updatedAt. Lineage is null for runs not from OpenLineage.
public sealed record RunDetail(
    Guid RunId,
    string Connector,
    string Source,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    double LatencyMs,
    bool RateLimited,
    string? ErrorType,
    string? ErrorMessage,
    string? TraceId,
    long PayloadBytes,
    bool PayloadTruncated,
    TimeSpan? ExpectedInterval,
    DateTimeOffset ReceivedAt,
    IReadOnlyList<AttemptDetail> Attempts,
    DateTimeOffset? UpdatedAt = null,
    double? LatenessMs = null,
    RunLineageDetail? Lineage = null);

public sealed record AttemptDetail(
    int Number,
    DateTimeOffset StartedAt,
    double DurationMs,
    string Outcome,
    int? HttpStatus,
    string? ErrorType,
    string? ErrorMessage,
    double? RetryAfterMs,
    double? BackoffMs);
