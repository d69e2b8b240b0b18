-- Two rules move to the time runs FINISHED, the clock the first version and Alerting use:
-- 1. Every rollup now counts a run in the UTC hour and day it ENDED (finished_at), the first version's rule
-- (date_trunc('day', ended_at)) that mart.connector_health_daily already followed; until now the hourly and daily
-- rollups and the failure counts went by the day a run started. This rebuilds them from the raw runs by the new rule.
-- 2. The status board's facts (metrics.connector_state: first run, last success, last failure, failure streak) are
--    finish times, as Alerting's failing and stale rules read them (ConnectorHealthRule). They are recomputed below.
--
-- The folds below are those of Services/Metrics/Rollups/RollupSql.cs at this version, frozen here as a migration must
-- be (a migration replays what the schema was changed to, whatever the code says later); the code is their one live home.
--
-- Days before the first stored run keep their rollups as they were: retention dropped their raw runs, so they cannot be
-- recomputed. A run that started before that first run and ended on its day or later is therefore still counted on the
-- day it started, once, rather than lost or counted twice.
DO $$
DECLARE
    first_day date := (SELECT (min(started_at) AT TIME ZONE 'UTC')::date FROM metrics.runs);
    first_instant timestamptz;
BEGIN
    IF first_day IS NULL THEN
        RETURN;
    END IF;
    first_instant := first_day::timestamp AT TIME ZONE 'UTC';

    DELETE FROM metrics.rollup_hourly WHERE hour >= first_instant;
    DELETE FROM metrics.rollup_daily WHERE day >= first_day;
    DELETE FROM metrics.failures_daily WHERE day >= first_day;
    DELETE FROM metrics.rollup_daily_by_end WHERE day >= first_day;

    INSERT INTO metrics.rollup_hourly (hour, connector, total, succeeded, failed, rate_limited, attempts,
                                       latency_sum, latency_min, latency_max, latency_histogram)
    SELECT hour, connector, sum(n)::integer, sum(succeeded)::integer, sum(failed)::integer, sum(rate_limited)::integer,
           sum(attempts)::bigint, sum(latency_sum), min(latency_min), max(latency_max),
           array_agg(metrics.histogram_entry(bucket, n) ORDER BY bucket)
    FROM (
        SELECT date_trunc('hour', r.finished_at, 'UTC') AS hour, r.connector, metrics.latency_bucket(r.latency_ms) AS bucket,
               count(*) AS n,
               count(*) FILTER (WHERE r.status = 'succeeded') AS succeeded,
               count(*) FILTER (WHERE r.status = 'failed') AS failed,
               count(*) FILTER (WHERE r.rate_limited) AS rate_limited,
               sum(r.attempts) AS attempts, sum(r.latency_ms) AS latency_sum, min(r.latency_ms) AS latency_min,
               max(r.latency_ms) AS latency_max
        FROM metrics.runs r
        WHERE r.finished_at >= first_instant
        GROUP BY 1, 2, 3
    ) buckets
    GROUP BY hour, connector;

    INSERT INTO metrics.rollup_daily (day, connector, total, succeeded, failed, rate_limited, attempts,
                                      latency_sum, latency_min, latency_max, latency_histogram)
    SELECT day, connector, sum(n)::integer, sum(succeeded)::integer, sum(failed)::integer, sum(rate_limited)::integer,
           sum(attempts)::bigint, sum(latency_sum), min(latency_min), max(latency_max),
           array_agg(metrics.histogram_entry(bucket, n) ORDER BY bucket)
    FROM (
        SELECT (r.finished_at AT TIME ZONE 'UTC')::date AS day, r.connector, metrics.latency_bucket(r.latency_ms) AS bucket,
               count(*) AS n,
               count(*) FILTER (WHERE r.status = 'succeeded') AS succeeded,
               count(*) FILTER (WHERE r.status = 'failed') AS failed,
               count(*) FILTER (WHERE r.rate_limited) AS rate_limited,
               sum(r.attempts) AS attempts, sum(r.latency_ms) AS latency_sum, min(r.latency_ms) AS latency_min,
               max(r.latency_ms) AS latency_max
        FROM metrics.runs r
        WHERE r.finished_at >= first_instant
        GROUP BY 1, 2, 3
    ) buckets
    GROUP BY day, connector;

    INSERT INTO metrics.failures_daily (day, connector, error_type, failures)
    SELECT (r.finished_at AT TIME ZONE 'UTC')::date, r.connector, coalesce(r.error_type, 'unknown'), count(*)::integer
    FROM metrics.runs r
    WHERE r.status = 'failed' AND r.finished_at >= first_instant
    GROUP BY 1, 2, 3;

    INSERT INTO metrics.rollup_daily_by_end (day, connector, total, succeeded, rate_limited, attempts, latency_sum)
    SELECT (r.finished_at AT TIME ZONE 'UTC')::date, r.connector, count(*)::integer,
           count(*) FILTER (WHERE r.status = 'succeeded')::integer, count(*) FILTER (WHERE r.rate_limited)::integer,
           sum(r.attempts)::bigint, sum(r.latency_ms)
    FROM metrics.runs r
    WHERE r.finished_at >= first_instant
    GROUP BY 1, 2;

    -- Every rebuilt day that has ended changed under readers that cache closed days: move its version.
    INSERT INTO metrics.rollup_day_versions AS v (day, version)
    SELECT day::date, 1
    FROM generate_series(first_day, (now() AT TIME ZONE 'UTC')::date - 1, interval '1 day') AS day
    ON CONFLICT (day) DO UPDATE SET version = v.version + 1;
END
$$;

-- The failure streak is recounted from the failed runs that finished after a connector's latest success.
CREATE INDEX IF NOT EXISTS runs_connector_failed_finished_idx ON metrics.runs (connector, finished_at) WHERE status = 'failed';

-- The status board's facts by finish time, from the raw runs where they still hold the answer; where retention dropped
-- a connector's first runs (or all its successes) the stored value is kept: it is the only record left.
COMMENT ON COLUMN metrics.connector_state.failure_streak IS 'Failed runs that finished after the latest successful run.';
WITH raw AS (
    SELECT connector, min(started_at) AS first_started, min(finished_at) AS first_finished,
           max(finished_at) FILTER (WHERE status = 'succeeded') AS last_success,
           max(finished_at) FILTER (WHERE status = 'failed') AS last_failure
    FROM metrics.runs
    GROUP BY connector
)
UPDATE metrics.connector_state s SET
    first_run_at = CASE WHEN raw.first_started <= s.first_run_at THEN raw.first_finished ELSE s.first_run_at END,
    last_success_at = coalesce(raw.last_success, s.last_success_at),
    last_failure_at = coalesce(raw.last_failure, s.last_failure_at),
    -- Without a stored success every failure counts, by either clock: the stored streak already holds them all.
    failure_streak = CASE WHEN raw.last_success IS NULL THEN s.failure_streak
                          ELSE (SELECT count(*)::integer FROM metrics.runs x
                                WHERE x.connector = s.connector AND x.status = 'failed' AND x.finished_at > raw.last_success)
                     END,
    updated_at = now()
FROM raw
WHERE raw.connector = s.connector;
