using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Thresholds;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class SloBurnTests
{
    private static readonly RuleThresholds Defaults = new();

    private static SloWindows Windows(
        (long Total, long Failed) fiveMinutes,
        (long Total, long Failed) thirtyMinutes,
        (long Total, long Failed) oneHour,
        (long Total, long Failed) sixHours,
        (long Total, long Failed) threeDays) =>
        new(Counts(fiveMinutes), Counts(thirtyMinutes), Counts(oneHour), Counts(sixHours), Counts(threeDays));

    private static WindowCounts Counts((long Total, long Failed) w) => new(w.Total, w.Failed, 0);

    [Theory]
    [InlineData(100, 20, 0.99, 20)]
    [InlineData(100, 1, 0.99, 1)]
    [InlineData(1000, 144, 0.99, 14.4)]
    [InlineData(10, 10, 0.5, 2)]
    [InlineData(100, 0, 0.99, 0)]
    [InlineData(0, 0, 0.99, 0)]
    public void BurnIsTheErrorRateOverTheErrorBudget(long total, long failed, double target, double burn)
    {
        Assert.Equal(burn, SloBurn.Burn(new WindowCounts(total, failed, 0), target), 9);
    }

    [Fact]
    public void AFastBurnOverOneHourAndFiveMinutesPages()
    {
        var finding = SloBurn.Evaluate("crm", Windows((10, 2), (50, 1), (100, 20), (600, 30), (5000, 40)), Defaults);

        Assert.NotNull(finding);
        Assert.Equal(RuleNames.SloBurn, finding.Rule);
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal("page", finding.Key);
        Assert.Equal(
            "Success rate 80.0 % over 1 h against a 99 % objective: error budget burning 20× (page: 14.4× over 1 h and 5 min)",
            finding.Message);
        Assert.Equal("20", finding.Details["burn_1h"]);
    }

    [Fact]
    public void ASlowerBurnOverSixHoursAndThirtyMinutesAlsoPages()
    {
        // 1 h burns at 5× only: the fast pair stays quiet.
        var finding = SloBurn.Evaluate("crm", Windows((10, 1), (100, 7), (200, 10), (1000, 70), (10_000, 80)), Defaults);

        Assert.NotNull(finding);
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal("page", finding.Key);
        Assert.Equal(
            "Success rate 93.0 % over 6 h against a 99 % objective: error budget burning 7× (page: 6× over 6 h and 30 min)",
            finding.Message);
    }

    [Fact]
    public void ASteadyBurnOverThreeDaysAndSixHoursOpensATicket()
    {
        var finding = SloBurn.Evaluate("crm", Windows((10, 0), (100, 2), (200, 4), (1000, 20), (10_000, 150)), Defaults);

        Assert.NotNull(finding);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal("ticket", finding.Key);
        Assert.Equal(
            "Success rate 98.5 % over 3 d against a 99 % objective: error budget burning 1.5× (ticket: 1× over 3 d and 6 h)",
            finding.Message);
    }

    [Fact]
    public void APageIsNotAlsoATicket()
    {
        // Every window burns at 20×: the ticket pair holds too, the page wins.
        var finding = SloBurn.Evaluate("crm", Windows((10, 2), (100, 20), (200, 40), (1000, 200), (10_000, 2000)), Defaults);

        Assert.Equal("page", finding?.Key);
    }

    [Theory]
    // 1 h at 20×, but the last 5 min are clean.
    [InlineData(10, 0, 50, 0, 100, 20, 3000, 20, 30_000, 20)]
    // 6 h at 7×, but the last 30 min are clean.
    [InlineData(10, 0, 100, 0, 200, 0, 1000, 70, 100_000, 70)]
    // 3 d at 1.5×, but the last 6 h burn at 0.5× only.
    [InlineData(10, 0, 100, 0, 200, 1, 1000, 5, 10_000, 150)]
    public void NoAlertWhenOnlyTheLongWindowBurnsAndTheShortOneRecovered(
        long t5m, long f5m, long t30m, long f30m, long t1h, long f1h, long t6h, long f6h, long t3d, long f3d)
    {
        Assert.Null(SloBurn.Evaluate("crm", Windows((t5m, f5m), (t30m, f30m), (t1h, f1h), (t6h, f6h), (t3d, f3d)), Defaults));
    }

    [Fact]
    public void NoRunsAtAllIsNoAlert()
    {
        Assert.Null(SloBurn.Evaluate("crm", Windows((0, 0), (0, 0), (0, 0), (0, 0), (0, 0)), Defaults));
    }

    [Theory]
    [InlineData(1, 1, null)]
    [InlineData(9, 9, null)]
    [InlineData(10, 10, "page")]
    public void ALongWindowWithTooFewRunsCannotFire(long runs, long failed, string? expected)
    {
        // A connector that has barely run: every run failed, in every window.
        var windows = Windows((Math.Min(runs, 5), Math.Min(failed, 5)), (runs, failed), (runs, failed), (runs, failed), (runs, failed));

        Assert.Equal(expected, SloBurn.Evaluate("new", windows, Defaults)?.Key);
        Assert.Equal("page", SloBurn.Evaluate("new", windows, Defaults.WithOverrides(new RuleOverrides { SloMinRuns = 1 }))?.Key);
    }

    [Fact]
    public void ABurnExactlyAtTheThresholdPages()
    {
        // 144 of 1000 is 14.4× against 99 %, which floating point alone puts a hair below 14.4.
        var finding = SloBurn.Evaluate("crm", Windows((1000, 144), (1000, 0), (1000, 144), (10_000, 144), (100_000, 144)), Defaults);

        Assert.Equal("page", finding?.Key);
    }

    [Fact]
    public void TheConnectorsObjectiveDecides()
    {
        // 20 % failures is a 20× burn against 99 % but only 2× against 90 %: no page, a ticket.
        var windows = Windows((10, 2), (100, 20), (100, 20), (600, 120), (5000, 1000));

        Assert.Equal("page", SloBurn.Evaluate("crm", windows, Defaults)?.Key);
        var relaxed = SloBurn.Evaluate("crm", windows, Defaults.WithOverrides(new RuleOverrides { SloTarget = 0.9 }));
        Assert.Equal("ticket", relaxed?.Key);
        Assert.Contains("against a 90 % objective", relaxed?.Message, StringComparison.Ordinal);
    }
}
