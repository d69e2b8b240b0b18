using ConnectorHealth.Alerting;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Evaluation;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>The OpenLineage rules in the engine on real PostgreSQL, with a fake clock: the timer, and replicas given shuffled duplicates.</summary>
[Collection(PostgresCollection.Name)]
public sealed class LineageEngineTests(PostgresServer postgres)
{
    private const string Warehouse = "postgres://warehouse:5432";

    [Fact]
    public async Task ARunThatNeverReportsAgainIsRaisedAsStuckByTheTimerAndItsCompletionResolvesIt()
    {
        await using var db = await AlertingDatabase.CreateAsync(postgres);
        var engine = db.Engine();
        var started = db.Time.GetUtcNow();
        var progress = Progress("airflow", "dag.nightly", Guid.CreateVersion7(), started, started);
        await engine.ProcessProgressAsync([progress, progress], CancellationToken.None);
        Assert.Empty(await OpenAlertsAsync(db));

        // No message arrives; the job has no history, so the default limit (6 h) applies.
        db.Time.Advance(TimeSpan.FromHours(5));
        await engine.EvaluateAllAsync(CancellationToken.None);
        Assert.Empty(await OpenAlertsAsync(db));
        db.Time.Advance(TimeSpan.FromHours(1.5));
        var changes = await engine.EvaluateAllAsync(CancellationToken.None);
        Assert.Equal([RuleNames.StuckRun], changes.Raised.Select(r => r.Rule));
        Assert.Equal([(progress.Connector, RuleNames.StuckRun, progress.RunId.ToString())], await OpenAlertsAsync(db));

        // It completes: resolved at once; its late progress is ignored, on the timer too.
        var completed = Completed("airflow", "dag.nightly", progress.RunId, started, db.Time.GetUtcNow(), RunStatus.Succeeded, []);
        await engine.ProcessRunsAsync([completed], CancellationToken.None);
        Assert.Empty(await OpenAlertsAsync(db));
        await engine.ProcessProgressAsync([progress with { UpdatedAt = started.AddHours(1) }], CancellationToken.None);
        db.Time.Advance(TimeSpan.FromDays(1));
        await engine.EvaluateAllAsync(CancellationToken.None);
        Assert.Empty(await OpenAlertsAsync(db));
        Assert.Empty(await db.RowsAsync("SELECT run_id FROM alerting.runs_in_progress"));
    }

