-- OSV records loaded by staff: what is known to be vulnerable, by package
-- and version, for checking the components of an SBOM. A record replaces
-- the one of the same id only when it is newer (its modified time).

CREATE TABLE procurement_osv_records (
    id         TEXT PRIMARY KEY,               -- GHSA-…, PYSEC-…, GO-…
    summary    TEXT NOT NULL DEFAULT '',
    severity   TEXT NOT NULL DEFAULT '',       -- a CVSS vector, when the record gives one
    modified   TIMESTAMPTZ NOT NULL,
    published  TIMESTAMPTZ,
    withdrawn  BOOLEAN NOT NULL DEFAULT FALSE,
    loaded_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE procurement_osv_aliases (
    osv_id  TEXT NOT NULL REFERENCES procurement_osv_records (id) ON DELETE CASCADE,
    alias   TEXT NOT NULL,                     -- CVE-…
    PRIMARY KEY (osv_id, alias)
);
CREATE INDEX procurement_osv_aliases_alias ON procurement_osv_aliases (alias);

-- The packages a record affects; matched by ecosystem and name, their
-- ranges (JSON, as the osv package reads them) evaluated in Go by the
-- ecosystem's version rules.
CREATE TABLE procurement_osv_affected (
    osv_id     TEXT NOT NULL REFERENCES procurement_osv_records (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    ecosystem  TEXT NOT NULL,
    name       TEXT NOT NULL,
    ranges     TEXT NOT NULL,
    versions   TEXT NOT NULL,
    PRIMARY KEY (osv_id, position)
);
CREATE INDEX procurement_osv_affected_package ON procurement_osv_affected (name, ecosystem);
