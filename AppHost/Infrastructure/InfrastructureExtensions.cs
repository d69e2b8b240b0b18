using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.AppHost.Infrastructure;

public static class InfrastructureExtensions
{
    /// <summary>
    /// Adds PostgreSQL (database <c>connectorhealth</c>) and RabbitMQ as <c>Infrastructure:Mode</c> says:
    /// containers, the machine's own binaries, or external connection strings.
    /// </summary>
    public static ConnectorHealthInfrastructure AddInfrastructure(this IDistributedApplicationBuilder builder, IHostProbe? probe = null)
    {
        probe ??= new HostProbe();
        var requested = InfrastructureModeSelector.Parse(builder.Configuration["Infrastructure:Mode"]);
        var mode = InfrastructureModeSelector.Resolve(requested, probe);

        return mode switch
        {
            InfrastructureMode.Containers => AddContainers(builder),
            InfrastructureMode.Local => AddLocal(builder, probe),
            _ => AddExternal(builder),
        };
    }

    private static ConnectorHealthInfrastructure AddContainers(IDistributedApplicationBuilder builder)
    {
        var database = builder.AddPostgres(ResourceNames.Postgres)
            .WithDataVolume()
            .WithLifetime(ContainerLifetime.Persistent)
            .AddDatabase(ResourceNames.Database);
        var messaging = builder.AddRabbitMQ(ResourceNames.Messaging)
            .WithDataVolume()
            .WithLifetime(ContainerLifetime.Persistent)
            .WithManagementPlugin();
        return new(InfrastructureMode.Containers, Widen(database), Widen(messaging));
    }

    private static ConnectorHealthInfrastructure AddLocal(IDistributedApplicationBuilder builder, IHostProbe probe)
    {
        var options = builder.Configuration.GetSection(LocalOptions.Section).Get<LocalOptions>() ?? new LocalOptions();
        var dataRoot = Path.GetFullPath(options.DataDirectory
            ?? Path.Combine(builder.AppHostDirectory, "..", ".data"));

        var postgres = builder.AddLocalPostgres(probe.FindPostgres()!, options, dataRoot);
        var (messaging, _, cluster) = builder.AddLocalRabbitMQ(probe.FindRabbitMQ()!, options, dataRoot);
        return new(InfrastructureMode.Local, Widen(postgres), Widen(messaging), cluster);
    }

    private static ConnectorHealthInfrastructure AddExternal(IDistributedApplicationBuilder builder)
    {
        var missing = new[] { ResourceNames.Database, ResourceNames.Messaging }
            .Where(name => string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name)))
            .Select(name => $"ConnectionStrings:{name}")
            .ToList();
        if (missing.Count > 0)
        {
            throw new InfrastructureException(
                $"Infrastructure:Mode is 'external' but {string.Join(" and ", missing)} {(missing.Count == 1 ? "is" : "are")} not set.");
        }

        return new(InfrastructureMode.External,
            builder.AddConnectionString(ResourceNames.Database),
            builder.AddConnectionString(ResourceNames.Messaging));
    }

    private static IResourceBuilder<IResourceWithConnectionString> Widen<T>(IResourceBuilder<T> resource)
        where T : IResourceWithConnectionString =>
        resource.ApplicationBuilder.CreateResourceBuilder<IResourceWithConnectionString>(resource.Resource);
}
