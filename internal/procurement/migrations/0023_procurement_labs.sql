-- Procurement security testing: the labs' accreditations. A lab is a
-- directory organisation of kind lab; its accreditation says which product
-- categories it may evaluate, from when until when, and whether it stands.

CREATE TABLE procurement_accreditations (
    org_id       TEXT PRIMARY KEY REFERENCES orgs (id),
    state        TEXT NOT NULL,               -- active, suspended, withdrawn
    valid_from   TIMESTAMPTZ NOT NULL,        -- the first day (UTC midnight)
    valid_until  TIMESTAMPTZ NOT NULL,        -- the last day (UTC midnight), inclusive
    reason       TEXT NOT NULL DEFAULT '',    -- why it is suspended or withdrawn
    updated_at   TIMESTAMPTZ NOT NULL
);

-- The categories in scope, one row each: evaluations are assigned by them.
CREATE TABLE procurement_accreditation_categories (
    org_id    TEXT NOT NULL REFERENCES procurement_accreditations (org_id) ON DELETE CASCADE,
    category  TEXT NOT NULL,
    PRIMARY KEY (org_id, category)
);
CREATE INDEX procurement_accreditation_categories_category ON procurement_accreditation_categories (category, org_id);

-- Every change, as it was made: the accreditation's history.
CREATE TABLE procurement_accreditation_events (
    id           BIGSERIAL PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES procurement_accreditations (org_id) ON DELETE CASCADE,
    at           TIMESTAMPTZ NOT NULL,
    actor        TEXT NOT NULL,
    state        TEXT NOT NULL,
    categories   TEXT NOT NULL,               -- as they were, for the record (never matched)
    valid_from   TIMESTAMPTZ NOT NULL,
    valid_until  TIMESTAMPTZ NOT NULL,
    reason       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX procurement_accreditation_events_org ON procurement_accreditation_events (org_id, id);
