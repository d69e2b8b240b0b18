using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Runner;
using ConnectorHealth.Runner.Connectors;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace ConnectorHealth.IntegrationTests.Runner;

/// <summary>
/// Three replicas of the real Runner service share one schedule (real PostgreSQL and RabbitMQ): every slot of every
/// connector runs once, a replica that stops loses no slot, and a slot its run left under way is run again, late and once.
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class SharedScheduleTests(RabbitMQServer rabbit, PostgresServer postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task EverySlotRunsOnceOnThreeReplicasAndNoneIsLostWhenOneStops()
    {
        var connectors = Enumerable.Range(1, 6).Select(i => $"shared_{i}").ToArray();
        var settings = connectors.SelectMany(c => new[]
        {
            ($"Runner:Connectors:{c}:Kind", "good_api"),
            ($"Runner:Connectors:{c}:Interval", Interval.ToString()),
        }).Append(("Runner:FailoverAfter", "00:00:03")).ToArray();
        var database = await postgres.CreateDatabaseConnectionStringAsync("runner_shared_schedule");
        var published = new PublishedRuns();
        var replicas = Enumerable.Range(0, 3).Select(_ => new ServiceHost<RunnerOptions>(database, rabbit.Uri, settings)).ToList();
        try
        {
            foreach (var replica in replicas)
            {
                replica.Services.GetRequiredService<IBus>().ConnectPublishObserver(published);
            }
            await Poll.UntilAsync(() => connectors.All(c => published.Of(c).Count >= 4), "four slots of every connector");
            // One replica stops; the other two go on with its share of the slots.
            await replicas[0].DisposeAsync();
            var stoppedAt = DateTimeOffset.UtcNow;
            await Poll.UntilAsync(() => connectors.All(c => published.Of(c).Count(r => r.StartedAt > stoppedAt) >= 4), "four more slots of every connector");
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }

        foreach (var connector in connectors)
        {
            var runs = published.Of(connector);
            Assert.Equal(runs.Count, runs.Select(r => r.RunId).Distinct().Count());
            var starts = runs.Select(r => r.StartedAt).Order().ToList();
            var gaps = starts.Zip(starts.Skip(1), (a, b) => b - a).ToList();
            output.WriteLine($"{connector}: {runs.Count} runs, gaps {string.Join(", ", gaps.Select(g => g.TotalSeconds.ToString("F2")))} s");
            // Two runs of one slot would start together; a lost slot would leave a gap of two intervals.
            Assert.All(gaps, gap => Assert.InRange(gap, Interval - TimeSpan.FromSeconds(0.5), Interval * 2 - TimeSpan.FromSeconds(0.3)));
            Assert.All(runs, r => Assert.Equal(RunSource.Scheduled, r.Source));
        }
    }

    [Fact]
    public async Task ASlotLeftUnderWayByAReplicaThatStoppedRunsAgainLateAndOnceWithItsRunId()
    {
        const string Connector = "held_api";
        await using var api = await GatedApi.StartAsync();
        var database = await postgres.CreateDatabaseConnectionStringAsync("runner_slot_retaken");
        var published = new PublishedRuns();
        var settings = api.ConnectorSettings(Connector);
        var replicas = Enumerable.Range(0, 3).Select(_ => new ServiceHost<RunnerOptions>(database, rabbit.Uri, settings)).ToList();
        Guid underWay;
        try
        {
            foreach (var replica in replicas)
            {
                replica.Services.GetRequiredService<IBus>().ConnectPublishObserver(published);
            }
            // The first slot is now: one replica takes it and its run waits at the API.
            await Poll.UntilAsync(() => api.Calls == 1, "the first slot's run to call the API");
            var holder = await Poll.UntilFoundAsync(
                () => replicas.FirstOrDefault(r => r.Services.GetRequiredService<ConnectorCatalog>().Find(Connector)?.RunningHere == true),
                "the replica running the slot");

            // The other replicas show it running, and run now on one of them is refused, pointed at the run under way.
            using (var other = replicas.First(r => r != holder).CreateClient())
            {
                await Poll.UntilAsync(async () => (await other.GetFromJsonAsync<JsonElement>($"/api/connectors/{Connector}")).GetProperty("running").GetBoolean(),
                    "another replica to show the connector running");
            }
            using (var other = replicas.First(r => r != holder).CreateClient())
            using (var refused = await other.PostAsync($"/api/connectors/{Connector}/runs", null))
            {
                Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
                underWay = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
            }
            await holder.DisposeAsync();

            // Another replica finds the slot under way with no one holding it, and runs it again.
            await Poll.UntilAsync(() => api.Calls == 2, "the slot to be run again by another replica", TimeSpan.FromSeconds(30));
            api.Release();
            var run = await Poll.UntilFoundAsync(() => published.Of(Connector).FirstOrDefault(), "the slot's run published");
            Assert.Equal(RunStatus.Succeeded, run.Status);
            Assert.Equal(underWay, run.RunId);

            // Nothing more: the next slot is an hour away, and the slot's run is published once.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(run.RunId, Assert.Single(published.Of(Connector)).RunId);
            Assert.Equal(2, api.Calls);
        }
        finally
        {
            api.Release();
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ARunWhoseLockIsLostMidRunIsStoppedAndItsSlotRunOnceByTheReplicaThatTakesTheLock()
    {
        const string Connector = "cut_api";
        await using var api = await GatedApi.StartAsync();
        var database = await postgres.CreateDatabaseConnectionStringAsync("runner_lock_lost");
        var published = new PublishedRuns();
        var settings = api.ConnectorSettings(Connector);
        var replicas = Enumerable.Range(0, 2).Select(_ => new ServiceHost<RunnerOptions>(database, rabbit.Uri, settings)).ToList();
        try
        {
            foreach (var replica in replicas)
            {
                replica.Services.GetRequiredService<IBus>().ConnectPublishObserver(published);
            }
            await Poll.UntilAsync(() => api.Calls == 1, "the first slot's run to call the API");

            // The server ends the session that holds the connector's lock, as it does for a client it lost (a network
            // cut, a machine gone): the run that held it stops, and the slot is run again, once.
            await using (var data = Npgsql.NpgsqlDataSource.Create(database))
            {
                await using var cut = data.CreateCommand(
                    """
                    SELECT count(pg_terminate_backend(pid)) FROM pg_locks
                     WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    """);
                Assert.True((long)(await cut.ExecuteScalarAsync())! >= 1);
            }
            await Poll.UntilAsync(() => api.Aborted == 1, "the run that lost its lock to stop calling the API", TimeSpan.FromSeconds(30));
            await Poll.UntilAsync(() => api.Calls == 2, "the slot to be run again", TimeSpan.FromSeconds(30));
            api.Release();
            var run = await Poll.UntilFoundAsync(() => published.Of(Connector).FirstOrDefault(), "the slot's run published");
            Assert.Equal(RunStatus.Succeeded, run.Status);

            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(run.RunId, Assert.Single(published.Of(Connector)).RunId);
            Assert.Equal(2, api.Calls);
        }
        finally
        {
            api.Release();
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ALockWatchedForLossIsLetGoWithinSecondsWhenItsHolderIsCutOffSoAnotherReplicaRunsTheSlotAgain()
    {
        const string Connector = "vanished_api";
        await using var api = await GatedApi.StartAsync();
        var database = await postgres.CreateDatabaseConnectionStringAsync("runner_holder_cut");
        var published = new PublishedRuns();
        var settings = api.ConnectorSettings(Connector);
        // The first replica reaches PostgreSQL through a relay that is then cut, as when its machine is lost or the
        // process killed: the server sees the client go while the lock's session is busy watching the lock (the
        // library's pg_sleep), which a server backend does not notice by itself until that query ends a minute later.
        await using var relay = new TcpRelay(postgres.Port);
        var relayed = new Npgsql.NpgsqlConnectionStringBuilder(database) { Port = relay.Port }.ConnectionString;
        var cutOff = new ServiceHost<RunnerOptions>(relayed, rabbit.Uri, settings);
        ServiceHost<RunnerOptions>? other = null;
        try
        {
            cutOff.Services.GetRequiredService<IBus>().ConnectPublishObserver(published);
            await Poll.UntilAsync(() => api.Calls == 1, "the first slot's run to call the API");
            other = new ServiceHost<RunnerOptions>(database, rabbit.Uri, settings);
            other.Services.GetRequiredService<IBus>().ConnectPublishObserver(published);

            var cutAt = DateTimeOffset.UtcNow;
            await relay.CutAsync();
            await Poll.UntilAsync(() => api.Calls == 2, "the slot to be run again by the other replica", TimeSpan.FromSeconds(40));
            var takenOverIn = DateTimeOffset.UtcNow - cutAt;
            output.WriteLine($"taken over {takenOverIn.TotalSeconds:F1} s after the cut");
            // Runner:FailoverAfter is 3 s here: the server lets go within a second or two of the cut, and the other
            // replica looks every FailoverAfter / 3; well within the minute the watching query would have held it.
            Assert.True(takenOverIn < TimeSpan.FromSeconds(20), $"taken over only {takenOverIn} after the cut");
            api.Release();
            var run = await Poll.UntilFoundAsync(() => published.Of(Connector).FirstOrDefault(), "the slot's run published");
            Assert.Equal(RunStatus.Succeeded, run.Status);
        }
        finally
        {
            api.Release();
            if (other is not null)
            {
                await other.DisposeAsync();
            }
            await cutOff.DisposeAsync();
        }
    }
}

/// <summary>
/// A connector's API on loopback that holds every call until released (a run stays under way as long as a test needs),
/// counting the calls and those the caller gave up on; and the settings of a connector calling it once an hour.
/// </summary>
internal sealed class GatedApi : IAsyncDisposable
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication _app = null!;
    private int _calls;
    private int _aborted;

    public int Calls => Volatile.Read(ref _calls);

    public int Aborted => Volatile.Read(ref _aborted);

    public static async Task<GatedApi> StartAsync()
    {
        var api = new GatedApi();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        api._app = builder.Build();
        api._app.MapGet("/held", async (CancellationToken cancelled) =>
        {
            Interlocked.Increment(ref api._calls);
            try
            {
                await api._release.Task.WaitAsync(cancelled);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref api._aborted);
                throw;
            }
            return Results.Json(new { ok = true });
        });
        await api._app.StartAsync();
        return api;
    }

    public void Release() => _release.TrySetResult();

    public (string, string)[] ConnectorSettings(string connector) =>
    [
        ($"Runner:Connectors:{connector}:Kind", "http"),
        ($"Runner:Connectors:{connector}:Interval", "01:00:00"),
        ($"Runner:Connectors:{connector}:Timeout", "00:01:00"),
        ($"Runner:Connectors:{connector}:Retry:MaxAttempts", "1"),
        ($"Runner:Connectors:{connector}:Http:Url", $"{_app.Urls.First()}/held"),
        ("Runner:FailoverAfter", "00:00:03"),
    ];

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.DisposeAsync();
    }
}
