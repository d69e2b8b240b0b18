namespace ConnectorHealth.AppHost.Infrastructure;

/// <summary>The database and the message broker every service is wired to, whatever the mode.</summary>
public sealed record ConnectorHealthInfrastructure(
    InfrastructureMode Mode,
    IResourceBuilder<IResourceWithConnectionString> Database,
    IResourceBuilder<IResourceWithConnectionString> Messaging);
