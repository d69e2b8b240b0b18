// Loads a year of connector runs into the Metrics service's schema and times each KPI endpoint over real HTTP (the
// service's own Program, hosted in-process on Kestrel) next to the first version's plain-view SQL on the same
// data. It writes a report and never passes or fails.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ConnectorHealth.IntegrationTests.Metrics;
using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Ingest;
using ConnectorHealth.Metrics.KpiReports;
using ConnectorHealth.Metrics.Rollups;
using ConnectorHealth.Metrics.Stores;
using ConnectorHealth.MetricsBench;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (BenchOptions.Parse(args) is not { } options)
{
    return; // Help was shown, or the command line was refused.
}
var total = Stopwatch.StartNew();
var report = new StringBuilder();
void Say(string line)
{
    Console.WriteLine(line);
}

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

var databaseName = $"metrics_bench_{DateTime.UtcNow:yyyyMMddHHmmss}";
await using (var admin = NpgsqlDataSource.Create(serverConnection))
{
    await admin.CreateCommand($"CREATE DATABASE \"{databaseName}\"").ExecuteNonQueryAsync();
}
var connection = new NpgsqlConnectionStringBuilder(serverConnection)
{
    Database = databaseName,
    Timezone = "UTC",
    CommandTimeout = 3600,
    MaxPoolSize = 20,
};
await using var dataSource = NpgsqlDataSource.Create(connection);
try
{
    var version = (string)(await dataSource.CreateCommand("SHOW server_version").ExecuteScalarAsync())!;
    await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance, "metrics", typeof(RunStore).Assembly).StartAsync(CancellationToken.None);
    dataSource.Clear();

    var end = DateTimeOffset.UtcNow;
    end = new DateTimeOffset(end.UtcTicks - end.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
    var generator = new RunGenerator(options.Seed, options.Runs, options.Connectors, end.AddDays(-options.Days), end);
    var clock = new FixedClock(end);
    var metricsOptions = new MetricsOptions { RawRunRetention = TimeSpan.FromDays(options.Days + 62) };
    var partitions = new RunPartitions(dataSource);
    var writer = new RunWriter(dataSource, partitions, Options.Create(metricsOptions), clock, NullLogger<RunWriter>.Instance);
    var rebuilder = new RollupRebuilder(dataSource);

    // Load: the service's partitions, then binary COPY into its raw tables.
    var months = new List<DateOnly>();
    for (var month = new DateOnly(generator.Start.Year, generator.Start.Month, 1); month <= DateOnly.FromDateTime(end.UtcDateTime); month = month.AddMonths(1))
    {
        months.Add(month);
    }
    await partitions.EnsureAsync(months, CancellationToken.None);
    Say($"Loading {options.Runs:N0} runs of {options.Connectors} connectors over {options.Days} days with binary COPY…");
    var step = Stopwatch.StartNew();
    var attempts = await BulkLoader.LoadAsync(dataSource, generator.Runs(), options.Runs, Say);
    var loadSeconds = step.Elapsed.TotalSeconds;
    Say($"  copied in {loadSeconds:N0} s ({options.Runs / loadSeconds:N0} runs/s, {attempts:N0} attempts)");

    // Rollups and connector state through the service's own rebuild (the same fold SQL ingest uses), month by month.
    Say("Building rollups with the service's fold SQL…");
    step.Restart();
    foreach (var month in months)
    {
        await rebuilder.RebuildRollupsAsync(month, month.AddMonths(1), CancellationToken.None);
    }
    await rebuilder.RebuildConnectorStateAsync(CancellationToken.None);
    var rollupSeconds = step.Elapsed.TotalSeconds;
    Say($"  built in {rollupSeconds:N0} s");

    Say("VACUUM ANALYZE…");
    step.Restart();
    await dataSource.CreateCommand("VACUUM (ANALYZE)").ExecuteNonQueryAsync();
    await dataSource.CreateCommand("CHECKPOINT").ExecuteNonQueryAsync();
    var vacuumSeconds = step.Elapsed.TotalSeconds;

    var rolledUp = (long)(await dataSource.CreateCommand("SELECT sum(total)::bigint FROM metrics.rollup_daily").ExecuteScalarAsync())!;
    var stored = (long)(await dataSource.CreateCommand("SELECT count(*) FROM metrics.run_ids").ExecuteScalarAsync())!;
    var sizes = await SizesAsync(dataSource);

    // The first version's views, verbatim, over the same raw runs.
    await dataSource.CreateCommand(FirstVersion.Views).ExecuteNonQueryAsync();

    await using var api = new MetricsApp(dataSource, clock, metricsOptions);
    api.UseKestrel(0);
    // The factory finds the service's content root through the manifest the build put next to this program, which
    // it looks for in the current directory.
    var workingDirectory = Environment.CurrentDirectory;
    Environment.CurrentDirectory = AppContext.BaseDirectory;
    api.StartServer();
    Environment.CurrentDirectory = workingDirectory;
    using var client = api.CreateClient();
    client.Timeout = TimeSpan.FromMinutes(5);
    // What the service does before /health calls it ready (its hosted services are not run here): the first timed
    // request of each query is the first one a user could make.
    Say("Warming the KPI answers as the service does before it is ready…");
    step.Restart();
    var (warmed, warmFailures) = await api.Services.GetRequiredService<KpiWarmUp>().WarmAsync(client.BaseAddress!, CancellationToken.None);
    var warmUpSeconds = step.Elapsed.TotalSeconds;
    Say($"  {warmed} requests in {warmUpSeconds:N1} s ({warmFailures} failed)");
    var today = DateOnly.FromDateTime(end.UtcDateTime);
    var from30 = today.AddDays(-29);
    var fromYear = today.AddDays(1 - Math.Min(options.Days, 366));
    var busiest = generator.Profiles.MaxBy(p => p.Runs)!.Name;
    var (midRunId, midCursor) = await MidYearRunAsync(dataSource, end.AddDays(-options.Days / 2.0));
    string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    var since24h = end.AddHours(-24);
    var start30 = new DateTimeOffset(from30.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    var scenarios = new List<Scenario>
    {
        new("KPI daily, all connectors, 30 days", true, $"/api/kpis/daily?from={Day(from30)}&to={Day(today)}",
            "first version: connector_health_daily view, 30 days",
            "SELECT * FROM first_version.connector_health_daily WHERE day BETWEEN $1 AND $2", [from30, today]),
        new($"KPI daily, one connector ({busiest}), {Math.Min(options.Days, 366)} days", true,
            $"/api/kpis/daily?connector={busiest}&from={Day(fromYear)}&to={Day(today)}",
            "first version: connector_health_daily view, one connector",
            "SELECT * FROM first_version.connector_health_daily WHERE connector_name = $1 AND day BETWEEN $2 AND $3", [busiest, fromYear, today]),
        new("KPI failure reasons, all connectors, 30 days", true, $"/api/kpis/failure-reasons?from={Day(from30)}&to={Day(today)}",
            "first version's top_failure_reasons SQL with the 30-day range added",
            "SELECT connector_name, COALESCE(error_type,'unknown') AS error_type, count(*) AS failures FROM raw.connector_runs "
            + "WHERE status='failed' AND started_at >= $1 GROUP BY 1,2 ORDER BY failures DESC", [start30]),
        new($"KPI failure reasons, all connectors, {Math.Min(options.Days, 366)} days", true,
            $"/api/kpis/failure-reasons?from={Day(fromYear)}&to={Day(today)}",
            "first version: top_failure_reasons view (all time)",
            "SELECT * FROM first_version.top_failure_reasons", []),
        new($"KPI failure reasons, one connector, {Math.Min(options.Days, 366)} days", true,
            $"/api/kpis/failure-reasons?connector={busiest}&from={Day(fromYear)}&to={Day(today)}",
            "first version: top_failure_reasons view, one connector",
            "SELECT * FROM first_version.top_failure_reasons WHERE connector_name = $1", [busiest]),
        // What the web UI's KPIs page asks for a year of every connector: the per-day totals for its charts, and one day of
        // the per-connector table (its page of 100 rows covers a day or two).
        new($"KPI daily totals, all connectors, {Math.Min(options.Days, 366)} days (web UI KPIs charts)", true,
            $"/api/kpis/daily/totals?from={Day(fromYear)}&to={Day(today)}", null, null, []),
        new("KPI daily, all connectors, one day (web UI KPIs table page)", true,
            $"/api/kpis/daily?from={Day(today.AddDays(-1))}&to={Day(today.AddDays(-1))}", null, null, []),
        new("KPI status board (first page of 100, judged over all connectors)", true, "/api/kpis/connectors",
            "plain SQL over raw runs (the first version had no board; no failure streak)",
            """
            SELECT connector_name, max(started_at) AS last_run_at, max(started_at) FILTER (WHERE status = 'success') AS last_success_at,
                   count(*) FILTER (WHERE started_at >= $1) AS runs_24h,
                   avg(CASE WHEN status = 'success' THEN 1.0 ELSE 0 END) FILTER (WHERE started_at >= $1) AS success_rate_24h,
                   avg(CASE WHEN rate_limited THEN 1.0 ELSE 0 END) FILTER (WHERE started_at >= $1) AS rate_limited_rate_24h,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE started_at >= $1) AS p95_24h
            FROM raw.connector_runs GROUP BY connector_name
            """, [since24h]),
        new("Runs, newest page (50)", false, "/api/runs?limit=50", null, null, []),
        new($"Runs, one connector's failures (50)", false, $"/api/runs?connector={busiest}&status=failed&limit=50", null, null, []),
        new("Runs, a page half a year back (50, by cursor)", false, $"/api/runs?limit=50&cursor={midCursor}", null, null, []),
        new("Run detail with attempts", false, $"/api/runs/{midRunId}", null, null, []),
    };

    var results = new List<(Scenario Scenario, Measurement Ours, Measurement? Baseline)>();
    foreach (var scenario in scenarios)
    {
        Say($"Timing {scenario.Name}…");
        var ours = await Timing.HttpAsync(client, scenario.Url, options.Iterations);
        Measurement? baseline = null;
        if (scenario.BaselineSql is not null)
        {
            baseline = await Timing.SqlAsync(dataSource, scenario.BaselineSql, scenario.BaselineParameters, options.BaselineIterations);
        }
        Say($"  ours p50 {ours.P50:N1} ms, p95 {ours.P95:N1} ms" + (baseline is null ? "" : $"; first version p50 {baseline.P50:N0} ms"));
        results.Add((scenario, ours, baseline));
    }

    // Ingest through the service's batch writer, as the consumer calls it: fresh runs of the last day in batches of 100.
    Say($"Ingesting {options.IngestRuns:N0} new runs through the batch writer…");
    var fresh = new RunGenerator(options.Seed + 1, options.IngestRuns, options.Connectors, end.AddDays(-1), end).Runs()
        .Select(r => new IncomingRun(RunGenerator.Message(r), r.TraceId))
        .ToList();
    step.Restart();
    var batches = fresh.Chunk(MessageBatches.MessageLimit).ToList();
    var next = -1;
    await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
    {
        int index;
        while ((index = Interlocked.Increment(ref next)) < batches.Count)
        {
            await writer.StoreAsync(batches[index], CancellationToken.None);
        }
    })));
    var ingestSeconds = step.Elapsed.TotalSeconds;
    var afterIngest = (long)(await dataSource.CreateCommand("SELECT sum(total)::bigint FROM metrics.rollup_daily").ExecuteScalarAsync())!;

    // Report.
    report.AppendLine(CultureInfo.InvariantCulture, $"# Metrics benchmark: {options.Runs:N0} runs, {options.Connectors} connectors, {options.Days} days");
    report.AppendLine();
    report.AppendLine(CultureInfo.InvariantCulture, $"- When: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB; PostgreSQL {version}{(server is null ? " (given server)" : " (private server: " + string.Join(", ", BenchPostgres.Settings) + ")")}");
    report.AppendLine(CultureInfo.InvariantCulture, $"- Load: binary COPY of {options.Runs:N0} runs and {attempts:N0} attempts in {loadSeconds:N0} s ({options.Runs / loadSeconds:N0} runs/s); rollups and connector state rebuilt with the service's fold SQL in {rollupSeconds:N0} s; VACUUM ANALYZE {vacuumSeconds:N0} s");
    report.AppendLine(CultureInfo.InvariantCulture, $"- Check: rollups count {rolledUp:N0} runs, the ledger {stored:N0} ({(rolledUp == stored ? "equal" : "DIFFERENT")})");
    report.AppendLine(CultureInfo.InvariantCulture, $"- Storage: {sizes}");
    report.AppendLine(CultureInfo.InvariantCulture, $"- Timing: ours = GET over HTTP to the Metrics service's own Program hosted in-process on Kestrel (without its message bus and background work), to the last byte, {options.Iterations} requests after 10 warm-up; \"1st\" is the first request of each once the service is ready: after the warm-up it does before /health says so ({warmed} requests of the default ranges in {warmUpSeconds:N1} s, {warmFailures} failed), so it is what the first user of a restarted service waits; first version = its plain-view SQL through Npgsql, all rows read, {options.BaselineIterations} runs after 1 warm-up. Milliseconds.");
    report.AppendLine();
    report.AppendLine("| Query | Ours p50 | p95 | max | 1st (cold) | items | bytes | First version (same data) | p50 | p95 | max | rows | p50 speed-up |");
    report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|");
    foreach (var (scenario, ours, baseline) in results)
    {
        report.AppendLine(
            $"| {scenario.Name} | {ours.P50:N1} | {ours.P95:N1} | {ours.Max:N1} | {ours.First:N1} | {ours.Rows:N0} | {ours.Bytes:N0} | "
            + (baseline is null
                ? "– | | | | | |"
                : $"{scenario.BaselineName} | {baseline.P50:N0} | {baseline.P95:N0} | {baseline.Max:N0} | {baseline.Rows:N0} | {baseline.P50 / ours.P50:N0}× |"));
    }
    report.AppendLine();
    var kpis = results.Where(r => r.Scenario.IsKpi).ToList();
    var slowest = kpis.MaxBy(r => r.Ours.P95);
    report.AppendLine(CultureInfo.InvariantCulture,
        $"- Target p95 < 50 ms for every KPI endpoint: {(kpis.All(r => r.Ours.P95 < 50) ? "met" : "NOT met")} (slowest p95: {slowest.Ours.P95:N1} ms, {slowest.Scenario.Name}).");
    var coldest = results.MaxBy(r => r.Ours.First / r.Ours.P95);
    report.AppendLine(CultureInfo.InvariantCulture,
        $"- Target: each query's first answer once the service is ready within 2× its warm p95: {(results.All(r => r.Ours.First <= 2 * r.Ours.P95) ? "met" : "NOT met")} (furthest: {coldest.Scenario.Name}, first {coldest.Ours.First:N1} ms against p95 {coldest.Ours.P95:N1} ms, {coldest.Ours.First / coldest.Ours.P95:N1}×).");
    var headline = results[0];
    report.AppendLine(CultureInfo.InvariantCulture,
        $"- Target ≥ 100× faster than the plain view for the 30-day all-connector query: {headline.Baseline!.P50 / headline.Ours.P50:N0}× at p50, {headline.Baseline.P95 / headline.Ours.P95:N0}× at p95 ({(headline.Baseline.P50 / headline.Ours.P50 >= 100 ? "met" : "NOT met")}).");
    report.AppendLine(CultureInfo.InvariantCulture,
        $"- Ingest through the batch writer (2 concurrent writers, batches of {MessageBatches.MessageLimit}, rollups and state in the same transaction, on top of the loaded data): {fresh.Count:N0} runs in {ingestSeconds:N1} s = {fresh.Count / ingestSeconds:N0} runs/s; rollups then count {afterIngest - rolledUp:N0} more runs.");
    report.AppendLine(CultureInfo.InvariantCulture, $"- Total bench time: {total.Elapsed.TotalMinutes:N1} min.");

    Console.WriteLine();
    Console.WriteLine(report);
    Directory.CreateDirectory(options.Output);
    var file = Path.Combine(options.Output, $"metrics-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{options.Runs}.md");
    await File.WriteAllTextAsync(file, report.ToString());
    Console.WriteLine($"Report written to {file}");
}
finally
{
    dataSource.Clear();
    if (server is null)
    {
        await using var admin = NpgsqlDataSource.Create(serverConnection);
        await admin.CreateCommand($"DROP DATABASE IF EXISTS \"{databaseName}\" WITH (FORCE)").ExecuteNonQueryAsync();
    }
    else
    {
        await server.DisposeAsync();
    }
}

