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
/// The pipeline under faults, on the shared running system: a known set of runs is reported through the gateway (and
/// published straight to the broker, every message twice, with poison messages mixed in) while RabbitMQ is killed and
/// restarted, PostgreSQL is stopped for a minute, and a consuming service is killed mid-batch. Afterwards every accepted
/// run is stored exactly once by every consumer, the KPIs count them all, the error queues hold only the poison, and
/// the whole system is healthy again.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class FaultToleranceTests(ConnectorHealthApp system)
{
    private const string RunCompletedExchange = "ConnectorHealth.Contracts:RunCompleted";
    private static readonly string[] ConsumerQueues = ["metrics-run-completed", "drift-run-completed", "alerting-run-completed"];
    private static readonly TimeSpan DatabaseOutage = TimeSpan.FromSeconds(60);

    private readonly string _connector = $"fault_suite_{Guid.NewGuid():N}"[..24];

    [Fact]
    public async Task EveryAcceptedRunIsStoredExactlyOnceThroughBrokerDatabaseAndConsumerFailures()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(9));
        var errorsBefore = await ErrorQueueDepthsAsync(deadline.Token);

        // Reports at a steady pace for the whole test, each retried until the runner accepts it.
        var accepted = new ConcurrentDictionary<Guid, bool>();
        using var stopReporting = new CancellationTokenSource();
        var reporter = ReportContinuouslyAsync(accepted, stopReporting.Token);

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

        // (a) RabbitMQ killed outright, started again a little later.
        await Task.Delay(TimeSpan.FromSeconds(3), deadline.Token);
        Kill("-KILL", "-f", Path.Combine(system.DataDirectory, "rabbitmq"));
        await Task.Delay(TimeSpan.FromSeconds(8), deadline.Token);
        await StartAsync(ResourceNames.Messaging, deadline.Token);

        // (b) PostgreSQL stopped (fast shutdown) for a minute: reports are answered 503 and retried, consumers wait.
        await Task.Delay(TimeSpan.FromSeconds(5), deadline.Token);
        var postmaster = File.ReadLines(Path.Combine(system.DataDirectory, "postgres", "postmaster.pid")).First();
        Kill("-INT", postmaster);
        await Task.Delay(DatabaseOutage, deadline.Token);
        await StartAsync(ResourceNames.Postgres, deadline.Token);

        // (c) a consuming service killed while a burst is being consumed, then started again.
        await using (var broker = await BrokerChannelAsync())
        {
            for (var i = 0; i < 300; i++)
            {
                var runId = Guid.CreateVersion7();
                published.Add(runId);
                await PublishAsync(broker.Channel, Envelope(RunJson(runId)));
            }
        }
        // The resource's process may be a launcher (`dotnet run`) with the service as its child: kill both at once.
        var metrics = ProcessId(ResourceNames.Metrics);
        Kill("-KILL", "-P", metrics);
        Kill("-KILL", metrics);
        await Task.Delay(TimeSpan.FromSeconds(2), deadline.Token);
        await StartAsync(ResourceNames.Metrics, deadline.Token);

        await Task.Delay(TimeSpan.FromSeconds(5), deadline.Token);
        await stopReporting.CancelAsync();
        await reporter;

        var expected = accepted.Keys.Concat(published).ToHashSet();
        Assert.True(accepted.Count > 100, $"Only {accepted.Count} reports were accepted.");

        await using var database = NpgsqlDataSource.Create((await system.DatabaseConnectionStringAsync())!);
        foreach (var table in new[] { "metrics.runs", "drift.runs", "alerting.runs" })
        {
            await WaitForAsync(async () => (await StoredAsync(database, table)).SetEquals(expected),
                $"every accepted run in {table}", deadline.Token);
            Assert.Equal(expected.Count, await RowCountAsync(database, table));
        }

        var daily = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/kpis/daily?connector={_connector}", deadline.Token);
        Assert.Equal(expected.Count, Rows(daily).Sum(d => d.GetProperty("runs").GetInt32()));

        var errorsAfter = await ErrorQueueDepthsAsync(deadline.Token);
        foreach (var queue in ConsumerQueues)
        {
            Assert.Equal(errorsBefore[queue] + poisonCount, errorsAfter[queue]);
        }

        // The operator sees each poison message with the reason it was set aside.
        foreach (var service in new[] { ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting })
        {
            var listed = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/system/{service}/dead-letters?limit=500", deadline.Token);
            var poison = listed.GetProperty("items").EnumerateArray()
                .Where(i => i.GetProperty("connector").ValueKind == JsonValueKind.String && i.GetProperty("connector").GetString() == _connector)
                .ToList();
            Assert.Equal(poisonCount, poison.Count);
            Assert.All(poison, p => Assert.Contains("Guid", p.GetProperty("reason").GetString(), StringComparison.Ordinal));
        }

        using var healthy = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Task.WhenAll(ConnectorHealthApp.AllResources.Select(name =>
            system.App.ResourceNotifications.WaitForResourceHealthyAsync(name, healthy.Token)));
    }

    private async Task ReportContinuouslyAsync(ConcurrentDictionary<Guid, bool> accepted, CancellationToken stop)
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
                        accepted[runId] = true;
                        break;
                    }
                    Assert.True((int)response.StatusCode >= 500, $"Report refused with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        Assert.NotNull(response.Headers.RetryAfter);
                    }
                }
                catch (HttpRequestException)
                {
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
            await WaitForAsync(async () =>
            {
                var depth = await ErrorQueueDepthAsync(queue + "_error", cancellationToken);
                // Settled: the same depth twice in a row, a second apart.
                var settled = depth == last;
                last = depth;
                return settled;
            }, $"{queue}_error to settle", cancellationToken, TimeSpan.FromSeconds(1));
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
        await WaitForAsync(async () => (await commands.ExecuteCommandAsync(resource, "resource-start", cancellationToken)).Success,
            $"{resource} to start again", cancellationToken, TimeSpan.FromSeconds(2));
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

    private async Task<long> RowCountAsync(NpgsqlDataSource database, string table)
    {
        await using var command = database.CreateCommand($"SELECT count(*) FROM {table} WHERE connector = $1");
        command.Parameters.AddWithValue(_connector);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static IEnumerable<JsonElement> Rows(JsonElement document) =>
        document.GetProperty("items").EnumerateArray();

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken, TimeSpan? every = null)
    {
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                last = ex;
            }
            try
            {
                await Task.Delay(every ?? TimeSpan.FromMilliseconds(500), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Gave up waiting for {what}.", last);
            }
        }
    }
}
