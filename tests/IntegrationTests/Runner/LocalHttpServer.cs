using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHealth.IntegrationTests.Runner;

/// <summary>
/// A real HTTP server on loopback standing in for the third-party APIs connectors call: it answers 200, 429 with
/// Retry-After (seconds or a date), 500 then 200, slowly, with a body that is not JSON, 401 and 404.
/// </summary>
public sealed class LocalHttpServer : IAsyncLifetime
{
    private WebApplication? _app;

    /// <summary>Calls per path, so a scenario can change its answer over time ("500, then 200").</summary>
    public ConcurrentDictionary<string, int> Calls { get; } = new();

    public ConcurrentQueue<IHeaderDictionary> RequestHeaders { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();

        _app.Use(async (context, next) =>
        {
            Calls.AddOrUpdate(context.Request.Path + context.Request.QueryString, 1, (_, n) => n + 1);
            RequestHeaders.Enqueue(context.Request.Headers);
            await next(context);
        });
        _app.MapGet("/ok", () => Results.Json(new { user_id = 123, value = 42, version = 1 }));
        _app.MapGet("/limited-seconds", (HttpContext context, string key) =>
        {
            if (Calls[context.Request.Path + context.Request.QueryString] == 1)
            {
                context.Response.Headers.RetryAfter = "1";
                return Results.StatusCode(429);
            }
            return Results.Json(new { ok = true });
        });
        _app.MapGet("/limited-date", (HttpContext context, string key) =>
        {
            if (Calls[context.Request.Path + context.Request.QueryString] == 1)
            {
                context.Response.Headers.RetryAfter = DateTimeOffset.UtcNow.AddSeconds(2).ToString("R");
                return Results.StatusCode(429);
            }
            return Results.Json(new { ok = true });
        });
        _app.MapGet("/limited-long", (HttpContext context) =>
        {
            context.Response.Headers.RetryAfter = "3600";
            return Results.StatusCode(429);
        });
        _app.MapGet("/flaky", (HttpContext context, string key) =>
            Calls[context.Request.Path + context.Request.QueryString] == 1 ? Results.StatusCode(500) : Results.Json(new { recovered = true }));
        _app.MapGet("/slow", async (CancellationToken ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
            return Results.Json(new { late = true });
        });
        _app.MapGet("/not-json", () => Results.Text("<html>maintenance</html>", "text/html"));
        _app.MapGet("/secret", (HttpContext context) =>
            context.Request.Headers["X-Api-Key"] == "s3cret" ? Results.Json(new { authorised = true }) : Results.StatusCode(401));

        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
