-- Who owns each connector and how it is tagged, as its latest run that stated them said them: the status board shows
-- them and the run list and the board filter by them. Kept apart from the folds (a rebuild of the rollups leaves it).
CREATE TABLE metrics.connector_labels (
    connector   text        PRIMARY KEY,
    owner       text,
    tags        text[],
    -- When the run that stated them finished: an older run arriving late does not take them back.
    stated_at   timestamptz NOT NULL
);
CREATE INDEX connector_labels_by_owner ON metrics.connector_labels (owner);
CREATE INDEX connector_labels_by_tag ON metrics.connector_labels USING gin (tags);
