using System.Globalization;
using System.Text;
using ConnectorHealth.DriftBench;
using ConnectorHealth.ServiceDefaults;
using ConnectorHealth.Operations.PipelineHealth;
using ConnectorHealth.Operations.SystemStatus;

namespace ConnectorHealth.PipelineBench;

internal static class PipelineReport
{
    public const double TargetRunsPerSecond = 2_000;
    public const double TargetShareOfBare = 0.50;
    public const double TargetP99Milliseconds = 1_000;

    public const string Orchestrator = "aspire-dcp";

    // The process trees in the order the tables show them.
    private static readonly string[] Groups =
    [
        ResourceNames.Postgres, ResourceNames.Messaging, ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting,
        ResourceNames.Runner, ResourceNames.Gateway, ResourceNames.WebUi, ResourceNames.MessagingEpmd, Orchestrator, ProcessWatch.Bench,
    ];

    private static readonly string[] Sinks = [ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting];

    public static string Write(PipelineResults r)
    {
        var o = r.Options;
        var text = new StringBuilder();
        void Line(string line = "") => text.AppendLine(line);

        var ingest = Spread.Of([.. r.Throughput.Select(w => w.EndToEndPerSecond)]);
        var bare = Spread.Of([.. r.Baseline.Select(w => w.EndToEndPerSecond)]);
        var share = ingest.Median / bare.Median;
        var samples = r.Latency.Samples;
        var run = Percentile.Of(samples.Select(s => s.RunVisible));
        var driftEvent = Percentile.Of(samples.Select(s => s.DriftEventVisible));
        var failureAlert = Percentile.Of(samples.Select(s => s.FailureAlertVisible));
        var driftAlert = Percentile.Of(samples.Select(s => s.DriftAlertVisible));
        var healthy = r.HealthyAfterSeconds.Values.Max();

        Line($"# Pipeline benchmark: the whole running system, one replica of each service{(r.Scaled is { } n ? $" ({n.Replicas} in section 6)" : "")}{(o.Quick ? " (--quick)" : "")}");
        Line();
        Line($"- When: {r.FinishedAt:yyyy-MM-dd HH:mm} UTC; machine: {r.Machine.Cores} cores ({r.Machine.Cpu}), {r.Machine.MemoryGiB:N1} GiB; "
            + $"{r.Machine.Runtime} ({r.Machine.Os}); PostgreSQL {r.Machine.Postgres}, RabbitMQ {r.Machine.RabbitMQ} — the AppHost in local mode, "
            + "everything on this one machine (bench included), services built in Release.");
        if (o.ServiceEnvironment.Count > 0 || o.Profile > TimeSpan.Zero)
        {
            var set = o.ServiceEnvironment.Select(e => $"{e.Key}={e.Value}").ToList();
            if (o.Profile > TimeSpan.Zero)
            {
                set.AddRange(CpuProfile.PerfMapEnvironment.Where(e => !o.ServiceEnvironment.ContainsKey(e.Key)).Select(e => $"{e.Key}={e.Value} (for § 8)"));
            }
            Line($"- Every service ran with {string.Join(", ", set)}.");
        }
        Line($"- Load: RunCompleted published straight to RabbitMQ with MassTransit (publisher confirms, up to {o.InFlight} in flight); "
            + $"{o.Connectors} connectors per window, payloads of {r.MeanPayloadBytes:N0} B on average (1–5 KB), "
            + $"{RunFactory.SchemaChangeProbability:P0} of successful runs change their connector's payload shape, {RunFactory.FailureProbability:P0} of runs fail "
            + "(three 503 attempts, no payload).");
        Line($"- Figures are the median of {o.Repeat} windows with the range (min–max) in brackets; a window's rates leave out its first "
            + $"{o.WarmUp.TotalSeconds:0.#} s of ramp-up. CPU is in % of one core (the machine has {r.Machine.Cores * 100} %).");
        Line();
        Line("| Figure | Value | Target | |");
        Line("|---|---:|---:|---|");
        Line($"| Ingest end to end: runs/s landing in all three services' tables ({o.Duration.TotalSeconds:N0} s windows) | {ingest.Format("N0")} | ≥ {TargetRunsPerSecond:N0} | {Verdict(ingest.Median, TargetRunsPerSecond, true)} |");
        Line($"| Bare MassTransit fan-out: messages/s to each of three no-op consumers ({o.BaselineDuration.TotalSeconds:N0} s windows) | {bare.Format("N0")} | – | |");
        Line($"| Pipeline's share of the bare fan-out | {share:P0} | ≥ {TargetShareOfBare:P0} | {Verdict(share, TargetShareOfBare, true)} |");
        Line($"| Run visible in GET /api/runs/{{id}}, p99 | {Ms(run.P99)} | < {Ms(TargetP99Milliseconds)} | {Verdict(run.P99, TargetP99Milliseconds, false)} |");
        Line($"| Schema change visible in GET /api/drift-events, p99 | {Ms(driftEvent.P99)} | < {Ms(TargetP99Milliseconds)} | {Verdict(driftEvent.P99, TargetP99Milliseconds, false)} |");
        Line($"| consecutive_failures alert visible in GET /api/alerts, p99 | {Ms(failureAlert.P99)} | < {Ms(TargetP99Milliseconds)} | {Verdict(failureAlert.P99, TargetP99Milliseconds, false)} |");
        Line($"| schema_drift alert visible in GET /api/alerts, p99 | {Ms(driftAlert.P99)} | < {Ms(TargetP99Milliseconds)} | {Verdict(driftAlert.P99, TargetP99Milliseconds, false)} |");
        Line($"| AppHost start to every resource healthy (one start, fresh data directory) | {healthy:N1} s | – | |");
        var intakeGateway = Spread.Of([.. r.Intake.Gateway.Select(w => w.RequestsPerSecond)]);
        var intakeBare = Spread.Of([.. r.Intake.Bare.Select(w => w.RequestsPerSecond)]);
        Line($"| Report intake: POST /api/runs through the gateway, requests/s at {r.Intake.Concurrency} at once ({r.Intake.Window.TotalSeconds:N0} s windows; § 5) | "
            + $"{intakeGateway.Format("N0")} | – | |");
        Line($"| … the same requests to a bare ASP.NET Core endpoint in the bench | {intakeBare.Format("N0")} | – | |");
        Line($"| … p99 through the gateway / bare | {MsSpread(r.Intake.Gateway.Select(w => w.P99))} / {MsSpread(r.Intake.Bare.Select(w => w.P99))} | – | |");
        Line($"| … 429 answers; accepted reports not in metrics afterwards | {TooMany(r.Intake):N0}; {Landed(r.Intake)} | – | |");
        if (r.Scaled is { } scaled)
        {
            Line($"| Ingest end to end with {scaled.Replicas} replicas of metrics, drift and alerting (§ 6) | "
                + $"{Spread.Of([.. scaled.Throughput.Select(w => w.EndToEndPerSecond)]).Format("N0")} | – | |");
        }
        var coldest = r.Kpis.Rounds.SelectMany(k => k.Endpoints).GroupBy(e => e.Path)
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
        foreach (var finding in Limits(r, ingest.Median, share, [run, driftEvent, failureAlert, driftAlert]))
        {
            Line($"- {finding}");
        }
        Line();

        Line("## 1. Ingest throughput end to end");
        Line();
        Line($"Each window publishes as fast as the pipeline takes the runs: up to {o.InFlight} publishes in flight, held back while any service's "
            + $"queue holds {o.Backlog:N0} or more ready messages (so the queues stay bounded and a queue sitting at that cap marks the service that "
            + "cannot keep up). Landed: rows of the window's connectors in metrics.runs, drift.runs and alerting.runs, counted every second; end to end "
            + "is the slowest of the three. Held back: share of the steady window the publisher waited on a full queue. After the window the queues "
            + "are drained; error queues are the services' dead-letter counts (GET /api/system/{service}).");
        Line();
        Line("| Window | Published | Published/s | metrics/s | drift/s | alerting/s | End to end/s | Slowest | Held back | Ready at end (m / d / a) | Queue growth/s (m / d / a) | Drained after | All landed |");
        Line("|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|---:|---|");
        foreach (var w in r.Throughput)
        {
            Line($"| {w.Repeat} | {w.Published:N0}{(w.PublishFailures > 0 ? $" ({w.PublishFailures:N0} failed: {w.PublishError})" : "")} | {w.PublishedPerSecond:N0} | "
                + $"{w.LandedPerSecond[0]:N0} | {w.LandedPerSecond[1]:N0} | {w.LandedPerSecond[2]:N0} | {w.EndToEndPerSecond:N0} | {w.Slowest} | {w.ThrottledShare:P0} | "
                + $"{string.Join(" / ", w.ReadyAtEnd.Select(Count))} | {string.Join(" / ", w.ReadyGrowthPerSecond.Select(g => g.ToString("+0;-0;0", CultureInfo.InvariantCulture)))} | "
                + $"{w.DrainSeconds:N0} s | {(w.AllLanded ? "yes" : "NO")} |");
        }
        Line();
        Line($"- Error queues (dead letters) before → after the windows: {ErrorQueues(r.StateAtStart, r.StateAfterThroughput)}; after the latency phase: "
            + $"{string.Join(", ", Sinks.Select(s => $"{s} {DeadLetters(r.StateAtEnd[s])}"))}. Service status after the windows: "
            + $"{string.Join(", ", Sinks.Select(s => $"{s} {r.StateAfterThroughput[s].Status}{(r.StateAfterThroughput[s].Reasons.Count > 0 ? $" ({string.Join("; ", r.StateAfterThroughput[s].Reasons)})" : "")}"))}.");
        Line();
        Line("CPU over the steady part of each window, median (min–max) over the windows:");
        Line();
        Line($"| machine | {string.Join(" | ", Groups)} | other |");
        Line($"|{string.Concat(Enumerable.Repeat("---:|", Groups.Length + 2))}");
        Line($"| {string.Join(" | ", new[] { "machine" }.Concat(Groups).Append("other").Select(g => Spread.Of([.. r.Throughput.Select(w => w.CpuPercent.GetValueOrDefault(g))]).Format("N0") + " %"))} |");
        Line();
        foreach (var line in DatabaseWork(r))
        {
            Line(line);
        }
        Line();
        var counting = r.Throughput.SelectMany(w => w.Timeline).Select(s => s.CountMilliseconds).ToList();
        Line($"Measurement overhead: counting the landed rows took {counting.Average():N0} ms a second on average ({counting.Max():N0} ms at most); "
            + "the bench process's own CPU (publishing, counting, watching) is the bench column.");
        Line();
        var median = r.Throughput.OrderBy(w => w.EndToEndPerSecond).ElementAt(r.Throughput.Count / 2);
        Line($"Timeline of window {median.Repeat} (the median), every 5 s: runs/s published and landed, ready messages per queue at the end of the "
            + "interval (flat = keeping up), CPU %:");
        Line();
        Line("| s | published/s | metrics/s | drift/s | alerting/s | ready metrics | ready drift | ready alerting | CPU machine | postgres | messaging | metrics | drift | alerting | bench |");
        Line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (from, to) in Intervals(median.Timeline, 5))
        {
            var seconds = to.Seconds - from.Seconds;
            var cpu = ProcessSnapshot.CpuPercent(from.Processes, to.Processes);
            var phase = from.Seconds >= o.Duration.TotalSeconds - 0.5 ? " (drain)" : "";
            Line($"| {from.Seconds:N0}–{to.Seconds:N0}{phase} | {(to.Published - from.Published) / seconds:N0} | "
                + $"{string.Join(" | ", Enumerable.Range(0, 3).Select(i => ((to.Landed[i] - from.Landed[i]) / seconds).ToString("N0", CultureInfo.InvariantCulture)))} | "
                + $"{string.Join(" | ", to.Ready.Select(Count))} | "
                + $"{string.Join(" | ", new[] { "machine", ResourceNames.Postgres, ResourceNames.Messaging, ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting, ProcessWatch.Bench }.Select(g => cpu.GetValueOrDefault(g).ToString("N0", CultureInfo.InvariantCulture)))} |");
        }
        Line();

