namespace ConnectorHealth.Operations.PipelineHealth;

/// <summary>The name of the service whose pipeline this is (used in routes and hints).</summary>
public sealed record PipelineService(string Name);
