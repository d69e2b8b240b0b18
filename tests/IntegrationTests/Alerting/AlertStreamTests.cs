using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Threading.Channels;
using ConnectorHealth.Alerting;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.ServiceDefaults;
using ConnectorHealth.TestSupport;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

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
    private readonly List<EventStream> _streams = [];

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

        // One more failed run: a new occurrence of the open alert.
        await bus.Publish(FailedRuns(connector, DateTimeOffset.UtcNow, 1)[0]);
        var occurred = await stream.NextAsync("updated", connector, "consecutive_failures", ProcessingBound);
        Assert.Equal(alertId, occurred.Data.GetProperty("alertId").GetInt64());
        Assert.Equal("occurred", occurred.Data.GetProperty("change").GetString());
        Assert.Equal(6, occurred.Data.GetProperty("occurrences").GetInt32());
        Assert.InRange(occurred.ArrivedAt - occurred.Data.GetProperty("updatedAt").GetDateTimeOffset(), TimeSpan.Zero - WithinASecond, WithinASecond);

        using var client = service[0].CreateClient();
        var acknowledgedAt = await PostAsync(client, $"/api/alerts/{alertId}/ack");
        var acknowledged = await stream.NextAsync("updated", connector, "consecutive_failures", WithinASecond);
        Assert.Equal(alertId, acknowledged.Data.GetProperty("alertId").GetInt64());
        Assert.Equal("acknowledged", acknowledged.Data.GetProperty("change").GetString());
        Assert.Equal("acknowledged", acknowledged.Data.GetProperty("state").GetString());
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
        var acknowledged = await Task.WhenAll(streams.Select(s => s.NextAsync("updated", connector, "consecutive_failures", WithinASecond)));
        Assert.All(acknowledged, e => Assert.Equal("acknowledged", e.Data.GetProperty("change").GetString()));

        using (var second = replicas[1].CreateClient())
        {
            await PostAsync(second, $"/api/alerts/{alertId}/resolve");
        }
        var resolved = await Task.WhenAll(streams.Select(s => s.NextAsync("resolved", connector, "consecutive_failures", WithinASecond)));
        Assert.All(resolved, e => Assert.Equal(alertId, e.Data.GetProperty("alertId").GetInt64()));
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

    private async Task<EventStream> OpenStreamAsync(ServiceHost<AlertingOptions> replica)
    {
        var stream = await EventStream.OpenAsync(replica.CreateClient());
        _streams.Add(stream);
        // The heartbeat comes first, once the stream is subscribed: everything after it reaches the stream.
        await stream.NextAsync(e => e.EventType == "heartbeat", "the first heartbeat", ProcessingBound);
        return stream;
    }

    private static async Task<DateTimeOffset> PostAsync(HttpClient client, string path)
    {
        using var response = await client.PostAsJsonAsync(path, new { by = "stream-test" });
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return DateTimeOffset.UtcNow;
    }

    private static List<RunCompleted> FailedRuns(string connector, DateTimeOffset now, int count) =>
        [.. Enumerable.Range(0, count).Select(i => new RunCompleted
        {
            RunId = Guid.CreateVersion7(), Connector = connector, Source = RunSource.Scheduled,
            StartedAt = now.AddSeconds(i - 10), FinishedAt = now.AddSeconds(i - 9), Status = RunStatus.Failed, LatencyMs = 1000,
            ErrorType = "auth", ErrorMessage = "401 Unauthorized",
        })];

    /// <summary>One event as the client parsed it, with when it arrived.</summary>
    private sealed record ReceivedEvent(string EventType, JsonElement Data, DateTimeOffset ArrivedAt);

    /// <summary>An open <c>/api/alerts/stream</c>, parsed as it arrives (SseParser), its events kept in order.</summary>
    private sealed class EventStream : IDisposable
    {
        private readonly HttpClient _client;
        private readonly HttpResponseMessage _response;
        private readonly CancellationTokenSource _stop = new();
        private readonly Channel<ReceivedEvent> _events = Channel.CreateUnbounded<ReceivedEvent>();
        private readonly List<ReceivedEvent> _seen = [];

        private EventStream(HttpClient client, HttpResponseMessage response)
        {
            (_client, _response) = (client, response);
            _ = ReadAsync();
        }

        public static async Task<EventStream> OpenAsync(HttpClient client)
        {
            var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/alerts/stream"), HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            return new EventStream(client, response);
        }

        public Task<ReceivedEvent> NextAsync(string eventType, string connector, string rule, TimeSpan timeout) =>
            NextAsync(e => e.EventType == eventType && e.Data.ValueKind == JsonValueKind.Object
                && e.Data.GetProperty("connector").GetString() == connector && e.Data.GetProperty("rule").GetString() == rule,
                $"a {eventType} event of {rule} for {connector}", timeout);

        // The next event (after those already taken) that matches; the ones before it that do not are skipped.
        public async Task<ReceivedEvent> NextAsync(Func<ReceivedEvent, bool> match, string what, TimeSpan timeout)
        {
            using var deadline = new CancellationTokenSource(timeout);
            var watch = Stopwatch.StartNew();
            try
            {
                while (true)
                {
                    var next = await _events.Reader.ReadAsync(deadline.Token);
                    _seen.Add(next);
                    if (match(next))
                    {
                        return next;
                    }
                }
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"No {what} within {timeout.TotalSeconds:F1} s ({watch.Elapsed.TotalSeconds:F1} s waited); "
                    + $"seen: {string.Join(", ", _seen.Select(e => e.EventType))}");
            }
            catch (ChannelClosedException ex)
            {
                throw new InvalidOperationException($"The stream ended before {what}", ex.InnerException ?? ex);
            }
        }

        private async Task ReadAsync()
        {
            try
            {
                await using var body = await _response.Content.ReadAsStreamAsync(_stop.Token);
                await foreach (var item in SseParser.Create(body).EnumerateAsync(_stop.Token))
                {
                    var data = item.Data.Length == 0 ? default : JsonDocument.Parse(item.Data).RootElement.Clone();
                    await _events.Writer.WriteAsync(new ReceivedEvent(item.EventType, data, DateTimeOffset.UtcNow), _stop.Token);
                }
                _events.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                _events.Writer.TryComplete(ex);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _response.Dispose();
            _client.Dispose();
            _stop.Dispose();
        }
    }
}
