-- Runs the broker cannot take (they cannot be serialised, or the broker refuses them while it takes others), set
-- aside with the reason so they never hold up the runs behind them. Re-driving moves a run back to pending_runs.
CREATE TABLE runner.parked_runs (
    run_id          uuid PRIMARY KEY,
    connector       text        NOT NULL,
    message         text        NOT NULL,
    trace_parent    text,
    reason          text        NOT NULL,
    exception_type  text,
    failures        integer     NOT NULL,
    parked_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX parked_runs_parked_at ON runner.parked_runs (parked_at DESC);

CREATE INDEX pending_runs_created_at ON runner.pending_runs (created_at);
