using System.Globalization;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace ConnectorHealth.AppHost.Infrastructure;

/// <summary>
/// Nodes 2 … n of a local RabbitMQ cluster (<see cref="LocalOptions.RabbitMQNodes"/>): each its own server process
/// (<c>messaging-2</c>, <c>messaging-3</c>) with its own node name, ports and data, the same epmd and Erlang cookie as
/// node 1, joined to node 1 once both are up. Every service then knows all the nodes and declares quorum queues.
/// </summary>
public static class LocalRabbitMQCluster
{
    /// <summary>Written in a node's data directory once it has joined, so the next start does not join it again.</summary>
    public const string JoinedMarker = "joined-cluster";

    public static MessagingCluster AddLocalRabbitMQCluster(
        this IDistributedApplicationBuilder builder, RabbitMQBinaries binaries, LocalOptions options, IReadOnlyList<LocalRabbitMQNode> nodes,
        string password, string dataRoot, IResourceBuilder<LocalRabbitMQResource> first, IResourceBuilder<ExecutableResource> epmd)
    {
        var cookie = LocalSecrets.ReadOrCreate(Path.Combine(dataRoot, "rabbitmq.cookie"));
        if (builder.ExecutionContext.IsRunMode)
        {
            LocalRabbitMQ.WriteErlangCookie(LocalRabbitMQ.Environment(nodes[0], options), cookie);
        }

        var resources = new List<IResourceBuilder<ExecutableResource>>();
        foreach (var node in nodes.Skip(1))
        {
            var number = node.Number.ToString(CultureInfo.InvariantCulture);
            var environment = LocalRabbitMQ.Environment(node, options);
            if (builder.ExecutionContext.IsRunMode)
            {
                Ports.EnsureFree(node.Port, "Infrastructure:Local:RabbitMQPort", $"RabbitMQ node {number} (RabbitMQPort + {2 * (node.Number - 1)})");
                Ports.EnsureFree(node.DistPort, "Infrastructure:Local:RabbitMQDistPort",
                    $"RabbitMQ node {number}'s distribution listener (RabbitMQDistPort + {2 * (node.Number - 1)})");
                LocalRabbitMQ.Prepare(environment, password);
                LocalRabbitMQ.WriteErlangCookie(environment, cookie);
            }

            var name = $"{ResourceNames.Messaging}-{number}";
            var join = new ClusterJoin(binaries, node, nodes[0], environment);
            var healthCheck = $"{name}-joined";
            var amqp = new ReadinessConnection(node.Port, password);
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                healthCheck, _ => new ClusterMemberHealthCheck(join, amqp), failureStatus: default, tags: default));
            var server = builder.AddExecutable(name, binaries.Server, node.DataDirectory)
                .WithHealthCheck(healthCheck)
                .WaitFor(epmd)
                .ExcludeFromManifest();
            foreach (var (key, value) in environment)
            {
                server.WithEnvironment(key, value);
            }
            // Once node 1 takes connections: the join waits for this node's own start (rabbitmqctl await_startup) itself.
            builder.Eventing.Subscribe<ResourceReadyEvent>(first.Resource, (ready, _) =>
            {
                join.Start(ready.Services.GetRequiredService<ResourceLoggerService>().GetLogger(server.Resource));
                return Task.CompletedTask;
            });
            resources.Add(server);
        }

        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [$"{MessagingOptions.Section}__{nameof(MessagingOptions.ClusterNodes)}"] =
                string.Join(',', nodes.Select(n => $"127.0.0.1:{n.Port.ToString(CultureInfo.InvariantCulture)}")),
            [$"{MessagingOptions.Section}__{nameof(MessagingOptions.QuorumQueues)}"] = "true",
        };
        return new MessagingCluster(resources, settings);
    }
}

/// <summary>
/// Joins one node to node 1's cluster, once per AppHost run and once per data directory: stop_app, join_cluster,
/// start_app (rabbitmqctl with the node's environment: its epmd port and cookie), then a marker in its data directory.
/// </summary>
internal sealed class ClusterJoin(
    RabbitMQBinaries binaries, LocalRabbitMQNode node, LocalRabbitMQNode first, IReadOnlyDictionary<string, string> environment)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private readonly Lock _gate = new();
    private Task? _join;

    public bool Joined => _join is { IsCompletedSuccessfully: true };

    public string? Failure => _join?.Exception?.GetBaseException().Message;

    public void Start(ILogger logger)
    {
        lock (_gate)
        {
            _join ??= Task.Run(() => Join(logger));
        }
    }

    private void Join(ILogger logger)
    {
        Run(LocalRabbitMQ.AwaitStartup(binaries, node, StartTimeout));
        var marker = Path.Combine(node.DataDirectory, LocalRabbitMQCluster.JoinedMarker);
        if (File.Exists(marker))
        {
            return;
        }
        foreach (var step in LocalRabbitMQ.JoinCluster(binaries, node, first))
        {
            Run(step);
        }
        File.WriteAllText(marker, first.Name);
        logger.LogInformation("{Node} joined {First}'s cluster", node.Name, first.Name);
    }

    private void Run(LaunchSpec step)
    {
        var result = HostCommand.Run(step.Command, step.Args, StartTimeout + TimeSpan.FromSeconds(30), node.DataDirectory, environment);
        if (result.ExitCode != 0)
        {
            throw new InfrastructureException($"rabbitmqctl {string.Join(' ', step.Args)} failed ({result.ExitCode}): {result.Output.Trim()}");
        }
    }
}

/// <summary>A node that has joined the cluster and takes connections.</summary>
internal sealed class ClusterMemberHealthCheck(ClusterJoin join, ReadinessConnection amqp) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!join.Joined)
        {
            return HealthCheckResult.Unhealthy(join.Failure ?? "Joining node 1's cluster");
        }
        try
        {
            await amqp.GetAsync();
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException)
        {
            return HealthCheckResult.Unhealthy($"Joined, but takes no connection yet: {ex.Message}");
        }
    }
}
