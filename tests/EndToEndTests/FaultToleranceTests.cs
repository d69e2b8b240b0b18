using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RabbitMQ.Client;

namespace ConnectorHealth.EndToEndTests;

/// <summary>
/// The pipeline under faults, on a system of its own: a known set of runs is reported through the gateway (and published
/// straight to the broker, every message twice, with poison messages mixed in) while RabbitMQ is killed and restarted,
/// PostgreSQL is stopped until every part has seen it gone, and a consuming service is killed mid-batch. Afterwards every
/// accepted run is stored exactly once by every consumer, the KPIs count them all, the error queues hold only the
/// poison, and the whole system is healthy again. Each step waits for what it can see (a resource's state, answers to
/// reports, rows), not for a fixed time.
/// </summary>
[Collection(OwnSystemsCollection.Name)]
public sealed class FaultToleranceTests(OwnSystem system) : IClassFixture<OwnSystem>
{
    private const string RunCompletedExchange = "ConnectorHealth.Contracts:RunCompleted";
    private static readonly string[] ConsumerQueues = ["metrics-run-completed", "drift-run-completed", "alerting-run-completed"];
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(120);

    private readonly string _connector = $"fault_suite_{Guid.NewGuid():N}"[..24];
    private readonly ConcurrentDictionary<Guid, bool> _accepted = new();
    private int _refused;

