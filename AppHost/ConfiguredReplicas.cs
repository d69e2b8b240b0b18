using ConnectorHealth.AppHost.Infrastructure;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.AppHost;

/// <summary>
/// How many replicas of a service the AppHost runs: <c>Replicas:&lt;resource&gt;</c> (default 1), e.g.
/// <c>Replicas__runner=2</c>. The services keep no state of their own between messages and requests, so replicas need
/// nothing but the shared PostgreSQL and RabbitMQ: the runner's replicas share one schedule, the consumers share their queues.
/// </summary>
internal static class ConfiguredReplicas
{
    public const int Most = 16;

    /// <summary>The services that may run as replicas (the gateway and the web UI are one each: they are the way in).</summary>
    public static readonly IReadOnlyList<string> Services = [ResourceNames.Runner, ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting];

    /// <summary>Checks every <c>Replicas:*</c> setting before anything starts, naming a bad one.</summary>
    public static void Validate(IConfiguration configuration)
    {
        foreach (var setting in configuration.GetSection("Replicas").GetChildren())
        {
            if (!Services.Contains(setting.Key))
            {
                throw new InfrastructureException($"Replicas:{setting.Key}: only {string.Join(", ", Services)} run as replicas.");
            }
            if (!int.TryParse(setting.Value, out var replicas) || replicas is < 1 or > Most)
            {
                throw new InfrastructureException($"Replicas:{setting.Key} must be a whole number from 1 to {Most} (was '{setting.Value}').");
            }
        }
    }

    public static IResourceBuilder<ProjectResource> WithConfiguredReplicas(this IResourceBuilder<ProjectResource> project, IConfiguration configuration) =>
        int.TryParse(configuration[$"Replicas:{project.Resource.Name}"], out var replicas) && replicas > 1 ? project.WithReplicas(replicas) : project;
}
