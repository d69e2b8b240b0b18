using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift;
using ConnectorHealth.Drift.Apis.Store;
using ConnectorHealth.Drift.Detection;
using ConnectorHealth.Drift.PayloadContracts;
using ConnectorHealth.Drift.Schemas;
using ConnectorHealth.Drift.StoredHistory;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Drift;

/// <summary>A fresh database with the Drift schema migrated as the service does it, and the service's parts on it.</summary>
public sealed class DriftDatabase : IAsyncDisposable
{
    private DriftDatabase(NpgsqlDataSource dataSource, DriftOptions options)
    {
        DataSource = dataSource;
        Options = options;
        Store = new SchemaHistoryStore(dataSource, Microsoft.Extensions.Options.Options.Create(options), Time);
        Contracts = new ContractStore(dataSource);
    }

    public NpgsqlDataSource DataSource { get; }

    public DriftOptions Options { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));

    public SchemaHistoryStore Store { get; }

    public ContractStore Contracts { get; }

    public static async Task<DriftDatabase> CreateAsync(PostgresServer postgres, DriftOptions? options = null)
    {
        var dataSource = await postgres.CreateDatabaseAsync("drift");
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance, "drift", typeof(DriftProcessor).Assembly)
            .StartAsync(CancellationToken.None);
        dataSource.Clear();
        return new DriftDatabase(dataSource, options ?? new DriftOptions());
    }

    /// <summary>A processor as one replica of the service has it: its own caches.</summary>
    public DriftProcessor Processor() => new(
        DataSource, new SchemaInferrer(Options.Inference), new ContractRules(), new VersionFieldsCache(),
        Microsoft.Extensions.Options.Options.Create(Options), Time, NullLogger<DriftProcessor>.Instance);

    public Task<List<object?[]>> RowsAsync(string sql, params object[] parameters) => DatabaseRows.ReadAsync(DataSource, sql, parameters);

    public static RunCompleted Run(string connector, DateTimeOffset finishedAt, string? payloadJson, Guid? runId = null) => new()
    {
        RunId = runId ?? Guid.CreateVersion7(),
        Connector = connector,
        Source = RunSource.Scheduled,
        StartedAt = finishedAt.AddSeconds(-1),
        FinishedAt = finishedAt,
        Status = payloadJson is null ? RunStatus.Failed : RunStatus.Succeeded,
        LatencyMs = 1000,
        Payload = payloadJson is null ? null : JsonDocument.Parse(payloadJson).RootElement.Clone(),
    };

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
