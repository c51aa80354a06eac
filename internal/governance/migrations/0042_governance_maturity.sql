-- CSIRT maturity against SIM3: each CERT's self-assessments and the peer
-- reviews of it by another CERT, a level (0 to 4) per parameter with a
-- note, and the platform records each level rests on. Submitted
-- assessments are never changed: the history of levels.

CREATE TABLE governance_maturity (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES orgs (id),    -- the CERT assessed
    kind             TEXT NOT NULL,                          -- self, peer
    reviewer_org_id  TEXT NOT NULL DEFAULT '',               -- the reviewing CERT (peer)
    based_on         TEXT NOT NULL DEFAULT '',               -- the self-assessment a review started from
    model            TEXT NOT NULL,                          -- sim3-v1
    state            TEXT NOT NULL,                          -- draft, submitted
    summary          TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    submitted_at     TIMESTAMPTZ,
    submitted_by     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX governance_maturity_org ON governance_maturity (org_id, submitted_at);
CREATE INDEX governance_maturity_reviewer ON governance_maturity (reviewer_org_id, state);

CREATE TABLE governance_maturity_levels (
    maturity_id  TEXT NOT NULL REFERENCES governance_maturity (id) ON DELETE CASCADE,
    parameter    TEXT NOT NULL,                  -- O-1 … P-17
    grp          TEXT NOT NULL,                  -- O, H, T, P
    level        INTEGER NOT NULL,               -- 0 to 4
    note         TEXT NOT NULL DEFAULT '',
    updated_by   TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (maturity_id, parameter)
);

CREATE TABLE governance_maturity_evidence (
    id           TEXT PRIMARY KEY,
    maturity_id  TEXT NOT NULL REFERENCES governance_maturity (id) ON DELETE CASCADE,
    parameter    TEXT NOT NULL,
    kind         TEXT NOT NULL,                  -- advisory, course, exercise, periodic_report, incident, case
    ref          TEXT NOT NULL,                  -- the record's ID
    label        TEXT NOT NULL,
    title        TEXT NOT NULL,
    url          TEXT NOT NULL,
    added_by     TEXT NOT NULL,
    added_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX governance_maturity_evidence_of ON governance_maturity_evidence (maturity_id, parameter);
