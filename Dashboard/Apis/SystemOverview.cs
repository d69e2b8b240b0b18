using ConnectorHealth.Operations.SystemStatus;

namespace ConnectorHealth.Dashboard.Apis;

/// <summary>The services' pipeline states, asked in parallel by the gateway (<c>GET /api/system</c>).</summary>
public sealed record SystemOverview(string Status, IReadOnlyList<ServiceState> Services);
