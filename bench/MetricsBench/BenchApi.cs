using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Apis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ConnectorHealth.MetricsBench;

/// <summary>The Metrics REST API (the service's endpoint classes and stores) on Kestrel, on a free loopback port.</summary>
internal sealed class BenchApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BenchApi(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    public HttpClient Client { get; }

    public static async Task<BenchApi> StartAsync(NpgsqlDataSource dataSource, TimeProvider clock, MetricsOptions options)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddSingleton(clock);
        builder.Services.AddMetricsServices();
        builder.Services.Configure<MetricsOptions>(o => o.RawRunRetention = options.RawRunRetention);
        builder.Services.AddProblemDetails();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.MapRunsApi();
        app.MapKpisApi();
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BenchApi(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(5) });
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
