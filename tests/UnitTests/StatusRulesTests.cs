using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Status;

namespace ConnectorHealth.UnitTests;

public class StatusRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);
    private static readonly StatusRules Rules = new(new StatusBoardOptions(), new ConnectorHealth.ServiceDefaults.ConnectorHealthThresholds());

    private static ConnectorFacts Facts(
        string connector = "crm",
        int failureStreak = 0,
        TimeSpan? expectedInterval = null,
        DateTimeOffset? lastSuccessAt = null,
        DateTimeOffset? firstRunAt = null,
        int runs24h = 24,
        double? successRate24h = 1,
        double? rateLimitedRate24h = 0) =>
        new(connector, firstRunAt ?? Now.AddDays(-10), Guid.NewGuid(), Now.AddMinutes(-5), failureStreak > 0 ? "failed" : "succeeded",
            lastSuccessAt ?? Now.AddMinutes(-5), null, failureStreak, expectedInterval, runs24h, successRate24h, rateLimitedRate24h, 120);

    [Fact]
    public void AConnectorWithNothingWrongIsHealthyWithoutReasons()
    {
        var verdict = Rules.Judge(Facts(expectedInterval: FiveMinutes), Now);

        Assert.Equal(StatusLevel.Healthy, verdict.Level);
        Assert.Empty(verdict.Reasons);
    }

    [Theory]
    [InlineData(1, StatusLevel.Degraded, "the last run failed")]
    [InlineData(2, StatusLevel.Degraded, "the last 2 runs failed")]
    [InlineData(3, StatusLevel.Failing, "the last 3 runs failed")]
    [InlineData(7, StatusLevel.Failing, "the last 7 runs failed")]
    public void ConsecutiveFailuresDegradeAndThenFail(int streak, StatusLevel level, string reason)
    {
        var verdict = Rules.Judge(Facts(failureStreak: streak, lastSuccessAt: Now.AddMinutes(-5 * (streak + 1))), Now);

        Assert.Equal(level, verdict.Level);
        Assert.Contains(reason, verdict.Reasons);
    }

    [Fact]
    public void NoSuccessWithinThreeIntervalsIsStale()
    {
        var justFine = Rules.Judge(Facts(expectedInterval: FiveMinutes, lastSuccessAt: Now - 3 * FiveMinutes), Now);
        var stale = Rules.Judge(Facts(expectedInterval: FiveMinutes, lastSuccessAt: Now - 3 * FiveMinutes - TimeSpan.FromSeconds(1)), Now);

        Assert.Equal(StatusLevel.Healthy, justFine.Level);
        Assert.Equal(StatusLevel.Stale, stale.Level);
        Assert.Equal(["no successful run within 3 × its 00:05:00 schedule"], stale.Reasons);
    }

    [Fact]
    public void AConnectorThatNeverSucceededIsStaleOnceItsFirstRunIsThreeIntervalsOld()
    {
        var facts = Facts(expectedInterval: FiveMinutes, firstRunAt: Now.AddHours(-1)) with { LastSuccessAt = null };

        var verdict = Rules.Judge(facts, Now);

        Assert.Equal(StatusLevel.Stale, verdict.Level);
        Assert.StartsWith("no successful run yet", verdict.Reasons.Single());
    }

    [Fact]
    public void AConnectorWithoutScheduleIsNeverStale()
    {
        var verdict = Rules.Judge(Facts(lastSuccessAt: Now.AddDays(-30), runs24h: 0, successRate24h: null, rateLimitedRate24h: null), Now);

        Assert.Equal(StatusLevel.Healthy, verdict.Level);
    }

    [Fact]
    public void ALowSuccessRateOrMuchRateLimitingDegrades()
    {
        var unreliable = Rules.Judge(Facts(successRate24h: 0.75), Now);
        var throttled = Rules.Judge(Facts(rateLimitedRate24h: 0.3333), Now);
        var borderline = Rules.Judge(Facts(successRate24h: 0.95, rateLimitedRate24h: 0.2), Now);

        Assert.Equal(StatusLevel.Degraded, unreliable.Level);
        Assert.StartsWith("24 h success rate 75.0", unreliable.Reasons.Single());
        Assert.Equal(StatusLevel.Degraded, throttled.Level);
        Assert.StartsWith("24 h rate-limited share 33.3", throttled.Reasons.Single());
        Assert.Equal(StatusLevel.Healthy, borderline.Level);
    }

    [Fact]
    public void FailingOutranksStaleWhichOutranksDegradedAndEveryReasonIsKept()
    {
        var verdict = Rules.Judge(
            Facts(failureStreak: 4, expectedInterval: FiveMinutes, lastSuccessAt: Now.AddHours(-2), successRate24h: 0.5), Now);

        Assert.Equal(StatusLevel.Failing, verdict.Level);
        Assert.Equal(3, verdict.Reasons.Count);
    }

    [Fact]
    public void TheBoardListsTheWorstFirstThenByName()
    {
        var board = Rules.Board(
        [
            Facts("b-healthy"),
            Facts("a-healthy"),
            Facts("degraded", successRate24h: 0.5),
            Facts("failing", failureStreak: 3),
            Facts("stale", expectedInterval: FiveMinutes, lastSuccessAt: Now.AddHours(-1)),
        ], Now);

        Assert.Equal(
            [("failing", "failing"), ("stale", "stale"), ("degraded", "degraded"), ("a-healthy", "healthy"), ("b-healthy", "healthy")],
            board.Select(s => (s.Connector, s.State)));
    }

    [Fact]
    public void APageOfTheBoardCountsEveryStateAndTellsWhereTheNextPageStarts()
    {
        ConnectorFacts[] fleet =
        [
            Facts("b-healthy"),
            Facts("a-healthy"),
            Facts("c-healthy"),
            Facts("degraded", successRate24h: 0.5),
            Facts("b-failing", failureStreak: 3),
            Facts("a-failing", failureStreak: 4),
            Facts("stale", expectedInterval: FiveMinutes, lastSuccessAt: Now.AddHours(-1)),
        ];

        var first = Rules.Page(fleet, Now, null, 0, 3);
        var last = Rules.Page(fleet, Now, null, 6, 3);
        var healthy = Rules.Page(fleet, Now, StatusLevel.Healthy, 1, 5);

        Assert.Equal(["a-failing", "b-failing", "stale"], first.Items.Select(x => x.Facts.Connector));
        Assert.Equal((7, 3, (int?)null), (first.Total, first.NextSkip, first.PreviousSkip));
        Assert.Equal(new ConnectorHealth.Metrics.Responses.StatusCounts(2, 1, 1, 3), first.Counts);
        Assert.Equal(["c-healthy"], last.Items.Select(x => x.Facts.Connector));
        Assert.Equal(((int?)null, 3), (last.NextSkip, last.PreviousSkip));
        Assert.Equal(["b-healthy", "c-healthy"], healthy.Items.Select(x => x.Facts.Connector));
        Assert.Equal((3, (int?)null, 0), (healthy.Total, healthy.NextSkip, healthy.PreviousSkip));
        Assert.Equal(first.Counts, healthy.Counts);
        Assert.Empty(Rules.Page(fleet, Now, null, 100, 3).Items);
    }
}
