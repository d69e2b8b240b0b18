-- Run history that stays fast at millions of runs: raw runs and attempts in monthly partitions (retention drops
-- whole months), a run-id ledger that makes each RunId count once, rollups per connector per hour and per UTC day
-- maintained as runs arrive, per-connector current state for the status board, and the first version's views.

-- One row per RunId ever stored (until its month is dropped by retention). A partitioned table's unique keys must
-- include the partition key, so the ledger is what rejects a second message with the same RunId even when it
-- carries a different StartedAt.
CREATE TABLE metrics.run_ids (
    run_id      uuid PRIMARY KEY,
    started_at  timestamptz NOT NULL
);
-- Retention deletes ledger rows by time; runs arrive roughly in time order, so a BRIN index is enough.
CREATE INDEX run_ids_started_at_brin ON metrics.run_ids USING brin (started_at);

CREATE TABLE metrics.runs (
    run_id             uuid             NOT NULL,
    connector          text             NOT NULL,
    source             text             NOT NULL,
    status             text             NOT NULL,
    started_at         timestamptz      NOT NULL,
    finished_at        timestamptz      NOT NULL,
    latency_ms         double precision NOT NULL,
    attempts           integer          NOT NULL,
    rate_limited       boolean          NOT NULL,
    error_type         text,
    error_message      text,
    trace_id           text,
    payload_bytes      bigint           NOT NULL DEFAULT 0,
    payload_truncated  boolean          NOT NULL DEFAULT false,
    expected_interval  interval,
    received_at        timestamptz      NOT NULL DEFAULT now()
) PARTITION BY RANGE (started_at);

-- Newest-first listing and keyset pagination, overall and per connector; failures per connector for on-call.
-- A lookup by RunId goes through the ledger (which gives started_at) and then the first index.
CREATE INDEX runs_started_at_idx ON metrics.runs (started_at DESC, run_id DESC);
CREATE INDEX runs_connector_started_at_idx ON metrics.runs (connector, started_at DESC, run_id DESC);
CREATE INDEX runs_connector_failed_idx ON metrics.runs (connector, started_at DESC, run_id DESC) WHERE status = 'failed';

CREATE TABLE metrics.attempts (
    run_id          uuid             NOT NULL,
    run_started_at  timestamptz      NOT NULL,
    number          integer          NOT NULL,
    started_at      timestamptz      NOT NULL,
    duration_ms     double precision NOT NULL,
    outcome         text             NOT NULL,
    http_status     integer,
    error_type      text,
    error_message   text,
    retry_after_ms  double precision,
    backoff_ms      double precision
) PARTITION BY RANGE (run_started_at);

CREATE INDEX attempts_run_id_idx ON metrics.attempts (run_id);

