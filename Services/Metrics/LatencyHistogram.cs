namespace ConnectorHealth.Metrics;

/// <summary>
/// A mergeable latency distribution with fixed log-scale buckets, 8 per doubling: bucket 0 holds [0, 1) ms and
/// bucket b ≥ 1 holds [2^((b-1)/8), 2^(b/8)) ms (the SQL function <c>metrics.latency_bucket</c> assigns them).
/// Stored as a sparse <c>bigint[]</c> of <c>bucket &lt;&lt; 32 | count</c> entries.
/// </summary>
/// <remarks>
/// A percentile is reported as the geometric midpoint of the bucket that holds the nearest-rank value, clamped to the
/// observed minimum and maximum, so from 1 ms up its relative error is at most 2^(1/16) − 1 ≈ 4.4 %
/// (<see cref="RelativeErrorBound"/>); below 1 ms the error is under 1 ms.
/// </remarks>
public sealed class LatencyHistogram
{
    public const int BucketsPerDoubling = 8;

    public static readonly double RelativeErrorBound = Math.Pow(2, 1.0 / (2 * BucketsPerDoubling)) - 1;

    private const long CountMask = 0xFFFF_FFFF;

    // Dense by bucket: a day of latencies spans a few dozen buckets, and even a week-long latency is bucket ~230.
    private long[] _counts = new long[128];

    public long Count { get; private set; }

    public double Min { get; private set; } = double.PositiveInfinity;

    public double Max { get; private set; } = double.NegativeInfinity;

    /// <summary>The bucket of a latency; the same rule as <c>metrics.latency_bucket</c>.</summary>
    public static int BucketOf(double latencyMs) =>
        latencyMs >= 1 ? 1 + (int)Math.Floor(Math.Log(latencyMs) * (BucketsPerDoubling / Math.Log(2))) : 0;

    public static double LowerBound(int bucket) => bucket == 0 ? 0 : Math.Pow(2, (bucket - 1.0) / BucketsPerDoubling);

    public static double UpperBound(int bucket) => Math.Pow(2, (double)bucket / BucketsPerDoubling);

    /// <summary>Adds the entries of a stored histogram (possibly unmerged, e.g. concatenated) and its min and max.</summary>
    public void Add(long[] entries, double min, double max)
    {
        foreach (var entry in entries)
        {
            var bucket = (int)(entry >> 32);
            var count = entry & CountMask;
            if (bucket >= _counts.Length)
            {
                Array.Resize(ref _counts, Math.Max(bucket + 1, _counts.Length * 2));
            }
            _counts[bucket] += count;
            Count += count;
        }
        if (entries.Length > 0)
        {
            Min = Math.Min(Min, min);
            Max = Math.Max(Max, max);
        }
    }

    /// <summary>Adds one observation (tests and tools; the service builds histograms in SQL).</summary>
    public void Record(double latencyMs) => Add([((long)BucketOf(latencyMs) << 32) | 1], latencyMs, latencyMs);

    public long[] ToEntries()
    {
        var entries = new List<long>();
        for (var bucket = 0; bucket < _counts.Length; bucket++)
        {
            if (_counts[bucket] > 0)
            {
                entries.Add(((long)bucket << 32) | _counts[bucket]);
            }
        }
        return [.. entries];
    }

    /// <summary>The nearest-rank percentile estimate (<paramref name="quantile"/> in (0, 1]), or null when empty.</summary>
    public double? Percentile(double quantile)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1);
        if (Count == 0)
        {
            return null;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * Count));
        long seen = 0;
        for (var bucket = 0; bucket < _counts.Length; bucket++)
        {
            seen += _counts[bucket];
            if (seen >= rank)
            {
                return Estimate(bucket, Min, Max);
            }
        }
        return Max;
    }

    /// <summary>
    /// The nearest-rank percentile of a merged histogram (entries sorted by bucket, one per bucket), as stored in a
    /// rollup row; null when empty.
    /// </summary>
    public static double? Percentile(ReadOnlySpan<long> entries, double min, double max, double quantile)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1);
        long total = 0;
        foreach (var entry in entries)
        {
            total += entry & CountMask;
        }
        if (total == 0)
        {
            return null;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        foreach (var entry in entries)
        {
            seen += entry & CountMask;
            if (seen >= rank)
            {
                return Estimate((int)(entry >> 32), min, max);
            }
        }
        return max;
    }

    // The bucket's geometric midpoint, within the observed range.
    private static double Estimate(int bucket, double min, double max) =>
        Math.Clamp(bucket == 0 ? 0.5 : Math.Pow(2, (bucket - 0.5) / BucketsPerDoubling), min, max);

    public static LatencyHistogram From(long[] entries, double min, double max)
    {
        var histogram = new LatencyHistogram();
        histogram.Add(entries, min, max);
        return histogram;
    }
}
