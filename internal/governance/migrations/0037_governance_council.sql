-- The CERT Council: its members (organisations and their
-- representatives, with terms and roles), meetings with agenda items and
-- attendance, minutes drafted and approved, a public summary when the
-- council decides, the decisions register with votes and the records
-- each decision rests on, and action items tracked to done.

CREATE TABLE governance_council_members (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    role        TEXT NOT NULL,                  -- chair, secretary, member, observer
    term_start  TEXT NOT NULL,                  -- YYYY-MM-DD
    term_end    TEXT NOT NULL DEFAULT '',       -- YYYY-MM-DD; '' while open-ended
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX governance_council_members_user ON governance_council_members (user_id, term_start);

CREATE TABLE governance_meetings (
    id                   TEXT PRIMARY KEY,
    title                TEXT NOT NULL,
    starts_at            TIMESTAMPTZ NOT NULL,
    ends_at              TIMESTAMPTZ NOT NULL,
    place                TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL DEFAULT 'scheduled', -- scheduled, held, cancelled
    minutes              TEXT NOT NULL DEFAULT '',
    minutes_status       TEXT NOT NULL DEFAULT 'none',      -- none, draft, approved
    minutes_approved_at  TIMESTAMPTZ,
    minutes_approved_by  TEXT NOT NULL DEFAULT '',
    public_summary       TEXT NOT NULL DEFAULT '',
    summary_published_at TIMESTAMPTZ,
    created_by           TEXT NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX governance_meetings_starts ON governance_meetings (starts_at, id);
CREATE INDEX governance_meetings_published ON governance_meetings (summary_published_at);

CREATE TABLE governance_agenda_items (
    id          TEXT PRIMARY KEY,
    meeting_id  TEXT NOT NULL REFERENCES governance_meetings (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    title       TEXT NOT NULL,
    presenter   TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',       -- the paper's text or summary
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX governance_agenda_items_meeting ON governance_agenda_items (meeting_id, position);

-- Who came: present, apologies or absent, one row a member a meeting.
CREATE TABLE governance_attendance (
    meeting_id  TEXT NOT NULL REFERENCES governance_meetings (id) ON DELETE CASCADE,
    member_id   TEXT NOT NULL REFERENCES governance_council_members (id),
    status      TEXT NOT NULL,
    PRIMARY KEY (meeting_id, member_id)
);

-- The decisions register: CD-YYYY-NNN, with the vote.
CREATE TABLE governance_decisions (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    meeting_id  TEXT NOT NULL REFERENCES governance_meetings (id),
    kind        TEXT NOT NULL,                  -- decision, recommendation
    title       TEXT NOT NULL,
    text        TEXT NOT NULL,
    votes_for     INTEGER NOT NULL DEFAULT 0,
    votes_against INTEGER NOT NULL DEFAULT 0,
    abstentions   INTEGER NOT NULL DEFAULT 0,
    outcome     TEXT NOT NULL,                  -- adopted, rejected
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX governance_decisions_meeting ON governance_decisions (meeting_id, number);
CREATE INDEX governance_decisions_created ON governance_decisions (created_at, id);

-- The records a decision or an action rests on: a case, an advisory, an
-- incident, an approved product or an alert, with its title when linked.
CREATE TABLE governance_links (
    owner_id  TEXT NOT NULL,                    -- a decision's or an action's ID
    kind      TEXT NOT NULL,
    ref       TEXT NOT NULL,                    -- the record's ID
    label     TEXT NOT NULL,                    -- its number or tracking ID
    title     TEXT NOT NULL,
    url       TEXT NOT NULL,                    -- where it is read in certhub
    PRIMARY KEY (owner_id, kind, ref)
);

-- Action items (internal/platform/actions), parent_id the meeting.
CREATE TABLE governance_council_actions (
    id           TEXT PRIMARY KEY,
    parent_id    TEXT NOT NULL REFERENCES governance_meetings (id),
    decision_id  TEXT REFERENCES governance_decisions (id),
    title        TEXT NOT NULL,
    owner_org_id TEXT NOT NULL REFERENCES orgs (id),
    due_on       TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'open',
    note         TEXT NOT NULL DEFAULT '',
    done_at      TIMESTAMPTZ,
    done_by      TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    reminded_at  TIMESTAMPTZ
);
CREATE INDEX governance_council_actions_parent ON governance_council_actions (parent_id, due_on);
CREATE INDEX governance_council_actions_owner ON governance_council_actions (owner_org_id, status, due_on);
CREATE INDEX governance_council_actions_open ON governance_council_actions (status, due_on);
