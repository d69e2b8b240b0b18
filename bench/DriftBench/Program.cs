// Times the Drift service's parts: schema inference with its fingerprint per payload (typical and hostile), the diff
// between two versions, and the batch processor's throughput against a private PostgreSQL with runs in order, late and
// delivered twice. It writes a report and never passes or fails.
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using ConnectorHealth.Drift.Schemas;
using ConnectorHealth.DriftBench;
using ConnectorHealth.MetricsBench;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
const double TargetRunsPerSecond = 2_000;
if (DriftBenchOptions.Parse(args) is not { } options)
{
    return; // Help was shown, or the command line was refused.
}
var total = Stopwatch.StartNew();
void Say(string line) => Console.WriteLine(line);

// CPU-bound parts first, while nothing else of the bench runs.
var inference = InferenceBench.Payloads(options.Repeat, options.Seed, Say);
var diffs = InferenceBench.Diffs(options.Repeat, options.Seed, Say);

Say($"Generating {options.Runs:N0} runs of {options.Connectors} connectors…");
var stream = RunStream.Generate(options.Seed, options.Runs, options.Connectors);
var plans = new[] { stream.InOrder(), stream.Shuffled(options.Seed + 1), stream.Twice(options.Seed + 2) };

// What inference alone costs over the same runs, one after another, to set against the processor's time per run.
var inferrer = new SchemaInferrer(new InferenceLimits());
var inferPasses = new List<double>();
for (var r = 0; r < options.Repeat; r++)
{
    var inferClock = Stopwatch.StartNew();
    foreach (var run in stream.Runs)
    {
        inferrer.Infer(run.Payload!.Value, run.PayloadTruncated);
    }
    inferPasses.Add(inferClock.Elapsed.TotalMicroseconds / stream.Runs.Count);
}
var inferMicrosPerRun = Spread.Of(inferPasses);

BenchPostgres? server = null;
string serverConnection;
if (options.Connection is null)
{
    Say("Starting a private PostgreSQL server…");
    server = await BenchPostgres.StartAsync();
    serverConnection = server.ConnectionString;
}
else
{
    serverConnection = options.Connection;
}

var bench = new ProcessorBench(serverConnection, $"drift_bench_{DateTime.UtcNow:yyyyMMddHHmmss}", options.Concurrency);
var results = new List<ScenarioResult>();
string postgresVersion;
try
{
    postgresVersion = await bench.ServerVersionAsync();
    await bench.CreateTemplateAsync();
    Say("Warming up the processor…");
    await bench.WarmUpAsync(plans[0].Messages.Take(3_000).ToList());
    foreach (var plan in plans)
    {
        Say($"Processing {plan.Messages.Count:N0} messages {plan.How}…");
        results.Add(await bench.RunAsync(plan, stream, options.Repeat, Say));
    }
}
finally
{
    if (server is null)
    {
        await bench.DropTemplateAsync();
    }
    else
    {
        await server.DisposeAsync();
    }
}

// Report.
var report = new StringBuilder();
void Line(string text) => report.AppendLine(text);
string Verdict(double value, double target, bool higherIsBetter) =>
    (higherIsBetter ? value >= target : value <= target) ? "PASS" : higherIsBetter ? "BELOW" : "ABOVE";

Line($"# Drift benchmark: {options.Runs:N0} runs per scenario, {options.Connectors} connectors, {options.Repeat} repetitions");
Line("");
Line($"- When: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB; "
    + $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC); "
    + $"PostgreSQL {postgresVersion}{(server is null ? " (given server)" : " (private server: " + string.Join(", ", BenchPostgres.Settings) + ")")}");
Line($"- Figures are the median of {options.Repeat} repetitions with the range (min–max) in brackets.");
Line("");
Line("## Schema inference and fingerprint, per payload");
Line("");
Line("The service's default limits (depth 32, 2,000 fields, 100 array items sampled, paths of 512 characters), on a payload already parsed "
    + "(the consumer receives it parsed). Each repetition calls it for about 250 ms after 500 ms of warm-up; allocations are this thread's. "
    + "Parsing the same bytes into a JsonDocument is shown for scale; it is not part of the target.");
