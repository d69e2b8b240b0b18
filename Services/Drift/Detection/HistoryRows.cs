using ConnectorHealth.Drift.Schemas;
using ConnectorHealth.Drift.StoredHistory;

namespace ConnectorHealth.Drift.Detection;

/// <summary>
/// A run's line in the ledger of a subject (a connector, or a dataset's key): what became of it (<see cref="RunOutcome"/>),
/// the version it got, and for a dataset the job whose run it was.
/// </summary>
internal sealed record RunRow(Guid RunId, string Connector, DateTimeOffset FinishedAt, string Outcome, int? Version, string? Job = null)
{
    public static RunRow Of(ObservedRun run, string outcome, int? version) =>
        new(run.Run.RunId, run.Run.Connector, run.Run.FinishedAt, outcome, version, run.Dataset?.Job);
}

/// <summary>A version first seen in this batch, with the payload of the run that showed it (cut to the sample size).</summary>
internal sealed record NewVersion(string Connector, int Version, InferredSchema Schema, PayloadSample? Sample);

/// <summary>The outcomes a run's ledger line records (as stored in <c>drift.runs.outcome</c>).</summary>
internal static class RunOutcome
{
    public const string Versioned = "versioned";
    public const string NoPayload = "no_payload";
    public const string Quarantined = "quarantined";
}
