namespace ConnectorHealth.Runner.Apis;

public sealed record RunStarted(Guid RunId);
