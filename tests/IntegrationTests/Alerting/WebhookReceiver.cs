using System.Collections.Concurrent;
using System.Text.Json;
using ConnectorHealth.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>A webhook endpoint on a fixed loopback port that can be taken down and brought back, recording each body.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly LoopbackApp _app = new();

    public ConcurrentQueue<JsonElement> Received { get; } = new();

    public string Url => $"{_app.BaseUrl}/hook";

    public Task StartAsync() => _app.StartAsync(app => app.MapPost("/hook", async (HttpRequest request) =>
    {
        using var body = await JsonDocument.ParseAsync(request.Body);
        Received.Enqueue(body.RootElement.Clone());
        return Results.NoContent();
    }));

    /// <summary>Takes the endpoint down: connections are refused until <see cref="StartAsync"/>.</summary>
    public Task StopAsync() => _app.StopAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
