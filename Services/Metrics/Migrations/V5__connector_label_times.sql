-- A connector's owner and its tags are each what the latest run (by finish time) that stated it said. A run may state one
-- and not the other, and runs arrive out of order (replicas take them in parallel): with one time for both, a newer run
-- stating only the owner made an older run's tags, arriving later, count for nothing, where in order they were kept.
ALTER TABLE metrics.connector_labels
    ADD COLUMN owner_stated_at timestamptz,
    ADD COLUMN tags_stated_at  timestamptz;
UPDATE metrics.connector_labels SET
    owner_stated_at = CASE WHEN owner IS NOT NULL THEN stated_at END,
    tags_stated_at = CASE WHEN tags IS NOT NULL THEN stated_at END;
COMMENT ON COLUMN metrics.connector_labels.stated_at IS 'The later of owner_stated_at and tags_stated_at.';
