using System.Globalization;
using System.Net.Sockets;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;

namespace ConnectorHealth.AppHost.Infrastructure;

public static class LocalRabbitMQ
{
    public const string NodeName = "connectorhealth@localhost";

    /// <summary>
    /// The nodes to run (<see cref="LocalOptions.RabbitMQNodes"/>). Node 1 is the one node of a single-node broker, its
    /// name, ports and data where they always were; node <c>n</c> takes the AMQP and distribution ports 2(n − 1) above
    /// node 1's and its data from <c>rabbitmq-n</c> beside node 1's.
    /// </summary>
    public static IReadOnlyList<LocalRabbitMQNode> Nodes(string dataRoot, LocalOptions options) =>
        [.. Enumerable.Range(1, options.RabbitMQNodes).Select(number => number == 1
            ? new LocalRabbitMQNode(1, NodeName, options.RabbitMQPort, options.RabbitMQDistPort, Path.Combine(dataRoot, "rabbitmq"))
            : new LocalRabbitMQNode(
                number,
                $"connectorhealth-{number.ToString(CultureInfo.InvariantCulture)}@localhost",
                options.RabbitMQPort + (2 * (number - 1)),
                options.RabbitMQDistPort + (2 * (number - 1)),
                Path.Combine(dataRoot, $"rabbitmq-{number.ToString(CultureInfo.InvariantCulture)}")))];

    /// <summary>
    /// The environment the RabbitMQ server script reads. Everything lives under <paramref name="dataDirectory"/>,
    /// and Erlang's port mapper (epmd) is our own, on a private port, so nothing outlives the AppHost.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Environment(string dataDirectory, LocalOptions options) =>
        Environment(new LocalRabbitMQNode(1, NodeName, options.RabbitMQPort, options.RabbitMQDistPort, dataDirectory), options);

    /// <summary>The environment of one node of <see cref="Nodes"/>; rabbitmqctl reads it too, to reach that node.</summary>
    public static IReadOnlyDictionary<string, string> Environment(LocalRabbitMQNode node, LocalOptions options) =>
        new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOME"] = Path.Combine(node.DataDirectory, "home"),
            ["RABBITMQ_NODENAME"] = node.Name,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = node.Port.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = node.DistPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(node.DataDirectory, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(node.DataDirectory, "log"),
            ["RABBITMQ_LOGS"] = "-",
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(node.DataDirectory, "enabled_plugins"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(node.DataDirectory, "rabbitmq.conf"),
            ["ERL_EPMD_PORT"] = options.EpmdPort.ToString(CultureInfo.InvariantCulture),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        };

    /// <summary>
    /// The Erlang cookie, which nodes of one cluster (and rabbitmqctl talking to them) must share: written to each node's
    /// HOME before it starts, readable by its owner only, as Erlang requires.
    /// </summary>
    public static void WriteErlangCookie(IReadOnlyDictionary<string, string> environment, string cookie)
    {
        var path = Path.Combine(environment["HOME"], ".erlang.cookie");
        if (File.Exists(path) && File.ReadAllText(path) == cookie)
        {
            return;
        }
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllText(path, cookie);
            return;
        }
        if (File.Exists(path))
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.WriteAllText(path, cookie);
        File.SetUnixFileMode(path, UnixFileMode.UserRead);
    }

    /// <summary>
    /// Joins <paramref name="node"/> to <paramref name="first"/>'s cluster, as RabbitMQ's clustering guide does it: stop the
    /// node's application, join, start it again. Each is a rabbitmqctl call with the node's environment.
    /// </summary>
    public static IReadOnlyList<LaunchSpec> JoinCluster(RabbitMQBinaries binaries, LocalRabbitMQNode node, LocalRabbitMQNode first) =>
    [
        new(binaries.Ctl, ["-n", node.Name, "stop_app"]),
        new(binaries.Ctl, ["-n", node.Name, "join_cluster", first.Name]),
        new(binaries.Ctl, ["-n", node.Name, "start_app"]),
    ];

