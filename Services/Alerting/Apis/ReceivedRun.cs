namespace ConnectorHealth.Alerting.Apis;

/// <summary>What alerting took in of one run: the fields its rules read, exactly as stored.</summary>
public sealed record ReceivedRun(
    Guid RunId, string Connector, string Status, DateTimeOffset FinishedAt, double LatencyMs, bool RateLimited, string? ErrorType,
    string? ErrorMessage, DateTimeOffset ReceivedAt);
