namespace ConnectorHealth.Metrics;

/// <summary>
/// The SQL that folds runs into the rollups. Ingest folds the new runs of a batch (an <c>unnest</c> of parameters);
/// a rebuild folds a range of stored runs. Both use these statements, so there is one definition of every rollup.
/// </summary>
/// <remarks>
/// A source is a relation aliased <c>r</c> with the columns connector, started_at, status, latency_ms, attempts,
/// rate_limited and error_type. Days and hours are UTC whatever the session's time zone.
/// </remarks>
internal static class RollupSql
{
    public const string HourExpression = "date_trunc('hour', r.started_at, 'UTC')";
    public const string DayExpression = "(r.started_at AT TIME ZONE 'UTC')::date";

    /// <summary>The columns of a rollup source, in the order the ingest <c>unnest</c> binds them.</summary>
    public const string SourceColumns = "connector, started_at, status, latency_ms, attempts, rate_limited, error_type";

    public static string FoldHourly(string source) => Fold("metrics.rollup_hourly", "hour", HourExpression, "(hour, connector)", source);

    public static string FoldDaily(string source) => Fold("metrics.rollup_daily", "day", DayExpression, "(connector, day)", source);

    public static string FoldFailures(string source) => $"""
        INSERT INTO metrics.failures_daily AS t (day, connector, error_type, failures)
        SELECT {DayExpression} AS day, r.connector, coalesce(r.error_type, 'unknown') AS error_type, count(*)::integer
        FROM {source}
        WHERE r.status = 'failed'
        GROUP BY 1, 2, 3
        ORDER BY 2, 1, 3
        ON CONFLICT (connector, day, error_type) DO UPDATE SET failures = t.failures + excluded.failures
        """;

    // Counts per latency bucket first, then one row per key with the sparse histogram of those buckets.
    private static string Fold(string table, string key, string keyExpression, string conflict, string source) => $"""
        INSERT INTO {table} AS t ({key}, connector, total, succeeded, failed, rate_limited, attempts,
                                 latency_sum, latency_min, latency_max, latency_histogram)
        SELECT {key}, connector, sum(n)::integer, sum(succeeded)::integer, sum(failed)::integer, sum(rate_limited)::integer,
               sum(attempts)::bigint, sum(latency_sum), min(latency_min), max(latency_max),
               array_agg((bucket::bigint << 32) | n ORDER BY bucket)
        FROM (
            SELECT {keyExpression} AS {key}, r.connector, metrics.latency_bucket(r.latency_ms) AS bucket,
                   count(*) AS n,
                   count(*) FILTER (WHERE r.status = 'succeeded') AS succeeded,
                   count(*) FILTER (WHERE r.status = 'failed') AS failed,
                   count(*) FILTER (WHERE r.rate_limited) AS rate_limited,
                   sum(r.attempts) AS attempts,
                   sum(r.latency_ms) AS latency_sum,
                   min(r.latency_ms) AS latency_min,
                   max(r.latency_ms) AS latency_max
            FROM {source}
            GROUP BY 1, 2, 3
        ) buckets
        GROUP BY {key}, connector
        ORDER BY connector, {key}
        ON CONFLICT {conflict} DO UPDATE SET
            total = t.total + excluded.total,
            succeeded = t.succeeded + excluded.succeeded,
            failed = t.failed + excluded.failed,
            rate_limited = t.rate_limited + excluded.rate_limited,
            attempts = t.attempts + excluded.attempts,
            latency_sum = t.latency_sum + excluded.latency_sum,
            latency_min = least(t.latency_min, excluded.latency_min),
            latency_max = greatest(t.latency_max, excluded.latency_max),
            latency_histogram = metrics.histogram_merge(t.latency_histogram, excluded.latency_histogram)
        """;
}