static async Task<string> SizesAsync(NpgsqlDataSource dataSource)
{
    await using var command = dataSource.CreateCommand(
        """
        SELECT t.name, pg_size_pretty(sum(pg_total_relation_size(c.oid)))
        FROM (VALUES ('runs'), ('attempts'), ('run_ids'), ('rollup_hourly'), ('rollup_daily'), ('failures_daily'), ('connector_state')) t(name)
        JOIN pg_class c ON c.relnamespace = 'metrics'::regnamespace
         AND (c.relname = t.name OR c.relname LIKE t.name || '\_p%') AND c.relkind IN ('r', 'p')
        GROUP BY t.name ORDER BY sum(pg_total_relation_size(c.oid)) DESC
        """);
    var parts = new List<string>();
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        parts.Add($"{reader.GetString(0)} {reader.GetString(1)}");
    }
    var database = (string)(await dataSource.CreateCommand("SELECT pg_size_pretty(pg_database_size(current_database()))").ExecuteScalarAsync())!;
    return $"{string.Join(", ", parts)} (tables with their indexes); database {database}";
}

static async Task<(Guid RunId, string Cursor)> MidYearRunAsync(NpgsqlDataSource dataSource, DateTimeOffset around)
{
    await using var command = dataSource.CreateCommand(
        "SELECT run_id, started_at FROM metrics.runs WHERE started_at <= $1 ORDER BY started_at DESC, run_id DESC LIMIT 1");
    command.Parameters.AddWithValue(around);
    await using var reader = await command.ExecuteReaderAsync();
    await reader.ReadAsync();
    var runId = reader.GetGuid(0);
    return (runId, Uri.EscapeDataString(new PageCursor(reader.GetFieldValue<DateTimeOffset>(1), runId).Encode()));
}

internal sealed record Scenario(string Name, bool IsKpi, string Url, string? BaselineName, string? BaselineSql, object[] BaselineParameters);

// The benchmark's "now": the end of the generated year, so the status board's last 24 h hold data.
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
