using System.Globalization;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Thresholds;

namespace ConnectorHealth.Alerting.Rules;

/// <summary>One successful run's rows written to an output dataset.</summary>
public sealed record VolumePoint(Guid RunId, DateTimeOffset FinishedAt, long Rows);

/// <summary>
/// How many rows a job writes to an output dataset, judged against what its own recent successful runs wrote there: the
/// latest write is anomalous when it is 0 where every write of the baseline had rows, or when it is far from the
/// baseline's median — more than <see cref="RuleThresholds.VolumeMadFactor"/> normal-scaled median absolute deviations
/// and more than <see cref="RuleThresholds.VolumeMinDeviation"/> of the median away. A 0 where the baseline was sometimes
/// empty too is not judged, nor is anything against a median of 0. Median and MAD, so one odd write in
/// the baseline neither moves the centre nor widens the band.
/// </summary>
public static class VolumeRule
{
    /// <param name="writes">The dataset's latest writes by this job, oldest first; the last is judged, those before it are the baseline.</param>
    public static Finding? Evaluate(string datasetKey, string datasetNamespace, string datasetName, IReadOnlyList<VolumePoint> writes, RuleThresholds thresholds)
    {
        if (writes.Count < 2)
        {
            return null;
        }
        var latest = writes[^1];
        var baseline = writes.Take(writes.Count - 1).TakeLast(thresholds.VolumeBaselineRuns).Select(w => (double)w.Rows).ToArray();
        if (baseline.Length < thresholds.VolumeMinBaseline)
        {
            return null;
        }
        var (median, mad) = LatencyBaseline.Of(baseline);
        var rows = (double)latest.Rows;
        var dataset = DatasetDetails.Display(datasetNamespace, datasetName);
        string message;
        if (latest.Rows == 0 && baseline.All(b => b > 0))
        {
            message = $"The latest run wrote 0 rows to {dataset}; each of its last {baseline.Length} successful runs wrote some (median {AlertText.Number(median, "#,0")})";
        }
        else if (latest.Rows == 0)
        {
            // The baseline was sometimes empty: an empty write is one of this dataset's known states, not an anomaly.
            return null;
        }
        else
        {
            var deviation = Math.Abs(rows - median);
            // A median of 0 (a dataset mostly written empty) has no scale to judge against: only the zero rule above applies.
            var anomalous = median > 0
                && deviation > thresholds.VolumeMadFactor * LatencyBaseline.NormalScale * mad
                && deviation > thresholds.VolumeMinDeviation * median;
            if (!anomalous)
            {
                return null;
            }
            var direction = rows > median ? "more" : "fewer";
            message = $"The latest run wrote {AlertText.Number(rows, "#,0")} rows to {dataset}, far {direction} than its median of "
                + $"{AlertText.Number(median, "#,0")} over the last {baseline.Length} runs ({AlertText.Number(rows / median, "0.##")}×)";
        }
        var details = DatasetDetails.Of(datasetKey, datasetNamespace, datasetName);
        details["rows"] = latest.Rows.ToString(CultureInfo.InvariantCulture);
        details["median_rows"] = AlertText.Number(median, "0.#");
        details["mad_rows"] = AlertText.Number(mad, "0.#");
        details["baseline_runs"] = baseline.Length.ToString(CultureInfo.InvariantCulture);
        details["run_id"] = latest.RunId.ToString();
        return new Finding(
            RuleNames.Volume,
            Severity.Warning,
            datasetKey,
            message,
            $"Check what the job read for this run (a partial or empty extract, a changed filter, a replayed or duplicated partition) before "
                + $"downstream jobs read {dataset}; rerun it once the source is right.",
            details);
    }
}
