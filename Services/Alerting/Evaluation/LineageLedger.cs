using ConnectorHealth.Contracts;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Alerting.Evaluation;

/// <summary>
/// What OpenLineage runs add for the quality, volume and stuck_run rules: each assertion's latest result, each output
/// dataset's written rows, and the runs still in progress. Called with the connectors locked and the runs fresh (each run
/// once), so a redelivery adds nothing; what is kept is ordered by the runs' own times, so arrival order does not matter.
/// </summary>
internal static class LineageLedger
{
    // The writes kept per job and dataset: the longest volume baseline (RuleThresholds.VolumeBaselineRuns) and the write judged.
    private const int VolumeWritesKept = 1001;

    // The event times kept per run in progress: the longest history of gaps (RuleThresholds.StuckRunBaselineRuns) and one.
    private const int ProgressEventsKept = 1001;

    /// <summary>Takes in the assertions and volumes of fresh completed runs, and ends their runs in progress.</summary>
    public static async Task RecordCompletedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<RunCompleted> fresh, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        // A run's RunCompleted ends it: progress of it that arrives later is ignored (the ledger has the run).
        var runIds = fresh.Select(r => r.RunId).ToArray();
        batch.BatchCommands.Add(Command("DELETE FROM alerting.runs_in_progress WHERE run_id = ANY($1)", Column(runIds, NpgsqlDbType.Uuid)));
        batch.BatchCommands.Add(Command("DELETE FROM alerting.progress_events WHERE run_id = ANY($1)", Column(runIds, NpgsqlDbType.Uuid)));

