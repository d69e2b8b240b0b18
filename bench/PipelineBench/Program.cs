// Benchmarks the whole running pipeline: the AppHost in local mode with one replica of each service, runs published
// straight to RabbitMQ as fast as the pipeline sustains them next to a bare MassTransit fan-out on the same broker,
// detection latency through the gateway under a steady background load, and each process's footprint. It writes a
// report and never passes or fails.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using ConnectorHealth.PipelineBench;
using ConnectorHealth.ServiceDefaults;
using ConnectorHealth.ServiceDefaults.Pipeline;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var options = PipelineBenchOptions.Parse(args);
var total = Stopwatch.StartNew();
void Say(string line) => Console.WriteLine(line);
string[] services = [ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting];

Say("Starting the AppHost in local mode (its own PostgreSQL and RabbitMQ on free ports, a fresh data directory)…");
await using var system = await RunningSystem.StartAsync(Say);
await using var dataSource = NpgsqlDataSource.Create(await system.ConnectionStringAsync(ResourceNames.Postgres));
var database = new BenchDatabase(dataSource);
var broker = new Uri(await system.ConnectionStringAsync(ResourceNames.Messaging));
await using var admin = new RabbitMqBrokerAdmin(broker, NullLogger<RabbitMqBrokerAdmin>.Instance);
var machine = await Machine.DescribeAsync(database, broker);
var roots = RunningSystem.Resources.ToDictionary(r => r, system.ProcessIdOf);
if (ProcessWatch.FindOrchestrator() is { } orchestrator)
{
    roots[PipelineReport.Orchestrator] = orchestrator;
}
var watch = new ProcessWatch(roots);

async Task<Dictionary<string, ServiceState>> SystemStateAsync()
{
    var states = new Dictionary<string, ServiceState>();
    foreach (var service in services)
    {
        states[service] = (await system.Gateway.GetFromJsonAsync<ServiceState>($"/api/system/{service}"))!;
    }
    return states;
}

Say("Idle for 15 s…");
await Task.Delay(TimeSpan.FromSeconds(5));
var idleFrom = watch.Take();
await Task.Delay(TimeSpan.FromSeconds(10));
var idle = watch.Take();
var trees = watch.Describe();
var stateAtStart = await SystemStateAsync();
string[] sinkQueues = [.. services.Select(s => stateAtStart[s].Queues.Single(q => q.Name.EndsWith("-run-completed", StringComparison.Ordinal)).Name)];

var pipelineBus = Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(broker, _ => { }));
await pipelineBus.StartAsync();
FanOut Pipeline(IReadOnlyList<string> connectors) => new(
    services,
    (run, cancellationToken) => pipelineBus.Publish(run, cancellationToken),
    cancellationToken => database.LandedAsync(connectors, cancellationToken),
    cancellationToken => QueueDepths.ReadyAsync(admin, sinkQueues, cancellationToken));

PipelineResults results;
try
{
    Say($"Bare MassTransit fan-out to three no-op consumers: {options.Repeat} × {options.BaselineDuration.TotalSeconds:N0} s…");
    var baseline = new List<WindowResult>();
    await using (var bare = await BareFanOut.StartAsync(broker))
    {
        for (var r = 1; r <= options.Repeat; r++)
        {
            var window = await Saturation.RunAsync(r, bare.FanOut(admin), new RunFactory(RunFactory.Names($"bare_r{r}", options.Connectors), options.Seed + r),
                options.BaselineDuration, PipelineBenchOptions.WarmUpOf(options.BaselineDuration), options.InFlight, options.Backlog, watch, Say);
            Say($"  repeat {r}: {window.EndToEndPerSecond:N0} msg/s to each of the three consumers");
            baseline.Add(window);
        }
    }

    Say($"Pipeline ingest: {options.Repeat} × {options.Duration.TotalSeconds:N0} s, {options.Connectors} connectors per window…");
    var sizesBefore = await database.SizesAsync();
    var activityBefore = await database.ActivityAsync();
    var throughput = new List<WindowResult>();
    for (var r = 1; r <= options.Repeat; r++)
    {
        var connectors = RunFactory.Names($"bench_r{r}", options.Connectors);
        var runs = new RunFactory(connectors, options.Seed + 100 + r);
        var window = await Saturation.RunAsync(r, Pipeline(connectors), runs, options.Duration, options.WarmUp, options.InFlight, options.Backlog, watch, Say);
        Say($"  repeat {r}: {window.EndToEndPerSecond:N0} runs/s end to end (metrics {window.LandedPerSecond[0]:N0}, drift {window.LandedPerSecond[1]:N0}, "
            + $"alerting {window.LandedPerSecond[2]:N0}); {runs.SchemaChanges:N0} schema changes, {runs.Failures:N0} failed runs; "
            + $"{(window.AllLanded ? "all landed" : "NOT all landed")} {window.DrainSeconds:N0} s after publishing stopped");
        throughput.Add(window);
    }
    var sizesAfter = await database.SizesAsync();
    var activityAfter = await database.ActivityAsync();
    var stateAfterThroughput = await SystemStateAsync();

    Say($"Detection latency: {options.Samples} samples at {options.BackgroundRate:N0} runs/s of background load…");
    var latency = await new LatencyBench(system.Gateway, Pipeline([]), database, Say)
        .RunAsync(options.Samples, options.BackgroundRate, options.Connectors, options.Seed + 1000);
    var stateAtEnd = await SystemStateAsync();

    results = new PipelineResults(
        options, machine, DateTimeOffset.UtcNow, RunFactory.MeanPayloadBytes, system.HealthyAfter.ToDictionary(h => h.Key, h => h.Value.TotalSeconds),
        trees, idle, ProcessSnapshot.CpuPercent(idleFrom, idle), baseline, throughput, sizesBefore, sizesAfter, activityBefore, activityAfter, latency, stateAtStart, stateAfterThroughput, stateAtEnd, total.Elapsed);
}
finally
{
    await pipelineBus.StopAsync();
}

var report = PipelineReport.Write(results);
Console.WriteLine();
Console.WriteLine(report);
Directory.CreateDirectory(options.Output);
var stem = Path.Combine(options.Output, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-pipeline");
await File.WriteAllTextAsync(stem + ".md", report);
await File.WriteAllTextAsync(stem + ".json", JsonSerializer.Serialize(results, new JsonSerializerOptions(JsonSerializerDefaults.Web)
{
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters = { new JsonStringEnumConverter() },
}));
Console.WriteLine($"Report written to {stem}.md and .json");
