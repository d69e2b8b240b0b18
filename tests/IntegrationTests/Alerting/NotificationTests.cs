using ConnectorHealth.Alerting;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Silences;
using ConnectorHealth.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>Webhook notifications: routing, silences, inhibition, and delivery to a receiver that was down for a while.</summary>
[Collection(PostgresCollection.Name)]
public sealed class NotificationTests(PostgresServer postgres) : IAsyncLifetime
{
    private readonly WebhookReceiver _receiver = new();
    private ServiceProvider _http = null!;

    public Task InitializeAsync()
    {
        _http = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _http.DisposeAsync();
    }

    [Fact]
    public async Task AReceiverThatWasDownGetsEachNotificationExactlyOnceWhenItComesBack()
    {
        await using var db = await AlertingDatabase.CreateAsync(postgres, Options(new ChannelOptions
        {
            Url = _receiver.Url, Format = ChannelFormat.Slack, Rules = [RuleNames.ConsecutiveFailures],
        }));
        var engine = db.Engine();
        var delivery = db.Delivery(_http.GetRequiredService<IHttpClientFactory>());

        // Down: the firing notification is tried and kept for later.
        await engine.ProcessRunsAsync([.. Enumerable.Range(0, 3).Select(i => db.Run("down", false, TimeSpan.FromSeconds(5 - i), errorType: "auth"))], CancellationToken.None);
        Assert.Equal(1, await delivery.DeliverDueAsync(CancellationToken.None));
        for (var i = 0; i < 4; i++)
        {
            db.Time.Advance(TimeSpan.FromMinutes(10));
            Assert.Equal(1, await delivery.DeliverDueAsync(CancellationToken.None));
        }
        var all = await db.RowsAsync("SELECT status, attempts, last_error, channel, kind, alert_id FROM alerting.notifications");
        Assert.True(all.Count == 1, string.Join("\n", all.Select(r => string.Join(" | ", r))));
        var pending = all.Single();
        Assert.Equal(("pending", 5), ((string)pending[0]!, (int)pending[1]!));
        Assert.NotNull(pending[2]);

        // Back: delivered once, and never again.
        await _receiver.StartAsync();
        db.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, await delivery.DeliverDueAsync(CancellationToken.None));
        db.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, await delivery.DeliverDueAsync(CancellationToken.None));
        var message = Assert.Single(_receiver.Received);
        Assert.StartsWith("[CRITICAL] consecutive_failures · down", message.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKindArray, message.GetProperty("blocks").ValueKind);

        // Resolution is notified to the channel that got the firing.
        var alertId = (long)(await db.RowsAsync("SELECT alert_id FROM alerting.alerts WHERE rule = 'consecutive_failures'")).Single()[0]!;
        await db.Store.ResolveAsync(alertId, "tester", CancellationToken.None);
        Assert.Equal(1, await delivery.DeliverDueAsync(CancellationToken.None));
        Assert.StartsWith("Resolved: consecutive_failures · down", _receiver.Received.Last().GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, _receiver.Received.Count);
    }

    [Fact]
    public async Task SilencedAndInhibitedAlertsAreRecordedButHeldWithTheReason()
    {
        await _receiver.StartAsync();
        await using var db = await AlertingDatabase.CreateAsync(postgres, Options(new ChannelOptions { Url = _receiver.Url }));
        var engine = db.Engine();
        var now = db.Time.GetUtcNow();
        await db.Silences.AddAsync(new Silence(Guid.NewGuid(), "muted", null, null, now.AddMinutes(-1), now.AddHours(1), "ops", "maintenance"), startGiven: true, CancellationToken.None);

        // Silenced: recorded, not sent.
        await engine.ProcessRunsAsync([.. Enumerable.Range(0, 3).Select(i => db.Run("muted", false, TimeSpan.FromSeconds(5 - i)))], CancellationToken.None);
        // Inhibited: the connector is failing, so its rate-limit alert is not sent (the failure alert is).
        await engine.ProcessRunsAsync(
            [.. Enumerable.Range(0, 6).Select(i => db.Run("noisy", false, TimeSpan.FromSeconds(20 - i), rateLimited: true, errorType: "rate_limit"))],
            CancellationToken.None);

        // The groups' messages are queued by the dispatcher's next round.
        await db.Groups().FlushDueAsync(CancellationToken.None);
        var notifications = await db.RowsAsync(
            """
            SELECT a.connector, a.rule, n.status, n.reason FROM alerting.notifications n JOIN alerting.alerts a USING (alert_id)
            ORDER BY a.connector, a.rule
            """);
        Assert.Contains(notifications, n => (string)n[0]! == "muted" && (string)n[2]! == "held" && ((string)n[3]!).StartsWith("silenced", StringComparison.Ordinal));
        Assert.Contains(notifications, n => (string)n[0]! == "noisy" && (string)n[1]! == RuleNames.ConsecutiveFailures && (string)n[2]! == "pending");
        Assert.Contains(notifications, n => (string)n[0]! == "noisy" && (string)n[1]! == RuleNames.RateLimit && (string)n[2]! == "held"
            && ((string)n[3]!).StartsWith("inhibited", StringComparison.Ordinal));

        var delivery = db.Delivery(_http.GetRequiredService<IHttpClientFactory>());
        await delivery.DeliverDueAsync(CancellationToken.None);
        // Sent: the noisy connector's failure streak (six runs are too few for its success-rate burn), nothing of the muted one.
        Assert.All(_receiver.Received, sent => Assert.Equal("noisy", sent.GetProperty("alert").GetProperty("connector").GetString()));
        Assert.Equal(
            [RuleNames.ConsecutiveFailures],
            _receiver.Received.Select(sent => sent.GetProperty("alert").GetProperty("rule").GetString()).Order(StringComparer.Ordinal));
    }

    private const System.Text.Json.JsonValueKind JsonValueKindArray = System.Text.Json.JsonValueKind.Array;

    private static AlertingOptions Options(ChannelOptions channel)
    {
        var options = new AlertingOptions();
        options.Channels["ops"] = channel;
        return options;
    }
}
