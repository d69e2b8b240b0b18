-- Every run this service has taken in, once per run id: the idempotency record its consumers check.
CREATE TABLE drift.received_runs (
    run_id       uuid PRIMARY KEY,
    connector    text        NOT NULL,
    finished_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
