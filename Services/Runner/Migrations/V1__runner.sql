-- The last run of each connector, so the catalog shows it after a restart.
CREATE TABLE runner.connector_state (
    connector        text PRIMARY KEY,
    last_run_id      uuid        NOT NULL,
    last_status      text        NOT NULL,
    last_started_at  timestamptz NOT NULL,
    last_finished_at timestamptz NOT NULL,
    last_error_type  text
);

-- Runs reported by outside pipelines, once per client-supplied run id.
CREATE TABLE runner.reported_runs (
    run_id       uuid PRIMARY KEY,
    connector    text        NOT NULL,
    fingerprint  bytea       NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

-- Finished runs not yet confirmed by the broker: reported runs from the moment they are accepted,
-- scheduled runs still buffered when the runner stopped. Published (and deleted) at the next chance.
CREATE TABLE runner.pending_runs (
    run_id        uuid PRIMARY KEY,
    message       jsonb       NOT NULL,
    trace_parent  text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
