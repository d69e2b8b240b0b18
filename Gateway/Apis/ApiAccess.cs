namespace ConnectorHealth.Gateway.Apis;

/// <summary>What the API key sent may do: read (viewer) or everything (operator).</summary>
public sealed record ApiAccess(string Role, bool MayChange);
