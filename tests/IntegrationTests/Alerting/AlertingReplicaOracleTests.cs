using System.Text.Json;
using ConnectorHealth.Alerting;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.IntegrationTests.Metrics;
using ConnectorHealth.ServiceDefaults;
using MassTransit;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>
/// Three replicas of the real Alerting service, given every run and drift event twice in a seeded shuffled order, raise
/// and resolve the same alerts as one replica given each once in time order, and their receiver gets the same
/// notifications: one per alert event, never two.
/// </summary>
/// <remarks>
/// What an alert says depends on what was known when: failures seen before the success that ends them raise an alert,
/// seen after it they never do. So the runs come in three phases, as time passes — before the trouble, the trouble, the
/// recovery — shuffled and duplicated within each phase, each phase delivered and settled (every alert that clears
/// resolved, every notification delivered) on both set-ups before the next.
/// </remarks>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class AlertingReplicaOracleTests(RabbitMQServer rabbit, PostgresServer postgres) : IAsyncLifetime
{
    private const string RunQueue = "alerting-run-completed";
    private const string DriftQueue = "alerting-schema-drift-detected";
    private const string Freshness = "freshness";

    private readonly WebhookReceiver _oracleReceiver = new();
    private readonly WebhookReceiver _replicasReceiver = new();
    private int _runs;
    private int _driftEvents;

    public async Task InitializeAsync()
    {
        await _oracleReceiver.StartAsync();
        await _replicasReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _oracleReceiver.DisposeAsync();
        await _replicasReceiver.DisposeAsync();
    }

    [Fact]
    public async Task ThreeReplicasGivenEveryMessageTwiceShuffledRaiseResolveAndNotifyAsOneReplicaGivenEachOnceDoes()
    {
        await using var setups = await OracleAndReplicas<AlertingOptions>.StartAsync(rabbit, postgres, "alerting", 3, ResourceNames.Alerting, RunQueue,
            oracle =>
            [
                ("Alerting:Channels:ops:Url", (oracle ? _oracleReceiver : _replicasReceiver).Url),
                // Alerts that clear resolve a second later, on whichever replica's evaluation round comes first.
                ("Alerting:EvaluationInterval", "00:00:00.500"),
                ("Alerting:ResolveAfter", "00:00:01"),
                // pay's failures are for its failure streak, not its error budget; ads judges its rate limiting on few runs.
                ("Alerting:Connectors:pay:SloMinRuns", "100000"),
                ("Alerting:Connectors:ads:RateLimitMinRuns", "4"),
            ]);
        var (oracle, replicas) = (setups.Oracle, setups.Replicas);
        var random = new Random(23);
        var t = DateTimeOffset.UtcNow;
        var (before, trouble, recovery) = Phases(t);
        var drift = DriftEvents(t);

        await DeliverAsync(oracle, replicas, before, [], random);
        await DeliverAsync(oracle, replicas, trouble, drift, random);
        Assert.Equal(
            ["ads rate_limited firing", "billing success_rate firing", "crm latency firing", "hr freshness firing", "inv schema_drift firing",
             "inv schema_drift firing", "pay consecutive_failures firing"],
            await AlertStatesAsync(oracle));
        await AssertSameAsync(oracle, replicas, "after the trouble");

        await DeliverAsync(oracle, replicas, recovery, [], random);
        Assert.Equal(
            ["ads rate_limited resolved", "billing success_rate resolved", "crm latency resolved", "hr freshness resolved",
             "inv schema_drift firing", "inv schema_drift firing", "pay consecutive_failures resolved"],
            await AlertStatesAsync(oracle));
        await AssertSameAsync(oracle, replicas, "after the recovery");
        // Seven alerts raised, five resolved: each told once on each set-up.
        Assert.Equal(12, _oracleReceiver.Received.Count);
        Assert.Equal(12, _replicasReceiver.Received.Count);
    }

    // Runs finished at fixed offsets before the start of the test, each connector the case of one rule. Every window a rule
    // reads (5 min to 1 h) holds the same runs for ten minutes whatever the clock: runs leave a window, none enters it.
    private static (List<RunCompleted> Before, List<RunCompleted> Trouble, List<RunCompleted> Recovery) Phases(DateTimeOffset t)
    {
        RunCompleted Ran(string connector, double minutesAgo, RunStatus status = RunStatus.Succeeded, double latencyMs = 120,
            string? errorType = null, bool rateLimited = false, TimeSpan? expectedInterval = null, int attempts = 1) =>
            TestRuns.Run(connector, t.AddMinutes(-minutesAgo).AddMilliseconds(-latencyMs), status, latencyMs, errorType: errorType,
                rateLimited: rateLimited, expectedInterval: expectedInterval, attempts: attempts);

        List<RunCompleted> before =
        [
            // pay: its owner and tags changed halfway (later runs say what they are now).
            .. Enumerable.Range(0, 20).Select(i => Ran("pay", 50 - i, latencyMs: 100 + i % 5 * 3) with
            {
                Owner = i < 10 ? "team-a" : "team-b", Tags = i < 10 ? ["payments"] : ["payments", "tier:1"],
            }),
            .. Enumerable.Range(0, 3).Select(i => Ran("ads", 50 - i)),
            // crm: a latency baseline, on a schedule that changed halfway.
            .. Enumerable.Range(0, 30).Select(i => Ran("crm", 50 - i, latencyMs: 100 + i % 7 * 2,
                expectedInterval: TimeSpan.FromHours(i < 15 ? 1 : 2))),
            // hr: scheduled every 5 minutes, last successful 40 minutes ago: stale.
            Ran("hr", 40, expectedInterval: TimeSpan.FromMinutes(5)),
            .. Enumerable.Range(0, 20).Select(i => Ran("billing", 50 - i * 0.5)),
        ];
        List<RunCompleted> trouble =
        [
            .. Enumerable.Range(0, 4).Select(i => Ran("pay", 20 - i, RunStatus.Failed, errorType: "AuthError")),
            Ran("ads", 25, rateLimited: true, attempts: 2),
            .. Enumerable.Range(0, 3).Select(i => Ran("crm", 18 - i, latencyMs: 2_000, expectedInterval: TimeSpan.FromHours(2))),
            // One failure in 21 runs: a slow burn of billing's error budget (a ticket).
            Ran("billing", 38, RunStatus.Failed, errorType: "ServerError"),
        ];
        List<RunCompleted> recovery =
        [
            Ran("pay", 5, latencyMs: 104),
            Ran("ads", 10),
            Ran("crm", 5, latencyMs: 104, expectedInterval: TimeSpan.FromHours(2)),
            Ran("hr", 2, expectedInterval: TimeSpan.FromMinutes(5)),
            // Enough successes that billing's one failure is under 1 % again (all before the last 30 minutes, as the rest of
            // billing's runs: its burn over 5 and 30 minutes stays 0 whenever it is evaluated).
            .. Enumerable.Range(0, 80).Select(i => Ran("billing", 37 - i / 16.0)),
        ];
        return (before, trouble, recovery);
    }

    // Drifts of one connector: a breaking removal (critical) and an addition (info), two alerts; then the removed field
    // back (info), on the paths of the first: an occurrence of its alert, which now says what the latest drift says.
    private static List<SchemaDriftDetected> DriftEvents(DateTimeOffset t) =>
    [
        new()
        {
            EventId = 1001, Connector = "inv", RunId = Guid.NewGuid(), FinishedAt = t.AddMinutes(-15), FromVersion = 1, ToVersion = 2,
            Kind = DriftKind.NewVersion, Compatibility = CompatibilityMode.Backward, Breaking = true, Action = DriftAction.Alerted,
            DetectedAt = t.AddMinutes(-15), Changes = [new SchemaChange("$.a", SchemaChangeKind.FieldRemoved, "integer", null, true)],
        },
        new()
        {
            EventId = 1002, Connector = "inv", RunId = Guid.NewGuid(), FinishedAt = t.AddMinutes(-14), FromVersion = 2, ToVersion = 3,
            Kind = DriftKind.NewVersion, Compatibility = CompatibilityMode.Backward, Breaking = false, Action = DriftAction.Alerted,
            DetectedAt = t.AddMinutes(-14), Changes = [new SchemaChange("$.b", SchemaChangeKind.FieldAdded, null, "string", false)],
        },
        new()
        {
            EventId = 1003, Connector = "inv", RunId = Guid.NewGuid(), FinishedAt = t.AddMinutes(-13), FromVersion = 3, ToVersion = 4,
            Kind = DriftKind.NewVersion, Compatibility = CompatibilityMode.Backward, Breaking = false, Action = DriftAction.Alerted,
            DetectedAt = t.AddMinutes(-13), Changes = [new SchemaChange("$.a", SchemaChangeKind.FieldAdded, null, "integer", false)],
        },
    ];

    // The oracle gets each message once, in the order runs finished; the replicas each twice, shuffled. Then both settle.
    private async Task DeliverAsync(
        ServiceReplicas<AlertingOptions> oracle, ServiceReplicas<AlertingOptions> replicas, List<RunCompleted> runs,
        List<SchemaDriftDetected> drift, Random random)
    {
        var twice = runs.Concat(runs).Cast<object>().Concat(drift.Concat(drift)).OrderBy(_ => random.Next()).ToList();
        await Task.WhenAll(
            Task.Run(async () =>
            {
                foreach (var message in runs.OrderBy(r => r.FinishedAt).Cast<object>().Concat(drift))
                {
                    await PublishAsync(oracle, message);
                }
            }),
            Task.Run(async () =>
            {
                foreach (var message in twice)
                {
                    await PublishAsync(replicas, message);
                }
            }));
        _runs += runs.Count;
        _driftEvents += drift.Count;
        await Task.WhenAll(SettledAsync(oracle), SettledAsync(replicas));
    }

    private static Task PublishAsync(ServiceReplicas<AlertingOptions> setup, object message) => message switch
    {
        RunCompleted run => setup.PublishInItsTraceAsync(run),
        SchemaDriftDetected drift => setup.Bus.Publish(drift),
        _ => throw new ArgumentException(message.GetType().Name),
    };

    // Every message taken in once, nothing left in the queues, every alert that clears resolved, every message of a group
    // sent and delivered.
    private async Task SettledAsync(ServiceReplicas<AlertingOptions> setup)
    {
        await Poll.UntilAsync(async () => await CountAsync(setup, "SELECT count(*) FROM alerting.runs") == _runs
            && await CountAsync(setup, "SELECT count(*) FROM alerting.drift_events") == _driftEvents,
            $"{_runs} runs and {_driftEvents} drift events taken in", TimeSpan.FromSeconds(60));
        await setup.DrainedAsync(ResourceNames.Alerting, RunQueue);
        await setup.DrainedAsync(ResourceNames.Alerting, DriftQueue);
        await Poll.UntilAsync(async () => await CountAsync(setup,
            """
            SELECT (SELECT count(*) FROM alerting.alerts WHERE clear_since IS NOT NULL)
                 + (SELECT count(*) FROM alerting.alert_groups WHERE flush_at <= now() + interval '1 minute')
                 + (SELECT count(*) FROM alerting.notifications WHERE status = 'pending')
            """) == 0, "every alert that clears resolved and every notification delivered", TimeSpan.FromSeconds(30));
    }

    private static async Task<long> CountAsync(ServiceReplicas<AlertingOptions> setup, string sql) =>
        (long)(await DatabaseRows.ReadAsync(setup.Database, sql)).Single()[0]!;

    private static async Task<List<string>> AlertStatesAsync(ServiceReplicas<AlertingOptions> setup) =>
        [.. (await DatabaseRows.ReadAsync(setup.Database, "SELECT connector || ' ' || rule || ' ' || state FROM alerting.alerts ORDER BY 1"))
            .Select(row => (string)row[0]!)];

    // Alert ids are left out (they number alerts in the order they were raised); so are the instants a replica's own clock
    // gives (created_at, clear_since, resolved_at, when a notification was made and delivered, when a group flushes). A
    // freshness alert is judged at the moment of evaluation (how long since the last success, now), so its message, its
    // details and its first and last seen are that moment's; the last success it is about (its occurrence) is compared.
    private async Task AssertSameAsync(ServiceReplicas<AlertingOptions> oracle, ServiceReplicas<AlertingOptions> replicas, string when)
    {
        // What the rules read: the run ledger, the counts per minute, each connector's facts, the drift events.
        await OracleComparison.AssertSameTableAsync(oracle.Database, replicas.Database, "alerting.runs", "received_at");
        await OracleComparison.AssertSameTableAsync(oracle.Database, replicas.Database, "alerting.connector_minutes");
        await OracleComparison.AssertSameTableAsync(oracle.Database, replicas.Database, "alerting.connectors", "updated_at");
        await OracleComparison.AssertSameTableAsync(oracle.Database, replicas.Database, "alerting.drift_events", "received_at");

        foreach (var (what, sql) in new[]
        {
            ("alerts", $"""
                SELECT connector, rule, key, fingerprint, severity, state, recommended_action, occurrences, flapping, resolution, resolved_by,
                       previous_alert_id IS NULL AS first_of_its_fingerprint, clear_since IS NULL AS not_clearing,
                       resolved_at IS NULL AS open, acknowledged_at,
                       CASE WHEN rule = '{Freshness}' THEN NULL ELSE message END AS message,
                       CASE WHEN rule = '{Freshness}' THEN NULL ELSE details::text END AS details,
                       CASE WHEN rule = '{Freshness}' THEN NULL ELSE first_seen END AS first_seen,
                       CASE WHEN rule = '{Freshness}' THEN NULL ELSE last_seen END AS last_seen
                FROM alerting.alerts ORDER BY connector, rule, key
                """),
            ("occurrences", $"""
                SELECT a.connector, a.rule, a.key, o.source, o.detail,
                       CASE WHEN a.rule = '{Freshness}' THEN NULL ELSE o.occurred_at END AS occurred_at
                FROM alerting.occurrences o JOIN alerting.alerts a USING (alert_id) ORDER BY 1, 2, 3, 4
                """),
            ("notifications", """
                SELECT a.connector, a.rule, a.key, n.channel, n.kind, n.status, n.reason, n.attempts, n.last_status_code, n.last_error,
                       cardinality(n.alert_ids) AS alerts, n.delivered_at IS NULL AS undelivered
                FROM alerting.notifications n JOIN alerting.alerts a USING (alert_id) ORDER BY 1, 2, 3, n.notification_id
                """),
            ("groups", """
                SELECT g.group_key, g.route, g.receiver, g.labels::text, g.group_interval, g.repeat_interval, g.last_status, g.muted_by,
                       g.flush_at IS NULL AS idle, g.last_sent_at IS NULL AS never_sent,
                       (SELECT string_agg(a.rule || ':' || coalesce(m.notified_state, '-'), ',' ORDER BY a.rule, a.key)
                        FROM alerting.group_alerts m JOIN alerting.alerts a USING (alert_id) WHERE m.group_id = g.group_id) AS members
                FROM alerting.alert_groups g ORDER BY g.group_key
                """),
        })
        {
            var expected = await DatabaseRows.ReadAsync(oracle.Database, sql);
            var actual = await DatabaseRows.ReadAsync(replicas.Database, sql);
            var columns = await ColumnsAsync(oracle, sql);
            OracleComparison.AssertSameRows($"{what} {when}", columns, expected, actual);
            Assert.True(expected.Count > 0, $"No {what} {when}.");
        }

        // What the receivers got: each alert event once (a group of one alert each), the same on both set-ups. An alert is
        // known by its connector, rule and key (its id is its set-up's own); as a message carries it, it is as it was when
        // its group was sent (how many runs or drifts had come by then), so its state is compared, its severity and text
        // in the alerts above.
        var told = await ToldAsync(_oracleReceiver, oracle);
        Assert.Equal(told.Distinct().Count(), told.Count);
        Assert.Equal(told, await ToldAsync(_replicasReceiver, replicas));
    }

    private static async Task<List<string>> ToldAsync(WebhookReceiver receiver, ServiceReplicas<AlertingOptions> setup)
    {
        var alerts = (await DatabaseRows.ReadAsync(setup.Database, "SELECT alert_id, connector || ' ' || rule || ' ' || key FROM alerting.alerts"))
            .ToDictionary(row => (long)row[0]!, row => (string)row[1]!);
        return
        [
            .. receiver.Received.Select(message =>
            {
                var alert = message.GetProperty("alert");
                return $"{message.GetProperty("kind").GetString()} ({message.GetProperty("status").GetString()}): "
                    + $"{alerts[alert.GetProperty("alertId").GetInt64()]} {alert.GetProperty("state").GetString()}";
            }).Order(StringComparer.Ordinal),
        ];
    }

    private static async Task<List<string>> ColumnsAsync(ServiceReplicas<AlertingOptions> setup, string sql)
    {
        await using var command = setup.Database.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SchemaOnly);
        return [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)];
    }
}
