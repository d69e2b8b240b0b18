namespace ConnectorHealth.Operations.PipelineHealth;

/// <summary>A service part that holds messages accepted but not yet published (counted by the publish-backlog health check).</summary>
public interface IPublishBacklogSource
{
    PublishBacklog Current { get; }
}
