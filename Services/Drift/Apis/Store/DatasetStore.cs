using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Apis.Models;
using ConnectorHealth.Drift.PayloadContracts;
using Npgsql;

namespace ConnectorHealth.Drift.Apis.Store;

/// <summary>What the datasets API reads beyond a subject's schema history (<see cref="SchemaHistoryStore"/>): the datasets.</summary>
public sealed class DatasetStore(NpgsqlDataSource dataSource)
{
    public async Task<DatasetList> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT d.key, d.namespace, d.name, c.current_version, coalesce(jsonb_array_length(v.fields), 0),
                   (SELECT count(*)::int FROM drift.schema_versions s WHERE s.connector = d.key),
                   d.last_seen, d.last_job, coalesce(c.compatibility, 'forward'), k.policy,
                   (SELECT max(e.finished_at) FROM drift.drift_events e WHERE e.connector = d.key AND e.kind <> 'contract_violation')
            FROM drift.datasets d
            LEFT JOIN drift.connectors c ON c.connector = d.key
            LEFT JOIN drift.schema_versions v ON v.connector = d.key AND v.version = c.current_version
            LEFT JOIN drift.contracts k ON k.connector = d.key
            ORDER BY d.key
            """);
        var items = new List<DatasetListItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            const int key = 0, space = 1, name = 2, currentVersion = 3, fieldCount = 4, versions = 5, lastSeen = 6, lastJob = 7,
                compatibility = 8, contractPolicy = 9, lastChangeAt = 10;
            EnumNames.TryParse<CompatibilityMode>(reader.GetString(compatibility), out var mode);
            ContractPolicy? policy = !reader.IsDBNull(contractPolicy) && EnumNames.TryParse<ContractPolicy>(reader.GetString(contractPolicy), out var parsed)
                ? parsed
                : null;
            items.Add(new DatasetListItem(
                reader.GetString(key), reader.GetString(space), reader.GetString(name), NullableColumns.Int(reader, currentVersion),
                reader.GetInt32(fieldCount), reader.GetInt32(versions), reader.GetFieldValue<DateTimeOffset>(lastSeen), reader.GetString(lastJob),
                mode, policy, NullableColumns.Instant(reader, lastChangeAt)));
        }
        return new DatasetList(items);
    }

    /// <summary>A dataset's names and latest observation; null when no schema of it was seen.</summary>
    public async Task<(string Namespace, string Name, string LastJob, Guid LastRunId, DateTimeOffset LastSeen)?> FindAsync(
        string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT namespace, name, last_job, last_run_id, last_seen FROM drift.datasets WHERE key = $1");
        command.Parameters.AddWithValue(key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetGuid(3), reader.GetFieldValue<DateTimeOffset>(4));
    }
}
