using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.IntegrationTests.Metrics;

/// <summary>
/// Three replicas of the real Metrics service, given every run twice in a seeded shuffled order, store and answer exactly
/// what one replica given each run once, in time order, does: the same tables row by row, the same run list, status
/// board, daily KPIs, totals and failure reasons — also after late runs land on days every replica has cached.
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class MetricsReplicaOracleTests(RabbitMQServer rabbit, PostgresServer postgres)
{
    private const string Queue = "metrics-run-completed";
    private const string ProgressQueue = "metrics-run-in-progress";
    private static readonly string[] Connectors = ["crm", "billing", "ads", "hr", "erp"];

    // What is compared of each table of the metrics schema, and what is left out. Left out: when a replica received a
    // run (runs.received_at) and wrote a connector's state (connector_state.updated_at), which are the clock of arrival;
    // and how many batches moved a day's version (rollup_day_versions.version): a version only has to move when a day
    // changes, and how often it does depends on how runs were batched. Which days have a version is compared.
    private static readonly (string Table, string[] Ignored)[] Tables =
    [
        ("metrics.run_ids", []),
        ("metrics.runs", ["received_at"]),
        ("metrics.attempts", []),
        ("metrics.rollup_hourly", []),
        ("metrics.rollup_daily", []),
        ("metrics.rollup_daily_by_end", []),
        ("metrics.failures_daily", []),
        ("metrics.rollup_day_versions", ["version"]),
        ("metrics.connector_state", ["updated_at"]),
        ("metrics.connector_labels", []),
        ("metrics.runs_in_progress", ["received_at"]),
        ("metrics.dataset_writes_daily", []),
        ("metrics.datasets", []),
        ("metrics.lineage_edges", []),
    ];

    [Fact]
    public async Task ThreeReplicasGivenEveryRunTwiceShuffledStoreAndAnswerWhatOneReplicaGivenEachOnceDoes()
    {
        await using var setups = await OracleAndReplicas<MetricsOptions>.StartAsync(
            rabbit, postgres, "metrics", 3, ResourceNames.Metrics, Queue, _ => []);
        var (oracle, replicas) = (setups.Oracle, setups.Replicas);

        var now = DateTimeOffset.UtcNow;
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var generator = new TestRuns(19);
        var runs = generator.Many(480, Connectors, today.AddDays(-5), now.AddHours(-1));
        // A run that crosses midnight (counted on the day it ended), and two runs of one connector that started at the
        // same instant as its latest (the later by run id is its last run, whichever arrived last).
        runs.Add(TestRuns.Run("erp", today.AddDays(-1).AddSeconds(-2), latencyMs: 5_000, expectedInterval: TimeSpan.FromMinutes(5)));
        var tie = runs.Where(r => r.Connector == "hr").Max(r => r.StartedAt);
        runs.Add(TestRuns.Run("hr", tie, RunStatus.Failed, errorType: "TimeoutException", expectedInterval: TimeSpan.FromMinutes(5)));
        runs.Add(TestRuns.Run("hr", tie, latencyMs: 80, expectedInterval: TimeSpan.FromMinutes(5)));
        // Late: runs of days that are over, arriving after every replica cached those days' answers.
        var late = generator.Many(60, Connectors, today.AddDays(-4), today.AddDays(-1));
        runs = [.. runs.Select(r => Described(r, generator.Random, today))];
        late = [.. late.Select(r => Described(r, generator.Random, today))];
        Assert.True(runs.Concat(late).Count(r => r.Status == RunStatus.Failed) > 50 && runs.Concat(late).Count(r => r.RateLimited) > 20,
            "The runs hold failures and rate-limited runs.");
        Assert.True(runs.Concat(late).Count(r => r.Status == RunStatus.Aborted) > 10 && runs.Concat(late).Count(r => r.Lineage is not null) > 100,
            "The runs hold OpenLineage runs, aborted ones among them.");
        // Progress of some OpenLineage runs, each reported three times; of runs that never finish too.
        var unfinished = Enumerable.Range(0, 12).Select(i => TestRuns.Reported(
            OpenLineageJob(generator.Random, today, i % 3), now.AddHours(-3).AddMinutes(i * 7), runId: Guid.NewGuid())).ToList();
        var progress = runs.Where(r => r.Lineage is not null).Take(60).Concat(unfinished)
            .SelectMany(r => Enumerable.Range(1, 3).Select(n => TestRuns.Progress(r, r.StartedAt.AddSeconds(n), events: n)))
            .ToList();

        await PublishProgressAsync(oracle, replicas, progress, generator);
        await PublishAsync(oracle, replicas, runs, generator);
        await StoredAsync(oracle, replicas, runs.Count);
        // Every replica's answers of the days that are over are now cached (and the oracle's).
        var range = $"from={today.AddDays(-6):yyyy-MM-dd}&to={today:yyyy-MM-dd}";
        foreach (var host in oracle.Hosts.Concat(replicas.Hosts))
        {
            using var client = host.CreateClient();
            foreach (var path in KpiPaths(range))
            {
                (await client.GetAsync(path)).EnsureSuccessStatusCode();
            }
        }

        await PublishAsync(oracle, replicas, late, generator);
        await StoredAsync(oracle, replicas, runs.Count + late.Count);
        foreach (var setup in new[] { oracle, replicas })
        {
            await setup.DrainedAsync(ResourceNames.Metrics, ProgressQueue);
        }
        Assert.Equal(unfinished.Count, (long)(await DatabaseRows.ReadAsync(replicas.Database, "SELECT count(*) FROM metrics.runs_in_progress")).Single()[0]!);

        var compared = 0;
        foreach (var (table, ignored) in Tables)
        {
            compared += await OracleComparison.AssertSameTableAsync(oracle.Database, replicas.Database, table, ignored);
        }
        Assert.True(compared > 3 * (runs.Count + late.Count), $"Only {compared} rows compared.");
        // Every table of the schema is compared (a new one must say what of it is compared).
        var tables = await DatabaseRows.ReadAsync(oracle.Database,
            """
            SELECT 'metrics.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'metrics' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND c.relname <> 'schema_changelog' ORDER BY 1
            """);
        Assert.Equal(Tables.Select(t => t.Table).Order(StringComparer.Ordinal), tables.Select(t => (string)t[0]!));

        using var oracleClient = oracle.Hosts[0].CreateClient();
        var expectedRuns = await AllRunsAsync(oracleClient);
        Assert.Equal(runs.Count + late.Count + unfinished.Count, expectedRuns.Count);
        foreach (var (host, index) in replicas.Hosts.Select((h, i) => (h, i)))
        {
            using var client = host.CreateClient();
            var what = $"replica {index}";
            var actualRuns = await AllRunsAsync(client);
            Assert.Equal(expectedRuns.Count, actualRuns.Count);
            for (var i = 0; i < expectedRuns.Count; i++)
            {
                OracleComparison.AssertSameJson($"{what}: run list item {i}", expectedRuns[i], actualRuns[i]);
            }
            foreach (var path in KpiPaths(range))
            {
                OracleComparison.AssertSameJson($"{what}: {path}",
                    await oracleClient.GetFromJsonAsync<JsonElement>(path), await client.GetFromJsonAsync<JsonElement>(path));
            }
            await AssertSameBoardAsync(what, oracleClient, client);
        }
    }

    // The KPIs over all days with runs: per connector and day, the totals per day, the failure reasons.
    private static string[] KpiPaths(string range) =>
        [$"/api/kpis/daily?{range}", $"/api/kpis/daily/totals?{range}", $"/api/kpis/failure-reasons?{range}&limit=1000",
            "/api/kpis/datasets?limit=1000", $"/api/kpis/datasets/{LineageNames.Dataset("postgres://db:5432", "ads.table_0")}/daily?{range}",
            $"/api/kpis/jobs/ads/rows?{range}"];

    // The oracle gets each progress once, the replicas each twice, shuffled.
    private static async Task PublishProgressAsync(
        ServiceReplicas<MetricsOptions> oracle, ServiceReplicas<MetricsOptions> replicas, List<RunInProgress> progress, TestRuns generator)
    {
        foreach (var message in progress)
        {
            await PublishInItsTraceAsync(oracle.Bus, message);
        }
        foreach (var message in generator.Shuffle(progress.Concat(progress)))
        {
            await PublishInItsTraceAsync(replicas.Bus, message);
        }
    }

    // In the trace its run's id names, as ServiceReplicas publishes finished runs.
    private static async Task PublishInItsTraceAsync(MassTransit.IBus bus, RunInProgress run)
    {
        var trace = new System.Diagnostics.ActivityContext(System.Diagnostics.ActivityTraceId.CreateFromString(run.RunId.ToString("N")),
            System.Diagnostics.ActivitySpanId.CreateRandom(), System.Diagnostics.ActivityTraceFlags.Recorded);
        using var activity = Telemetry.ActivitySource.StartActivity($"run {run.Connector}", System.Diagnostics.ActivityKind.Producer, trace);
        await bus.Publish(run);
    }

    // An OpenLineage job of ads: it writes one of three datasets, mostly with a row count, and has a nominal time.
    private static RunLineage OpenLineageJob(Random random, DateTimeOffset today, int job)
    {
        var nominal = today.AddDays(-random.Next(6)).AddHours(random.Next(24));
        return TestRuns.Lineage("airflow", $"ads_dag.task_{job}",
            inputs: [TestRuns.Dataset("s3://lake", "ads/raw", random.Next(1_000))],
            // With a schema and assertions, which this service leaves unread.
            outputs: [TestRuns.Dataset("postgres://db:5432", $"ads.table_{random.Next(3)}", random.NextDouble() < 0.8 ? random.Next(100_000) : null, random.Next(1_000_000)) with
            {
                Schema = [new DatasetField("id", "bigint"), new DatasetField("payload", "struct", [new DatasetField("amount", "decimal")])],
                Assertions = [new QualityAssertion("not_null", true, "id")],
            }],
            nominalStart: nominal,
            nominalEnd: random.NextDouble() < 0.5 ? nominal.AddHours(1) : null,
            lastEvent: random.NextDouble() switch { < 0.15 => LineageEventType.Abort, < 0.3 => LineageEventType.Fail, _ => LineageEventType.Complete });
    }

    // Payload sizes (the service keeps the size, never the payload), and owners and tags: crm's changed two days ago; erp's
    // runs stated its tags until then and its owner since (each is what the latest run that stated it said).
    private static RunCompleted Described(RunCompleted run, Random random, DateTimeOffset today)
    {
        var bytes = random.Next(0, 3_000_000);
        run = run with { PayloadBytes = bytes, PayloadTruncated = bytes > 1_048_576 };
        var early = run.FinishedAt < today.AddDays(-2);
        if (run.Connector == "ads")
        {
            // As OpenLineage reports it: its job's connector stays ads here, so the board's connectors stay the same.
            var reported = TestRuns.Reported(OpenLineageJob(random, today, random.Next(3)), run.StartedAt, run.LatencyMs, run.RunId);
            return reported with { Connector = run.Connector, PayloadBytes = run.PayloadBytes, PayloadTruncated = run.PayloadTruncated, ExpectedInterval = run.ExpectedInterval };
        }
        return run.Connector switch
        {
            "crm" => early ? run with { Owner = "team-a", Tags = ["sales"] } : run with { Owner = "team-b", Tags = ["sales", "tier:1"] },
            "erp" => early ? run with { Tags = ["finance"] } : run with { Owner = "team-c" },
            _ => run,
        };
    }

    // The oracle gets each run once, in the order runs finished; the replicas every run twice, shuffled (seeded).
    private static async Task PublishAsync(
        ServiceReplicas<MetricsOptions> oracle, ServiceReplicas<MetricsOptions> replicas, List<RunCompleted> runs, TestRuns generator)
    {
        var twice = generator.Shuffle(runs.Concat(runs));
        await Task.WhenAll(
            Task.Run(async () =>
            {
                foreach (var run in runs.OrderBy(r => r.FinishedAt))
                {
                    await oracle.PublishInItsTraceAsync(run);
                }
            }),
            Task.Run(async () =>
            {
                foreach (var run in twice)
                {
                    await replicas.PublishInItsTraceAsync(run);
                }
            }));
    }

    private static async Task StoredAsync(ServiceReplicas<MetricsOptions> oracle, ServiceReplicas<MetricsOptions> replicas, int count)
    {
        foreach (var setup in new[] { oracle, replicas })
        {
            await Poll.UntilAsync(async () => await CountAsync(setup) == count, $"{count} runs stored", TimeSpan.FromSeconds(60));
            await setup.DrainedAsync(ResourceNames.Metrics, Queue);
        }
        Assert.Equal(count, await CountAsync(replicas));
    }

    private static async Task<long> CountAsync(ServiceReplicas<MetricsOptions> setup) =>
        (long)(await DatabaseRows.ReadAsync(setup.Database, "SELECT count(*) FROM metrics.run_ids")).Single()[0]!;

    // Every run, newest first, page by page.
    private static async Task<List<JsonElement>> AllRunsAsync(HttpClient client)
    {
        var runs = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"/api/runs?limit=500{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            runs.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("cursor").GetString();
        }
        while (cursor is not null);
        return runs;
    }

    // The board is judged at the moment it is asked: its 24 h figures come from the hourly rollups of the hours before,
    // so both answers must be of the same hour (asked again if an hour turned in between); the moment itself differs.
    private static async Task AssertSameBoardAsync(string what, HttpClient oracle, HttpClient replica)
    {
        var (expected, actual) = await Poll.UntilAsync(
            async () => (await oracle.GetFromJsonAsync<JsonElement>("/api/kpis/connectors"), await replica.GetFromJsonAsync<JsonElement>("/api/kpis/connectors")),
            boards => Hour(boards.Item1) == Hour(boards.Item2),
            _ => "two boards of the same hour");
        Assert.Equal(Connectors.Order(StringComparer.Ordinal), expected.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("connector").GetString()).Order(StringComparer.Ordinal));
        OracleComparison.AssertSameJson($"{what}: the status board", expected.GetProperty("items"), actual.GetProperty("items"));
    }

    private static DateTime Hour(JsonElement board)
    {
        var asOf = board.GetProperty("asOf").GetDateTimeOffset().UtcDateTime;
        return asOf.Date.AddHours(asOf.Hour);
    }
}
