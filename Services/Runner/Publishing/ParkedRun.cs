namespace ConnectorHealth.Runner.Publishing;

/// <summary>A run set aside because the broker would not take it.</summary>
public sealed record ParkedRun(Guid RunId, string Connector, string Reason, string? ExceptionType, int Failures, DateTimeOffset ParkedAt);
