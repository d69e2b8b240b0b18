namespace ConnectorHealth.Metrics.Rollups;

// The SQL that folds runs into the rollups. Ingest folds the new runs of a batch (an unnest of parameters);
// a rebuild folds a range of stored runs. Both use these statements, so there is one definition of every rollup.
// A source is a relation aliased r with the SourceColumns. Days and hours are UTC whatever the
// session's time zone.
// A run counts in the UTC hour and day it ENDED (finished_at), the first version's rule (date_trunc('day', ended_at)):
// every rollup, KPI and the seed mart share it, so a run that crosses midnight is counted on one day everywhere.
internal static class RollupSql
{
    public const string HourExpression = "date_trunc('hour', r.finished_at, 'UTC')";
    public const string DayExpression = "(r.finished_at AT TIME ZONE 'UTC')::date";

    // The seed view's day: the same day as every other rollup, named for the view that reads it.
    public const string EndDayExpression = DayExpression;

    /// <summary>The C# side of <see cref="DayExpression"/>: the UTC day a run is counted on.</summary>
    public static DateOnly DayOf(DateTimeOffset finishedAt) => DateOnly.FromDateTime(finishedAt.UtcDateTime);

    // Runs that ended in [$1, $2): the rebuild's source. A run never ends before it starts, so started_at < $2 lets
    // PostgreSQL skip the partitions (by start month) that cannot hold one.
    public const string EndedInRange =
        $"(SELECT {SourceColumns} FROM metrics.runs WHERE started_at < $2 AND finished_at >= $1 AND finished_at < $2) AS r";

    // The columns of a rollup source, in the order the ingest unnest binds them.
    public const string SourceColumns = "connector, started_at, finished_at, status, latency_ms, attempts, rate_limited, error_type, lateness_ms";

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

    // Per connector per UTC day of the end of the run: what the seed view mart.connector_health_daily serves.
    public static string FoldDailyByEnd(string source) => $"""
        INSERT INTO metrics.rollup_daily_by_end AS t (day, connector, total, succeeded, rate_limited, attempts, latency_sum)
        SELECT {EndDayExpression} AS day, r.connector, count(*)::integer, count(*) FILTER (WHERE r.status = 'succeeded')::integer,
               count(*) FILTER (WHERE r.rate_limited)::integer, sum(r.attempts)::bigint, sum(r.latency_ms)
        FROM {source}
        GROUP BY 1, 2
        ORDER BY 2, 1
        ON CONFLICT (connector, day) DO UPDATE SET
            total = t.total + excluded.total,
            succeeded = t.succeeded + excluded.succeeded,
            rate_limited = t.rate_limited + excluded.rate_limited,
            attempts = t.attempts + excluded.attempts,
            latency_sum = t.latency_sum + excluded.latency_sum
        """;

    // Every fold, in the order ingest and rebuild run them.
    public static IEnumerable<string> Folds(string source) =>
        [FoldHourly(source), FoldDaily(source), FoldFailures(source), FoldDailyByEnd(source)];

    // Counts per latency bucket first, then one row per key with the sparse histogram of those buckets.
    private static string Fold(string table, string key, string keyExpression, string conflict, string source) => $"""
        INSERT INTO {table} AS t ({key}, connector, total, succeeded, failed, aborted, rate_limited, attempts,
                                 latency_sum, latency_min, latency_max, latency_histogram, late_runs, lateness_sum, lateness_max)
        SELECT {key}, connector, sum(n)::integer, sum(succeeded)::integer, sum(failed)::integer, sum(aborted)::integer,
               sum(rate_limited)::integer, sum(attempts)::bigint, sum(latency_sum), min(latency_min), max(latency_max),
               array_agg(metrics.histogram_entry(bucket, n) ORDER BY bucket), sum(late_runs)::integer, sum(lateness_sum),
               max(lateness_max)
        FROM (
            SELECT {keyExpression} AS {key}, r.connector, metrics.latency_bucket(r.latency_ms) AS bucket,
                   count(*) AS n,
                   count(*) FILTER (WHERE r.status = 'succeeded') AS succeeded,
                   count(*) FILTER (WHERE r.status = 'failed') AS failed,
                   count(*) FILTER (WHERE r.status = 'aborted') AS aborted,
                   count(*) FILTER (WHERE r.rate_limited) AS rate_limited,
                   sum(r.attempts) AS attempts,
                   sum(r.latency_ms) AS latency_sum,
                   min(r.latency_ms) AS latency_min,
                   max(r.latency_ms) AS latency_max,
                   count(r.lateness_ms) AS late_runs,
                   coalesce(sum(r.lateness_ms), 0) AS lateness_sum,
                   max(r.lateness_ms) AS lateness_max
            FROM {source}
            GROUP BY 1, 2, 3
        ) buckets
        GROUP BY {key}, connector
        ORDER BY connector, {key}
        ON CONFLICT {conflict} DO UPDATE SET
            total = t.total + excluded.total,
            succeeded = t.succeeded + excluded.succeeded,
            failed = t.failed + excluded.failed,
            aborted = t.aborted + excluded.aborted,
            rate_limited = t.rate_limited + excluded.rate_limited,
            attempts = t.attempts + excluded.attempts,
            latency_sum = t.latency_sum + excluded.latency_sum,
            latency_min = least(t.latency_min, excluded.latency_min),
            latency_max = greatest(t.latency_max, excluded.latency_max),
            latency_histogram = metrics.histogram_merge(t.latency_histogram, excluded.latency_histogram),
            late_runs = t.late_runs + excluded.late_runs,
            lateness_sum = t.lateness_sum + excluded.lateness_sum,
            lateness_max = greatest(t.lateness_max, excluded.lateness_max)
        """;
}
