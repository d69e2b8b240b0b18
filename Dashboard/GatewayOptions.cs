using System.ComponentModel.DataAnnotations;

namespace ConnectorHealth.Dashboard;

/// <summary>How the web UI reaches the gateway (section <c>Gateway</c>).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>
    /// The API key sent as X-Api-Key (the AppHost passes the operator key). What the web UI offers follows the key's role,
    /// which the gateway tells (<see cref="KeyAccess"/>): a viewer key gives a read-only web UI.
    /// </summary>
    public string? ApiKey { get; set; }
}
