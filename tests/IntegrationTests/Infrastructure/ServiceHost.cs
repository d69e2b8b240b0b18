using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHealth.IntegrationTests.Infrastructure;

/// <summary>
/// A service's real Program (<typeparamref name="TEntry"/> is a type of its assembly) on the test broker and database,
/// as the AppHost would run it in production, with quick pipeline sampling and any further settings.
/// </summary>
/// <remarks>
/// The host waits for its bus to start before it counts as started. Otherwise a host disposed soon after it starts
/// (a test of HTTP input only) stops a bus that has not finished starting, which MassTransit takes as "not started"
/// and leaves alone: its consumers then come up anyway and outlive the test, taking messages from the next test's
/// queues on the shared broker.
/// </remarks>
internal sealed class ServiceHost<TEntry>(string database, Uri broker, params (string Key, string Value)[] settings)
    : WebApplicationFactory<TEntry> where TEntry : class
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Database}", database);
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Messaging}", broker.ToString());
        builder.UseSetting("Pipeline:SampleInterval", "00:00:00.200");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services => services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true));
    }
}
