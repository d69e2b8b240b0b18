using System.ComponentModel.DataAnnotations;

namespace ConnectorHealth.Dashboard;

/// <summary>How the web UI reaches the gateway (section <c>Gateway</c>).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    public const string OperatorRole = "operator";
    public const string ViewerRole = "viewer";

    /// <summary>The API key sent as X-Api-Key (the AppHost passes the operator key).</summary>
    public string? ApiKey { get; set; }

    /// <summary>operator shows the actions that change something (run now, acknowledge, resolve); viewer hides them.</summary>
    [Required, RegularExpression("^(operator|viewer)$", ErrorMessage = "Gateway:Role must be operator or viewer.")]
    public string Role { get; set; } = ViewerRole;

    public bool IsOperator => Role == OperatorRole;
}

/// <summary>Links out of the web UI (section <c>Dashboard</c>).</summary>
public sealed class DashboardLinkOptions
{
    public const string Section = "Dashboard";

    /// <summary>The Aspire dashboard, for a run's trace.</summary>
    [Required, Url]
    public string AspireUrl { get; set; } = "http://localhost:18888";

    public string TraceUrl(string traceId) => $"{AspireUrl.TrimEnd('/')}/traces/detail/{Uri.EscapeDataString(traceId)}";
}
