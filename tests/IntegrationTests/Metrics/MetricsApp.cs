using ConnectorHealth.Metrics;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Metrics;

// The Metrics service's real Program on a given database, clock and options, without its background work (message
// bus, migrator, partition maintenance): the schema is already there and runs are written directly. The benchmark
// links this file and serves it with Kestrel.
public sealed class MetricsApp(NpgsqlDataSource dataSource, TimeProvider time, MetricsOptions options) : WebApplicationFactory<MetricsOptions>
{
    private HttpClient? _client;

    public HttpClient Client => _client ??= CreateClient();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        // Never dialled: the data source below replaces the one these would make, and the bus is not started.
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Database}", "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none");
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Messaging}", "amqp://none:none@127.0.0.1:1/");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.ConfigureTestServices(services =>
        {
            foreach (var background in services.Where(d => d.ServiceType == typeof(IHostedService)
                && d.ImplementationType?.Namespace?.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) != true).ToList())
            {
                services.Remove(background);
            }
            services.AddSingleton(dataSource);
            services.AddSingleton(time);
            services.Configure<MetricsOptions>(o =>
            {
                o.RawRunRetention = options.RawRunRetention;
                o.FutureTolerance = options.FutureTolerance;
                o.StatusBoard = options.StatusBoard;
            });
        });
    }

    public override async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        await base.DisposeAsync();
    }
}
