CREATE TABLE metrics.runs (
    run_id          uuid PRIMARY KEY,
    connector       text        NOT NULL,
    source          text        NOT NULL,
    status          text        NOT NULL,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL,
    latency_ms      double precision NOT NULL,
    attempts        integer     NOT NULL,
    rate_limited    boolean     NOT NULL,
    error_type      text,
    error_message   text,
    trace_id        text,
    received_at     timestamptz NOT NULL DEFAULT now()
);

-- Newest-first listing and keyset pagination, overall and per connector.
CREATE INDEX runs_started_at_idx ON metrics.runs (started_at DESC, run_id DESC);
CREATE INDEX runs_connector_started_at_idx ON metrics.runs (connector, started_at DESC, run_id DESC);
