using ConnectorHealth.Contracts;

namespace ConnectorHealth.Drift.Detection;

/// <summary>What a batch did: counts, and the drift events to publish.</summary>
public sealed record ProcessResult(
    int Versioned, int WithoutPayload, int Quarantined, int Duplicates, IReadOnlyList<SchemaDriftDetected> ToPublish)
{
    /// <summary>The contract violations of the last quarantined run (what a replay reports when it still fails).</summary>
    public IReadOnlyList<string> Violations { get; init; } = [];

    /// <summary>The version the last versioned run got (a replayed run's version).</summary>
    public int? ReleasedVersion { get; init; }
}
