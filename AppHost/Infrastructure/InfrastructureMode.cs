namespace ConnectorHealth.AppHost.Infrastructure;

/// <summary>Where PostgreSQL and RabbitMQ come from (<c>Infrastructure:Mode</c>).</summary>
public enum InfrastructureMode
{
    /// <summary>Containers when a container runtime answers, else the machine's own binaries.</summary>
    Auto,
    /// <summary>Aspire's PostgreSQL and RabbitMQ containers, with persistent data volumes.</summary>
    Containers,
    /// <summary>The machine's PostgreSQL and RabbitMQ run as local processes, data under <c>.data/</c>.</summary>
    Local,
    /// <summary>Connection strings from configuration, for a real deployment.</summary>
    External,
}
