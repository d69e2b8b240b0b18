using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ConnectorHealth.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>
/// A Teams Workflows webhook ("Post to a channel when a webhook request is received") on a loopback port: it takes a
/// message whose attachments are Adaptive Cards, answers 202 and keeps the cards; anything else is answered 400, as
/// the workflow's trigger refuses it. It can be told to throttle (429 with a Retry-After).
/// </summary>
public sealed class TeamsWorkflowEndpoint : IAsyncDisposable
{
    private readonly LoopbackApp _app = new();
    private int _throttled;

    // A workflow URL carries its signature in the query string: a secret, like a Slack webhook's path.
    public string Url => $"{_app.BaseUrl}/workflows/ops/triggers/manual/paths/invoke?api-version=1&sig=secret";

    public ConcurrentQueue<JsonObject> Cards { get; } = new();

    public void ThrottleNext(int count) => Interlocked.Exchange(ref _throttled, count);

    public Task StartAsync() => _app.StartAsync(app => app.MapPost("/workflows/ops/triggers/manual/paths/invoke",
        async (HttpRequest request, HttpResponse response) =>
        {
            if (Interlocked.Decrement(ref _throttled) >= 0)
            {
                response.Headers.RetryAfter = "7";
                return Results.StatusCode(StatusCodes.Status429TooManyRequests);
            }
            Interlocked.Exchange(ref _throttled, 0);
            if (request.Query["sig"] != "secret")
            {
                return Results.Unauthorized();
            }
            var message = await JsonNode.ParseAsync(request.Body) as JsonObject;
            if ((string?)message?["type"] != "message" || message["attachments"] is not JsonArray { Count: > 0 } attachments
                || attachments.Any(a => (string?)a?["contentType"] != "application/vnd.microsoft.card.adaptive" || a["content"] is not JsonObject))
            {
                return Results.BadRequest();
            }
            foreach (var attachment in attachments)
            {
                Cards.Enqueue(attachment!["content"]!.AsObject().DeepClone().AsObject());
            }
            return Results.Accepted();
        }));

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
