-- Incident reports: what a constituent (or a citizen) reports, the CERT
-- that handles it, and the deadlines the law and the CERT's own service
-- levels set on it.
CREATE TABLE coordination_incidents (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,                -- INC-2026-0001
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    rsit_class      TEXT NOT NULL,                       -- the reference incident classification's class
    rsit_type       TEXT NOT NULL,                       -- and type
    severity        TEXT NOT NULL,                       -- low, medium, high, critical
    tlp             TEXT NOT NULL,
    status          TEXT NOT NULL,                       -- new, open, waiting, closed
    channel         TEXT NOT NULL,                       -- portal, api, email, public
    reporter_org_id TEXT REFERENCES orgs (id),           -- the reporting organisation (none for a citizen)
    reporter_name   TEXT NOT NULL DEFAULT '',
    reporter_email  TEXT NOT NULL DEFAULT '',
    owner_org_id    TEXT NOT NULL REFERENCES orgs (id),  -- the CERT that handles it
    assignee_id     TEXT,                                -- a user of the owning CERT
    assignee_name   TEXT NOT NULL DEFAULT '',
    sector          TEXT NOT NULL DEFAULT '',
    cii             BOOLEAN NOT NULL DEFAULT FALSE,
    cross_border    BOOLEAN NOT NULL DEFAULT FALSE,
    affected_users  BIGINT,
    impact_hours    INTEGER,                             -- how long the service was affected
    systems         TEXT NOT NULL DEFAULT '',            -- affected systems and services
    indicators      TEXT NOT NULL DEFAULT '',            -- one per line, as reported
    regimes         TEXT NOT NULL DEFAULT '[]',          -- the deadline regimes that apply (JSON list of IDs)
    detected_at     TIMESTAMPTZ,
    aware_at        TIMESTAMPTZ,
    reported_at     TIMESTAMPTZ NOT NULL,
    first_response_at TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    resolution      TEXT NOT NULL DEFAULT '',
    root_cause      TEXT NOT NULL DEFAULT '',
    next_due_at     TIMESTAMPTZ,                         -- the soonest open deadline (past ones too): the queue's order
    alarm_at        TIMESTAMPTZ,                         -- the soonest open deadline nobody was told is past yet: the clock job's
    follow_hash     TEXT UNIQUE,                         -- SHA-256 of a public reporter's follow link secret
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
-- The queue, newest first, filtered in the walk.
CREATE INDEX coordination_incidents_created ON coordination_incidents (created_at, id);
CREATE INDEX coordination_incidents_owner ON coordination_incidents (owner_org_id, status, created_at, id);
CREATE INDEX coordination_incidents_reporter ON coordination_incidents (reporter_org_id, created_at, id);
CREATE INDEX coordination_incidents_status ON coordination_incidents (status, created_at, id);
CREATE INDEX coordination_incidents_due ON coordination_incidents (next_due_at, id);
CREATE INDEX coordination_incidents_alarm ON coordination_incidents (alarm_at);
CREATE INDEX coordination_incidents_reported ON coordination_incidents (reported_at);

-- The CERTs an incident involves besides its owner (escalated to, asked
-- for help, handed over from): they read it and its notes for all CERTs.
CREATE TABLE coordination_incident_certs (
    incident_id TEXT NOT NULL REFERENCES coordination_incidents (id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    reason      TEXT NOT NULL,                           -- escalated, involved, previous_owner
    added_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (incident_id, org_id)
);
CREATE INDEX coordination_incident_certs_org ON coordination_incident_certs (org_id, incident_id);

-- Notes, each with who may read it: the owning CERT (internal), the
-- owning CERT and the reporter (reporter), every involved CERT (certs).
CREATE TABLE coordination_incident_notes (
    id            TEXT PRIMARY KEY,
    incident_id   TEXT NOT NULL REFERENCES coordination_incidents (id) ON DELETE CASCADE,
    visibility    TEXT NOT NULL,
    body          TEXT NOT NULL,
    author_name   TEXT NOT NULL,
    author_org_id TEXT,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX coordination_incident_notes_incident ON coordination_incident_notes (incident_id, created_at, id);

CREATE TABLE coordination_incident_tasks (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES coordination_incidents (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    owner_org_id TEXT NOT NULL REFERENCES orgs (id),     -- who does it
    due_at       TIMESTAMPTZ,
    done_at      TIMESTAMPTZ,
    done_by      TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX coordination_incident_tasks_incident ON coordination_incident_tasks (incident_id, created_at, id);

-- Links to the platform's other records: cases, publications, incidents.
CREATE TABLE coordination_incident_links (
    incident_id TEXT NOT NULL REFERENCES coordination_incidents (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,                           -- case, advisory, incident
    ref         TEXT NOT NULL,
    added_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (incident_id, kind, ref)
);

-- When each deadline step was done (and when it was due then), and when
-- an overdue one was told of.
CREATE TABLE coordination_incident_steps (
    incident_id TEXT NOT NULL REFERENCES coordination_incidents (id) ON DELETE CASCADE,
    step_key    TEXT NOT NULL,                           -- regime/step
    done_at     TIMESTAMPTZ,
    due_at      TIMESTAMPTZ,
    done_by     TEXT NOT NULL DEFAULT '',
    overdue_told_at TIMESTAMPTZ,
    PRIMARY KEY (incident_id, step_key)
);

-- The incident's timeline; visibility as the notes'.
CREATE TABLE coordination_incident_events (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES coordination_incidents (id) ON DELETE CASCADE,
    at          TIMESTAMPTZ NOT NULL,
    kind        TEXT NOT NULL,
    visibility  TEXT NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL
);
CREATE INDEX coordination_incident_events_incident ON coordination_incident_events (incident_id, at, id);
