using System.Diagnostics;
using System.Reflection;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

public static class DatabaseExtensions
{
    /// <summary>Statements Npgsql prepares per connection once each has run a few times (Max Auto Prepare).</summary>
    public const int MaxAutoPreparedStatements = 64;

    /// <summary>
    /// Registers the shared <see cref="NpgsqlDataSource"/> (health check, tracing and metrics included) and
    /// migrates the service's own schema at start-up from the versioned SQL scripts embedded in
    /// <paramref name="migrations"/> under <c>Migrations/</c>.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase(
        this IHostApplicationBuilder builder, string schema, Assembly migrations)
    {
        builder.AddNpgsqlDataSource(ResourceNames.Database, configureDataSourceBuilder: dataSource =>
        {
            // The consumers send the same few statements for every batch: prepared once per connection, PostgreSQL
            // stops parsing and planning them each time. Npgsql 10 leaves a statement that is refused at Bind while it is
            // being auto-prepared half-prepared, and its next use on that connection fails ("unexpected backend message
            // DataRow", npgsql/npgsql#6391): a statement that returns rows and takes text a caller chose is prepared
            // explicitly (PrepareAsync), which asks for its columns before any value is bound. A connection string that
            // sets its own limit keeps it.
            if (dataSource.ConnectionStringBuilder.MaxAutoPrepare == 0)
            {
                dataSource.ConnectionStringBuilder.MaxAutoPrepare = MaxAutoPreparedStatements;
            }
            // SQL is traced as part of the work that issued it (a request, a consumed message). Statements outside any
            // recorded span (migrations, maintenance, the health probes whose requests are left out of tracing)
            // would each show as a trace of their own and bury the run traces in the dashboard.
            dataSource.ConfigureTracing(tracing => tracing
                .ConfigureCommandFilter(_ => IsInRecordedSpan())
                .ConfigureBatchFilter(_ => IsInRecordedSpan()));
        });
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
