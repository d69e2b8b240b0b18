using ConnectorHealth.Contracts;

namespace ConnectorHealth.Metrics.Ingest;

// A run as stored: UTC times at PostgreSQL's microsecond precision, enums as their wire names.
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
    IReadOnlyList<AttemptRow> Attempts)
{
    private const int MaxErrorTypeLength = 200;
    private const int MaxErrorMessageLength = 2000;

    public static RunRow From(RunCompleted run, string? traceId)
    {
        var startedAt = Microseconds(run.StartedAt);
        // A message from outside may carry "attempts": null; one bad field must not fail the whole batch.
        var attempts = run.Attempts ?? [];
        return new RunRow(
            run.RunId,
            run.Connector,
            EnumNames.Name(run.Source),
            EnumNames.Name(run.Status),
            startedAt,
            Microseconds(run.FinishedAt),
            FiniteOrZero(run.LatencyMs),
            Math.Max(attempts.Count, 1),
            run.RateLimited,
            Cap(run.ErrorType, MaxErrorTypeLength),
            Cap(run.ErrorMessage, MaxErrorMessageLength),
            traceId,
            Math.Max(run.PayloadBytes, 0),
            run.PayloadTruncated,
            run.ExpectedInterval is { Ticks: > 0 } interval ? interval : null,
            [.. attempts.Where(a => a is not null).Select(a => new AttemptRow(
                run.RunId,
                startedAt,
                a.Number,
                Microseconds(a.StartedAt),
                FiniteOrZero(a.DurationMs),
                EnumNames.Name(a.Outcome),
                a.HttpStatus,
                Cap(a.ErrorType, MaxErrorTypeLength),
                Cap(a.ErrorMessage, MaxErrorMessageLength),
                a.RetryAfterHonoured?.TotalMilliseconds,
                a.BackoffApplied?.TotalMilliseconds))]);
    }

    // UTC, truncated to the microsecond PostgreSQL keeps, so a stored time reads back exactly.
    public static DateTimeOffset Microseconds(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks;
        return new DateTimeOffset(ticks - ticks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
    }

    // A latency that is not a finite, non-negative number would poison every sum it joins; it is stored as 0.
    private static double FiniteOrZero(double value) => double.IsFinite(value) && value > 0 ? value : 0;

    private static string? Cap(string? text, int length) => text is { Length: > 0 } && text.Length > length ? text[..length] : text;
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
