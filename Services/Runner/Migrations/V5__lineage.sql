-- OpenLineage run events, each kept whole as received (unknown facets included) and once: an event is identified by
-- the hash of its compact JSON, so the same event sent again changes nothing. The spec's static events (DatasetEvent,
-- JobEvent: event_type dataset or job) have no run.
CREATE TABLE runner.lineage_events (
    event_hash   bytea       PRIMARY KEY,
    run_id       uuid,
    event_type   text        NOT NULL,
    event_time   timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    event        jsonb       NOT NULL
);
CREATE INDEX lineage_events_run_idx ON runner.lineage_events (run_id);
CREATE INDEX lineage_events_received_idx ON runner.lineage_events (received_at);

-- Each run merged from its events (whatever their order). A run in progress has its news published as RunInProgress
-- (progress_due); an ended run becomes a pending RunCompleted once, when its START has come or its grace
-- (complete_due_at) is over.
CREATE TABLE runner.lineage_runs (
    run_id           uuid        PRIMARY KEY,
    connector        text        NOT NULL,
    state            jsonb       NOT NULL,
    completed        boolean     NOT NULL DEFAULT false,
    progress_due     boolean     NOT NULL DEFAULT false,
    complete_due_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lineage_runs_progress_idx ON runner.lineage_runs (updated_at) WHERE progress_due AND NOT completed;
CREATE INDEX lineage_runs_complete_due_idx ON runner.lineage_runs (complete_due_at) WHERE complete_due_at IS NOT NULL AND NOT completed;
CREATE INDEX lineage_runs_updated_idx ON runner.lineage_runs (updated_at);
