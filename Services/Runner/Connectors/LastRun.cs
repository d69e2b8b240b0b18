namespace ConnectorHealth.Runner.Connectors;

/// <summary>The last run the runner knows of for a connector.</summary>
public sealed record LastRun(Guid RunId, string Status, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, string? ErrorType);
