using System.Net;
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
/// The real Alerting service on real RabbitMQ and PostgreSQL, given OpenLineage runs (RunCompleted with lineage, and
/// RunInProgress) through the broker, every message twice: quality, volume and stuck_run alerts, aborted runs, and a
/// dataset's schema drift, read through its REST API.
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class LineageAlertsTests(RabbitMQServer rabbit, PostgresServer postgres) : IAsyncLifetime
{
    private const string Producer = "https://github.com/OpenLineage/OpenLineage/tree/1.30.0/integration/airflow";
    private const string Warehouse = "postgres://warehouse:5432";

    private ServiceHost<AlertingOptions> _service = null!;
    private HttpClient _client = null!;
    private IBus _bus = null!;

    public async Task InitializeAsync()
    {
        var database = await postgres.CreateDatabaseConnectionStringAsync("alerting_lineage");
        _service = new ServiceHost<AlertingOptions>(database, rabbit.Uri,
            ("Alerting:EvaluationInterval", "00:00:00.200"),
            ("Alerting:Rules:StuckRunFloor", "00:00:01"),
            ("Alerting:Rules:StuckRunDefaultLimit", "00:01:00"),
            ("Alerting:Rules:StreamingSilenceFloor", "00:00:01"),
            ("Alerting:Rules:StreamingSilenceDefaultLimit", "00:01:00"));
        _client = _service.CreateClient();
        _bus = _service.Services.GetRequiredService<IBus>();
        await Poll.UntilAsync(async () =>
        {
            var state = await _client.GetFromJsonAsync<JsonElement>($"/api/system/{ResourceNames.Alerting}");
            return state.GetProperty("queues").EnumerateArray().Count(q => q.GetProperty("consumers").GetInt64() >= 1) >= 3;
        }, "the three alerting consumers up");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _service.DisposeAsync();
    }

    [Fact]
    public async Task AFailedAssertionRaisesAQualityAlertPerDatasetAssertionAndColumnThatOnlyALaterPassResolves()
    {
        var job = Job("quality");
        var now = DateTimeOffset.UtcNow;
        var orders = Dataset(Warehouse, "public.orders", rows: 100, new QualityAssertion("not_null", false, "id"), new QualityAssertion("unique", true, "id"));
        var raw = Dataset("s3://landing", "raw/orders", rows: 100, new QualityAssertion("row_count_between", false));
        var failing = Completed(job, now.AddMinutes(-10), RunStatus.Succeeded, inputs: [raw], outputs: [orders]);
        await PublishTwiceAsync(failing);

        var alerts = await PollAlertsAsync(job, a => a.Count(x => Rule(x) == "quality") == 2, "a quality alert for each failed assertion");
        var notNull = alerts.Single(a => a.GetProperty("assertion").GetString() == "not_null");
        Assert.Equal("id", notNull.GetProperty("column").GetString());
        Assert.Equal(orders.Key, notNull.GetProperty("dataset").GetProperty("key").GetString());
        Assert.Equal(Warehouse, notNull.GetProperty("dataset").GetProperty("namespace").GetString());
        Assert.Equal("public.orders", notNull.GetProperty("dataset").GetProperty("name").GetString());
        Assert.Equal(job.Namespace, notNull.GetProperty("job").GetProperty("namespace").GetString());
        Assert.Equal(job.Name, notNull.GetProperty("job").GetProperty("name").GetString());
        Assert.Contains("not_null", notNull.GetProperty("message").GetString());
        Assert.Contains("public.orders", notNull.GetProperty("message").GetString());
        Assert.Contains("public.orders", notNull.GetProperty("recommendedAction").GetString());
        var rowCount = alerts.Single(a => a.GetProperty("assertion").GetString() == "row_count_between");
        Assert.Equal(JsonValueKind.Null, rowCount.GetProperty("column").ValueKind);
        Assert.Equal("raw/orders", rowCount.GetProperty("dataset").GetProperty("name").GetString());
        Assert.All(alerts, a => Assert.Equal(1, a.GetProperty("occurrences").GetInt32()));

        // A pass from a run that finished earlier, arriving late, does not take back the later failure.
        var earlierPass = Completed(job, now.AddMinutes(-20), RunStatus.Succeeded, inputs: [WithAssertions(raw, true)], outputs: [WithAssertions(orders, true)]);
        await PublishTwiceAsync(earlierPass);
        await ReceivedAsync(earlierPass);
        Assert.All(await AlertsAsync(job), a => Assert.Equal("firing", State(a)));

        // A later run reports the assertions passing: both resolve, at once.
        var laterPass = Completed(job, now.AddMinutes(-5), RunStatus.Succeeded, inputs: [WithAssertions(raw, true)], outputs: [WithAssertions(orders, true)]);
        await PublishTwiceAsync(laterPass);
        alerts = await PollAlertsAsync(job, a => a.Count(x => Rule(x) == "quality" && State(x) == "resolved") == 2, "both quality alerts resolved");

        // The failing run delivered again changes nothing; a later failure opens a new alert linked to the resolved one.
        var failingAgain = Completed(job, now.AddMinutes(-1), RunStatus.Failed, outputs: [orders]);
        await PublishTwiceAsync(failing, failingAgain);
        alerts = await PollAlertsAsync(job, a => a.Any(x => Rule(x) == "quality" && State(x) == "firing"), "the not_null failure again");
        Assert.Equal(3, alerts.Count(a => Rule(a) == "quality"));
        var reopened = alerts.Single(a => State(a) == "firing");
        Assert.Equal(notNull.GetProperty("alertId").GetInt64(), reopened.GetProperty("previousAlertId").GetInt64());
    }

    [Fact]
    public async Task ZeroRowsAfterABaselineOfRowsAndAFarOutlierRaiseVolumeAlertsAndNormalVariationRaisesNothing()
    {
        var job = Job("volume");
        var steady = Job("steady");
        var now = DateTimeOffset.UtcNow;
        var baseline = new long[] { 1000, 1040, 980, 1010, 995, 1020, 990, 1005 };
        var varying = new long[] { 1000, 1150, 870, 1080, 930, 1120, 900, 1050, 880, 1140, 960, 1100 };
        var runs = baseline.Select((rows, i) => Completed(job, now.AddMinutes(-60 + i), RunStatus.Succeeded, outputs: [Dataset(Warehouse, "public.sales", rows)]))
            .Concat(varying.Select((rows, i) => Completed(steady, now.AddMinutes(-60 + i), RunStatus.Succeeded, outputs: [Dataset(Warehouse, "public.visits", rows)])))
            .OrderBy(_ => Random.Shared.Next()).ToArray();
        await PublishTwiceAsync(runs);
        foreach (var run in runs)
        {
            await ReceivedAsync(run);
        }
        Assert.Empty(await AlertsAsync(job));
        Assert.Empty(await AlertsAsync(steady));

        // Zero rows where every run of the baseline wrote some.
        var empty = Completed(job, now.AddMinutes(-40), RunStatus.Succeeded, outputs: [Dataset(Warehouse, "public.sales", 0)]);
        await PublishTwiceAsync(empty);
        var alerts = await PollAlertsAsync(job, a => a.Any(x => Rule(x) == "volume"), "the zero-rows volume alert");
        var zero = Assert.Single(alerts);
        Assert.Contains("0 rows", zero.GetProperty("message").GetString());
        Assert.Equal(LineageNames.Dataset(Warehouse, "public.sales"), zero.GetProperty("dataset").GetProperty("key").GetString());
        Assert.Equal("public.sales", zero.GetProperty("dataset").GetProperty("name").GetString());
        Assert.False(string.IsNullOrWhiteSpace(zero.GetProperty("recommendedAction").GetString()));

        // Back within the baseline: resolved.
        await PublishTwiceAsync(Completed(job, now.AddMinutes(-35), RunStatus.Succeeded, outputs: [Dataset(Warehouse, "public.sales", 1012)]));
        await PollAlertsAsync(job, a => a.All(x => State(x) == "resolved"), "the volume alert resolved");

        // Fifty times the usual volume.
        await PublishTwiceAsync(Completed(job, now.AddMinutes(-30), RunStatus.Succeeded, outputs: [Dataset(Warehouse, "public.sales", 50_000)]));
        alerts = await PollAlertsAsync(job, a => a.Any(x => Rule(x) == "volume" && State(x) == "firing"), "the outlier volume alert");
        var outlier = alerts.Single(a => State(a) == "firing");
        Assert.Contains("50,000 rows", outlier.GetProperty("message").GetString());
        Assert.Equal(zero.GetProperty("alertId").GetInt64(), outlier.GetProperty("previousAlertId").GetInt64());
        Assert.Empty(await AlertsAsync(steady));
    }

    [Fact]
    public async Task AbortedRunsNeitherBreakNorExtendAFailureStreak()
    {
        var job = Job("aborted");
        var now = DateTimeOffset.UtcNow;
        var statuses = new[] { RunStatus.Failed, RunStatus.Failed, RunStatus.Aborted, RunStatus.Aborted, RunStatus.Aborted, RunStatus.Aborted };
        var runs = statuses.Select((status, i) => Completed(job, now.AddMinutes(-30 + i), status)).ToArray();
        await PublishTwiceAsync(runs);
        foreach (var run in runs)
        {
            await ReceivedAsync(run);
        }
        var aborted = await _client.GetFromJsonAsync<JsonElement>($"/api/alerting/runs/{runs[^1].RunId}");
        Assert.Equal("aborted", aborted.GetProperty("status").GetString());
        // Two failures and four aborted runs: not three failures in a row.
        Assert.Empty(await AlertsAsync(job));

        // A third failure after the aborted runs continues the streak.
        await PublishTwiceAsync(Completed(job, now.AddMinutes(-20), RunStatus.Failed));
        var alerts = await PollAlertsAsync(job, a => a.Any(x => Rule(x) == "consecutive_failures"), "the failure streak");
        var streak = Assert.Single(alerts);
        Assert.Equal(3, streak.GetProperty("occurrences").GetInt32());
        Assert.Equal(job.Name, streak.GetProperty("job").GetProperty("name").GetString());
    }

    [Fact]
    public async Task ABatchRunRunningFarLongerThanItsJobUsuallyTakesIsStuckUntilItCompletesAndLateProgressIsIgnored()
    {
        var job = Job("stuck");
        var now = DateTimeOffset.UtcNow;
        // The job usually takes 2 seconds: 3 × 2 s is its limit.
        var history = Enumerable.Range(0, 6)
            .Select(i => Completed(job, now.AddHours(-2).AddMinutes(i), RunStatus.Succeeded, duration: TimeSpan.FromSeconds(2))).ToArray();
        await PublishTwiceAsync(history);
        foreach (var run in history)
        {
            await ReceivedAsync(run);
        }
        var hung = Progress(job, Guid.CreateVersion7(), startedAt: now.AddMinutes(-10), updatedAt: now.AddMinutes(-10));
        await PublishTwiceAsync(hung);
        var alerts = await PollAlertsAsync(job, a => a.Any(x => Rule(x) == "stuck_run"), "the stuck run alert");
        var stuck = Assert.Single(alerts);
        Assert.Contains(hung.RunId.ToString(), stuck.GetProperty("message").GetString());
        Assert.Equal(job.Name, stuck.GetProperty("job").GetProperty("name").GetString());
        Assert.Equal(hung.RunId.ToString(), stuck.GetProperty("details").GetProperty("run_id").GetString());

        // It completes: resolved at once. Its progress arriving after that is ignored.
        var completed = Completed(job, now, RunStatus.Succeeded, duration: TimeSpan.FromMinutes(10), runId: hung.RunId);
        await PublishTwiceAsync(completed);
        await PollAlertsAsync(job, a => a.All(x => State(x) == "resolved"), "the stuck run alert resolved by its completion");
        await PublishTwiceAsync(hung with { UpdatedAt = now.AddMinutes(-1) });

        // A job with no history is judged by the default limit (a minute here): another hung run of a new job, and the
        // late progress above raised nothing.
        var fresh = Job("stuck_new");
        var newRun = Progress(fresh, Guid.CreateVersion7(), startedAt: now.AddMinutes(-3), updatedAt: now.AddMinutes(-3));
        await PublishTwiceAsync(newRun);
        await PollAlertsAsync(fresh, a => a.Any(x => Rule(x) == "stuck_run" && State(x) == "firing"), "the new job's stuck run");
        alerts = await AlertsAsync(job);
        Assert.Single(alerts);
        Assert.Equal("resolved", State(alerts[0]));
    }

    [Fact]
    public async Task AStreamingJobSilentFarLongerThanItsUsualGapIsStuckUntilItSpeaksAgain()
    {
        var job = Job("stream");
        var runId = Guid.CreateVersion7();
        var now = DateTimeOffset.UtcNow;
        var started = now.AddMinutes(-40);
        // An event a minute for ten minutes, then nothing for twenty.
        var events = Enumerable.Range(0, 11).Select(i => Progress(job, runId, started, started.AddMinutes(i), streaming: true)).ToArray();
        await PublishTwiceAsync(events);
        var alerts = await PollAlertsAsync(job, a => a.Any(x => Rule(x) == "stuck_run"), "the silent streaming job's alert");
        var silent = Assert.Single(alerts);
        Assert.Contains("Streaming job", silent.GetProperty("message").GetString());
        Assert.Equal("streaming", silent.GetProperty("details").GetProperty("processing_type").GetString());

        await PublishTwiceAsync(Progress(job, runId, started, DateTimeOffset.UtcNow, streaming: true));
        await PollAlertsAsync(job, a => a.All(x => State(x) == "resolved"), "the streaming job's alert resolved by its next event");
    }

    [Fact]
    public async Task ADatasetsSchemaDriftNamesTheDatasetAndIsOneAlertPerDataset()
    {
        var job = Job("drift");
        var now = DateTimeOffset.UtcNow;
        SchemaDriftDetected Drift(string name) => new()
        {
            EventId = Random.Shared.NextInt64(1, long.MaxValue), Connector = job.Connector, RunId = Guid.CreateVersion7(), FinishedAt = now,
            FromVersion = 1, ToVersion = 2, Kind = DriftKind.NewVersion, Compatibility = CompatibilityMode.Backward, Breaking = true,
            Action = DriftAction.Alerted, DetectedAt = now,
            Changes = [new SchemaChange("$.amount", SchemaChangeKind.FieldRemoved, "number", null, true)],
            Dataset = new DriftDataset(LineageNames.Dataset(Warehouse, name), Warehouse, name),
        };
        await PublishTwiceAsync(Drift("public.orders"), Drift("public.refunds"));
        var alerts = await PollAlertsAsync(job, a => a.Count(x => Rule(x) == "schema_drift") == 2, "a drift alert per dataset");
        Assert.Equal(["public.orders", "public.refunds"], alerts.Select(a => a.GetProperty("dataset").GetProperty("name").GetString()).Order());
        Assert.All(alerts, a =>
        {
            Assert.Contains(a.GetProperty("dataset").GetProperty("name").GetString()!, a.GetProperty("message").GetString());
            Assert.Equal(1, a.GetProperty("occurrences").GetInt32());
        });
    }

    [Fact]
    public async Task ADownstreamVolumeAlertShowsTheUpstreamFailureAsItsCauseAndTheFailureListsItAsItsImpact()
    {
        var upstream = Job("extract");
        var downstream = Job("report");
        var now = DateTimeOffset.UtcNow;
        var staged = Dataset(Warehouse, $"staging.orders_{Guid.NewGuid():N}"[..24], rows: 1000);
        var baseline = Enumerable.Range(0, 6).SelectMany(i => new[]
        {
            Completed(upstream, now.AddMinutes(-100 + 10 * i), RunStatus.Succeeded, outputs: [staged]),
            Completed(downstream, now.AddMinutes(-95 + 10 * i), RunStatus.Succeeded, inputs: [staged], outputs: [Dataset(Warehouse, "marts.report", 500)]),
        }).ToArray();
        await PublishTwiceAsync(baseline);
        foreach (var run in baseline)
        {
            await ReceivedAsync(run);
        }
        await PublishTwiceAsync(Enumerable.Range(0, 3).Select(i => Completed(upstream, now.AddMinutes(-30 + i), RunStatus.Failed, outputs: [staged])).ToArray());
        var failure = (await PollAlertsAsync(upstream, a => a.Any(x => Rule(x) == "consecutive_failures"), "the upstream failure"))
            .Single(a => Rule(a) == "consecutive_failures");

        await PublishTwiceAsync(Completed(downstream, now.AddMinutes(-20), RunStatus.Succeeded, inputs: [staged], outputs: [Dataset(Warehouse, "marts.report", 0)]));
        var volume = (await PollAlertsAsync(downstream, a => a.Any(x => Rule(x) == "volume"), "the downstream volume alert")).Single();
        Assert.Equal(failure.GetProperty("alertId").GetInt64(), volume.GetProperty("causedBy").GetInt64());
        var impact = (await _client.GetFromJsonAsync<JsonElement>($"/api/alerts/{failure.GetProperty("alertId").GetInt64()}"))
            .GetProperty("alert").GetProperty("impact").EnumerateArray().Single();
        Assert.Equal(volume.GetProperty("alertId").GetInt64(), impact.GetProperty("alertId").GetInt64());
        Assert.Equal("volume", impact.GetProperty("rule").GetString());
        Assert.Equal(downstream.Connector, impact.GetProperty("connector").GetString());
    }

    private sealed record JobName(string Namespace, string Name)
    {
        public string Connector => LineageNames.Connector(Namespace, Name);
    }

    private static JobName Job(string what) => new($"airflow_{Guid.NewGuid():N}"[..16], $"dag.{what}");

    private static LineageDataset Dataset(string datasetNamespace, string name, long? rows = null, params QualityAssertion[] assertions) => new()
    {
        Key = LineageNames.Dataset(datasetNamespace, name), Namespace = datasetNamespace, Name = name, RowCount = rows, Assertions = assertions,
    };

    private static LineageDataset WithAssertions(LineageDataset dataset, bool success) =>
        dataset with { Assertions = [.. dataset.Assertions.Select(a => a with { Success = success })] };

    private static RunLineage Lineage(JobName job, LineageEventType last, bool streaming = false,
        IReadOnlyList<LineageDataset>? inputs = null, IReadOnlyList<LineageDataset>? outputs = null) => new()
    {
        JobNamespace = job.Namespace, JobName = job.Name, Producer = Producer, LastEventType = last, Events = 2,
        ProcessingType = streaming ? "streaming" : "batch", Integration = "AIRFLOW", JobType = "TASK",
        Inputs = inputs ?? [], Outputs = outputs ?? [],
    };

    private static RunCompleted Completed(JobName job, DateTimeOffset finishedAt, RunStatus status, TimeSpan? duration = null, Guid? runId = null,
        IReadOnlyList<LineageDataset>? inputs = null, IReadOnlyList<LineageDataset>? outputs = null)
    {
        var took = duration ?? TimeSpan.FromSeconds(1);
        return new RunCompleted
        {
            RunId = runId ?? Guid.CreateVersion7(), Connector = job.Connector, Source = RunSource.Reported,
            StartedAt = finishedAt - took, FinishedAt = finishedAt, Status = status, LatencyMs = took.TotalMilliseconds,
            ErrorType = status == RunStatus.Failed ? "task_failed" : null,
            Lineage = Lineage(job, status switch { RunStatus.Failed => LineageEventType.Fail, RunStatus.Aborted => LineageEventType.Abort, _ => LineageEventType.Complete },
                inputs: inputs, outputs: outputs),
        };
    }

    private static RunInProgress Progress(JobName job, Guid runId, DateTimeOffset startedAt, DateTimeOffset updatedAt, bool streaming = false) => new()
    {
        RunId = runId, Connector = job.Connector, Source = RunSource.Reported, StartedAt = startedAt, UpdatedAt = updatedAt,
        Lineage = Lineage(job, LineageEventType.Running, streaming),
    };

    private async Task PublishTwiceAsync<T>(params T[] messages) where T : class
    {
        foreach (var message in messages.Concat(messages))
        {
            await _bus.Publish(message);
        }
    }

    private Task ReceivedAsync(RunCompleted run) => Poll.UntilAsync(async () =>
        (await _client.GetAsync($"/api/alerting/runs/{run.RunId}")).StatusCode == HttpStatusCode.OK, $"run {run.RunId} taken in");

    private async Task<List<JsonElement>> AlertsAsync(JobName job) =>
        (await _client.GetFromJsonAsync<JsonElement>($"/api/alerts?connector={job.Connector}")).GetProperty("items").EnumerateArray().ToList();

    private async Task<List<JsonElement>> PollAlertsAsync(JobName job, Func<List<JsonElement>, bool> condition, string what)
    {
        List<JsonElement> alerts = [];
        await Poll.UntilAsync(async () => condition(alerts = await AlertsAsync(job)), what);
        return alerts;
    }

    private static string? Rule(JsonElement alert) => alert.GetProperty("rule").GetString();

    private static string? State(JsonElement alert) => alert.GetProperty("state").GetString();
}
