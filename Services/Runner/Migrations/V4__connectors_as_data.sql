-- Connectors as data: created, replaced, paused and deleted through the API as well as seeded from configuration.
-- Every replica reads this table (a row's revision tells it what changed), so a change reaches all of them.
CREATE SEQUENCE runner.connector_revisions;

CREATE TABLE runner.connectors (
    name                text PRIMARY KEY,
    -- The connector's settings as the API takes them, without the secret header's value.
    definition          jsonb       NOT NULL,
    -- The secret header's value, protected by ASP.NET Core Data Protection (keys in runner.data_protection_keys).
    secret              text,
    -- 'configuration' (Runner:Connectors, which wins: the API may pause it but not replace or delete it) or 'api'.
    origin              text        NOT NULL CHECK (origin IN ('configuration', 'api')),
    enabled             boolean     NOT NULL,
    -- What configuration said of Enabled when it last seeded the row: a pause made through the API outlives a
    -- restart, until configuration itself changes its mind.
    configured_enabled  boolean,
    revision            bigint      NOT NULL DEFAULT nextval('runner.connector_revisions'),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Each connector's schedule, shared by the replicas: the next slot no replica has taken yet, and the slot under way.
-- A slot is taken by moving next_slot on from it (compare and set), so of all the replicas one runs it. A slot under
-- way whose replica died (its advisory lock on the connector is gone) is run again, late and once, with its run id.
CREATE TABLE runner.connector_slots (
    connector    text PRIMARY KEY REFERENCES runner.connectors (name) ON DELETE CASCADE,
    next_slot    timestamptz NOT NULL,
    -- The schedule next_slot was set by (e.g. 'every 00:05:00'): a changed schedule starts again from now.
    schedule     text        NOT NULL,
    running_due  timestamptz,
    running_id   uuid
);

-- ASP.NET Core Data Protection's key ring, shared by the replicas so any of them reads a secret another stored.
CREATE TABLE runner.data_protection_keys (
    name        text PRIMARY KEY,
    xml         text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A pending run is held by the replica publishing it until held_until; one not renewed (its replica stopped) is
-- taken by another, so the backlog drains on any replica and no run is published by two at once.
ALTER TABLE runner.pending_runs ADD COLUMN held_until timestamptz;
