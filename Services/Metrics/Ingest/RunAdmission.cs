using ConnectorHealth.Contracts;

namespace ConnectorHealth.Metrics.Ingest;

// Which received runs this service keeps: within retention and not from a broken clock. What a run is (names, limits,
// enums) is RunDefinition's, checked by the writer.
internal static class RunAdmission
{
    // The start of the oldest UTC month that retention keeps at now.
    public static DateTimeOffset RetentionHorizon(DateTimeOffset now, TimeSpan retention)
    {
        var cutoff = now.ToUniversalTime() - retention;
        return new DateTimeOffset(cutoff.Year, cutoff.Month, 1, 0, 0, 0, TimeSpan.Zero);
    }

    // Why a run cannot be stored (a metric tag), or null when it can.
    public static string? RejectionReason(RunCompleted run, DateTimeOffset horizon, DateTimeOffset latest) =>
        RejectionReason(run.StartedAt, horizon, latest);

    // The same for a run in progress: one that started before the horizon could never be matched to its ledger entry.
    public static string? RejectionReason(DateTimeOffset startedAt, DateTimeOffset horizon, DateTimeOffset latest)
    {
        if (startedAt < horizon)
        {
            return "older-than-retention";
        }
        if (startedAt > latest)
        {
            return "in-the-future";
        }
        return null;
    }
}
