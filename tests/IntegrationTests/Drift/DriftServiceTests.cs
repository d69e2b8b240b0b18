using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift;
using ConnectorHealth.Drift.Schemas;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.ServiceDefaults;
using ConnectorHealth.Operations.SystemStatus;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace ConnectorHealth.IntegrationTests.Drift;

/// <summary>
/// Two replicas of the real Drift service on real RabbitMQ and PostgreSQL: runs delivered twice and out of order leave
/// exactly the history of the runs, each drift event is published once, and a poison message goes to the error queue
/// while both replicas keep consuming.
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class DriftServiceTests(RabbitMQServer rabbit, PostgresServer postgres) : IAsyncLifetime
{
    private const string RunCompletedExchange = "ConnectorHealth.Contracts:RunCompleted";
    private const string DriftExchange = "ConnectorHealth.Contracts:SchemaDriftDetected";
    private static readonly string[] Shapes =
    [
        """{"order":{"id":1001,"total":99.5,"lines":[{"sku":"A-1","qty":2}]},"customer":{"id":7,"tier":"gold"}}""",
        """{"order":{"id":"1001","total":"99.50","lines":[{"sku":"A-1","qty":"2"}]},"customer":{"id":"7","tier":"gold"}}""",
        """{"user_id":123,"email":null,"score":0.87}""",
    ];

    private readonly List<ServiceHost<DriftOptions>> _replicas = [];
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _database = await postgres.CreateDatabaseConnectionStringAsync("drift_service");
        for (var i = 0; i < 2; i++)
        {
            var replica = new ServiceHost<DriftOptions>(_database, rabbit.Uri, ("Drift:PublishSweepInterval", "00:00:01"));
            _replicas.Add(replica);
            _ = replica.Services; // starts the host: migrations, bus, publisher
        }
        await Poll.UntilAsync(async () => (await StateAsync()).Queues.Any(q => q.Name == "drift-run-completed" && q.Consumers == 2),
            "both replicas consuming");
    }

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }
    }

    [Fact]
    public async Task TwoReplicasTurnDuplicatedShuffledRunsIntoExactlyTheirHistoryAndSetPoisonAside()
    {
        var connector = $"svc_{Guid.NewGuid():N}"[..16];
        var random = new Random(5);
        var start = DateTimeOffset.UtcNow.AddHours(-2);
        var runs = new List<RunCompleted>();
        var shape = Shapes[0];
        for (var i = 0; i < 80; i++)
        {
            if (i > 0 && random.Next(5) == 0)
            {
                shape = Shapes[random.Next(Shapes.Length)];
            }
            runs.Add(DriftDatabase.Run(connector, start.AddSeconds(30 * i), shape));
        }

        await using var connection = await new ConnectionFactory { Uri = rabbit.Uri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(DriftExchange, ExchangeType.Fanout, durable: true);
        var listen = (await channel.QueueDeclareAsync($"drift-test-{Guid.NewGuid():N}", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(listen, DriftExchange, "");

        var errorsBefore = await ErrorCountAsync();
        var bus = _replicas[0].Services.GetRequiredService<IBus>();
        var deliveries = runs.Concat(runs).OrderBy(_ => random.Next()).ToList();
        for (var i = 0; i < deliveries.Count; i++)
        {
            await bus.Publish(deliveries[i]);
            if (i == deliveries.Count / 2)
            {
                await PublishPoisonAsync(channel, connector);
            }
        }

        await using var db = Npgsql.NpgsqlDataSource.Create(_database);
        await Poll.UntilAsync(async () => await CountAsync(db, "SELECT count(*) FROM drift.runs WHERE connector = $1", connector) == runs.Count,
            "every run recorded once");
        await Poll.UntilAsync(async () => await ErrorCountAsync() == errorsBefore + 1, "the poison message in the error queue");

        // The drift events are the changes between consecutive runs by finish time, whatever the delivery order.
        var inferrer = new SchemaInferrer(new InferenceLimits());
        var ordered = runs.OrderBy(r => r.FinishedAt).ToList();
        var expected = Enumerable.Range(1, ordered.Count - 1)
            .Where(i => ordered[i].Payload!.Value.GetRawText() != ordered[i - 1].Payload!.Value.GetRawText())
            .Select(i => ordered[i].RunId)
            .ToList();
        var client = _replicas[1].CreateClient();
        var page = await client.GetFromJsonAsync<JsonElement>($"/api/drift-events?connector={connector}&limit=500");
        var events = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(expected.AsEnumerable().Reverse(), events.Select(e => e.GetProperty("runId").GetGuid()));

        var schema = await client.GetFromJsonAsync<JsonElement>($"/api/schemas/{connector}");
        var versions = schema.GetProperty("versions").EnumerateArray().ToList();
        var distinct = runs.Select(r => inferrer.Infer(r.Payload!.Value, false).Fingerprint).Distinct().ToHashSet();
        Assert.Equal(distinct, versions.Select(v => v.GetProperty("fingerprint").GetString()!).ToHashSet());
        Assert.Equal(runs.Count, versions.Sum(v => v.GetProperty("runCount").GetInt64()));

        // Published: every notifying event exactly once (the replica that stored it publishes it).
        var notified = await CountAsync(db, "SELECT count(*) FROM drift.drift_events WHERE connector = $1 AND notify", connector);
        await Poll.UntilAsync(async () => await CountAsync(db,
            "SELECT count(*) FROM drift.drift_events WHERE connector = $1 AND notify AND published_at IS NOT NULL", connector) == notified,
            "every event to publish marked published");
        var received = new List<JsonElement>();
        await Poll.UntilAsync(async () =>
        {
            while (await channel.BasicGetAsync(listen, autoAck: true) is { } message)
            {
                using var envelope = JsonDocument.Parse(message.Body);
                var drift = envelope.RootElement.GetProperty("message").Clone();
                if (drift.GetProperty("connector").GetString() == connector)
                {
                    received.Add(drift);
                }
            }
            return received.Count >= notified;
        }, "the published SchemaDriftDetected messages");
        Assert.Equal(notified, received.Select(r => r.GetProperty("eventId").GetInt64()).Distinct().Count());
        Assert.True(notified >= 2, $"Only {notified} events were published.");

        // Both replicas are still consuming after the poison message.
        var state = await StateAsync();
        Assert.Equal(2, state.Queues.Single(q => q.Name == "drift-run-completed").Consumers);
        var after = DriftDatabase.Run(connector, start.AddHours(1), Shapes[0]);
        await bus.Publish(after);
        await Poll.UntilAsync(async () => await CountAsync(db, "SELECT count(*) FROM drift.runs WHERE run_id = $1", after.RunId) == 1,
            "a run after the poison message recorded");
    }

    private async Task<ServiceState> StateAsync()
    {
        using var client = _replicas[0].CreateClient();
        return (await client.GetFromJsonAsync<ServiceState>($"/api/system/{ResourceNames.Drift}"))!;
    }

    private async Task<long> ErrorCountAsync() =>
        (await StateAsync()).DeadLetters.Where(d => d.Name == "drift-run-completed_error").Sum(d => d.Count ?? 0);

    private static async Task<long> CountAsync(Npgsql.NpgsqlDataSource db, string sql, object parameter)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue(parameter);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task PublishPoisonAsync(IChannel channel, string connector)
    {
        var body = Encoding.UTF8.GetBytes(
            $$"""
            {
              "messageId": "{{Guid.NewGuid()}}",
              "messageType": ["urn:message:{{RunCompletedExchange}}"],
              "message": {"runId":"not-a-uuid","connector":"{{connector}}","status":0},
              "headers": {}
            }
            """);
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent };
        await channel.BasicPublishAsync(RunCompletedExchange, "", mandatory: false, properties, body);
    }
}
