using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ConnectorHealth.AppHost.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ConnectorHealth.IntegrationTests.Infrastructure;

/// <summary>
/// Three real RabbitMQ nodes clustered as the AppHost's local mode clusters them (one epmd, one Erlang cookie, nodes 2 and
/// 3 joined to node 1), on ports in 56000–56999. A node can be killed outright (SIGKILL to its Erlang VM) and started
/// again on its data, to test what a client sees when a node is lost.
/// </summary>
public sealed class RabbitMQCluster : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly string _root = TestDirectories.Create("rabbitmq-cluster");
    private readonly string _password = Guid.NewGuid().ToString("N");
    private readonly string _cookie = Guid.NewGuid().ToString("N").ToUpperInvariant();
    private readonly RabbitMQBinaries _binaries = new HostProbe().FindRabbitMQ()
        ?? throw new InvalidOperationException("RabbitMQ not found: run 'make test', which installs it.");
    private readonly LocalOptions _options;
    private readonly Process?[] _servers = new Process?[3];
    private Process? _epmd;

    public RabbitMQCluster()
    {
        // epmd, then AMQP and distribution ports of the three nodes as LocalRabbitMQ.Nodes lays them out (base, base + 2, base + 4).
        var first = FreeRange(56000, 56999, 7);
        _options = new LocalOptions { EpmdPort = first, RabbitMQPort = first + 1, RabbitMQDistPort = first + 2, RabbitMQNodes = 3 };
        Nodes = LocalRabbitMQ.Nodes(_root, _options);
    }

    public IReadOnlyList<LocalRabbitMQNode> Nodes { get; }

    /// <summary>The connection string: node 1. Clients that know the cluster take <see cref="ClusterNodes"/> as well.</summary>
    public Uri Uri => UriOf(Nodes[0]);

    /// <summary><c>Messaging:ClusterNodes</c> for this cluster, node 1 first.</summary>
    public string ClusterNodes => string.Join(',', Nodes.Select(n => $"127.0.0.1:{n.Port.ToString(CultureInfo.InvariantCulture)}"));

    public async Task InitializeAsync()
    {
        foreach (var node in Nodes)
        {
            var environment = LocalRabbitMQ.Environment(node, _options);
            foreach (var key in new[] { "HOME", "RABBITMQ_MNESIA_BASE", "RABBITMQ_LOG_BASE" })
            {
                Directory.CreateDirectory(environment[key]);
            }
            File.WriteAllText(environment["RABBITMQ_ENABLED_PLUGINS_FILE"], "[].\n");
            File.WriteAllText(environment["RABBITMQ_CONFIG_FILE"], LocalRabbitMQ.Config(_password));
            LocalRabbitMQ.WriteErlangCookie(environment, _cookie);
        }
        _epmd = TestProcess.Start(LocalRabbitMQ.Epmd(_binaries, _options), _root);
        await Task.WhenAll(Nodes.Select(StartAsync));
        // Joined as the AppHost joins them.
        await new ClusterJoin(_binaries, Nodes, _options).StartAsync(NullLogger.Instance);
        await Task.WhenAll(Nodes.Select(WaitUntilReadyAsync));
    }

    /// <summary>Starts a node (again, on its data) and waits until a client can open a channel on it.</summary>
    public async Task StartAsync(LocalRabbitMQNode node)
    {
        _servers[node.Number - 1] = TestProcess.Start(
            new LaunchSpec("nice", ["-n", "19", _binaries.Server]), _root, LocalRabbitMQ.Environment(node, _options));
        await WaitUntilReadyAsync(node);
    }

    /// <summary>
    /// Kills the node's Erlang VM with SIGKILL: no clean shutdown, no goodbye to its peers or clients, as when a machine is lost.
    /// The server script that started it then exits.
    /// </summary>
    public async Task KillAsync(LocalRabbitMQNode node)
    {
        var script = _servers[node.Number - 1] ?? throw new InvalidOperationException($"{node.Name} is not running");
        var vm = HostCommand.Run("pgrep", ["-P", script.Id.ToString(CultureInfo.InvariantCulture), "beam.smp"], TimeSpan.FromSeconds(10))
            .Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(vm);
        foreach (var pid in vm)
        {
            HostCommand.Run("kill", ["-9", pid], TimeSpan.FromSeconds(5));
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await script.WaitForExitAsync(timeout.Token);
        _servers[node.Number - 1] = null;
    }

    /// <summary>The node holding the leader of a quorum queue, asked of a node that is up.</summary>
    public LocalRabbitMQNode LeaderOf(string queue, LocalRabbitMQNode askedOf) =>
        TryLeaderOf(queue, askedOf) ?? throw new InvalidOperationException($"{askedOf.Name} names no leader for {queue}");

    /// <summary>The node holding the leader of a quorum queue; null while there is none (an election under way).</summary>
    public LocalRabbitMQNode? TryLeaderOf(string queue, LocalRabbitMQNode askedOf)
    {
        var result = HostCommand.Run(_binaries.Ctl, ["-n", askedOf.Name, "list_queues", "name", "leader", "--no-table-headers", "--quiet"],
            TimeSpan.FromSeconds(60), _root, LocalRabbitMQ.Environment(askedOf, _options));
        if (result.ExitCode != 0)
        {
            return null;
        }
        var fields = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('\t'))
            .FirstOrDefault(fields => fields.Length == 2 && fields[0] == queue);
        return fields is null ? null : Nodes.SingleOrDefault(n => n.Name == fields[1]);
    }

    /// <summary>Every queue with its type (classic, quorum), as node 1 lists them.</summary>
    public IReadOnlyDictionary<string, string> QueueTypes()
    {
        var output = Ctl(Nodes[0], new LaunchSpec(_binaries.Ctl, ["-n", Nodes[0].Name, "list_queues", "name", "type", "--no-table-headers", "--quiet"]));
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('\t'))
            .Where(fields => fields.Length == 2)
            .ToDictionary(fields => fields[0], fields => fields[1], StringComparer.Ordinal);
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await TestProcess.StopAsync(server, signal: 15);
        }
        await TestProcess.StopAsync(_epmd, signal: 15);
        TestDirectories.Delete(_root);
    }

    private Uri UriOf(LocalRabbitMQNode node) =>
        new($"amqp://{LocalRabbitMQResource.User}:{_password}@127.0.0.1:{node.Port.ToString(CultureInfo.InvariantCulture)}/");

    private string Ctl(LocalRabbitMQNode node, LaunchSpec step)
    {
        var result = HostCommand.Run(step.Command, step.Args, TimeSpan.FromSeconds(120), _root, LocalRabbitMQ.Environment(node, _options));
        return result.ExitCode == 0
            ? result.Output
            : throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', step.Args)} failed ({result.ExitCode}): {result.Output}");
    }

    private Task WaitUntilReadyAsync(LocalRabbitMQNode node) =>
        TestProcess.WaitUntilReadyAsync(_servers[node.Number - 1]!, async () =>
        {
            try
            {
                var factory = new ConnectionFactory { Uri = UriOf(node), RequestedConnectionTimeout = TimeSpan.FromSeconds(2) };
                await using var connection = await factory.CreateConnectionAsync();
                await using var channel = await connection.CreateChannelAsync();
                return true;
            }
            catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or IOException)
            {
                return false;
            }
        }, StartTimeout);

    /// <summary>The first of <paramref name="count"/> consecutive free ports in [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static int FreeRange(int low, int high, int count)
    {
        var start = low + Random.Shared.Next((high - low - count) / count) * count;
        for (var first = start; first + count - 1 <= high; first += count)
        {
            if (Enumerable.Range(first, count).All(FreePorts.IsFree))
            {
                return first;
            }
        }
        throw new InvalidOperationException($"No {count} free consecutive ports in {low}–{high}.");
    }
}

[CollectionDefinition(Name)]
public sealed class RabbitMQClusterCollection : ICollectionFixture<RabbitMQCluster>
{
    public const string Name = "rabbitmq-cluster";
}
