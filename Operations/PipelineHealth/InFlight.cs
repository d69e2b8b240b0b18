namespace ConnectorHealth.Operations.PipelineHealth;

/// <summary>A receive endpoint's messages in flight in this process: delivered, not yet acknowledged.</summary>
public sealed record InFlight(long Count, TimeSpan? OldestAge);