-- Monthly partitions (UTC months) of runs and attempts, created on demand before a batch is written. There is no
-- default partition: it would block ordered partition scans (newest-first pagination with LIMIT) and make creating
-- a month that already has rows in it fail.
CREATE FUNCTION metrics.ensure_run_partitions(months date[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    month   date;
    suffix  text;
    created integer := 0;
BEGIN
    FOREACH month IN ARRAY months LOOP
        month := date_trunc('month', month)::date;
        suffix := to_char(month, '"p"YYYY"_"MM');
        IF to_regclass('metrics.runs_' || suffix) IS NULL OR to_regclass('metrics.attempts_' || suffix) IS NULL THEN
            -- Replicas may meet the same new month at once. This lock serialises them without blocking reads or
            -- writes of runs, and taking it refreshes the catalog this session sees, so the re-check below is current.
            LOCK TABLE metrics.runs IN SHARE UPDATE EXCLUSIVE MODE;
            IF to_regclass('metrics.runs_' || suffix) IS NULL THEN
                EXECUTE format('CREATE TABLE IF NOT EXISTS metrics.%I PARTITION OF metrics.runs FOR VALUES FROM (%L) TO (%L)',
                    'runs_' || suffix,
                    to_char(month, 'YYYY-MM-DD') || ' 00:00:00+00',
                    to_char(month + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
                created := created + 1;
            END IF;
            IF to_regclass('metrics.attempts_' || suffix) IS NULL THEN
                EXECUTE format('CREATE TABLE IF NOT EXISTS metrics.%I PARTITION OF metrics.attempts FOR VALUES FROM (%L) TO (%L)',
                    'attempts_' || suffix,
                    to_char(month, 'YYYY-MM-DD') || ' 00:00:00+00',
                    to_char(month + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
            END IF;
        END IF;
    END LOOP;
    RETURN created;
END
$$;

-- Drops the months of runs and attempts that end on or before the cutoff, and their ledger rows. Dropping a
-- partition is a catalog operation: no row-by-row delete, no vacuum debt. Returns the dropped months.
CREATE FUNCTION metrics.drop_run_partitions_before(cutoff timestamptz) RETURNS SETOF date
LANGUAGE plpgsql AS $$
DECLARE
    partition  record;
    month      date;
    horizon    timestamptz;
BEGIN
    FOR partition IN
        SELECT c.relname
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'metrics.runs'::regclass
        ORDER BY c.relname
    LOOP
        month := to_date(substring(partition.relname FROM 'runs_p(\d{4}_\d{2})$'), 'YYYY_MM');
        CONTINUE WHEN month IS NULL OR (month + interval '1 month') AT TIME ZONE 'UTC' > cutoff;
        LOCK TABLE metrics.runs IN SHARE UPDATE EXCLUSIVE MODE;
        EXECUTE format('DROP TABLE IF EXISTS metrics.%I', partition.relname);
        EXECUTE format('DROP TABLE IF EXISTS metrics.%I', 'attempts_' || to_char(month, '"p"YYYY"_"MM'));
        horizon := GREATEST(horizon, (month + interval '1 month') AT TIME ZONE 'UTC');
        RETURN NEXT month;
    END LOOP;
    IF horizon IS NOT NULL THEN
        DELETE FROM metrics.run_ids WHERE started_at < horizon;
    END IF;
END
$$;

-- Latency histograms: these functions build and merge them; the service's LatencyHistogram reads percentiles from
-- them (the one reader, for the daily KPIs and the status board alike).
-- Buckets are log-scale, 8 per doubling of latency: bucket 0 holds [0, 1) ms; bucket b >= 1 holds [2^((b-1)/8), 2^(b/8))
-- ms. A histogram is a sparse bigint[] of entries (bucket << 32 | count) sorted by bucket, so it is small for the few
-- buckets a connector actually uses and mergeable across hours, days and connectors.
CREATE FUNCTION metrics.latency_bucket(latency_ms double precision) RETURNS integer
-- Not STRICT, so the planner can inline it (a NULL latency falls in bucket 0).
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN latency_ms >= 1 THEN 1 + floor(ln(latency_ms) * (8 / ln(2.0::double precision)))::integer ELSE 0 END;

CREATE FUNCTION metrics.histogram_entry(bucket integer, count bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (bucket::bigint << 32) | count;

CREATE FUNCTION metrics.histogram_bucket(entry bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (entry >> 32)::integer;

CREATE FUNCTION metrics.histogram_count(entry bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN entry & 4294967295;

CREATE FUNCTION metrics.histogram_merge(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (
    SELECT coalesce(array_agg(metrics.histogram_entry(bucket, total) ORDER BY bucket), '{}')
    FROM (
        SELECT metrics.histogram_bucket(entry) AS bucket, sum(metrics.histogram_count(entry))::bigint AS total
        FROM unnest(coalesce(a, '{}') || coalesce(b, '{}')) AS entry
        GROUP BY 1
    ) merged
);

-- Concatenates histograms without merging (cheap); the reader merges the entries.
CREATE AGGREGATE metrics.histogram_concat(bigint[]) (
    SFUNC = array_cat,
    STYPE = bigint[],
    INITCOND = '{}'
);

-- Rollups. Both are maintained in the same transaction that stores new runs, so they always equal a recomputation
-- from the raw runs; they are kept when retention drops raw months. Fill factor leaves room for HOT updates.
CREATE TABLE metrics.rollup_hourly (
    hour               timestamptz      NOT NULL,
    connector          text             NOT NULL,
    total              integer          NOT NULL,
    succeeded          integer          NOT NULL,
    failed             integer          NOT NULL,
    rate_limited       integer          NOT NULL,
    attempts           bigint           NOT NULL,
    latency_sum        double precision NOT NULL,
    latency_min        double precision NOT NULL,
    latency_max        double precision NOT NULL,
    latency_histogram  bigint[]         NOT NULL,
    PRIMARY KEY (hour, connector)
) WITH (fillfactor = 80);

CREATE TABLE metrics.rollup_daily (
    day                date             NOT NULL,
    connector          text             NOT NULL,
    total              integer          NOT NULL,
    succeeded          integer          NOT NULL,
    failed             integer          NOT NULL,
    rate_limited       integer          NOT NULL,
    attempts           bigint           NOT NULL,
    latency_sum        double precision NOT NULL,
    latency_min        double precision NOT NULL,
    latency_max        double precision NOT NULL,
    latency_histogram  bigint[]         NOT NULL,
    PRIMARY KEY (connector, day)
) WITH (fillfactor = 80);

CREATE INDEX rollup_daily_day_idx ON metrics.rollup_daily (day);

-- A day's version moves whenever runs are folded into it after it ended (late runs, rebuilds). Readers cache closed
-- days and refetch one only when its version moved; writing today's runs touches no shared row.
CREATE TABLE metrics.rollup_day_versions (
    day      date   PRIMARY KEY,
    version  bigint NOT NULL
);

CREATE TABLE metrics.failures_daily (
    day         date    NOT NULL,
    connector   text    NOT NULL,
    error_type  text    NOT NULL,
    failures    integer NOT NULL,
    PRIMARY KEY (connector, day, error_type)
) WITH (fillfactor = 80);

CREATE INDEX failures_daily_day_idx ON metrics.failures_daily (day);

-- The seed view's days: runs counted on the UTC day they ended, as the first version did.
CREATE TABLE metrics.rollup_daily_by_end (
    day           date             NOT NULL,
    connector     text             NOT NULL,
    total         integer          NOT NULL,
    succeeded     integer          NOT NULL,
    rate_limited  integer          NOT NULL,
    attempts      bigint           NOT NULL,
    latency_sum   double precision NOT NULL,
    PRIMARY KEY (connector, day)
) WITH (fillfactor = 80);

-- What the status board needs per connector, kept current by the same transaction that stores runs, so the board
-- never scans runs. "Last run" only moves forward: a late run changes counts, not the latest run.
CREATE TABLE metrics.connector_state (
    connector              text        PRIMARY KEY,
    first_run_at           timestamptz,
    last_run_id            uuid,
    last_run_at            timestamptz,
    last_run_status        text,
    last_run_finished_at   timestamptz,
    last_success_at        timestamptz,
    last_failure_at        timestamptz,
    -- Failed runs that started after the latest successful run.
    failure_streak         integer     NOT NULL DEFAULT 0,
    expected_interval      interval,
    expected_interval_at   timestamptz,
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- Seed compatibility: the first version's views with its names and columns. The raw and mart schemas are shared
-- with other services, so only this service's own views are created here.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS mart;

CREATE VIEW raw.connector_runs AS
SELECT r.run_id,
       r.connector                                            AS connector_name,
       r.run_id::text                                         AS idempotency_key,
       CASE r.status WHEN 'succeeded' THEN 'success' ELSE 'failed' END AS status,
       r.started_at,
       r.finished_at                                          AS ended_at,
       r.latency_ms,
       r.attempts,
       r.attempts                                             AS request_count,
       r.rate_limited,
       r.error_type,
       r.error_message
FROM metrics.runs r;

CREATE VIEW raw.connector_attempts AS
SELECT a.run_id::text || ':' || a.number                      AS attempt_id,
       r.connector                                            AS connector_name,
       a.run_id::text                                         AS idempotency_key,
       a.number                                               AS attempt_no,
       a.started_at,
       a.started_at + a.duration_ms * interval '1 millisecond' AS ended_at,
       CASE a.outcome WHEN 'succeeded' THEN 'success' ELSE 'failed' END AS status,
       a.http_status,
       a.error_type,
       a.error_message
FROM metrics.attempts a
JOIN metrics.runs r ON r.run_id = a.run_id AND r.started_at = a.run_started_at;

-- As the first version's view: one row per connector per UTC day the runs ended on (its date_trunc('day', ended_at)),
-- whatever the session's time zone. Served from a rollup, so it stays fast and outlives the raw runs.
CREATE VIEW mart.connector_health_daily AS
SELECT d.connector                                AS connector_name,
       d.day,
       d.total::bigint                            AS total_runs,
       d.succeeded::double precision / d.total    AS success_rate,
       d.latency_sum / d.total                    AS avg_latency_ms,
       d.attempts::double precision / d.total     AS avg_attempts,
       d.rate_limited::double precision / d.total AS rate_limited_rate
FROM metrics.rollup_daily_by_end d;

CREATE VIEW mart.top_failure_reasons AS
SELECT f.connector            AS connector_name,
       f.error_type,
       sum(f.failures)::bigint AS failures
FROM metrics.failures_daily f
GROUP BY f.connector, f.error_type
ORDER BY failures DESC;