    [Fact]
    public async Task FourReplicasGivenEveryLineageRunAndProgressTwiceShuffledLeaveTheAlertsOneReplicaGivenEachOnceInOrderLeaves()
    {
        var random = new Random(20261207);
        await using var oracle = await AlertingDatabase.CreateAsync(postgres);
        await using var replicas = await AlertingDatabase.CreateAsync(postgres);
        var start = oracle.Time.GetUtcNow().AddDays(-2);
        var runs = new List<RunCompleted>();
        foreach (var job in new[] { "dag.a", "dag.b", "dag.c" })
        {
            for (var i = 0; i < 40; i++)
            {
                // The last writes of a and b are anomalous (and their runs succeed): volume alerts that stay open.
                var last = i == 39;
                var rows = last && job == "dag.a" ? 0 : last && job == "dag.b" ? 90_000 : random.NextInt64(900, 1100);
                var outputs = new[]
                {
                    Dataset("public.orders", rows,
                        new QualityAssertion("not_null", random.NextDouble() < 0.7, "id"), new QualityAssertion("unique", random.NextDouble() < 0.7, "id")),
                    Dataset("public.lines", random.NextInt64(9000, 11000), new QualityAssertion("row_count", random.NextDouble() < 0.7)),
                };
                var finished = start.AddMinutes(30 * i + random.Next(0, 20));
                var status = last ? RunStatus.Succeeded : random.NextDouble() < 0.1 ? RunStatus.Aborted : random.NextDouble() < 0.1 ? RunStatus.Failed : RunStatus.Succeeded;
                runs.Add(Completed("airflow", job, Guid.CreateVersion7(), finished.AddMinutes(-1), finished, status, outputs));
            }
        }
        // Each run reported in progress when it started (and again a little later); some runs of each job never complete.
        var progress = runs.SelectMany(r => new[]
        {
            Progress("airflow", r.Lineage!.JobName, r.RunId, r.StartedAt, r.StartedAt),
            Progress("airflow", r.Lineage!.JobName, r.RunId, r.StartedAt, r.StartedAt.AddSeconds(30)),
        }).ToList();
        foreach (var job in new[] { "dag.a", "dag.b", "dag.c" })
        {
            progress.Add(Progress("airflow", job, Guid.CreateVersion7(), start.AddHours(10), start.AddHours(10)));
        }
        var messages = progress.Select(p => (At: p.UpdatedAt, Message: (object)p)).Concat(runs.Select(r => (At: r.FinishedAt, Message: (object)r)))
            .OrderBy(m => m.At).Select(m => m.Message).ToList();

        // Guard: the runs must leave alerts of every rule open, or the comparison proves nothing.
        foreach (var message in messages)
        {
            await DeliverAsync(oracle.Engine(), [message]);
        }
        await oracle.Engine().EvaluateAllAsync(CancellationToken.None);
        var expected = await OpenAlertsAsync(oracle);
        Assert.Contains(expected, a => a.Rule == RuleNames.Quality);
        Assert.Contains(expected, a => a.Rule == RuleNames.Volume);
        Assert.Equal(3, expected.Count(a => a.Rule == RuleNames.StuckRun));

        var deliveries = messages.Concat(messages).OrderBy(_ => random.Next()).ToList();
        var batches = new List<object[]>();
        for (var taken = 0; taken < deliveries.Count;)
        {
            var size = random.Next(1, 15);
            batches.Add([.. deliveries.Skip(taken).Take(size)]);
            taken += size;
        }
        await Task.WhenAll(Enumerable.Range(0, 4).Select(replica => Task.Run(async () =>
        {
            var engine = replicas.Engine();
            foreach (var batch in batches.Where((_, index) => index % 4 == replica))
            {
                await DeliverAsync(engine, batch);
            }
        })));
        // What each replica last evaluated may predate another's later batch: one evaluation round settles it, as the timer does.
        await replicas.Engine().EvaluateAllAsync(CancellationToken.None);

        Assert.Equal(expected, await OpenAlertsAsync(replicas));
        Assert.Equal(3L, (long)(await replicas.RowsAsync("SELECT count(*) FROM alerting.runs_in_progress")).Single()[0]!);
    }

    [Fact]
    public async Task ADownstreamJobsVolumeAlertIsCausedByTheFailureOfTheJobWhoseOutputItReadsAndHeldWhileThatIsOpen()
    {
        var options = new AlertingOptions();
        options.Channels["ops"] = new ChannelOptions { Url = "http://127.0.0.1:9/never-called" };
        await using var db = await AlertingDatabase.CreateAsync(postgres, options);
        var engine = db.Engine();
        var now = db.Time.GetUtcNow();
        var staged = Dataset("staging.orders", 1000);
        RunCompleted Upstream(int minutesAgo, RunStatus status) =>
            Completed("airflow", "dag.extract", Guid.CreateVersion7(), now.AddMinutes(-minutesAgo - 1), now.AddMinutes(-minutesAgo), status, [staged]);
        RunCompleted Downstream(int minutesAgo, long rows) =>
            Completed("airflow", "dag.report", Guid.CreateVersion7(), now.AddMinutes(-minutesAgo - 1), now.AddMinutes(-minutesAgo), RunStatus.Succeeded,
                [Dataset("marts.report", rows)]) is var run ? run with { Lineage = run.Lineage! with { Inputs = [staged] } } : null!;
        // The graph and the downstream job's volume baseline: both jobs run fine for a while.
        await engine.ProcessRunsAsync([.. Enumerable.Range(0, 8).SelectMany(i => new[] { Upstream(100 - 10 * i, RunStatus.Succeeded), Downstream(95 - 10 * i, 500) })],
            CancellationToken.None);

        // The upstream job fails three times: its failure alert. Then the downstream job writes nothing.
        await engine.ProcessRunsAsync([Upstream(9, RunStatus.Failed), Upstream(8, RunStatus.Failed), Upstream(7, RunStatus.Failed)], CancellationToken.None);
        await engine.ProcessRunsAsync([Downstream(5, 0)], CancellationToken.None);

        var alerts = (await db.Store.ListAsync(new AlertFilter(null, null, null, null, 50, null), CancellationToken.None)).Items;
        var failure = alerts.Single(a => a.Rule == RuleNames.ConsecutiveFailures);
        var volume = alerts.Single(a => a.Rule == RuleNames.Volume);
        Assert.Equal(failure.AlertId, volume.CausedBy);
        Assert.Equal([new AlertImpact(volume.AlertId, volume.Connector, RuleNames.Volume, "firing")], failure.Impact);
        var held = Assert.Single((await db.Store.GetAsync(volume.AlertId, CancellationToken.None))!.Notifications);
        Assert.Equal("held", held.Status);
        Assert.Contains($"caused by alert {failure.AlertId}", held.Reason);
        async Task<bool> GroupedAsync(long alertId) =>
            (long)(await db.RowsAsync("SELECT count(*) FROM alerting.group_alerts WHERE alert_id = $1", alertId)).Single()[0]! > 0;
        Assert.True(await GroupedAsync(failure.AlertId));
        Assert.False(await GroupedAsync(volume.AlertId));

        // Once the failure is resolved and the volume alert still fires, it is told.
        await db.Store.ResolveAsync(failure.AlertId, "test", CancellationToken.None);
        // (with the upstream job's success_rate alert, which its failure streak inhibited)
        Assert.True(await db.Groups().ReleaseHeldAsync(CancellationToken.None) >= 1);
        Assert.True(await GroupedAsync(volume.AlertId));
    }