    [Fact]
    public async Task EveryAcceptedRunIsStoredExactlyOnceThroughBrokerDatabaseAndConsumerFailures()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(9));
        var errorsBefore = await ErrorQueueDepthsAsync(deadline.Token);
        // Without pooling: each look opens a connection of its own, so none is left broken by the database's restart.
        var database = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder((await system.DatabaseConnectionStringAsync())!)
        {
            Pooling = false,
        }.ConnectionString);
        await using var _ = database;

        // Reports at a steady pace for the whole test, each retried until the runner accepts it.
        using var stopReporting = new CancellationTokenSource();
        var reporter = ReportContinuouslyAsync(stopReporting.Token);

        // (d) every message delivered twice, and (e) poison mixed in: published straight to the broker.
        var published = new List<Guid>();
        const int poisonCount = 3;
        await using (var broker = await BrokerChannelAsync())
        {
            for (var i = 0; i < 100; i++)
            {
                var runId = Guid.CreateVersion7();
                published.Add(runId);
                var body = Envelope(RunJson(runId));
                await PublishAsync(broker.Channel, body);
                await PublishAsync(broker.Channel, body);
                if (i is 10 or 50 or 90)
                {
                    await PublishAsync(broker.Channel, Envelope(Poison(i)));
                }
            }
        }
        await Poll.UntilAsync(async () => _accepted.Count >= 10 && await CountAsync(database, "metrics.runs") > 0,
            () => $"reports accepted and the published runs being stored ({_accepted.Count} accepted)", StepTimeout, cancellationToken: deadline.Token);

        // (a) RabbitMQ killed outright; the runner keeps accepting reports while it is away, then it is started again.
        Kill("-KILL", "-f", Path.Combine(system.DataDirectory, "rabbitmq"));
        await WaitUntilExitedAsync(ResourceNames.Messaging, deadline.Token);
        await WaitForMoreAcceptedAsync(5, "while RabbitMQ is away", deadline.Token);
        await StartAsync(ResourceNames.Messaging, deadline.Token);
        await WaitForMoreAcceptedAsync(5, "once RabbitMQ is back", deadline.Token);

        // (b) PostgreSQL stopped (fast shutdown): reports are answered 503 and retried until it is back.
        var postmaster = File.ReadLines(Path.Combine(system.DataDirectory, "postgres", "postmaster.pid")).First();
        var refusedBefore = Volatile.Read(ref _refused);
        Kill("-INT", postmaster);
        await WaitUntilExitedAsync(ResourceNames.Postgres, deadline.Token);
        await Poll.UntilAsync(() => Volatile.Read(ref _refused) >= refusedBefore + 3,
            () => $"reports refused while PostgreSQL is away ({Volatile.Read(ref _refused) - refusedBefore} so far)", StepTimeout);
        await StartAsync(ResourceNames.Postgres, deadline.Token);

        // (c) a consuming service killed while a burst is being consumed, then started again.
        var burst = await PublishRunsAsync(published, 300);
        await Poll.UntilAsync(async () => await CountAsync(database, "metrics.runs", burst) > 0,
            "the metrics service storing the burst", StepTimeout, cancellationToken: deadline.Token);
        // The resource's process may be a launcher (`dotnet run`) with the service as its child: kill both at once.
        var metrics = ProcessId(ResourceNames.Metrics);
        Kill("-KILL", "-P", metrics);
        Kill("-KILL", metrics);
        await WaitUntilExitedAsync(ResourceNames.Metrics, deadline.Token);
        await StartAsync(ResourceNames.Metrics, deadline.Token);

        await WaitForMoreAcceptedAsync(5, "once every part is back", deadline.Token);
        // Enough reports through the faults to mean something: over a hundred accepted in all.
        await Poll.UntilAsync(() => _accepted.Count > 100, () => $"over 100 reports accepted in all ({_accepted.Count} so far)", StepTimeout);
        await stopReporting.CancelAsync();
        await reporter;

        var expected = _accepted.Keys.Concat(published).ToHashSet();

        foreach (var table in new[] { "metrics.runs", "drift.runs", "alerting.runs" })
        {
            // On a timeout, say what is missing or extra and what the service set aside, so a lost run can be traced.
            await Poll.UntilAsync(() => StoredAsync(database, table), ids => ids.SetEquals(expected),
                ids => $"every accepted run in {table}: {expected.Except(ids).Count()} missing ({string.Join(", ", expected.Except(ids).Take(5))}), "
                    + $"{ids.Except(expected).Count()} not expected; the service's dead letters: "
                    + system.Gateway.GetStringAsync($"/api/system/{table[..table.IndexOf('.', StringComparison.Ordinal)]}/dead-letters?limit=20").GetAwaiter().GetResult(),
                StepTimeout, TimeSpan.FromMilliseconds(500), deadline.Token);
            Assert.Equal(expected.Count, await CountAsync(database, table));
        }

        var daily = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/kpis/daily?connector={_connector}", deadline.Token);
        Assert.Equal(expected.Count, Rows(daily).Sum(d => d.GetProperty("runs").GetInt32()));

        var errorsAfter = await ErrorQueueDepthsAsync(deadline.Token);
        foreach (var queue in ConsumerQueues)
        {
            if (errorsAfter[queue] != errorsBefore[queue] + poisonCount)
            {
                // A poison message set aside just before the broker was killed can be set aside again once it is back (the
                // broker lost the acknowledgement, not the copy): the same message, by its id, twice. Anything else set
                // aside — an outage turned into dead letters — fails, named.
                var service = queue[..queue.IndexOf('-', StringComparison.Ordinal)];
                var listed = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/system/{service}/dead-letters?limit=500", deadline.Token);
                var items = listed.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("store").GetString() == queue + "_error").ToList();
                var distinct = items.Select(i => i.GetProperty("id").GetString()).Distinct(StringComparer.Ordinal).Count();
                Assert.True(distinct == errorsBefore[queue] + poisonCount && items.All(i => i.GetProperty("reason").GetString()!.Contains("Guid", StringComparison.Ordinal)),
                    $"{queue}_error holds {errorsAfter[queue] - errorsBefore[queue]} new messages ({distinct} distinct), {poisonCount} expected: {listed}");
            }
        }

        // The operator sees each poison message with the reason it was set aside.
        foreach (var service in new[] { ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting })
        {
            var listed = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/system/{service}/dead-letters?limit=500", deadline.Token);
            var poison = listed.GetProperty("items").EnumerateArray()
                .Where(i => i.GetProperty("connector").ValueKind == JsonValueKind.String && i.GetProperty("connector").GetString() == _connector)
                .DistinctBy(i => (i.GetProperty("store").GetString(), i.GetProperty("id").GetString()))
                .ToList();
            Assert.Equal(poisonCount, poison.Count);
            Assert.All(poison, p => Assert.Contains("Guid", p.GetProperty("reason").GetString(), StringComparison.Ordinal));
        }

        using var healthy = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Task.WhenAll(ConnectorHealthApp.AllResources.Select(name =>
            system.App.ResourceNotifications.WaitForResourceHealthyAsync(name, healthy.Token)));
    }

    private Task WaitForMoreAcceptedAsync(int more, string when, CancellationToken cancellationToken)
    {
        var before = _accepted.Count;
        return Poll.UntilAsync(() => Task.FromResult(_accepted.Count >= before + more),
            () => $"{more} more reports accepted {when} ({_accepted.Count - before} so far)", StepTimeout, cancellationToken: cancellationToken);
    }

    /// <summary>Waits until the resource's process is seen gone: killed, not yet started again.</summary>
    private async Task WaitUntilExitedAsync(string resource, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StepTimeout);
        await system.App.ResourceNotifications.WaitForResourceAsync(
            resource, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), timeout.Token);
    }

    /// <summary>Publishes <paramref name="count"/> new runs straight to the broker, adds them to the published, and returns them.</summary>
    private async Task<List<Guid>> PublishRunsAsync(List<Guid> published, int count)
    {
        var runIds = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToList();
        await using (var broker = await BrokerChannelAsync())
        {
            foreach (var runId in runIds)
            {
                await PublishAsync(broker.Channel, Envelope(RunJson(runId)));
            }
        }
        published.AddRange(runIds);
        return runIds;
    }

    private async Task ReportContinuouslyAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var runId = Guid.CreateVersion7();
            var report = JsonSerializer.Serialize(new
            {
                runId,
                connector = _connector,
                status = runId.GetHashCode() % 5 == 0 ? "failed" : "succeeded",
                startedAt = DateTimeOffset.UtcNow.AddSeconds(-2),
                finishedAt = DateTimeOffset.UtcNow.AddSeconds(-1),
                payload = new { id = 1, name = "n" },
            });
            // A report is the client's until a 202: on 503 (or the gateway unable to reach the runner) it tries again.
            for (var attempt = 0; attempt < 600; attempt++)
            {
                try
                {
                    using var response = await system.Gateway.PostAsync(
                        "/api/runs", new StringContent(report, Encoding.UTF8, "application/json"), CancellationToken.None);
                    if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                    {
                        _accepted[runId] = true;
                        break;
                    }
                    Interlocked.Increment(ref _refused);
                    Assert.True((int)response.StatusCode >= 500, $"Report refused with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        Assert.NotNull(response.Headers.RetryAfter);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref _refused);
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None);
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private string RunJson(Guid runId) => JsonSerializer.Serialize(new
    {
        runId,
        connector = _connector,
        source = 2, // RunSource.Reported: the bus carries enums as numbers
        startedAt = DateTimeOffset.UtcNow.AddSeconds(-2),
        finishedAt = DateTimeOffset.UtcNow.AddSeconds(-1),
        status = 0, // RunStatus.Succeeded
        latencyMs = 1000.0,
        attempts = Array.Empty<object>(),
        payload = new { id = 2 },
        payloadBytes = 8,
    }, new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>A message no consumer can read: its run id is not a UUID.</summary>
    private string Poison(int i) => $$"""{"runId":"poison-{{i}}","connector":"{{_connector}}","status":"succeeded"}""";

    /// <summary>The MassTransit envelope the services read, as the runner publishes it.</summary>
    private static byte[] Envelope(string messageJson) => Encoding.UTF8.GetBytes(
        $$"""
        {
          "messageId": "{{Guid.NewGuid()}}",
          "conversationId": "{{Guid.NewGuid()}}",
          "sourceAddress": "rabbitmq://localhost/fault-suite",
          "destinationAddress": "rabbitmq://localhost/{{RunCompletedExchange}}",
          "messageType": ["urn:message:{{RunCompletedExchange}}"],
          "message": {{messageJson}},
          "sentTime": "{{DateTimeOffset.UtcNow:O}}",
          "headers": {}
        }
        """);

    private async Task<Broker> BrokerChannelAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri((await system.App.GetConnectionStringAsync(ResourceNames.Messaging))!) };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        return new Broker(connection, channel);
    }

    private sealed class Broker(IConnection connection, IChannel channel) : IAsyncDisposable
    {
        public IChannel Channel => channel;

        public async ValueTask DisposeAsync()
        {
            await channel.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    private static async Task PublishAsync(IChannel channel, byte[] body)
    {
        var properties = new BasicProperties
        {
            ContentType = "application/vnd.masstransit+json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = Guid.NewGuid().ToString(),
        };
        await channel.BasicPublishAsync(RunCompletedExchange, "", mandatory: false, properties, body);
    }

    private async Task<Dictionary<string, uint>> ErrorQueueDepthsAsync(CancellationToken cancellationToken)
    {
        var depths = new Dictionary<string, uint>();
        foreach (var queue in ConsumerQueues)
        {
            uint? last = null;
            await Poll.UntilAsync(async () =>
            {
                var depth = await ErrorQueueDepthAsync(queue + "_error", cancellationToken);
                // Settled: the same depth twice in a row, a second apart.
                var settled = depth == last;
                last = depth;
                return settled;
            }, () => $"{queue}_error to settle (last depth {last})", StepTimeout, TimeSpan.FromSeconds(1), cancellationToken);
            depths[queue] = last!.Value;
        }
        return depths;
    }

    /// <summary>A queue's depth; a queue not declared yet (no message ever failed there) holds none.</summary>
    private async Task<uint> ErrorQueueDepthAsync(string queue, CancellationToken cancellationToken)
    {
        // A passive declare of a missing queue closes the channel, so each look gets its own.
        await using var broker = await BrokerChannelAsync();
        try
        {
            return (await broker.Channel.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }

    private async Task StartAsync(string resource, CancellationToken cancellationToken)
    {
        var commands = system.App.Services.GetRequiredService<ResourceCommandService>();
        await Poll.UntilAsync(async () => (await commands.ExecuteCommandAsync(resource, "resource-start", cancellationToken)).Success,
            $"{resource} to take the start command", StepTimeout, TimeSpan.FromSeconds(2), cancellationToken);
        // The state stream starts with the current snapshot, which can still be the killed process's "Exited" for a
        // moment after the start command returns: wait through it rather than stopping at the first unavailable state.
        using var healthy = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await system.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, WaitBehavior.WaitOnResourceUnavailable, healthy.Token);
    }

    private string ProcessId(string resource)
    {
        Assert.True(system.App.ResourceNotifications.TryGetCurrentState(resource, out var state));
        var pid = state!.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        Assert.NotNull(pid);
        return Convert.ToString(pid, System.Globalization.CultureInfo.InvariantCulture)!;
    }

    private static void Kill(params string[] args)
    {
        var program = args[^1].Contains('/', StringComparison.Ordinal) || args.Contains("-P") ? "pkill" : "kill";
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        process.WaitForExit();
    }

    private async Task<HashSet<Guid>> StoredAsync(NpgsqlDataSource database, string table)
    {
        await using var command = database.CreateCommand($"SELECT run_id FROM {table} WHERE connector = $1");
        command.Parameters.AddWithValue(_connector);
        var ids = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    /// <summary>The suite's rows in <paramref name="table"/>, or only those of the runs given.</summary>
    private async Task<long> CountAsync(NpgsqlDataSource database, string table, List<Guid>? runIds = null)
    {
        await using var command = database.CreateCommand(
            $"SELECT count(*) FROM {table} WHERE connector = $1 AND ($2::uuid[] IS NULL OR run_id = ANY($2))");
        command.Parameters.AddWithValue(_connector);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)runIds?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static IEnumerable<JsonElement> Rows(JsonElement document) =>
        document.GetProperty("items").EnumerateArray();
}
