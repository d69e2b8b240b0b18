namespace ConnectorHealth.Operations.PipelineHealth;

/// <summary>A dead-letter store that grew within the growth window: by how much, and how many wait now.</summary>
public sealed record DeadLetterGrowth(string Store, long GrewBy, long Waiting);
