using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Threading.Channels;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>One event as the client parsed it, with when it arrived.</summary>
internal sealed record ReceivedEvent(string EventType, JsonElement Data, DateTimeOffset ArrivedAt);

/// <summary>An open <c>/api/alerts/stream</c>, parsed as it arrives (SseParser), its events kept in order.</summary>
internal sealed class AlertEventStream : IDisposable
{
    private readonly HttpClient _client;
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<ReceivedEvent> _events = Channel.CreateUnbounded<ReceivedEvent>();
    private readonly List<ReceivedEvent> _seen = [];

    private AlertEventStream(HttpClient client, HttpResponseMessage response)
    {
        (_client, _response) = (client, response);
        _ = ReadAsync();
    }

    public static async Task<AlertEventStream> OpenAsync(HttpClient client)
    {
        var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/alerts/stream"), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new AlertEventStream(client, response);
    }

    public Task<ReceivedEvent> NextAsync(string eventType, string connector, string rule, TimeSpan timeout) =>
        NextAsync(e => e.EventType == eventType && e.Data.ValueKind == JsonValueKind.Object
            && e.Data.GetProperty("connector").GetString() == connector && e.Data.GetProperty("rule").GetString() == rule,
            $"a {eventType} event of {rule} for {connector}", timeout);

    /// <summary>The next <c>updated</c> event of the alert with this change (runs counted in several batches each announce theirs).</summary>
    public Task<ReceivedEvent> NextUpdateAsync(long alertId, string change, TimeSpan timeout, Func<JsonElement, bool>? also = null) =>
        NextAsync(e => e.EventType == "updated" && e.Data.GetProperty("alertId").GetInt64() == alertId
            && e.Data.GetProperty("change").GetString() == change && (also?.Invoke(e.Data) ?? true),
            $"an update ({change}) of alert {alertId}", timeout);

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
                + $"seen: {string.Join(", ", _seen.Select(Describe))}");
        }
        catch (ChannelClosedException ex)
        {
            throw new InvalidOperationException($"The stream ended before {what}", ex.InnerException ?? ex);
        }
    }

    /// <summary>Waits for the server to end the stream, skipping the events before the end.</summary>
    public async Task EndAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (await _events.Reader.WaitToReadAsync(deadline.Token))
            {
                while (_events.Reader.TryRead(out var next))
                {
                    _seen.Add(next);
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"The stream did not end within {timeout.TotalSeconds:F0} s");
        }
    }

    private static string Describe(ReceivedEvent e) => e.Data.ValueKind == JsonValueKind.Object
        ? $"{e.EventType} ({e.Data.GetProperty("connector").GetString()} {e.Data.GetProperty("rule").GetString()})"
        : e.EventType;

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
