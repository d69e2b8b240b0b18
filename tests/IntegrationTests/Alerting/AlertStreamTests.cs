using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Alerting;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.ServiceDefaults;
using ConnectorHealth.TestSupport;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>
/// <c>GET /api/alerts/stream</c> on the real Alerting service (real RabbitMQ and PostgreSQL): an alert raised by failing
/// runs, a new occurrence, an acknowledgement and a resolution each reach an open stream within a second, on every
/// replica, whichever replica made the change.
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class AlertStreamTests(RabbitMQServer rabbit, PostgresServer postgres) : IAsyncLifetime
{
    private static readonly TimeSpan WithinASecond = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProcessingBound = TimeSpan.FromSeconds(30);

    private readonly List<ServiceHost<AlertingOptions>> _replicas = [];
    private readonly List<AlertEventStream> _streams = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var stream in _streams)
        {
            stream.Dispose();
        }
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }
    }

    [Fact]
    public async Task RaisedUpdatedAndResolvedAlertsReachAnOpenStreamWithinASecond()
    {
        var service = await StartReplicasAsync("alert_stream", 1);
        var stream = await OpenStreamAsync(service[0]);
        var connector = $"sse_{Guid.NewGuid():N}"[..16];
        var bus = service[0].Services.GetRequiredService<IBus>();

        foreach (var run in FailedRuns(connector, DateTimeOffset.UtcNow, 5))
        {
            await bus.Publish(run);
        }
        var raised = await stream.NextAsync("raised", connector, "consecutive_failures", ProcessingBound);
        var alertId = raised.Data.GetProperty("alertId").GetInt64();
        // RaisedAt is when the engine decided, before its transaction committed: the event is at the stream within a second of it.
        Assert.InRange(raised.ArrivedAt - raised.Data.GetProperty("raisedAt").GetDateTimeOffset(), TimeSpan.Zero - WithinASecond, WithinASecond);
        Assert.Equal("critical", raised.Data.GetProperty("severity").GetString());
        Assert.False(string.IsNullOrEmpty(raised.Data.GetProperty("recommendedAction").GetString()));

        // One more failed run: a new occurrence of the open alert (the first five may have been counted in several batches,
        // each announcing its own).
        await bus.Publish(FailedRuns(connector, DateTimeOffset.UtcNow, 1)[0]);
        var occurred = await stream.NextUpdateAsync(alertId, "occurred", ProcessingBound, alert => alert.GetProperty("occurrences").GetInt32() == 6);
        Assert.Equal("firing", occurred.Data.GetProperty("state").GetString());
        Assert.InRange(occurred.ArrivedAt - occurred.Data.GetProperty("updatedAt").GetDateTimeOffset(), TimeSpan.Zero - WithinASecond, WithinASecond);

        using var client = service[0].CreateClient();
        var acknowledgedAt = await PostAsync(client, $"/api/alerts/{alertId}/ack");
        var acknowledged = await stream.NextUpdateAsync(alertId, "acknowledged", WithinASecond);
        Assert.Equal("acknowledged", acknowledged.Data.GetProperty("state").GetString());
        Assert.Equal(6, acknowledged.Data.GetProperty("occurrences").GetInt32());
        Assert.True(acknowledged.ArrivedAt - acknowledgedAt < WithinASecond);

        var resolvedAt = await PostAsync(client, $"/api/alerts/{alertId}/resolve");
        var resolved = await stream.NextAsync("resolved", connector, "consecutive_failures", WithinASecond);
        Assert.Equal(alertId, resolved.Data.GetProperty("alertId").GetInt64());
        Assert.Equal("manual", resolved.Data.GetProperty("resolution").GetString());
        Assert.True(resolved.ArrivedAt - resolvedAt < WithinASecond);
    }

    [Fact]
    public async Task EachReplicaStreamsWhatTheOtherChanged()
    {
        var replicas = await StartReplicasAsync("alert_stream_replicas", 2);
        var streams = new[] { await OpenStreamAsync(replicas[0]), await OpenStreamAsync(replicas[1]) };
        var connector = $"sse2_{Guid.NewGuid():N}"[..16];

        // Either replica consumes the runs and raises the alert; both streams carry it.
        var bus = replicas[0].Services.GetRequiredService<IBus>();
        foreach (var run in FailedRuns(connector, DateTimeOffset.UtcNow, 5))
        {
            await bus.Publish(run);
        }
        var raised = await Task.WhenAll(streams.Select(s => s.NextAsync("raised", connector, "consecutive_failures", ProcessingBound)));
        var alertId = raised[0].Data.GetProperty("alertId").GetInt64();
        Assert.Equal(alertId, raised[1].Data.GetProperty("alertId").GetInt64());

        // Acknowledged on the first replica, resolved on the second: each change reaches both.
        using (var first = replicas[0].CreateClient())
        {
            await PostAsync(first, $"/api/alerts/{alertId}/ack");
        }
        var acknowledged = await Task.WhenAll(streams.Select(s => s.NextUpdateAsync(alertId, "acknowledged", WithinASecond)));
        Assert.All(acknowledged, e => Assert.Equal("acknowledged", e.Data.GetProperty("state").GetString()));

        using (var second = replicas[1].CreateClient())
        {
            await PostAsync(second, $"/api/alerts/{alertId}/resolve");
        }
        var resolved = await Task.WhenAll(streams.Select(s => s.NextAsync("resolved", connector, "consecutive_failures", WithinASecond)));
        Assert.All(resolved, e => Assert.Equal(alertId, e.Data.GetProperty("alertId").GetInt64()));
    }

    [Fact]
    public async Task OpenStreamsEndWhenTheServiceStopsSoTheyDoNotHoldItsShutdownUp()
    {
        var service = await StartReplicasAsync("alert_stream_stopping", 1);
        var streams = new[] { await OpenStreamAsync(service[0]), await OpenStreamAsync(service[0]) };

        service[0].Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        await Task.WhenAll(streams.Select(s => s.EndAsync(TimeSpan.FromSeconds(5))));
    }

    private async Task<List<ServiceHost<AlertingOptions>>> StartReplicasAsync(string databaseName, int count)
    {
        var database = await postgres.CreateDatabaseConnectionStringAsync(databaseName);
        var started = new List<ServiceHost<AlertingOptions>>();
        for (var i = 0; i < count; i++)
        {
            var replica = new ServiceHost<AlertingOptions>(database, rabbit.Uri);
            _replicas.Add(replica);
            started.Add(replica);
            _ = replica.Services; // starts it, and its bus (with its own alert-events queue) before it counts as started
        }
        return started;
    }

    private async Task<AlertEventStream> OpenStreamAsync(ServiceHost<AlertingOptions> replica)
    {
        var stream = await AlertEventStream.OpenAsync(replica.CreateClient());
        _streams.Add(stream);
        // The heartbeat comes first, once the stream is subscribed: everything after it reaches the stream.
        await stream.NextAsync(e => e.EventType == "heartbeat", "the first heartbeat", ProcessingBound);
        return stream;
    }

    internal static async Task<DateTimeOffset> PostAsync(HttpClient client, string path)
    {
        using var response = await client.PostAsJsonAsync(path, new { by = "stream-test" });
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return DateTimeOffset.UtcNow;
    }

    internal static List<RunCompleted> FailedRuns(string connector, DateTimeOffset now, int count) =>
        [.. Enumerable.Range(0, count).Select(i => new RunCompleted
        {
            RunId = Guid.CreateVersion7(), Connector = connector, Source = RunSource.Scheduled,
            StartedAt = now.AddSeconds(i - 10), FinishedAt = now.AddSeconds(i - 9), Status = RunStatus.Failed, LatencyMs = 1000,
            ErrorType = "auth", ErrorMessage = "401 Unauthorized",
        })];
}
