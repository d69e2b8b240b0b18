using System.Globalization;

namespace ConnectorHealth.Alerting.Alerts;

/// <summary>How numbers and durations read in alert messages and details: invariant, the same everywhere.</summary>
internal static class AlertText
{
    public static string Number(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A share (0–1) as "80.0 %"; more decimals only where they are needed (99.95 %).</summary>
    public static string Percent(double share, string format = "0.0##") => $"{Number(share * 100, format)} %";

    /// <summary>The two largest units: "1 h", "30 min", "3 h 20 min", "2 d 4 h", "45 s".</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.FromSeconds(1))
        {
            return $"{Number(Math.Max(0, span.TotalMilliseconds), "0")} ms";
        }
        var units = new (long Value, string Unit)[]
        {
            (span.Days, "d"), (span.Hours, "h"), (span.Minutes, "min"), (span.Seconds, "s"),
        };
        var first = Array.FindIndex(units, u => u.Value != 0);
        var shown = units.Skip(first).Take(2).Where(u => u.Value != 0).Select(u => $"{u.Value} {u.Unit}");
        return string.Join(' ', shown);
    }

    public static string Timestamp(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}
