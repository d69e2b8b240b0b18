namespace ConnectorHealth.Metrics.Rollups;

// The SQL that folds runs' inputs and outputs into metrics.lineage_edges. A source is a relation aliased e with the
// SourceColumns, one row per run, direction and dataset. Order-independent: an edge only moves forward (by when it was
// seen, then run id), so runs and progress landing in any order, on any replica, leave the same graph. Writers of one
// job hold its connector lock, so no two batches race on the same edge.
internal static class LineageGraphSql
{
    public const string SourceColumns = "run_id, job, direction, dataset_key, namespace, name, seen_at";

    public static string Fold(string source) => $"""
        INSERT INTO metrics.lineage_edges AS t (job, direction, dataset_key, namespace, name, last_seen_at, last_run_id)
        SELECT DISTINCT ON (e.job, e.direction, e.dataset_key) e.job, e.direction, e.dataset_key, e.namespace, e.name, e.seen_at, e.run_id
        FROM {source}
        ORDER BY e.job, e.direction, e.dataset_key, e.seen_at DESC, e.run_id DESC
        ON CONFLICT (job, direction, dataset_key) DO UPDATE SET
            namespace = excluded.namespace,
            name = excluded.name,
            last_seen_at = excluded.last_seen_at,
            last_run_id = excluded.last_run_id
        WHERE (excluded.last_seen_at, excluded.last_run_id) > (t.last_seen_at, t.last_run_id)
        """;

    public const string Unnest =
        $"unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) AS e({SourceColumns})";
}
