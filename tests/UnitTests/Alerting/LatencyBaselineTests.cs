using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Thresholds;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class LatencyBaselineTests
{
    private static readonly RuleThresholds Defaults = new();

    // Median 100 ms, MAD 10 ms.
    private static readonly double[] Steady = [.. Enumerable.Repeat(new double[] { 80, 90, 100, 110, 120 }, 6).SelectMany(x => x)];

    [Theory]
    [InlineData(new double[] { 3, 1, 100, 2, 4 }, 3, 1)]
    [InlineData(new double[] { 4, 1, 3, 2 }, 2.5, 1)]
    [InlineData(new double[] { 7 }, 7, 0)]
    [InlineData(new double[] { 5, 5, 5, 9 }, 5, 0)]
    public void TheBaselineIsTheMedianAndTheRawMedianAbsoluteDeviation(double[] samples, double median, double mad)
    {
        Assert.Equal((median, mad), LatencyBaseline.Of(samples));
    }

    [Fact]
    public void AnEmptyBaselineHasNoMedian()
    {
        var (median, mad) = LatencyBaseline.Of([]);

        Assert.True(double.IsNaN(median));
        Assert.True(double.IsNaN(mad));
    }

    [Fact]
    public void OneSpikeInTheBaselineDoesNotPoisonTheMedianOrTheMad()
    {
        double[] spiked = [.. Steady, 60_000];

        var (median, mad) = LatencyBaseline.Of(spiked);

        Assert.Equal(100, median);
        Assert.Equal(10, mad);
        // Mean and standard deviation would put the band near 66 s and miss this run entirely.
        Assert.NotNull(LatencyBaseline.Evaluate("crm", 1_000, spiked, Defaults));
    }

    [Fact]
    public void ASlowRunIsReportedWithItsMedian()
    {
        var finding = LatencyBaseline.Evaluate("crm", 2_400, Steady, Defaults);

        Assert.NotNull(finding);
        Assert.Equal(RuleNames.LatencyAnomaly, finding.Rule);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal("", finding.Key);
        Assert.Equal("The source answered in 2,400 ms against a median of 100 ms over the last 30 runs (24.0× the median)", finding.Message);
        Assert.Equal("10", finding.Details["mad_ms"]);
    }

    [Theory]
    [InlineData(19, false)]
    [InlineData(20, true)]
    public void TooFewSamplesAreNoBaseline(int samples, bool reported)
    {
        var baseline = Steady.Take(samples).ToArray();

        Assert.Equal(reported, LatencyBaseline.Evaluate("crm", 5_000, baseline, Defaults) is not null);
    }

    [Theory]
    [InlineData(100, 101, false)]   // above a MAD of 0, but by 1 ms
    [InlineData(100, 299, false)]   // under 3× the median
    [InlineData(100, 300, true)]    // 3× and 200 ms above
    [InlineData(10, 150, false)]    // 15×, but only 140 ms above
    [InlineData(10, 210, true)]
    [InlineData(1000, 2999, false)] // 2 s above, but under 3× the median
    [InlineData(1000, 3000, true)]
    public void AMadOfZeroLeavesTheRatioAndTheMarginToDecide(double steadyMs, double latencyMs, bool reported)
    {
        var baseline = Enumerable.Repeat(steadyMs, 30).ToArray();

        Assert.Equal(reported, LatencyBaseline.Evaluate("crm", latencyMs, baseline, Defaults) is not null);
    }

    [Theory]
    [InlineData(188, false)]
    [InlineData(190, true)]
    public void ALatencyMustClearSixScaledMadsAboveTheMedian(double latencyMs, bool reported)
    {
        // 100 + 6 × 1.4826 × 10 = 188.956 ms; the other guards are switched off.
        var thresholds = Defaults.WithOverrides(new RuleOverrides { LatencyMinRatio = 1, LatencyMinMs = 0 });

        Assert.Equal(reported, LatencyBaseline.Evaluate("crm", latencyMs, Steady, thresholds) is not null);
    }

    [Fact]
    public void OnlyTheLatestBaselineRunsCount()
    {
        // Fifty slow runs long ago, then fifty at 100 ms: 600 ms is slow for the connector as it is now.
        double[] baseline = [.. Enumerable.Repeat(1_000.0, 50), .. Enumerable.Repeat(100.0, 50)];

        Assert.NotNull(LatencyBaseline.Evaluate("crm", 600, baseline, Defaults));
        Assert.Null(LatencyBaseline.Evaluate("crm", 600, baseline, Defaults.WithOverrides(new RuleOverrides { LatencyBaselineRuns = 100 })));
    }
}
