using System.Reflection;
using EvolveDb;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// Applies a service's versioned SQL scripts (<c>V1__name.sql</c>, …) to its own schema with Evolve.
/// Evolve's cluster mode takes a PostgreSQL advisory lock, so replicas starting together don't race.
/// </summary>
public sealed partial class SchemaMigrator(
    NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger, string schema, Assembly scripts) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var resourcePrefix = $"{scripts.GetName().Name}.Migrations";
        // The database may still be finishing its start-up when a service comes up: retry briefly.
        var retry = Retries.WhileTransient($"Migrating schema {schema}", logger, TimeProvider.System, maxAttempts: 10,
            firstDelay: TimeSpan.FromSeconds(1));
        await retry.ExecuteAsync(async token =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(token);
            var evolve = new Evolve(connection, message => LogEvolve(logger, message))
            {
                EmbeddedResourceAssemblies = [scripts],
                EmbeddedResourceFilters = [resourcePrefix],
                Schemas = [schema],
                MetadataTableSchema = schema,
                MetadataTableName = "schema_changelog",
                EnableClusterMode = true,
                IsEraseDisabled = true,
                CommandTimeout = 300,
            };
            evolve.Migrate();
            LogMigrated(logger, schema, evolve.NbMigration);
        }, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Debug, Message = "{EvolveMessage}")]
    private static partial void LogEvolve(ILogger logger, string evolveMessage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema {Schema} is up to date ({Applied} scripts applied now)")]
    private static partial void LogMigrated(ILogger logger, string schema, int applied);
}
