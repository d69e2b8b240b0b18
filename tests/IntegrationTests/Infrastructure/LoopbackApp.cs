using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace ConnectorHealth.IntegrationTests.Infrastructure;

/// <summary>
/// A small web app on a fixed loopback port, standing in for a third party (a webhook, PagerDuty, Teams): started with
/// the routes it answers, and stopped (connections refused) and started again on the same port.
/// </summary>
public sealed class LoopbackApp : IAsyncDisposable
{
    private readonly int _port = TestPorts.Free();
    private WebApplication? _app;

    public string BaseUrl => $"http://127.0.0.1:{_port}";

    public async Task StartAsync(Action<WebApplication> routes)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(BaseUrl);
        _app = builder.Build();
        routes(_app);
        await _app.StartAsync();
    }

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
