using System.Text.Json;
using ConnectorHealth.Contracts;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Drift.Detection;

/// <summary>
/// Puts a run that finished before its connector's latest recorded run in its place, between its predecessor and its
/// successor in the ledger. Events stay a function of the runs: where the late run carries its predecessor's version
/// nothing changes; where it carries its successor's, the change at the successor happened at the late run already (the
/// event moves, keeping its identity and whether it was published); otherwise the late run gets the change from its
/// predecessor and the event at its successor now starts from the late run's version. Only a version first seen at the
/// late run is news to publish; the rest corrects history that was already told.
/// </summary>
internal sealed class LateRunPlacer(ChangeDescriber describer, TimeProvider time)
{
    /// <summary>The next versioned run after the late one, and the drift event (not a contract violation) at it, if any.</summary>
    private sealed record Successor(Guid RunId, int Version, DateTimeOffset FinishedAt, long? EventId, string? EventKind, string? Job);

    public async Task PlaceLateRunAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, BatchWrites writes, ConnectorState state, ObservedRun run,
        CancellationToken cancellationToken)
    {
        var version = run.Version!.Value;
        var (predecessorVersion, successor) = await ReadNeighboursAsync(connection, transaction, state.Connector, run.Run, cancellationToken);

        var late = new BatchWrites();
        late.Runs.Add(RunRow.Of(run, RunOutcome.Versioned, version));
        if (run.Dataset is not null)
        {
            late.Datasets.Add(run);
        }
        late.NewVersions.AddRange(writes.NewVersions);
        var kind = writes.CreatedBy.Contains(run.Run.RunId) ? DriftKind.NewVersion : DriftKind.Reverted;
        var notify = kind == DriftKind.NewVersion || run.Violations.Count > 0;
        var eventMovesHere = false;
        EventRow? successorRefrom = null;
        if (predecessorVersion is { } fromVersion && fromVersion != version)
        {
            if (successor is { EventId: not null } next && next.Version == version)
            {
                eventMovesHere = true;
            }
            else
            {
                late.Events.Add(EventRow.At(run, fromVersion, version, kind, oscillating: false, state.Compatibility, DriftAction.Alerted, notify));
            }
        }
        if (successor is { } after && after.Version != version && predecessorVersion != version)
        {
            var changeAtSuccessor = new EventRow(state.Connector, after.RunId, after.FinishedAt, null, version, after.Version,
                DriftKind.Reverted, Oscillating: false, state.Compatibility, DriftAction.Alerted, [], Notify: false)
            {
                Job = after.Job,
                Dataset = run.Dataset is { } dataset ? new DriftDataset(dataset.Key, dataset.Namespace, dataset.Name) : null,
            };
            late.Events.Add(changeAtSuccessor);
            if (after.EventId is not null)
            {
                successorRefrom = changeAtSuccessor;
            }
        }
        await describer.DescribeChangesAsync(connection, transaction, late, cancellationToken);

        await using (var update = new NpgsqlBatch(connection, transaction))
        {
            if (eventMovesHere)
            {
                update.BatchCommands.Add(Command(
                    "UPDATE drift.drift_events SET run_id = $2, finished_at = $3 WHERE event_id = $1",
                    Bigint(successor!.EventId!.Value), Uuid(run.Run.RunId), Instant(run.Run.FinishedAt)));
            }
            if (successorRefrom is not null)
            {
                // The successor's event exists: it is updated in place rather than inserted.
                late.Events.Remove(successorRefrom);
                update.BatchCommands.Add(Command(
                    "UPDATE drift.drift_events SET from_version = $2, changes = $3::jsonb, breaking = $4 WHERE event_id = $1",
                    Bigint(successor!.EventId!.Value),
                    Integer(version),
                    Text(JsonSerializer.Serialize(successorRefrom.Changes, DriftJson.Options)),
                    new NpgsqlParameter { Value = successorRefrom.Breaking, NpgsqlDbType = NpgsqlDbType.Boolean }));
            }
            if (update.BatchCommands.Count > 0)
            {
                await update.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        // The version rows come with the batch's final write; events here only need their numbers.
        late.NewVersions.Clear();
        writes.LatePublished.AddRange(await HistoryWriter.WriteAsync(connection, transaction, late, replayOf: null, time.GetUtcNow(), cancellationToken));
        writes.LateRuns++;
    }

    private static async Task<(int? PredecessorVersion, Successor? Successor)> ReadNeighboursAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string connector, RunCompleted run, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            """
            SELECT run_id, version FROM drift.runs
            WHERE connector = $1 AND version IS NOT NULL AND (finished_at, run_id) < ($2, $3)
            ORDER BY finished_at DESC, run_id DESC LIMIT 1
            """, Text(connector), Instant(run.FinishedAt), Uuid(run.RunId)));
        batch.BatchCommands.Add(Command(
            """
            SELECT s.run_id, s.version, s.finished_at, e.event_id, e.kind, s.job
            FROM (SELECT run_id, version, finished_at, job FROM drift.runs
                  WHERE connector = $1 AND version IS NOT NULL AND (finished_at, run_id) > ($2, $3)
                  ORDER BY finished_at, run_id LIMIT 1) s
            LEFT JOIN drift.drift_events e ON e.run_id = s.run_id AND e.connector = $1 AND e.kind <> 'contract_violation'
            """, Text(connector), Instant(run.FinishedAt), Uuid(run.RunId)));
        int? predecessorVersion = null;
        Successor? successor = null;
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken))
        {
            const int version = 1;
            predecessorVersion = reader.GetInt32(version);
        }
        await reader.NextResultAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken))
        {
            const int runId = 0, version = 1, finishedAt = 2, eventId = 3, eventKind = 4, job = 5;
            successor = new Successor(reader.GetGuid(runId), reader.GetInt32(version), reader.GetFieldValue<DateTimeOffset>(finishedAt),
                reader.IsDBNull(eventId) ? null : reader.GetInt64(eventId), reader.IsDBNull(eventKind) ? null : reader.GetString(eventKind),
                reader.IsDBNull(job) ? null : reader.GetString(job));
        }
        return (predecessorVersion, successor);
    }
}
