namespace ConnectorHealth.Metrics.Responses;

// A run of the list. A running run (status running) has no finishedAt; its latencyMs is the time from its start to
// updatedAt, when it was last known to be alive. Lineage is null for runs that did not come from OpenLineage.
public sealed record RunSummary(
    Guid RunId,
    string Connector,
    string Source,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    double LatencyMs,
    int Attempts,
    bool RateLimited,
    string? ErrorType,
    string? ErrorMessage,
    string? TraceId,
    DateTimeOffset? UpdatedAt = null,
    RunLineageDetail? Lineage = null);
