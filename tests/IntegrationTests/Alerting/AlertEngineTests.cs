using ConnectorHealth.Alerting;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Thresholds;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>The alert rules, dedupe and lifecycle on real PostgreSQL, with a fake clock.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertEngineTests(PostgresServer postgres)
{
    [Fact]
    public async Task TenConsumersRacingOnOneFingerprintMakeOneAlertWithEveryFailureCountedOnce()
    {
        await using var db = await AlertingDatabase.CreateAsync(postgres);
        var runs = Enumerable.Range(0, 60).Select(i => db.Run("racing", succeeded: false, ago: TimeSpan.FromSeconds(60 - i), errorType: "auth")).ToList();

        // Ten replicas take batches of the same runs at once; every run is delivered twice.
        var deliveries = runs.Concat(runs).OrderBy(_ => Random.Shared.Next()).Chunk(12).ToList();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            var engine = db.Engine();
            foreach (var batch in deliveries.Where((_, index) => index % 10 == i))
            {
                await engine.ProcessRunsAsync(batch, CancellationToken.None);
            }
        })));

        var alerts = await db.RowsAsync("SELECT rule, state, occurrences, severity, recommended_action FROM alerting.alerts WHERE rule = $1",
            RuleNames.ConsecutiveFailures);
        var alert = Assert.Single(alerts);
        Assert.Equal((RuleNames.ConsecutiveFailures, "firing", 60, "critical"), ((string)alert[0]!, (string)alert[1]!, (int)alert[2]!, (string)alert[3]!));
        Assert.Contains("credential", (string)alert[4]!, StringComparison.OrdinalIgnoreCase);

        // Delivered again later: nothing changes.
        await db.Engine().ProcessRunsAsync(runs, CancellationToken.None);
        Assert.Equal([60, 60], (await db.RowsAsync("SELECT occurrences FROM alerting.alerts ORDER BY rule")).Select(r => (int)r[0]!));

        // The first version's view.
        // The first version's view; the success-rate burn fired as well (every run failed).
        var view = await db.RowsAsync("SELECT severity, connector_name, alert_type, message, recommended_action FROM raw.alerts ORDER BY alert_type");
        Assert.Equal(
            [["critical", "racing", "consecutive_failures"], ["critical", "racing", "success_rate"]],
            view.Select(v => v.Take(3).Cast<string>().ToArray()));
    }

    [Fact]
    public async Task OneBatchOfManyConnectorsGivesEachConnectorItsOwnAlertsAndCountsEachRunOnItsOwnAlerts()
    {
        await using var db = await AlertingDatabase.CreateAsync(postgres);
        var engine = db.Engine();
        List<RunCompleted> Failures(string connector, int count, int from) =>
            [.. Enumerable.Range(from, count).Select(i => db.Run(connector, false, TimeSpan.FromSeconds(100 - i)))];

        // One batch, interleaved: a fails 4 times, b 3 times, c only succeeds.
        var first = Failures("bulk_a", 4, 0).Concat(Failures("bulk_b", 3, 0)).Concat([db.Run("bulk_c", true), db.Run("bulk_c", true)])
            .OrderBy(_ => Random.Shared.Next()).ToList();
        var raised = await engine.ProcessRunsAsync(first, CancellationToken.None);
        // Then a fails twice more and b once more, in one batch again.
        await engine.ProcessRunsAsync([.. Failures("bulk_a", 2, 10), .. Failures("bulk_b", 1, 10)], CancellationToken.None);

        var alerts = (await db.RowsAsync("SELECT connector, rule, state, occurrences FROM alerting.alerts ORDER BY connector, rule"))
            .Select(r => ((string)r[0]!, (string)r[1]!, (string)r[2]!, (int)r[3]!)).ToList();
        Assert.Equal(
            [("bulk_a", RuleNames.ConsecutiveFailures, "firing", 6), ("bulk_b", RuleNames.ConsecutiveFailures, "firing", 4)],
            alerts);
        // Six and four runs are too few for the success-rate burn (SloMinRuns, 10) to judge.
        Assert.Equal(["bulk_a", "bulk_b"], raised.Raised.Select(r => r.Connector).Order());
        // Each occurrence points at its own connector's runs.
        var misplaced = await db.RowsAsync(
            """
            SELECT count(*) FROM alerting.occurrences o JOIN alerting.alerts a USING (alert_id)
            JOIN alerting.runs r ON o.source = 'run:' || r.run_id
            WHERE r.connector <> a.connector
            """);
        Assert.Equal(0L, (long)misplaced.Single()[0]!);
    }

    [Fact]
    public async Task AnAlertResolvesOnlyAfterItsConditionHeldClearAndFiringAgainOpensALinkedAlert()
    {
        await using var db = await AlertingDatabase.CreateAsync(postgres, new AlertingOptions { ResolveAfter = TimeSpan.FromMinutes(5) });
        var engine = db.Engine();
        await engine.ProcessRunsAsync([.. Enumerable.Range(0, 3).Select(i => db.Run("hyst", false, TimeSpan.FromSeconds(10 - i)))], CancellationToken.None);
        var first = (long)(await db.RowsAsync("SELECT alert_id FROM alerting.alerts WHERE rule = 'consecutive_failures'")).Single()[0]!;

        await engine.ProcessRunsAsync([db.Run("hyst", true)], CancellationToken.None);
        Assert.Equal("firing", await StateAsync(db, first));

        db.Time.Advance(TimeSpan.FromMinutes(4));
        await engine.EvaluateAllAsync(CancellationToken.None);
        Assert.Equal("firing", await StateAsync(db, first));

        db.Time.Advance(TimeSpan.FromMinutes(1.5));
        var changes = await engine.EvaluateAllAsync(CancellationToken.None);
        Assert.Equal("resolved", await StateAsync(db, first));
        Assert.Equal([first], changes.Resolved.Select(r => r.AlertId));

        await engine.ProcessRunsAsync([.. Enumerable.Range(0, 3).Select(i => db.Run("hyst", false, TimeSpan.FromSeconds(3 - i)))], CancellationToken.None);
        var reopened = (await db.RowsAsync("SELECT alert_id, previous_alert_id FROM alerting.alerts WHERE state = 'firing' AND rule = 'consecutive_failures'")).Single();
        Assert.NotEqual(first, (long)reopened[0]!);
        Assert.Equal(first, (long)reopened[1]!);
    }

    [Fact]
    public async Task AConnectorsThresholdsSetThroughTheApiApplyOverTheDefaults()
    {
        await using var db = await AlertingDatabase.CreateAsync(postgres);
        await new RuleOverridesStore(db.DataSource)
            .SetAsync("patient", new RuleOverrides { ConsecutiveFailures = 5, SloTarget = 0.5 }, "test", CancellationToken.None);
        var engine = db.Engine();

        await engine.ProcessRunsAsync([.. Enumerable.Range(0, 4).Select(i => db.Run("patient", false, TimeSpan.FromSeconds(10 - i)))], CancellationToken.None);
        await engine.ProcessRunsAsync([.. Enumerable.Range(0, 4).Select(i => db.Run("default", false, TimeSpan.FromSeconds(10 - i)))], CancellationToken.None);
        Assert.DoesNotContain(await db.RowsAsync("SELECT rule FROM alerting.alerts WHERE connector = 'patient'"), r => (string)r[0]! == RuleNames.ConsecutiveFailures);
        Assert.Contains(await db.RowsAsync("SELECT rule FROM alerting.alerts WHERE connector = 'default'"), r => (string)r[0]! == RuleNames.ConsecutiveFailures);

        await engine.ProcessRunsAsync([db.Run("patient", false)], CancellationToken.None);
        Assert.Contains(await db.RowsAsync("SELECT rule FROM alerting.alerts WHERE connector = 'patient'"), r => (string)r[0]! == RuleNames.ConsecutiveFailures);
    }

    [Fact]
    public async Task FreshnessFiresWhenNoRunArrivesAtAll()
    {
        await using var db = await AlertingDatabase.CreateAsync(postgres);
        var engine = db.Engine();
        await engine.ProcessRunsAsync([db.Run("quiet", true, interval: TimeSpan.FromMinutes(1))], CancellationToken.None);
        await engine.EvaluateAllAsync(CancellationToken.None);
        Assert.Empty(await db.RowsAsync("SELECT * FROM alerting.alerts"));

        db.Time.Advance(TimeSpan.FromMinutes(3.5));
        var changes = await engine.EvaluateAllAsync(CancellationToken.None);

        var raised = Assert.Single(changes.Raised);
        Assert.Equal((RuleNames.Freshness, "quiet"), (raised.Rule, raised.Connector));
        // Evaluated again: still one alert, still one occurrence (the same staleness).
        db.Time.Advance(TimeSpan.FromMinutes(1));
        await engine.EvaluateAllAsync(CancellationToken.None);
        Assert.Equal([[1]], (await db.RowsAsync("SELECT occurrences FROM alerting.alerts")).Select(r => r.ToArray()));

        // A successful run clears it; it resolves once clear for ResolveAfter.
        await engine.ProcessRunsAsync([db.Run("quiet", true, interval: TimeSpan.FromMinutes(1))], CancellationToken.None);
        db.Time.Advance(db.Options.CurrentValue.ResolveAfter + TimeSpan.FromSeconds(1));
        await engine.ProcessRunsAsync([db.Run("quiet", true, interval: TimeSpan.FromMinutes(1))], CancellationToken.None);
        Assert.Equal("resolved", await StateAsync(db, (long)raised.AlertId));
    }

    [Fact]
    public async Task DriftEventsBecomeAlertsBySeverityAndARedeliveredEventAddsNothing()
    {
        await using var db = await AlertingDatabase.CreateAsync(postgres);
        var engine = db.Engine();
        var breaking = Drift(1, "orders", breaking: true, new SchemaChange("$.value", SchemaChangeKind.FieldRemoved, "integer", null, true));
        var additive = Drift(2, "orders", breaking: false, new SchemaChange("$.note", SchemaChangeKind.FieldAdded, null, "string", false));
        var again = Drift(3, "orders", breaking: true, new SchemaChange("$.value", SchemaChangeKind.FieldRemoved, "integer", null, true));

        await engine.ProcessDriftAsync([breaking, additive], CancellationToken.None);
        await engine.ProcessDriftAsync([breaking, again], CancellationToken.None);

        var alerts = await db.RowsAsync("SELECT severity, occurrences, recommended_action FROM alerting.alerts ORDER BY alert_id");
        Assert.Equal(["critical", "info"], alerts.Select(a => (string)a[0]!));
        Assert.Equal([2, 1], alerts.Select(a => (int)a[1]!));
        Assert.All(alerts, a => Assert.Contains("Update mapping/contract", (string)a[2]!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnOlderDriftArrivingAfterANewerOneOfTheSamePathsIsCountedButLeavesTheAlertSayingWhatTheNewerSays()
    {
        var removed = Drift(1, "orders", breaking: true, new SchemaChange("$.value", SchemaChangeKind.FieldRemoved, "integer", null, true))
            with { FinishedAt = DateTimeOffset.UtcNow.AddMinutes(-10) };
        var back = Drift(2, "orders", breaking: false, new SchemaChange("$.value", SchemaChangeKind.FieldAdded, null, "integer", false))
            with { FinishedAt = DateTimeOffset.UtcNow.AddMinutes(-5), FromVersion = 2, ToVersion = 3 };
        const string Alert = "SELECT severity, message, details::text, occurrences, first_seen, last_seen FROM alerting.alerts";

        await using var inOrder = await AlertingDatabase.CreateAsync(postgres);
        await inOrder.Engine().ProcessDriftAsync([removed], CancellationToken.None);
        await inOrder.Engine().ProcessDriftAsync([back], CancellationToken.None);
        await using var newerFirst = await AlertingDatabase.CreateAsync(postgres);
        await newerFirst.Engine().ProcessDriftAsync([back], CancellationToken.None);
        await newerFirst.Engine().ProcessDriftAsync([removed], CancellationToken.None);

        var expected = Assert.Single(await inOrder.RowsAsync(Alert));
        Assert.Equal(["info", 2], new[] { expected[0], expected[3] });
        Assert.Equal(expected, Assert.Single(await newerFirst.RowsAsync(Alert)));
    }

    private static SchemaDriftDetected Drift(long id, string connector, bool breaking, params SchemaChange[] changes) => new()
    {
        EventId = id,
        Connector = connector,
        RunId = Guid.NewGuid(),
        FinishedAt = DateTimeOffset.UtcNow,
        FromVersion = 1,
        ToVersion = 2,
        Kind = DriftKind.NewVersion,
        Changes = changes,
        Compatibility = CompatibilityMode.Backward,
        Breaking = breaking,
        Action = DriftAction.Alerted,
        DetectedAt = DateTimeOffset.UtcNow,
    };

    private static async Task<string> StateAsync(AlertingDatabase db, long alertId) =>
        (string)(await db.RowsAsync("SELECT state FROM alerting.alerts WHERE alert_id = $1", alertId)).Single()[0]!;
}
