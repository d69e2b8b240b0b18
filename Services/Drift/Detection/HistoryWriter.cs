using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Schemas;
using ConnectorHealth.Drift.StoredHistory;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Drift.Detection;

/// <summary>
/// Writes what a batch decided in one round trip: the run ledger, new versions and the run counts of known ones,
/// quarantined runs, a replay's release, the connectors' positions, contracts alerted on, and the drift events. Returns
/// the events to publish, with the ids they were stored under (an event already stored is not told again).
/// </summary>
internal static class HistoryWriter
{
    public static async Task<List<SchemaDriftDetected>> WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, BatchWrites writes, Guid? replayOf, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        AddRuns(batch, writes);
        AddNewVersions(batch, writes);
        AddKnownVersionCounts(batch, writes);
        AddQuarantine(batch, writes);
        if (replayOf is { } quarantineId)
        {
            batch.BatchCommands.Add(Command(
                "UPDATE drift.quarantine SET status = 'released', released_at = $2, released_version = $3 WHERE quarantine_id = $1",
                Uuid(quarantineId), Instant(now), Integer(writes.ReleasedVersion)));
        }
        AddConnectorStates(batch, writes, now);
        AddDatasets(batch, writes, now);
        if (writes.ContractsAlerted.Count > 0)
        {
            batch.BatchCommands.Add(Command("UPDATE drift.contracts SET alerted_at = $2 WHERE connector = ANY($1)",
                Column(writes.ContractsAlerted.ToArray(), NpgsqlDbType.Text), Instant(now)));
        }
        // The event insert goes last: its ids are read from the last result.
        AddEvents(batch, writes.Events, now);
        if (batch.BatchCommands.Count == 0)
        {
            return [];
        }

