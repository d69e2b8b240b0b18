using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Alerting.Rules;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class InhibitionTests
{
    [Theory]
    [InlineData(RuleNames.SchemaDrift, RuleNames.ConsecutiveFailures, true)]
    [InlineData(RuleNames.LatencyAnomaly, RuleNames.ConsecutiveFailures, true)]
    [InlineData(RuleNames.RateLimit, RuleNames.Freshness, true)]
    [InlineData(RuleNames.SchemaDrift, RuleNames.Freshness, true)]
    [InlineData(RuleNames.SloBurn, RuleNames.ConsecutiveFailures, true)]
    [InlineData(RuleNames.SloBurn, RuleNames.Freshness, true)]
    [InlineData(RuleNames.SloBurn, RuleNames.RateLimit, true)]
    [InlineData(RuleNames.Freshness, RuleNames.ConsecutiveFailures, true)]
    [InlineData(RuleNames.ConsecutiveFailures, RuleNames.Freshness, false)]
    [InlineData(RuleNames.LatencyAnomaly, RuleNames.SloBurn, false)]
    [InlineData(RuleNames.LatencyAnomaly, RuleNames.RateLimit, false)]
    public void AConnectorThatIsDownOrStaleInhibitsItsSymptoms(string rule, string openRule, bool inhibited)
    {
        Assert.Equal(inhibited, Inhibition.IsInhibited(rule, [RuleNames.SchemaDrift, openRule]));
    }

    [Fact]
    public void NothingOpenInhibitsNothing()
    {
        Assert.All(RuleNames.All, rule => Assert.False(Inhibition.IsInhibited(rule, [])));
    }
}
