-- What OpenLineage runs bring: aborted runs, each run's lineage, runs still in progress, the rows runs write to
-- datasets, and how late runs finish against the time they were meant for (their nominal time).

-- Aborted runs (stopped by a person or their scheduler) count in a period's total runs, neither as succeeded nor as
-- failed. No run before this version was aborted, so the rollups need no rebuild.
-- Lateness: finished_at minus the run's nominal end (its nominal start when it has no end), of runs that have one.
ALTER TABLE metrics.rollup_hourly
    ADD COLUMN aborted       integer          NOT NULL DEFAULT 0,
    ADD COLUMN late_runs     integer          NOT NULL DEFAULT 0,
    ADD COLUMN lateness_sum  double precision NOT NULL DEFAULT 0,
    ADD COLUMN lateness_max  double precision;
ALTER TABLE metrics.rollup_daily
    ADD COLUMN aborted       integer          NOT NULL DEFAULT 0,
    ADD COLUMN late_runs     integer          NOT NULL DEFAULT 0,
    ADD COLUMN lateness_sum  double precision NOT NULL DEFAULT 0,
    ADD COLUMN lateness_max  double precision;

-- A run's lineage as the API serves it (null for runs that did not come from OpenLineage), its parent run (a dbt
-- model's invocation, an Airflow task's DAG run) for the run list's parent filter, and its lateness. Nullable columns
-- without a default: adding them rewrites nothing.
ALTER TABLE metrics.runs
    ADD COLUMN lineage        jsonb,
    ADD COLUMN parent_run_id  uuid,
    ADD COLUMN lateness_ms    double precision;
CREATE INDEX runs_parent_idx ON metrics.runs (parent_run_id, started_at DESC, run_id DESC) WHERE parent_run_id IS NOT NULL;
CREATE INDEX runs_openlineage_idx ON metrics.runs (started_at DESC, run_id DESC) WHERE lineage IS NOT NULL;

-- Runs that have started and not finished, as their latest RunInProgress said. A run leaves this table in the
-- transaction that stores its RunCompleted; progress of a run already in the ledger (metrics.run_ids) is ignored.
CREATE TABLE metrics.runs_in_progress (
    run_id         uuid        PRIMARY KEY,
    connector      text        NOT NULL,
    source         text        NOT NULL,
    started_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    events         integer     NOT NULL,
    lineage        jsonb       NOT NULL,
    parent_run_id  uuid,
    trace_id       text,
    received_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runs_in_progress_started_at_idx ON metrics.runs_in_progress (started_at DESC, run_id DESC);
CREATE INDEX runs_in_progress_connector_idx ON metrics.runs_in_progress (connector, started_at DESC, run_id DESC);
CREATE INDEX runs_in_progress_parent_idx ON metrics.runs_in_progress (parent_run_id) WHERE parent_run_id IS NOT NULL;

-- Rows written per output dataset, per writing job (connector), per UTC day the run finished: the datasets' volumes
-- and each job's rows written. Kept, like the rollups, when retention drops raw runs.
CREATE TABLE metrics.dataset_writes_daily (
    dataset_key   text    NOT NULL,
    day           date    NOT NULL,
    connector     text    NOT NULL,
    runs          integer NOT NULL,
    -- Of those runs, the ones that said how many rows they wrote; rows and the per-run range are theirs.
    counted_runs  integer NOT NULL,
    rows          bigint  NOT NULL,
    rows_min      bigint,
    rows_max      bigint,
    bytes         bigint  NOT NULL,
    PRIMARY KEY (dataset_key, day, connector)
) WITH (fillfactor = 80);
CREATE INDEX dataset_writes_daily_connector_idx ON metrics.dataset_writes_daily (connector, day);

-- Every dataset a run wrote, with its latest write (by when the run finished, then run id): only moves forward.
CREATE TABLE metrics.datasets (
    dataset_key           text        PRIMARY KEY,
    namespace             text        NOT NULL,
    name                  text        NOT NULL,
    last_run_id           uuid        NOT NULL,
    last_run_finished_at  timestamptz NOT NULL,
    last_writer           text        NOT NULL,
    last_rows             bigint,
    last_bytes            bigint
);
