namespace ConnectorHealth.Metrics.Rollups;

// The SQL that folds runs into metrics.connector_state, the status board's per-connector facts. Ingest folds the
// new runs of a batch; a rebuild folds the stored runs month by month into an emptied table. Both use this statement,
// so the rules below are written once.
// A source is a relation aliased r with the SourceColumns. Writers of one connector are
// serialised (an advisory lock per connector in ingest, a table lock in a rebuild), so the stored state read here is
// current. The fold is order-independent: late runs land right whatever order they arrive in.
internal static class ConnectorStateSql
{
    public const string SourceColumns = "run_id, connector, started_at, finished_at, status, expected_interval";

    // "Last run" only moves forward: of the stored last run and the source's, the later by (started_at, run_id) wins;
    // likewise for the latest expected interval (the source's wins a tie). What failing and stale are judged on
    // (ConnectorHealthRule) is on the clock Alerting uses, when runs FINISHED: first run, last success and last failure
    // are finish times, and the failure streak counts failed runs that finished after the latest success: when the
    // source brings a newer success it is recounted from the stored runs (few, by runs_connector_failed_finished_idx),
    // otherwise the source's failures after the known latest success are added.
    public static string Fold(string source) => $"""
        WITH src AS MATERIALIZED (SELECT {SourceColumns} FROM {source}),
        batch AS (
            SELECT r.connector,
                   min(r.finished_at) AS first_run_at,
                   max(r.finished_at) FILTER (WHERE r.status = 'succeeded') AS last_success_at,
                   max(r.finished_at) FILTER (WHERE r.status = 'failed') AS last_failure_at,
                   count(*) FILTER (WHERE r.status = 'failed' AND r.finished_at > coalesce(cur.last_success_at, '-infinity')) AS new_failures
            FROM src r
            LEFT JOIN metrics.connector_state cur ON cur.connector = r.connector
            GROUP BY r.connector
        ),
        latest AS (
            SELECT DISTINCT ON (connector) connector, run_id, started_at, status, finished_at
            FROM src
            ORDER BY connector, started_at DESC, run_id DESC
        ),
        scheduled AS (
            SELECT DISTINCT ON (connector) connector, expected_interval, started_at
            FROM src
            WHERE expected_interval IS NOT NULL
            ORDER BY connector, started_at DESC, run_id DESC
        )
        INSERT INTO metrics.connector_state AS s (
            connector, first_run_at, last_run_id, last_run_at, last_run_status, last_run_finished_at,
            last_success_at, last_failure_at, failure_streak, expected_interval, expected_interval_at)
        SELECT b.connector, least(cur.first_run_at, b.first_run_at), last.run_id, last.started_at, last.status, last.finished_at,
               greatest(cur.last_success_at, b.last_success_at), greatest(cur.last_failure_at, b.last_failure_at),
               CASE WHEN b.last_success_at > coalesce(cur.last_success_at, '-infinity')
                    THEN (SELECT count(*)::integer FROM metrics.runs x
                          WHERE x.connector = b.connector AND x.status = 'failed' AND x.finished_at > b.last_success_at)
                    ELSE coalesce(cur.failure_streak, 0) + b.new_failures::integer
               END,
               schedule.expected_interval, schedule.started_at
        FROM batch b
        JOIN latest l ON l.connector = b.connector
        LEFT JOIN scheduled e ON e.connector = b.connector
        LEFT JOIN metrics.connector_state cur ON cur.connector = b.connector
        CROSS JOIN LATERAL (
            SELECT * FROM (VALUES (0, l.run_id, l.started_at, l.status, l.finished_at),
                                  (1, cur.last_run_id, cur.last_run_at, cur.last_run_status, cur.last_run_finished_at))
                          AS v(stored, run_id, started_at, status, finished_at)
            ORDER BY started_at DESC NULLS LAST, run_id DESC NULLS LAST
            LIMIT 1
        ) last
        CROSS JOIN LATERAL (
            SELECT * FROM (VALUES (0, e.expected_interval, e.started_at), (1, cur.expected_interval, cur.expected_interval_at))
                          AS v(stored, expected_interval, started_at)
            ORDER BY started_at DESC NULLS LAST, stored
            LIMIT 1
        ) schedule
        ORDER BY b.connector
        ON CONFLICT (connector) DO UPDATE SET
            first_run_at = excluded.first_run_at,
            last_run_id = excluded.last_run_id,
            last_run_at = excluded.last_run_at,
            last_run_status = excluded.last_run_status,
            last_run_finished_at = excluded.last_run_finished_at,
            last_success_at = excluded.last_success_at,
            last_failure_at = excluded.last_failure_at,
            failure_streak = excluded.failure_streak,
            expected_interval = excluded.expected_interval,
            expected_interval_at = excluded.expected_interval_at,
            updated_at = now()
        """;
}
