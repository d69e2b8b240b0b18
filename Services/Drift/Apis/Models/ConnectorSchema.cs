using ConnectorHealth.Contracts;

namespace ConnectorHealth.Drift.Apis.Models;

/// <summary>A connector's schema history: where it stands, every version, and the latest change.</summary>
public sealed record ConnectorSchema(
    string Connector,
    CompatibilityMode Compatibility,
    int? CurrentVersion,
    DateTimeOffset? CurrentSince,
    DateTimeOffset? LatestRunAt,
    IReadOnlyList<string> TopLevelKeys,
    IReadOnlyList<VersionSummary> Versions,
    Oscillation? Oscillation,
    DriftEventItem? LatestChange);
