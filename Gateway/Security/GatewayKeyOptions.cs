namespace ConnectorHealth.Gateway.Security;

/// <summary>The gateway's two API keys (configuration section <c>Gateway:ApiKeys</c>, set by the AppHost from its secret parameters).</summary>
public sealed class GatewayKeyOptions
{
    public const string Section = "Gateway:ApiKeys";

    /// <summary>May read (GET, HEAD).</summary>
    public string? Viewer { get; set; }

    /// <summary>May do everything: run now, report runs, acknowledge, silence, contracts, thresholds, re-drive.</summary>
    public string? Operator { get; set; }
}
