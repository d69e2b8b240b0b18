using System.Diagnostics;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift;
using ConnectorHealth.Drift.Detection;
using ConnectorHealth.Drift.PayloadContracts;
using ConnectorHealth.Drift.Schemas;
using ConnectorHealth.Drift.StoredHistory;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ConnectorHealth.DriftBench;

// What the database holds after a scenario, next to what the generated runs call for.
internal sealed record HistoryCheck(long Runs, long Versions, long Events, int ExpectedRuns, int ExpectedVersions, int ExpectedEvents)
{
    public bool Matches => Runs == ExpectedRuns && Versions == ExpectedVersions && Events == ExpectedEvents;
}

internal sealed record ScenarioResult(
    DeliveryPlan Plan, Spread RunsPerSecond, Spread MessagesPerSecond, Spread BatchP50, Spread BatchP95, Spread BatchMax, HistoryCheck Check);

// Feeds runs to a DriftProcessor built as the service builds it, in batches of 100 as its consumer receives them, each
// repetition on a fresh database cloned from a migrated template, with a fresh processor (cold caches, as a new replica).
internal sealed class ProcessorBench(string serverConnection, string prefix, int concurrency)
{
    private readonly string _template = $"{prefix}_template";
    private int _databases;

    public async Task CreateTemplateAsync()
    {
        await AdminAsync($"CREATE DATABASE \"{_template}\"");
        await using var dataSource = DataSource(_template);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance, "drift", typeof(DriftProcessor).Assembly)
            .StartAsync(CancellationToken.None);
    }

    public async Task DropTemplateAsync() => await AdminAsync($"DROP DATABASE IF EXISTS \"{_template}\" WITH (FORCE)");

    public async Task<string> ServerVersionAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(serverConnection);
        return (string)(await dataSource.CreateCommand("SHOW server_version").ExecuteScalarAsync())!;
    }

    public async Task<ScenarioResult> RunAsync(DeliveryPlan plan, RunStream stream, int repeat, Action<string> say)
    {
        var runsPerSecond = new List<double>();
        var messagesPerSecond = new List<double>();
        var p50 = new List<double>();
        var p95 = new List<double>();
        var max = new List<double>();
        HistoryCheck? check = null;
        for (var r = 0; r < repeat; r++)
        {
            var (seconds, batches, history) = await OnFreshDatabaseAsync(plan.Messages, stream);
            check = history!;
            runsPerSecond.Add(plan.Distinct / seconds);
            messagesPerSecond.Add(plan.Messages.Count / seconds);
            batches.Sort();
            p50.Add(batches[batches.Count / 2]);
            p95.Add(batches[Math.Min(batches.Count - 1, (int)Math.Ceiling(0.95 * batches.Count) - 1)]);
            max.Add(batches[^1]);
            say($"  {plan.Name}, repetition {r + 1}: {plan.Distinct / seconds:N0} runs/s ({seconds:N1} s), batch p50 {p50[^1]:N1} ms, p95 {p95[^1]:N1} ms{(check.Matches ? "" : " — HISTORY DIFFERS")}");
        }
        return new ScenarioResult(plan, Spread.Of(runsPerSecond), Spread.Of(messagesPerSecond), Spread.Of(p50), Spread.Of(p95), Spread.Of(max), check!);
    }

    // Untimed: gets the processor's code and Npgsql's through the JIT before the first timed repetition.
    public async Task WarmUpAsync(IReadOnlyList<RunCompleted> messages) => await OnFreshDatabaseAsync(messages, expected: null);

    // Expected: the stream the messages deliver in full, to check the history against.
    private async Task<(double Seconds, List<double> BatchMilliseconds, HistoryCheck? Check)> OnFreshDatabaseAsync(
        IReadOnlyList<RunCompleted> messages, RunStream? expected)
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}";
        await AdminAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{_template}\"");
        try
        {
            await using var dataSource = DataSource(name);
            var processor = Processor(dataSource);
            var batches = messages.Chunk(RunStream.BatchSize).ToArray();
            var times = new double[batches.Length];
            var next = -1;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < batches.Length)
                {
                    var started = Stopwatch.GetTimestamp();
                    await processor.ProcessAsync(batches[index], CancellationToken.None);
                    times[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            })));
            var seconds = clock.Elapsed.TotalSeconds;
            var check = expected is null ? null : new HistoryCheck(
                await CountAsync(dataSource, "drift.runs"), await CountAsync(dataSource, "drift.schema_versions"),
                await CountAsync(dataSource, "drift.drift_events"),
                expected.Runs.Count, expected.ExpectedVersions, expected.ExpectedEvents);
            return (seconds, [.. times], check);
        }
        finally
        {
            await AdminAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }

    private static DriftProcessor Processor(NpgsqlDataSource dataSource)
    {
        var options = new DriftOptions();
        return new DriftProcessor(
            dataSource, new SchemaInferrer(options.Inference), new ContractRules(), new VersionFieldsCache(), Options.Create(options),
            TimeProvider.System, NullLogger<DriftProcessor>.Instance);
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string table) =>
        (long)(await dataSource.CreateCommand($"SELECT count(*) FROM {table}").ExecuteScalarAsync())!;

    private NpgsqlDataSource DataSource(string database) => NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(serverConnection)
    {
        Database = database,
        Timezone = "UTC",
        CommandTimeout = 600,
        MaxPoolSize = 20,
    });

    private async Task AdminAsync(string sql)
    {
        await using var admin = NpgsqlDataSource.Create(serverConnection);
        await admin.CreateCommand(sql).ExecuteNonQueryAsync();
    }
}
