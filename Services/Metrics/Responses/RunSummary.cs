namespace ConnectorHealth.Metrics.Responses;

public sealed record RunSummary(
    Guid RunId,
    string Connector,
    string Source,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    double LatencyMs,
    int Attempts,
    bool RateLimited,
    string? ErrorType,
    string? ErrorMessage,
    string? TraceId);
