using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Ingest;
using ConnectorHealth.Metrics.Responses;
using ConnectorHealth.Metrics.Rollups;
using ConnectorHealth.Metrics.Status;
using ConnectorHealth.Metrics.Stores;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Metrics;

// A fresh database with the Metrics schema migrated the way the service does it, and the service's stores.
public sealed class MetricsDatabase : IAsyncDisposable
{
    private MetricsDatabase(NpgsqlDataSource dataSource, FakeTimeProvider time, MetricsOptions options)
    {
        DataSource = dataSource;
        Time = time;
        Options = options;
        Partitions = new RunPartitions(dataSource);
        Writer = new RunWriter(dataSource, Partitions, Microsoft.Extensions.Options.Options.Create(options), time, NullLogger<RunWriter>.Instance);
        Running = new RunningRunWriter(dataSource, Microsoft.Extensions.Options.Options.Create(options), time, NullLogger<RunningRunWriter>.Instance);
        Rebuilder = new RollupRebuilder(dataSource);
        Runs = new RunStore(dataSource);
        Kpis = new KpiStore(dataSource);
    }

    public NpgsqlDataSource DataSource { get; }

    public FakeTimeProvider Time { get; }

    public MetricsOptions Options { get; }

    public RunPartitions Partitions { get; }

    public RunWriter Writer { get; }

    public RunningRunWriter Running { get; }

    public RollupRebuilder Rebuilder { get; }

    public RunStore Runs { get; }

    public KpiStore Kpis { get; }

    // now: The clock the stores see (the retention horizon and "future" runs depend on it).
    // sessionTimeZone:
    // The database's default session time zone; an odd one (e.g. +12:45) proves that days and hours are UTC.
    public static async Task<MetricsDatabase> CreateAsync(
        PostgresServer postgres,
        DateTimeOffset now,
        MetricsOptions? options = null,
        string sessionTimeZone = "Pacific/Chatham",
        string? beforeMigration = null)
    {
        var dataSource = await postgres.CreateDatabaseAsync("metrics");
        if (beforeMigration is not null)
        {
            await using var prepare = dataSource.CreateCommand(beforeMigration);
            await prepare.ExecuteNonQueryAsync();
        }
        await using (var command = dataSource.CreateCommand(
            $"DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone = %L', current_database(), '{sessionTimeZone}'); END $$"))
        {
            await command.ExecuteNonQueryAsync();
        }
        dataSource.Clear();

        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance, "metrics", typeof(RunStore).Assembly)
            .StartAsync(CancellationToken.None);
        dataSource.Clear();
        return new MetricsDatabase(dataSource, new FakeTimeProvider(now), options ?? new MetricsOptions { RawRunRetention = TimeSpan.FromDays(3650) });
    }

    public async Task<long> CountAsync(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<List<object?[]>> RowsAsync(string sql, params object[] parameters) => DatabaseRows.ReadAsync(DataSource, sql, parameters);

    // A timestamptz read with GetValue (a UTC DateTime) as an instant.
    public static DateTimeOffset? Instant(object? value) => value is DateTime utc ? new DateTimeOffset(utc, TimeSpan.Zero) : null;

    // A migration script of the service as it ships, to run again over data the previous rule left.
    public static string MigrationScript(string name)
    {
        var assembly = typeof(RollupRebuilder).Assembly;
        using var stream = assembly.GetManifestResourceStream($"{assembly.GetName().Name}.Migrations.{name}")
            ?? throw new InvalidOperationException($"No embedded migration {name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    // The service's real Program on this database and clock.
    public MetricsApp App() => new(DataSource, Time, Options);

    // The whole status board as the service's rules judge it at now, each connector with its p95 latency.
    public async Task<IReadOnlyList<ConnectorStatus>> StatusBoardAsync(DateTimeOffset now)
    {
        var facts = await Kpis.ConnectorFactsAsync(now, new StatusBoardFilter(), CancellationToken.None);
        var latencies = await Kpis.P95LatencyAsync(now, [.. facts.Select(f => f.Connector)], CancellationToken.None);
        return new StatusRules(Options.StatusBoard, new ConnectorHealthThresholds())
            .Board(facts.Select(f => f with { P95LatencyMs24h = latencies.TryGetValue(f.Connector, out var p95) ? p95 : null }), now);
    }

    public Task<StoreResult> StoreAsync(params RunCompleted[] runs) =>
        Writer.StoreAsync([.. runs.Select(r => new IncomingRun(r, null))], CancellationToken.None);

    public Task<int> ProgressAsync(params RunInProgress[] runs) =>
        Running.StoreAsync([.. runs.Select(r => new IncomingProgress(r, null))], CancellationToken.None);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
