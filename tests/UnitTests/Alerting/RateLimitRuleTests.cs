using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Thresholds;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class RateLimitRuleTests
{
    private static readonly RuleThresholds Defaults = new();

    [Theory]
    [InlineData(10, 3, true)]
    [InlineData(10, 2, false)]  // exactly 20 % is not above it
    [InlineData(5, 2, true)]
    [InlineData(4, 4, false)]   // too few runs to judge
    [InlineData(0, 0, false)]
    public void ARateLimitedShareAboveTheThresholdWarns(long total, long rateLimited, bool reported)
    {
        var finding = RateLimitRule.Evaluate("crm", new WindowCounts(total, rateLimited, rateLimited), Defaults);

        Assert.Equal(reported, finding is not null);
        if (finding is not null)
        {
            Assert.Equal(RuleNames.RateLimit, finding.Rule);
            Assert.Equal(Severity.Warning, finding.Severity);
        }
    }

    [Fact]
    public void TheMessageGivesTheShareAndTheWindow()
    {
        var finding = RateLimitRule.Evaluate("crm", new WindowCounts(10, 4, 4), Defaults);

        Assert.Equal("4 of 10 runs (40.0 %) over the last 1 h were rate-limited (threshold 20 %)", finding?.Message);
    }
}
