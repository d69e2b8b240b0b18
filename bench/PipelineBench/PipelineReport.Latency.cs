namespace ConnectorHealth.PipelineBench;

// Section 3: detection latency.
internal static partial class PipelineReport
{
    private static IEnumerable<string> LatencySection(PipelineResults results, Percentile run, Percentile driftEvent, Percentile failureAlert, Percentile driftAlert)
    {
        var samples = results.Latency.Samples;
        yield return "## 3. Detection latency";
        yield return "";
        yield return $"{samples.Count} samples under {results.Latency.BackgroundPerSecond:N0} runs/s of background load ({results.Latency.BackgroundPublished:N0} runs; most ready "
            + $"messages seen per queue, metrics / drift / alerting: {string.Join(" / ", results.Latency.MaxReady.Select(Count))}). Each sample publishes two runs "
            + "finished at the same moment — a connector's payload changing shape, and another connector's third failed run in a row — and polls the "
            + $"gateway every {results.Latency.PollInterval.TotalMilliseconds:N0} ms. Times run from the runs' FinishedAt. \"Stored at\" uses the services' own "
            + "timestamps (the drift event's detectedAt, the alert's createdAt), free of the polling interval. With "
            + $"{samples.Count} samples, p99 is the {(int)Math.Ceiling(0.99 * samples.Count)}th smallest (nearest rank).";
        yield return "";
        yield return "| From FinishedAt to | n | p50 | p95 | p99 | max | Target p99 | |";
        yield return "|---|---:|---:|---:|---:|---:|---:|---|";
        string LatencyRow(string what, Percentile p, bool target)
        {
            var verdict = target ? $"< {Ms(TargetP99Milliseconds)} | {Verdict(p.P99, TargetP99Milliseconds, false)}" : "– | ";
            return $"| {what} | {p.Count}{(p.Count < samples.Count ? $" ({samples.Count - p.Count} not seen within 30 s)" : "")} | {Ms(p.P50)} | {Ms(p.P95)} | {Ms(p.P99)} | {Ms(p.Max)} | {verdict} |";
        }
        yield return LatencyRow("(a) run visible in GET /api/runs/{id}", run, true);
        yield return LatencyRow("(b) drift event visible in GET /api/drift-events?connector=", driftEvent, true);
        yield return LatencyRow("(c) consecutive_failures alert visible in GET /api/alerts?connector=", failureAlert, true);
        yield return LatencyRow("(c) schema_drift alert (drift → alerting) visible in GET /api/alerts?connector=", driftAlert, true);
        yield return LatencyRow("drift event stored at (detectedAt)", Percentile.Of(samples.Select(s => s.DriftEventDetected)), false);
        yield return LatencyRow("consecutive_failures alert stored at (createdAt)", Percentile.Of(samples.Select(s => s.FailureAlertCreated)), false);
        yield return LatencyRow("schema_drift alert stored at (createdAt)", Percentile.Of(samples.Select(s => s.DriftAlertCreated)), false);
        yield return "";
    }
}
