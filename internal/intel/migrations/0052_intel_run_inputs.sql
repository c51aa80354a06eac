-- Loads that outlive a node (internal/intel/resume.go). A pushed input is
-- kept in the database, in chunks, until its run ends well, and loaded by
-- a job any node may run; the run records how far its committed batches
-- got (resume_items: records and objects read; resume_rejected: lines
-- refused before them) and a heartbeat while a node works on it. A run no
-- node has spoken for in a while is marked interrupted, and may be
-- resumed from where its last batch ended.
ALTER TABLE intel_runs ADD COLUMN heartbeat_at TIMESTAMPTZ;
ALTER TABLE intel_runs ADD COLUMN resume_items BIGINT NOT NULL DEFAULT 0;
ALTER TABLE intel_runs ADD COLUMN resume_rejected BIGINT NOT NULL DEFAULT 0;
ALTER TABLE intel_runs ADD COLUMN input_chunks INTEGER NOT NULL DEFAULT 0;  -- 0: no input kept
ALTER TABLE intel_runs ADD COLUMN options TEXT NOT NULL DEFAULT '';          -- JSON: format, tlp, report, mapping
CREATE INDEX intel_runs_running ON intel_runs (heartbeat_at) WHERE status = 'running';
CREATE TABLE intel_run_inputs (
    run_id TEXT NOT NULL REFERENCES intel_runs (id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    data   BYTEA NOT NULL,
    PRIMARY KEY (run_id, seq)
);
