using System.Collections.Concurrent;
using System.Text.Json;
using ConnectorHealth.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>A webhook endpoint on a fixed loopback port that can be taken down and brought back, recording each body.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly int _port = TestPorts.Free();
    private WebApplication? _app;

    public ConcurrentQueue<JsonElement> Received { get; } = new();

    public string Url => $"http://127.0.0.1:{_port}/hook";

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{_port}");
        _app = builder.Build();
        _app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            Received.Enqueue(body.RootElement.Clone());
            return Results.NoContent();
        });
        await _app.StartAsync();
    }

    /// <summary>Takes the endpoint down: connections are refused until <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
