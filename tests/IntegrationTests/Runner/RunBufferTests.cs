using System.Collections.Concurrent;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Runner;
using ConnectorHealth.Runner.Publishing;
using ConnectorHealth.Runner.Reports;
using ConnectorHealth.Runner.Runs;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Runner;

/// <summary>The runner's publish buffer against a real RabbitMQ that goes away and comes back, and a real PostgreSQL.</summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class RunBufferTests(RabbitMQServer rabbit, PostgresServer postgres)
{
    public sealed class Received
    {
        public ConcurrentDictionary<Guid, int> Runs { get; } = new();
    }

    public sealed class CollectingConsumer(Received received) : IConsumer<RunCompleted>
    {
        public Task Consume(ConsumeContext<RunCompleted> context)
        {
            received.Runs.AddOrUpdate(context.Message.RunId, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }
    }

    /// <summary>The runs the publisher reported a failed publish for: proof it tried, and did not just sit idle.</summary>
    public sealed class FailedPublishes : ILoggerProvider, ILogger
    {
        private readonly ConcurrentDictionary<Guid, bool> _runs = new();

        public bool Contains(Guid runId) => _runs.ContainsKey(runId);

        public ILogger CreateLogger(string categoryName) =>
            categoryName == typeof(RunPublisher).FullName ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> fields
                && fields.Any(f => f is { Key: "{OriginalFormat}", Value: string format } && format.StartsWith("Publishing run", StringComparison.Ordinal))
                && fields.FirstOrDefault(f => f.Key == "RunId").Value is Guid runId)
            {
                _runs.TryAdd(runId, true);
            }
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public void Dispose()
        {
        }
    }

    private IHost BuildRunnerHost(string database, Received received, FailedPublishes? failedPublishes = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (failedPublishes is not null)
        {
            builder.Logging.AddProvider(failedPublishes);
        }
        builder.Configuration[$"ConnectionStrings:{ServiceDefaults.ResourceNames.Database}"] = database;
        builder.Configuration[$"ConnectionStrings:{ServiceDefaults.ResourceNames.Messaging}"] = rabbit.Uri.ToString();
        builder.AddServiceDatabase("runner", typeof(ReportStore).Assembly);
        builder.AddMessaging("buffer-test", bus => bus.AddConsumer<CollectingConsumer>());
        // The consumer's queue must be bound before the broker goes away, or nothing routes to it.
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        builder.Services.Configure<RunnerOptions>(o =>
        {
            o.PublishTimeout = TimeSpan.FromSeconds(2);
            o.ReportStuckAfter = TimeSpan.FromSeconds(1);
        });
        builder.Services.AddSingleton(received);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ReportStore>();
        builder.Services.AddSingleton<ReportIntake>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReportIntake>());
        builder.Services.AddRunPublishing();
        return builder.Build();
    }

    private static RunCompleted Run() => new()
    {
        RunId = Guid.CreateVersion7(),
        Connector = "buffer_test",
        Source = RunSource.Scheduled,
        StartedAt = DateTimeOffset.UtcNow,
        FinishedAt = DateTimeOffset.UtcNow,
        Status = RunStatus.Succeeded,
        LatencyMs = 1,
    };

    [Fact]
    public async Task RunsFinishedWhileTheBrokerIsDownWaitInTheBufferAndAreAllPublishedWhenItReturns()
    {
        var received = new Received();
        var failedPublishes = new FailedPublishes();
        using var host = BuildRunnerHost(await postgres.CreateDatabaseConnectionStringAsync("buffer"), received, failedPublishes);
        await host.StartAsync();
        var buffer = host.Services.GetRequiredService<RunBuffer>();

        await rabbit.StopAsync();
        var runs = Enumerable.Range(0, 20).Select(_ => Run()).ToList();
        foreach (var run in runs)
        {
            await buffer.EnqueueAsync(run, CancellationToken.None);
        }
        await Poll.UntilAsync(() => runs.All(r => failedPublishes.Contains(r.RunId)), "a failed publish of every run while the broker is down");
        Assert.Equal(20, buffer.Depth);

        await rabbit.StartAsync();
        await Poll.UntilAsync(() => runs.All(r => received.Runs.ContainsKey(r.RunId)), "every buffered run to arrive");
        Assert.Equal(0, buffer.Depth);

        await host.StopAsync();
    }

    [Fact]
    public async Task RunsStillBufferedAtShutdownAreKeptAndPublishedAfterTheNextStart()
    {
        var database = await postgres.CreateDatabaseConnectionStringAsync("spool");
        var received = new Received();
        var runs = Enumerable.Range(0, 5).Select(_ => Run()).ToList();

        using (var first = BuildRunnerHost(database, received))
        {
            await first.StartAsync();
            await rabbit.StopAsync();
            var buffer = first.Services.GetRequiredService<RunBuffer>();
            foreach (var run in runs)
            {
                await buffer.EnqueueAsync(run, CancellationToken.None);
            }
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await first.StopAsync(stopping.Token);
        }

        await using (var dataSource = NpgsqlDataSource.Create(database))
        {
            var kept = (long)(await dataSource.CreateCommand("SELECT count(*) FROM runner.pending_runs").ExecuteScalarAsync())!;
            Assert.Equal(5, kept);
        }

        await rabbit.StartAsync();
        using var second = BuildRunnerHost(database, received);
        await second.StartAsync();
        await Poll.UntilAsync(() => runs.All(r => received.Runs.ContainsKey(r.RunId)), "the kept runs to arrive after the restart");

        await using (var dataSource = NpgsqlDataSource.Create(database))
        {
            await Poll.UntilAsync(async () =>
                (long)(await dataSource.CreateCommand("SELECT count(*) FROM runner.pending_runs").ExecuteScalarAsync())! == 0, "the pending rows to go");
        }
        await second.StopAsync();
    }

    [Fact]
    public async Task AReportedRunIsAcceptedOnceAndADifferentReportWithItsIdIsAConflict()
    {
        var received = new Received();
        var database = await postgres.CreateDatabaseConnectionStringAsync("reports");
        using var host = BuildRunnerHost(database, received);
        await host.StartAsync();
        var reports = host.Services.GetRequiredService<ReportStore>();
        var pendingRuns = host.Services.GetRequiredService<PendingRunStore>();
        var run = Run() with { Source = RunSource.Reported };

        Assert.Equal(ReportOutcome.Accepted, await reports.AcceptReportAsync(run, [1, 2, 3], null, CancellationToken.None));
        Assert.Equal(ReportOutcome.AlreadyAccepted, await reports.AcceptReportAsync(run, [1, 2, 3], null, CancellationToken.None));
        Assert.Equal(ReportOutcome.ConflictsWithEarlierReport, await reports.AcceptReportAsync(run, [9, 9, 9], null, CancellationToken.None));

        var pending = Assert.Single(await pendingRuns.ListPendingAsync(100, CancellationToken.None));
        Assert.Equal(run, pending.Run with { Attempts = run.Attempts, PayloadTruncationReasons = run.PayloadTruncationReasons });
        await host.StopAsync();
    }

    [Fact]
    public async Task ReportsStoredTogetherAreEachAnsweredAsIfAlone()
    {
        var received = new Received();
        var database = await postgres.CreateDatabaseConnectionStringAsync("report_groups");
        using var host = BuildRunnerHost(database, received);
        await host.StartAsync();
        var reports = host.Services.GetRequiredService<ReportStore>();
        var pendingRuns = host.Services.GetRequiredService<PendingRunStore>();
        var (earlierSame, earlierOther) = (Run() with { Source = RunSource.Reported }, Run() with { Source = RunSource.Reported });
        await reports.AcceptReportAsync(earlierSame, [1], null, CancellationToken.None);
        await reports.AcceptReportAsync(earlierOther, [2], null, CancellationToken.None);
        var (fresh, alsoFresh) = (Run() with { Source = RunSource.Reported }, Run() with { Source = RunSource.Reported });

        var outcomes = await reports.AcceptReportsAsync(
            [
                new(fresh, [7], null), new(fresh, [7], null), new(fresh, [8], null),
                new(earlierSame, [1], null), new(earlierOther, [9], null), new(alsoFresh, [3], "00-trace"),
            ],
            CancellationToken.None);

        Assert.Equal(
            [ReportOutcome.Accepted, ReportOutcome.AlreadyAccepted, ReportOutcome.ConflictsWithEarlierReport,
             ReportOutcome.AlreadyAccepted, ReportOutcome.ConflictsWithEarlierReport, ReportOutcome.Accepted],
            outcomes);
        var pending = await pendingRuns.ListPendingAsync(100, CancellationToken.None);
        Assert.Equal(
            new[] { earlierSame.RunId, earlierOther.RunId, fresh.RunId, alsoFresh.RunId }.Order(),
            pending.Select(p => p.Run.RunId).Order());
        Assert.Equal("00-trace", pending.Single(p => p.Run.RunId == alsoFresh.RunId).TraceParent);
        await host.StopAsync();
    }

    [Fact]
    public async Task ConcurrentReportsShareCommitsAndOneThatCannotBeStoredFailsAlone()
    {
        var received = new Received();
        var database = await postgres.CreateDatabaseConnectionStringAsync("report_intake");
        using var host = BuildRunnerHost(database, received);
        await host.StartAsync();
        var intake = host.Services.GetRequiredService<ReportIntake>();
        var runs = Enumerable.Range(0, 150).Select(_ => Run() with { Source = RunSource.Reported }).ToList();
        // PostgreSQL refuses a NUL in text: this report cannot be stored (the API's validation keeps it out; here it stands
        // for any report the database refuses), and it is sent among the others.
        var refused = Run() with { Source = RunSource.Reported, Connector = "nul\0connector" };

        // Sent in the middle, while the first reports are being written: it waits in the next group with others.
        var sent = runs.Select(r => (r.RunId, Task: intake.AcceptAsync(r, [4, 2], null, CancellationToken.None))).ToList();
        var bad = intake.AcceptAsync(refused, [1], null, CancellationToken.None);
        sent.AddRange(runs.Select(r => (r.RunId, Task: intake.AcceptAsync(r, [4, 2], null, CancellationToken.None))));
        var refusal = await Assert.ThrowsAsync<PostgresException>(() => bad);
        Assert.Equal(PostgresErrorCodes.CharacterNotInRepertoire, refusal.SqlState);
        await Task.WhenAll(sent.Select(s => s.Task));

        // Each run accepted exactly once, its twin answered "already accepted", and every accepted run published.
        foreach (var group in sent.GroupBy(s => s.RunId))
        {
            Assert.Equal([ReportOutcome.Accepted, ReportOutcome.AlreadyAccepted], group.Select(s => s.Task.Result).Order());
        }
        await Poll.UntilAsync(() => runs.All(r => received.Runs.ContainsKey(r.RunId)), "every accepted report to be published");
        Assert.False(received.Runs.ContainsKey(refused.RunId));
        await host.StopAsync();
    }

    [Fact]
    public async Task AReportRefusedWhileItsStatementIsBeingPreparedLeavesTheConnectionWhole()
    {
        // One connection, so every report goes over the same one. Npgsql prepares a statement automatically on its fifth
        // use; had that use been refused at Bind (a NUL), the statement would stay half-prepared and the next report on
        // the connection would fail with "unexpected backend message DataRow" (npgsql/npgsql#6391).
        var database = await postgres.CreateDatabaseConnectionStringAsync("report_prepare") + ";Maximum Pool Size=1";
        using var host = BuildRunnerHost(database, new Received());
        await host.StartAsync();
        var store = host.Services.GetRequiredService<ReportStore>();
        for (var use = 1; use <= 12; use++)
        {
            if (use % 5 == 0)
            {
                var refusal = await Assert.ThrowsAsync<PostgresException>(() =>
                    store.AcceptReportAsync(Run() with { Source = RunSource.Reported, Connector = "nul\0connector" }, [1], null, CancellationToken.None));
                Assert.Equal(PostgresErrorCodes.CharacterNotInRepertoire, refusal.SqlState);
                continue;
            }
            Assert.Equal(ReportOutcome.Accepted, await store.AcceptReportAsync(Run() with { Source = RunSource.Reported }, [4, 2], null, CancellationToken.None));
        }
        await host.StopAsync();
    }

    [Fact]
    public async Task ReportsTheDatabaseDoesNotFinishStoringMakeTheIntakeDegradedUntilTheyAreStored()
    {
        var received = new Received();
        var database = await postgres.CreateDatabaseConnectionStringAsync("report_intake_stuck");
        using var host = BuildRunnerHost(database, received);
        await host.StartAsync();
        var intake = host.Services.GetRequiredService<ReportIntake>();
        var check = ActivatorUtilities.CreateInstance<ReportIntakeHealthCheck>(host.Services); // degraded after 1 s here
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        // Another session holds the reports' ledger: the intake's transaction waits on it, as it would on a stuck database.
        await using var blocker = new NpgsqlConnection(database);
        await blocker.OpenAsync();
        await using var holding = await blocker.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE runner.reported_runs IN ACCESS EXCLUSIVE MODE", blocker, holding))
        {
            await lockTable.ExecuteNonQueryAsync();
        }
        var runs = Enumerable.Range(0, 5).Select(_ => Run() with { Source = RunSource.Reported }).ToList();
        var answers = runs.Select(r => intake.AcceptAsync(r, [7], null, CancellationToken.None)).ToList();

        await Poll.UntilAsync(async () => (await check.CheckHealthAsync(new HealthCheckContext())).Status == HealthStatus.Degraded,
            "the intake to turn degraded while its reports wait");
        var degraded = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Contains("5 run reports wait to be stored", degraded.Description, StringComparison.Ordinal);
        Assert.All(answers, a => Assert.False(a.IsCompleted));

        await holding.RollbackAsync();
        Assert.All(await Task.WhenAll(answers), outcome => Assert.Equal(ReportOutcome.Accepted, outcome));
        var healthy = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal((0, null), intake.Current);
        await host.StopAsync();
    }

    /// <summary>A payload nested deeper than MassTransit's JSON serializer writes (64 levels): the broker can never take it.</summary>
    private static RunCompleted Unpublishable()
    {
        var json = string.Concat(Enumerable.Repeat("{\"d\":", 70)) + "1" + new string('}', 70);
        using var document = System.Text.Json.JsonDocument.Parse(json, new System.Text.Json.JsonDocumentOptions { MaxDepth = 256 });
        return Run() with { Connector = "poison_test", Payload = document.RootElement.Clone() };
    }

    [Fact]
    public async Task ARunThatCannotBePublishedIsParkedWithItsReasonAndTheRunsBehindItFlowOn()
    {
        var received = new Received();
        var database = await postgres.CreateDatabaseConnectionStringAsync("parking");
        using var host = BuildRunnerHost(database, received);
        await host.StartAsync();
        var buffer = host.Services.GetRequiredService<RunBuffer>();
        var reports = host.Services.GetRequiredService<ReportStore>();
        var pendingRuns = host.Services.GetRequiredService<PendingRunStore>();

        var poison = Unpublishable() with { Source = RunSource.Reported };
        Assert.Equal(ReportOutcome.Accepted, await reports.AcceptReportAsync(poison, [1], null, CancellationToken.None));
        Assert.True(buffer.TryEnqueueStored(new PendingRun(poison, null, Stored: true, DateTimeOffset.UtcNow)));
        var behind = Enumerable.Range(0, 50).Select(_ => Run()).ToList();
        foreach (var run in behind)
        {
            await buffer.EnqueueAsync(run, CancellationToken.None);
        }

        await Poll.UntilAsync(() => behind.All(r => received.Runs.ContainsKey(r.RunId)), "the runs behind the poison run to arrive");
        await Poll.UntilAsync(async () => await pendingRuns.CountParkedAsync(CancellationToken.None) == 1, "the poison run to be parked");
        var parked = Assert.Single(await pendingRuns.ListParkedAsync(10, CancellationToken.None));
        Assert.Equal(poison.RunId, parked.RunId);
        Assert.Contains("serialised", parked.Reason, StringComparison.Ordinal);
        Assert.False(received.Runs.ContainsKey(poison.RunId));
        Assert.Empty(await pendingRuns.ListPendingAsync(10, CancellationToken.None));
        await Poll.UntilAsync(() => buffer.Depth == 0, "the buffer to empty");

        // Re-driven while the cause persists, it is parked again rather than lost or stuck.
        var parkedStore = new ParkedRunStore(pendingRuns, buffer);
        Assert.Equal(1, await parkedStore.RedriveAsync([poison.RunId.ToString()], CancellationToken.None));
        await Poll.UntilAsync(async () => await pendingRuns.CountParkedAsync(CancellationToken.None) == 1 && buffer.Depth == 0,
            "the re-driven poison run to be parked again");
        await host.StopAsync();
    }
}
