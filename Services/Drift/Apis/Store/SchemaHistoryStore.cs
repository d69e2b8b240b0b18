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

/// <summary>What the schemas API reads and sets: schema history, drift events and compatibility modes.</summary>
public sealed class SchemaHistoryStore(NpgsqlDataSource dataSource, IOptions<DriftOptions> options, TimeProvider time)
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
            WHERE strpos(c.connector, '~') = 0
            ORDER BY c.connector
            """);
        var items = new List<SchemaListItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            const int connector = 0, currentVersion = 1, currentSince = 2, versions = 3, runs = 4, latestRunAt = 5, compatibility = 6,
                contractPolicy = 7, lastChangeAt = 8;
            EnumNames.TryParse<CompatibilityMode>(reader.GetString(compatibility), out var mode);
            ContractPolicy? policy = reader.IsDBNull(contractPolicy)
                ? null
                : EnumNames.TryParse<ContractPolicy>(reader.GetString(contractPolicy), out var parsed) ? parsed : null;
            items.Add(new SchemaListItem(
                reader.GetString(connector), NullableColumns.Int(reader, currentVersion), NullableColumns.Instant(reader, currentSince),
                reader.GetInt32(versions), (long)reader.GetDecimal(runs), NullableColumns.Instant(reader, latestRunAt), mode, policy,
                NullableColumns.Instant(reader, lastChangeAt)));
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
        const int compatibility = 0, currentVersion = 1, currentSince = 2, latestRunAt = 3, topLevelKeys = 4;
        EnumNames.TryParse<CompatibilityMode>(reader.GetString(compatibility), out var mode);
        var current = NullableColumns.Int(reader, currentVersion);
        var since = NullableColumns.Instant(reader, currentSince);
        var latest = NullableColumns.Instant(reader, latestRunAt);
        var keys = reader.IsDBNull(topLevelKeys) ? [] : JsonSerializer.Deserialize<List<string>>(reader.GetString(topLevelKeys))!;

        await reader.NextResultAsync(cancellationToken);
        var versions = new List<VersionSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            const int version = 0, fingerprint = 1, fieldCount = 2, firstSeen = 3, lastSeen = 4, runCount = 5, partial = 6, limitsHit = 7;
            versions.Add(new VersionSummary(
                reader.GetInt32(version), reader.GetString(fingerprint), reader.GetInt32(fieldCount),
                reader.GetFieldValue<DateTimeOffset>(firstSeen), reader.GetFieldValue<DateTimeOffset>(lastSeen), reader.GetInt64(runCount),
                reader.GetBoolean(partial), JsonSerializer.Deserialize<List<string>>(reader.GetString(limitsHit))!));
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
        var streak = newestFirst.TakeWhile(drift => drift.Oscillating).ToList();
        var start = newestFirst.Count > streak.Count ? newestFirst[streak.Count] : streak[^1];
        var between = streak.Append(start)
            .SelectMany(drift => new[] { drift.FromVersion, drift.ToVersion })
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
        const int fingerprint = 0, fields = 1, topLevelKeys = 2, firstSeen = 3, lastSeen = 4, runCount = 5, partial = 6, limitsHit = 7,
            isCurrent = 8, sampleColumns = 9;
        return new SchemaVersion(
            connector, version, reader.GetString(fingerprint), StoredFields.DeserializeStored(reader.GetString(fields)),
            JsonSerializer.Deserialize<List<string>>(reader.GetString(topLevelKeys))!, reader.GetFieldValue<DateTimeOffset>(firstSeen),
            reader.GetFieldValue<DateTimeOffset>(lastSeen), reader.GetInt64(runCount), reader.GetBoolean(partial),
            JsonSerializer.Deserialize<List<string>>(reader.GetString(limitsHit))!, !reader.IsDBNull(isCurrent) && reader.GetBoolean(isCurrent),
            SampleAt(reader, sampleColumns));
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
        const int finishedAt = 0, outcome = 1, version = 2, sampleColumns = 3;
        var sample = SampleAt(reader, sampleColumns);
        return new RunSchema(
            runId, connector, reader.GetFieldValue<DateTimeOffset>(finishedAt), reader.GetString(outcome), NullableColumns.Int(reader, version),
            sample?.RunId == runId, sample);
    }

    // Columns sample_run_id, sample, sample_cut from ordinal: a version first seen before samples were kept has none.
    private static PayloadSample? SampleAt(NpgsqlDataReader reader, int ordinal)
    {
        int sampleRunId = ordinal, sample = ordinal + 1, sampleCut = ordinal + 2;
        return reader.IsDBNull(sampleRunId) || reader.IsDBNull(sample)
            ? null
            : new PayloadSample(reader.GetGuid(sampleRunId), reader.GetString(sample), reader.GetBoolean(sampleCut));
    }

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
        string? connector, DateTimeOffset? from, DateTimeOffset? to, int limit, PageCursor? after, CancellationToken cancellationToken,
        string? dataset = null)
    {
        await using var command = dataSource.CreateCommand();
        var where = new List<string>();
        if (connector is not null)
        {
            command.Parameters.AddWithValue(connector);
            where.Add($"(e.connector = ${command.Parameters.Count} OR e.job = ${command.Parameters.Count})");
        }
        if (dataset is not null)
        {
            command.Parameters.AddWithValue(dataset);
            where.Add($"e.connector = ${command.Parameters.Count} AND e.dataset_namespace IS NOT NULL");
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

    private static NpgsqlBatchCommand Command(string sql, string connector)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = connector, NpgsqlDbType = NpgsqlDbType.Text });
        return command;
    }
}
