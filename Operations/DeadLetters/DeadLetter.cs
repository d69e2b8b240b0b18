namespace ConnectorHealth.Operations.DeadLetters;

/// <summary>A message that could not be processed and waits to be re-driven.</summary>
public sealed record DeadLetter(
    string Id, string Store, string Reason, string? ExceptionType, DateTimeOffset? FailedAt, Guid? RunId, string? Connector, string? MessageType);
