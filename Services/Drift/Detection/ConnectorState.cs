using ConnectorHealth.Contracts;

namespace ConnectorHealth.Drift.Detection;

/// <summary>
/// Where a connector's history stands: the latest versioned run by FinishedAt and its version. A new connector is judged
/// under <see cref="CompatibilityMode.Forward"/>: its source changes under its consumers, so what breaks is what old readers
/// cannot read (a field removed, a type changed, a field turning null).
/// </summary>
internal sealed record ConnectorState(
    string Connector, CompatibilityMode Compatibility, int? CurrentVersion, DateTimeOffset? CurrentSince, Guid? LatestRunId,
    DateTimeOffset? LatestFinishedAt)
{
    public static ConnectorState New(string connector) => new(connector, CompatibilityMode.Forward, null, null, null, null);

    /// <summary>Whether the run finished before the connector's latest recorded run (it must be put in its place).</summary>
    public bool IsBeforeLatest(RunCompleted run) =>
        LatestFinishedAt is { } latest && RunOrder.Compare(run.FinishedAt, run.RunId, latest, LatestRunId!.Value) < 0;
}
