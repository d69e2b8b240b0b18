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
}
