namespace ConnectorHealth.AppHost.Infrastructure;

/// <summary>
/// Settings of the <c>local</c> mode (<c>Infrastructure:Local</c>). The default ports sit away from a system
/// PostgreSQL (5432) and RabbitMQ (5672, 25672, epmd 4369) so both can run side by side.
/// </summary>
public sealed class LocalOptions
{
    public const string Section = "Infrastructure:Local";

    /// <summary>Where PostgreSQL's and RabbitMQ's data live; defaults to <c>.data/</c> at the repository root.</summary>
    public string? DataDirectory { get; set; }

    public int PostgresPort { get; set; } = 55432;
    public int RabbitMQPort { get; set; } = 55672;
    public int RabbitMQDistPort { get; set; } = 55673;
    public int EpmdPort { get; set; } = 54369;

    /// <summary>
    /// RabbitMQ nodes to run: 1 (one node, as always), or 3 for a cluster of three on this machine, whose consumer queues
    /// are then quorum queues. Node n takes the AMQP and distribution ports 2(n − 1) above <see cref="RabbitMQPort"/>
    /// and <see cref="RabbitMQDistPort"/>.
    /// </summary>
    public int RabbitMQNodes { get; set; } = 1;
}
