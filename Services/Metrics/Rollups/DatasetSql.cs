namespace ConnectorHealth.Metrics.Rollups;

// The SQL that folds the datasets runs wrote into metrics.dataset_writes_daily (rows per dataset, writing job and UTC
// day the run finished) and metrics.datasets (each dataset's latest write). A source is a relation aliased d with the
// SourceColumns, one row per run and output dataset. Both folds are order-independent: counts add up, and a
// dataset's latest write only moves forward (by finish time, then run id), so late and redelivered-elsewhere runs
// land right whatever order replicas store them in.
internal static class DatasetSql
{
    public const string SourceColumns = "run_id, connector, finished_at, dataset_key, namespace, name, row_count, bytes";

    // The rebuild's source: the outputs of the stored runs that ended in [$1, $2), as ingest folds them (a dataset an
    // output list names twice counts once, as its first mention).
    public const string OutputsEndedInRange = $"""
        (SELECT DISTINCT ON (r.run_id, o.value->>'key') r.run_id, r.connector, r.finished_at, o.value->>'key' AS dataset_key,
                o.value->>'namespace' AS namespace, o.value->>'name' AS name, (o.value->>'rowCount')::bigint AS row_count,
                (o.value->>'bytes')::bigint AS bytes
         FROM metrics.runs r CROSS JOIN LATERAL jsonb_array_elements(r.lineage->'outputs') WITH ORDINALITY AS o(value, n)
         WHERE r.lineage IS NOT NULL AND r.started_at < $2 AND r.finished_at >= $1 AND r.finished_at < $2
         ORDER BY r.run_id, o.value->>'key', o.n) AS d
        """;

    public static string FoldWrites(string source) => $"""
        INSERT INTO metrics.dataset_writes_daily AS t (dataset_key, day, connector, runs, counted_runs, rows, rows_min, rows_max, bytes)
        SELECT d.dataset_key, (d.finished_at AT TIME ZONE 'UTC')::date, d.connector, count(*)::integer, count(d.row_count)::integer,
               coalesce(sum(d.row_count), 0)::bigint, min(d.row_count), max(d.row_count), coalesce(sum(d.bytes), 0)::bigint
        FROM {source}
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        ON CONFLICT (dataset_key, day, connector) DO UPDATE SET
            runs = t.runs + excluded.runs,
            counted_runs = t.counted_runs + excluded.counted_runs,
            rows = t.rows + excluded.rows,
            rows_min = least(t.rows_min, excluded.rows_min),
            rows_max = greatest(t.rows_max, excluded.rows_max),
            bytes = t.bytes + excluded.bytes
        """;

    public static string FoldLatest(string source) => $"""
        INSERT INTO metrics.datasets AS t (dataset_key, namespace, name, last_run_id, last_run_finished_at, last_writer, last_rows, last_bytes)
        SELECT DISTINCT ON (d.dataset_key) d.dataset_key, d.namespace, d.name, d.run_id, d.finished_at, d.connector, d.row_count, d.bytes
        FROM {source}
        ORDER BY d.dataset_key, d.finished_at DESC, d.run_id DESC
        ON CONFLICT (dataset_key) DO UPDATE SET
            namespace = excluded.namespace,
            name = excluded.name,
            last_run_id = excluded.last_run_id,
            last_run_finished_at = excluded.last_run_finished_at,
            last_writer = excluded.last_writer,
            last_rows = excluded.last_rows,
            last_bytes = excluded.last_bytes
        WHERE (excluded.last_run_finished_at, excluded.last_run_id) > (t.last_run_finished_at, t.last_run_id)
        """;
}
