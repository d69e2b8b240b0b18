using System.Globalization;
using Microsoft.Extensions.Configuration;
using RabbitMQ.Client;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// How a service meets the broker (<c>Messaging</c>): the <c>messaging</c> connection string names one node and carries
/// user, password and virtual host; <see cref="ClusterNodes"/> lists every node of a cluster to connect to instead.
/// </summary>
public sealed class MessagingOptions
{
    public const string Section = "Messaging";

    /// <summary>
    /// Every queue a consumer declares is a quorum queue (replicated, survives losing a minority of the nodes), its
    /// <c>_error</c> and <c>_skipped</c> queues too; a replica's own temporary queue stays a classic one. Off by default:
    /// an existing classic queue cannot become a quorum one in place (see docs/infrastructure.md).
    /// </summary>
    public bool QuorumQueues { get; set; }

    /// <summary>
    /// The nodes of a cluster, <c>host:port</c>, comma-separated (e.g. <c>127.0.0.1:55672,127.0.0.1:55674</c>), tried in
    /// turn on every (re)connection; empty for the one node of the connection string.
    /// </summary>
    public string? ClusterNodes { get; set; }

    public static MessagingOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<MessagingOptions>() ?? new MessagingOptions();
        foreach (var node in options.Nodes())
        {
            if (Uri.CheckHostName(node.Host) == UriHostNameType.Unknown || node.Port is < 1 or > 65535)
            {
                throw new InvalidOperationException(
                    $"{Section}:{nameof(ClusterNodes)} holds '{node.Host}:{node.Port}': each node must be host:port, comma-separated.");
            }
        }
        return options;
    }

    /// <summary>The cluster's nodes, in the order given; empty without <see cref="ClusterNodes"/>.</summary>
    public IReadOnlyList<(string Host, int Port)> Nodes() =>
        [.. (ClusterNodes ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse)];

    /// <summary>Where a RabbitMQ.Client connection of our own goes: the cluster's nodes, else the broker URI's one.</summary>
    public IList<AmqpTcpEndpoint> Endpoints(Uri broker)
    {
        var nodes = Nodes();
        return nodes.Count == 0
            ? [new AmqpTcpEndpoint(broker)]
            : [.. nodes.Select(node => new AmqpTcpEndpoint(node.Host, node.Port))];
    }

    private static (string Host, int Port) Parse(string node)
    {
        var colon = node.LastIndexOf(':');
        return colon > 0 && int.TryParse(node[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? (node[..colon], port)
            : (node, 0);
    }
}
