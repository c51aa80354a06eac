-- Threat intelligence: sources, one row per observable, and per source what
-- it reported of each (first/last seen, how often, under which TLP).

CREATE TABLE intel_sources (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    owner_org_id      TEXT REFERENCES orgs (id),
    kind              TEXT NOT NULL DEFAULT 'push',  -- push; later url, misp_feed, taxii
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
    first_seen  TIMESTAMPTZ NOT NULL,
    last_seen   TIMESTAMPTZ NOT NULL,
    sightings   BIGINT NOT NULL DEFAULT 0,         -- reports of it, all sources
    UNIQUE (type, value)
);

CREATE TABLE intel_observations (
    observable_id  BIGINT NOT NULL REFERENCES intel_observables (id) ON DELETE CASCADE,
    source_id      TEXT NOT NULL REFERENCES intel_sources (id) ON DELETE CASCADE,
    first_seen     TIMESTAMPTZ NOT NULL,
    last_seen      TIMESTAMPTZ NOT NULL,
    count          BIGINT NOT NULL,
    tlp            TEXT NOT NULL,
    confidence     INTEGER NOT NULL,
    tags           TEXT NOT NULL DEFAULT '',           -- space-separated
    PRIMARY KEY (observable_id, source_id)
);
