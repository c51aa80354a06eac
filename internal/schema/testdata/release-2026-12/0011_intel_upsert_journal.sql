-- Threat intelligence: bulk upserts without SQLite's statement journal.
--
-- A statement that writes many rows and may abort part-way makes SQLite
-- copy every page it changes to a statement journal first, so it could
-- undo itself; for ingest's multi-row INSERT … ON CONFLICT DO UPDATE that
-- was a fifth of the time of a large load. What may abort it is a NOT NULL
-- column its UPDATE sets. On SQLite those columns of intel_observables,
-- intel_observations and intel_routes become nullable (the inserter binds
-- Go values, never a NULL) and ingest writes INSERT OR FAIL: a failing row
-- ends the statement without undoing it — the transaction is rolled back
-- anyway. PostgreSQL, which has no statement journal, keeps its
-- constraints: the whole rebuild is inside a comment it skips.
--
-- SQLite cannot drop NOT NULL, so the three tables are rebuilt: the new
-- ones first (the children referencing the new parent), then the old ones
-- dropped children first (nothing cascades), then the new ones renamed —
-- which rewrites the children's references to the parent's final name.
SELECT 1;
/* sqlite:
CREATE TABLE intel_observables_rebuilt (
    id          INTEGER PRIMARY KEY,
    type        TEXT NOT NULL,
    value       TEXT NOT NULL,
    first_seen  BIGINT,
    last_seen   BIGINT,
    sightings   BIGINT DEFAULT 0,
    UNIQUE (type, value)
);
INSERT INTO intel_observables_rebuilt (id, type, value, first_seen, last_seen, sightings)
    SELECT id, type, value, first_seen, last_seen, sightings FROM intel_observables;

CREATE TABLE intel_observations_rebuilt (
    observable_id  BIGINT NOT NULL REFERENCES intel_observables_rebuilt (id) ON DELETE CASCADE,
    source_num     BIGINT NOT NULL REFERENCES intel_sources (num) ON DELETE CASCADE,
    collection_num BIGINT NOT NULL,
    added          BIGINT NOT NULL,
    from_stix      BOOLEAN DEFAULT FALSE,
    first_seen     BIGINT,
    last_seen      BIGINT,
    count          BIGINT,
    tlp            TEXT,
    confidence     INTEGER,
    tags           TEXT DEFAULT '',
    PRIMARY KEY (observable_id, source_num)
) WITHOUT ROWID;
INSERT INTO intel_observations_rebuilt (observable_id, source_num, collection_num, added, from_stix, first_seen, last_seen, count, tlp, confidence, tags)
    SELECT observable_id, source_num, collection_num, added, from_stix, first_seen, last_seen, count, tlp, confidence, tags FROM intel_observations;

CREATE TABLE intel_routes_rebuilt (
    seq            INTEGER PRIMARY KEY,
    observable_id  BIGINT NOT NULL REFERENCES intel_observables_rebuilt (id) ON DELETE CASCADE,
    org_id         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    collection_num BIGINT NOT NULL REFERENCES intel_collections (num) ON DELETE CASCADE,
    added          BIGINT NOT NULL,
    first_seen     BIGINT,
    last_seen      BIGINT,
    tlp            TEXT,
    notified_at    BIGINT,
    UNIQUE (observable_id, org_id)
);
INSERT INTO intel_routes_rebuilt (seq, observable_id, org_id, collection_num, added, first_seen, last_seen, tlp, notified_at)
    SELECT seq, observable_id, org_id, collection_num, added, first_seen, last_seen, tlp, notified_at FROM intel_routes;

DROP TABLE intel_routes;
DROP TABLE intel_observations;
DROP TABLE intel_observables;
ALTER TABLE intel_observables_rebuilt RENAME TO intel_observables;
ALTER TABLE intel_observations_rebuilt RENAME TO intel_observations;
ALTER TABLE intel_routes_rebuilt RENAME TO intel_routes;
CREATE INDEX intel_observations_page ON intel_observations (collection_num, from_stix, added);
CREATE INDEX intel_routes_page ON intel_routes (collection_num, added);
CREATE INDEX intel_routes_pending ON intel_routes (org_id, notified_at);
*/
