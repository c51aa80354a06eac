-- Cyber hygiene of constituents: the scanning permission each
-- organisation granted, the schedule and latest score of every
-- organisation with a constituency, each run of the checks with its
-- results, findings that open and close themselves, and monthly sums per
-- sector and CERT for the trend.

CREATE TABLE hygiene_permissions (
    org_id              TEXT PRIMARY KEY,
    categories          TEXT NOT NULL,               -- comma list of dns, mail, web, exposure
    granted_by          TEXT NOT NULL,               -- who at the organisation granted it
    granted_on          TEXT NOT NULL,               -- YYYY-MM-DD
    reference           TEXT NOT NULL DEFAULT '',    -- the letter, ticket or agreement
    dkim_selectors      TEXT NOT NULL DEFAULT '',    -- comma list
    signed_security_txt BOOLEAN NOT NULL DEFAULT FALSE,
    recorded_by         TEXT NOT NULL,
    recorded_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE hygiene_orgs (
    org_id          TEXT PRIMARY KEY,
    sector          TEXT NOT NULL DEFAULT '',
    cert_org_id     TEXT NOT NULL DEFAULT '',
    next_at         TIMESTAMPTZ NOT NULL,            -- the next scheduled run
    last_run_id     TEXT NOT NULL DEFAULT '',
    checked_at      TIMESTAMPTZ,
    score           DOUBLE PRECISION                 -- of the last finished run
);
CREATE INDEX hygiene_orgs_next ON hygiene_orgs (next_at);
CREATE INDEX hygiene_orgs_sector ON hygiene_orgs (sector);

CREATE TABLE hygiene_runs (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    sector        TEXT NOT NULL DEFAULT '',
    cert_org_id   TEXT NOT NULL DEFAULT '',
    trigger       TEXT NOT NULL,                     -- schedule, request
    requested_by  TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL,                     -- queued, running, done, failed
    error         TEXT NOT NULL DEFAULT '',
    score         DOUBLE PRECISION,
    passed        INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL,
    started_at    TIMESTAMPTZ,
    finished_at   TIMESTAMPTZ,
    month         TEXT NOT NULL DEFAULT ''          -- YYYY-MM it finished in, for trends
);
CREATE INDEX hygiene_runs_month ON hygiene_runs (month, sector);
CREATE INDEX hygiene_runs_cert ON hygiene_runs (cert_org_id, month);
CREATE INDEX hygiene_runs_org ON hygiene_runs (org_id, created_at);
CREATE INDEX hygiene_runs_state ON hygiene_runs (state, org_id);

CREATE TABLE hygiene_results (
    run_id    TEXT NOT NULL REFERENCES hygiene_runs (id) ON DELETE CASCADE,
    check_id  TEXT NOT NULL,
    target    TEXT NOT NULL,
    status    TEXT NOT NULL,                         -- pass, fail, skipped, error
    severity  TEXT NOT NULL,
    evidence  TEXT NOT NULL,
    PRIMARY KEY (run_id, check_id, target)
);

CREATE TABLE hygiene_findings (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    sector        TEXT NOT NULL DEFAULT '',
    cert_org_id   TEXT NOT NULL DEFAULT '',
    check_id      TEXT NOT NULL,
    target        TEXT NOT NULL,
    severity      TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,                  -- info 0 … critical 4, for filters and order
    evidence      TEXT NOT NULL,
    state         TEXT NOT NULL,                     -- open, fixed
    first_seen    TIMESTAMPTZ NOT NULL,
    last_seen     TIMESTAMPTZ NOT NULL,
    fixed_at      TIMESTAMPTZ,
    reopened      INTEGER NOT NULL DEFAULT 0,
    notified_at   TIMESTAMPTZ,                       -- NULL: not yet in a digest
    last_run_id   TEXT NOT NULL,
    UNIQUE (org_id, check_id, target)
);
CREATE INDEX hygiene_findings_open ON hygiene_findings (state, severity_rank, org_id);
CREATE INDEX hygiene_findings_cert ON hygiene_findings (cert_org_id, state);
CREATE INDEX hygiene_findings_org ON hygiene_findings (org_id, state, severity_rank);
CREATE INDEX hygiene_findings_notify ON hygiene_findings (notified_at, state);

CREATE TABLE hygiene_months (
    cert_org_id TEXT NOT NULL,                       -- '' over every organisation, else the CERT's constituents
    sector      TEXT NOT NULL,                       -- '' over every sector
    month       TEXT NOT NULL,                       -- YYYY-MM
    total       DOUBLE PRECISION NOT NULL,           -- sum of the runs' scores
    runs        INTEGER NOT NULL,
    PRIMARY KEY (cert_org_id, sector, month)
);
