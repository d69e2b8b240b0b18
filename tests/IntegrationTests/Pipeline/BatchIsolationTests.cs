using System.Net.Http.Json;
using ConnectorHealth.Alerting;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics;
using ConnectorHealth.ServiceDefaults;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.Operations.SystemStatus;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Pipeline;

/// <summary>
/// Each consuming service, real, on real RabbitMQ and PostgreSQL: one run that its database refuses, published in the
/// middle of 50, is set aside alone in the error queue with the database's reason while the other 49 are stored; once
/// the cause is fixed, re-driving it (sixteen times at once) stores it once and moves nothing else.
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class BatchIsolationTests(RabbitMQServer rabbit, PostgresServer postgres)
{
    private const int Runs = 50;

    [Fact]
    public Task MetricsSetsAsideTheOneRunItsDatabaseRefusesAndStoresItsBatchMates() =>
        OneRefusedRunOfFiftyAsync<MetricsOptions>(ResourceNames.Metrics, "metrics.runs");

    [Fact]
    public Task DriftSetsAsideTheOneRunItsDatabaseRefusesAndStoresItsBatchMates() =>
        OneRefusedRunOfFiftyAsync<DriftOptions>(ResourceNames.Drift, "drift.runs");

    [Fact]
    public Task AlertingSetsAsideTheOneRunItsDatabaseRefusesAndStoresItsBatchMates() =>
        OneRefusedRunOfFiftyAsync<AlertingOptions>(ResourceNames.Alerting, "alerting.runs");

    private async Task OneRefusedRunOfFiftyAsync<TEntry>(string service, string table) where TEntry : class
    {
        var database = await postgres.CreateDatabaseConnectionStringAsync($"isolation_{service}");
        await using var host = new ServiceHost<TEntry>(database, rabbit.Uri);
        using var client = host.CreateClient();
        var queue = $"{service}-run-completed";
        await Poll.UntilAsync(async () => (await StateAsync(client, service)).Queues.Any(q => q.Name == queue && q.Consumers == 1),
            $"{service} consuming");
        await using var db = NpgsqlDataSource.Create(database);
        var errorsBefore = await ErrorCountAsync(client, service, queue);

        // The database refuses this one run for a reason of its own: a failure at the store, not at deserialisation.
        var connector = $"iso_{Guid.NewGuid():N}"[..16];
        var now = DateTimeOffset.UtcNow;
        var runs = Enumerable.Range(0, Runs).Select(i => Run(connector, now.AddMinutes(-Runs + i), i)).ToList();
        var refused = runs[Runs / 2];
        await ExecuteAsync(db, $"ALTER TABLE {table} ADD CONSTRAINT refuses_one_run CHECK (run_id <> '{refused.RunId}')");

        var bus = host.Services.GetRequiredService<IBus>();
        await Task.WhenAll(runs.Select(run => bus.Publish(run)));

        await Poll.UntilAsync(async () => await CountAsync(db, table, connector) == Runs - 1, "the 49 batch-mates stored");
        await Poll.UntilAsync(async () => await ErrorCountAsync(client, service, queue) == errorsBefore + 1, "the refused run set aside");
        var letters = (await client.GetFromJsonAsync<DeadLetterList>($"/api/system/{service}/dead-letters?limit=100"))!.Items
            .Where(d => d.Connector == connector).ToList();
        var letter = Assert.Single(letters);
        Assert.Equal(refused.RunId, letter.RunId);
        Assert.Contains("refuses_one_run", letter.Reason, StringComparison.Ordinal);
        Assert.Equal(Runs - 1, await CountAsync(db, table, connector));

        // Fixed: re-driving it stores it and moves nothing else; sixteen operators re-driving it at once move it once.
        await ExecuteAsync(db, $"ALTER TABLE {table} DROP CONSTRAINT refuses_one_run");
        var redrives = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            using var redrive = await client.PostAsJsonAsync($"/api/system/{service}/dead-letters/redrive", new { ids = new[] { letter.Id } });
            redrive.EnsureSuccessStatusCode();
            return (await redrive.Content.ReadFromJsonAsync<RedriveResult>())!.Redriven;
        }));
        Assert.Equal(1, redrives.Sum());
        await Poll.UntilAsync(async () => await CountAsync(db, table, connector) == Runs, "the re-driven run stored");
        Assert.Equal(errorsBefore, await ErrorCountAsync(client, service, queue));
        Assert.Equal(1, await CountAsync(db, table, connector, refused.RunId));
    }

    private static RunCompleted Run(string connector, DateTimeOffset finishedAt, int i) => RunDefinition.Canonical(new RunCompleted
    {
        RunId = Guid.NewGuid(),
        Connector = connector,
        Source = RunSource.Reported,
        StartedAt = finishedAt.AddSeconds(-2),
        FinishedAt = finishedAt,
        Status = i % 7 == 0 ? RunStatus.Failed : RunStatus.Succeeded,
        LatencyMs = 2_000,
        ErrorType = i % 7 == 0 ? "ServerError" : null,
        Payload = System.Text.Json.JsonDocument.Parse($$"""{"id":{{i}},"name":"n{{i}}"}""").RootElement,
        PayloadBytes = 20,
        ExpectedInterval = TimeSpan.FromMinutes(1),
    });

    private static async Task<ServiceState> StateAsync(HttpClient client, string service) =>
        (await client.GetFromJsonAsync<ServiceState>($"/api/system/{service}"))!;

    private static async Task<long> ErrorCountAsync(HttpClient client, string service, string queue) =>
        (await StateAsync(client, service)).DeadLetters.Where(d => d.Name == queue + ErrorQueueDeadLetterStore.ErrorSuffix)
            .Sum(d => d.Count ?? 0);

    private static async Task<long> CountAsync(NpgsqlDataSource db, string table, string connector, Guid? runId = null)
    {
        await using var command = db.CreateCommand($"SELECT count(*) FROM {table} WHERE connector = $1 AND ($2::uuid IS NULL OR run_id = $2)");
        command.Parameters.AddWithValue(connector);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)runId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
