-- Schema history: every distinct payload schema of a connector is a version; runs point at the version they carried;
-- a drift event marks each run whose version differs from the version of the run before it (by finished_at).

-- The run ledger: each run once (the idempotency record), with what became of its payload.
ALTER TABLE drift.received_runs RENAME TO runs;
ALTER TABLE drift.runs
    ADD COLUMN outcome text    NOT NULL DEFAULT 'no_payload'
        CHECK (outcome IN ('versioned', 'no_payload', 'quarantined')),
    ADD COLUMN version integer;
ALTER TABLE drift.runs ALTER COLUMN outcome DROP DEFAULT;
-- The versioned runs of a connector in finished order: a late run's neighbours are found here.
CREATE INDEX runs_versioned_by_time ON drift.runs (connector, finished_at, run_id) WHERE version IS NOT NULL;

-- Per connector: its compatibility mode and where its history stands (the latest versioned run by finished_at).
CREATE TABLE drift.connectors (
    connector           text PRIMARY KEY,
    compatibility       text        NOT NULL DEFAULT 'backward'
        CHECK (compatibility IN ('backward', 'forward', 'full', 'none')),
    current_version     integer,
    current_since       timestamptz,
    latest_run_id       uuid,
    latest_finished_at  timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE drift.schema_versions (
    connector       text        NOT NULL,
    version         integer     NOT NULL CHECK (version > 0),
    fingerprint     text        NOT NULL,
    -- [{ "path", "types", "nullable", "optional" }], sorted by path.
    fields          jsonb       NOT NULL,
    -- The root object's keys (a JSON array of strings), for the first version's view.
    top_level_keys  jsonb       NOT NULL,
    -- Inferred from a truncated payload or with an inference limit hit (which ones in limits_hit).
    partial         boolean     NOT NULL,
    limits_hit      jsonb       NOT NULL DEFAULT '[]',
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    run_count       bigint      NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connector, version),
    UNIQUE (connector, fingerprint)
);

CREATE TABLE drift.drift_events (
    event_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    connector       text        NOT NULL,
    -- The run at which the change shows.
    run_id          uuid        NOT NULL,
    finished_at     timestamptz NOT NULL,
    from_version    integer,
    to_version      integer,
    kind            text        NOT NULL CHECK (kind IN ('new_version', 'reverted', 'contract_violation')),
    oscillating     boolean     NOT NULL DEFAULT false,
    -- [{ "path", "kind", "before", "after", "breaking", "previous_path", "guess" }]
    changes         jsonb       NOT NULL,
    compatibility   text        NOT NULL,
    breaking        boolean     NOT NULL,
    action          text        NOT NULL CHECK (action IN ('alerted', 'quarantined')),
    contract_violations jsonb   NOT NULL DEFAULT '[]',
    detected_at     timestamptz NOT NULL DEFAULT now(),
    -- Whether the event is published as SchemaDriftDetected (a flip inside an ongoing oscillation is not), and when.
    notify          boolean     NOT NULL,
    published_at    timestamptz
);
-- A run is where its connector's schema changed at most once, and broke a contract at most once.
CREATE UNIQUE INDEX drift_events_one_change_per_run ON drift.drift_events (run_id) WHERE kind <> 'contract_violation';
CREATE UNIQUE INDEX drift_events_one_violation_per_run ON drift.drift_events (run_id) WHERE kind = 'contract_violation';
CREATE INDEX drift_events_by_connector ON drift.drift_events (connector, finished_at DESC, event_id DESC);
CREATE INDEX drift_events_by_time ON drift.drift_events (finished_at DESC, event_id DESC);
CREATE INDEX drift_events_to_publish ON drift.drift_events (event_id) WHERE notify AND published_at IS NULL;

-- A connector's data contract: the JSON Schema its payloads must meet, and what happens when one does not.
CREATE TABLE drift.contracts (
    connector   text PRIMARY KEY,
    policy      text        NOT NULL CHECK (policy IN ('alert', 'quarantine')),
    schema      jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- When a payload last broke this contract under the alert policy (one event per contract change, not per run).
    alerted_at  timestamptz
);

-- Payloads held back under a quarantine contract, with the whole run so a replay can process it as it arrived.
CREATE TABLE drift.quarantine (
    quarantine_id   uuid PRIMARY KEY,
    run_id          uuid        NOT NULL UNIQUE,
    connector       text        NOT NULL,
    finished_at     timestamptz NOT NULL,
    run             jsonb       NOT NULL,
    fingerprint     text        NOT NULL,
    violations      jsonb       NOT NULL,
    status          text        NOT NULL CHECK (status IN ('held', 'released')),
    quarantined_at  timestamptz NOT NULL DEFAULT now(),
    released_at     timestamptz,
    released_version integer
);
CREATE INDEX quarantine_by_time ON drift.quarantine (quarantined_at DESC, quarantine_id DESC);

-- Seed compatibility: the first version's view of the current schema, with its names and columns.
-- The raw schema is shared with other services migrating at the same time: a concurrent creation is not an error.
DO $$ BEGIN
    CREATE SCHEMA IF NOT EXISTS raw;
EXCEPTION WHEN unique_violation OR duplicate_schema THEN NULL;
END $$;
CREATE VIEW raw.connector_schema AS
SELECT c.connector          AS connector_name,
       ARRAY(SELECT jsonb_array_elements_text(v.top_level_keys)) AS schema_keys,
       c.current_since      AS updated_at
FROM drift.connectors c
JOIN drift.schema_versions v ON v.connector = c.connector AND v.version = c.current_version;
