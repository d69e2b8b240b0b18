using System.Globalization;

namespace ConnectorHealth.DriftBench;

// One figure measured in several repetitions: the median and the range.
internal sealed record Spread(double Median, double Min, double Max)
{
    public static Spread Of(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Spread(median, sorted[0], sorted[^1]);
    }

    // "12.3 (11.9–13.0)" with the given number format.
    public string Format(string format) => string.Create(CultureInfo.InvariantCulture,
        $"{Median.ToString(format, CultureInfo.InvariantCulture)} ({Min.ToString(format, CultureInfo.InvariantCulture)}–{Max.ToString(format, CultureInfo.InvariantCulture)})");
}
