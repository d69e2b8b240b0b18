using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ConnectorHealth.IntegrationTests.Infrastructure;

/// <summary>
/// A service's real Program (<typeparamref name="TEntry"/> is a type of its assembly) on the test broker and database,
/// as the AppHost would run it in production, with quick pipeline sampling and any further settings.
/// </summary>
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
    }
}
