namespace ConnectorHealth.Runner.Connectors;

public sealed class ConnectorOptions
{
    /// <summary>Which implementation runs it: one of <see cref="ConnectorKinds.All"/>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>Fixed schedule: time from one scheduled start to the next.</summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>Cron schedule (five fields, or six with seconds), in UTC. Exclusive with <see cref="Interval"/>.</summary>
    public string? Cron { get; set; }

    /// <summary>Time one attempt may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public RetryOptions Retry { get; set; } = new();

    public bool Enabled { get; set; } = true;

    /// <summary>Who owns the connector (a team or a person): travels with each run, and alerts are routed by it.</summary>
    public string? Owner { get; set; }

    /// <summary>The connector's tags (e.g. <c>pii</c>, <c>tier:1</c>): travel with each run, and routes match on them.</summary>
    public List<string>? Tags { get; set; }

    /// <summary>For <c>http</c> connectors: what to call.</summary>
    public HttpConnectorOptions? Http { get; set; }
}
