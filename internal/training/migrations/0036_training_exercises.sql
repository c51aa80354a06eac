-- Exercises (tabletop or technical): the scenario, the organisations
-- taking part, the injects in their order, the outcomes and lessons
-- learned, and the follow-up actions each lesson leads to.

CREATE TABLE training_exercises (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    kind        TEXT NOT NULL,               -- tabletop, technical
    scenario    TEXT NOT NULL,
    objectives  TEXT NOT NULL DEFAULT '',
    starts_at   TIMESTAMPTZ NOT NULL,
    ends_at     TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_exercises_starts ON training_exercises (starts_at, id);

CREATE TABLE training_exercise_orgs (
    exercise_id TEXT NOT NULL REFERENCES training_exercises (id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (exercise_id, org_id)
);
CREATE INDEX training_exercise_orgs_org ON training_exercise_orgs (org_id, exercise_id);

-- Injects: what the players are told, and when (minutes from the start);
-- a player sees an inject once its time has come.
CREATE TABLE training_injects (
    id          TEXT PRIMARY KEY,
    exercise_id TEXT NOT NULL REFERENCES training_exercises (id) ON DELETE CASCADE,
    at_minute   INTEGER NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_injects_exercise ON training_injects (exercise_id, at_minute);

-- What the exercise showed: outcomes (what happened against the
-- objectives) and lessons learned.
CREATE TABLE training_exercise_notes (
    id          TEXT PRIMARY KEY,
    exercise_id TEXT NOT NULL REFERENCES training_exercises (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,               -- outcome, lesson
    body        TEXT NOT NULL,
    org_id      TEXT REFERENCES orgs (id),   -- the organisation it is about, if one
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_exercise_notes_exercise ON training_exercise_notes (exercise_id, created_at);

-- Follow-up actions (internal/platform/actions), parent_id the exercise.
CREATE TABLE training_exercise_actions (
    id           TEXT PRIMARY KEY,
    parent_id    TEXT NOT NULL REFERENCES training_exercises (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    owner_org_id TEXT NOT NULL REFERENCES orgs (id),
    due_on       TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'open',
    note         TEXT NOT NULL DEFAULT '',
    done_at      TIMESTAMPTZ,
    done_by      TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_exercise_actions_parent ON training_exercise_actions (parent_id, due_on);
CREATE INDEX training_exercise_actions_owner ON training_exercise_actions (owner_org_id, status, due_on);
