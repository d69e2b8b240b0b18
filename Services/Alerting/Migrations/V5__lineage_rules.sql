-- OpenLineage runs: aborted runs in the ledger, and what the quality, volume and stuck_run rules read.

-- An aborted run (OpenLineage ABORT) is neither a success nor a failure; it is still a run taken in once.
ALTER TABLE alerting.runs DROP CONSTRAINT runs_status_check;
ALTER TABLE alerting.runs ADD CONSTRAINT runs_status_check CHECK (status IN ('succeeded', 'failed', 'aborted'));
-- When the run started: a job's usual duration (stuck_run) is read from its successful runs. Null for runs taken in before.
ALTER TABLE alerting.runs ADD COLUMN started_at timestamptz;
CREATE INDEX runs_succeeded_by_connector ON alerting.runs (connector, finished_at DESC) WHERE status = 'succeeded';

-- The OpenLineage job a connector is (the job's namespace and name as its producer sent them).
ALTER TABLE alerting.connectors
    ADD COLUMN job_namespace text,
    ADD COLUMN job_name      text;

-- Per job, dataset, assertion and column: the latest result (by the run's finish). A run that finished earlier and arrives
-- later does not take back what a later run said, so the result does not depend on arrival order.
CREATE TABLE alerting.assertion_results (
    connector          text        NOT NULL,
    dataset_key        text        NOT NULL,
    assertion          text        NOT NULL,
    -- '' when the assertion is on the whole dataset.
    column_name        text        NOT NULL,
    dataset_namespace  text        NOT NULL,
    dataset_name       text        NOT NULL,
    run_id             uuid        NOT NULL,
    finished_at        timestamptz NOT NULL,
    success            boolean     NOT NULL,
    PRIMARY KEY (connector, dataset_key, assertion, column_name)
);

-- Rows each successful run of a job wrote to each output dataset: the volume baseline.
CREATE TABLE alerting.output_volumes (
    connector          text        NOT NULL,
    dataset_key        text        NOT NULL,
    run_id             uuid        NOT NULL,
    finished_at        timestamptz NOT NULL,
    row_count          bigint      NOT NULL,
    dataset_namespace  text        NOT NULL,
    dataset_name       text        NOT NULL,
    PRIMARY KEY (connector, dataset_key, run_id)
);
CREATE INDEX output_volumes_latest ON alerting.output_volumes (connector, dataset_key, finished_at DESC);
CREATE INDEX output_volumes_by_time ON alerting.output_volumes (finished_at);

-- Runs started and not yet finished (RunInProgress), until their RunCompleted arrives: stuck_run reads them.
CREATE TABLE alerting.runs_in_progress (
    run_id         uuid PRIMARY KEY,
    connector      text        NOT NULL,
    started_at     timestamptz NOT NULL,
    -- The newest event's time: the run was alive then.
    updated_at     timestamptz NOT NULL,
    streaming      boolean     NOT NULL,
    job_namespace  text        NOT NULL,
    job_name       text        NOT NULL
);
CREATE INDEX runs_in_progress_by_connector ON alerting.runs_in_progress (connector);

-- The times a run in progress was reported alive (each once): a streaming job's usual gap between events.
CREATE TABLE alerting.progress_events (
    run_id      uuid        NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (run_id, updated_at)
);

-- The lineage graph, from completed runs: which datasets each job wrote and read (and when a run last said so). A
-- downstream job's freshness, volume and stuck_run alerts are linked to the failure alert of a job whose outputs it reads.
CREATE TABLE alerting.job_outputs (
    connector     text        NOT NULL,
    dataset_key   text        NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    PRIMARY KEY (connector, dataset_key)
);
CREATE INDEX job_outputs_by_dataset ON alerting.job_outputs (dataset_key);
CREATE TABLE alerting.job_inputs (
    connector     text        NOT NULL,
    dataset_key   text        NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    PRIMARY KEY (connector, dataset_key)
);
CREATE INDEX job_inputs_by_dataset ON alerting.job_inputs (dataset_key);

-- The upstream failure alert an alert is a consequence of; its notifications are held while that alert is open.
ALTER TABLE alerting.alerts ADD COLUMN caused_by_alert_id bigint REFERENCES alerting.alerts (alert_id);
CREATE INDEX alerts_by_cause ON alerting.alerts (caused_by_alert_id) WHERE caused_by_alert_id IS NOT NULL;
