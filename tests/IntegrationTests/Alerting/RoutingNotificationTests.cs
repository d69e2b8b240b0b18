using System.Text.Json;
using ConnectorHealth.Alerting;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Routes;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Windows;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>Routes, groups, maintenance windows and escalation, from raised alerts to what receivers get.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RoutingNotificationTests(PostgresServer postgres) : IAsyncLifetime
{
    private readonly WebhookReceiver _ops = new();
    private readonly WebhookReceiver _manager = new();
    private ServiceProvider _http = null!;

    public async Task InitializeAsync()
    {
        _http = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        await _ops.StartAsync();
        await _manager.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _ops.DisposeAsync();
        await _manager.DisposeAsync();
        await _http.DisposeAsync();
    }

    private AlertingOptions Options(AlertRoute route)
    {
        var options = new AlertingOptions { Route = route };
        options.Channels["ops"] = new ChannelOptions { Url = _ops.Url };
        options.Channels["manager"] = new ChannelOptions { Url = _manager.Url };
        return options;
    }

    private static async Task FailAsync(AlertingDatabase db, params string[] connectors)
    {
        foreach (var connector in connectors)
        {
            await db.Engine().ProcessRunsAsync(
                [.. Enumerable.Range(0, 3).Select(i => db.Run(connector, false, TimeSpan.FromSeconds(3 - i), errorType: "auth"))], CancellationToken.None);
        }
    }

    private static async Task ExpectDeliveredAsync(AlertingDatabase db, AlertingDatabase.Dispatch delivery, int expected)
    {
        var delivered = await delivery.DeliverDueAsync(CancellationToken.None);
        var rows = await db.RowsAsync("SELECT kind, status, alert_ids::text, created_at::text FROM alerting.notifications ORDER BY notification_id");
        Assert.True(delivered == expected, $"{delivered} delivered, {expected} expected; at {db.Time.GetUtcNow():O}:\n"
            + string.Join("\n", rows.Select(r => string.Join(" | ", r))));
    }

    private static string[] Connectors(JsonElement message) =>
        [.. message.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("connector").GetString()!).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task FiveAlertsOfOneGroupAreOneMessageAndLaterChangesUpdateIt()
    {
        await using var db = await AlertingDatabase.CreateAsync(postgres, Options(new AlertRoute
        {
            Receiver = "ops", GroupBy = ["rule"], GroupWait = TimeSpan.FromSeconds(30), GroupInterval = TimeSpan.FromMinutes(5),
        }));
        var delivery = db.Delivery(_http.GetRequiredService<IHttpClientFactory>());

        await FailAsync(db, "g1", "g2", "g3", "g4", "g5");
        await ExpectDeliveredAsync(db, delivery, 0);
        db.Time.Advance(TimeSpan.FromSeconds(30));
        await ExpectDeliveredAsync(db, delivery, 1);
        var first = Assert.Single(_ops.Received);
        Assert.Equal(["g1", "g2", "g3", "g4", "g5"], Connectors(first));
        Assert.Equal(("firing", "firing"), (first.GetProperty("kind").GetString(), first.GetProperty("status").GetString()));
        Assert.Equal(RuleNames.ConsecutiveFailures, first.GetProperty("groupLabels").GetProperty("rule").GetString());

        // A sixth joins: sent with the others once the group's interval has passed, not before.
        await FailAsync(db, "g6");
        db.Time.Advance(TimeSpan.FromMinutes(1));
        await ExpectDeliveredAsync(db, delivery, 0);
        db.Time.Advance(TimeSpan.FromMinutes(4));
        await ExpectDeliveredAsync(db, delivery, 1);
        Assert.Equal(["g1", "g2", "g3", "g4", "g5", "g6"], Connectors(_ops.Received.Last()));

        // All resolved: one message says so, and the group then says nothing more.
        foreach (var row in await db.RowsAsync("SELECT alert_id FROM alerting.alerts"))
        {
            await db.Store.ResolveAsync((long)row[0]!, "tester", CancellationToken.None);
        }
        db.Time.Advance(TimeSpan.FromMinutes(5));
        await ExpectDeliveredAsync(db, delivery, 1);
        var resolved = _ops.Received.Last();
        Assert.Equal(("resolved", "resolved"), (resolved.GetProperty("kind").GetString(), resolved.GetProperty("status").GetString()));
        Assert.Equal(6, Connectors(resolved).Length);
        db.Time.Advance(TimeSpan.FromHours(5));
        var late = await delivery.DeliverDueAsync(CancellationToken.None);
        Assert.True(late == 0, string.Join("\n", _ops.Received.Select(m => $"{m.GetProperty("kind")} {string.Join(',', Connectors(m))}")));
        Assert.Equal(3, _ops.Received.Count);
        // Each message is on every alert's page.
        var listed = await db.RowsAsync("SELECT count(*) FROM alerting.notifications WHERE alert_ids @> (SELECT ARRAY[min(alert_id)] FROM alerting.alerts)");
        Assert.Equal(3L, (long)listed.Single()[0]!);
    }

    [Fact]
    public async Task AFiringGroupNobodyAcknowledgedRepeatsAndAnAcknowledgedOneDoesNot()
    {
        await using var db = await AlertingDatabase.CreateAsync(postgres, Options(new AlertRoute
        {
            Receiver = "ops", GroupWait = TimeSpan.Zero, RepeatInterval = TimeSpan.FromHours(1),
        }));
        var delivery = db.Delivery(_http.GetRequiredService<IHttpClientFactory>());
        await FailAsync(db, "loud", "quiet");
        Assert.Equal(2, await delivery.DeliverDueAsync(CancellationToken.None));
        var quiet = (long)(await db.RowsAsync("SELECT alert_id FROM alerting.alerts WHERE connector = 'quiet'")).Single()[0]!;
        await db.Store.AcknowledgeAsync(quiet, "tester", CancellationToken.None);

        db.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await delivery.DeliverDueAsync(CancellationToken.None));
        var repeat = _ops.Received.Last();
        Assert.Equal("repeat", repeat.GetProperty("kind").GetString());
        Assert.Equal(["loud"], Connectors(repeat));
        db.Time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, await delivery.DeliverDueAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AMaintenanceWindowMutesARouteAndItsAlertsAreSentWhenTheWindowEnds()
    {
        var options = Options(new AlertRoute { Receiver = "ops", GroupWait = TimeSpan.Zero, MuteTimeIntervals = ["nightly"] });
        options.TimeIntervals["nightly"] = [new TimeIntervalOptions { Times = [new TimeRangeOptions { StartTime = "00:00", EndTime = "06:00" }] }];
        await using var db = await AlertingDatabase.CreateAsync(postgres, options);
        var delivery = db.Delivery(_http.GetRequiredService<IHttpClientFactory>());
        // 02:00 UTC the next day: inside the window.
        db.Time.Advance(TimeSpan.FromHours(14));

        await FailAsync(db, "nightly_job");
        Assert.Equal(0, await delivery.DeliverDueAsync(CancellationToken.None));
        var listed = Assert.Single((await db.Store.ListAsync(new AlertFilter(null, null, null, null, 10, null), CancellationToken.None)).Items);
        Assert.Equal("muted by window nightly", listed.MutedBy);

        db.Time.Advance(TimeSpan.FromHours(4) - TimeSpan.FromMinutes(1));
        Assert.Equal(0, await delivery.DeliverDueAsync(CancellationToken.None));
        Assert.Empty(_ops.Received);
        db.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await delivery.DeliverDueAsync(CancellationToken.None));
        Assert.Equal(["nightly_job"], Connectors(Assert.Single(_ops.Received)));
        Assert.Null(Assert.Single((await db.Store.ListAsync(new AlertFilter(null, null, null, null, 10, null), CancellationToken.None)).Items).MutedBy);
    }

    [Fact]
    public async Task AnAlertNobodyAcknowledgesEscalatesOnceAndAnAcknowledgedOneNever()
    {
        await using var db = await AlertingDatabase.CreateAsync(postgres, Options(new AlertRoute
        {
            Receiver = "ops", GroupWait = TimeSpan.Zero, EscalateAfter = TimeSpan.FromMinutes(10), EscalateTo = "manager",
        }));
        var delivery = db.Delivery(_http.GetRequiredService<IHttpClientFactory>());
        var groups = db.Groups();
        await FailAsync(db, "ignored", "handled");
        Assert.Equal(2, await delivery.DeliverDueAsync(CancellationToken.None));
        var handled = (long)(await db.RowsAsync("SELECT alert_id FROM alerting.alerts WHERE connector = 'handled'")).Single()[0]!;
        await db.Store.AcknowledgeAsync(handled, "tester", CancellationToken.None);

        db.Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(0, await groups.EscalateDueAsync(CancellationToken.None));
        db.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await groups.EscalateDueAsync(CancellationToken.None));
        Assert.Equal(0, await groups.EscalateDueAsync(CancellationToken.None));
        await delivery.DeliverDueAsync(CancellationToken.None);
        var escalation = Assert.Single(_manager.Received);
        Assert.Equal("escalation", escalation.GetProperty("kind").GetString());
        Assert.Equal(["ignored"], Connectors(escalation));

        db.Time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(0, await groups.EscalateDueAsync(CancellationToken.None));
        await delivery.DeliverDueAsync(CancellationToken.None);
        Assert.Single(_manager.Received);
    }

    [Fact]
    public async Task AnAlertOfTheTeamsConnectorPagesItsPagerDutyServiceAndAcknowledgingAndResolvingHereDoTheSameThere()
    {
        await using var pagerDuty = new PagerDutyEventsServer();
        await pagerDuty.StartAsync();
        var routingKey = new string('b', 32);
        var options = Options(new AlertRoute
        {
            Receiver = "ops", GroupWait = TimeSpan.Zero,
            Routes = [new() { Owners = ["team-billing"], Severities = [Severity.Critical], Receiver = "billing-pager" }],
        });
        options.Channels["billing-pager"] = new ChannelOptions { Format = ChannelFormat.PagerDuty, Url = pagerDuty.Url, RoutingKey = routingKey };
        await using var db = await AlertingDatabase.CreateAsync(postgres, options);
        var delivery = db.Delivery(_http.GetRequiredService<IHttpClientFactory>());

        // The runs say who owns the connector: the billing team's failure goes to its PagerDuty service, another's to ops.
        await db.Engine().ProcessRunsAsync(
            [.. Enumerable.Range(0, 3).Select(i => db.Run("invoices", false, TimeSpan.FromSeconds(3 - i), errorType: "auth") with { Owner = "team-billing" })],
            CancellationToken.None);
        await FailAsync(db, "unowned");
        Assert.Equal(2, await delivery.DeliverDueAsync(CancellationToken.None));
        Assert.Equal(["unowned"], Connectors(Assert.Single(_ops.Received)));
        var trigger = Assert.Single(pagerDuty.Accepted);
        Assert.Equal("trigger", (string?)trigger["event_action"]);
        var dedupKey = (string)trigger["dedup_key"]!;

        var alertId = (long)(await db.RowsAsync("SELECT alert_id FROM alerting.alerts WHERE connector = 'invoices'")).Single()[0]!;
        await db.Store.AcknowledgeAsync(alertId, "on-call", CancellationToken.None);
        db.Time.Advance(RouteTree.DefaultGroupInterval);
        Assert.Equal(1, await delivery.DeliverDueAsync(CancellationToken.None));
        await db.Store.ResolveAsync(alertId, "on-call", CancellationToken.None);
        db.Time.Advance(RouteTree.DefaultGroupInterval);
        Assert.Equal(1, await delivery.DeliverDueAsync(CancellationToken.None));

        Assert.Equal(["trigger", "acknowledge", "resolve"], pagerDuty.Accepted.Select(e => (string?)e["event_action"]));
        Assert.All(pagerDuty.Accepted, e => Assert.Equal(dedupKey, (string?)e["dedup_key"]));
        Assert.Equal("resolved", pagerDuty.Alerts[(routingKey, dedupKey)]);
        // Ops, which keeps no incidents, heard nothing of the acknowledgement.
        Assert.Single(_ops.Received);
    }

    [Fact]
    public async Task AnAlertHeldByTheConnectorsFailureIsToldOnceTheFailureIsOver()
    {
        await using var db = await AlertingDatabase.CreateAsync(postgres, Options(new AlertRoute { Receiver = "ops", GroupWait = TimeSpan.Zero }));
        var delivery = db.Delivery(_http.GetRequiredService<IHttpClientFactory>());
        await FailAsync(db, "drifty");
        await db.Engine().ProcessDriftAsync([new SchemaDriftDetected
        {
            EventId = 7, Connector = "drifty", RunId = Guid.NewGuid(), FinishedAt = db.Time.GetUtcNow(), FromVersion = 1, ToVersion = 2,
            Kind = DriftKind.NewVersion, Changes = [new SchemaChange("$.id", SchemaChangeKind.TypeChanged, "integer", "string", true)],
            Compatibility = CompatibilityMode.Forward, Breaking = true, Action = DriftAction.Alerted, DetectedAt = db.Time.GetUtcNow(),
        }], CancellationToken.None);
        await delivery.DeliverDueAsync(CancellationToken.None);
        Assert.Equal([RuleNames.ConsecutiveFailures], _ops.Received.Select(m => m.GetProperty("alert").GetProperty("rule").GetString()));

        // While the failure is open, the drift stays held, round after round.
        await db.Engine().EvaluateAllAsync(CancellationToken.None);
        db.Time.Advance(TimeSpan.FromMinutes(5));
        await delivery.DeliverDueAsync(CancellationToken.None);
        Assert.Single(_ops.Received);

        // The connector recovers: its failure alert resolves once clear long enough, and the drift is told.
        await db.Engine().ProcessRunsAsync([db.Run("drifty", true)], CancellationToken.None);
        db.Time.Advance(new AlertingOptions().ResolveAfter + TimeSpan.FromSeconds(1));
        await db.Engine().EvaluateAllAsync(CancellationToken.None);
        Assert.Equal("resolved", (string)(await db.RowsAsync("SELECT state FROM alerting.alerts WHERE rule = 'consecutive_failures'")).Single()[0]!);
        db.Time.Advance(TimeSpan.FromMinutes(5));
        await delivery.DeliverDueAsync(CancellationToken.None);

        var drift = Assert.Single(_ops.Received, m => m.GetProperty("alerts").EnumerateArray().Any(a => a.GetProperty("rule").GetString() == RuleNames.SchemaDrift));
        Assert.Equal("firing", drift.GetProperty("kind").GetString());
        await db.Engine().EvaluateAllAsync(CancellationToken.None);
        await delivery.DeliverDueAsync(CancellationToken.None);
        Assert.Single(_ops.Received, m => m.GetProperty("alerts").EnumerateArray().Any(a => a.GetProperty("rule").GetString() == RuleNames.SchemaDrift));
    }

    [Fact]
    public async Task ADeadReceiverHoldsUpNoneOfTheOthers()
    {
        var options = Options(new AlertRoute
        {
            GroupWait = TimeSpan.Zero,
            Routes = [new() { Receiver = "dead", Continue = true }, new() { Receiver = "ops" }],
        });
        options.Channels["dead"] = new ChannelOptions { Url = $"http://127.0.0.1:{TestPorts.Free()}/hook" };
        await using var db = await AlertingDatabase.CreateAsync(postgres, options);
        var delivery = db.Delivery(_http.GetRequiredService<IHttpClientFactory>());

        await FailAsync(db, "both_ways");
        Assert.Equal(2, await delivery.DeliverDueAsync(CancellationToken.None));

        Assert.Equal(["both_ways"], Connectors(Assert.Single(_ops.Received)));
        var dead = (await db.RowsAsync("SELECT status, last_error FROM alerting.notifications WHERE channel = 'dead'")).Single();
        Assert.Equal("pending", (string)dead[0]!);
        Assert.NotNull(dead[1]);
    }
}
