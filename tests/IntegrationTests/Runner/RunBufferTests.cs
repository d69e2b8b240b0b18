using System.Collections.Concurrent;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Runner;
using ConnectorHealth.Runner.Runs;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Runner;

/// <summary>The runner's publish buffer against a real RabbitMQ that goes away and comes back, and a real PostgreSQL.</summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class RunBufferTests(RabbitMQServer rabbit, PostgresServer postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

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

    private IHost BuildRunnerHost(string database, Received received)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration[$"ConnectionStrings:{ServiceDefaults.ResourceNames.Database}"] = database;
        builder.Configuration[$"ConnectionStrings:{ServiceDefaults.ResourceNames.Messaging}"] = rabbit.Uri.ToString();
        builder.AddServiceDatabase("runner", typeof(RunnerStore).Assembly);
        builder.AddMessaging("buffer-test", bus => bus.AddConsumer<CollectingConsumer>());
        // The consumer's queue must be bound before the broker goes away, or nothing routes to it.
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        builder.Services.Configure<RunnerOptions>(o => o.PublishTimeout = TimeSpan.FromSeconds(2));
        builder.Services.AddSingleton(received);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RunnerStore>();
        builder.Services.AddSingleton<RunBuffer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RunBuffer>());
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

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (!condition())
        {
            try
            {
                await Task.Delay(200, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {Patience} for {what}");
            }
        }
    }

    [Fact]
    public async Task RunsFinishedWhileTheBrokerIsDownWaitInTheBufferAndAreAllPublishedWhenItReturns()
    {
        var received = new Received();
        using var host = BuildRunnerHost(await postgres.CreateDatabaseConnectionStringAsync("buffer"), received);
        await host.StartAsync();
        var buffer = host.Services.GetRequiredService<RunBuffer>();

        await rabbit.StopAsync();
        var runs = Enumerable.Range(0, 20).Select(_ => Run()).ToList();
        foreach (var run in runs)
        {
            await buffer.EnqueueAsync(run, CancellationToken.None);
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(20, buffer.Depth);
        Assert.Empty(received.Runs);

        await rabbit.StartAsync();
        await WaitUntilAsync(() => runs.All(r => received.Runs.ContainsKey(r.RunId)), "every buffered run to arrive");
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
        Assert.Empty(received.Runs);

        await rabbit.StartAsync();
        using var second = BuildRunnerHost(database, received);
        await second.StartAsync();
        await WaitUntilAsync(() => runs.All(r => received.Runs.ContainsKey(r.RunId)), "the kept runs to arrive after the restart");

        await using (var dataSource = NpgsqlDataSource.Create(database))
        {
            await WaitUntilAsync(() =>
                (long)dataSource.CreateCommand("SELECT count(*) FROM runner.pending_runs").ExecuteScalar()! == 0, "the pending rows to go");
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
        var store = host.Services.GetRequiredService<RunnerStore>();
        var run = Run() with { Source = RunSource.Reported };

        Assert.Equal(ReportOutcome.Accepted, await store.AcceptReportAsync(run, [1, 2, 3], null, CancellationToken.None));
        Assert.Equal(ReportOutcome.AlreadyAccepted, await store.AcceptReportAsync(run, [1, 2, 3], null, CancellationToken.None));
        Assert.Equal(ReportOutcome.ConflictsWithEarlierReport, await store.AcceptReportAsync(run, [9, 9, 9], null, CancellationToken.None));

        var pending = Assert.Single(await store.LoadPendingAsync(100, [], CancellationToken.None));
        Assert.Equal(run, pending.Run with { Attempts = run.Attempts, PayloadTruncationReasons = run.PayloadTruncationReasons });
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
        var store = host.Services.GetRequiredService<RunnerStore>();

        var poison = Unpublishable() with { Source = RunSource.Reported };
        Assert.Equal(ReportOutcome.Accepted, await store.AcceptReportAsync(poison, [1], null, CancellationToken.None));
        Assert.True(buffer.TryEnqueueStored(new PendingRun(poison, null, Stored: true, DateTimeOffset.UtcNow)));
        var behind = Enumerable.Range(0, 50).Select(_ => Run()).ToList();
        foreach (var run in behind)
        {
            await buffer.EnqueueAsync(run, CancellationToken.None);
        }

        await WaitUntilAsync(() => behind.All(r => received.Runs.ContainsKey(r.RunId)), "the runs behind the poison run to arrive");
        await WaitUntilAsync(() => store.CountParkedAsync(CancellationToken.None).GetAwaiter().GetResult() == 1, "the poison run to be parked");
        var parked = Assert.Single(await store.ListParkedAsync(10, CancellationToken.None));
        Assert.Equal(poison.RunId, parked.RunId);
        Assert.Contains("serialised", parked.Reason, StringComparison.Ordinal);
        Assert.False(received.Runs.ContainsKey(poison.RunId));
        Assert.Empty(await store.LoadPendingAsync(10, [], CancellationToken.None));
        await WaitUntilAsync(() => buffer.Depth == 0, "the buffer to empty");

        // Re-driven while the cause persists, it is parked again rather than lost or stuck.
        var parkedStore = new ParkedRunStore(store, buffer);
        Assert.Equal(1, await parkedStore.RedriveAsync([poison.RunId.ToString()], CancellationToken.None));
        await WaitUntilAsync(() => store.CountParkedAsync(CancellationToken.None).GetAwaiter().GetResult() == 1 && buffer.Depth == 0,
            "the re-driven poison run to be parked again");
        await host.StopAsync();
    }
}
