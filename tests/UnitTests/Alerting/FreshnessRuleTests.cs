using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Thresholds;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class FreshnessRuleTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hourly = TimeSpan.FromHours(1);
    private static readonly RuleThresholds Defaults = new();

    [Fact]
    public void AConnectorWithoutAScheduleIsNeverStale()
    {
        Assert.Null(FreshnessRule.Evaluate("crm", Now.AddDays(-30), Now.AddDays(-60), null, Now, Defaults));
    }

    [Theory]
    [InlineData(179, false)]
    [InlineData(180, false)]  // just within: exactly 3 intervals
    [InlineData(181, true)]   // just past
    public void AConnectorIsStaleAfterThreeIntervalsWithoutASuccess(int minutesSinceSuccess, bool stale)
    {
        var finding = FreshnessRule.Evaluate("crm", Now.AddMinutes(-minutesSinceSuccess), Now.AddDays(-60), Hourly, Now, Defaults);

        Assert.Equal(stale, finding is not null);
    }

    [Fact]
    public void TheMessageSaysHowLongSinceTheLastSuccessAndTheExpectedInterval()
    {
        var finding = FreshnessRule.Evaluate("crm", Now.AddMinutes(-200), Now.AddDays(-60), Hourly, Now, Defaults);

        Assert.NotNull(finding);
        Assert.Equal(RuleNames.Freshness, finding.Rule);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal("No successful run for 3 h 20 min (expected every 1 h)", finding.Message);
        Assert.Equal("2026-06-01T08:40:00.0000000+00:00", finding.Details["last_success_at"]);
    }

    [Theory]
    [InlineData(170, false)]
    [InlineData(190, true)]
    public void AConnectorThatNeverSucceededIsJudgedFromWhenItWasFirstSeen(int minutesSinceFirstSeen, bool stale)
    {
        var finding = FreshnessRule.Evaluate("crm", null, Now.AddMinutes(-minutesSinceFirstSeen), Hourly, Now, Defaults);

        Assert.Equal(stale, finding is not null);
        if (finding is not null)
        {
            Assert.Equal("No successful run since it was first seen 3 h 10 min ago (expected every 1 h)", finding.Message);
        }
    }

    [Fact]
    public void AConnectorNeverSeenHasNothingToJudge()
    {
        Assert.Null(FreshnessRule.Evaluate("crm", null, null, Hourly, Now, Defaults));
    }

    [Fact]
    public void TheConnectorsOwnFactorApplies()
    {
        var lenient = Defaults.WithOverrides(new RuleOverrides { FreshnessFactor = 6 });

        Assert.Null(FreshnessRule.Evaluate("crm", Now.AddHours(-5), null, Hourly, Now, lenient));
        Assert.NotNull(FreshnessRule.Evaluate("crm", Now.AddHours(-7), null, Hourly, Now, lenient));
    }
}
