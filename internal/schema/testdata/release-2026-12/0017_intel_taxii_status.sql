-- TAXII status resources, written as the POST goes rather than once at
-- its end: the status is made pending before any object is stored, each
-- object's outcome is recorded in the transaction that stores it (so a
-- status never claims an object that was not stored, nor misses one that
-- was), and it is completed in the run's last transaction. Statuses and
-- ingest runs are pruned by the intel.prune job after the retention.
-- The statuses of before (a JSON body each) are dropped: they answered
-- requests long finished.
DROP TABLE intel_taxii_status;
CREATE TABLE intel_taxii_status (
    id             TEXT PRIMARY KEY,
    collection_num BIGINT NOT NULL REFERENCES intel_collections (num) ON DELETE CASCADE,
    user_id        TEXT,
    run_id         TEXT,                             -- the ingest run loading the envelope
    status         TEXT NOT NULL,                    -- pending, complete
    requested_at   TIMESTAMPTZ NOT NULL,             -- TAXII's request_timestamp
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX intel_taxii_status_created ON intel_taxii_status (created_at);
CREATE TABLE intel_taxii_status_objects (
    status_id  TEXT NOT NULL REFERENCES intel_taxii_status (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,                     -- order of the outcome
    stix_id    TEXT NOT NULL,
    version    TEXT NOT NULL DEFAULT '',
    ok         BOOLEAN NOT NULL,
    message    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (status_id, seq)
);
CREATE INDEX intel_runs_finished ON intel_runs (finished_at);