    // A batch as the consumers take it: each message type through its own consumer.
    private static async Task DeliverAsync(AlertEngine engine, IReadOnlyList<object> batch)
    {
        if (batch.OfType<RunCompleted>().ToList() is { Count: > 0 } completed)
        {
            await engine.ProcessRunsAsync(completed, CancellationToken.None);
        }
        if (batch.OfType<RunInProgress>().ToList() is { Count: > 0 } running)
        {
            await engine.ProcessProgressAsync(running, CancellationToken.None);
        }
    }

    private static async Task<List<(string Connector, string Rule, string Key)>> OpenAlertsAsync(AlertingDatabase db) =>
        [.. (await db.RowsAsync("SELECT connector, rule, key FROM alerting.alerts WHERE state <> 'resolved' ORDER BY 1, 2, 3"))
            .Select(r => ((string)r[0]!, (string)r[1]!, (string)r[2]!))];

    private static LineageDataset Dataset(string name, long rows, params QualityAssertion[] assertions) => new()
    {
        Key = LineageNames.Dataset(Warehouse, name), Namespace = Warehouse, Name = name, RowCount = rows, Assertions = assertions,
    };

    private static RunLineage Lineage(string ns, string job, LineageEventType last, IReadOnlyList<LineageDataset> outputs) => new()
    {
        JobNamespace = ns, JobName = job, Producer = "https://github.com/OpenLineage/OpenLineage/tree/1.30.0/integration/airflow",
        LastEventType = last, Events = 2, ProcessingType = "batch", Outputs = outputs,
    };

    private static RunCompleted Completed(
        string ns, string job, Guid runId, DateTimeOffset started, DateTimeOffset finished, RunStatus status, IReadOnlyList<LineageDataset> outputs) => new()
    {
        RunId = runId, Connector = LineageNames.Connector(ns, job), Source = RunSource.Reported, StartedAt = started, FinishedAt = finished,
        Status = status, LatencyMs = (finished - started).TotalMilliseconds, ErrorType = status == RunStatus.Failed ? "task_failed" : null,
        Lineage = Lineage(ns, job, status == RunStatus.Aborted ? LineageEventType.Abort : status == RunStatus.Failed ? LineageEventType.Fail : LineageEventType.Complete, outputs),
    };

    private static RunInProgress Progress(string ns, string job, Guid runId, DateTimeOffset started, DateTimeOffset updated) => new()
    {
        RunId = runId, Connector = LineageNames.Connector(ns, job), Source = RunSource.Reported, StartedAt = started, UpdatedAt = updated,
        Lineage = Lineage(ns, job, LineageEventType.Running, []),
    };
}
