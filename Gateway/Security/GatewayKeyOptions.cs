namespace ConnectorHealth.Gateway.Security;

/// <summary>The gateway's API keys (configuration section <c>Gateway:ApiKeys</c>, set by the AppHost from its secret parameters).</summary>
public sealed class GatewayKeyOptions
{
    public const string Section = "Gateway:ApiKeys";

    /// <summary>May read (GET, HEAD).</summary>
    public string? Viewer { get; set; }

    /// <summary>May do everything: run now, report runs, acknowledge, silence, contracts, thresholds, re-drive.</summary>
    public string? Operator { get; set; }

    /// <summary>May report runs (<c>POST /api/runs</c>) and OpenLineage events (<c>POST /api/v1/lineage</c>, <c>/batch</c>), nothing else: the key a pipeline is given.</summary>
    public string? Reporter { get; set; }
}
