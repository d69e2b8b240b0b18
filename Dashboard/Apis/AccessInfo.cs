namespace ConnectorHealth.Dashboard.Apis;

/// <summary>What the gateway says the configured key may do (<c>GET /api/access</c>).</summary>
public sealed record AccessInfo(string Role, bool MayChange);
