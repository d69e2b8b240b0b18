using System.Reflection;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

public static class DatabaseExtensions
{
    /// <summary>
    /// Registers the shared <see cref="NpgsqlDataSource"/> (health check, tracing and metrics included) and
    /// migrates the service's own schema at start-up from the versioned SQL scripts embedded in
    /// <paramref name="migrations"/> under <c>Migrations/</c>.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase(
        this IHostApplicationBuilder builder, string schema, Assembly migrations)
    {
        builder.AddNpgsqlDataSource(ResourceNames.Database);
        // Registered before the message bus so the schema exists before the first message is consumed
        // (hosted services start in registration order).
        builder.Services.AddHostedService(sp => new SchemaMigrator(
            sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<ILogger<SchemaMigrator>>(),
            schema,
            migrations));
        return builder;
    }
}
