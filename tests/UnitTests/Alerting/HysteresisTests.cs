using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Rules;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class HysteresisTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan ResolveAfter = TimeSpan.FromMinutes(10);

    [Fact]
    public void AFiringConditionKeepsTheAlertOpenAndForgetsWhenItCleared()
    {
        Assert.Equal((null, false), Hysteresis.Next(true, T0.AddMinutes(-30), T0, ResolveAfter));
    }

    [Fact]
    public void TheFirstClearEvaluationStartsTheClock()
    {
        Assert.Equal((T0, false), Hysteresis.Next(false, null, T0, ResolveAfter));
    }

    [Fact]
    public void ClearForLessThanResolveAfterKeepsItOpen()
    {
        var now = T0 + ResolveAfter - TimeSpan.FromSeconds(1);

        Assert.Equal((T0, false), Hysteresis.Next(false, T0, now, ResolveAfter));
    }

    [Fact]
    public void ItResolvesExactlyAtResolveAfter()
    {
        Assert.Equal((T0, true), Hysteresis.Next(false, T0, T0 + ResolveAfter, ResolveAfter));
    }

    [Fact]
    public void FiringAgainResetsTheClock()
    {
        var (clearSince, resolve) = Hysteresis.Next(false, null, T0, ResolveAfter);
        (clearSince, resolve) = Hysteresis.Next(false, clearSince, T0.AddMinutes(6), ResolveAfter);
        Assert.False(resolve);

        (clearSince, resolve) = Hysteresis.Next(true, clearSince, T0.AddMinutes(7), ResolveAfter);
        Assert.Null(clearSince);

        (clearSince, resolve) = Hysteresis.Next(false, clearSince, T0.AddMinutes(8), ResolveAfter);
        Assert.Equal(T0.AddMinutes(8), clearSince);
        (_, resolve) = Hysteresis.Next(false, clearSince, T0.AddMinutes(17), ResolveAfter);
        Assert.False(resolve);
        (_, resolve) = Hysteresis.Next(false, clearSince, T0.AddMinutes(18), ResolveAfter);
        Assert.True(resolve);
    }

    [Theory]
    [InlineData(RuleNames.SchemaDrift, false)]
    [InlineData(RuleNames.ConsecutiveFailures, true)]
    [InlineData(RuleNames.SloBurn, true)]
    [InlineData(RuleNames.RateLimit, true)]
    [InlineData(RuleNames.LatencyAnomaly, true)]
    [InlineData(RuleNames.Freshness, true)]
    [InlineData("something_else", false)]
    public void EveryRuleButDriftClearsByItself(string rule, bool clears)
    {
        Assert.Equal(clears, Hysteresis.ClearsByItself(rule));
    }
}
