using System.Globalization;
using ConnectorHealth.DriftBench;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.PipelineBench;

// Section 5: run reports through the gateway against a bare endpoint.
internal static partial class PipelineReport
{
    private static IEnumerable<string> IntakeSection(PipelineResults results)
    {
        var intake = results.Intake;
        var limits = intake.Limits;
        yield return "## 5. Report intake: POST /api/runs";
        yield return "";
        yield return $"Outside pipelines' run reports (the runs of section 1 as report bodies, {Mean(intake.Gateway.Concat(intake.Bare).Select(w => w.MeanBodyBytes)):N0} B "
            + $"on average, a fresh runId each) from {intake.Concurrency} requests at once through one HttpClient (SocketsHttpHandler, "
            + $"{intake.Concurrency * 2} connections allowed), for {intake.Window.TotalSeconds:N0} s after {intake.WarmUp.TotalSeconds:N0} s of warm-up, "
            + "to two targets in turn: the gateway with the operator key (key check, rate limit, YARP, the runner's validation and its database "
            + "write, then publishing), and a bare ASP.NET Core endpoint in the bench process (Kestrel on 127.0.0.1, a MapPost that reads the body "
            + "to its end and answers 202) with the same bodies. Requests/s and latencies count the requests that finished after the warm-up; "
            + "latencies are of 2xx answers, to the last byte. Status codes include the warm-up. The bare endpoint shares the bench process "
            + "with the client, so its rate is bounded by what the bench gets of the machine (bench column); through the gateway, the "
            + "services column is metrics, drift and alerting consuming the accepted runs meanwhile.";
        yield return "";
        yield return $"Rate limits in force at the gateway ({limits.Source}): per API key {limits.PerKeyPerSecond:N0}/s with bursts of "
            + $"{limits.PerKeyBurst:N0}; per address without a valid key {limits.PerAddressPerSecond:N0}/s, bursts of {limits.PerAddressBurst:N0}. "
            + $"429 answers in all gateway windows: {TooMany(intake):N0}.";
        yield return "";
        yield return "| Figure | Through the gateway | Bare endpoint | Gateway / bare |";
        yield return "|---|---:|---:|---:|";
        string Row(string figure, Func<IntakeWindow, double> value, string format, bool ratio)
        {
            var (g, b) = (Spread.Of([.. intake.Gateway.Select(value)]), Spread.Of([.. intake.Bare.Select(value)]));
            return $"| {figure} | {g.Format(format)} | {b.Format(format)} | {(ratio ? (g.Median / b.Median).ToString("P0", CultureInfo.InvariantCulture) : $"{g.Median / b.Median:N1}×")} |";
        }
        yield return Row("Requests/s", w => w.RequestsPerSecond, "N0", true);
        yield return Row("Accepted (202)/s", w => w.AcceptedPerSecond, "N0", true);
        yield return Row("Latency p50, ms", w => w.P50, "N1", false);
        yield return Row("Latency p95, ms", w => w.P95, "N1", false);
        yield return Row("Latency p99, ms", w => w.P99, "N1", false);
        yield return Row("CPU, whole machine %", w => w.CpuPercent.GetValueOrDefault("machine"), "N0", false);
        yield return "";
        yield return "| Window | Target | Requests/s | 202/s | p50 ms | p95 ms | p99 ms | max ms | Status codes | CPU machine | gateway | runner | postgres | messaging | services | bench | Landed in metrics / drift / alerting |";
        yield return "|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|";
        foreach (var w in intake.Bare.Zip(intake.Gateway).SelectMany(p => new[] { p.First, p.Second }))
        {
            var landing = w.Landing is { } l
                ? $"{string.Join(" / ", l.Landed.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} of {l.Accepted:N0}: "
                    + $"{(l.AllLanded ? "all landed" : $"{l.MissingInMetrics:N0} missing in metrics")} ({l.Seconds:N0} s after the window)"
                : "–";
            yield return $"| {w.Repeat} | {w.Target} | {w.RequestsPerSecond:N0} | {w.AcceptedPerSecond:N0} | {w.P50:N1} | {w.P95:N1} | {w.P99:N1} | {w.Max:N0} | "
                + $"{string.Join(", ", w.StatusCounts.Select(c => $"{c.Key}: {c.Value:N0}"))}{(w.LastError is { } e ? $" ({e})" : "")} | "
                + string.Join(" | ", new[] { "machine", ResourceNames.Gateway, ResourceNames.Runner, ResourceNames.Postgres, ResourceNames.Messaging }
                    .Select(g => $"{w.CpuPercent.GetValueOrDefault(g):N0} %"))
                + $" | {Sinks.Sum(g => w.CpuPercent.GetValueOrDefault(g)):N0} % | {w.CpuPercent.GetValueOrDefault(ProcessWatch.Bench):N0} %"
                + $" | {landing} |";
        }
        yield return "";
        yield return $"Every accepted report reached metrics: {Landed(intake)} (each gateway window's accepted run ids looked up in metrics.runs once "
            + "its connectors' rows in metrics, drift and alerting stopped growing or reached the accepted count).";
        yield return "";
        if (intake.Lineage is { Count: > 0 } lineage)
        {
            yield return "### OpenLineage events: POST /api/v1/lineage";
            yield return "";
            yield return $"The same client and concurrency, through the gateway: each worker sends a run's START, then its COMPLETE (5 % FAIL), "
                + $"{Mean(lineage.Select(w => w.MeanBodyBytes)):N0} B on average, one output dataset with a schema facet of 8-12 fields and a row count, "
                + $"over {results.Options.Connectors} jobs. An event is 202 once stored and merged into its run; a COMPLETE also makes the run pending "
                + "for publication. Runs/s end to end is half the accepted events/s (two events a run).";
            yield return "";
            yield return "| Figure | OpenLineage events | Run reports (above) | Events / reports |";
            yield return "|---|---:|---:|---:|";
            string LineageRow(string figure, Func<IntakeWindow, double> value, string format, bool ratio)
            {
                var (l, g) = (Spread.Of([.. lineage.Select(value)]), Spread.Of([.. intake.Gateway.Select(value)]));
                return $"| {figure} | {l.Format(format)} | {g.Format(format)} | {(ratio ? (l.Median / g.Median).ToString("P0", CultureInfo.InvariantCulture) : $"{l.Median / g.Median:N1}×")} |";
            }
            yield return LineageRow("Requests/s", w => w.RequestsPerSecond, "N0", true);
            yield return LineageRow("Accepted (202)/s", w => w.AcceptedPerSecond, "N0", true);
            yield return LineageRow("Latency p50, ms", w => w.P50, "N1", false);
            yield return LineageRow("Latency p99, ms", w => w.P99, "N1", false);
            yield return LineageRow("CPU, whole machine %", w => w.CpuPercent.GetValueOrDefault("machine"), "N0", false);
            yield return "";
            yield return "| Window | Events/s | 202/s | p50 ms | p95 ms | p99 ms | max ms | Status codes | CPU machine | gateway | runner | postgres | messaging | Landed in metrics / drift / alerting |";
            yield return "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|";
            foreach (var w in lineage)
            {
                var landing = w.Landing is { } l
                    ? $"{string.Join(" / ", l.Landed.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} of {l.Accepted:N0} runs: "
                        + $"{(l.AllLanded ? "all landed" : $"{l.MissingInMetrics:N0} missing in metrics")} ({l.Seconds:N0} s after the window)"
                    : "–";
                yield return $"| {w.Repeat} | {w.RequestsPerSecond:N0} | {w.AcceptedPerSecond:N0} | {w.P50:N1} | {w.P95:N1} | {w.P99:N1} | {w.Max:N0} | "
                    + $"{string.Join(", ", w.StatusCounts.Select(c => $"{c.Key}: {c.Value:N0}"))}{(w.LastError is { } e ? $" ({e})" : "")} | "
                    + string.Join(" | ", new[] { "machine", ResourceNames.Gateway, ResourceNames.Runner, ResourceNames.Postgres, ResourceNames.Messaging }
                        .Select(g => $"{w.CpuPercent.GetValueOrDefault(g):N0} %"))
                    + $" | {landing} |";
            }
            yield return "";
        }
    }

    private static long TooMany(IntakeResult intake) => intake.Gateway.Sum(w => w.StatusCounts.GetValueOrDefault("429"));

    private static string Landed(IntakeResult intake)
    {
        var missing = intake.Gateway.Sum(w => w.Landing?.MissingInMetrics ?? 0);
        var accepted = intake.Gateway.Sum(w => w.Accepted);
        return missing == 0 ? $"all landed ({accepted:N0} accepted)" : $"{missing:N0} of {accepted:N0} accepted missing";
    }
}
