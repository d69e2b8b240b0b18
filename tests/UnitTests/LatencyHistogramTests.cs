using ConnectorHealth.Metrics;

namespace ConnectorHealth.UnitTests;

public class LatencyHistogramTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(0.999, 0)]
    [InlineData(1, 1)]
    [InlineData(1.0905, 1)]
    [InlineData(1.091, 2)]
    [InlineData(2.001, 9)]
    [InlineData(1000, 80)]
    [InlineData(3_600_000, 175)]
    public void EachLatencyFallsInItsDocumentedBucket(double latencyMs, int bucket)
    {
        Assert.Equal(bucket, LatencyHistogram.BucketOf(latencyMs));
        Assert.InRange(latencyMs, LatencyHistogram.LowerBound(bucket), LatencyHistogram.UpperBound(bucket));
    }

    [Fact]
    public void PercentilesStayWithinTheDocumentedRelativeError()
    {
        var random = new Random(4);
        for (var round = 0; round < 50; round++)
        {
            var samples = Enumerable.Range(0, 1 + random.Next(2_000))
                .Select(_ => Math.Exp(2 + 3 * random.NextDouble()) * (1 + random.NextDouble()))
                .ToArray();
            var histogram = new LatencyHistogram();
            foreach (var sample in samples)
            {
                histogram.Record(sample);
            }
            Array.Sort(samples);

            foreach (var quantile in new[] { 0.01, 0.5, 0.9, 0.95, 0.99, 1.0 })
            {
                var exact = samples[(int)Math.Ceiling(quantile * samples.Length) - 1];
                var estimate = histogram.Percentile(quantile)!.Value;
                Assert.True(Math.Abs(estimate - exact) <= exact * LatencyHistogram.RelativeErrorBound,
                    $"p{quantile * 100} estimate {estimate} vs exact {exact}");
            }
        }
        Assert.Equal(0.0443, LatencyHistogram.RelativeErrorBound, 4);
    }

    [Fact]
    public void MergedHistogramsEqualOneHistogramOfEverything()
    {
        var random = new Random(8);
        var all = new LatencyHistogram();
        var merged = new LatencyHistogram();
        for (var part = 0; part < 10; part++)
        {
            var piece = new LatencyHistogram();
            for (var i = 0; i < 100; i++)
            {
                var latency = random.NextDouble() * 5_000;
                piece.Record(latency);
                all.Record(latency);
            }
            merged.Add(piece.ToEntries(), piece.Min, piece.Max);
        }

        Assert.Equal(all.ToEntries(), merged.ToEntries());
        Assert.Equal(1_000, merged.Count);
        Assert.Equal(all.Percentile(0.95), merged.Percentile(0.95));
    }

    [Fact]
    public void EstimatesNeverLeaveTheObservedRange()
    {
        var histogram = LatencyHistogram.From([((long)LatencyHistogram.BucketOf(130) << 32) | 3], min: 129.5, max: 130.2);

        Assert.InRange(histogram.Percentile(0.5)!.Value, 129.5, 130.2);
        Assert.Null(new LatencyHistogram().Percentile(0.5));
        Assert.Null(LatencyHistogram.Percentile([], 0, 0, 0.95));
    }
}
