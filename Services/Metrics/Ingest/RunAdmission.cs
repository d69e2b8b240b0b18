using ConnectorHealth.Contracts;

namespace ConnectorHealth.Metrics.Ingest;

// Which received runs are stored: the checks a run must pass before it reaches the database.
internal static class RunAdmission
{
    private const int MaxConnectorLength = 200;

    // The start of the oldest UTC month that retention keeps at now.
    public static DateTimeOffset RetentionHorizon(DateTimeOffset now, TimeSpan retention)
    {
        var cutoff = now.ToUniversalTime() - retention;
        return new DateTimeOffset(cutoff.Year, cutoff.Month, 1, 0, 0, 0, TimeSpan.Zero);
    }

    // Why a run cannot be stored (a metric tag), or null when it can.
    public static string? RejectionReason(RunCompleted run, DateTimeOffset horizon, DateTimeOffset latest)
    {
        if (string.IsNullOrWhiteSpace(run.Connector) || run.Connector.Length > MaxConnectorLength)
        {
            return "invalid-connector";
        }
        if (!Enum.IsDefined(run.Status) || !Enum.IsDefined(run.Source))
        {
            return "invalid-status-or-source";
        }
        if (run.StartedAt < horizon)
        {
            return "older-than-retention";
        }
        if (run.StartedAt > latest)
        {
            return "in-the-future";
        }
        return null;
    }
}
