-- Alerts that must be acknowledged: a publication of the advisory package
-- sent to an audience of organisations, each of which answers.
CREATE TABLE coordination_alerts (
    id            TEXT PRIMARY KEY,
    advisory_id   TEXT NOT NULL UNIQUE,                -- the publication (advisory's; read through an interface)
    tracking_id   TEXT NOT NULL,                       -- as published, for lists and mail
    title         TEXT NOT NULL,
    tlp           TEXT NOT NULL,
    actions       TEXT NOT NULL DEFAULT '',            -- what the recipients are asked to do
    act_by        TIMESTAMPTZ,                         -- by when
    audience      TEXT NOT NULL,                       -- the audience as asked (JSON): orgs, kinds, sectors, CII, CERTs' constituents
    remind_after_hours   INTEGER NOT NULL,             -- the escalation ladder: a reminder to a silent recipient after this,
    escalate_after_hours INTEGER NOT NULL,             -- its CERT told after this, the national CERT after twice this
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX coordination_alerts_created ON coordination_alerts (created_at, id);

-- One row per recipient organisation: where its answer stands. Silence is
-- a state of its own (delivered or read, never answered), never "not
-- affected".
CREATE TABLE coordination_alert_recipients (
    alert_id        TEXT NOT NULL REFERENCES coordination_alerts (id) ON DELETE CASCADE,
    org_id          TEXT NOT NULL REFERENCES orgs (id),
    parent_id       TEXT,                                -- the organisation's CERT when the alert was sent: who sees its answer
    state           TEXT NOT NULL,                       -- delivered, read, acknowledged
    outcome         TEXT NOT NULL DEFAULT '',            -- affected, not_affected, mitigated ('' while unknown)
    note            TEXT NOT NULL DEFAULT '',
    delivered_at    TIMESTAMPTZ NOT NULL,
    read_at         TIMESTAMPTZ,
    acknowledged_at TIMESTAMPTZ,
    answered_by     TEXT NOT NULL DEFAULT '',
    link_hash       TEXT,                                -- SHA-256 of the secret of the acknowledgement link mailed to it
    link_expires_at TIMESTAMPTZ,
    escalation      INTEGER NOT NULL DEFAULT 0,          -- 0 none yet, 1 reminded, 2 its CERT told, 3 the national CERT told
    next_step_at    TIMESTAMPTZ,                         -- when the ladder's next step is due (none once answered or at its top)
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (alert_id, org_id)
);
CREATE UNIQUE INDEX coordination_alert_recipients_link ON coordination_alert_recipients (link_hash);
-- The escalation job's queue: what is due, soonest first.
CREATE INDEX coordination_alert_recipients_due ON coordination_alert_recipients (next_step_at);
CREATE INDEX coordination_alert_recipients_org ON coordination_alert_recipients (org_id, alert_id);
CREATE INDEX coordination_alert_recipients_parent ON coordination_alert_recipients (parent_id, alert_id);

-- The alert's timeline: deliveries, reads, answers (and, later, reminders
-- and escalations), each with who and when.
CREATE TABLE coordination_alert_events (
    id        TEXT PRIMARY KEY,
    alert_id  TEXT NOT NULL REFERENCES coordination_alerts (id) ON DELETE CASCADE,
    org_id    TEXT,
    at        TIMESTAMPTZ NOT NULL,
    kind      TEXT NOT NULL,                             -- sent, read, acknowledged, answered
    actor     TEXT NOT NULL DEFAULT '',
    summary   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX coordination_alert_events_alert ON coordination_alert_events (alert_id, at, id);
