namespace ConnectorHealth.IntegrationTests.Metrics;

// The latency histogram as documented (in the Metrics migration): what the SQL functions are checked against. Log-scale
// buckets, 8 per doubling: bucket 0 holds [0, 1) ms and bucket b ≥ 1 holds [2^((b-1)/8), 2^(b/8)) ms; a percentile is
// the geometric midpoint of the bucket holding the nearest-rank value, clamped to the observed range.
public static class HistogramSpec
{
    public const int BucketsPerDoubling = 8;

    public static readonly double RelativeErrorBound = Math.Pow(2, 1.0 / (2 * BucketsPerDoubling)) - 1;

    public static double LowerBound(int bucket) => bucket == 0 ? 0 : Math.Pow(2, (bucket - 1.0) / BucketsPerDoubling);

    public static double UpperBound(int bucket) => Math.Pow(2, (double)bucket / BucketsPerDoubling);

    public static long Entry(int bucket, long count) => ((long)bucket << 32) | count;

    // The documented percentile of sorted, merged entries; null when empty.
    public static double? Percentile(long[] entries, double min, double max, double quantile)
    {
        var total = entries.Sum(e => e & 0xFFFF_FFFF);
        if (total == 0)
        {
            return null;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        foreach (var entry in entries)
        {
            seen += entry & 0xFFFF_FFFF;
            if (seen >= rank)
            {
                var bucket = (int)(entry >> 32);
                return Math.Clamp(bucket == 0 ? 0.5 : Math.Pow(2, (bucket - 0.5) / BucketsPerDoubling), min, max);
            }
        }
        return max;
    }
}