Line("");
Line("| Payload | Bytes | Fields | Limits hit | µs / payload | Allocated B / payload | Target | | Parse µs |");
Line("|---|---:|---:|---|---:|---:|---:|---|---:|");
foreach (var c in inference)
{
    var target = c.TargetMicros is { } t ? $"{t:N0} µs | {Verdict(c.Infer.Micros.Median, t, higherIsBetter: false)}" : "– | ";
    Line($"| {c.Name} | {c.Bytes:N0} | {c.Fields:N0} | {(c.LimitsHit.Count == 0 ? "–" : string.Join(", ", c.LimitsHit))} | "
        + $"{c.Infer.Micros.Format("N1")} | {c.Infer.AllocatedBytes.Format("N0")} | {target} | {c.Parse.Micros.Format("N1")} |");
}
Line("");
Line("## Diff between two versions");
Line("");
Line("SchemaDiff.Compare under backward compatibility, between the inferred schemas of the typical 5 KB payload's three shapes "
    + "(shape 2 adds a member to each record; shape 3 also makes the id a string and renames the name).");
Line("");
Line("| Versions | Fields from → to | Changes | µs / diff | Allocated B / diff |");
Line("|---|---:|---:|---:|---:|");
foreach (var d in diffs)
{
    Line($"| {d.Name} | {d.FromFields} → {d.ToFields} | {d.Changes} | {d.Diff.Micros.Format("N1")} | {d.Diff.AllocatedBytes.Format("N0")} |");
}
Line("");
Line("## Processor throughput");
Line("");
Line($"DriftProcessor.ProcessAsync as the service builds it, in batches of {RunStream.BatchSize} ({options.Concurrency} batch{(options.Concurrency == 1 ? "" : "es")} at a time), "
    + $"each repetition on a fresh database cloned from a migrated template with a fresh processor (cold caches). {stream.Runs.Count:N0} runs of {options.Connectors} connectors, "
    + $"payloads of {stream.MeanPayloadBytes:N0} B on average (10–30 records, compact or detailed); each run changes its connector to the next of 3 shapes "
    + $"with probability {RunStream.ChangeProbability:P0}: {stream.ExpectedEvents:N0} changes, {stream.ExpectedVersions:N0} versions. "
    + "Runs/s counts distinct runs; deliveries/s counts messages. Late: runs delivered after a later run of their connector was recorded (counted for one batch at a time). "
    + "Check: runs, versions and drift events in the database against the generated history (the same for every order).");
Line("");
Line("| Scenario | Messages | Late | Runs/s | Deliveries/s | Target | | Batch p50 ms | Batch p95 ms | Batch max ms | Check (runs / versions / events) |");
Line("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|");
foreach (var r in results)
{
    var check = r.Check;
    Line($"| {r.Plan.Name}: {r.Plan.How} | {r.Plan.Messages.Count:N0} | {r.Plan.Late:N0} ({(double)r.Plan.Late / r.Plan.Distinct:P1}) | "
        + $"{r.RunsPerSecond.Format("N0")} | {r.MessagesPerSecond.Format("N0")} | {TargetRunsPerSecond:N0} runs/s | {Verdict(r.RunsPerSecond.Median, TargetRunsPerSecond, higherIsBetter: true)} | "
        + $"{r.BatchP50.Format("N1")} | {r.BatchP95.Format("N1")} | {r.BatchMax.Format("N0")} | "
        + $"{(check.Matches ? "equal" : "DIFFERENT")}: {check.Runs:N0} / {check.Versions:N0} / {check.Events:N0} (expected {check.ExpectedRuns:N0} / {check.ExpectedVersions:N0} / {check.ExpectedEvents:N0}) |");
}
Line("");
var inOrderMicrosPerRun = 1e6 / results[0].RunsPerSecond.Median;
Line($"- Inference alone over the same {stream.Runs.Count:N0} payloads, one thread: {inferMicrosPerRun.Format("N1")} µs a run, "
    + $"{inferMicrosPerRun.Median / inOrderMicrosPerRun:P0} of the processor's {inOrderMicrosPerRun:N0} µs a run in order; the rest is database work and bookkeeping.");
Line($"- Total bench time: {total.Elapsed.TotalMinutes:N1} min.");

Console.WriteLine();
Console.WriteLine(report);
Directory.CreateDirectory(options.Output);
var file = Path.Combine(options.Output, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-drift.md");
await File.WriteAllTextAsync(file, report.ToString());
Console.WriteLine($"Report written to {file}");
