namespace ConnectorHealth.Drift.Apis.Models;

/// <summary>What a replay of a quarantined run did.</summary>
public sealed record ReplayReceipt(Guid QuarantineId, string Status, int? Version, int DriftEventsPublished);
