using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Thresholds;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class ConsecutiveFailuresRuleTests
{
    private static readonly RuleThresholds Defaults = new();

    [Theory]
    [InlineData(0, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(12, true)]
    public void ThreeFailedRunsInARowAreCritical(int streak, bool reported)
    {
        var finding = ConsecutiveFailuresRule.Evaluate("crm", streak, "ServerError", "503 Service Unavailable", Defaults);

        Assert.Equal(reported, finding is not null);
        if (finding is not null)
        {
            Assert.Equal(RuleNames.ConsecutiveFailures, finding.Rule);
            Assert.Equal(Severity.Critical, finding.Severity);
            Assert.Equal("", finding.Key);
            Assert.Equal($"{streak} failed runs in a row (last error: ServerError: 503 Service Unavailable)", finding.Message);
        }
    }

    [Fact]
    public void TheConnectorsOwnThresholdApplies()
    {
        var patient = Defaults.WithOverrides(new RuleOverrides { ConsecutiveFailures = 5 });

        Assert.Null(ConsecutiveFailuresRule.Evaluate("crm", 4, null, null, patient));
        Assert.NotNull(ConsecutiveFailuresRule.Evaluate("crm", 5, null, null, patient));
    }

    [Theory]
    [InlineData("AuthError", "credentials")]
    [InlineData("auth", "credentials")]
    [InlineData("RateLimitError", "request rate")]
    [InlineData("rate_limit", "request rate")]
    [InlineData("TimeoutError", "timeout")]
    [InlineData("timeout", "timeout")]
    [InlineData("ServerError", "provider's status")]
    [InlineData("server", "provider's status")]
    [InlineData("InvalidJsonError", "trace")]
    [InlineData("ClientError", "trace")]
    [InlineData(null, "trace")]
    public void TheRecommendedActionFollowsTheLastErrorType(string? errorType, string advice)
    {
        var finding = ConsecutiveFailuresRule.Evaluate("crm", 3, errorType, "boom", Defaults);

        Assert.NotNull(finding);
        Assert.Contains(advice, finding.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public void EachErrorTypeHasItsOwnAdvice()
    {
        string[] types = ["AuthError", "RateLimitError", "TimeoutError", "ServerError", "UnexpectedError"];

        Assert.Equal(types.Length, types.Select(ConsecutiveFailuresRule.RecommendedAction).Distinct().Count());
    }
}
