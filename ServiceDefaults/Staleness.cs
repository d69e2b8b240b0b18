namespace ConnectorHealth.ServiceDefaults;

/// <summary>Why a connector is stale: its schedule, the allowance, how long since its last success (or first run).</summary>
public sealed record Staleness(TimeSpan ExpectedInterval, TimeSpan StaleAfter, TimeSpan Age, bool NeverSucceeded);
