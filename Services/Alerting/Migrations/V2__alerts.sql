-- Alerts: health rules over each connector's runs and the drift service's events, deduplicated by fingerprint,
-- with a lifecycle (firing → acknowledged → resolved), silences, and webhook notifications delivered from an outbox.

-- The run ledger (each run once) with what the rules read: outcome, latency, rate limiting.
ALTER TABLE alerting.received_runs RENAME TO runs;
ALTER TABLE alerting.runs
    ADD COLUMN status       text    NOT NULL DEFAULT 'succeeded' CHECK (status IN ('succeeded', 'failed')),
    ADD COLUMN latency_ms   double precision NOT NULL DEFAULT 0,
    ADD COLUMN rate_limited boolean NOT NULL DEFAULT false,
    ADD COLUMN error_type   text,
    ADD COLUMN error_message text;
ALTER TABLE alerting.runs ALTER COLUMN status DROP DEFAULT, ALTER COLUMN latency_ms DROP DEFAULT, ALTER COLUMN rate_limited DROP DEFAULT;
CREATE INDEX runs_by_connector ON alerting.runs (connector, finished_at DESC);
CREATE INDEX runs_by_time ON alerting.runs (finished_at);

-- Per connector and UTC minute: the counts the success-rate and rate-limit windows sum.
CREATE TABLE alerting.connector_minutes (
    connector     text        NOT NULL,
    minute        timestamptz NOT NULL,
    total         integer     NOT NULL,
    failed        integer     NOT NULL,
    rate_limited  integer     NOT NULL,
    PRIMARY KEY (connector, minute)
);

-- Per connector: what freshness and the failure streak need.
CREATE TABLE alerting.connectors (
    connector          text PRIMARY KEY,
    first_seen_at      timestamptz NOT NULL,
    last_run_at        timestamptz NOT NULL,
    last_success_at    timestamptz,
    expected_interval  interval,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Drift events taken in (each once).
CREATE TABLE alerting.drift_events (
    event_id     bigint PRIMARY KEY,
    connector    text        NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE alerting.alerts (
    alert_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fingerprint         text        NOT NULL,
    connector           text        NOT NULL,
    rule                text        NOT NULL,
    key                 text        NOT NULL,
    severity            text        NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    state               text        NOT NULL CHECK (state IN ('firing', 'acknowledged', 'resolved')),
    message             text        NOT NULL,
    recommended_action  text        NOT NULL,
    details             jsonb       NOT NULL DEFAULT '{}',
    occurrences         integer     NOT NULL DEFAULT 1,
    first_seen          timestamptz NOT NULL,
    last_seen           timestamptz NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    -- Set while the rule's condition holds clear; the alert resolves once it has held long enough (hysteresis).
    clear_since         timestamptz,
    acknowledged_at     timestamptz,
    acknowledged_by     text,
    resolved_at         timestamptz,
    resolved_by         text,
    resolution          text CHECK (resolution IN ('auto', 'manual')),
    -- The resolved alert of the same fingerprint this one follows.
    previous_alert_id   bigint REFERENCES alerting.alerts (alert_id),
    flapping            boolean     NOT NULL DEFAULT false,
    last_notified_at    timestamptz
);
-- One open alert per fingerprint: a repeat is an occurrence of it, enforced here rather than by a read-then-write.
CREATE UNIQUE INDEX alerts_one_open_per_fingerprint ON alerting.alerts (fingerprint) WHERE state <> 'resolved';
CREATE INDEX alerts_by_time ON alerting.alerts (created_at DESC, alert_id DESC);
CREATE INDEX alerts_open_by_connector ON alerting.alerts (connector) WHERE state <> 'resolved';
CREATE INDEX alerts_resolved_by_fingerprint ON alerting.alerts (fingerprint, resolved_at DESC) WHERE state = 'resolved';

-- What made an alert fire again: a run or a drift event, each counted once.
CREATE TABLE alerting.occurrences (
    alert_id     bigint      NOT NULL REFERENCES alerting.alerts (alert_id),
    source       text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    detail       text        NOT NULL,
    PRIMARY KEY (alert_id, source)
);

-- A connector's thresholds set through the API (over the configuration's defaults and per-connector values).
CREATE TABLE alerting.connector_rules (
    connector   text PRIMARY KEY,
    overrides   jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL
);

CREATE TABLE alerting.silences (
    silence_id  uuid PRIMARY KEY,
    connector   text,
    rule        text,
    severity    text CHECK (severity IN ('info', 'warning', 'critical')),
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL CHECK (ends_at > starts_at),
    author      text        NOT NULL,
    comment     text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The notification outbox and delivery log: one row per alert, channel and kind, delivered with retries.
CREATE TABLE alerting.notifications (
    notification_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Null for a channel test.
    alert_id         bigint      REFERENCES alerting.alerts (alert_id),
    channel          text        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('firing', 'repeat', 'resolved', 'test')),
    -- pending → delivered | failed (gave up); held: not sent (silenced, inhibited, flapping), with the reason.
    status           text        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'held')),
    reason           text,
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    last_status_code integer,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);
CREATE INDEX notifications_due ON alerting.notifications (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notifications_by_alert ON alerting.notifications (alert_id, notification_id);

-- Seed compatibility: the first version's alerts view, with its names and columns.
DO $$ BEGIN
    CREATE SCHEMA IF NOT EXISTS raw;
EXCEPTION WHEN unique_violation OR duplicate_schema THEN NULL;
END $$;
CREATE VIEW raw.alerts AS
SELECT alert_id, created_at, severity, connector AS connector_name, rule AS alert_type, message, recommended_action
FROM alerting.alerts;
