-- Procurement security testing: evaluations of products by accredited labs,
-- and the approved-products list they feed.

CREATE TABLE procurement_evaluations (
    id                 TEXT PRIMARY KEY,
    number             TEXT NOT NULL UNIQUE,        -- EVAL-2026-0001
    product            TEXT NOT NULL,
    vendor             TEXT NOT NULL,               -- as the requester names it
    vendor_org_id      TEXT REFERENCES orgs (id),   -- the vendor's organisation, when it has one
    version            TEXT NOT NULL,
    category           TEXT NOT NULL,
    intended_use       TEXT NOT NULL DEFAULT '',
    buyers             TEXT NOT NULL DEFAULT '',
    requester_org_id   TEXT NOT NULL REFERENCES orgs (id),
    requested_by       TEXT NOT NULL,               -- the requester's label, for the record
    state              TEXT NOT NULL,
    state_since        TIMESTAMPTZ NOT NULL,        -- the stage's clock starts here
    catalogue_version  INTEGER,                     -- pinned when accepted
    lab_org_id         TEXT REFERENCES orgs (id),
    reason             TEXT NOT NULL DEFAULT '',    -- of a refusal, a send-back, a rejection, a withdrawal
    sbom_format        TEXT NOT NULL DEFAULT '',
    sbom_spec_version  TEXT NOT NULL DEFAULT '',
    sbom_components    INTEGER NOT NULL DEFAULT 0,
    sent_back          INTEGER NOT NULL DEFAULT 0,  -- how often reviewers sent it back
    maintenance_of     TEXT,                        -- assurance maintenance: the approved entry a new version joins
    impact_analysis    TEXT NOT NULL DEFAULT '',    -- what changed since the approved version, and what it touches
    decided_at         TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX procurement_evaluations_requester ON procurement_evaluations (requester_org_id, created_at);
CREATE INDEX procurement_evaluations_vendor ON procurement_evaluations (vendor_org_id, created_at);
CREATE INDEX procurement_evaluations_lab ON procurement_evaluations (lab_org_id, created_at);
CREATE INDEX procurement_evaluations_state ON procurement_evaluations (state, created_at);

-- The SBOM's components, one row each: the checks and the revocation match them.
CREATE TABLE procurement_evaluation_components (
    evaluation_id  TEXT NOT NULL REFERENCES procurement_evaluations (id) ON DELETE CASCADE,
    seq            INTEGER NOT NULL,
    name           TEXT NOT NULL,
    version        TEXT NOT NULL DEFAULT '',
    purl           TEXT NOT NULL DEFAULT '',
    cpe            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (evaluation_id, seq)
);
CREATE INDEX procurement_evaluation_components_purl ON procurement_evaluation_components (purl);

-- Every change of state: the clocks, the history and the labs' scorecards.
CREATE TABLE procurement_evaluation_events (
    id             BIGSERIAL PRIMARY KEY,
    evaluation_id  TEXT NOT NULL REFERENCES procurement_evaluations (id) ON DELETE CASCADE,
    at             TIMESTAMPTZ NOT NULL,
    actor          TEXT NOT NULL,
    from_state     TEXT NOT NULL,
    to_state       TEXT NOT NULL,
    lab_org_id     TEXT,
    reason         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX procurement_evaluation_events_evaluation ON procurement_evaluation_events (evaluation_id, id);
CREATE INDEX procurement_evaluation_events_lab ON procurement_evaluation_events (lab_org_id, at);

-- The lab's verdict per requirement of the pinned catalogue version.
CREATE TABLE procurement_evaluation_results (
    evaluation_id  TEXT NOT NULL REFERENCES procurement_evaluations (id) ON DELETE CASCADE,
    requirement    TEXT NOT NULL,
    verdict        TEXT NOT NULL,                  -- pass, fail, not_applicable, inconclusive
    notes          TEXT NOT NULL DEFAULT '',
    updated_by     TEXT NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (evaluation_id, requirement)
);

-- Findings of the lab, released to the vendor by the center one by one.
CREATE TABLE procurement_findings (
    id             TEXT PRIMARY KEY,
    evaluation_id  TEXT NOT NULL REFERENCES procurement_evaluations (id) ON DELETE CASCADE,
    requirement    TEXT NOT NULL DEFAULT '',
    title          TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    cvss_vector    TEXT NOT NULL DEFAULT '',
    cvss_score     DOUBLE PRECISION,
    severity       TEXT NOT NULL DEFAULT '',
    cwe            TEXT NOT NULL DEFAULT '',
    released       BOOLEAN NOT NULL DEFAULT FALSE,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX procurement_findings_evaluation ON procurement_findings (evaluation_id, created_at);

-- Documents: the requester's datasheet and hardening guide, the lab's
-- evidence and its report (a PDF). In the database: every node sees them.
CREATE TABLE procurement_evaluation_files (
    id             TEXT PRIMARY KEY,
    evaluation_id  TEXT NOT NULL REFERENCES procurement_evaluations (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,                  -- datasheet, hardening_guide, evidence, report
    requirement    TEXT NOT NULL DEFAULT '',       -- the requirement evidence is for
    name           TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    data           BYTEA NOT NULL,
    uploaded_by    TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX procurement_evaluation_files_evaluation ON procurement_evaluation_files (evaluation_id, created_at);

-- The approved-products list: the center's approvals and the foreign
-- certifications it recognises.
CREATE TABLE procurement_products (
    id              TEXT PRIMARY KEY,
    evaluation_id   TEXT REFERENCES procurement_evaluations (id),
    product         TEXT NOT NULL,
    vendor          TEXT NOT NULL,
    versions        TEXT NOT NULL,
    category        TEXT NOT NULL,
    state           TEXT NOT NULL,
    scheme          TEXT NOT NULL DEFAULT 'certhub', -- certhub, or the foreign scheme recognised
    certificate_id  TEXT NOT NULL,
    lab             TEXT NOT NULL DEFAULT '',
    decided_at      TIMESTAMPTZ NOT NULL,
    valid_until     TIMESTAMPTZ,
    conditions      TEXT NOT NULL DEFAULT '',
    guideline_url   TEXT NOT NULL DEFAULT '',
    purl            TEXT NOT NULL DEFAULT '',
    cpe             TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',        -- why under review, suspended or revoked
    advisory_url    TEXT NOT NULL DEFAULT '',
    -- the state it returns to when a review clears it
    cleared_state   TEXT NOT NULL DEFAULT '',
    product_key     TEXT NOT NULL,                   -- lower(vendor) || ' ' || lower(product): matched
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX procurement_products_certificate ON procurement_products (scheme, certificate_id);
CREATE INDEX procurement_products_state ON procurement_products (state, product_key);
CREATE INDEX procurement_products_category ON procurement_products (category, product_key);
CREATE INDEX procurement_products_key ON procurement_products (product_key);
CREATE INDEX procurement_products_purl ON procurement_products (purl);
CREATE INDEX procurement_products_valid ON procurement_products (valid_until);

-- Every change of an entry: the public Atom feed and the entry's history.
CREATE TABLE procurement_product_changes (
    id          BIGSERIAL PRIMARY KEY,
    product_id  TEXT NOT NULL REFERENCES procurement_products (id) ON DELETE CASCADE,
    at          TIMESTAMPTZ NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    advisory_url TEXT NOT NULL DEFAULT ''
);
CREATE INDEX procurement_product_changes_product ON procurement_product_changes (product_id, id);

-- How far the watch over the news has read (one row per source).
CREATE TABLE procurement_watch (
    source  TEXT PRIMARY KEY,                        -- advisories, osv, cases
    mark    TIMESTAMPTZ NOT NULL
);

-- The watch reads the OSV records loaded since its mark.
CREATE INDEX procurement_osv_records_loaded ON procurement_osv_records (loaded_at);

-- Organisations that use an approved product: told when it turns under
-- review, is suspended or revoked.
CREATE TABLE procurement_product_users (
    product_id     TEXT NOT NULL REFERENCES procurement_products (id) ON DELETE CASCADE,
    org_id         TEXT NOT NULL REFERENCES orgs (id),
    registered_by  TEXT NOT NULL,
    registered_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (product_id, org_id)
);
CREATE INDEX procurement_product_users_org ON procurement_product_users (org_id);

-- When the end of an entry's validity was announced to its parties.
ALTER TABLE procurement_products ADD COLUMN reminded_at TIMESTAMPTZ;
