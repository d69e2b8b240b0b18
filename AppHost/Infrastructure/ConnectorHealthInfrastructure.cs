namespace ConnectorHealth.AppHost.Infrastructure;

/// <summary>
/// The database and the message broker every service is wired to, whatever the mode; with a local RabbitMQ cluster,
/// its other nodes and the settings that make the services use them (<see cref="MessagingCluster"/>).
/// </summary>
public sealed record ConnectorHealthInfrastructure(
    InfrastructureMode Mode,
    IResourceBuilder<IResourceWithConnectionString> Database,
    IResourceBuilder<IResourceWithConnectionString> Messaging,
    MessagingCluster? MessagingCluster = null);

/// <summary>The nodes of a local RabbitMQ cluster beyond node 1, and the settings every service gets to use them.</summary>
public sealed record MessagingCluster(IReadOnlyList<IResourceBuilder<ExecutableResource>> Nodes, IReadOnlyDictionary<string, string> ServiceSettings);

public static class MessagingWiring
{
    /// <summary>
    /// The broker for a service: the <c>messaging</c> connection string (node 1), waited for; with a local cluster, every
    /// other node waited for until it has joined, and <c>Messaging:ClusterNodes</c> and <c>Messaging:QuorumQueues</c> set.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithMessaging(
        this IResourceBuilder<ProjectResource> service, ConnectorHealthInfrastructure infrastructure)
    {
        service.WithReference(infrastructure.Messaging, ServiceDefaults.ResourceNames.Messaging).WaitFor(infrastructure.Messaging);
        if (infrastructure.MessagingCluster is { } cluster)
        {
            foreach (var node in cluster.Nodes)
            {
                service.WaitFor(node);
            }
            foreach (var (name, value) in cluster.ServiceSettings)
            {
                service.WithEnvironment(name, value);
            }
        }
        return service;
    }
}
