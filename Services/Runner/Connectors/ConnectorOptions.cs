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

    /// <summary>For <c>http</c> connectors: what to call.</summary>
    public HttpConnectorOptions? Http { get; set; }
}
