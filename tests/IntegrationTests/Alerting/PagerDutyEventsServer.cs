using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHealth.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>
/// The PagerDuty Events API v2 enqueue endpoint on a loopback port, as documented
/// (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ and the overview's response codes): a
/// 32-character routing_key, an event_action of trigger, acknowledge or resolve, a dedup_key of at most 255 characters
/// (required to acknowledge or resolve), and for a trigger a payload with summary (at most 1024 characters), source
/// and severity (critical, error, warning, info) and an ISO 8601 timestamp if any. Answers 202
/// <c>{status, message, dedup_key}</c>, 400 <c>{status: "invalid event", message, errors}</c>, or 429 when told to.
/// Keeps the alerts as PagerDuty would: per routing key and dedup key, triggered, acknowledged or resolved.
/// </summary>
public sealed class PagerDutyEventsServer : IAsyncDisposable
{
    private static readonly string[] Severities = ["critical", "error", "warning", "info"];
    private readonly LoopbackApp _app = new();
    private readonly ConcurrentDictionary<(string RoutingKey, string DedupKey), string> _alerts = new();
    private int _rateLimited;

    public string Url => $"{_app.BaseUrl}/v2/enqueue";

    /// <summary>The events accepted (202), in order.</summary>
    public ConcurrentQueue<JsonObject> Accepted { get; } = new();

    /// <summary>Every answer given, in order: 202, 400 or 429.</summary>
    public ConcurrentQueue<int> Answers { get; } = new();

    /// <summary>Each alert's state: triggered, acknowledged or resolved.</summary>
    public IReadOnlyDictionary<(string RoutingKey, string DedupKey), string> Alerts => _alerts;

    /// <summary>The next <paramref name="count"/> events are answered 429, as when the integration's rate limit is reached.</summary>
    public void RateLimitNext(int count) => Interlocked.Exchange(ref _rateLimited, count);

    public Task StartAsync() => _app.StartAsync(app => app.MapPost("/v2/enqueue", EnqueueAsync));

    private async Task<IResult> EnqueueAsync(HttpRequest request)
    {
        if (Interlocked.Decrement(ref _rateLimited) >= 0)
        {
            Answers.Enqueue(StatusCodes.Status429TooManyRequests);
            return Results.Text("Request Limit Exceeded", statusCode: StatusCodes.Status429TooManyRequests);
        }
        Interlocked.Exchange(ref _rateLimited, 0);
        JsonObject? sent;
        try
        {
            sent = await JsonNode.ParseAsync(request.Body) as JsonObject;
        }
        catch (JsonException)
        {
            sent = null;
        }
        var errors = sent is null ? ["The body is not a JSON object."] : Check(sent);
        if (errors.Count > 0)
        {
            Answers.Enqueue(StatusCodes.Status400BadRequest);
            return Results.Json(new { status = "invalid event", message = "Event object is invalid", errors }, statusCode: StatusCodes.Status400BadRequest);
        }
        var routingKey = (string)sent!["routing_key"]!;
        var action = (string)sent["event_action"]!;
        var dedupKey = (string?)sent["dedup_key"] ?? Guid.NewGuid().ToString("N");
        var key = (routingKey, dedupKey);
        switch (action)
        {
            // A trigger opens an alert, or adds to the open one; after a resolve it opens a new one.
            case "trigger":
                _alerts.AddOrUpdate(key, "triggered", (_, state) => state == "resolved" ? "triggered" : state);
                break;
            // Acknowledge and resolve apply to an open alert and are dropped otherwise.
            case "acknowledge":
                _alerts.TryUpdate(key, "acknowledged", "triggered");
                break;
            default:
                if (_alerts.TryGetValue(key, out var open) && open != "resolved")
                {
                    _alerts[key] = "resolved";
                }
                break;
        }
        Accepted.Enqueue(sent);
        Answers.Enqueue(StatusCodes.Status202Accepted);
        return Results.Json(new { status = "success", message = "Event processed", dedup_key = dedupKey }, statusCode: StatusCodes.Status202Accepted);
    }

    private static List<string> Check(JsonObject sent)
    {
        var errors = new List<string>();
        if (Text(sent, "routing_key") is not { Length: 32 })
        {
            errors.Add("Length of 'routing_key' is incorrect (should be 32 characters)");
        }
        var action = Text(sent, "event_action");
        if (action is not ("trigger" or "acknowledge" or "resolve"))
        {
            errors.Add("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)");
        }
        var dedupKey = Text(sent, "dedup_key");
        if (dedupKey is { Length: > 255 })
        {
            errors.Add("Length of 'dedup_key' is too long (must be 255 characters or fewer)");
        }
        if (action is "acknowledge" or "resolve" && string.IsNullOrEmpty(dedupKey))
        {
            errors.Add("'dedup_key' is required to acknowledge or resolve");
        }
        if (action == "trigger")
        {
            if (sent["payload"] is not JsonObject payload)
            {
                errors.Add("'payload' is missing or not an object");
                return errors;
            }
            if (Text(payload, "summary") is not { Length: > 0 and <= 1024 })
            {
                errors.Add("'payload.summary' is missing or longer than 1024 characters");
            }
            if (string.IsNullOrEmpty(Text(payload, "source")))
            {
                errors.Add("'payload.source' is missing");
            }
            if (!Severities.Contains(Text(payload, "severity")))
            {
                errors.Add("'payload.severity' is invalid (must be one of: critical, error, warning, info)");
            }
            if (payload["timestamp"] is not null
                && !DateTimeOffset.TryParse(Text(payload, "timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                errors.Add("'payload.timestamp' is not an ISO 8601 timestamp");
            }
        }
        return errors;
    }

    private static string? Text(JsonObject node, string name) =>
        node[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
