using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Ingest;
using ConnectorHealth.Metrics.Rollups;

namespace ConnectorHealth.IntegrationTests.Metrics;

[Collection(PostgresCollection.Name)]
public sealed class RunIngestTests(PostgresServer postgres)
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ARunDeliveredAgainChangesNothing()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var runs = new TestRuns(1).Many(50, ["a", "b", "c"], Now.AddDays(-3), Now);

        var first = await db.StoreAsync([.. runs]);
        var again = await db.StoreAsync([.. runs.Take(20), .. runs.Take(20)]);

        Assert.Equal(new StoreResult(50, 0, 0), first);
        Assert.Equal(new StoreResult(0, 40, 0), again);
        Assert.Equal(50, await db.CountAsync("SELECT count(*) FROM metrics.runs"));
        Assert.Equal(50, await db.CountAsync("SELECT sum(total) FROM metrics.rollup_daily"));
        Assert.Equal(50, await db.CountAsync("SELECT sum(total) FROM metrics.rollup_hourly"));
        Assert.Equal(runs.Sum(r => r.Attempts.Count), await db.CountAsync("SELECT count(*) FROM metrics.attempts"));
    }

    [Fact]
    public async Task TheSameRunIdWithAnotherStartTimeIsStillTheSameRun()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var run = TestRuns.Run("a", Now.AddDays(-40));
        var replay = run with { StartedAt = Now.AddHours(-1), FinishedAt = Now.AddHours(-1).AddSeconds(1), Status = RunStatus.Failed };

        await db.StoreAsync(run);
        var second = await db.StoreAsync(replay);

        Assert.Equal(new StoreResult(0, 1, 0), second);
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM metrics.runs"));
        Assert.Equal(0, await db.CountAsync("SELECT coalesce(sum(failed), 0) FROM metrics.rollup_daily"));
        Assert.Equal(run.StartedAt, (await db.Runs.FindAsync(run.RunId, CancellationToken.None))!.StartedAt);
    }

    [Fact]
    public async Task ParallelWritersOfOverlappingBatchesStoreEachRunOnce()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var generator = new TestRuns(2);
        var runs = generator.Many(2_000, ["a", "b", "c", "d", "e", "f"], Now.AddDays(-5), Now);

        // Four "replicas", each receiving every run at least once in its own order and batching.
        var writers = Enumerable.Range(0, 4).Select(_ =>
        {
            var batches = generator.Batches(generator.Shuffle(runs), 120);
            return Task.Run(async () =>
            {
                foreach (var batch in batches)
                {
                    await db.Writer.StoreAsync([.. batch.Select(r => new IncomingRun(r, null))], CancellationToken.None);
                }
            });
        });
        await Task.WhenAll(writers);

        Assert.Equal(runs.Count, await db.CountAsync("SELECT count(*) FROM metrics.runs"));
        Assert.Equal(runs.Count, await db.CountAsync("SELECT count(*) FROM metrics.run_ids"));
        Assert.Equal(runs.Count, await db.CountAsync("SELECT sum(total) FROM metrics.rollup_daily"));
        Assert.Equal(runs.Count(r => r.Status == RunStatus.Failed), await db.CountAsync("SELECT sum(failures) FROM metrics.failures_daily"));
    }

    [Fact]
    public async Task RunsOlderThanRetentionOrFromTheFutureAreRejected()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now, new MetricsOptions { RawRunRetention = TimeSpan.FromDays(30) });

        var result = await db.StoreAsync(
            TestRuns.Run("a", new DateTimeOffset(2026, 1, 31, 23, 59, 59, TimeSpan.Zero)), // before 2026-02-01, the oldest month kept
            TestRuns.Run("a", new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero)),
            TestRuns.Run("a", Now.AddMinutes(59)),
            TestRuns.Run("a", Now.AddHours(2)));

        Assert.Equal(new StoreResult(2, 0, 2), result);
        Assert.Equal(2, await db.CountAsync("SELECT count(*) FROM metrics.runs"));
    }

    [Theory]
    [InlineData("latency")]
    [InlineData("connector")]
    [InlineData("attempts")]
    [InlineData("text")]
    public async Task ARunThatBreaksTheRunDefinitionIsRefusedWholeAndNothingIsWritten(string broken)
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var good = TestRuns.Run("a", Now.AddMinutes(-2));
        var bad = TestRuns.Run("b", Now.AddMinutes(-1));
        bad = broken switch
        {
            "latency" => bad with { LatencyMs = double.NaN },
            "connector" => bad with { Connector = "b\n" },
            "attempts" => bad with { Attempts = [null!] },
            _ => bad with { ErrorMessage = string.Concat(Enumerable.Repeat("😀", RunDefinition.MaxErrorMessageLength / 2 + 1)) },
        };

        // Never cut or zeroed into something else: the consumer sets the message aside with this reason.
        var refused = await Assert.ThrowsAsync<InvalidRunException>(() => db.StoreAsync(good, bad));

        Assert.NotEmpty(refused.Problems);
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM metrics.runs"));
        Assert.Equal(new StoreResult(1, 0, 0), await db.StoreAsync(good));
    }

    [Fact]
    public async Task ARunIsReadBackWithItsAttemptsAndTrace()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var run = TestRuns.Run("a", Now.AddMinutes(-5).AddTicks(1234567), RunStatus.Failed, 812.5, errorType: "TimeoutException",
            rateLimited: true, expectedInterval: TimeSpan.FromMinutes(5), attempts: 3);
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

        await db.Writer.StoreAsync([new IncomingRun(run, traceId)], CancellationToken.None);
        var stored = await db.Runs.FindAsync(run.RunId, CancellationToken.None);

        Assert.NotNull(stored);
        Assert.Equal(traceId, stored.TraceId);
        Assert.Equal("failed", stored.Status);
        Assert.Equal("scheduled", stored.Source);
        Assert.Equal(run.StartedAt.UtcTicks / 10, stored.StartedAt.UtcTicks / 10);
        Assert.Equal(TimeSpan.FromMinutes(5), stored.ExpectedInterval);
        Assert.Equal([1, 2, 3], stored.Attempts.Select(a => a.Number));
        Assert.Equal(["rate_limited", "rate_limited", "failed"], stored.Attempts.Select(a => a.Outcome));
        Assert.Equal(429, stored.Attempts[0].HttpStatus);
        Assert.Equal(2000, stored.Attempts[0].RetryAfterMs);
        Assert.Null(await db.Runs.FindAsync(Guid.NewGuid(), CancellationToken.None));
    }

    [Fact]
    public async Task PartitionsAreCreatedForEachMonthARunNeeds()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);

        await db.StoreAsync(
            TestRuns.Run("a", new DateTimeOffset(2025, 12, 31, 23, 59, 59, TimeSpan.Zero)),
            TestRuns.Run("a", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            TestRuns.Run("a", Now));

        var partitions = await db.RowsAsync(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'metrics.runs'::regclass ORDER BY 1");
        Assert.Equal(["runs_p2025_12", "runs_p2026_01", "runs_p2026_03"], partitions.Select(p => (string)p[0]!));
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM metrics.runs_p2025_12"));
    }
}
