-- Each schema version keeps the payload that first showed it (cut at Drift:VersionSampleChars characters), so a person
-- can see what the data looked like, not only its fields. One sample per version, not per run: history stays small.
ALTER TABLE drift.schema_versions
    ADD COLUMN sample_run_id uuid,
    ADD COLUMN sample        text,
    ADD COLUMN sample_cut    boolean NOT NULL DEFAULT false;
