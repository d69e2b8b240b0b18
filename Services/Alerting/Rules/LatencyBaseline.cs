using System.Globalization;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Thresholds;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.Alerting.Rules;

/// <summary>
/// A run is slow when it is far above the connector's usual latency. Median and median absolute deviation, not mean and
/// standard deviation, so one earlier spike in the baseline neither drags the centre up nor widens the band.
/// </summary>
public static class LatencyBaseline
{
    /// <summary>Scales the MAD to a standard deviation for normally distributed data.</summary>
    public const double NormalScale = 1.4826;

    /// <summary>
    /// The latency a run is judged by: how long its successful attempt took, when it says so (attempts that failed
    /// before it, and the backoff between them, are the failure and rate-limit rules' business, not a slow source);
    /// otherwise the run's own latency.
    /// </summary>
    public static double ServedMs(RunCompleted run) =>
        run.Attempts is [.., { Outcome: AttemptOutcome.Succeeded, DurationMs: var served }] && double.IsFinite(served) ? served
        : double.IsFinite(run.LatencyMs) ? run.LatencyMs : 0;

    /// <summary>The median and the raw (unscaled) median absolute deviation; NaN for no samples.</summary>
    public static (double Median, double Mad) Of(IReadOnlyList<double> samples)
    {
        if (samples.Count == 0)
        {
            return (double.NaN, double.NaN);
        }
        var median = Median(samples.ToArray());
        var mad = Median(samples.Select(s => Math.Abs(s - median)).ToArray());
        return (median, mad);
    }

    /// <summary>
    /// Judges one run's latency against the baseline: the latencies of the connector's runs before it, oldest first, of
    /// which the last <see cref="RuleThresholds.LatencyBaselineRuns"/> are used.
    /// </summary>
    public static Finding? Evaluate(string connector, double latencyMs, IReadOnlyList<double> baseline, RuleThresholds thresholds)
    {
        var recent = baseline.Skip(Math.Max(0, baseline.Count - thresholds.LatencyBaselineRuns)).Where(double.IsFinite).ToArray();
        if (recent.Length < thresholds.LatencyMinBaseline || !double.IsFinite(latencyMs))
        {
            return null;
        }
        var (median, mad) = Of(recent);
        var band = median + thresholds.LatencyMadFactor * NormalScale * mad;
        // With a MAD of 0 (a very steady connector) the band is the median itself; the ratio and the absolute margin keep
        // a few milliseconds of jitter from counting as an anomaly.
        var anomalous = latencyMs > band && latencyMs >= thresholds.LatencyMinRatio * median && latencyMs - median >= thresholds.LatencyMinMs;
        if (!anomalous)
        {
            return null;
        }
        var ratio = median > 0 ? $" ({AlertText.Number(latencyMs / median, "0.0")}× the median)" : "";
        return new Finding(
            RuleNames.LatencyAnomaly,
            Severity.Warning,
            "",
            $"The source answered in {AlertText.Number(latencyMs, "#,0")} ms against a median of {AlertText.Number(median, "#,0")} ms over the last {recent.Length} runs{ratio}",
            "Check the API's latency and how much the connector fetches per run; if the slowdown lasts, raise the timeout before runs start failing.",
            new Dictionary<string, string>
            {
                ["latency_ms"] = AlertText.Number(latencyMs, "0.#"),
                ["median_ms"] = AlertText.Number(median, "0.#"),
                ["mad_ms"] = AlertText.Number(mad, "0.#"),
                ["threshold_ms"] = AlertText.Number(Math.Max(band, Math.Max(thresholds.LatencyMinRatio * median, median + thresholds.LatencyMinMs)), "0.#"),
                ["baseline_runs"] = recent.Length.ToString(CultureInfo.InvariantCulture),
            });
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        var middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
