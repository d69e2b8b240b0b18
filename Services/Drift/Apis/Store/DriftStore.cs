using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Apis.Models;
using ConnectorHealth.Drift.PayloadContracts;
using ConnectorHealth.Drift.StoredHistory;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Drift.Apis.Store;

/// <summary>What the API reads and sets: schema history, drift events, compatibility modes, contracts and quarantine.</summary>
public sealed class DriftStore(NpgsqlDataSource dataSource, IOptions<DriftOptions> options, TimeProvider time)
{
    private const int OscillationLookback = 500;

    public async Task<SchemaList> ListSchemasAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT c.connector, c.current_version, c.current_since, coalesce(v.versions, 0), coalesce(v.runs, 0), c.latest_finished_at,
                   c.compatibility, k.policy,
                   (SELECT max(e.finished_at) FROM drift.drift_events e WHERE e.connector = c.connector AND e.kind <> 'contract_violation')
            FROM drift.connectors c
            LEFT JOIN (SELECT connector, count(*)::int AS versions, sum(run_count) AS runs FROM drift.schema_versions GROUP BY connector) v
                   USING (connector)
            LEFT JOIN drift.contracts k USING (connector)
            ORDER BY c.connector
            """);
        var items = new List<SchemaListItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            EnumNames.TryParse<CompatibilityMode>(reader.GetString(6), out var mode);
            ContractPolicy? policy = reader.IsDBNull(7) ? null : EnumNames.TryParse<ContractPolicy>(reader.GetString(7), out var p) ? p : null;
            items.Add(new SchemaListItem(
                reader.GetString(0), NullableInt(reader, 1), NullableInstant(reader, 2), reader.GetInt32(3), (long)reader.GetDecimal(4),
                NullableInstant(reader, 5), mode, policy, NullableInstant(reader, 8)));
        }
        return new SchemaList(items);
    }

    public async Task<ConnectorSchema?> GetSchemaAsync(string connector, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command(
            """
            SELECT c.compatibility, c.current_version, c.current_since, c.latest_finished_at, v.top_level_keys::text
            FROM drift.connectors c
            LEFT JOIN drift.schema_versions v ON v.connector = c.connector AND v.version = c.current_version
            WHERE c.connector = $1
            """, connector));
        batch.BatchCommands.Add(Command(
            """
            SELECT version, fingerprint, jsonb_array_length(fields), first_seen, last_seen, run_count, partial, limits_hit::text
            FROM drift.schema_versions WHERE connector = $1 ORDER BY version
            """, connector));
        batch.BatchCommands.Add(Command(
            $"""
            SELECT {DriftEventRows.Columns} FROM drift.drift_events e
            WHERE e.connector = $1 AND e.kind <> 'contract_violation'
            ORDER BY e.finished_at DESC, e.event_id DESC LIMIT {OscillationLookback}
            """, connector));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        EnumNames.TryParse<CompatibilityMode>(reader.GetString(0), out var mode);
        var current = NullableInt(reader, 1);
        var since = NullableInstant(reader, 2);
        var latest = NullableInstant(reader, 3);
        var keys = reader.IsDBNull(4) ? [] : JsonSerializer.Deserialize<List<string>>(reader.GetString(4))!;

        await reader.NextResultAsync(cancellationToken);
        var versions = new List<VersionSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(new VersionSummary(
                reader.GetInt32(0), reader.GetString(1), reader.GetInt32(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetInt64(5), reader.GetBoolean(6),
                JsonSerializer.Deserialize<List<string>>(reader.GetString(7))!));
        }

        await reader.NextResultAsync(cancellationToken);
        var events = new List<SchemaDriftDetected>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(DriftEventRows.Read(reader));
        }
        return new ConnectorSchema(
            connector, mode, current, since, latest, keys, versions, OscillationOf(events),
            events.Count > 0 ? DriftEventItem.From(events[0]) : null);
    }

    // The ongoing flip-flop, if any: the newest events back to the one that started it (the first non-oscillating one).
    private Oscillation? OscillationOf(List<SchemaDriftDetected> newestFirst)
    {
        if (newestFirst.Count == 0 || !newestFirst[0].Oscillating)
        {
            return null;
        }
        var streak = newestFirst.TakeWhile(e => e.Oscillating).ToList();
        var start = newestFirst.Count > streak.Count ? newestFirst[streak.Count] : streak[^1];
        var between = streak.Append(start)
            .SelectMany(e => new[] { e.FromVersion, e.ToVersion })
            .OfType<int>()
            .Distinct()
            .Order()
            .ToArray();
        var lastFlip = newestFirst[0].FinishedAt;
        var ongoing = time.GetUtcNow() - lastFlip <= options.Value.OscillationWindow;
        return new Oscillation(ongoing, between, streak.Count + 1, start.FinishedAt, lastFlip);
    }

    public async Task<SchemaVersion?> GetVersionAsync(string connector, int version, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT v.fingerprint, v.fields::text, v.top_level_keys::text, v.first_seen, v.last_seen, v.run_count, v.partial,
                   v.limits_hit::text, c.current_version = v.version, v.sample_run_id, v.sample, v.sample_cut
            FROM drift.schema_versions v LEFT JOIN drift.connectors c USING (connector)
            WHERE v.connector = $1 AND v.version = $2
            """);
        command.Parameters.AddWithValue(connector);
        command.Parameters.AddWithValue(version);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new SchemaVersion(
            connector, version, reader.GetString(0), StoredFields.DeserializeStored(reader.GetString(1)),
            JsonSerializer.Deserialize<List<string>>(reader.GetString(2))!, reader.GetFieldValue<DateTimeOffset>(3),
            reader.GetFieldValue<DateTimeOffset>(4), reader.GetInt64(5), reader.GetBoolean(6),
            JsonSerializer.Deserialize<List<string>>(reader.GetString(7))!, !reader.IsDBNull(8) && reader.GetBoolean(8),
            SampleAt(reader, 9));
    }

    /// <summary>One run as drift recorded it, with its version's sample; null when drift has not seen the run.</summary>
    public async Task<RunSchema?> GetRunAsync(string connector, Guid runId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT r.finished_at, r.outcome, r.version, v.sample_run_id, v.sample, v.sample_cut
            FROM drift.runs r
            LEFT JOIN drift.schema_versions v ON v.connector = r.connector AND v.version = r.version
            WHERE r.run_id = $1 AND r.connector = $2
            """);
        command.Parameters.AddWithValue(runId);
        command.Parameters.AddWithValue(connector);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var sample = SampleAt(reader, 3);
        return new RunSchema(
            runId, connector, reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), NullableInt(reader, 2),
            sample?.RunId == runId, sample);
    }

    // Columns sample_run_id, sample, sample_cut from ordinal: a version first seen before samples were kept has none.
    private static PayloadSample? SampleAt(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) || reader.IsDBNull(ordinal + 1)
            ? null
            : new PayloadSample(reader.GetGuid(ordinal), reader.GetString(ordinal + 1), reader.GetBoolean(ordinal + 2));

    /// <summary>The version the connector was on before its current one (the origin of the latest change into it).</summary>
    public async Task<int?> PreviousVersionAsync(string connector, int current, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT from_version FROM drift.drift_events
            WHERE connector = $1 AND to_version = $2 AND from_version IS NOT NULL AND from_version <> to_version
            ORDER BY finished_at DESC, run_id DESC LIMIT 1
            """);
        command.Parameters.AddWithValue(connector);
        command.Parameters.AddWithValue(current);
        return await command.ExecuteScalarAsync(cancellationToken) is int previous ? previous : null;
    }

    public async Task<CompatibilityMode?> CompatibilityAsync(string connector, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT compatibility FROM drift.connectors WHERE connector = $1");
        command.Parameters.AddWithValue(connector);
        return await command.ExecuteScalarAsync(cancellationToken) is string text && EnumNames.TryParse<CompatibilityMode>(text, out var mode)
            ? mode
            : null;
    }

    /// <summary>Sets a connector's mode; a connector not seen yet gets it for its first runs.</summary>
    public async Task SetCompatibilityAsync(string connector, CompatibilityMode mode, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO drift.connectors (connector, compatibility) VALUES ($1, $2)
            ON CONFLICT (connector) DO UPDATE SET compatibility = excluded.compatibility, updated_at = now()
            """);
        command.Parameters.AddWithValue(connector);
        command.Parameters.AddWithValue(EnumNames.Name(mode));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<DriftEventPage> ListEventsAsync(
        string? connector, DateTimeOffset? from, DateTimeOffset? to, int limit, PageCursor? after, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        var where = new List<string>();
        if (connector is not null)
        {
            command.Parameters.AddWithValue(connector);
            where.Add($"e.connector = ${command.Parameters.Count}");
        }
        if (from is { } start)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = start, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            where.Add($"e.finished_at >= ${command.Parameters.Count}");
        }
        if (to is { } end)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = end, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            where.Add($"e.finished_at < ${command.Parameters.Count}");
        }
        if (after is { } cursor)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = cursor.At, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = cursor.NumberId, NpgsqlDbType = NpgsqlDbType.Bigint });
            where.Add($"(e.finished_at, e.event_id) < (${command.Parameters.Count - 1}, ${command.Parameters.Count})");
        }
        command.CommandText =
            $"""
            SELECT {DriftEventRows.Columns} FROM drift.drift_events e
            {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")}
            ORDER BY e.finished_at DESC, e.event_id DESC LIMIT {limit + 1}
            """;
        var items = new List<SchemaDriftDetected>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(DriftEventRows.Read(reader));
        }
        var next = items.Count > limit ? PageCursor.ForNumber(items[limit - 1].FinishedAt, items[limit - 1].EventId).Encode() : null;
        return new DriftEventPage(items.Take(limit).Select(DriftEventItem.From).ToArray(), next);
    }

    public async Task<Contract?> GetContractAsync(string connector, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT policy, schema::text, updated_at FROM drift.contracts WHERE connector = $1");
        command.Parameters.AddWithValue(connector);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        EnumNames.TryParse<ContractPolicy>(reader.GetString(0), out var policy);
        return new Contract(connector, policy, JsonDocument.Parse(reader.GetString(1)).RootElement, reader.GetFieldValue<DateTimeOffset>(2));
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
                return (new Contract(connector, policy, schema, reader.GetFieldValue<DateTimeOffset>(0)), reader.GetBoolean(1));
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

    private static QuarantineItem ReadQuarantine(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4),
        JsonSerializer.Deserialize<List<string>>(reader.GetString(5))!, reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7),
        NullableInstant(reader, 8), NullableInt(reader, 9),
        reader.IsDBNull(10) ? null : JsonDocument.Parse(reader.GetFieldValue<string>(10)).RootElement);

    private static NpgsqlBatchCommand Command(string sql, string connector)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = connector, NpgsqlDbType = NpgsqlDbType.Text });
        return command;
    }

    private static int? NullableInt(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    private static DateTimeOffset? NullableInstant(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
