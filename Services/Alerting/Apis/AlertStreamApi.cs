using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ConnectorHealth.Alerting.LiveAlerts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectorHealth.Alerting.Apis;

/// <summary>
/// <c>GET /api/alerts/stream</c>: alert events as server-sent events, from every replica, as they happen. There is no
/// replay (<c>Last-Event-ID</c> is not honoured; events carry no id): a client reads the alert list when it connects and
/// again whenever it reconnects, and applies the events in between.
/// </summary>
public static class AlertStreamApi
{
    // Browsers (EventSource) wait this long before reconnecting.
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(3);

    public static IEndpointRouteBuilder MapAlertStreamApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/alerts/stream", Stream).WithTags("Alerts").WithName("StreamAlerts")
            .WithSummary("Alert events as server-sent events: raised, updated (acknowledged, new occurrences, severity) and resolved")
            .WithDescription($"Each event's data is the alert event as JSON. A `{AlertStreamEvents.Heartbeat}` event (no data) comes at once "
                + $"and every {AlertStreamHeartbeat.Every.TotalSeconds:F0} s. Events have no id and are not replayed: read `GET /api/alerts` "
                + $"on (re)connecting. A client that falls {AlertFanOut.BufferPerStream} events behind gets `{AlertStreamEvents.Reconnect}` "
                + "and the stream ends.");
        return app;
    }

    // HEAD (answered wherever GET is) gets the headers of a stream that ends at once, not a body-less stream that never does.
    public static ServerSentEventsResult<object?> Stream(
        AlertFanOut fanOut, HttpRequest request, IHostApplicationLifetime lifetime, CancellationToken cancellationToken) =>
        TypedResults.ServerSentEvents(HttpMethods.IsHead(request.Method)
            ? AsyncEnumerable.Empty<SseItem<object?>>()
            : ReadAsync(fanOut, lifetime.ApplicationStopping, cancellationToken));

    // Ends when the client goes, when the stream fell too far behind, or when the service stops (so open streams do not
    // hold its shutdown up; their clients reconnect to another replica and read the list again).
    private static async IAsyncEnumerable<SseItem<object?>> ReadAsync(
        AlertFanOut fanOut, CancellationToken stopping, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var subscription = fanOut.Subscribe();
        // At once: the response starts, and the client knows that every event from here on reaches it.
        yield return new SseItem<object?>(null, AlertStreamEvents.Heartbeat) { ReconnectionInterval = Retry };
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancellationToken);
        while (await WaitToReadAsync(subscription.Reader, either.Token, stopping))
        {
            while (subscription.Reader.TryRead(out var item))
            {
                yield return item;
            }
        }
        if (subscription.Dropped)
        {
            yield return new SseItem<object?>(null, AlertStreamEvents.Reconnect);
        }
    }

    private static async ValueTask<bool> WaitToReadAsync(ChannelReader<SseItem<object?>> reader, CancellationToken token, CancellationToken stopping)
    {
        try
        {
            return await reader.WaitToReadAsync(token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
    }
}
