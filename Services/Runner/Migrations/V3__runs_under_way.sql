-- The run-now run of each connector under way, shared by every replica: of many "run now" calls at once, on any
-- replica, the one whose row this is starts a run and the others are pointed at it. A replica that stops mid-run
-- leaves its row behind; it no longer counts once held_until has passed (the longest the run could take).
CREATE TABLE runner.runs_under_way (
    connector   text        PRIMARY KEY,
    run_id      uuid        NOT NULL,
    started_at  timestamptz NOT NULL,
    held_until  timestamptz NOT NULL
);
