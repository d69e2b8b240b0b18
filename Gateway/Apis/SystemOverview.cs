using ConnectorHealth.Operations.SystemStatus;

namespace ConnectorHealth.Gateway.Apis;

/// <summary>The whole pipeline: each service's state, and the worst of their statuses.</summary>
public sealed record SystemOverview(string Status, IReadOnlyList<ServiceState> Services);