    /// <summary>Waits until the node's application is running (rabbitmqctl await_startup).</summary>
    public static LaunchSpec AwaitStartup(RabbitMQBinaries binaries, LocalRabbitMQNode node, TimeSpan timeout) =>
        new(binaries.Ctl, ["-n", node.Name, "await_startup", "--timeout", ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)]);

    /// <summary>epmd in the foreground (no <c>-daemon</c>), so the AppHost owns and stops it.</summary>
    public static LaunchSpec Epmd(RabbitMQBinaries binaries, LocalOptions options) =>
        new(binaries.Epmd, ["-port", options.EpmdPort.ToString(CultureInfo.InvariantCulture), "-address", "127.0.0.1"]);

    public static string Config(string password) =>
        $"""
        default_user = {LocalRabbitMQResource.User}
        default_pass = {password}
        default_vhost = /
        log.console = true
        log.console.level = warning
        log.file = false
        """;

    /// <summary>
    /// The local broker: epmd, node 1 (the <c>messaging</c> resource, whose connection string the services get) and, with
    /// <see cref="LocalOptions.RabbitMQNodes"/> above 1, the other nodes joined to it (<see cref="LocalRabbitMQCluster"/>).
    /// </summary>
    public static (IResourceBuilder<LocalRabbitMQResource> Server, IResourceBuilder<ExecutableResource> Epmd, MessagingCluster? Cluster) AddLocalRabbitMQ(
        this IDistributedApplicationBuilder builder, RabbitMQBinaries binaries, LocalOptions options, string dataRoot)
    {
        if (options.RabbitMQNodes is not (1 or 3 or 5 or 7))
        {
            throw new InfrastructureException(
                $"{LocalOptions.Section}:{nameof(LocalOptions.RabbitMQNodes)} is {options.RabbitMQNodes}: use 1, or an odd 3 to 7 "
                + "(a quorum queue stays available while a majority of its nodes are up, so two nodes survive no loss).");
        }
        var nodes = Nodes(dataRoot, options);
        var first = nodes[0];
        var password = LocalSecrets.ReadOrCreate(Path.Combine(dataRoot, "rabbitmq.password"));
        var environment = Environment(first, options);

        if (builder.ExecutionContext.IsRunMode)
        {
            Ports.EnsureFree(options.EpmdPort, "Infrastructure:Local:EpmdPort", "Erlang's port mapper (epmd)");
            Ports.EnsureFree(options.RabbitMQPort, "Infrastructure:Local:RabbitMQPort", "RabbitMQ");
            Ports.EnsureFree(options.RabbitMQDistPort, "Infrastructure:Local:RabbitMQDistPort", "RabbitMQ's distribution listener");
            Prepare(environment, password);
        }

        var epmdLaunch = Epmd(binaries, options);
        var epmdHealthCheck = $"{ResourceNames.MessagingEpmd}-listening";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            epmdHealthCheck, _ => new TcpListeningHealthCheck(options.EpmdPort), failureStatus: default, tags: default));
        var epmd = builder.AddExecutable(ResourceNames.MessagingEpmd, epmdLaunch.Command, first.DataDirectory, [.. epmdLaunch.Args])
            .WithHealthCheck(epmdHealthCheck)
            .ExcludeFromManifest();

        var passwordParameter = builder.AddParameter($"{ResourceNames.Messaging}-password", password, secret: true);
        var resource = new LocalRabbitMQResource(ResourceNames.Messaging, binaries.Server, first.DataDirectory, first.Port, passwordParameter.Resource);
        var healthCheck = $"{ResourceNames.Messaging}-ready";
        var broker = new ReadinessConnection(first.Port, password);
        builder.Services.AddHealthChecks().AddRabbitMQ(_ => broker.GetAsync(), name: healthCheck, timeout: TimeSpan.FromSeconds(10));

        var server = builder.AddResource(resource)
            .WithHealthCheck(healthCheck)
            .WaitFor(epmd)
            .ExcludeFromManifest();
        foreach (var (name, value) in environment)
        {
            server.WithEnvironment(name, value);
        }
        var cluster = nodes.Count > 1 ? builder.AddLocalRabbitMQCluster(binaries, options, nodes, password, dataRoot, server, epmd) : null;
        return (server, epmd, cluster);
    }

    /// <summary>A node's directories, its empty plugin list and its configuration (the generated user and password).</summary>
    internal static void Prepare(IReadOnlyDictionary<string, string> environment, string password)
    {
        Directory.CreateDirectory(environment["HOME"]);
        Directory.CreateDirectory(environment["RABBITMQ_MNESIA_BASE"]);
        Directory.CreateDirectory(environment["RABBITMQ_LOG_BASE"]);
        File.WriteAllText(environment["RABBITMQ_ENABLED_PLUGINS_FILE"], "[].\n");
        File.WriteAllText(environment["RABBITMQ_CONFIG_FILE"], Config(password));
    }
}

/// <summary>
/// The connection the RabbitMQ health check opens a channel on, logged in with the generated credentials. Kept open
/// between checks, and replaced once closed (a stopped and restarted node), so a check never waits on a recovery.
/// </summary>
internal sealed class ReadinessConnection(int port, string password)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;

    public async Task<IConnection> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_connection is { IsOpen: true })
            {
                return _connection;
            }
            if (_connection is not null)
            {
                await _connection.DisposeAsync();
                _connection = null;
            }
            var factory = new ConnectionFactory
            {
                Uri = new Uri($"amqp://{LocalRabbitMQResource.User}:{Uri.EscapeDataString(password)}@127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"),
                RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
                AutomaticRecoveryEnabled = false,
                ClientProvidedName = "apphost-health-check",
            };
            return _connection = await factory.CreateConnectionAsync();
        }
        finally
        {
            _gate.Release();
        }
    }
}

internal sealed class TcpListeningHealthCheck(int port) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (SocketException ex)
        {
            return HealthCheckResult.Unhealthy($"Nothing listens on 127.0.0.1:{port}: {ex.Message}");
        }
    }
}
