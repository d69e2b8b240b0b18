using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Drift;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Operations.PipelineHealth;
using ConnectorHealth.Operations.SystemStatus;
using ConnectorHealth.ServiceDefaults;
using HealthChecks.UI.Core;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Drift;

/// <summary>
/// The real Drift service on real RabbitMQ and PostgreSQL, with contracts that would once have stalled or killed it: a
/// catastrophic pattern costs each payload at most its budget while other connectors' runs flow; concurrent replays and
/// contract changes have the effect of one; a consumer stuck on its batch shows as Degraded with what it holds.
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class ContractBudgetServiceTests(RabbitMQServer rabbit, PostgresServer postgres) : IAsyncLifetime
{
    private const string Queue = "drift-run-completed";

    private ServiceHost<DriftOptions> _service = null!;
    private HttpClient _client = null!;
    private NpgsqlDataSource _db = null!;

    public async Task InitializeAsync()
    {
        var database = await postgres.CreateDatabaseConnectionStringAsync("drift_budget");
        _db = NpgsqlDataSource.Create(database);
        _service = new ServiceHost<DriftOptions>(database, rabbit.Uri,
            // A short contract budget and a short in-flight threshold.
            ("Pipeline:InFlightStuckAfter", "00:00:02"), ("Drift:ContractCheckBudget", "00:00:00.500"), ("Drift:PublishSweepInterval", "00:00:01"));
        _client = _service.CreateClient();
        await Poll.UntilAsync(async () => (await StateAsync()).Queues.Any(q => q.Name == Queue && q.Consumers >= 1), "the drift consumer attached");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _service.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task ACatastrophicPatternFlagsItsPayloadsWithinTheBudgetWhileOtherConnectorsRunsFlowAndTheServiceLives()
    {
        var slow = $"slow_{Guid.NewGuid():N}"[..16];
        var fast = $"fast_{Guid.NewGuid():N}"[..16];
        var put = await _client.PutAsJsonAsync($"/api/contracts/{slow}", new
        {
            policy = "quarantine",
            schema = JsonDocument.Parse("""{"type":"object","properties":{"v":{"type":"string","pattern":"^(a+)+$"}}}""").RootElement,
        });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        var bus = _service.Services.GetRequiredService<IBus>();
        var start = DateTimeOffset.UtcNow.AddMinutes(-30);
        var evil = $$"""{"v":"{{new string('a', 48)}}!"}""";
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            if (i % 5 == 0)
            {
                await bus.Publish(DriftDatabase.Run(slow, start.AddSeconds(i), evil));
            }
            await bus.Publish(DriftDatabase.Run(fast, start.AddSeconds(i), """{"id":1,"name":"x"}"""));
        }

        // 2^48 steps of backtracking per payload unbounded; with a 500 ms budget the four cost seconds at most.
        await Poll.UntilAsync(async () => await CountAsync("SELECT count(*) FROM drift.runs WHERE connector = $1", fast) == 20,
            "the other connector's runs recorded", TimeSpan.FromSeconds(30));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the other connector's runs took {clock.Elapsed}");
        await Poll.UntilAsync(async () => await CountAsync("SELECT count(*) FROM drift.quarantine WHERE connector = $1", slow) == 4,
            "the payloads that could not be checked quarantined", TimeSpan.FromSeconds(30));

        var held = await _client.GetFromJsonAsync<JsonElement>($"/api/quarantine?connector={slow}");
        // The first is checked until its budget runs out; the contract's next payloads within the cool-down are not checked
        // at all, so one contract costs one budget however many of its payloads share a batch.
        var reasons = held.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("violations")[0].GetString()!).ToList();
        Assert.All(reasons, reason => Assert.Contains("within 500 ms", reason, StringComparison.Ordinal));
        Assert.Contains(reasons, reason => reason.Contains("could not be checked within 500 ms", StringComparison.Ordinal));

        // Alive, and still consuming.
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/alive")).StatusCode);
        var later = DriftDatabase.Run(fast, start.AddMinutes(5), """{"id":2,"name":"y"}""");
        await bus.Publish(later);
        await Poll.UntilAsync(async () => await CountAsync("SELECT count(*) FROM drift.runs WHERE run_id = $1", later.RunId) == 1,
            "a later run recorded", TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("""{"$ref":"#"}""", "# → #")]
    [InlineData("""{"type":"object","anyOf":[{"required":["a"]},{"$ref":"#"}]}""", "# → #/anyOf/1 → #")]
    public async Task AContractThatRefersToItselfInPlaceIsRefusedNamingTheCycle(string schema, string cycle)
    {
        var connector = $"loop_{Guid.NewGuid():N}"[..16];

        var put = await _client.PutAsJsonAsync($"/api/contracts/{connector}", new { policy = "alert", schema = JsonDocument.Parse(schema).RootElement });

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        var problem = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(cycle, problem.GetProperty("errors").GetProperty("schema")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/alive")).StatusCode);
    }

    [Fact]
    public async Task SixteenConcurrentReplaysReleaseAQuarantinedRunOnceAndSixteenIdenticalPutsMakeOneRevision()
    {
        var connector = $"rep_{Guid.NewGuid():N}"[..16];
        var strict = JsonDocument.Parse("""{"type":"object","properties":{"id":{"type":"integer"}}}""").RootElement;
        var puts = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ =>
            _client.PutAsJsonAsync($"/api/contracts/{connector}", new { policy = "quarantine", schema = strict })));
        Assert.Equal(1, puts.Count(p => p.StatusCode == HttpStatusCode.Created));
        Assert.Equal(15, puts.Count(p => p.StatusCode == HttpStatusCode.OK));
        var revisions = await Task.WhenAll(puts.Select(async p => (await p.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("updatedAt").GetString()));
        Assert.Single(revisions.Distinct());

        var run = DriftDatabase.Run(connector, DateTimeOffset.UtcNow.AddMinutes(-1), """{"id":"not a number"}""");
        await _service.Services.GetRequiredService<IBus>().Publish(run);
        await Poll.UntilAsync(async () => await CountAsync("SELECT count(*) FROM drift.quarantine WHERE run_id = $1", run.RunId) == 1,
            "the run quarantined");
        var quarantineId = (await _client.GetFromJsonAsync<JsonElement>($"/api/quarantine?connector={connector}"))
            .GetProperty("items")[0].GetProperty("quarantineId").GetGuid();

        var relaxed = JsonDocument.Parse("""{"type":"object"}""").RootElement;
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsJsonAsync($"/api/contracts/{connector}", new { policy = "quarantine", schema = relaxed })).StatusCode);
        var replays = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => _client.PostAsync($"/api/quarantine/{quarantineId}/replay", null)));

        Assert.Equal(1, replays.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = replays.Where(r => r.StatusCode != HttpStatusCode.OK).ToList();
        Assert.Equal(15, refused.Count);
        foreach (var answer in refused)
        {
            Assert.Equal(HttpStatusCode.Conflict, answer.StatusCode);
            Assert.Contains("released already", (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM drift.runs WHERE run_id = $1 AND outcome = 'versioned'", run.RunId));
        Assert.Equal(1, await CountAsync("SELECT coalesce(sum(run_count), 0)::bigint FROM drift.schema_versions WHERE connector = $1", connector));

        var deletes = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => _client.DeleteAsync($"/api/contracts/{connector}")));
        Assert.Equal(1, deletes.Count(d => d.StatusCode == HttpStatusCode.NoContent));
        Assert.Equal(15, deletes.Count(d => d.StatusCode == HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task AConsumerStuckOnItsBatchMakesTheServiceDegradedWithWhatItHoldsAndHealthyOnceItFinishes()
    {
        var connector = $"stuck_{Guid.NewGuid():N}"[..16];
        await Poll.UntilAsync(async () => (await HealthAsync()).Status == UIHealthStatus.Healthy, "the service healthy at first");

        // A lock on the connector, as a batch of another replica would hold it: the consumer's batch waits for it.
        await using var blocker = await _db.OpenConnectionAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtext('drift.connector'), hashtext($1))", blocker))
        {
            take.Parameters.AddWithValue(connector);
            await take.ExecuteNonQueryAsync();
        }
        var run = DriftDatabase.Run(connector, DateTimeOffset.UtcNow.AddMinutes(-1), """{"id":1}""");
        await _service.Services.GetRequiredService<IBus>().Publish(run);

        var degraded = await PollForAsync(HealthAsync, h => h.Status == UIHealthStatus.Degraded, "the service degraded by the stuck batch");
        var check = degraded.Entries[InFlightHealthCheck.Name];
        Assert.Equal(UIHealthStatus.Degraded, check.Status);
        Assert.Contains($"{Queue} holds 1 delivered messages unacknowledged", check.Description, StringComparison.Ordinal);
        var state = await StateAsync();
        var queue = state.Queues.Single(q => q.Name == Queue);
        Assert.Equal(1, queue.InFlight);
        Assert.True(queue.OldestInFlightSeconds >= 2, $"oldest in flight {queue.OldestInFlightSeconds} s");
        Assert.Equal(0, queue.Messages);
        Assert.Equal("degraded", state.Status);
        Assert.Contains(state.Reasons, r => r.StartsWith(InFlightHealthCheck.Name, StringComparison.Ordinal));

        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext('drift.connector'), hashtext($1))", blocker))
        {
            release.Parameters.AddWithValue(connector);
            await release.ExecuteNonQueryAsync();
        }
        await Poll.UntilAsync(async () => await CountAsync("SELECT count(*) FROM drift.runs WHERE run_id = $1", run.RunId) == 1, "the run recorded");
        await Poll.UntilAsync(async () => (await HealthAsync()).Status == UIHealthStatus.Healthy, "the service healthy again");
        var after = (await StateAsync()).Queues.Single(q => q.Name == Queue);
        Assert.Equal(0, after.InFlight);
        Assert.Null(after.OldestInFlightSeconds);
    }

    private async Task<ServiceState> StateAsync() => (await _client.GetFromJsonAsync<ServiceState>($"/api/system/{ResourceNames.Drift}"))!;

    private async Task<UIHealthReport> HealthAsync() => (await HealthReportJson.ReadAsync((await _client.GetAsync("/health")).Content))!;

    private static async Task<T> PollForAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var value = default(T);
        await Poll.UntilAsync(async () => done(value = await read()), what);
        return value!;
    }

    private async Task<long> CountAsync(string sql, object parameter)
    {
        await using var command = _db.CreateCommand(sql);
        command.Parameters.AddWithValue(parameter);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
