using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Apis.Models;
using ConnectorHealth.Drift.PayloadContracts;
using ConnectorHealth.ServiceDefaults;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Drift.Apis.Store;

/// <summary>What the contracts API reads and sets: connectors' payload contracts and the runs held in quarantine.</summary>
public sealed class ContractStore(NpgsqlDataSource dataSource)
{
    public async Task<Contract?> GetContractAsync(string connector, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT policy, schema::text, updated_at FROM drift.contracts WHERE connector = $1");
        command.Parameters.AddWithValue(connector);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        const int contractPolicy = 0, schema = 1, updatedAt = 2;
        EnumNames.TryParse<ContractPolicy>(reader.GetString(contractPolicy), out var policy);
        return new Contract(
            connector, policy, JsonDocument.Parse(reader.GetString(schema)).RootElement, reader.GetFieldValue<DateTimeOffset>(updatedAt));
    }

    /// <summary>
    /// Creates or replaces a contract; returns true when it was created. Putting the contract it already has changes
    /// nothing (same revision, its violation still reported once), so repeated or concurrent identical PUTs act as one.
    /// </summary>
    public async Task<(Contract Contract, bool Created)> PutContractAsync(
        string connector, ContractPolicy policy, JsonElement schema, CancellationToken cancellationToken)
    {
        // The upsert takes the row lock; the second query reads the unchanged row when there was nothing to change. A row
        // committed by a concurrent PUT after this statement's snapshot is not visible to that query: then ask again.
        for (var attempt = 0; ; attempt++)
        {
            await using var command = dataSource.CreateCommand(
                """
                WITH upsert AS (
                    INSERT INTO drift.contracts (connector, policy, schema, updated_at) VALUES ($1, $2, $3::jsonb, clock_timestamp())
                    ON CONFLICT (connector) DO UPDATE SET policy = excluded.policy, schema = excluded.schema,
                                                          updated_at = excluded.updated_at, alerted_at = NULL
                    WHERE (drift.contracts.policy, drift.contracts.schema) IS DISTINCT FROM (excluded.policy, excluded.schema)
                    RETURNING updated_at, (xmax = 0) AS created
                )
                SELECT updated_at, created FROM upsert
                UNION ALL
                SELECT updated_at, false FROM drift.contracts WHERE connector = $1 AND NOT EXISTS (SELECT FROM upsert)
                """);
            command.Parameters.AddWithValue(connector);
            command.Parameters.AddWithValue(EnumNames.Name(policy));
            command.Parameters.AddWithValue(schema.GetRawText());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                const int updatedAt = 0, created = 1;
                return (new Contract(connector, policy, schema, reader.GetFieldValue<DateTimeOffset>(updatedAt)), reader.GetBoolean(created));
            }
            if (attempt == 2)
            {
                throw new InvalidOperationException($"The contract of {connector} could not be read back after it was put.");
            }
        }
    }

    public async Task<bool> DeleteContractAsync(string connector, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM drift.contracts WHERE connector = $1");
        command.Parameters.AddWithValue(connector);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<QuarantinePage> ListQuarantineAsync(
        string? connector, string? status, int limit, PageCursor? after, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        var where = new List<string>();
        if (connector is not null)
        {
            command.Parameters.AddWithValue(connector);
            where.Add($"connector = ${command.Parameters.Count}");
        }
        if (status is not null)
        {
            command.Parameters.AddWithValue(status);
            where.Add($"status = ${command.Parameters.Count}");
        }
        if (after is { } cursor)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = cursor.At, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = cursor.Id, NpgsqlDbType = NpgsqlDbType.Uuid });
            where.Add($"(quarantined_at, quarantine_id) < (${command.Parameters.Count - 1}, ${command.Parameters.Count})");
        }
        command.CommandText =
            $"""
            SELECT {QuarantineColumns}, NULL FROM drift.quarantine
            {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")}
            ORDER BY quarantined_at DESC, quarantine_id DESC LIMIT {limit + 1}
            """;
        var items = new List<QuarantineItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(ReadQuarantine(reader));
        }
        var next = items.Count > limit ? new PageCursor(items[limit - 1].QuarantinedAt, items[limit - 1].QuarantineId).Encode() : null;
        return new QuarantinePage(items.Take(limit).ToArray(), next);
    }

    public async Task<QuarantineItem?> GetQuarantinedAsync(Guid quarantineId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {QuarantineColumns}, run -> 'payload' FROM drift.quarantine WHERE quarantine_id = $1");
        command.Parameters.AddWithValue(quarantineId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadQuarantine(reader) : null;
    }

    private const string QuarantineColumns =
        "quarantine_id, run_id, connector, finished_at, status, violations::text, fingerprint, quarantined_at, released_at, released_version";

    // Reads QuarantineColumns, then the payload (NULL in lists).
    private static QuarantineItem ReadQuarantine(NpgsqlDataReader reader)
    {
        const int quarantineId = 0, runId = 1, connector = 2, finishedAt = 3, status = 4, violations = 5, fingerprint = 6,
            quarantinedAt = 7, releasedAt = 8, releasedVersion = 9, payload = 10;
        return new QuarantineItem(
            reader.GetGuid(quarantineId), reader.GetGuid(runId), reader.GetString(connector), reader.GetFieldValue<DateTimeOffset>(finishedAt),
            reader.GetString(status), JsonSerializer.Deserialize<List<string>>(reader.GetString(violations))!, reader.GetString(fingerprint),
            reader.GetFieldValue<DateTimeOffset>(quarantinedAt), NullableColumns.Instant(reader, releasedAt), NullableColumns.Int(reader, releasedVersion),
            reader.IsDBNull(payload) ? null : JsonDocument.Parse(reader.GetFieldValue<string>(payload)).RootElement);
    }
}
