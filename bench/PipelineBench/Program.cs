// Benchmarks the whole running pipeline: the AppHost in local mode with one replica of each service, runs published
// straight to RabbitMQ as fast as the pipeline sustains them next to a bare MassTransit fan-out on the same broker, run
// reports through the gateway next to a bare HTTP endpoint, detection latency through the gateway under a steady
// background load, the KPI endpoints cold (Metrics just restarted) and warm, and each process's footprint; then the ingest
// windows again on a system with more replicas of the consuming services. It writes a report and never passes or fails.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ConnectorHealth.Bench;
using ConnectorHealth.PipelineBench;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (PipelineBenchOptions.Parse(args) is not { } options)
{
    return; // Help was shown, or the command line was refused.
}
var total = Stopwatch.StartNew();
void Say(string line) => Console.WriteLine(line);

Say("Starting the AppHost in local mode (its own PostgreSQL and RabbitMQ on free ports, a fresh data directory)…");
PipelineResults results;
long[] consumersOneReplica;
int? orchestrator;
var environment = new Dictionary<string, string>(options.ServiceEnvironment);
if (options.Profile > TimeSpan.Zero)
{
    foreach (var (name, value) in CpuProfile.PerfMapEnvironment)
    {
        environment.TryAdd(name, value);
    }
}
await using (var system = await RunningSystem.StartAsync(Say, RunningSystem.WithEnvironment(environment)))
await using (var session = await BenchSession.AttachAsync(system))
{
    orchestrator = session.Orchestrator;
    var database = session.Database;
    var machine = await Machine.DescribeAsync(database, session.Broker);

    // Idle is measured once start-up has settled (the services' JIT tiering, first health probes and samplers): right
    // after start the same processes use several times the CPU they use when left alone.
    Say($"Idle: {options.IdleSettle.TotalSeconds:N0} s to settle, then {options.IdleWindow.TotalSeconds:N0} s measured…");
    await Task.Delay(options.IdleSettle);
    var idleFrom = session.Watch.Take();
    await Task.Delay(options.IdleWindow);
    var idle = session.Watch.Take();
    var trees = session.Watch.Describe();
    var stateAtStart = await session.StateAsync();

    await using var ingest = await IngestBench.StartAsync(options, session, Say);
    consumersOneReplica = await ingest.ConsumersAsync(CancellationToken.None);
    var baseline = await ingest.BareAsync();
    var sizesBefore = await database.SizesAsync();
    var activityBefore = await database.ActivityAsync();
    var throughput = await ingest.PipelineAsync();
    var sizesAfter = await database.SizesAsync();
    var activityAfter = await database.ActivityAsync();
    var stateAfterThroughput = await session.StateAsync();
    var profile = options.Profile > TimeSpan.Zero
        ? await CpuProfile.RunAsync(options, ingest, session, options.Profile, Say)
        : CpuProfileResult.Skipped("--profile 0");

    var intake = await new IntakeBench(options, session, Say).RunAsync();

    Say($"Detection latency: {options.Samples} samples at {options.BackgroundRate:N0} runs/s of background load…");
    var latency = await new LatencyBench(system.Gateway, ingest.Pipeline([]), database, Say)
        .RunAsync(options.Samples, options.BackgroundRate, options.Connectors, options.Seed + 1000);
    var stateAtEnd = await session.StateAsync();

    // Last on this system: it restarts Metrics.
    var kpis = await new KpiQueryBench(options, session, Say).RunAsync();

    results = new PipelineResults(
        options, machine, DateTimeOffset.UtcNow, RunFactory.MeanPayloadBytes, system.HealthyAfter.ToDictionary(h => h.Key, h => h.Value.TotalSeconds),
        trees, idle, ProcessSnapshot.CpuPercent(idleFrom, idle), baseline, throughput, sizesBefore, sizesAfter, activityBefore, activityAfter, latency,
        intake, kpis, profile, null, stateAtStart, stateAfterThroughput, stateAtEnd, total.Elapsed);
}

ReplicaResult? replicas = null;
if (options.Replicas > 1)
{
    Say($"Starting the AppHost again with {options.Replicas} replicas of {string.Join(", ", BenchSession.ConsumingServices)}…");
    await using var system = await RunningSystem.StartAsync(Say, builder =>
    {
        RunningSystem.WithEnvironment(options.ServiceEnvironment)(builder);
        RunningSystem.WithReplicas(options.Replicas, BenchSession.ConsumingServices)(builder);
    });
    await using var session = await BenchSession.AttachAsync(system, orchestrator);
    await using var ingest = await IngestBench.StartAsync(options, session, Say);
    var consumers = await AllReplicasConsumingAsync(ingest, consumersOneReplica, options.Replicas);
    Say($"  consumers on the metrics / drift / alerting queues: {string.Join(" / ", consumers)} (one replica: {string.Join(" / ", consumersOneReplica)})");
    var trees = session.Watch.Describe();
    var baseline = await ingest.BareAsync();
    var throughput = await ingest.PipelineAsync();
    replicas = new ReplicaResult(
        options.Replicas, system.HealthyAfter.ToDictionary(h => h.Key, h => h.Value.TotalSeconds), trees, consumersOneReplica, consumers,
        baseline, throughput, await session.StateAsync());
}

var finished = results with { Scaled = replicas, Elapsed = total.Elapsed, FinishedAt = DateTimeOffset.UtcNow };
var report = PipelineReport.Write(finished);
await BenchCommandLine.WriteReportAsync(options.Output, "pipeline", report, finished);

// Every replica's consumer on every service's queue before the windows start: a replica that is running but not yet
// consuming would leave the first window to the others.
static async Task<long[]> AllReplicasConsumingAsync(IngestBench ingest, long[] oneReplica, int replicas)
{
    var waited = Stopwatch.StartNew();
    var expected = oneReplica.Select(c => Math.Max(1, c) * replicas).ToArray();
    while (true)
    {
        var consumers = await ingest.ConsumersAsync(CancellationToken.None);
        if (consumers.Zip(expected).All(c => c.First >= c.Second) || waited.Elapsed > TimeSpan.FromMinutes(2))
        {
            return consumers;
        }
        await Task.Delay(TimeSpan.FromMilliseconds(500));
    }
}
