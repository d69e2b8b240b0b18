using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.PayloadContracts;
using ConnectorHealth.Drift.StoredHistory;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Drift.Detection;

/// <summary>
/// Reads what a batch needs under its connectors' locks, in one round trip: which runs were delivered before, where each
/// connector's history stands, its contract, the versions of the batch's schemas, and its latest drift event.
/// </summary>
internal sealed class BatchReader(VersionFieldsCache versionFields)
{
    public async Task<BatchSnapshot> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string[] connectors, List<ObservedRun> observed,
        CancellationToken cancellationToken)
    {
        var snapshot = new BatchSnapshot();
        var withSchema = observed.Where(run => run.Schema is not null).ToArray();
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(ConnectorLocks.LockCommand(connectors));
        batch.BatchCommands.Add(Command(
            "SELECT r.run_id, r.connector FROM drift.runs r JOIN unnest($1::uuid[], $2::text[]) AS k(run_id, connector) USING (run_id, connector)",
            Column(observed.Select(run => run.Run.RunId).ToArray(), NpgsqlDbType.Uuid),
            Column(observed.Select(run => run.Run.Connector).ToArray(), NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            """
            SELECT connector, compatibility, current_version, current_since, latest_run_id, latest_finished_at
            FROM drift.connectors WHERE connector = ANY($1)
            """, Column(connectors, NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            "SELECT connector, policy, schema::text, updated_at, alerted_at FROM drift.contracts WHERE connector = ANY($1)",
            Column(connectors, NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            """
            SELECT v.connector, v.fingerprint, v.version FROM drift.schema_versions v
            JOIN unnest($1::text[], $2::text[]) AS k(connector, fingerprint) USING (connector, fingerprint)
            """,
            Column(withSchema.Select(run => run.Run.Connector).ToArray(), NpgsqlDbType.Text),
            Column(withSchema.Select(run => run.Schema!.Fingerprint).ToArray(), NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            "SELECT connector, max(version) FROM drift.schema_versions WHERE connector = ANY($1) GROUP BY connector",
            Column(connectors, NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            """
            SELECT DISTINCT ON (connector) connector, finished_at, oscillating FROM drift.drift_events
            WHERE connector = ANY($1) AND kind <> 'contract_violation'
            ORDER BY connector, finished_at DESC, event_id DESC
            """, Column(connectors, NpgsqlDbType.Text)));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        // The first result is the lock's.
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            snapshot.Existing.Add((reader.GetGuid(0), reader.GetString(1)));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var state = ReadState(reader);
            snapshot.States[state.Connector] = state;
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            snapshot.Contracts[reader.GetString(0)] = ReadContract(reader);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            const int connector = 0, fingerprint = 1, version = 2;
            snapshot.Versions[(reader.GetString(connector), reader.GetString(fingerprint))] = reader.GetInt32(version);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            const int connector = 0, maxVersion = 1;
            snapshot.MaxVersions[reader.GetString(connector)] = reader.GetInt32(maxVersion);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            const int connector = 0, finishedAt = 1, oscillating = 2;
            snapshot.LastEvents[reader.GetString(connector)] =
                (reader.GetFieldValue<DateTimeOffset>(finishedAt), reader.GetBoolean(oscillating));
        }
        return snapshot;
    }

    /// <summary>
    /// A cut payload with a schema not seen before may just be the current schema with parts left out: the fields of
    /// the current versions of such runs' connectors are read to tell.
    /// </summary>
    public async Task ReadCurrentFieldsForCutPayloadsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, BatchSnapshot snapshot, IEnumerable<ObservedRun> fresh,
        CancellationToken cancellationToken)
    {
        var currentOfCut = fresh
            .Where(run => run.Schema is { Partial: true } && !snapshot.Versions.ContainsKey((run.Run.Connector, run.Schema.Fingerprint)))
            .Select(run => snapshot.States.GetValueOrDefault(run.Run.Connector) is { CurrentVersion: { } current }
                ? (run.Run.Connector, current)
                : default)
            .Where(key => key.Connector is not null)
            .Distinct()
            .ToArray();
        snapshot.CurrentFields = await versionFields.LoadAsync(connection, transaction, currentOfCut, cancellationToken);
    }

    private static ConnectorState ReadState(NpgsqlDataReader reader)
    {
        const int connector = 0, compatibility = 1, currentVersion = 2, currentSince = 3, latestRunId = 4, latestFinishedAt = 5;
        EnumNames.TryParse<CompatibilityMode>(reader.GetString(compatibility), out var mode);
        return new ConnectorState(
            reader.GetString(connector), mode,
            reader.IsDBNull(currentVersion) ? null : reader.GetInt32(currentVersion),
            reader.IsDBNull(currentSince) ? null : reader.GetFieldValue<DateTimeOffset>(currentSince),
            reader.IsDBNull(latestRunId) ? null : reader.GetGuid(latestRunId),
            reader.IsDBNull(latestFinishedAt) ? null : reader.GetFieldValue<DateTimeOffset>(latestFinishedAt));
    }

    private static ContractRow ReadContract(NpgsqlDataReader reader)
    {
        const int policy = 1, schema = 2, updatedAt = 3, alertedAt = 4;
        EnumNames.TryParse<ContractPolicy>(reader.GetString(policy), out var contractPolicy);
        return new ContractRow(
            contractPolicy, JsonDocument.Parse(reader.GetString(schema)).RootElement, reader.GetFieldValue<DateTimeOffset>(updatedAt),
            reader.IsDBNull(alertedAt) ? null : reader.GetFieldValue<DateTimeOffset>(alertedAt));
    }
}
