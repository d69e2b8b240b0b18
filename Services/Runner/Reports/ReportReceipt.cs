using ConnectorHealth.Contracts;

namespace ConnectorHealth.Runner.Reports;

/// <param name="Status"><c>accepted</c>, or <c>already-accepted</c> for the same run reported again.</param>
/// <param name="Run">The run as accepted: the canonical form every store keeps and every later read returns.</param>
public sealed record ReportReceipt(Guid RunId, string Status, AcceptedRun Run);

/// <summary>
/// A run in its canonical form (<c>RunDefinition</c>): times in UTC to the microsecond, enums by their one name, text
/// exactly as stored. Its members are named as run history (<c>GET /api/runs/{runId}</c>) names them.
/// </summary>
public sealed record AcceptedRun(
    Guid RunId,
    string Connector,
    string Source,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    double LatencyMs,
    bool RateLimited,
    string? ErrorType,
    string? ErrorMessage,
    long PayloadBytes,
    TimeSpan? ExpectedInterval,
    IReadOnlyList<AcceptedAttempt> Attempts)
{
    public static AcceptedRun From(RunCompleted run) => new(
        run.RunId, run.Connector, EnumNames.Name(run.Source), EnumNames.Name(run.Status), run.StartedAt, run.FinishedAt, run.LatencyMs,
        run.RateLimited, run.ErrorType, run.ErrorMessage, run.PayloadBytes, run.ExpectedInterval,
        [.. run.Attempts.Select(a => new AcceptedAttempt(
            a.Number, a.StartedAt, a.DurationMs, EnumNames.Name(a.Outcome), a.HttpStatus, a.ErrorType, a.ErrorMessage))]);
}

public sealed record AcceptedAttempt(
    int Number, DateTimeOffset StartedAt, double DurationMs, string Outcome, int? HttpStatus, string? ErrorType, string? ErrorMessage);
