-- Threat intelligence, shared: collections (TAXII's and the sharing scope of
-- a source), STIX objects kept as received, routes to constituents.
--
-- The tables of 0006 are rebuilt: times become Unix seconds and sources
-- get a compact number (together a third of an observation's row and its
-- index entries: the ingest path writes millions of them), and an
-- observation gains its place in its collection. 0006 came with no
-- release, and what it held the sources send again.
DROP TABLE intel_observations;
DROP TABLE intel_observables;
DROP TABLE intel_sources;

-- A collection is an audience: who may read it (TLP narrows it further per
-- object). center: the coordination center's staff; community: every member
-- organisation; sector: the organisations of one sector; org: one
-- organisation (what was routed to it) and its parent CERT.
CREATE TABLE intel_collections (
    num          BIGSERIAL PRIMARY KEY,             -- compact key for the object tables
    id           TEXT NOT NULL UNIQUE,              -- the TAXII collection id (a UUID)
    alias        TEXT NOT NULL UNIQUE,              -- center, community, sector-<name>, org-<org id>
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    audience     TEXT NOT NULL,
    sector       TEXT NOT NULL DEFAULT '',
    org_id       TEXT REFERENCES orgs (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE intel_sources (
    num               BIGSERIAL PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL UNIQUE,
    owner_org_id      TEXT REFERENCES orgs (id),
    collection_num    BIGINT NOT NULL REFERENCES intel_collections (num), -- its sharing scope
    kind              TEXT NOT NULL DEFAULT 'push',  -- push; url, misp_feed, taxii (pulled)
    format            TEXT NOT NULL DEFAULT 'auto',
    url               TEXT NOT NULL DEFAULT '',
    tlp               TEXT NOT NULL DEFAULT 'AMBER', -- default marking of what it reports
    confidence        INTEGER NOT NULL DEFAULT 50,   -- 0–100, STIX's scale
    last_run_at       TIMESTAMPTZ,
    last_status       TEXT NOT NULL DEFAULT '',
    last_counts       TEXT NOT NULL DEFAULT '',      -- JSON: new, updated, rejected
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);

CREATE TABLE intel_observables (
    id          BIGSERIAL PRIMARY KEY,
    type        TEXT NOT NULL,
    value       TEXT NOT NULL,
    first_seen  BIGINT NOT NULL,                     -- Unix seconds
    last_seen   BIGINT NOT NULL,
    sightings   BIGINT NOT NULL DEFAULT 0,           -- reports of it, all sources
    UNIQUE (type, value)
);

-- One row per observable and source. Unless it was read from a STIX object
-- (which is kept in intel_objects), it is also an indicator in its source's
-- collection: "added" is its date_added there, in Unix microseconds, unique
-- and increasing within the collection across intel_observations,
-- intel_objects and intel_routes, so TAXII pages by it and never skips or
-- repeats objects added together. On SQLite the row lives in its primary
-- key's tree (WITHOUT ROWID): one tree fewer to write per row.
CREATE TABLE intel_observations (
    observable_id  BIGINT NOT NULL REFERENCES intel_observables (id) ON DELETE CASCADE,
    source_num     BIGINT NOT NULL REFERENCES intel_sources (num) ON DELETE CASCADE,
    collection_num BIGINT NOT NULL,
    added          BIGINT NOT NULL,
    from_stix      BOOLEAN NOT NULL DEFAULT FALSE,
    first_seen     BIGINT NOT NULL,
    last_seen      BIGINT NOT NULL,
    count          BIGINT NOT NULL,
    tlp            TEXT NOT NULL,
    confidence     INTEGER NOT NULL,
    tags           TEXT NOT NULL DEFAULT '',         -- space-separated
    PRIMARY KEY (observable_id, source_num)
) /* sqlite: WITHOUT ROWID */;
CREATE INDEX intel_observations_page ON intel_observations (collection_num, added);

-- STIX objects as they were received (every version), for lossless sharing.
CREATE TABLE intel_objects (
    seq            BIGSERIAL PRIMARY KEY,
    collection_num BIGINT NOT NULL REFERENCES intel_collections (num) ON DELETE CASCADE,
    added          BIGINT NOT NULL,
    stix_id        TEXT NOT NULL,
    stix_type      TEXT NOT NULL,
    version        TEXT NOT NULL,                    -- modified, else created, else date_added
    spec_version   TEXT NOT NULL DEFAULT '2.1',
    tlp            TEXT NOT NULL,
    source_num     BIGINT REFERENCES intel_sources (num) ON DELETE SET NULL,
    body           TEXT NOT NULL,
    UNIQUE (collection_num, stix_id, version)
);
CREATE INDEX intel_objects_page ON intel_objects (collection_num, added);

-- Observables routed to the constituents whose networks, ASNs or domains
-- they concern; each route is an indicator in the constituent's collection.
CREATE TABLE intel_routes (
    seq            BIGSERIAL PRIMARY KEY,
    observable_id  BIGINT NOT NULL REFERENCES intel_observables (id) ON DELETE CASCADE,
    org_id         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    collection_num BIGINT NOT NULL REFERENCES intel_collections (num) ON DELETE CASCADE,
    added          BIGINT NOT NULL,
    first_seen     BIGINT NOT NULL,
    last_seen      BIGINT NOT NULL,
    tlp            TEXT NOT NULL,                    -- the least restrictive marking it reached the org under
    notified_at    BIGINT,                           -- when a digest told the org; NULL: not yet
    UNIQUE (observable_id, org_id)
);
CREATE INDEX intel_routes_page ON intel_routes (collection_num, added);
CREATE INDEX intel_routes_pending ON intel_routes (org_id, notified_at);

-- TAXII status resources of POST objects.
CREATE TABLE intel_taxii_status (
    id            TEXT PRIMARY KEY,
    collection_num BIGINT NOT NULL REFERENCES intel_collections (num) ON DELETE CASCADE,
    user_id       TEXT,
    body          TEXT NOT NULL,                     -- the status resource as JSON
    created_at    TIMESTAMPTZ NOT NULL
);
