using ConnectorHealth.Contracts;
using ConnectorHealth.Metrics.Responses;

namespace ConnectorHealth.Metrics.Ingest;

// A run as stored: the canonical run (RunDefinition: UTC times to the microsecond, text within its limits), enums by
// their names. Nothing is cut or altered here: a run that breaks the definition never reaches this point.
internal sealed record RunRow(
    Guid RunId,
    string Connector,
    string Source,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    double LatencyMs,
    int AttemptCount,
    bool RateLimited,
    string? ErrorType,
    string? ErrorMessage,
    string? TraceId,
    long PayloadBytes,
    bool PayloadTruncated,
    TimeSpan? ExpectedInterval,
    IReadOnlyList<AttemptRow> Attempts,
    string? Owner = null,
    IReadOnlyList<string>? Tags = null,
    string? Lineage = null,
    Guid? ParentRunId = null,
    double? LatenessMs = null,
    IReadOnlyList<DatasetVolume>? Outputs = null,
    RunLineageDetail? LineageDetail = null)
{
    public static RunRow From(RunCompleted run, string? traceId)
    {
        var startedAt = run.StartedAt;
        var attempts = run.Attempts;
        var lineage = run.Lineage is { } reported ? StoredLineage.From(reported) : null;
        return new RunRow(
            run.RunId,
            run.Connector,
            EnumNames.Name(run.Source),
            EnumNames.Name(run.Status),
            startedAt,
            run.FinishedAt,
            run.LatencyMs,
            Math.Max(attempts.Count, 1),
            run.RateLimited,
            run.ErrorType,
            run.ErrorMessage,
            traceId,
            run.PayloadBytes,
            run.PayloadTruncated,
            run.ExpectedInterval,
            [.. attempts.Select(a => new AttemptRow(
                run.RunId,
                startedAt,
                a.Number,
                a.StartedAt,
                a.DurationMs,
                EnumNames.Name(a.Outcome),
                a.HttpStatus,
                a.ErrorType,
                a.ErrorMessage,
                a.RetryAfterHonoured?.TotalMilliseconds,
                a.BackoffApplied?.TotalMilliseconds))],
            run.Owner,
            run.Tags,
            lineage is null ? null : StoredLineage.Json(lineage),
            lineage?.Parent?.RunId,
            StoredLineage.LatenessMs(run.Lineage, run.FinishedAt),
            // A dataset written twice in one run counts once.
            lineage is null ? null : [.. lineage.Outputs.DistinctBy(d => d.Key, StringComparer.Ordinal)],
            lineage);
    }
}

internal sealed record AttemptRow(
    Guid RunId,
    DateTimeOffset RunStartedAt,
    int Number,
    DateTimeOffset StartedAt,
    double DurationMs,
    string Outcome,
    int? HttpStatus,
    string? ErrorType,
    string? ErrorMessage,
    double? RetryAfterMs,
    double? BackoffMs);
