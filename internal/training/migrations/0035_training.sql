-- Training and capacity building: courses, their sessions, who enrols
-- (approved by their organisation, seated or waiting), attendance and
-- results, and the certificates of completion anyone may verify.

CREATE TABLE training_courses (
    id              TEXT PRIMARY KEY,
    title           TEXT NOT NULL,
    topic           TEXT NOT NULL,              -- incident_response, digital_forensics, …
    level           TEXT NOT NULL,              -- foundation, intermediate, advanced
    audience        TEXT NOT NULL DEFAULT '',
    duration_hours  INTEGER NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    materials       TEXT NOT NULL DEFAULT '',   -- one link or reference a line
    prerequisites   TEXT NOT NULL DEFAULT '',
    pass_mark       INTEGER,                    -- 0–100; NULL: attendance completes it
    retired         BOOLEAN NOT NULL DEFAULT FALSE,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_courses_topic ON training_courses (topic, level);

CREATE TABLE training_sessions (
    id          TEXT PRIMARY KEY,
    course_id   TEXT NOT NULL REFERENCES training_courses (id),
    starts_at   TIMESTAMPTZ NOT NULL,
    ends_at     TIMESTAMPTZ NOT NULL,
    place       TEXT NOT NULL DEFAULT '',
    online      BOOLEAN NOT NULL DEFAULT FALSE,
    seats       INTEGER NOT NULL,
    trainers    TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'scheduled', -- scheduled, cancelled
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_sessions_course ON training_sessions (course_id, starts_at);
CREATE INDEX training_sessions_starts ON training_sessions (starts_at, id);

-- One person's place in a session, for their organisation.
CREATE TABLE training_enrolments (
    id               TEXT PRIMARY KEY,
    session_id       TEXT NOT NULL REFERENCES training_sessions (id),
    user_id          TEXT NOT NULL REFERENCES users (id),
    org_id           TEXT NOT NULL REFERENCES orgs (id),
    name             TEXT NOT NULL,               -- as printed on the certificate
    email            TEXT NOT NULL,
    status           TEXT NOT NULL,               -- requested, refused, waiting, enrolled, cancelled, completed, not_completed
    requested_at     TIMESTAMPTZ NOT NULL,
    decided_by       TEXT NOT NULL DEFAULT '',
    decided_at       TIMESTAMPTZ,                 -- approved or refused by the organisation
    queued_at        TIMESTAMPTZ,                 -- approved: the waiting list's order
    reason           TEXT NOT NULL DEFAULT '',
    attended         BOOLEAN,
    score            INTEGER,
    result_by        TEXT NOT NULL DEFAULT '',
    completed_at     TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_enrolments_session ON training_enrolments (session_id, status, queued_at);
CREATE INDEX training_enrolments_org ON training_enrolments (org_id, status);
CREATE INDEX training_enrolments_user ON training_enrolments (user_id, requested_at);
-- A person holds one live enrolment a session.
CREATE UNIQUE INDEX training_enrolments_live ON training_enrolments (session_id, user_id)
    WHERE status IN ('requested', 'waiting', 'enrolled', 'completed', 'not_completed');

-- Certificates of completion: what is printed on them, and the center's
-- OpenPGP signature of that text.
CREATE TABLE training_certificates (
    code           TEXT PRIMARY KEY,
    enrolment_id   TEXT NOT NULL UNIQUE REFERENCES training_enrolments (id),
    holder_name    TEXT NOT NULL,
    course_title   TEXT NOT NULL,
    completed_on   TEXT NOT NULL,                 -- YYYY-MM-DD
    signed         TEXT NOT NULL,                 -- the statement, clear-signed by the center's key
    issued_at      TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ,
    revoked_reason TEXT NOT NULL DEFAULT ''
);
