using ConnectorHealth.Contracts;

namespace ConnectorHealth.Drift.Detection;

public enum ReplayStatus
{
    Released,
    StillViolates,
    NotFound,
    AlreadyReleased,
}

/// <summary>What became of a quarantined run asked to be replayed.</summary>
public sealed record ReplayResult(ReplayStatus Status, IReadOnlyList<string> Violations, int? Version, IReadOnlyList<SchemaDriftDetected> ToPublish)
{
    public static readonly ReplayResult NotFound = new(ReplayStatus.NotFound, [], null, []);
    public static readonly ReplayResult AlreadyReleased = new(ReplayStatus.AlreadyReleased, [], null, []);
}
