namespace ConnectorHealth.Operations.PipelineHealth;

/// <summary>Messages a service has accepted but not yet published, and how long the oldest has waited.</summary>
public sealed record PublishBacklog(long Count, TimeSpan? OldestAge);
