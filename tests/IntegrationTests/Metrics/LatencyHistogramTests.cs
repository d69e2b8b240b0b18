using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics.Rollups;

namespace ConnectorHealth.IntegrationTests.Metrics;

// The histogram (built and merged by SQL, read by LatencyHistogram) against its documented definition.
[Collection(PostgresCollection.Name)]
public sealed class LatencyHistogramTests(PostgresServer postgres)
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task EachLatencyFallsInItsDocumentedBucket()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        (double LatencyMs, int Bucket)[] cases = [(0, 0), (0.999, 0), (1, 1), (1.0905, 1), (1.091, 2), (2.001, 9), (1000, 80), (3_600_000, 175)];

        var buckets = await db.RowsAsync("SELECT metrics.latency_bucket(l) FROM unnest($1::float8[]) WITH ORDINALITY AS t(l, i) ORDER BY i",
            cases.Select(c => c.LatencyMs).ToArray());

        Assert.Equal(cases.Select(c => c.Bucket), buckets.Select(b => (int)b[0]!));
        Assert.All(cases, c => Assert.InRange(c.LatencyMs, HistogramSpec.LowerBound(c.Bucket), HistogramSpec.UpperBound(c.Bucket)));
    }

    [Fact]
    public async Task PercentilesStayWithinTheDocumentedRelativeError()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var random = new Random(4);
        double[] quantiles = [0.01, 0.5, 0.9, 0.95, 0.99, 1.0];
        for (var round = 0; round < 50; round++)
        {
            var samples = Enumerable.Range(0, 1 + random.Next(2_000))
                .Select(_ => Math.Exp(2 + 3 * random.NextDouble()) * (1 + random.NextDouble()))
                .ToArray();

            var histogram = (await db.RowsAsync(
                "SELECT array_agg(metrics.histogram_entry(metrics.latency_bucket(l), 1)) FROM unnest($1::float8[]) AS l", samples))[0];
            var entries = (long[])histogram[0]!;
            Array.Sort(samples);

            foreach (var quantile in quantiles)
            {
                var exact = samples[(int)Math.Ceiling(quantile * samples.Length) - 1];
                var estimate = LatencyHistogram.Percentile(entries, samples[0], samples[^1], quantile)!.Value;
                Assert.True(Math.Abs(estimate - exact) <= exact * HistogramSpec.RelativeErrorBound,
                    $"p{quantile * 100} estimate {estimate} vs exact {exact}");
            }
        }
        Assert.Equal(0.0443, HistogramSpec.RelativeErrorBound, 4);
    }

    [Fact]
    public async Task MergedHistogramsEqualOneHistogramOfEverything()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var random = new Random(8);
        var latencies = Enumerable.Range(0, 1_000).Select(_ => random.NextDouble() * 5_000).ToArray();

        var rows = await db.RowsAsync(
            """
            WITH pieces AS (
                SELECT p, metrics.histogram_merge(array_agg(metrics.histogram_entry(metrics.latency_bucket(l), 1)), NULL) AS h
                FROM unnest($1::float8[]) WITH ORDINALITY AS t(l, i), LATERAL (SELECT (i - 1) / 100 AS p) piece
                GROUP BY p
            ),
            merged AS (SELECT metrics.histogram_merge(metrics.histogram_concat(h), NULL) AS h FROM pieces),
            everything AS (SELECT metrics.histogram_merge(array_agg(metrics.histogram_entry(metrics.latency_bucket(l), 1)), NULL) AS h
                           FROM unnest($1::float8[]) AS l)
            SELECT merged.h, everything.h, (SELECT sum(metrics.histogram_count(e)) FROM unnest(merged.h) e)::bigint,
                   (SELECT count(*) FROM pieces)
            FROM merged, everything
            """, latencies);

        var (merged, everything) = ((long[])rows[0][0]!, (long[])rows[0][1]!);
        Assert.Equal(everything, merged);
        Assert.Equal(1_000L, (long)rows[0][2]!);
        Assert.Equal(10L, (long)rows[0][3]!);
        Assert.Equal(everything.Select(e => (int)(e >> 32)).Order(), everything.Select(e => (int)(e >> 32)));
        Assert.Equal(
            HistogramSpec.Percentile(everything, latencies.Min(), latencies.Max(), 0.95)!.Value,
            LatencyHistogram.Percentile(merged, latencies.Min(), latencies.Max(), 0.95)!.Value,
            1e-9);
    }

    [Fact]
    public async Task EstimatesNeverLeaveTheObservedRange()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);

        var bucket = (int)(await db.RowsAsync("SELECT metrics.latency_bucket(130)"))[0][0]!;

        Assert.InRange(LatencyHistogram.Percentile([HistogramSpec.Entry(bucket, 3)], 129.5, 130.2, 0.5)!.Value, 129.5, 130.2);
        Assert.Null(LatencyHistogram.Percentile([], 0, 0, 0.5));
        Assert.Null(LatencyHistogram.Percentile([HistogramSpec.Entry(bucket, 0)], 0, 0, 0.95));
    }
}
