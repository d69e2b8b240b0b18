using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics.Ingest;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHealth.IntegrationTests.Metrics;

// Runs reported as OpenLineage events: running runs, their lineage, parents, aborted runs, dataset volumes, lateness.
[Collection(PostgresCollection.Name)]
public sealed class OpenLineageRunTests(PostgresServer postgres)
{
    private static readonly DateTimeOffset Now = new(2026, 5, 20, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ARunningRunIsListedAsRunningUntilItsCompletionArrivesOnTheBus()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        await using var provider = new ServiceCollection()
            .AddSingleton(db.Writer)
            .AddSingleton(db.Running)
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddSingleton<BatchIsolation>()
            .AddMassTransitTestHarness(bus =>
            {
                bus.AddConsumer<RunCompletedConsumer, BatchConsumerDefinition<RunCompletedConsumer>>();
                bus.AddConsumer<RunInProgressConsumer, BatchConsumerDefinition<RunInProgressConsumer>>();
            })
            .BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        await using var api = db.App();

        var startedAt = Now.AddMinutes(-10);
        var run = TestRuns.Reported(
            TestRuns.Lineage("airflow", "orders_dag.load", outputs: [TestRuns.Dataset("postgres://db:5432", "sales.orders", rows: 1200, bytes: 64_000)]),
            startedAt, latencyMs: 9 * 60_000);
        await harness.Bus.Publish(TestRuns.Progress(run, startedAt.AddSeconds(1)));
        await harness.Bus.Publish(TestRuns.Progress(run, startedAt.AddMinutes(5), events: 3));

        var running = await Poll.UntilAsync(
            () => RunOrNothingAsync(api.Client, run.RunId),
            r => r.ValueKind == JsonValueKind.Object && r.GetProperty("updatedAt").ValueKind != JsonValueKind.Null
                 && r.GetProperty("updatedAt").GetDateTimeOffset() == startedAt.AddMinutes(5),
            _ => "the run's newest progress", TimeSpan.FromSeconds(30));
        Assert.Equal("running", running.GetProperty("status").GetString());
        Assert.Equal(startedAt, running.GetProperty("startedAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, running.GetProperty("finishedAt").ValueKind);
        Assert.Equal(5 * 60_000, running.GetProperty("latencyMs").GetDouble());
        Assert.Equal("running", running.GetProperty("lineage").GetProperty("lastEventType").GetString());
        Assert.Equal("sales.orders", running.GetProperty("lineage").GetProperty("outputs")[0].GetProperty("name").GetString());
        var listed = await api.Client.GetFromJsonAsync<JsonElement>("/api/runs?status=running");
        Assert.Equal([run.RunId], listed.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("runId").GetGuid()));
        // Without a status filter the list holds finished and running runs alike.
        var all = await api.Client.GetFromJsonAsync<JsonElement>("/api/runs");
        Assert.Equal("running", all.GetProperty("items")[0].GetProperty("status").GetString());

        await harness.Bus.Publish(run);
        var finished = await Poll.UntilAsync(
            () => api.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{run.RunId}"),
            r => r.GetProperty("status").GetString() == "succeeded",
            _ => "the run to be finished", TimeSpan.FromSeconds(30));
        Assert.Equal(run.FinishedAt, finished.GetProperty("finishedAt").GetDateTimeOffset());
        Assert.Equal("complete", finished.GetProperty("lineage").GetProperty("lastEventType").GetString());
        Assert.Empty((await api.Client.GetFromJsonAsync<JsonElement>("/api/runs?status=running")).GetProperty("items").EnumerateArray());
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM metrics.runs_in_progress"));
        // A redelivered progress, after the completion: ignored.
        await harness.Bus.Publish(TestRuns.Progress(run, startedAt.AddMinutes(8), events: 4));
        await harness.InactivityTask;
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM metrics.runs_in_progress"));
        Assert.Equal("succeeded", (await api.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{run.RunId}")).GetProperty("status").GetString());
        Assert.False(await harness.Published.Any<Fault<RunInProgress>>());
    }

    // The run as GET /api/runs/{runId} answers it; an undefined element while it is not found.
    private static async Task<JsonElement> RunOrNothingAsync(HttpClient client, Guid runId)
    {
        using var response = await client.GetAsync($"/api/runs/{runId}");
        return response.StatusCode == HttpStatusCode.NotFound ? default : await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task ProgressAndCompletionsInAnyOrderFromParallelWritersLeaveOnlyTheUnfinishedRunsRunning()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var generator = new TestRuns(5);
        var runs = Enumerable.Range(0, 300).Select(i => TestRuns.Reported(
            TestRuns.Lineage("airflow", $"dag_{i % 7}.task_{i % 13}"), Now.AddMinutes(-600 + i), latencyMs: 120_000)).ToList();
        var unfinished = runs.Where((_, i) => i % 5 == 0).ToHashSet();
        // Every run's progress twice (three updates each), every finished run's completion twice, shuffled.
        var deliveries = generator.Shuffle(runs
            .SelectMany(r => Enumerable.Range(1, 3).Select(n => (object)TestRuns.Progress(r, r.StartedAt.AddSeconds(n * 10), events: n)))
            .Concat(runs.Where(r => !unfinished.Contains(r)).Select(r => (object)r))
            .SelectMany(m => new[] { m, m }));
        var queue = new System.Collections.Concurrent.ConcurrentQueue<List<object>>(generator.Batches(deliveries, 40));
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var batch))
            {
                await db.StoreAsync([.. batch.OfType<RunCompleted>()]);
                await db.ProgressAsync([.. batch.OfType<RunInProgress>()]);
            }
        })));

        var stillRunning = await db.RowsAsync("SELECT run_id, events, updated_at FROM metrics.runs_in_progress");
        Assert.Equal(unfinished.Select(r => r.RunId).Order(), stillRunning.Select(r => (Guid)r[0]!).Order());
        // Each holds its newest progress, whatever order the copies came in.
        Assert.All(stillRunning, r => Assert.Equal(3, (int)r[1]!));
        Assert.Equal(runs.Count - unfinished.Count, await db.CountAsync("SELECT count(*) FROM metrics.runs"));
        await using var api = db.App();
        var page = await api.Client.GetFromJsonAsync<JsonElement>("/api/runs?status=running&limit=500");
        Assert.Equal(unfinished.Count, page.GetProperty("items").GetArrayLength());
        Assert.All(page.GetProperty("items").EnumerateArray(), i => Assert.Equal(JsonValueKind.Null, i.GetProperty("finishedAt").ValueKind));
    }

    [Fact]
    public async Task TheRunListFiltersTheChildrenOfARunAndTheRunsFromOpenLineage()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var dag = TestRuns.Reported(TestRuns.Lineage("airflow", "orders_dag") with { JobType = "DAG" }, Now.AddHours(-2), latencyMs: 3_600_000);
        var tasks = Enumerable.Range(0, 4).Select(i => TestRuns.Reported(
            TestRuns.Lineage("airflow", $"orders_dag.task_{i}", parent: dag), Now.AddHours(-2).AddMinutes(i * 5))).ToList();
        var other = TestRuns.Reported(TestRuns.Lineage("airflow", "other_dag.task", parent: TestRuns.Reported(TestRuns.Lineage("airflow", "other_dag"), Now.AddHours(-3))), Now.AddHours(-1));
        var plain = TestRuns.Run("crm", Now.AddMinutes(-30));
        var runningChild = TestRuns.Reported(TestRuns.Lineage("airflow", "orders_dag.task_9", parent: dag), Now.AddMinutes(-20));
        await db.StoreAsync([dag, .. tasks, other, plain]);
        await db.ProgressAsync(TestRuns.Progress(runningChild, Now.AddMinutes(-19)));
        await using var api = db.App();

        var children = await api.Client.GetFromJsonAsync<JsonElement>($"/api/runs?parent={dag.RunId}");
        Assert.Equal(tasks.Append(runningChild).OrderByDescending(t => t.StartedAt).Select(t => t.RunId),
            children.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("runId").GetGuid()));
        var first = children.GetProperty("items")[1].GetProperty("lineage");
        Assert.Equal(dag.RunId, first.GetProperty("parent").GetProperty("runId").GetGuid());
        Assert.Equal("airflow.orders_dag", first.GetProperty("parent").GetProperty("connector").GetString());
        Assert.Equal("AIRFLOW", first.GetProperty("integration").GetString());
        Assert.Equal("TASK", first.GetProperty("jobType").GetString());
        Assert.Equal("batch", first.GetProperty("processingType").GetString());

        var finishedChildren = await api.Client.GetFromJsonAsync<JsonElement>($"/api/runs?parent={dag.RunId}&status=succeeded&limit=2");
        Assert.Equal(2, finishedChildren.GetProperty("items").GetArrayLength());
        Assert.NotEqual(JsonValueKind.Null, finishedChildren.GetProperty("cursor").ValueKind);

        var reported = await api.Client.GetFromJsonAsync<JsonElement>("/api/runs?origin=openlineage&limit=500");
        Assert.Equal(7, reported.GetProperty("items").GetArrayLength());
        Assert.DoesNotContain(plain.RunId, reported.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("runId").GetGuid()));
        var plainRun = await api.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{plain.RunId}");
        Assert.Equal(JsonValueKind.Null, plainRun.GetProperty("lineage").ValueKind);

        Assert.Equal(HttpStatusCode.BadRequest, (await api.Client.GetAsync("/api/runs?parent=not-a-run")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.Client.GetAsync("/api/runs?origin=somewhere")).StatusCode);
    }

    [Fact]
    public async Task AbortedRunsCountInTheDaysRunsButNeitherAsSucceededNorAsFailed()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var day = new DateTimeOffset(2026, 5, 19, 8, 0, 0, TimeSpan.Zero);
        var job = TestRuns.Lineage("dbt", "analytics.orders");
        await db.StoreAsync(
            TestRuns.Reported(job, day),
            TestRuns.Reported(job with { LastEventType = LineageEventType.Fail }, day.AddHours(1)),
            TestRuns.Reported(job with { LastEventType = LineageEventType.Abort }, day.AddHours(2)),
            TestRuns.Reported(job with { LastEventType = LineageEventType.Abort }, day.AddHours(3)));
        var connector = LineageNames.Connector("dbt", "analytics.orders");
        await using var api = db.App();

        var kpi = (await api.Client.GetFromJsonAsync<JsonElement>($"/api/kpis/daily?connector={connector}&from=2026-05-19&to=2026-05-19")).GetProperty("items")[0];
        Assert.Equal(4, kpi.GetProperty("runs").GetInt32());
        Assert.Equal(2, kpi.GetProperty("aborted").GetInt32());
        Assert.Equal(0.25, kpi.GetProperty("successRate").GetDouble());
        var total = (await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/daily/totals?from=2026-05-19&to=2026-05-19")).GetProperty("items")[0];
        Assert.Equal(4, total.GetProperty("runs").GetInt64());
        Assert.Equal(1, total.GetProperty("succeeded").GetInt64());
        Assert.Equal(2, total.GetProperty("aborted").GetInt64());
        var reasons = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/failure-reasons?from=2026-05-19&to=2026-05-19");
        Assert.Equal(1, reasons.GetProperty("totalFailures").GetInt64());
        var aborted = await api.Client.GetFromJsonAsync<JsonElement>("/api/runs?status=aborted");
        Assert.Equal(2, aborted.GetProperty("items").GetArrayLength());

        // The board: the last run was aborted, which neither breaks nor extends the failure streak, and the success rate
        // is over the runs that ended either way (1 of 2).
        var board = await db.StatusBoardAsync(day.AddHours(4));
        var line = Assert.Single(board);
        Assert.Equal("aborted", line.LastRunStatus);
        Assert.Equal(1, line.FailureStreak);
        Assert.Equal(0.5, line.SuccessRate24h);

        // The first version's views: an aborted run is not a success (its status reads failed there), and not a failure reason.
        var seed = await db.RowsAsync("SELECT status, count(*) FROM raw.connector_runs GROUP BY 1 ORDER BY 1");
        Assert.Equal([("failed", 3L), ("success", 1L)], seed.Select(r => ((string)r[0]!, (long)r[1]!)));
        var mart = await db.RowsAsync("SELECT total_runs, success_rate FROM mart.connector_health_daily");
        Assert.Equal((4L, 0.25), ((long)mart[0][0]!, (double)mart[0][1]!));
        Assert.Equal(1L, await db.CountAsync("SELECT sum(failures) FROM mart.top_failure_reasons"));
    }

    [Fact]
    public async Task DatasetRowsArePerRunPerDayAndPerWriterJob()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var today = new DateTimeOffset(Now.UtcDateTime.Date, TimeSpan.Zero);
        LineageDataset Orders(long? rows) => TestRuns.Dataset("postgres://db:5432", "sales.orders", rows, rows * 10);
        var loader = TestRuns.Lineage("airflow", "orders_dag.load");
        var fixer = TestRuns.Lineage("airflow", "orders_dag.fix");
        var runs = new[]
        {
            TestRuns.Reported(loader with { Outputs = [Orders(100)] }, today.AddDays(-1).AddHours(1)),
            TestRuns.Reported(loader with { Outputs = [Orders(300), TestRuns.Dataset("s3://lake", "orders/raw", 5)] }, today.AddDays(-1).AddHours(5)),
            TestRuns.Reported(fixer with { Outputs = [Orders(null)] }, today.AddDays(-1).AddHours(7)),
            TestRuns.Reported(loader with { Outputs = [Orders(50)], Inputs = [TestRuns.Dataset("s3://lake", "orders/raw", 5)] }, today.AddHours(1)),
            TestRuns.Reported(fixer with { Outputs = [Orders(7)] }, today.AddHours(2)),
        };
        // Out of order, one twice.
        await db.StoreAsync(runs[4], runs[1]);
        await db.StoreAsync(runs[0], runs[3], runs[2], runs[1]);
        await using var api = db.App();
        var ordersKey = LineageNames.Dataset("postgres://db:5432", "sales.orders");

        var list = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/datasets");
        var orders = list.GetProperty("items").EnumerateArray().Single(d => d.GetProperty("key").GetString() == ordersKey);
        Assert.Equal("sales.orders", orders.GetProperty("name").GetString());
        Assert.Equal(7, orders.GetProperty("lastRunRows").GetInt64());
        Assert.Equal(runs[4].RunId, orders.GetProperty("lastRunId").GetGuid());
        Assert.Equal(runs[4].Connector, orders.GetProperty("lastWriter").GetString());
        Assert.Equal(57, orders.GetProperty("rowsToday").GetInt64());
        Assert.Equal(400, orders.GetProperty("rowsYesterday").GetInt64());
        Assert.Equal(2, list.GetProperty("items").GetArrayLength());

        var daily = await api.Client.GetFromJsonAsync<JsonElement>($"/api/kpis/datasets/{ordersKey}/daily?from={today.AddDays(-1):yyyy-MM-dd}&to={today:yyyy-MM-dd}");
        var yesterday = daily.GetProperty("items")[1];
        Assert.Equal(3, yesterday.GetProperty("runs").GetInt32());
        Assert.Equal(2, yesterday.GetProperty("countedRuns").GetInt32());
        Assert.Equal(400, yesterday.GetProperty("rows").GetInt64());
        Assert.Equal(100, yesterday.GetProperty("minRowsPerRun").GetInt64());
        Assert.Equal(200, yesterday.GetProperty("meanRowsPerRun").GetDouble());
        Assert.Equal(300, yesterday.GetProperty("maxRowsPerRun").GetInt64());
        Assert.Equal(2, yesterday.GetProperty("writers").GetArrayLength());
        Assert.Equal(57, daily.GetProperty("items")[0].GetProperty("rows").GetInt64());

        var job = await api.Client.GetFromJsonAsync<JsonElement>($"/api/kpis/jobs/{runs[0].Connector}/rows?from={today.AddDays(-1):yyyy-MM-dd}&to={today:yyyy-MM-dd}");
        Assert.Equal([50L, 405L], job.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("rows").GetInt64()));

        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync("/api/kpis/datasets/nowhere~nothing/daily")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.Client.GetAsync("/api/kpis/datasets/not-a-key/daily")).StatusCode);
    }

    [Fact]
    public async Task LatenessIsTheFinishAfterTheNominalTimeAveragedAndMaximisedPerConnectorAndDay()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var slot = new DateTimeOffset(2026, 5, 19, 6, 0, 0, TimeSpan.Zero);
        var job = TestRuns.Lineage("airflow", "daily_dag.report");
        // Finished 10 min after its nominal end; 40 min after its nominal start (no end); 5 min early; no nominal time.
        await db.StoreAsync(
            TestRuns.Reported(job with { NominalStartTime = slot, NominalEndTime = slot.AddHours(1) }, slot.AddMinutes(20), latencyMs: 50 * 60_000),
            TestRuns.Reported(job with { NominalStartTime = slot.AddHours(2) }, slot.AddHours(2).AddMinutes(10), latencyMs: 30 * 60_000),
            TestRuns.Reported(job with { NominalStartTime = slot.AddHours(4), NominalEndTime = slot.AddHours(5) }, slot.AddHours(4), latencyMs: 55 * 60_000),
            TestRuns.Reported(job, slot.AddHours(6)));
        await using var api = db.App();

        var kpi = (await api.Client.GetFromJsonAsync<JsonElement>($"/api/kpis/daily?connector={LineageNames.Connector("airflow", "daily_dag.report")}&from=2026-05-19&to=2026-05-19"))
            .GetProperty("items")[0];
        Assert.Equal(4, kpi.GetProperty("runs").GetInt32());
        Assert.Equal((10 + 40 - 5) / 3.0 * 60_000, kpi.GetProperty("meanLatenessMs").GetDouble(), 0.1);
        Assert.Equal(40 * 60_000, kpi.GetProperty("maxLatenessMs").GetDouble());
        var plain = TestRuns.Run("crm", slot);
        await db.StoreAsync(plain);
        var crm = (await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/daily?connector=crm&from=2026-05-19&to=2026-05-19")).GetProperty("items")[0];
        Assert.Equal(JsonValueKind.Null, crm.GetProperty("meanLatenessMs").ValueKind);
        var detail = await api.Client.GetFromJsonAsync<JsonElement>("/api/runs?origin=openlineage&limit=1");
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("items")[0].GetProperty("lineage").GetProperty("nominalStartTime").ValueKind);
    }

    [Fact]
    public async Task TheLineageGraphGivesAJobsAndADatasetsNeighboursWithEachJobsState()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        // extract reads the source and writes raw; transform reads raw and writes clean; report and export read clean;
        // a streaming job, only ever running, reads the source too.
        var source = TestRuns.Dataset("s3://vendor", "orders.csv");
        var raw = TestRuns.Dataset("postgres://db:5432", "staging.orders", 100);
        var clean = TestRuns.Dataset("postgres://db:5432", "mart.orders", 90);
        var extract = TestRuns.Reported(TestRuns.Lineage("airflow", "orders.extract", inputs: [source], outputs: [raw]), Now.AddHours(-3));
        var transform = TestRuns.Reported(TestRuns.Lineage("dbt", "orders.transform", inputs: [raw], outputs: [clean]), Now.AddHours(-2));
        var failedTransform = TestRuns.Reported(TestRuns.Lineage("dbt", "orders.transform", inputs: [raw], outputs: [clean], lastEvent: LineageEventType.Fail), Now.AddHours(-1));
        var report = TestRuns.Reported(TestRuns.Lineage("airflow", "orders.report", inputs: [clean]), Now.AddMinutes(-50));
        var export = TestRuns.Reported(TestRuns.Lineage("airflow", "orders.export", inputs: [clean]), Now.AddMinutes(-40));
        var stream = TestRuns.Reported(TestRuns.Lineage("flink", "orders.stream", inputs: [source]) with { ProcessingType = "streaming" }, Now.AddHours(-5));
        await db.StoreAsync(report, transform, failedTransform);
        await db.StoreAsync(export, extract);
        await db.ProgressAsync(TestRuns.Progress(stream, Now.AddMinutes(-1), events: 40));
        await using var api = db.App();

        var around = await api.Client.GetFromJsonAsync<JsonElement>($"/api/lineage/{transform.Connector}");
        Assert.Equal("job", around.GetProperty("centerKind").GetString());
        var jobs = around.GetProperty("jobs").EnumerateArray().ToDictionary(j => j.GetProperty("connector").GetString()!);
        Assert.Equal(new[] { transform.Connector, extract.Connector, export.Connector, report.Connector }.Order(StringComparer.Ordinal),
            jobs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("upstream", jobs[extract.Connector].GetProperty("side").GetString());
        Assert.Equal("downstream", jobs[report.Connector].GetProperty("side").GetString());
        Assert.Equal(1, jobs[report.Connector].GetProperty("distance").GetInt32());
        // Its last run failed: degraded on the board, and so in the graph.
        Assert.Equal("failed", jobs[transform.Connector].GetProperty("lastRunStatus").GetString());
        Assert.Equal("degraded", jobs[transform.Connector].GetProperty("state").GetString());
        Assert.Equal("healthy", jobs[extract.Connector].GetProperty("state").GetString());
        var datasets = around.GetProperty("datasets").EnumerateArray().Select(d => (d.GetProperty("key").GetString(), d.GetProperty("side").GetString())).ToList();
        Assert.Equal([(clean.Key, "downstream"), (raw.Key, "upstream")], datasets.OrderBy(d => d.Item2, StringComparer.Ordinal));
        // transform reads raw and writes clean; extract writes raw; report and export read clean.
        Assert.Equal(5, around.GetProperty("edges").GetArrayLength());
        var transformWrites = around.GetProperty("edges").EnumerateArray()
            .Single(e => e.GetProperty("job").GetString() == transform.Connector && e.GetProperty("direction").GetString() == "writes");
        Assert.Equal(failedTransform.RunId, transformWrites.GetProperty("lastRunId").GetGuid());
        Assert.Equal(failedTransform.FinishedAt, transformWrites.GetProperty("lastSeenAt").GetDateTimeOffset());

        // Two hops upstream reach what extract reads; from the source's side, extract and the stream read it.
        var twoHops = await api.Client.GetFromJsonAsync<JsonElement>($"/api/lineage/{transform.Connector}?hops=2");
        Assert.Contains(twoHops.GetProperty("datasets").EnumerateArray(), d => d.GetProperty("key").GetString() == source.Key && d.GetProperty("distance").GetInt32() == 2);
        var ofSource = await api.Client.GetFromJsonAsync<JsonElement>($"/api/lineage/datasets/{source.Key}");
        Assert.Equal("dataset", ofSource.GetProperty("centerKind").GetString());
        var readers = ofSource.GetProperty("jobs").EnumerateArray().ToDictionary(j => j.GetProperty("connector").GetString()!);
        Assert.Equal([extract.Connector, stream.Connector], readers.Keys.Order(StringComparer.Ordinal));
        Assert.All(readers.Values, j => Assert.Equal("downstream", j.GetProperty("side").GetString()));
        // The streaming job has no finished run: no state on the board.
        Assert.Equal(JsonValueKind.Null, readers[stream.Connector].GetProperty("state").ValueKind);

        var ofClean = await api.Client.GetFromJsonAsync<JsonElement>($"/api/lineage/datasets/{clean.Key}?hops=2");
        var cleanJobs = ofClean.GetProperty("jobs").EnumerateArray().ToDictionary(j => j.GetProperty("connector").GetString()!, j => j.GetProperty("side").GetString());
        Assert.Equal("upstream", cleanJobs[transform.Connector]);
        Assert.Equal("upstream", cleanJobs[extract.Connector]);
        Assert.Equal("downstream", cleanJobs[report.Connector]);

        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync("/api/lineage/nobody.at_all")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync("/api/lineage/datasets/nowhere~nothing")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.Client.GetAsync($"/api/lineage/{transform.Connector}?hops=3")).StatusCode);
    }
}
