using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Alerting;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>
/// The real Alerting service on real RabbitMQ and PostgreSQL, with a webhook receiver that is down at first: runs and
/// drift events delivered twice become one alert each, and the receiver gets exactly one firing notification per alert
/// once it is back.
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class AlertingServiceTests(RabbitMQServer rabbit, PostgresServer postgres) : IAsyncLifetime
{
    private readonly WebhookReceiver _receiver = new();
    private ServiceHost<AlertingOptions> _service = null!;

    public async Task InitializeAsync()
    {
        var database = await postgres.CreateDatabaseConnectionStringAsync("alerting_service");
        _service = new ServiceHost<AlertingOptions>(database, rabbit.Uri, ("Alerting:Channels:ops:Url", _receiver.Url));
        _ = _service.Services;
        await Poll.UntilAsync(async () =>
        {
            using var client = _service.CreateClient();
            var state = await client.GetFromJsonAsync<JsonElement>($"/api/system/{ResourceNames.Alerting}");
            return state.GetProperty("queues").EnumerateArray().Count(q => q.GetProperty("consumers").GetInt64() >= 1) >= 2;
        }, "both alerting consumers up");
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task DuplicatedMessagesMakeOneAlertEachAndADownReceiverGetsEachNotificationOnceItIsBack()
    {
        var connector = $"svc_{Guid.NewGuid():N}"[..16];
        var bus = _service.Services.GetRequiredService<IBus>();
        var now = DateTimeOffset.UtcNow;
        var runs = FailedRuns(connector, now);
        var drift = new SchemaDriftDetected
        {
            EventId = Random.Shared.NextInt64(1, long.MaxValue), Connector = connector, RunId = runs[0].RunId, FinishedAt = now,
            FromVersion = 1, ToVersion = 2, Kind = DriftKind.NewVersion, Compatibility = CompatibilityMode.Backward, Breaking = true,
            Action = DriftAction.Alerted, DetectedAt = now,
            Changes = [new SchemaChange("$.value", SchemaChangeKind.FieldRemoved, "integer", null, true)],
        };
        foreach (var run in runs.Concat(runs))
        {
            await bus.Publish(run);
        }

        using var client = _service.CreateClient();
        async Task<List<JsonElement>> AlertsAsync() =>
            (await client.GetFromJsonAsync<JsonElement>($"/api/alerts?connector={connector}")).GetProperty("items").EnumerateArray().ToList();
        await Poll.UntilAsync(async () => (await AlertsAsync())
            .Any(a => a.GetProperty("rule").GetString() == "consecutive_failures" && a.GetProperty("occurrences").GetInt32() == 5),
            "the failure alert with every run counted once");

        // Drift while the connector is failing: recorded, its notification inhibited.
        await bus.Publish(drift);
        await bus.Publish(drift);
        await Poll.UntilAsync(async () => (await AlertsAsync()).Any(a => a.GetProperty("rule").GetString() == "schema_drift"), "the drift alert");
        var alerts = await AlertsAsync();
        Assert.Equal(1, alerts.Count(a => a.GetProperty("rule").GetString() == "schema_drift"));
        Assert.Equal(1, alerts.Single(a => a.GetProperty("rule").GetString() == "schema_drift").GetProperty("occurrences").GetInt32());

        // The receiver was down: notifications wait, failing, until it is back.
        await Poll.UntilAsync(async () =>
        {
            var failing = alerts.Single(a => a.GetProperty("rule").GetString() == "consecutive_failures");
            var detail = await client.GetFromJsonAsync<JsonElement>($"/api/alerts/{failing.GetProperty("alertId").GetInt64()}");
            return detail.GetProperty("notifications").EnumerateArray().Any(n => n.GetProperty("attempts").GetInt32() >= 1
                && n.GetProperty("lastError").ValueKind == JsonValueKind.String);
        }, "a failed delivery attempt recorded");
        await _receiver.StartAsync();

        // The drift alert is inhibited (the connector is failing); the failure alerts are sent, each once.
        var expected = alerts.Count(a => a.GetProperty("rule").GetString() != "schema_drift");
        await Poll.UntilAsync(() => _receiver.Received.Count(m => Connector(m) == connector) >= expected, "the notifications delivered", TimeSpan.FromSeconds(60));

        // A later alert of another connector, through the same bus, engine and notification queue: once its notification
        // is in, anything still due for this connector (a second copy, the inhibited drift alert) would have come first.
        var sentinel = $"later_{Guid.NewGuid():N}"[..16];
        foreach (var run in FailedRuns(sentinel, DateTimeOffset.UtcNow))
        {
            await bus.Publish(run);
        }
        await Poll.UntilAsync(() => _receiver.Received.Any(m => Connector(m) == sentinel), "the later alert's notification", TimeSpan.FromSeconds(60));
        var received = _receiver.Received.Where(m => Connector(m) == connector).ToList();
        Assert.Equal(expected, received.Count);
        Assert.Equal(received.Count, received.Select(m => m.GetProperty("alert").GetProperty("alertId").GetInt64()).Distinct().Count());
        Assert.DoesNotContain(received, m => m.GetProperty("alert").GetProperty("rule").GetString() == "schema_drift");
        Assert.Equal(alerts.Select(a => a.GetProperty("alertId").GetInt64()).Order(), (await AlertsAsync()).Select(a => a.GetProperty("alertId").GetInt64()).Order());
        Assert.Equal(5, (await AlertsAsync()).Single(a => a.GetProperty("rule").GetString() == "consecutive_failures").GetProperty("occurrences").GetInt32());
    }

    private static List<RunCompleted> FailedRuns(string connector, DateTimeOffset now) =>
        [.. Enumerable.Range(0, 5).Select(i => new RunCompleted
        {
            RunId = Guid.CreateVersion7(), Connector = connector, Source = RunSource.Scheduled,
            StartedAt = now.AddSeconds(i - 10), FinishedAt = now.AddSeconds(i - 9), Status = RunStatus.Failed, LatencyMs = 1000,
            ErrorType = "auth", ErrorMessage = "401 Unauthorized",
        })];

    private static string? Connector(JsonElement message) =>
        message.TryGetProperty("alert", out var alert) && alert.ValueKind == JsonValueKind.Object ? alert.GetProperty("connector").GetString() : null;
}
