namespace ConnectorHealth.ServiceDefaults.Pipeline;

/// <summary>Messages a service has accepted but not yet published, and how long the oldest has waited.</summary>
public sealed record PublishBacklog(long Count, TimeSpan? OldestAge);

public interface IPublishBacklogSource
{
    PublishBacklog Current { get; }
}
