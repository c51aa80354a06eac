-- Periodic reporting to the National CERT: who reports how often, and
-- each report for a period, its figures assembled from the platform's
-- own records (kept as submitted), its narrative, and its review.

CREATE TABLE governance_report_schedules (
    org_id      TEXT PRIMARY KEY REFERENCES orgs (id),
    frequency   TEXT NOT NULL,                -- monthly, quarterly
    due_days    INTEGER NOT NULL,             -- days after the period's end
    since       TEXT NOT NULL,                -- the first period's first day, YYYY-MM-DD
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE governance_reports (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES orgs (id),
    period              TEXT NOT NULL,        -- 2026-11, 2026-Q4
    period_start        TEXT NOT NULL,        -- YYYY-MM-DD, the first day
    period_end          TEXT NOT NULL,        -- YYYY-MM-DD, the day after the last
    status              TEXT NOT NULL,        -- draft, submitted, returned, accepted
    incidents           INTEGER NOT NULL DEFAULT 0,
    incidents_critical  INTEGER NOT NULL DEFAULT 0,
    incidents_high      INTEGER NOT NULL DEFAULT 0,
    incidents_closed    INTEGER NOT NULL DEFAULT 0,
    deadlines_due       INTEGER NOT NULL DEFAULT 0,
    deadlines_met       INTEGER NOT NULL DEFAULT 0,
    vuln_reports        INTEGER NOT NULL DEFAULT 0,
    cases_opened        INTEGER NOT NULL DEFAULT 0,
    alerts_delivered    INTEGER NOT NULL DEFAULT 0,
    alerts_acknowledged INTEGER NOT NULL DEFAULT 0,
    indicators_shared   INTEGER NOT NULL DEFAULT 0,
    indicators_routed   INTEGER NOT NULL DEFAULT 0,
    people_trained      INTEGER NOT NULL DEFAULT 0,
    by_class            TEXT NOT NULL DEFAULT '[]', -- JSON: incidents by RSIT class
    summary             TEXT NOT NULL DEFAULT '',
    highlights          TEXT NOT NULL DEFAULT '',
    challenges          TEXT NOT NULL DEFAULT '',
    plans               TEXT NOT NULL DEFAULT '',
    assembled_at        TIMESTAMPTZ NOT NULL,
    submitted_at        TIMESTAMPTZ,
    submitted_by        TEXT NOT NULL DEFAULT '',
    reviewed_at         TIMESTAMPTZ,
    reviewed_by         TEXT NOT NULL DEFAULT '',
    review_note         TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, period)
);
-- The roll-up reads the submitted and accepted reports of a span of
-- periods, all CERTs at once.
CREATE INDEX governance_reports_rollup ON governance_reports (period_start, status, org_id);