        var eventIds = new Dictionary<(Guid RunId, string Subject), long>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            if (writes.Events.Count > 0)
            {
                const int eventId = 0, runId = 1, subject = 2;
                do
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        eventIds[(reader.GetGuid(runId), reader.GetString(subject))] = reader.GetInt64(eventId);
                    }
                }
                while (await reader.NextResultAsync(cancellationToken));
            }
        }

        return writes.Events
            .Where(row => row.Notify && eventIds.ContainsKey((row.RunId, row.Connector)))
            .Select(row => row.ToMessage(eventIds[(row.RunId, row.Connector)], now))
            .ToList();
    }

    private static void AddRuns(NpgsqlBatch batch, BatchWrites writes)
    {
        var runs = writes.Runs;
        if (runs.Count == 0)
        {
            return;
        }
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO drift.runs (run_id, connector, finished_at, outcome, version, job)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::integer[], $6::text[])
            ON CONFLICT (run_id, connector) DO NOTHING
            """,
            Column(runs.Select(run => run.RunId).ToArray(), NpgsqlDbType.Uuid),
            Column(runs.Select(run => run.Connector).ToArray(), NpgsqlDbType.Text),
            Column(runs.Select(run => run.FinishedAt).ToArray(), NpgsqlDbType.TimestampTz),
            Column(runs.Select(run => run.Outcome).ToArray(), NpgsqlDbType.Text),
            Column(runs.Select(run => run.Version).ToArray(), NpgsqlDbType.Integer),
            Column(runs.Select(run => run.Job).ToArray(), NpgsqlDbType.Text)));
    }

    private static void AddNewVersions(NpgsqlBatch batch, BatchWrites writes)
    {
        var versions = writes.NewVersions;
        if (versions.Count == 0)
        {
            return;
        }
        var counts = versions.Select(version => writes.Counts[(version.Connector, version.Version)]).ToArray();
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO drift.schema_versions (connector, version, fingerprint, fields, top_level_keys, partial, limits_hit,
                                               first_seen, last_seen, run_count, sample_run_id, sample, sample_cut)
            SELECT connector, version, fingerprint, fields::jsonb, top_level_keys::jsonb, partial, limits_hit::jsonb,
                   first_seen, last_seen, run_count, sample_run_id, sample, sample_cut
            FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[],
                        $8::timestamptz[], $9::timestamptz[], $10::bigint[], $11::uuid[], $12::text[], $13::boolean[])
                 AS incoming(connector, version, fingerprint, fields, top_level_keys, partial, limits_hit,
                         first_seen, last_seen, run_count, sample_run_id, sample, sample_cut)
            """,
            Column(versions.Select(version => version.Connector).ToArray(), NpgsqlDbType.Text),
            Column(versions.Select(version => version.Version).ToArray(), NpgsqlDbType.Integer),
            Column(versions.Select(version => version.Schema.Fingerprint).ToArray(), NpgsqlDbType.Text),
            Column(versions.Select(version => StoredFields.Serialize(version.Schema.Fields)).ToArray(), NpgsqlDbType.Text),
            Column(versions.Select(version => JsonSerializer.Serialize(version.Schema.TopLevelKeys)).ToArray(), NpgsqlDbType.Text),
            Column(versions.Select(version => version.Schema.Partial).ToArray(), NpgsqlDbType.Boolean),
            Column(versions.Select(version => JsonSerializer.Serialize(LimitsOf(version.Schema))).ToArray(), NpgsqlDbType.Text),
            Column(counts.Select(count => count.First).ToArray(), NpgsqlDbType.TimestampTz),
            Column(counts.Select(count => count.Last).ToArray(), NpgsqlDbType.TimestampTz),
            Column(counts.Select(count => count.Runs).ToArray(), NpgsqlDbType.Bigint),
            Column(versions.Select(version => version.Sample?.RunId).ToArray(), NpgsqlDbType.Uuid),
            Column(versions.Select(version => version.Sample?.Json).ToArray(), NpgsqlDbType.Text),
            Column(versions.Select(version => version.Sample?.Cut ?? false).ToArray(), NpgsqlDbType.Boolean)));
    }

    private static void AddKnownVersionCounts(NpgsqlBatch batch, BatchWrites writes)
    {
        var known = writes.Counts
            .Where(count => !writes.NewVersions.Any(created => created.Connector == count.Key.Connector && created.Version == count.Key.Version))
            .ToArray();
        if (known.Length == 0)
        {
            return;
        }
        batch.BatchCommands.Add(Command(
            """
            UPDATE drift.schema_versions v
            SET run_count = v.run_count + counted.runs,
                first_seen = least(v.first_seen, counted.first_seen), last_seen = greatest(v.last_seen, counted.last_seen)
            FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::timestamptz[], $5::timestamptz[])
                 AS counted(connector, version, runs, first_seen, last_seen)
            WHERE v.connector = counted.connector AND v.version = counted.version
            """,
            Column(known.Select(count => count.Key.Connector).ToArray(), NpgsqlDbType.Text),
            Column(known.Select(count => count.Key.Version).ToArray(), NpgsqlDbType.Integer),
            Column(known.Select(count => count.Value.Runs).ToArray(), NpgsqlDbType.Bigint),
            Column(known.Select(count => count.Value.First).ToArray(), NpgsqlDbType.TimestampTz),
            Column(known.Select(count => count.Value.Last).ToArray(), NpgsqlDbType.TimestampTz)));
    }

    private static void AddQuarantine(NpgsqlBatch batch, BatchWrites writes)
    {
        var held = writes.Quarantine;
        if (held.Count == 0)
        {
            return;
        }
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO drift.quarantine (quarantine_id, run_id, connector, finished_at, run, fingerprint, violations, status)
            SELECT quarantine_id, run_id, connector, finished_at, run::jsonb, fingerprint, violations::jsonb, 'held'
            FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[])
                 AS incoming(quarantine_id, run_id, connector, finished_at, run, fingerprint, violations)
            ON CONFLICT (run_id, connector) DO NOTHING
            """,
            Column(held.Select(_ => Guid.CreateVersion7()).ToArray(), NpgsqlDbType.Uuid),
            Column(held.Select(run => run.Run.RunId).ToArray(), NpgsqlDbType.Uuid),
            Column(held.Select(run => run.Run.Connector).ToArray(), NpgsqlDbType.Text),
            Column(held.Select(run => run.Run.FinishedAt).ToArray(), NpgsqlDbType.TimestampTz),
            Column(held.Select(run => JsonSerializer.Serialize(run.Run, DriftJson.Options)).ToArray(), NpgsqlDbType.Text),
            Column(held.Select(run => run.Schema!.Fingerprint).ToArray(), NpgsqlDbType.Text),
            Column(held.Select(run => JsonSerializer.Serialize(run.Violations)).ToArray(), NpgsqlDbType.Text)));
    }

    private static void AddConnectorStates(NpgsqlBatch batch, BatchWrites writes, DateTimeOffset now)
    {
        var states = writes.States;
        if (states.Count == 0)
        {
            return;
        }
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO drift.connectors (connector, current_version, current_since, latest_run_id, latest_finished_at, updated_at)
            SELECT *, $6 FROM unnest($1::text[], $2::integer[], $3::timestamptz[], $4::uuid[], $5::timestamptz[])
            ON CONFLICT (connector) DO UPDATE SET
                current_version = excluded.current_version, current_since = excluded.current_since,
                latest_run_id = excluded.latest_run_id, latest_finished_at = excluded.latest_finished_at, updated_at = $6
            """,
            Column(states.Select(state => state.Connector).ToArray(), NpgsqlDbType.Text),
            Column(states.Select(state => state.CurrentVersion).ToArray(), NpgsqlDbType.Integer),
            Column(states.Select(state => state.CurrentSince).ToArray(), NpgsqlDbType.TimestampTz),
            Column(states.Select(state => state.LatestRunId).ToArray(), NpgsqlDbType.Uuid),
            Column(states.Select(state => state.LatestFinishedAt).ToArray(), NpgsqlDbType.TimestampTz),
            Instant(now)));
    }

    private static void AddEvents(NpgsqlBatch batch, List<EventRow> events, DateTimeOffset now)
    {
        if (events.Count == 0)
        {
            return;
        }
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO drift.drift_events (connector, run_id, finished_at, from_version, to_version, kind, oscillating, changes,
                                            compatibility, breaking, action, contract_violations, detected_at, notify,
                                            job, dataset_namespace, dataset_name)
            SELECT connector, run_id, finished_at, from_version, to_version, kind, oscillating, changes::jsonb,
                   compatibility, breaking, action, contract_violations::jsonb, $13, notify, job, dataset_namespace, dataset_name
            FROM unnest($1::text[], $2::uuid[], $3::timestamptz[], $4::integer[], $5::integer[], $6::text[], $7::boolean[],
                        $8::text[], $9::text[], $10::boolean[], $11::text[], $12::text[], $14::boolean[], $15::text[], $16::text[],
                        $17::text[])
                 AS incoming(connector, run_id, finished_at, from_version, to_version, kind, oscillating, changes,
                         compatibility, breaking, action, contract_violations, notify, job, dataset_namespace, dataset_name)
            ON CONFLICT DO NOTHING
            RETURNING event_id, run_id, connector
            """,
            Column(events.Select(row => row.Connector).ToArray(), NpgsqlDbType.Text),
            Column(events.Select(row => row.RunId).ToArray(), NpgsqlDbType.Uuid),
            Column(events.Select(row => row.FinishedAt).ToArray(), NpgsqlDbType.TimestampTz),
            Column(events.Select(row => row.FromVersion).ToArray(), NpgsqlDbType.Integer),
            Column(events.Select(row => row.ToVersion).ToArray(), NpgsqlDbType.Integer),
            Column(events.Select(row => EnumNames.Name(row.Kind)).ToArray(), NpgsqlDbType.Text),
            Column(events.Select(row => row.Oscillating).ToArray(), NpgsqlDbType.Boolean),
            Column(events.Select(row => JsonSerializer.Serialize(row.Changes, DriftJson.Options)).ToArray(), NpgsqlDbType.Text),
            Column(events.Select(row => EnumNames.Name(row.Compatibility)).ToArray(), NpgsqlDbType.Text),
            Column(events.Select(row => row.Breaking).ToArray(), NpgsqlDbType.Boolean),
            Column(events.Select(row => EnumNames.Name(row.Action)).ToArray(), NpgsqlDbType.Text),
            Column(events.Select(row => JsonSerializer.Serialize(row.Violations)).ToArray(), NpgsqlDbType.Text),
            Instant(now),
            Column(events.Select(row => row.Notify).ToArray(), NpgsqlDbType.Boolean),
            Column(events.Select(row => row.Job).ToArray(), NpgsqlDbType.Text),
            Column(events.Select(row => row.Dataset?.Namespace).ToArray(), NpgsqlDbType.Text),
            Column(events.Select(row => row.Dataset?.Name).ToArray(), NpgsqlDbType.Text)));
    }

    // Each dataset's names, and its latest observation by time (ties by run id): later observations replace it, earlier
    // ones (late or redelivered) do not.
    private static void AddDatasets(NpgsqlBatch batch, BatchWrites writes, DateTimeOffset now)
    {
        var latest = writes.Datasets
            .GroupBy(run => run.Run.Connector, StringComparer.Ordinal)
            .Select(observations => observations.Aggregate((a, b) =>
                RunOrder.Compare(a.Run.FinishedAt, a.Run.RunId, b.Run.FinishedAt, b.Run.RunId) >= 0 ? a : b))
            .ToArray();
        if (latest.Length == 0)
        {
            return;
        }
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO drift.datasets AS d (key, namespace, name, last_job, last_run_id, last_seen, updated_at)
            SELECT *, $7 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::timestamptz[])
            ON CONFLICT (key) DO UPDATE SET
                namespace = excluded.namespace, name = excluded.name, last_job = excluded.last_job,
                last_run_id = excluded.last_run_id, last_seen = excluded.last_seen, updated_at = $7
            WHERE (excluded.last_seen, excluded.last_run_id) > (d.last_seen, d.last_run_id)
            """,
            Column(latest.Select(run => run.Dataset!.Key).ToArray(), NpgsqlDbType.Text),
            Column(latest.Select(run => run.Dataset!.Namespace).ToArray(), NpgsqlDbType.Text),
            Column(latest.Select(run => run.Dataset!.Name).ToArray(), NpgsqlDbType.Text),
            Column(latest.Select(run => run.Dataset!.Job).ToArray(), NpgsqlDbType.Text),
            Column(latest.Select(run => run.Run.RunId).ToArray(), NpgsqlDbType.Uuid),
            Column(latest.Select(run => run.Run.FinishedAt).ToArray(), NpgsqlDbType.TimestampTz),
            Instant(now)));
    }

    private static IReadOnlyList<string> LimitsOf(InferredSchema schema) =>
        schema.PayloadTruncated ? [.. schema.LimitsHit, "payload-truncated"] : schema.LimitsHit;
}
