-- OpenLineage datasets get schema histories of their own, in the same tables as connectors' payload schemas: the
-- history's subject (the connector column) is then the dataset's key (LineageNames.Dataset, which holds a '~' that no
-- connector name has). One run can observe several datasets, so the ledger, the events and quarantine are keyed by
-- (run, subject) rather than by run.
ALTER TABLE drift.runs DROP CONSTRAINT received_runs_pkey;
ALTER TABLE drift.runs ADD PRIMARY KEY (run_id, connector);
-- The job (a connector) whose run observed a dataset; null for a connector's own payload.
ALTER TABLE drift.runs ADD COLUMN job text;

DROP INDEX drift.drift_events_one_change_per_run;
DROP INDEX drift.drift_events_one_violation_per_run;
CREATE UNIQUE INDEX drift_events_one_change_per_run ON drift.drift_events (run_id, connector) WHERE kind <> 'contract_violation';
CREATE UNIQUE INDEX drift_events_one_violation_per_run ON drift.drift_events (run_id, connector) WHERE kind = 'contract_violation';
-- A dataset's event names the job whose run showed it and the dataset as its producer sent it.
ALTER TABLE drift.drift_events
    ADD COLUMN job               text,
    ADD COLUMN dataset_namespace text,
    ADD COLUMN dataset_name      text;
CREATE INDEX drift_events_by_job ON drift.drift_events (job, finished_at DESC, event_id DESC) WHERE job IS NOT NULL;

ALTER TABLE drift.quarantine DROP CONSTRAINT quarantine_run_id_key;
ALTER TABLE drift.quarantine ADD CONSTRAINT quarantine_run_subject_key UNIQUE (run_id, connector);

-- The datasets with a schema history: as their producer names them, and the latest observation (by its time) of their
-- schema: when, by which job's run.
CREATE TABLE drift.datasets (
    key          text PRIMARY KEY,
    namespace    text        NOT NULL,
    name         text        NOT NULL,
    last_job     text        NOT NULL,
    last_run_id  uuid        NOT NULL,
    last_seen    timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The first version's view holds connectors only.
CREATE OR REPLACE VIEW raw.connector_schema AS
SELECT c.connector          AS connector_name,
       ARRAY(SELECT jsonb_array_elements_text(v.top_level_keys)) AS schema_keys,
       c.current_since      AS updated_at
FROM drift.connectors c
JOIN drift.schema_versions v ON v.connector = c.connector AND v.version = c.current_version
WHERE strpos(c.connector, '~') = 0;
