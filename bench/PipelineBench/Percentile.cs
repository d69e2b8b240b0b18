namespace ConnectorHealth.PipelineBench;

// Nearest-rank percentiles of a set of timings; a value never seen (null) counts as slower than any that was.
internal sealed record Percentile(int Count, double P50, double P95, double P99, double Max)
{
    public static Percentile Of(IEnumerable<double?> values)
    {
        var sorted = values.Select(v => v ?? double.PositiveInfinity).Order().ToArray();
        double At(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return new Percentile(sorted.Count(double.IsFinite), At(0.50), At(0.95), At(0.99), sorted.Length == 0 ? double.NaN : sorted[^1]);
    }

    public static Percentile Of(IEnumerable<double> values) => Of(values.Select(v => (double?)v));
}
