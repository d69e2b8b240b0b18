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

        var join = new ClusterJoin(binaries, nodes, options);
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
            var healthCheck = $"{name}-joined";
            var amqp = new ReadinessConnection(node.Port, password);
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                healthCheck, _ => new ClusterMemberHealthCheck(join, node, amqp), failureStatus: default, tags: default));
            var server = builder.AddExecutable(name, binaries.Server, node.DataDirectory)
                .WithHealthCheck(healthCheck)
                .WaitFor(epmd)
                .ExcludeFromManifest();
            foreach (var (key, value) in environment)
            {
                server.WithEnvironment(key, value);
            }
            resources.Add(server);
        }
        // Once node 1 takes connections; each join waits for its node's own start (rabbitmqctl await_startup) itself.
        first.OnResourceReady((resource, ready, _) =>
        {
            // Not awaited: the nodes' health checks report the joins, and node 1's readiness must not wait for them.
            join.StartAsync(ready.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource));
            return Task.CompletedTask;
        });

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
/// Joins nodes 2 … n to node 1's cluster, one after the other (RabbitMQ wants one join at a time), once per AppHost run and
/// once per data directory: rabbitmqctl await_startup, stop_app, join_cluster, start_app (with the node's environment: its
/// epmd port and cookie), then a marker in the node's data directory.
/// </summary>
public sealed class ClusterJoin(RabbitMQBinaries binaries, IReadOnlyList<LocalRabbitMQNode> nodes, LocalOptions options)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private readonly Lock _gate = new();
    private readonly HashSet<string> _joined = new(StringComparer.Ordinal);
    private Task? _join;

    public bool HasJoined(LocalRabbitMQNode node)
    {
        lock (_gate)
        {
            return _joined.Contains(node.Name);
        }
    }

    public string? Failure => _join?.Exception?.GetBaseException().Message;

    /// <summary>Starts the joins (once: later calls return the same task).</summary>
    public Task StartAsync(ILogger logger)
    {
        lock (_gate)
        {
            return _join ??= Task.Run(() => JoinAll(logger));
        }
    }

    private void JoinAll(ILogger logger)
    {
        var first = nodes[0];
        foreach (var node in nodes.Skip(1))
        {
            var environment = LocalRabbitMQ.Environment(node, options);
            Run(LocalRabbitMQ.AwaitStartup(binaries, node, StartTimeout), node, environment);
            var marker = Path.Combine(node.DataDirectory, LocalRabbitMQCluster.JoinedMarker);
            if (!File.Exists(marker))
            {
                foreach (var step in LocalRabbitMQ.JoinCluster(binaries, node, first))
                {
                    Run(step, node, environment);
                }
                File.WriteAllText(marker, first.Name);
                logger.LogInformation("{Node} joined {First}'s cluster", node.Name, first.Name);
            }
            lock (_gate)
            {
                _joined.Add(node.Name);
            }
        }
    }

    private static void Run(LaunchSpec step, LocalRabbitMQNode node, IReadOnlyDictionary<string, string> environment)
    {
        var result = HostCommand.Run(step.Command, step.Args, StartTimeout + TimeSpan.FromSeconds(30), node.DataDirectory, environment);
        if (result.ExitCode != 0)
        {
            throw new InfrastructureException($"rabbitmqctl {string.Join(' ', step.Args)} failed ({result.ExitCode}): {result.Output.Trim()}");
        }
    }
}

/// <summary>A node that has joined the cluster and takes connections.</summary>
internal sealed class ClusterMemberHealthCheck(ClusterJoin join, LocalRabbitMQNode node, ReadinessConnection amqp) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!join.HasJoined(node))
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
