-- A connector's owner, tags and schedule are what the latest run (by finish time) that stated each of them said. Runs
-- arrive out of order and replicas take batches in parallel, so each remembers when the run that stated it finished: an
-- older run arriving later does not take it back. Until now the last batch written won, whatever its runs' times.
ALTER TABLE alerting.connectors
    ADD COLUMN owner_stated_at             timestamptz,
    ADD COLUMN tags_stated_at              timestamptz,
    ADD COLUMN expected_interval_stated_at timestamptz;
-- What is known was stated no later than the connector's last run.
UPDATE alerting.connectors SET
    owner_stated_at = CASE WHEN owner IS NOT NULL THEN last_run_at END,
    tags_stated_at = CASE WHEN tags IS NOT NULL THEN last_run_at END,
    expected_interval_stated_at = CASE WHEN expected_interval IS NOT NULL THEN last_run_at END;
