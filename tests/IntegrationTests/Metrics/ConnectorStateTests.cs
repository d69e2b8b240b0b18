using System.Net.Http.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Ingest;
using ConnectorHealth.Metrics.Rollups;

namespace ConnectorHealth.IntegrationTests.Metrics;

[Collection(PostgresCollection.Name)]
public sealed class ConnectorStateTests(PostgresServer postgres)
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);

    private const string StateSql =
        """
        SELECT connector, first_run_at, last_run_id, last_run_at, last_run_status, last_run_finished_at, last_success_at,
               last_failure_at, failure_streak, expected_interval
        FROM metrics.connector_state ORDER BY connector
        """;

    [Fact]
    public async Task ConnectorStateIsTheSameWhateverOrderRunsArriveIn()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var generator = new TestRuns(11);
        var runs = new List<RunCompleted>();
        // Per connector a history ending in a different way: success, a short or long failure streak, only failures.
        foreach (var (connector, tail, onlyFailures) in new[] { ("a", 0, false), ("b", 2, false), ("c", 7, false), ("d", 5, true), ("e", 1, false) })
        {
            var at = Now.AddHours(-30);
            for (var i = 0; i < 200; i++, at = at.AddMinutes(5 + generator.Random.Next(3)))
            {
                var failed = onlyFailures || i >= 200 - tail || (i < 200 - tail - 1 && generator.Random.NextDouble() < 0.3);
                runs.Add(TestRuns.Run(connector, at, failed ? RunStatus.Failed : RunStatus.Succeeded,
                    expectedInterval: i % 10 == 9 ? null : FiveMinutes * (1 + i / 100)));
            }
        }

        var queue = new System.Collections.Concurrent.ConcurrentQueue<List<RunCompleted>>(generator.Batches(generator.Shuffle(runs), 40));
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var batch))
            {
                await db.Writer.StoreAsync([.. batch.Select(r => new IncomingRun(r, null))], CancellationToken.None);
            }
        })));

        var incremental = await db.RowsAsync(StateSql);
        foreach (var state in incremental)
        {
            var history = runs.Where(r => r.Connector == (string)state[0]!).OrderBy(r => r.StartedAt).ToList();
            // What failing and stale are judged on is on the clock Alerting uses: when runs finished.
            var lastSuccess = history.Where(r => r.Status == RunStatus.Succeeded).Select(r => (DateTimeOffset?)r.FinishedAt).Max();
            Assert.Equal(history.Min(r => r.FinishedAt), MetricsDatabase.Instant(state[1]));
            Assert.Equal(history[^1].RunId, (Guid)state[2]!);
            Assert.Equal(history[^1].StartedAt, MetricsDatabase.Instant(state[3]));
            Assert.Equal(lastSuccess, MetricsDatabase.Instant(state[6]));
            Assert.Equal(history.Count(r => r.Status == RunStatus.Failed && r.FinishedAt > (lastSuccess ?? DateTimeOffset.MinValue)), (int)state[8]!);
            Assert.Equal(history.Last(r => r.ExpectedInterval is not null).ExpectedInterval, (TimeSpan?)state[9]);
        }
        Assert.Equal([0, 2, 7, 200, 1], incremental.Select(s => (int)s[8]!));

        await db.Rebuilder.RebuildConnectorStateAsync(CancellationToken.None);
        var rebuilt = await db.RowsAsync(StateSql);
        Assert.Equal(incremental.Select(r => string.Join('|', r)), rebuilt.Select(r => string.Join('|', r)));
    }

    [Fact]
    public async Task TheMigrationToFinishTimesRecomputesTheBoardsFactsLeftByStartTimesFromTheRawRuns()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var generator = new TestRuns(5);
        var runs = new List<RunCompleted>();
        foreach (var (connector, tail) in new[] { ("a", 0), ("b", 3), ("c", 1) })
        {
            var at = Now.AddHours(-10);
            for (var i = 0; i < 60; i++, at = at.AddMinutes(5))
            {
                var failed = i >= 60 - tail || (i < 60 - tail - 1 && generator.Random.NextDouble() < 0.3);
                // Latencies long enough that runs overlap: start order and finish order differ.
                runs.Add(TestRuns.Run(connector, at, failed ? RunStatus.Failed : RunStatus.Succeeded,
                    latencyMs: generator.Random.Next(1, 12) * 60_000, expectedInterval: FiveMinutes));
            }
        }
        foreach (var batch in generator.Batches(generator.Shuffle(runs), 25))
        {
            await db.StoreAsync([.. batch]);
        }
        var byFinishTime = await db.RowsAsync(StateSql);
        // The facts as the start-time rule left them.
        await db.RowsAsync(
            """
            UPDATE metrics.connector_state s SET
                first_run_at = (SELECT min(started_at) FROM metrics.runs r WHERE r.connector = s.connector),
                last_success_at = (SELECT max(started_at) FROM metrics.runs r WHERE r.connector = s.connector AND r.status = 'succeeded'),
                last_failure_at = (SELECT max(started_at) FROM metrics.runs r WHERE r.connector = s.connector AND r.status = 'failed'),
                failure_streak = (SELECT count(*) FROM metrics.runs r WHERE r.connector = s.connector AND r.status = 'failed'
                                    AND r.started_at > (SELECT max(started_at) FROM metrics.runs x WHERE x.connector = s.connector AND x.status = 'succeeded'))
            """);
        Assert.NotEqual(byFinishTime.Select(r => string.Join('|', r)), (await db.RowsAsync(StateSql)).Select(r => string.Join('|', r)));

        await db.RowsAsync(MetricsDatabase.MigrationScript("V2__rollups_by_ended_day.sql"));

        Assert.Equal(byFinishTime.Select(r => string.Join('|', r)), (await db.RowsAsync(StateSql)).Select(r => string.Join('|', r)));
    }

    [Fact]
    public async Task ALateRunChangesCountsButNotTheLastRun()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var newest = TestRuns.Run("a", Now.AddMinutes(-5), RunStatus.Failed);
        var late = TestRuns.Run("a", Now.AddMinutes(-20), RunStatus.Succeeded);
        var lateFailure = TestRuns.Run("a", Now.AddMinutes(-10), RunStatus.Failed);

        await db.StoreAsync(newest);
        await db.StoreAsync(late);
        await db.StoreAsync(lateFailure);

        var state = (await db.RowsAsync(StateSql)).Single();
        Assert.Equal(newest.RunId, (Guid)state[2]!);
        Assert.Equal("failed", state[4]);
        Assert.Equal(late.FinishedAt, MetricsDatabase.Instant(state[6]));
        Assert.Equal(2, (int)state[8]!);
        Assert.Equal(3, await db.CountAsync("SELECT total FROM metrics.rollup_daily"));
    }

    [Fact]
    public async Task TheStatusBoardJudgesEachConnectorAndSaysWhy()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var runs = new List<RunCompleted>();
        for (var i = 1; i <= 24; i++)
        {
            var at = Now - FiveMinutes * i;
            runs.Add(TestRuns.Run("healthy", at, latencyMs: 100 + i, expectedInterval: FiveMinutes));
            runs.Add(TestRuns.Run("failing", at, i <= 3 ? RunStatus.Failed : RunStatus.Succeeded, errorType: "AuthExpired", expectedInterval: FiveMinutes));
            runs.Add(TestRuns.Run("degraded", at, i % 4 == 0 ? RunStatus.Failed : RunStatus.Succeeded, expectedInterval: FiveMinutes));
            runs.Add(TestRuns.Run("throttled", at, rateLimited: i % 3 == 0, attempts: i % 3 == 0 ? 2 : 1, expectedInterval: FiveMinutes));
            // Last success 45 minutes ago, nothing since: more than 3 x 5 minutes.
            if (i >= 9)
            {
                runs.Add(TestRuns.Run("stale", at, expectedInterval: FiveMinutes));
            }
        }
        // An outside pipeline that reports now and then, without a schedule: never stale.
        runs.Add(TestRuns.Run("reported", Now.AddDays(-3)) with { Source = RunSource.Reported });
        await db.StoreAsync([.. runs]);

        var board = await db.StatusBoardAsync(Now);

        Assert.Equal(
            [("failing", "failing"), ("stale", "stale"), ("degraded", "degraded"), ("throttled", "degraded"), ("healthy", "healthy"), ("reported", "healthy")],
            board.Select(b => (b.Connector, b.State)));
        var failing = board.Single(b => b.Connector == "failing");
        Assert.Equal(3, failing.FailureStreak);
        Assert.Contains("the last 3 runs failed", failing.Reasons);
        Assert.Equal(0.75, board.Single(b => b.Connector == "degraded").SuccessRate24h);
        Assert.Equal(0.3333, board.Single(b => b.Connector == "throttled").RateLimitedRate24h);
        var healthy = board.Single(b => b.Connector == "healthy");
        Assert.Equal(24, healthy.Runs24h);
        Assert.Equal(Now - FiveMinutes, healthy.LastRunAt);
        Assert.Equal(FiveMinutes, healthy.ExpectedInterval);
        Assert.InRange(healthy.P95LatencyMs24h!.Value, 123 * (1 - HistogramSpec.RelativeErrorBound), 123 * (1 + HistogramSpec.RelativeErrorBound));
        Assert.Empty(healthy.Reasons);
        var reported = board.Single(b => b.Connector == "reported");
        Assert.Equal(0, reported.Runs24h);
        Assert.Null(reported.SuccessRate24h);
    }

    [Fact]
    public async Task AConnectorsOwnerAndTagsAreTheLatestStatedOnesAndTheBoardAndTheRunListFilterByThem()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        await db.StoreAsync(
            TestRuns.Run("billing", Now.AddMinutes(-30)) with { Owner = "team-old", Tags = ["pii"] },
            TestRuns.Run("billing", Now.AddMinutes(-20)) with { Owner = "team-billing", Tags = ["pii", "tier:1"] },
            TestRuns.Run("crm", Now.AddMinutes(-20)) with { Owner = "team-crm" },
            TestRuns.Run("unowned", Now.AddMinutes(-20)));
        // Later: a run that states nothing leaves them, and one that finished earlier, arriving late, does not take them back.
        await db.StoreAsync(
            TestRuns.Run("billing", Now.AddMinutes(-10)),
            TestRuns.Run("billing", Now.AddMinutes(-40)) with { Owner = "team-older", Tags = [] });

        var board = (await db.StatusBoardAsync(Now)).ToDictionary(s => s.Connector);
        Assert.Equal("team-billing", board["billing"].Owner);
        Assert.Equal(["pii", "tier:1"], board["billing"].Tags);
        Assert.Equal(("team-crm", 0), (board["crm"].Owner, board["crm"].Tags.Count));
        Assert.Null(board["unowned"].Owner);

        await using var app = db.App();
        var client = app.Client;
        var owned = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/kpis/connectors?owner=team-billing");
        Assert.Equal(["billing"], owned.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("connector").GetString()));
        var tagged = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/kpis/connectors?tag=tier:1");
        Assert.Equal(["billing"], tagged.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("connector").GetString()));
        var runs = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/runs?owner=team-crm");
        Assert.Equal(["crm"], runs.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("connector").GetString()).Distinct());
        using var refused = await client.GetAsync("/api/runs?tag=Not%20A%20Tag");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
    }
}
