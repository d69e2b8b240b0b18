namespace ConnectorHealth.Gateway.Apis;

/// <summary>What the API key sent may do: read (viewer), report runs and lineage (reporter) or everything (operator).</summary>
public sealed record ApiAccess(string Role, bool MayChange);
