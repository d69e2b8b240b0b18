using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Thresholds;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.UnitTests.Alerting;

/// <summary>The quality, volume and stuck_run rules, and a dataset's schema drift, on their own.</summary>
public sealed class LineageRuleTests
{
    private static readonly RuleThresholds Defaults = new();
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static List<VolumePoint> Writes(params long[] rows) =>
        [.. rows.Select((r, i) => new VolumePoint(Guid.CreateVersion7(), Now.AddHours(i - rows.Length), r))];

    [Fact]
    public void AFailedAssertionNamesTheAssertionTheColumnAndTheDatasetAndAPassRaisesNothing()
    {
        var result = new AssertionResult("warehouse~public.orders", "postgres://warehouse", "public.orders", "not_null", "id", Guid.CreateVersion7(), Now, false);

        var finding = QualityRule.Evaluate(result)!;

        Assert.Equal(RuleNames.Quality, finding.Rule);
        Assert.Contains("not_null", finding.Message);
        Assert.Contains("column id", finding.Message);
        Assert.Contains("postgres://warehouse/public.orders", finding.Message);
        Assert.Equal("id", finding.Details[DatasetDetails.Column]);
        Assert.NotEqual(QualityRule.Key("warehouse~public.orders", "not_null", "email"), finding.Key);
        Assert.Null(QualityRule.Evaluate(result with { Success = true }));
    }

    [Theory]
    [InlineData(new long[] { 1000, 1040, 980, 1010, 995, 0 }, true)]
    [InlineData(new long[] { 1000, 1040, 980, 1010, 995, 50_000 }, true)]
    [InlineData(new long[] { 1000, 1040, 980, 1010, 995, 100 }, true)]
    [InlineData(new long[] { 1000, 1150, 870, 1080, 930, 1120, 900, 1140 }, false)]
    // Too little baseline to judge.
    [InlineData(new long[] { 1000, 1040, 980, 1010, 0 }, false)]
    // A baseline that was sometimes empty: zero is normal.
    [InlineData(new long[] { 1000, 0, 980, 1010, 995, 0 }, false)]
    // A steady dataset wobbling by a few rows: the MAD is ~0, the minimum relative deviation keeps it quiet.
    [InlineData(new long[] { 500, 500, 500, 500, 500, 520 }, false)]
    public void AWriteIsJudgedAgainstTheMedianAndMadOfTheWritesBeforeIt(long[] rows, bool anomalous)
    {
        var finding = VolumeRule.Evaluate("warehouse~public.sales", "postgres://warehouse", "public.sales", Writes(rows), Defaults);

        Assert.Equal(anomalous, finding is not null);
        if (finding is not null)
        {
            Assert.Equal(RuleNames.Volume, finding.Rule);
            Assert.Equal("warehouse~public.sales", finding.Key);
            Assert.Contains("public.sales", finding.Message);
        }
    }

    [Fact]
    public void ABatchRunIsStuckPastFactorTimesTheP95OfItsJobsDurationsOrTheFloor()
    {
        var durations = Enumerable.Range(1, 20).Select(i => TimeSpan.FromMinutes(i)).ToList(); // p95: 19 min; 3 × = 57 min
        RunningRun Started(TimeSpan ago) => new(Guid.CreateVersion7(), Now - ago, Now - ago, false, "airflow", "dag.task", []);

        Assert.Equal(TimeSpan.FromMinutes(19), StuckRunRule.P95(durations));
        Assert.Null(StuckRunRule.Evaluate(Started(TimeSpan.FromMinutes(56)), durations, Now, Defaults));
        Assert.NotNull(StuckRunRule.Evaluate(Started(TimeSpan.FromMinutes(58)), durations, Now, Defaults));
        // Quick jobs are held to the floor (30 min), not to 3 × a few seconds.
        var quick = Enumerable.Repeat(TimeSpan.FromSeconds(5), 10).ToList();
        Assert.Null(StuckRunRule.Evaluate(Started(TimeSpan.FromMinutes(29)), quick, Now, Defaults));
        // Without enough history: the default limit (6 h).
        Assert.Null(StuckRunRule.Evaluate(Started(TimeSpan.FromHours(5)), quick.Take(2).ToList(), Now, Defaults));
        Assert.NotNull(StuckRunRule.Evaluate(Started(TimeSpan.FromHours(7)), [], Now, Defaults));
    }

    [Fact]
    public void AStreamingRunIsStuckWhenSilentFarLongerThanItsUsualGapHoweverLongItRuns()
    {
        // An event every 5 minutes up to the last one: 5 × 5 min = 25 min of silence is allowed.
        RunningRun Silent(TimeSpan since) => new(Guid.CreateVersion7(), Now.AddDays(-30), Now - since, true, "flink", "orders-stream",
            [.. Enumerable.Range(0, 10).Select(i => Now - since - TimeSpan.FromMinutes(5 * i))]);

        Assert.Null(StuckRunRule.Evaluate(Silent(TimeSpan.FromMinutes(24)), [], Now, Defaults));
        var stuck = StuckRunRule.Evaluate(Silent(TimeSpan.FromMinutes(26)), [], Now, Defaults)!;
        Assert.Contains("Streaming job flink/orders-stream", stuck.Message);
    }

    [Fact]
    public void ADatasetsSchemaDriftNamesTheDatasetAndIsKeyedByIt()
    {
        SchemaDriftDetected Drift(DriftDataset? dataset) => new()
        {
            EventId = 1, Connector = "airflow.dag", RunId = Guid.CreateVersion7(), FinishedAt = Now, FromVersion = 1, ToVersion = 2,
            Kind = DriftKind.NewVersion, Compatibility = CompatibilityMode.Backward, Breaking = true, Action = DriftAction.Alerted, DetectedAt = Now,
            Changes = [new SchemaChange("$.amount", SchemaChangeKind.FieldRemoved, "number", null, true)], Dataset = dataset,
        };
        var orders = DriftRule.Evaluate(Drift(new DriftDataset("warehouse~public.orders", "postgres://warehouse", "public.orders")));
        var refunds = DriftRule.Evaluate(Drift(new DriftDataset("warehouse~public.refunds", "postgres://warehouse", "public.refunds")));

        Assert.NotEqual(orders.Key, refunds.Key);
        Assert.NotEqual(DriftRule.Evaluate(Drift(null)).Key, orders.Key);
        Assert.StartsWith("Dataset postgres://warehouse/public.orders:", orders.Message);
        Assert.Equal("public.orders", orders.Details[DatasetDetails.Name]);
        Assert.Contains("public.orders", orders.RecommendedAction);
    }
}