        Line("## 2. Bare MassTransit fan-out on the same broker");
        Line();
        Line("A second bus in the bench process, on the system's RabbitMQ: the same RunCompleted published (under an exchange of its own, so the "
            + "services never see it) to three consumers that do nothing, each on its own queue and batched as the services batch (100 messages or "
            + "50 ms, two batches at a time); driven exactly as the pipeline is. Messages/s is the slowest consumer's.");
        Line();
        Line("| Window | Published | Published/s | Consumer a/s | Consumer b/s | Consumer c/s | Messages/s | Held back | CPU machine | messaging | bench |");
        Line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var w in r.Baseline)
        {
            Line($"| {w.Repeat} | {w.Published:N0} | {w.PublishedPerSecond:N0} | {string.Join(" | ", w.LandedPerSecond.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))} | "
                + $"{w.EndToEndPerSecond:N0} | {w.ThrottledShare:P0} | {w.CpuPercent["machine"]:N0} % | {w.CpuPercent[ResourceNames.Messaging]:N0} % | {w.CpuPercent[ProcessWatch.Bench]:N0} % |");
        }
        Line();
        Line($"Pipeline end to end {ingest.Median:N0} runs/s against {bare.Median:N0} messages/s bare: {share:P0} (target ≥ {TargetShareOfBare:P0}: {Verdict(share, TargetShareOfBare, true)}). "
            + $"For scale, MassTransit's own cost here: the bench process spent {BareCpuPerMessage(r):N2} ms of CPU per message (one publish and three no-op "
            + "batch consumes, drains included).");
        Line();

        Line("## 3. Detection latency");
        Line();
        Line($"{samples.Count} samples under {r.Latency.BackgroundPerSecond:N0} runs/s of background load ({r.Latency.BackgroundPublished:N0} runs; most ready "
            + $"messages seen per queue, metrics / drift / alerting: {string.Join(" / ", r.Latency.MaxReady.Select(Count))}). Each sample publishes two runs "
            + "finished at the same moment — a connector's payload changing shape, and another connector's third failed run in a row — and polls the "
            + $"gateway every {r.Latency.PollInterval.TotalMilliseconds:N0} ms. Times run from the runs' FinishedAt. \"Stored at\" uses the services' own "
            + "timestamps (the drift event's detectedAt, the alert's createdAt), free of the polling interval. With "
            + $"{samples.Count} samples, p99 is the {(int)Math.Ceiling(0.99 * samples.Count)}th smallest (nearest rank).");
        Line();
        Line("| From FinishedAt to | n | p50 | p95 | p99 | max | Target p99 | |");
        Line("|---|---:|---:|---:|---:|---:|---:|---|");
        void LatencyRow(string what, Percentile p, bool target)
        {
            var verdict = target ? $"< {Ms(TargetP99Milliseconds)} | {Verdict(p.P99, TargetP99Milliseconds, false)}" : "– | ";
            Line($"| {what} | {p.Count}{(p.Count < samples.Count ? $" ({samples.Count - p.Count} not seen within 30 s)" : "")} | {Ms(p.P50)} | {Ms(p.P95)} | {Ms(p.P99)} | {Ms(p.Max)} | {verdict} |");
        }
        LatencyRow("(a) run visible in GET /api/runs/{id}", run, true);
        LatencyRow("(b) drift event visible in GET /api/drift-events?connector=", driftEvent, true);
        LatencyRow("(c) consecutive_failures alert visible in GET /api/alerts?connector=", failureAlert, true);
        LatencyRow("(c) schema_drift alert (drift → alerting) visible in GET /api/alerts?connector=", driftAlert, true);
        LatencyRow("drift event stored at (detectedAt)", Percentile.Of(samples.Select(s => s.DriftEventDetected)), false);
        LatencyRow("consecutive_failures alert stored at (createdAt)", Percentile.Of(samples.Select(s => s.FailureAlertCreated)), false);
        LatencyRow("schema_drift alert stored at (createdAt)", Percentile.Of(samples.Select(s => s.DriftAlertCreated)), false);
        Line();

        Line("## 4. Footprint");
        Line();
        var first = r.Throughput[0].Start;
        var last = r.Throughput[^1].End;
        var runs = r.Throughput.Sum(w => w.Published);
        var cpuSeconds = ProcessSnapshot.CpuSeconds(first, last);
        var machineSeconds = (last.MachineBusyTicks - first.MachineBusyTicks) / ProcessSnapshot.TicksPerSecond;
        Line($"Resident memory (VmRSS summed over the process and its children) idle, {o.IdleSettle.TotalSeconds + o.IdleWindow.TotalSeconds:N0} s after "
            + $"every resource was healthy, and the peak while the windows ran; CPU idle (over {o.IdleWindow.TotalSeconds:N0} s with no load, after "
            + $"{o.IdleSettle.TotalSeconds:N0} s to settle) and CPU seconds (utime + stime) per 1,000 runs over all {r.Throughput.Count} windows with their drains "
            + $"({runs:N0} runs). {Orchestrator}: Aspire's orchestrator, which runs the resources (part of the AppHost, not of a deployment).");
        Line();
        Line("| Process tree | Processes | RSS idle MB | RSS peak under load MB | CPU idle % | CPU s / 1,000 runs |");
        Line("|---|---|---:|---:|---:|---:|");
        foreach (var group in Groups)
        {
            var peak = r.Throughput.Max(w => w.PeakRssKb.GetValueOrDefault(group));
            Line($"| {group} | {(group == ProcessWatch.Bench ? "this bench (load generator)" : r.ProcessTrees.GetValueOrDefault(group, "?"))} | "
                + $"{r.Idle.RssKb.GetValueOrDefault(group) / 1024.0:N0} | {peak / 1024.0:N0} | {r.IdleCpuPercent.GetValueOrDefault(group):N1} | "
                + $"{cpuSeconds.GetValueOrDefault(group) / (runs / 1000.0):N3} |");
        }
        Line($"| whole machine | | | | {r.IdleCpuPercent.GetValueOrDefault("machine"):N1} | {machineSeconds / (runs / 1000.0):N3} |");
        Line();
        Line("Database size per million runs: each schema's tables with indexes and TOAST (pg_total_relation_size), growth over the windows divided "
            + "by the rows its runs table gained.");
        Line();
        Line("| Schema | MB before | MB after | runs before | runs after | MB per million runs (= bytes per run) |");
        Line("|---|---:|---:|---:|---:|---:|");
        foreach (var schema in BenchDatabase.Schemas)
        {
            var (before, after) = (r.SizesBefore[schema], r.SizesAfter[schema]);
            var perRun = (double)(after.Bytes - before.Bytes) / Math.Max(1, after.Runs - before.Runs);
            Line($"| {schema} | {before.Bytes / 1e6:N1} | {after.Bytes / 1e6:N1} | {before.Runs:N0} | {after.Runs:N0} | {perRun:N0} |");
        }
        Line();
        Line($"Start-up, from starting the AppHost (PostgreSQL's initdb included) to each resource healthy: "
            + string.Join(", ", r.HealthyAfterSeconds.OrderBy(h => h.Value).Select(h => $"{h.Key} {h.Value:N1} s")) + ".");
        Line();
        foreach (var line in IntakeSection(r).Concat(ReplicaSection(r)).Concat(KpiSection(r)).Concat(MetricsBenchSection(r.Kpis)).Concat(ProfileSection(r)))
        {
            Line(line);
        }
        Line($"Total bench time: {r.Elapsed.TotalMinutes:N1} min.");
        return text.ToString();
    }

    private static IEnumerable<string> ProfileSection(PipelineResults r)
    {
        var profile = r.Profile;
        yield return "## 8. Where the CPU goes: a profile of the saturated pipeline";
        yield return "";
        if (profile.Unavailable is { } why)
        {
            yield return $"Not taken: {why}.";
            yield return "";
            yield break;
        }
        var window = profile.Window!;
        yield return $"Linux perf sampled every CPU {profile.Frequency} times a second for {profile.Seconds:N0} s of one more saturated ingest window "
            + $"({window.EndToEndPerSecond:N0} runs/s end to end while sampled; CPU: "
            + string.Join(", ", new[] { "machine" }.Concat(CpuProfile.Profiled).Select(g => $"{g} {window.CpuPercent.GetValueOrDefault(g):N0} %")) + "). "
            + "Managed code is named through the runtime's perf map (the services ran with DOTNET_PerfMapEnabled=1 and, so that perf finds that "
            + "code, DOTNET_EnableWriteXorExecute=0); the kernel's symbols are hidden in this container, so kernel time is one area.";
        yield return "";
        yield return "On this virtual machine many samples arrive late: the timer's interrupt waits until the kernel next enables interrupts, and the "
            + "sample lands there (`pvm_irq_enable`), not on the code that was running. These late samples are counted apart and left out of "
            + "the shares below, which are of the samples that were taken where the code ran: read them as a sample of that code, not as exact "
            + "shares. The kernel's own accounting of system against user time (/proc, the same seconds) is the figure to trust for how much "
            + "of each process's CPU is the kernel's.";
        yield return "";
        yield return "| Process | Samples (CPU-s) | Late samples | System time (/proc) | Areas, by samples taken where the code ran |";
        yield return "|---|---:|---:|---:|---|";
        foreach (var process in profile.Processes)
        {
            yield return $"| {process.Process} | {process.Samples:N0} ({process.Samples / (double)profile.Frequency:N1}) | {process.Late / (double)Math.Max(1, process.Samples):P0} | "
                + $"{process.KernelShare:P0} | {string.Join(", ", process.Areas.Where(a => a.Percent >= 2).Select(a => $"{a.Name} {a.Percent:N0} %"))} |";
        }
        yield return "";
        foreach (var process in profile.Processes)
        {
            yield return $"**{process.Process}**: hottest functions, % of its samples taken where the code ran.";
            yield return "";
            yield return "| Function | % |";
            yield return "|---|---:|";
            foreach (var hot in process.Hottest)
            {
                yield return $"| `{hot.Name.Replace("|", "\\|", StringComparison.Ordinal)}` | {hot.Percent:N1} |";
            }
            yield return "";
        }
    }

    private static IEnumerable<string> IntakeSection(PipelineResults r)
    {
        var intake = r.Intake;
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
    }

    private static IEnumerable<string> ReplicaSection(PipelineResults r)
    {
        yield return "## 6. 1 replica vs more replicas";
        yield return "";
        if (r.Scaled is not { } n)
        {
            yield return "Not measured (--replicas 1).";
            yield return "";
            yield break;
        }
        var o = r.Options;
        yield return $"A second AppHost start, the same in every way except {n.Replicas} replicas of {string.Join(", ", Sinks)} (Aspire's WithReplicas; "
            + "each replica is a resource instance with a suffixed name, and they share their service's queue as competing consumers). On it, "
            + $"only the ingest windows of sections 1 and 2 again: the bare fan-out on its broker ({o.Repeat} × {o.BaselineDuration.TotalSeconds:N0} s), then "
            + $"the pipeline ({o.Repeat} × {o.Duration.TotalSeconds:N0} s), with the same connectors and runs. Per-service CPU and memory are summed over "
            + "the service's replicas.";
        yield return "";
        yield return $"| Figure | 1 replica | {n.Replicas} replicas |";
        yield return "|---|---:|---:|";
        static Spread Of(IReadOnlyList<WindowResult> windows, Func<WindowResult, double> figure) => Spread.Of([.. windows.Select(figure)]);
        string Row(string figure, Func<WindowResult, double> value, string format, bool baseline = false)
        {
            var (one, many) = baseline ? (r.Baseline, n.Baseline) : (r.Throughput, n.Throughput);
            return $"| {figure} | {Of(one, value).Format(format)} | {Of(many, value).Format(format)} |";
        }
        yield return Row("Ingest end to end, runs/s", w => w.EndToEndPerSecond, "N0");
        for (var i = 0; i < Sinks.Length; i++)
        {
            var sink = i;
            yield return Row($"{Sinks[i]} landed/s", w => w.LandedPerSecond[sink], "N0");
        }
        yield return Row("Published/s", w => w.PublishedPerSecond, "N0");
        yield return Row("Publisher held back on a full queue, %", w => w.ThrottledShare * 100, "N0");
        yield return $"| Slowest service (most windows) | {Slowest(r.Throughput)} | {Slowest(n.Throughput)} |";
        yield return $"| All runs landed after the drain | {AllLanded(r.Throughput)} | {AllLanded(n.Throughput)} |";
        yield return Row("Bare MassTransit fan-out on the same broker, msg/s", w => w.EndToEndPerSecond, "N0", baseline: true);
        var shareOne = Of(r.Throughput, w => w.EndToEndPerSecond).Median / Of(r.Baseline, w => w.EndToEndPerSecond).Median;
        var shareMany = Of(n.Throughput, w => w.EndToEndPerSecond).Median / Of(n.Baseline, w => w.EndToEndPerSecond).Median;
        yield return $"| Pipeline's share of the bare fan-out | {shareOne:P0} | {shareMany:P0} |";
        foreach (var group in new[] { "machine", ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting, ResourceNames.Postgres, ResourceNames.Messaging, Orchestrator, ProcessWatch.Bench })
        {
            yield return Row($"CPU {group} %", w => w.CpuPercent.GetValueOrDefault(group), "N0");
        }
        foreach (var group in Sinks)
        {
            yield return $"| Peak RSS {group}, MB | {r.Throughput.Max(w => w.PeakRssKb.GetValueOrDefault(group)) / 1024.0:N0} | {n.Throughput.Max(w => w.PeakRssKb.GetValueOrDefault(group)) / 1024.0:N0} |";
        }
        yield return $"| Consumers on the metrics / drift / alerting queues | {string.Join(" / ", n.ConsumersOneReplica)} | {string.Join(" / ", n.Consumers)} |";
        yield return $"| AppHost start to every resource healthy | {r.HealthyAfterSeconds.Values.Max():N1} s | {n.HealthyAfterSeconds.Values.Max():N1} s |";
        yield return "";
        var (ingestOne, ingestMany) = (Of(r.Throughput, w => w.EndToEndPerSecond).Median, Of(n.Throughput, w => w.EndToEndPerSecond).Median);
        var (machineOne, machineMany) = (Of(r.Throughput, w => w.CpuPercent["machine"]).Median, Of(n.Throughput, w => w.CpuPercent["machine"]).Median);
        var capacity = r.Machine.Cores * 100.0;
        yield return $"With {n.Replicas} replicas ingest is {ingestMany / ingestOne:P0} of one replica's, the machine {machineMany:N0} % busy against "
            + $"{machineOne:N0} % (of {capacity:N0} %)"
            + (machineOne >= capacity * 0.9
                ? ": with one replica the cores were already full, so further replicas share the same CPU and add their own overhead."
                : ".");
        yield return "";
        yield return $"Processes with {n.Replicas} replicas: " + string.Join("; ", Sinks.Select(s => $"{s}: {n.ProcessTrees.GetValueOrDefault(s, "?")}")) + ".";
        yield return "";
        yield return $"Error queues (dead letters) after the {n.Replicas}-replica windows: "
            + string.Join(", ", Sinks.Select(s => $"{s} {DeadLetters(n.StateAfterThroughput[s])}")) + ".";
        yield return "";
    }

    private static IEnumerable<string> KpiSection(PipelineResults r)
    {
        var kpis = r.Kpis;
        yield return "## 7. KPI queries cold and warm";
        yield return "";
        if (kpis.Error is { } error)
        {
            yield return $"**Stopped after {kpis.Rounds.Count} of {r.Options.Repeat} restarts**: {error}";
            yield return "";
        }
        foreach (var round in kpis.Rounds.Where(k => k.RestartFailures.Count > 0))
        {
            yield return $"Restart {round.Repeat} took only after failed commands (retried): {string.Join("; ", round.RestartFailures)}.";
            yield return "";
        }
        if (kpis.Rounds.Count == 0)
        {
            yield break;
        }
        yield return $"The KPI endpoints through the gateway on the data the phases above left ({kpis.RunsHeld:N0} runs in metrics.runs): the Metrics "
            + $"service restarted {kpis.Rounds.Count} times with Aspire's restart command ({Spread.Of([.. kpis.Rounds.Select(k => k.RestartSeconds)]).Format("N1")} s "
            + "until its new process answered /health); after each restart the first request to each endpoint in the order below (cold: its caches, "
            + $"connection pool and JIT empty; PostgreSQL's buffer cache is not), then {kpis.WarmRequests} more requests to each, one at a time (warm). "
            + "Times to the last byte, in ms.";
        yield return "";
        yield return "| Endpoint | Cold: first request | Warm p50 | Warm p95 | Warm max | Cold / warm p50 | Answers |";
        yield return "|---|---:|---:|---:|---:|---:|---|";
        foreach (var path in KpiQueryBench.Paths)
        {
            var timings = kpis.Rounds.Select(k => k.Endpoints.Single(e => e.Path == path)).ToList();
            var cold = Spread.Of([.. timings.Select(t => t.ColdMilliseconds)]);
            var warm = Spread.Of([.. timings.Select(t => t.WarmP50)]);
            var notOk = timings.Sum(t => t.WarmNotOk);
            yield return $"| GET {path} | {cold.Format("N1")} | {warm.Format("N1")} | {Spread.Of([.. timings.Select(t => t.WarmP95)]).Format("N1")} | "
                + $"{timings.Max(t => t.WarmMax):N1} | {cold.Median / warm.Median:N0}× | first: {string.Join(", ", timings.Select(t => t.ColdStatus))}, "
                + $"{timings[0].ColdBytes:N0} B; warm not 200: {notOk} |";
        }
        yield return "";
    }

    // Growth with the data is the Metrics benchmark's: quoted from its newest reports, not measured here.
    private static IEnumerable<string> MetricsBenchSection(KpiQueryResult kpis)
    {
        yield return "How the KPI queries grow with the data (1 M vs 10 M runs) is `make bench`'s figure (bench/MetricsBench, its own PostgreSQL loaded "
            + "with COPY); this bench does not load millions of runs.";
        if (kpis.MetricsBench.Count == 0)
        {
            yield return "No bench/results/*metrics*.md yet: run `make bench` (and `make bench BENCH_ARGS=\"--runs 1000000\"`) for it.";
            yield return "";
            yield break;
        }
        var newest = kpis.MetricsBench[0];
        yield return $"Newest: `{newest.Path}` ({newest.Runs:N0} runs, {newest.WrittenUtc:yyyy-MM-dd HH:mm} UTC); its p95 lines:";
        yield return "";
        foreach (var line in newest.P95Lines)
        {
            yield return $"- {line}";
        }
        yield return "";
        var sizes = kpis.MetricsBench.OrderBy(m => m.Runs).ToList();
        yield return $"p95 per query, ms, from the newest report of each size ({string.Join(", ", sizes.Select(m => $"`{Path.GetFileName(m.Path)}`"))}):";
        yield return "";
        yield return $"| Query | {string.Join(" | ", sizes.Select(m => $"p95 at {m.Runs:N0} runs"))} |";
        yield return $"|---|{string.Concat(sizes.Select(_ => "---:|"))}";
        foreach (var query in sizes.SelectMany(m => m.P95ByQuery.Keys).Distinct())
        {
            yield return $"| {query} | {string.Join(" | ", sizes.Select(m => m.P95ByQuery.GetValueOrDefault(query, "–")))} |";
        }
        yield return "";
    }

    private static long TooMany(IntakeResult intake) => intake.Gateway.Sum(w => w.StatusCounts.GetValueOrDefault("429"));

    private static string Landed(IntakeResult intake)
    {
        var missing = intake.Gateway.Sum(w => w.Landing?.MissingInMetrics ?? 0);
        var accepted = intake.Gateway.Sum(w => w.Accepted);
        return missing == 0 ? $"all landed ({accepted:N0} accepted)" : $"{missing:N0} of {accepted:N0} accepted missing";
    }

    private static string Slowest(IReadOnlyList<WindowResult> windows) =>
        windows.GroupBy(w => w.Slowest).OrderByDescending(g => g.Count()).First().Key;

    private static string AllLanded(IReadOnlyList<WindowResult> windows) =>
        windows.All(w => w.AllLanded) ? "yes" : $"NO ({windows.Count(w => !w.AllLanded)} windows)";

    private static double Mean(IEnumerable<double> values) => values.DefaultIfEmpty(0).Average();

    private static string MsSpread(IEnumerable<double> values)
    {
        var spread = Spread.Of([.. values]);
        return $"{spread.Format(spread.Median < 10 ? "N1" : "N0")} ms";
    }

    private static string Milliseconds(double value) => value < 10 ? $"{value:N1} ms" : Ms(value);

    // What the counters say about each target that was missed.
    private static IEnumerable<string> Limits(PipelineResults r, double ingest, double share, Percentile[] latencies)
    {
        var windows = r.Throughput;
        double Median(Func<WindowResult, double> figure) => Spread.Of([.. windows.Select(figure)]).Median;
        var cpu = new[] { "machine" }.Concat(Groups).ToDictionary(g => g, g => Median(w => w.CpuPercent.GetValueOrDefault(g)));
        var capacity = r.Machine.Cores * 100.0;
        var thousands = windows.Sum(w => w.Published) / 1000.0;
        var cpuSeconds = ProcessSnapshot.CpuSeconds(windows[0].Start, windows[^1].End);
        var machineSeconds = (windows[^1].End.MachineBusyTicks - windows[0].Start.MachineBusyTicks) / ProcessSnapshot.TicksPerSecond / thousands;
        var slowest = windows.GroupBy(w => w.Slowest).OrderByDescending(g => g.Count()).First().Key;

        if (ingest >= TargetRunsPerSecond)
        {
            yield return $"Ingest meets its target ({ingest:N0} runs/s).";
        }
        else
        {
            var growing = Sinks.Select((s, i) => (Queue: $"{s}-run-completed", Growth: Median(w => w.ReadyGrowthPerSecond[i]),
                    AtCap: windows.Count(w => w.ReadyAtEnd[i] >= r.Options.Backlog * 0.8) * 2 > windows.Count))
                .Where(q => q.AtCap || q.Growth > Math.Max(5, ingest * 0.02))
                .ToList();
            yield return $"Ingest is {ingest:N0} runs/s, below {TargetRunsPerSecond:N0}. "
                + (growing.Count > 0 ? $"Slowest service: {slowest}" : "No service fell behind")
                + "; landed per second (median): " + string.Join(", ", Sinks.Select((s, i) => $"{s} {Median(w => w.LandedPerSecond[i]):N0}"))
                + $", published {Median(w => w.PublishedPerSecond):N0}.";
            yield return growing.Count > 0
                ? "Queues that grew while runs were published (ready messages, median): "
                    + string.Join(", ", growing.Select(q => $"{q.Queue} +{q.Growth:N0}/s{(q.AtCap ? $", at the {r.Options.Backlog:N0} cap" : "")}"))
                    + $"; the publisher was held back {Median(w => w.ThrottledShare):P0} of the time: these consumers take fewer runs than are offered."
                : cpu["machine"] >= capacity * 0.9
                    ? "No queue grew: each service took what was published, and publishing got no faster because the machine had no CPU left (below)."
                    : $"No queue grew and the machine had CPU to spare: the publisher ({r.Options.InFlight} publishes awaiting confirmation) is the limit.";
            yield return $"CPU: the machine was {cpu["machine"]:N0} % busy of {capacity:N0} %{(cpu["machine"] >= capacity * 0.9 ? " (CPU-bound)" : "")}; by process: "
                + string.Join(", ", Groups.OrderByDescending(g => cpu[g]).Where(g => cpu[g] >= 1).Select(g => $"{g} {cpu[g]:N0} %"))
                + $", other {Median(w => w.CpuPercent.GetValueOrDefault("other")):N0} %. "
                + (Groups.Where(g => cpu[g] >= 90).ToList() is { Count: > 0 } saturated
                    ? $"At a full core or more: {string.Join(", ", saturated)}."
                    : "No process is near a full core: the work is spread over all of them.");
            yield return $"CPU per 1,000 runs, whole machine: {machineSeconds:N2} s ("
                + string.Join(", ", Groups.Where(g => cpuSeconds.GetValueOrDefault(g) / thousands >= 0.01).OrderByDescending(g => cpuSeconds[g])
                    .Select(g => $"{g} {cpuSeconds[g] / thousands:N2}"))
                + $"). At that cost {r.Machine.Cores} cores carry at most {capacity * 10 / machineSeconds:N0} runs/s; "
                + $"{TargetRunsPerSecond:N0} runs/s needs {capacity / 100 * 1000 / TargetRunsPerSecond:N2} s per 1,000 runs. For scale, MassTransit alone "
                + $"(the bare fan-out's bench process: one publish and three no-op consumes) cost {BareCpuPerMessage(r):N2} s per 1,000 messages: "
                + $"{TargetRunsPerSecond:N0} messages/s of that alone would take {BareCpuPerMessage(r) * TargetRunsPerSecond / 1000:N1} cores, before the broker, "
                + "the database and the services' own work.";
            if (r.Profile.Processes.Count > 0)
            {
                yield return "Inside the processes (perf, § 8; shares of the samples taken where the code ran): "
                    + string.Join("; ", r.Profile.Processes.Select(p => $"{p.Process}: "
                        + string.Join(", ", p.Areas.Take(3).Select(a => $"{a.Name} {a.Percent:N0} %"))))
                    + ". In the .NET services the C library's share is mostly memset, the runtime clearing memory for new objects: "
                    + "allocation, with reading each message's JSON (1–5 KB of payload, parsed by every service), is what a run costs them.";
            }
            yield return $"Idle (no load), the system already keeps {r.IdleCpuPercent.GetValueOrDefault("machine"):N0} % of the machine busy: "
                + string.Join(", ", Groups.Where(g => g != ProcessWatch.Bench && r.IdleCpuPercent.GetValueOrDefault(g) >= 1).OrderByDescending(g => r.IdleCpuPercent[g])
                    .Select(g => $"{g} {r.IdleCpuPercent[g]:N0} %")) + ".";
        }

        yield return share >= TargetShareOfBare
            ? $"The pipeline reaches {share:P0} of the bare fan-out (target {TargetShareOfBare:P0})."
            : $"The pipeline reaches {share:P0} of the bare fan-out, below {TargetShareOfBare:P0}: bare, the machine was "
                + $"{Spread.Of([.. r.Baseline.Select(w => w.CpuPercent["machine"])]).Median:N0} % busy (messaging "
                + $"{Spread.Of([.. r.Baseline.Select(w => w.CpuPercent[ResourceNames.Messaging])]).Median:N0} %, bench "
                + $"{Spread.Of([.. r.Baseline.Select(w => w.CpuPercent[ProcessWatch.Bench])]).Median:N0} %); with the pipeline, the services' work per run (above) comes on top.";

        if (latencies.All(p => p.P99 < TargetP99Milliseconds))
        {
            yield return "Every detection latency meets its p99 target.";
        }
        else
        {
            var samples = r.Latency.Samples;
            yield return $"Latency: a p99 is above {TargetP99Milliseconds:N0} ms. Stored-at p99 (services' own clocks): drift event "
                + $"{Ms(Percentile.Of(samples.Select(s => s.DriftEventDetected)).P99)}, schema_drift alert {Ms(Percentile.Of(samples.Select(s => s.DriftAlertCreated)).P99)}, "
                + $"consecutive_failures alert {Ms(Percentile.Of(samples.Select(s => s.FailureAlertCreated)).P99)}; most ready messages during the phase "
                + $"(metrics / drift / alerting): {string.Join(" / ", r.Latency.MaxReady.Select(Count))}.";
        }
    }

    // PostgreSQL's own counters over the windows (drains included), per 1,000 runs published.
    private static IEnumerable<string> DatabaseWork(PipelineResults r)
    {
        var (a, b) = (r.ActivityBefore, r.ActivityAfter);
        var thousands = r.Throughput.Sum(w => w.Published) / 1000.0;
        var commits = (b.Commits - a.Commits) / thousands;
        yield return $"Database work per 1,000 runs over the windows (pg_stat_database, pg_stat_user_tables; the bench's counting included): "
            + $"{commits:N0} transactions (≈ {3000 / commits:N1} runs per transaction if each service commits one per batch), "
            + $"{(b.RowsInserted - a.RowsInserted) / thousands:N0} rows inserted, {(b.RowsUpdated - a.RowsUpdated) / thousands:N0} updated, "
            + $"{(b.RowsDeleted - a.RowsDeleted) / thousands:N0} deleted, {(b.RowsFetched - a.RowsFetched) / thousands:N0} fetched by index, "
            + $"{(b.RowsReturned - a.RowsReturned) / thousands:N0} returned, {(b.BlocksHit - a.BlocksHit) / thousands:N0} buffer hits, "
            + $"{(b.BlocksRead - a.BlocksRead) / thousands:N0} blocks read.";
        var tables = b.Tables.Select(t => (Name: t.Key, After: t.Value, Before: a.Tables.GetValueOrDefault(t.Key) ?? new TableActivity(0, 0, 0, 0, 0, 0)))
            .Select(t => (t.Name, Written: (t.After.Written - t.Before.Written) / thousands, SeqRows: (t.After.SeqRowsRead - t.Before.SeqRowsRead) / thousands,
                IndexScans: (t.After.IndexScans - t.Before.IndexScans) / thousands))
            .ToList();
        yield return "Tables written most, rows per 1,000 runs: "
            + string.Join(", ", tables.OrderByDescending(t => t.Written).Take(8).Select(t => $"{t.Name} {t.Written:N0}")) + ".";
        yield return "Tables read by sequential scans, rows per 1,000 runs (the bench's per-second counting of metrics.runs, drift.runs and "
            + "alerting.runs is part of theirs): "
            + string.Join(", ", tables.Where(t => t.SeqRows >= 1).OrderByDescending(t => t.SeqRows).Take(6).Select(t => $"{t.Name} {t.SeqRows:N0}").DefaultIfEmpty("none")) + "; "
            + "index scans per 1,000 runs: " + string.Join(", ", tables.OrderByDescending(t => t.IndexScans).Take(6).Select(t => $"{t.Name} {t.IndexScans:N0}")) + ".";
    }

    private static double BareCpuPerMessage(PipelineResults r) => Spread.Of([.. r.Baseline.Select(w =>
        ProcessSnapshot.CpuSeconds(w.Start, w.End)[ProcessWatch.Bench] * 1000 / Math.Max(1, w.Published))]).Median;

    // Consecutive samples about `step` seconds apart.
    private static IEnumerable<(SecondSample From, SecondSample To)> Intervals(IReadOnlyList<SecondSample> timeline, double step)
    {
        var from = timeline[0];
        foreach (var sample in timeline.Skip(1))
        {
            if (sample.Seconds - from.Seconds >= step - 0.5 || sample == timeline[^1])
            {
                yield return (from, sample);
                from = sample;
            }
        }
    }

    private static string ErrorQueues(IReadOnlyDictionary<string, ServiceState> before, IReadOnlyDictionary<string, ServiceState> after) =>
        string.Join(", ", Sinks.Select(s => $"{s} {DeadLetters(before[s])} → {DeadLetters(after[s])}"));

    private static string DeadLetters(ServiceState state) =>
        state.DeadLetters.Any(d => d.Count is null) ? "?" : state.DeadLetters.Sum(d => d.Count!.Value).ToString("N0", CultureInfo.InvariantCulture);

    private static string Count(long? value) => value?.ToString("N0", CultureInfo.InvariantCulture) ?? "?";

    private static string Ms(double value) => double.IsNaN(value) ? "–" : double.IsInfinity(value) ? "not seen" : value >= 10_000 ? $"{value / 1000:N1} s" : $"{value:N0} ms";

    private static string Verdict(double value, double target, bool higherIsBetter) =>
        double.IsNaN(value) ? "–" : (higherIsBetter ? value >= target : value < target) ? "PASS" : higherIsBetter ? "BELOW" : "ABOVE";
}
