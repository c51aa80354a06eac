-- Assessments of constituents against control baselines. A baseline is a
-- versioned catalogue of controls kept by platform/catalogue (the
-- mechanism procurement's criteria use); an assessment pins a version,
-- records a verdict per control, and ends in a remediation plan of
-- actions (platform/actions) the constituent moves on.

CREATE TABLE governance_baselines (
    baseline      TEXT NOT NULL,              -- national-policy, cis-controls
    version       INTEGER NOT NULL,
    title         TEXT NOT NULL,
    notes         TEXT NOT NULL DEFAULT '',
    published_at  TIMESTAMPTZ NOT NULL,
    published_by  TEXT NOT NULL,
    PRIMARY KEY (baseline, version)
);

CREATE TABLE governance_controls (
    baseline       TEXT NOT NULL,
    version        INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    req_id         TEXT NOT NULL,
    family         TEXT NOT NULL DEFAULT '',
    title          TEXT NOT NULL,
    text           TEXT NOT NULL,
    severity       TEXT NOT NULL,
    applicability  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (baseline, version, req_id),
    FOREIGN KEY (baseline, version) REFERENCES governance_baselines (baseline, version) ON DELETE CASCADE
);

CREATE TABLE governance_control_methods (
    baseline  TEXT NOT NULL,
    version   INTEGER NOT NULL,
    req_id    TEXT NOT NULL,
    method    TEXT NOT NULL,
    PRIMARY KEY (baseline, version, req_id, method),
    FOREIGN KEY (baseline, version, req_id) REFERENCES governance_controls (baseline, version, req_id) ON DELETE CASCADE
);

CREATE TABLE governance_baseline_clarifications (
    id         TEXT PRIMARY KEY,
    baseline   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    req_id     TEXT NOT NULL DEFAULT '',
    text       TEXT NOT NULL,
    issued_at  TIMESTAMPTZ NOT NULL,
    issued_by  TEXT NOT NULL,
    FOREIGN KEY (baseline, version) REFERENCES governance_baselines (baseline, version) ON DELETE CASCADE
);

-- An assessment: of an organisation (org_id; its sector and CERT as they
-- were when it was opened), by an assessor (a CERT or an accredited lab).
CREATE TABLE governance_assessments (
    id                TEXT PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,          -- AS-2026-001
    org_id            TEXT NOT NULL REFERENCES orgs (id),
    sector            TEXT NOT NULL DEFAULT '',
    cert_org_id       TEXT NOT NULL DEFAULT '',      -- the CERT it is a constituent of
    assessor_org_id   TEXT NOT NULL REFERENCES orgs (id),
    baseline          TEXT NOT NULL,
    baseline_version  INTEGER NOT NULL,
    scope             TEXT NOT NULL,
    state             TEXT NOT NULL,                 -- planned, in_progress, reported, closed
    starts_on         TEXT NOT NULL,                 -- YYYY-MM-DD
    summary           TEXT NOT NULL DEFAULT '',
    reassess_months   INTEGER NOT NULL,
    next_due_on       TEXT NOT NULL DEFAULT '',      -- set when reported
    followed_by       TEXT NOT NULL DEFAULT '',      -- the re-assessment opened on schedule
    reported_at       TIMESTAMPTZ,
    closed_at         TIMESTAMPTZ,
    created_by        TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (baseline, baseline_version) REFERENCES governance_baselines (baseline, version)
);
CREATE INDEX governance_assessments_org ON governance_assessments (org_id, created_at);
CREATE INDEX governance_assessments_cert ON governance_assessments (cert_org_id, created_at);
CREATE INDEX governance_assessments_assessor ON governance_assessments (assessor_org_id, created_at);
CREATE INDEX governance_assessments_due ON governance_assessments (next_due_on, followed_by);
CREATE INDEX governance_assessments_sector ON governance_assessments (sector, state);

-- The assessor's verdict per control (platform/catalogue's results):
-- met, partial, not_met, not_applicable; the notes are the evidence.
CREATE TABLE governance_assessment_results (
    assessment_id  TEXT NOT NULL REFERENCES governance_assessments (id) ON DELETE CASCADE,
    requirement    TEXT NOT NULL,
    verdict        TEXT NOT NULL,
    severity       TEXT NOT NULL DEFAULT '',
    notes          TEXT NOT NULL DEFAULT '',
    updated_by     TEXT NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (assessment_id, requirement)
);

-- The remediation plan (platform/actions), parent_id the assessment;
-- requirement the control it remedies; escalated_at once the CERT was
-- told it is overdue.
CREATE TABLE governance_assessment_actions (
    id            TEXT PRIMARY KEY,
    parent_id     TEXT NOT NULL REFERENCES governance_assessments (id),
    requirement   TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL,
    owner_org_id  TEXT NOT NULL REFERENCES orgs (id),
    due_on        TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'open',
    note          TEXT NOT NULL DEFAULT '',
    done_at       TIMESTAMPTZ,
    done_by       TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    reminded_at   TIMESTAMPTZ,
    escalated_at  TIMESTAMPTZ
);
CREATE INDEX governance_assessment_actions_parent ON governance_assessment_actions (parent_id, due_on);
CREATE INDEX governance_assessment_actions_open ON governance_assessment_actions (status, due_on);
