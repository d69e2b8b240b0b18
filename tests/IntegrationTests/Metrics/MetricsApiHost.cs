using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Apis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHealth.IntegrationTests.Metrics;

/// <summary>The Metrics REST API (the service's own endpoint classes and stores) served over real HTTP on a free port.</summary>
public sealed class MetricsApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsApiHost(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    public HttpClient Client { get; }

    public static async Task<MetricsApiHost> StartAsync(MetricsDatabase db)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(db.DataSource);
        builder.Services.AddSingleton<TimeProvider>(db.Time);
        builder.Services.AddMetricsServices();
        builder.Services.Configure<MetricsOptions>(options =>
        {
            options.RawRunRetention = db.Options.RawRunRetention;
            options.StatusBoard = db.Options.StatusBoard;
        });
        builder.Services.AddProblemDetails();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapRunsApi();
        app.MapKpisApi();
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new MetricsApiHost(app, new HttpClient { BaseAddress = new Uri(address) });
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
