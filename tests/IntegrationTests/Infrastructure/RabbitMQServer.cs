using System.Diagnostics;
using ConnectorHealth.AppHost.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ConnectorHealth.IntegrationTests.Infrastructure;

/// <summary>
/// A real RabbitMQ node (and its own epmd), started with the AppHost's local-mode environment on free ports.
/// It can be stopped and started again on the same data, to test what happens while the broker is away.
/// </summary>
public sealed class RabbitMQServer : IAsyncLifetime
{
    private readonly string _root = TestDirectories.Create("rabbitmq");
    private readonly string _password = Guid.NewGuid().ToString("N");
    private readonly LocalOptions _options = new()
    {
        RabbitMQPort = TestPorts.Free(),
        RabbitMQDistPort = TestPorts.Free(),
        EpmdPort = TestPorts.Free(),
    };
    private readonly RabbitMQBinaries _binaries = new HostProbe().FindRabbitMQ()
        ?? throw new InvalidOperationException("RabbitMQ not found: run 'make test', which installs it.");
    private Process? _epmd;
    private Process? _server;

    public int Port => _options.RabbitMQPort;

    public Uri Uri => new($"amqp://{LocalRabbitMQResource.User}:{_password}@127.0.0.1:{Port}/");

    public async Task InitializeAsync()
    {
        var dataDirectory = Path.Combine(_root, "rabbitmq");
        var environment = LocalRabbitMQ.Environment(dataDirectory, _options);
        foreach (var key in new[] { "HOME", "RABBITMQ_MNESIA_BASE", "RABBITMQ_LOG_BASE" })
        {
            Directory.CreateDirectory(environment[key]);
        }
        File.WriteAllText(environment["RABBITMQ_ENABLED_PLUGINS_FILE"], "[].\n");
        File.WriteAllText(environment["RABBITMQ_CONFIG_FILE"], LocalRabbitMQ.Config(_password));

        _epmd = TestProcess.Start(LocalRabbitMQ.Epmd(_binaries, _options), _root);
        await StartAsync();
    }

    /// <summary>Starts the node (again) and waits until a client can open a channel.</summary>
    public async Task StartAsync()
    {
        var dataDirectory = Path.Combine(_root, "rabbitmq");
        _server = TestProcess.Start(
            new LaunchSpec(_binaries.Server, []), _root, LocalRabbitMQ.Environment(dataDirectory, _options));
        await TestProcess.WaitUntilReadyAsync(_server, async () =>
        {
            try
            {
                var factory = new ConnectionFactory { Uri = Uri, RequestedConnectionTimeout = TimeSpan.FromSeconds(2) };
                await using var connection = await factory.CreateConnectionAsync();
                await using var channel = await connection.CreateChannelAsync();
                return true;
            }
            catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or IOException)
            {
                // The AMQP port opens some seconds after the node starts.
                return false;
            }
        }, TimeSpan.FromSeconds(90));
    }

    /// <summary>
    /// A new virtual host on this node, open to the test user, and its URI: services on it see queues and exchanges of
    /// their own, so two set-ups of the same service (an oracle and its replicas) run side by side on one node.
    /// </summary>
    public async Task<Uri> AddVirtualHostAsync(string name)
    {
        await ControlAsync("add_vhost", name);
        await ControlAsync("set_permissions", "-p", name, LocalRabbitMQResource.User, ".*", ".*", ".*");
        return new Uri(Uri, Uri.EscapeDataString(name));
    }

    // rabbitmqctl beside the server script, with the node's environment (its name, epmd port and Erlang cookie's home).
    private async Task ControlAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(Path.GetDirectoryName(_binaries.Server)!, "rabbitmqctl"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in LocalRabbitMQ.Environment(Path.Combine(_root, "rabbitmq"), _options))
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', args)} exited with {process.ExitCode}: {await output}{await errors}");
        }
    }

    /// <summary>Stops the node (SIGTERM: the server script shuts RabbitMQ down cleanly); epmd stays.</summary>
    public Task StopAsync() => TestProcess.StopAsync(_server, signal: 15);

    public async Task DisposeAsync()
    {
        await StopAsync();
        await TestProcess.StopAsync(_epmd, signal: 15);
        TestDirectories.Delete(_root);
    }
}

[CollectionDefinition(Name)]
public sealed class RabbitMQCollection : ICollectionFixture<RabbitMQServer>
{
    public const string Name = "rabbitmq";
}
