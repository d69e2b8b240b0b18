using System.Diagnostics;
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
        builder.AddNpgsqlDataSource(ResourceNames.Database, configureDataSourceBuilder: dataSource =>
            // SQL is traced as part of the work that issued it (a request, a consumed message). Statements outside any
            // recorded span (migrations, maintenance, the health probes whose requests are left out of tracing)
            // would each show as a trace of their own and bury the run traces in the dashboard.
            dataSource.ConfigureTracing(tracing => tracing
                .ConfigureCommandFilter(_ => IsInRecordedSpan())
                .ConfigureBatchFilter(_ => IsInRecordedSpan())));
        // Registered before the message bus so the schema exists before the first message is consumed
        // (hosted services start in registration order).
        builder.Services.AddHostedService(sp => new SchemaMigrator(
            sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<ILogger<SchemaMigrator>>(),
            schema,
            migrations));
        return builder;
    }

    private static bool IsInRecordedSpan() => Activity.Current is { IsAllDataRequested: true };
}
