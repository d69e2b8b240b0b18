using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Silences;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class SilenceTests
{
    private static readonly DateTimeOffset Starts = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Ends = Starts.AddHours(2);
    private static readonly DateTimeOffset During = Starts.AddHours(1);

    private static Silence Silence(string? connector = null, string? rule = null, Severity? severity = null) =>
        new(Guid.NewGuid(), connector, rule, severity, Starts, Ends, "ana", "provider maintenance");

    [Theory]
    [InlineData("crm", "crm", true)]
    [InlineData("crm", "billing", false)]
    [InlineData("crm", "CRM", false)]
    [InlineData(null, "billing", true)]
    public void TheConnectorMatcherMustEqualOrdinally(string? matcher, string connector, bool matches)
    {
        Assert.Equal(matches, Silence(connector: matcher).Matches(connector, RuleNames.LatencyAnomaly, Severity.Warning, During));
    }

    [Theory]
    [InlineData(RuleNames.LatencyAnomaly, RuleNames.LatencyAnomaly, true)]
    [InlineData(RuleNames.LatencyAnomaly, RuleNames.Freshness, false)]
    [InlineData(null, RuleNames.Freshness, true)]
    public void TheRuleMatcherMustEqual(string? matcher, string rule, bool matches)
    {
        Assert.Equal(matches, Silence(rule: matcher).Matches("crm", rule, Severity.Warning, During));
    }

    [Theory]
    [InlineData(Severity.Warning, Severity.Warning, true)]
    [InlineData(Severity.Warning, Severity.Critical, false)]
    [InlineData(null, Severity.Critical, true)]
    public void TheSeverityMatcherMustEqual(Severity? matcher, Severity severity, bool matches)
    {
        Assert.Equal(matches, Silence(severity: matcher).Matches("crm", RuleNames.SloBurn, severity, During));
    }

    [Fact]
    public void EveryMatcherMustHold()
    {
        var silence = Silence("crm", RuleNames.SloBurn, Severity.Critical);

        Assert.True(silence.Matches("crm", RuleNames.SloBurn, Severity.Critical, During));
        Assert.False(silence.Matches("crm", RuleNames.SloBurn, Severity.Warning, During));
        Assert.False(silence.Matches("crm", RuleNames.Freshness, Severity.Critical, During));
        Assert.False(silence.Matches("billing", RuleNames.SloBurn, Severity.Critical, During));
    }

    [Theory]
    [InlineData(-1, false)]   // starts in the future
    [InlineData(0, true)]     // from its start
    [InlineData(7199, true)]
    [InlineData(7200, false)] // expired at its end
    [InlineData(9000, false)]
    public void ASilenceHoldsFromItsStartUntilItsEnd(int secondsAfterStart, bool active)
    {
        var now = Starts.AddSeconds(secondsAfterStart);
        var silence = Silence();

        Assert.Equal(active, silence.IsActive(now));
        Assert.Equal(active, silence.Matches("crm", RuleNames.SloBurn, Severity.Critical, now));
    }
}
