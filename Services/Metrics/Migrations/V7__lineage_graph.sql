-- The lineage graph: which job (connector) reads or writes which dataset, as runs last showed it. Every finished run
-- and every run in progress adds its inputs (reads) and outputs (writes); an edge keeps when it was last seen and by
-- which run. Edges are never removed by a run that leaves a dataset out: a job that stopped writing one keeps its edge,
-- with the time it was last seen, for readers to judge.
CREATE TABLE metrics.lineage_edges (
    job           text        NOT NULL,
    direction     text        NOT NULL CHECK (direction IN ('reads', 'writes')),
    dataset_key   text        NOT NULL,
    namespace     text        NOT NULL,
    name          text        NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    last_run_id   uuid        NOT NULL,
    PRIMARY KEY (job, direction, dataset_key)
);
CREATE INDEX lineage_edges_dataset_idx ON metrics.lineage_edges (dataset_key, direction);
