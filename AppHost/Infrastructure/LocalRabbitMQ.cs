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
    /// The environment the RabbitMQ server script reads. Everything lives under <paramref name="dataDirectory"/>,
    /// and Erlang's port mapper (epmd) is our own, on a private port, so nothing outlives the AppHost.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Environment(string dataDirectory, LocalOptions options) =>
        new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOME"] = Path.Combine(dataDirectory, "home"),
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = options.RabbitMQPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = options.RabbitMQDistPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dataDirectory, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(dataDirectory, "log"),
            ["RABBITMQ_LOGS"] = "-",
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(dataDirectory, "enabled_plugins"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(dataDirectory, "rabbitmq.conf"),
            ["ERL_EPMD_PORT"] = options.EpmdPort.ToString(CultureInfo.InvariantCulture),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        };

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

    public static (IResourceBuilder<LocalRabbitMQResource> Server, IResourceBuilder<ExecutableResource> Epmd) AddLocalRabbitMQ(
        this IDistributedApplicationBuilder builder, RabbitMQBinaries binaries, LocalOptions options, string dataRoot)
    {
        var dataDirectory = Path.Combine(dataRoot, "rabbitmq");
        var password = LocalSecrets.ReadOrCreate(Path.Combine(dataRoot, "rabbitmq.password"));
        var environment = Environment(dataDirectory, options);

        if (builder.ExecutionContext.IsRunMode)
        {
            Ports.EnsureFree(options.EpmdPort, "Infrastructure:Local:EpmdPort", "Erlang's port mapper (epmd)");
            Ports.EnsureFree(options.RabbitMQPort, "Infrastructure:Local:RabbitMQPort", "RabbitMQ");
            Ports.EnsureFree(options.RabbitMQDistPort, "Infrastructure:Local:RabbitMQDistPort", "RabbitMQ's distribution listener");
            Directory.CreateDirectory(environment["HOME"]);
            Directory.CreateDirectory(environment["RABBITMQ_MNESIA_BASE"]);
            Directory.CreateDirectory(environment["RABBITMQ_LOG_BASE"]);
            File.WriteAllText(environment["RABBITMQ_ENABLED_PLUGINS_FILE"], "[].\n");
            File.WriteAllText(environment["RABBITMQ_CONFIG_FILE"], Config(password));
        }

        var epmdLaunch = Epmd(binaries, options);
        var epmdHealthCheck = $"{ResourceNames.MessagingEpmd}-listening";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            epmdHealthCheck, _ => new TcpListeningHealthCheck(options.EpmdPort), failureStatus: default, tags: default));
        var epmd = builder.AddExecutable(ResourceNames.MessagingEpmd, epmdLaunch.Command, dataDirectory, [.. epmdLaunch.Args])
            .WithHealthCheck(epmdHealthCheck)
            .ExcludeFromManifest();

        var passwordParameter = builder.AddParameter($"{ResourceNames.Messaging}-password", password, secret: true);
        var resource = new LocalRabbitMQResource(ResourceNames.Messaging, binaries.Server, dataDirectory, options.RabbitMQPort, passwordParameter.Resource);
        var healthCheck = $"{ResourceNames.Messaging}-ready";
        var broker = new ReadinessConnection(options.RabbitMQPort, password);
        builder.Services.AddHealthChecks().AddRabbitMQ(_ => broker.GetAsync(), name: healthCheck, timeout: TimeSpan.FromSeconds(10));

        var server = builder.AddResource(resource)
            .WithHealthCheck(healthCheck)
            .WaitFor(epmd)
            .ExcludeFromManifest();
        foreach (var (name, value) in environment)
        {
            server.WithEnvironment(name, value);
        }
        return (server, epmd);
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
