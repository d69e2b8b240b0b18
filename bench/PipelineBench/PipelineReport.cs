using System.Globalization;
using System.Text;
using ConnectorHealth.DriftBench;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.PipelineBench;

/// <summary>The pipeline benchmark's Markdown report: the summary here, each numbered section in a file of its own.</summary>
internal static partial class PipelineReport
{
    public const double TargetRunsPerSecond = 2_000;
    public const double TargetShareOfBare = 0.50;
    public const double TargetP99Milliseconds = 1_000;

    // The process trees in the order the tables show them.
    private static readonly string[] Groups =
    [
        ResourceNames.Postgres, ResourceNames.Messaging, ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting,
        ResourceNames.Runner, ResourceNames.Gateway, ResourceNames.WebUi, ResourceNames.MessagingEpmd, ProcessWatch.Orchestrator, ProcessWatch.Bench,
    ];

    private static readonly string[] Sinks = [ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting];

    public static string Write(PipelineResults results)
    {
        var options = results.Options;
        var text = new StringBuilder();
        void Line(string line = "") => text.AppendLine(line);

        var ingest = Spread.Of([.. results.Throughput.Select(w => w.EndToEndPerSecond)]);
        var bare = Spread.Of([.. results.Baseline.Select(w => w.EndToEndPerSecond)]);
        var share = ingest.Median / bare.Median;
        var samples = results.Latency.Samples;
        var run = Percentile.Of(samples.Select(s => s.RunVisible));
        var driftEvent = Percentile.Of(samples.Select(s => s.DriftEventVisible));
        var failureAlert = Percentile.Of(samples.Select(s => s.FailureAlertVisible));
        var driftAlert = Percentile.Of(samples.Select(s => s.DriftAlertVisible));
        var healthy = results.HealthyAfterSeconds.Values.Max();

        Line($"# Pipeline benchmark: the whole running system, one replica of each service{(results.Scaled is { } n ? $" ({n.Replicas} in section 6)" : "")}{(options.Quick ? " (--quick)" : "")}");
        Line();
        Line($"- When: {results.FinishedAt:yyyy-MM-dd HH:mm} UTC; machine: {results.Machine.Cores} cores ({results.Machine.Cpu}), {results.Machine.MemoryGiB:N1} GiB; "
            + $"{results.Machine.Runtime} ({results.Machine.Os}); PostgreSQL {results.Machine.Postgres}, RabbitMQ {results.Machine.RabbitMQ} — the AppHost in local mode, "
            + "everything on this one machine (bench included), services built in Release.");
        if (options.ServiceEnvironment.Count > 0 || options.Profile > TimeSpan.Zero)
        {
            var set = options.ServiceEnvironment.Select(e => $"{e.Key}={e.Value}").ToList();
            if (options.Profile > TimeSpan.Zero)
            {
                set.AddRange(CpuProfile.PerfMapEnvironment.Where(e => !options.ServiceEnvironment.ContainsKey(e.Key)).Select(e => $"{e.Key}={e.Value} (for § 8)"));
            }
            Line($"- Every service ran with {string.Join(", ", set)}.");
        }
        Line($"- Load: RunCompleted published straight to RabbitMQ with MassTransit (publisher confirms, up to {options.InFlight} in flight); "
            + $"{options.Connectors} connectors per window, payloads of {results.MeanPayloadBytes:N0} B on average (1–5 KB), "
            + $"{RunFactory.SchemaChangeProbability:P0} of successful runs change their connector's payload shape, {RunFactory.FailureProbability:P0} of runs fail "
            + "(three 503 attempts, no payload).");
        Line($"- Figures are the median of {options.Repeat} windows with the range (min–max) in brackets; a window's rates leave out its first "
            + $"{options.WarmUp.TotalSeconds:0.#} s of ramp-up. CPU is in % of one core (the machine has {results.Machine.Cores * 100} %).");
        Line();
        Line("| Figure | Value | Target | |");
        Line("|---|---:|---:|---|");
        Line($"| Ingest end to end: runs/s landing in all three services' tables ({options.Duration.TotalSeconds:N0} s windows) | {ingest.Format("N0")} | ≥ {TargetRunsPerSecond:N0} | {Verdict(ingest.Median, TargetRunsPerSecond, true)} |");
        Line($"| Bare MassTransit fan-out: messages/s to each of three no-op consumers ({options.BaselineDuration.TotalSeconds:N0} s windows) | {bare.Format("N0")} | – | |");
        Line($"| Pipeline's share of the bare fan-out | {share:P0} | ≥ {TargetShareOfBare:P0} | {Verdict(share, TargetShareOfBare, true)} |");
        Line($"| Run visible in GET /api/runs/{{id}}, p99 | {Ms(run.P99)} | < {Ms(TargetP99Milliseconds)} | {Verdict(run.P99, TargetP99Milliseconds, false)} |");
        Line($"| Schema change visible in GET /api/drift-events, p99 | {Ms(driftEvent.P99)} | < {Ms(TargetP99Milliseconds)} | {Verdict(driftEvent.P99, TargetP99Milliseconds, false)} |");
        Line($"| consecutive_failures alert visible in GET /api/alerts, p99 | {Ms(failureAlert.P99)} | < {Ms(TargetP99Milliseconds)} | {Verdict(failureAlert.P99, TargetP99Milliseconds, false)} |");
        Line($"| schema_drift alert visible in GET /api/alerts, p99 | {Ms(driftAlert.P99)} | < {Ms(TargetP99Milliseconds)} | {Verdict(driftAlert.P99, TargetP99Milliseconds, false)} |");
        Line($"| AppHost start to every resource healthy (one start, fresh data directory) | {healthy:N1} s | – | |");
        var intakeGateway = Spread.Of([.. results.Intake.Gateway.Select(w => w.RequestsPerSecond)]);
        var intakeBare = Spread.Of([.. results.Intake.Bare.Select(w => w.RequestsPerSecond)]);
        Line($"| Report intake: POST /api/runs through the gateway, requests/s at {results.Intake.Concurrency} at once ({results.Intake.Window.TotalSeconds:N0} s windows; § 5) | "
            + $"{intakeGateway.Format("N0")} | – | |");
        Line($"| … the same requests to a bare ASP.NET Core endpoint in the bench | {intakeBare.Format("N0")} | – | |");
        Line($"| … p99 through the gateway / bare | {MsSpread(results.Intake.Gateway.Select(w => w.P99))} / {MsSpread(results.Intake.Bare.Select(w => w.P99))} | – | |");
        Line($"| … 429 answers; accepted reports not in metrics afterwards | {TooMany(results.Intake):N0}; {Landed(results.Intake)} | – | |");
        if (results.Scaled is { } scaled)
        {
            Line($"| Ingest end to end with {scaled.Replicas} replicas of metrics, drift and alerting (§ 6) | "
                + $"{Spread.Of([.. scaled.Throughput.Select(w => w.EndToEndPerSecond)]).Format("N0")} | – | |");
        }
        var coldest = results.Kpis.Rounds.SelectMany(k => k.Endpoints).GroupBy(e => e.Path)
            .Select(g => (Path: g.Key, Cold: Spread.Of([.. g.Select(e => e.ColdMilliseconds)]), Warm: Spread.Of([.. g.Select(e => e.WarmP95)])))
            .OrderByDescending(e => e.Cold.Median).FirstOrDefault();
        if (coldest.Path is not null)
        {
            Line($"| KPI query after a Metrics restart, slowest first request ({coldest.Path}; § 7): cold / warm p95 | "
                + $"{Milliseconds(coldest.Cold.Median)} / {Milliseconds(coldest.Warm.Median)} | – | |");
        }
        Line();

        Line("## What limits it (measured)");
        Line();
        foreach (var finding in Limits(results, ingest.Median, share, [run, driftEvent, failureAlert, driftAlert]))
        {
            Line($"- {finding}");
        }
        Line();

        foreach (var line in IngestSection(results).Concat(FanOutSection(results, ingest, bare, share))
            .Concat(LatencySection(results, run, driftEvent, failureAlert, driftAlert)).Concat(FootprintSection(results))
            .Concat(IntakeSection(results)).Concat(ReplicaSection(results)).Concat(KpiSection(results)).Concat(MetricsBenchSection(results.Kpis)).Concat(ProfileSection(results)))
        {
            Line(line);
        }
        Line($"Total bench time: {results.Elapsed.TotalMinutes:N1} min.");
        return text.ToString();
    }

    private static double Mean(IEnumerable<double> values) => values.DefaultIfEmpty(0).Average();

    private static string MsSpread(IEnumerable<double> values)
    {
        var spread = Spread.Of([.. values]);
        return $"{spread.Format(spread.Median < 10 ? "N1" : "N0")} ms";
    }

    private static string Milliseconds(double value) => value < 10 ? $"{value:N1} ms" : Ms(value);

    private static string Count(long? value) => value?.ToString("N0", CultureInfo.InvariantCulture) ?? "?";

    private static string Ms(double value) => double.IsNaN(value) ? "–" : double.IsInfinity(value) ? "not seen" : value >= 10_000 ? $"{value / 1000:N1} s" : $"{value:N0} ms";

    private static string Verdict(double value, double target, bool higherIsBetter) =>
        double.IsNaN(value) ? "–" : (higherIsBetter ? value >= target : value < target) ? "PASS" : higherIsBetter ? "BELOW" : "ABOVE";
}
