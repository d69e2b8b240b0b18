using ConnectorHealth.Metrics.Responses;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Metrics.Status;

// The status board's rules: from what is known of a connector, its state (failing, stale, degraded or healthy) and
// why. Pure: the facts come from KpiStore.ConnectorFactsAsync, on the clock of when runs finished. Failing and stale
// are ConnectorHealthRule with the thresholds Alerting uses, so a tile says what the connector's alerts say.
public sealed class StatusRules(StatusBoardOptions options, ConnectorHealthThresholds thresholds)
{
    // Every connector's line, worst state first, then by name.
    public IReadOnlyList<ConnectorStatus> Board(IEnumerable<ConnectorFacts> connectors, DateTimeOffset now) =>
    [
        .. connectors
            .Select(facts => (Facts: facts, Verdict: Judge(facts, now)))
            .OrderBy(x => x.Verdict.Level)
            .ThenBy(x => x.Facts.Connector, StringComparer.Ordinal)
            .Select(x => new ConnectorStatus(
                x.Facts.Connector,
                x.Verdict.Level.ToString().ToLowerInvariant(),
                x.Verdict.Reasons,
                x.Facts.LastRunId,
                x.Facts.LastRunAt,
                x.Facts.LastRunStatus,
                x.Facts.LastSuccessAt,
                x.Facts.LastFailureAt,
                x.Facts.FailureStreak,
                x.Facts.ExpectedInterval,
                x.Facts.Runs24h,
                x.Facts.SuccessRate24h,
                x.Facts.RateLimitedRate24h,
                x.Facts.P95LatencyMs24h,
                x.Facts.Owner,
                x.Facts.Tags ?? [])),
    ];

    public StatusVerdict Judge(ConnectorFacts facts, DateTimeOffset now)
    {
        var reasons = new List<string>();
        var streak = facts.FailureStreak;
        var failing = ConnectorHealthRule.IsFailing(streak, thresholds.ConsecutiveFailures);
        if (failing)
        {
            reasons.Add($"the last {streak} runs failed");
        }

        // Judged against the connector's schedule, so a connector that only reports now and then is never stale.
        var staleness = ConnectorHealthRule.Stale(facts.LastSuccessAt, facts.FirstRunAt, facts.ExpectedInterval, now, thresholds.FreshnessFactor);
        var stale = staleness is not null;
        if (staleness is { } s)
        {
            reasons.Add(s.NeverSucceeded
                ? $"no successful run yet, first run more than {thresholds.FreshnessFactor} × its {s.ExpectedInterval} schedule ago"
                : $"no successful run within {thresholds.FreshnessFactor} × its {s.ExpectedInterval} schedule");
        }

        var degraded = false;
        if (facts.SuccessRate24h < options.DegradedBelowSuccessRate)
        {
            degraded = true;
            reasons.Add($"24 h success rate {facts.SuccessRate24h:P1} is below {options.DegradedBelowSuccessRate:P0}");
        }
        if (facts.RateLimitedRate24h > options.DegradedAboveRateLimitedRate)
        {
            degraded = true;
            reasons.Add($"24 h rate-limited share {facts.RateLimitedRate24h:P1} is above {options.DegradedAboveRateLimitedRate:P0}");
        }
        if (streak > 0 && !failing)
        {
            degraded = true;
            reasons.Add(streak == 1 ? "the last run failed" : $"the last {streak} runs failed");
        }

        var level = failing ? StatusLevel.Failing
            : stale ? StatusLevel.Stale
            : degraded ? StatusLevel.Degraded
            : StatusLevel.Healthy;
        return new StatusVerdict(level, reasons);
    }
}
