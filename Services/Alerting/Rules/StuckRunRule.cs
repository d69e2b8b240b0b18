using System.Globalization;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Thresholds;

namespace ConnectorHealth.Alerting.Rules;

/// <summary>A run that has started and not finished (the latest <c>RunInProgress</c> of it).</summary>
public sealed record RunningRun(
    Guid RunId, DateTimeOffset StartedAt, DateTimeOffset UpdatedAt, bool Streaming, string JobNamespace, string JobName,
    IReadOnlyList<DateTimeOffset> EventTimes);

/// <summary>
/// A run that should have finished or spoken by now. A batch run is stuck once it has run longer than
/// max(<see cref="RuleThresholds.StuckRunFactor"/> × the p95 of its job's recent successful durations,
/// <see cref="RuleThresholds.StuckRunFloor"/>), or <see cref="RuleThresholds.StuckRunDefaultLimit"/> without enough history.
/// A streaming run never ends: it is stuck once it has sent no event for longer than
/// max(<see cref="RuleThresholds.StreamingSilenceFactor"/> × the p95 of its recent gaps between events,
/// <see cref="RuleThresholds.StreamingSilenceFloor"/>), or <see cref="RuleThresholds.StreamingSilenceDefaultLimit"/>.
/// </summary>
public static class StuckRunRule
{
    /// <summary>The job's namespace and name as its producer sent them, kept in the alert's details for the API.</summary>
    public const string JobNamespaceDetail = "job_namespace", JobNameDetail = "job_name";

    /// <param name="successfulDurations">The job's latest successful runs' durations (any order).</param>
    public static Finding? Evaluate(RunningRun run, IReadOnlyList<TimeSpan> successfulDurations, DateTimeOffset now, RuleThresholds thresholds)
    {
        var job = $"{run.JobNamespace}/{run.JobName}";
        var details = new Dictionary<string, string>
        {
            ["run_id"] = run.RunId.ToString(),
            ["started_at"] = AlertText.Timestamp(run.StartedAt),
            ["last_event_at"] = AlertText.Timestamp(run.UpdatedAt),
            ["processing_type"] = run.Streaming ? "streaming" : "batch",
            [JobNamespaceDetail] = run.JobNamespace,
            [JobNameDetail] = run.JobName,
        };
        if (run.Streaming)
        {
            var times = run.EventTimes.Order().ToList();
            var gaps = times.Zip(times.Skip(1), (a, b) => b - a).Where(g => g > TimeSpan.Zero).TakeLast(thresholds.StuckRunBaselineRuns).ToList();
            var (limit, usual) = Limit(gaps, thresholds.StuckRunMinHistory, thresholds.StreamingSilenceFactor, thresholds.StreamingSilenceFloor,
                thresholds.StreamingSilenceDefaultLimit);
            var silence = now - run.UpdatedAt;
            if (silence <= limit)
            {
                return null;
            }
            details["silent_for"] = AlertText.Duration(silence);
            details["limit"] = AlertText.Duration(limit);
            var usually = usual is { } p95 ? $"its events usually come at most {AlertText.Duration(p95)} apart" : "it has too few events to know its usual gap";
            return new Finding(RuleNames.StuckRun, Severity.Warning, run.RunId.ToString(),
                $"Streaming job {job} has sent no event for {AlertText.Duration(silence)}; {usually} (limit {AlertText.Duration(limit)})",
                "Check that the streaming job is alive (its workers, its checkpoints, its source's lag) and that its OpenLineage listener still "
                    + "reports; restart it if it has stopped.",
                details);
        }
        var durations = successfulDurations.Where(d => d >= TimeSpan.Zero).Take(thresholds.StuckRunBaselineRuns).ToList();
        var (batchLimit, batchUsual) = Limit(durations, thresholds.StuckRunMinHistory, thresholds.StuckRunFactor, thresholds.StuckRunFloor,
            thresholds.StuckRunDefaultLimit);
        var running = now - run.StartedAt;
        if (running <= batchLimit)
        {
            return null;
        }
        details["running_for"] = AlertText.Duration(running);
        details["limit"] = AlertText.Duration(batchLimit);
        details["history_runs"] = durations.Count.ToString(CultureInfo.InvariantCulture);
        var takes = batchUsual is { } usualDuration ? $"it usually takes at most {AlertText.Duration(usualDuration)}" : "it has too few successful runs to know how long it takes";
        return new Finding(RuleNames.StuckRun, Severity.Warning, run.RunId.ToString(),
            $"Run {run.RunId} of job {job} has been running for {AlertText.Duration(running)}; {takes} (limit {AlertText.Duration(batchLimit)})",
            "Look at the run in its scheduler: a hung task, a lock wait or a stalled source; kill and rerun it if it is hung, or raise "
                + "StuckRunFloor for this job if it is just slow today.",
            details);
    }

    /// <summary>The limit from a history: max(factor × p95, floor) when the history is long enough, else the default.</summary>
    private static (TimeSpan Limit, TimeSpan? P95) Limit(IReadOnlyList<TimeSpan> history, int minHistory, double factor, TimeSpan floor, TimeSpan fallback)
    {
        if (history.Count < minHistory)
        {
            return (fallback, null);
        }
        var p95 = P95(history);
        return (TimeSpan.FromTicks(Math.Max((long)Math.Min(p95.Ticks * factor, TimeSpan.MaxValue.Ticks / 2), floor.Ticks)), p95);
    }

    /// <summary>The nearest-rank 95th percentile.</summary>
    public static TimeSpan P95(IReadOnlyList<TimeSpan> values)
    {
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(0.95 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
