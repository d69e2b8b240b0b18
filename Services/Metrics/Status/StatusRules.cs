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
        [.. Judged(connectors, now).Select(x => Line(x.Facts, x.Verdict))];

    // One page of the board: the connectors in the given state (any when null) from skip on, worst state first, then
    // by name (a total order, so pages neither repeat nor skip a connector while states stand still); how many are
    // in that state, how many are in each state whatever the state asked for, and where the pages beside it start.
    public StatusBoardSlice Page(IEnumerable<ConnectorFacts> connectors, DateTimeOffset now, StatusLevel? state, int skip, int limit)
    {
        var judged = Judged(connectors, now);
        var counts = new int[Enum.GetValues<StatusLevel>().Length];
        foreach (var (_, verdict) in judged)
        {
            counts[(int)verdict.Level]++;
        }
        var matching = state is { } level ? judged.Where(x => x.Verdict.Level == level).ToList() : judged;
        var page = matching.Skip(skip).Take(limit).ToList();
        return new StatusBoardSlice(
            page,
            matching.Count,
            new StatusCounts(counts[(int)StatusLevel.Failing], counts[(int)StatusLevel.Stale], counts[(int)StatusLevel.Degraded], counts[(int)StatusLevel.Healthy]),
            skip + page.Count < matching.Count ? skip + page.Count : null,
            skip > 0 ? Math.Max(0, skip - limit) : null);
    }

    public static ConnectorStatus Line(ConnectorFacts facts, StatusVerdict verdict) => new(
        facts.Connector,
        verdict.Level.Name(),
        verdict.Reasons,
        facts.LastRunId,
        facts.LastRunAt,
        facts.LastRunStatus,
        facts.LastSuccessAt,
        facts.LastFailureAt,
        facts.FailureStreak,
        facts.ExpectedInterval,
        facts.Runs24h,
        facts.SuccessRate24h,
        facts.RateLimitedRate24h,
        facts.P95LatencyMs24h,
        facts.Owner,
        facts.Tags ?? []);

    private List<(ConnectorFacts Facts, StatusVerdict Verdict)> Judged(IEnumerable<ConnectorFacts> connectors, DateTimeOffset now) =>
    [
        .. connectors
            .Select(facts => (Facts: facts, Verdict: Judge(facts, now)))
            .OrderBy(x => x.Verdict.Level)
            .ThenBy(x => x.Facts.Connector, StringComparer.Ordinal),
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