        // Every assertion a run reported, on inputs and outputs alike; the same assertion twice in a run failed if either did.
        // Of several fresh runs the latest (by finish; a failure over a pass at the same instant) is the one kept.
        var assertions = fresh.Where(r => r.Lineage is not null)
            .SelectMany(r => r.Lineage!.Inputs.Concat(r.Lineage.Outputs).SelectMany(d => d.Assertions.Select(a => (Run: r, Dataset: d, Assertion: a))))
            .GroupBy(x => (x.Run.Connector, x.Dataset.Key, x.Assertion.Assertion, Column: x.Assertion.Column ?? "", x.Run.RunId))
            .Select(g => (g.Key, g.First().Dataset, g.First().Run, Success: g.All(x => x.Assertion.Success)))
            .GroupBy(x => (x.Key.Connector, x.Key.Key, x.Key.Assertion, x.Key.Column))
            .Select(g => g.OrderByDescending(x => x.Run.FinishedAt).ThenBy(x => x.Success).ThenByDescending(x => x.Run.RunId).First())
            .ToArray();
        if (assertions.Length > 0)
        {
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO alerting.assertion_results AS r (connector, dataset_key, assertion, column_name, dataset_namespace, dataset_name, run_id,
                                                             finished_at, success)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::timestamptz[],
                                     $9::boolean[])
                ON CONFLICT (connector, dataset_key, assertion, column_name) DO UPDATE SET
                    dataset_namespace = excluded.dataset_namespace, dataset_name = excluded.dataset_name, run_id = excluded.run_id,
                    finished_at = excluded.finished_at, success = excluded.success
                -- Only a later run's result replaces one; at the same instant a failure wins.
                WHERE (excluded.finished_at, NOT excluded.success) > (r.finished_at, NOT r.success)
                """,
                Column(assertions.Select(a => a.Key.Connector).ToArray(), NpgsqlDbType.Text),
                Column(assertions.Select(a => a.Key.Key).ToArray(), NpgsqlDbType.Text),
                Column(assertions.Select(a => a.Key.Assertion).ToArray(), NpgsqlDbType.Text),
                Column(assertions.Select(a => a.Key.Column).ToArray(), NpgsqlDbType.Text),
                Column(assertions.Select(a => a.Dataset.Namespace).ToArray(), NpgsqlDbType.Text),
                Column(assertions.Select(a => a.Dataset.Name).ToArray(), NpgsqlDbType.Text),
                Column(assertions.Select(a => a.Run.RunId).ToArray(), NpgsqlDbType.Uuid),
                Column(assertions.Select(a => a.Run.FinishedAt).ToArray(), NpgsqlDbType.TimestampTz),
                Column(assertions.Select(a => a.Success).ToArray(), NpgsqlDbType.Boolean)));
        }

        // The lineage graph: each job's inputs and outputs, as late as a run said so (any run: a failed one read and meant to write them).
        foreach (var (table, datasets) in new[]
                 {
                     ("job_inputs", (Func<RunLineage, IReadOnlyList<LineageDataset>>)(l => l.Inputs)),
                     ("job_outputs", l => l.Outputs),
                 })
        {
            var edges = fresh.Where(r => r.Lineage is not null)
                .SelectMany(r => datasets(r.Lineage!).Select(d => (r.Connector, d.Key, r.FinishedAt)))
                .GroupBy(e => (e.Connector, e.Key)).Select(g => (g.Key.Connector, g.Key.Key, At: g.Max(e => e.FinishedAt))).ToArray();
            if (edges.Length > 0)
            {
                batch.BatchCommands.Add(Command(
                    $"""
                    INSERT INTO alerting.{table} AS e (connector, dataset_key, last_seen_at)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
                    ON CONFLICT (connector, dataset_key) DO UPDATE SET last_seen_at = greatest(e.last_seen_at, excluded.last_seen_at)
                    """,
                    Column(edges.Select(e => e.Connector).ToArray(), NpgsqlDbType.Text),
                    Column(edges.Select(e => e.Key).ToArray(), NpgsqlDbType.Text),
                    Column(edges.Select(e => e.At).ToArray(), NpgsqlDbType.TimestampTz)));
            }
        }

        // Only a successful run's rows say what the job normally writes: a failed or aborted run stopped part way.
        var volumes = fresh.Where(r => r.Status == RunStatus.Succeeded && r.Lineage is not null)
            .SelectMany(r => r.Lineage!.Outputs.Where(d => d.RowCount is >= 0).Select(d => (Run: r, Dataset: d)))
            .DistinctBy(x => (x.Run.RunId, x.Dataset.Key))
            .ToArray();
        if (volumes.Length > 0)
        {
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO alerting.output_volumes (connector, dataset_key, run_id, finished_at, row_count, dataset_namespace, dataset_name)
                SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::timestamptz[], $5::bigint[], $6::text[], $7::text[])
                ON CONFLICT DO NOTHING
                """,
                Column(volumes.Select(v => v.Run.Connector).ToArray(), NpgsqlDbType.Text),
                Column(volumes.Select(v => v.Dataset.Key).ToArray(), NpgsqlDbType.Text),
                Column(volumes.Select(v => v.Run.RunId).ToArray(), NpgsqlDbType.Uuid),
                Column(volumes.Select(v => v.Run.FinishedAt).ToArray(), NpgsqlDbType.TimestampTz),
                Column(volumes.Select(v => v.Dataset.RowCount!.Value).ToArray(), NpgsqlDbType.Bigint),
                Column(volumes.Select(v => v.Dataset.Namespace).ToArray(), NpgsqlDbType.Text),
                Column(volumes.Select(v => v.Dataset.Name).ToArray(), NpgsqlDbType.Text)));
            var written = volumes.Select(v => (v.Run.Connector, v.Dataset.Key)).Distinct().ToArray();
            batch.BatchCommands.Add(Command(
                $"""
                DELETE FROM alerting.output_volumes v USING unnest($1::text[], $2::text[]) AS k(c, d)
                WHERE v.connector = k.c AND v.dataset_key = k.d AND v.finished_at < (
                    SELECT finished_at FROM alerting.output_volumes o WHERE o.connector = k.c AND o.dataset_key = k.d
                    ORDER BY finished_at DESC OFFSET {VolumeWritesKept - 1} LIMIT 1)
                """,
                Column(written.Select(w => w.Connector).ToArray(), NpgsqlDbType.Text),
                Column(written.Select(w => w.Key).ToArray(), NpgsqlDbType.Text)));
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Takes in runs in progress: a run not yet completed is kept (its start, its newest event, whether it streams) with
    /// each event time once; one whose RunCompleted was taken in already is ignored. Returns the connectors whose runs in
    /// progress this changed.
    /// </summary>
    public static async Task<string[]> RecordProgressAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<RunInProgress> progress, CancellationToken cancellationToken)
    {
        // One row per run (a statement may not update a row twice): the earliest start and the newest event's view.
        var runs = progress.GroupBy(p => p.RunId)
            .Select(g => (Latest: g.MaxBy(p => p.UpdatedAt)!, StartedAt: g.Min(p => p.StartedAt)))
            .ToArray();
        var events = progress.Select(p => (p.RunId, p.UpdatedAt)).Distinct().ToArray();
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO alerting.runs_in_progress AS p (run_id, connector, started_at, updated_at, streaming, job_namespace, job_name)
            SELECT u.* FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::boolean[], $6::text[], $7::text[])
                AS u(run_id, connector, started_at, updated_at, streaming, job_namespace, job_name)
            WHERE NOT EXISTS (SELECT 1 FROM alerting.runs r WHERE r.run_id = u.run_id)
            ON CONFLICT (run_id) DO UPDATE SET
                started_at = least(p.started_at, excluded.started_at),
                streaming = CASE WHEN excluded.updated_at >= p.updated_at THEN excluded.streaming ELSE p.streaming END,
                updated_at = greatest(p.updated_at, excluded.updated_at)
            RETURNING connector
            """,
            Column(runs.Select(r => r.Latest.RunId).ToArray(), NpgsqlDbType.Uuid),
            Column(runs.Select(r => r.Latest.Connector).ToArray(), NpgsqlDbType.Text),
            Column(runs.Select(r => r.StartedAt).ToArray(), NpgsqlDbType.TimestampTz),
            Column(runs.Select(r => r.Latest.UpdatedAt).ToArray(), NpgsqlDbType.TimestampTz),
            Column(runs.Select(r => IsStreaming(r.Latest.Lineage)).ToArray(), NpgsqlDbType.Boolean),
            Column(runs.Select(r => r.Latest.Lineage.JobNamespace).ToArray(), NpgsqlDbType.Text),
            Column(runs.Select(r => r.Latest.Lineage.JobName).ToArray(), NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            $"""
            WITH added AS (
                INSERT INTO alerting.progress_events (run_id, updated_at)
                SELECT u.* FROM unnest($1::uuid[], $2::timestamptz[]) AS u(run_id, updated_at)
                WHERE NOT EXISTS (SELECT 1 FROM alerting.runs r WHERE r.run_id = u.run_id)
                ON CONFLICT DO NOTHING RETURNING run_id
            )
            DELETE FROM alerting.progress_events e USING (SELECT DISTINCT run_id FROM added) k
            WHERE e.run_id = k.run_id AND e.updated_at < (
                SELECT updated_at FROM alerting.progress_events o WHERE o.run_id = k.run_id
                ORDER BY updated_at DESC OFFSET {ProgressEventsKept - 1} LIMIT 1)
            """,
            Column(events.Select(e => e.RunId).ToArray(), NpgsqlDbType.Uuid),
            Column(events.Select(e => e.UpdatedAt).ToArray(), NpgsqlDbType.TimestampTz)));
        var connectors = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            connectors.Add(reader.GetString(0));
        }
        return [.. connectors.Order(StringComparer.Ordinal)];
    }

    /// <summary>A job that never ends: its runs are judged by the gaps between their events, not by how long they run.</summary>
    public static bool IsStreaming(RunLineage? lineage) =>
        string.Equals(lineage?.ProcessingType, "streaming", StringComparison.OrdinalIgnoreCase);
}
