-- Criteria catalogues: one per product category, versioned. A version is
-- never changed once published (an evaluation keeps the version it was
-- opened against); clarifications are issued against a version.

CREATE TABLE procurement_catalogues (
    category      TEXT NOT NULL,
    version       INTEGER NOT NULL,
    title         TEXT NOT NULL,
    notes         TEXT NOT NULL DEFAULT '',
    published_at  TIMESTAMPTZ NOT NULL,
    published_by  TEXT NOT NULL,
    PRIMARY KEY (category, version)
);

CREATE TABLE procurement_requirements (
    category       TEXT NOT NULL,
    version        INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    req_id         TEXT NOT NULL,              -- FW-01, as the catalogue names it
    title          TEXT NOT NULL,
    text           TEXT NOT NULL,
    severity       TEXT NOT NULL,              -- low, medium, high, critical
    applicability  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (category, version, req_id),
    FOREIGN KEY (category, version) REFERENCES procurement_catalogues (category, version) ON DELETE CASCADE
);

-- How a requirement is tested, one row a method.
CREATE TABLE procurement_requirement_methods (
    category  TEXT NOT NULL,
    version   INTEGER NOT NULL,
    req_id    TEXT NOT NULL,
    method    TEXT NOT NULL,                   -- document_review, functional_test, vulnerability_scan, …
    PRIMARY KEY (category, version, req_id, method),
    FOREIGN KEY (category, version, req_id) REFERENCES procurement_requirements (category, version, req_id) ON DELETE CASCADE
);

-- Clarifications ("technical decisions") of a version, for the
-- evaluations still open against it.
CREATE TABLE procurement_clarifications (
    id         TEXT PRIMARY KEY,
    category   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    req_id     TEXT NOT NULL DEFAULT '',       -- the requirement it clarifies; '' for the whole catalogue
    text       TEXT NOT NULL,
    issued_at  TIMESTAMPTZ NOT NULL,
    issued_by  TEXT NOT NULL,
    FOREIGN KEY (category, version) REFERENCES procurement_catalogues (category, version) ON DELETE CASCADE
);
CREATE INDEX procurement_clarifications_version ON procurement_clarifications (category, version, issued_at);
