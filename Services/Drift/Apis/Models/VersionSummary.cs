namespace ConnectorHealth.Drift.Apis.Models;

/// <summary>A version without its fields.</summary>
public sealed record VersionSummary(
    int Version, string Fingerprint, int FieldCount, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long RunCount, bool Partial,
    IReadOnlyList<string> LimitsHit);
