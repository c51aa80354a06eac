-- The vulnerability disclosure program: reports, triage, routing, cases,
-- vendors' statements, discussions and the timeline.

-- Cases come first: reports point at the case they were accepted into.
CREATE TABLE vdp_cases (
    id                       TEXT PRIMARY KEY,
    number                   TEXT NOT NULL UNIQUE,   -- public-facing: CC-2026-0042
    title                    TEXT NOT NULL,
    summary                  TEXT NOT NULL DEFAULT '',
    reference_urls           TEXT NOT NULL DEFAULT '', -- public references (advisories), one per line
    status                   TEXT NOT NULL,          -- open, coordinating, remediation, disclosed, closed
    owner_org_id             TEXT NOT NULL REFERENCES orgs (id),
    tlp                      TEXT NOT NULL DEFAULT 'AMBER',
    embargo                  TEXT NOT NULL DEFAULT 'none', -- Vultron: none, proposed, active, revise, exited
    publication_at           TIMESTAMPTZ,            -- expected publication; the embargo ends then
    first_vendor_contact_at  TIMESTAMPTZ,
    disclosed_at             TIMESTAMPTZ,
    closed_at                TIMESTAMPTZ,
    -- Vultron case state: what is true of the world, each set once, with when.
    vendor_aware_at          TIMESTAMPTZ,
    fix_ready_at             TIMESTAMPTZ,
    fix_deployed_at          TIMESTAMPTZ,
    public_aware_at          TIMESTAMPTZ,
    exploit_public_at        TIMESTAMPTZ,
    attacks_observed_at      TIMESTAMPTZ,
    deadline_warned_for      TIMESTAMPTZ,            -- the publication date the deadline reminder went out for
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL
);
CREATE INDEX vdp_cases_owner ON vdp_cases (owner_org_id, status);
CREATE INDEX vdp_cases_status ON vdp_cases (status, updated_at);

CREATE TABLE vdp_reports (
    id                   TEXT PRIMARY KEY,
    tracking_id          TEXT NOT NULL UNIQUE,       -- VR-2026-000123, shown to the reporter
    secret_hash          TEXT NOT NULL UNIQUE,       -- SHA-256 of the follow link's secret
    source               TEXT NOT NULL,              -- web, api, console, email
    submitter_org_id     TEXT REFERENCES orgs (id),
    submitter_user_id    TEXT REFERENCES users (id),
    reporter_name        TEXT NOT NULL DEFAULT '',
    reporter_email       TEXT NOT NULL DEFAULT '',
    reporter_pgp_key     TEXT NOT NULL DEFAULT '',
    title                TEXT NOT NULL,
    description          TEXT NOT NULL,
    vendor               TEXT NOT NULL DEFAULT '',
    vendor_org_id        TEXT REFERENCES orgs (id),  -- the directory's vendor, once known
    product              TEXT NOT NULL DEFAULT '',
    versions             TEXT NOT NULL DEFAULT '',
    cwe                  TEXT NOT NULL DEFAULT '',   -- CWE-79
    impact               TEXT NOT NULL DEFAULT '',
    reproduction         TEXT NOT NULL DEFAULT '',
    public               BOOLEAN NOT NULL DEFAULT FALSE,
    exploited            BOOLEAN NOT NULL DEFAULT FALSE,
    reference_urls       TEXT NOT NULL DEFAULT '',   -- one per line
    vendor_contacted     BOOLEAN NOT NULL DEFAULT FALSE,
    vendor_contact       TEXT NOT NULL DEFAULT '',   -- how and when
    disclosure_plans     TEXT NOT NULL DEFAULT '',
    credit               TEXT NOT NULL DEFAULT '',
    encrypted_body       TEXT NOT NULL DEFAULT '',   -- an OpenPGP message as received, kept encrypted
    status               TEXT NOT NULL,              -- received, need_info, accepted, declined, duplicate
    validity             TEXT NOT NULL DEFAULT '',   -- '', valid, invalid
    assigned_org_id      TEXT REFERENCES orgs (id),  -- the responsible CERT
    routed_by            TEXT NOT NULL DEFAULT '',   -- rule ID, 'manual' or 'default'
    case_id              TEXT REFERENCES vdp_cases (id),
    duplicate_of         TEXT REFERENCES vdp_reports (id),
    decline_reason       TEXT NOT NULL DEFAULT '',
    ssvc_triage          TEXT NOT NULL DEFAULT '',   -- JSON decision
    ssvc_publish         TEXT NOT NULL DEFAULT '',
    cvss3                TEXT NOT NULL DEFAULT '',
    cvss4                TEXT NOT NULL DEFAULT '',
    sectors              TEXT NOT NULL DEFAULT '',   -- space-separated
    cii                  BOOLEAN NOT NULL DEFAULT FALSE, -- affects critical information infrastructure
    received_at          TIMESTAMPTZ NOT NULL,
    acknowledged_at      TIMESTAMPTZ,
    triaged_at           TIMESTAMPTZ,
    waiting_since        TIMESTAMPTZ,                -- more information asked for: the SLA clock is paused
    paused_seconds       BIGINT NOT NULL DEFAULT 0,
    closed_at            TIMESTAMPTZ,
    reporter_seen_at     TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX vdp_reports_queue ON vdp_reports (status, received_at);
CREATE INDEX vdp_reports_assigned ON vdp_reports (assigned_org_id, status, received_at);
CREATE INDEX vdp_reports_case ON vdp_reports (case_id);
CREATE INDEX vdp_reports_submitter ON vdp_reports (submitter_org_id, received_at);
CREATE INDEX vdp_reports_vendor ON vdp_reports (vendor_org_id);

-- Messages between the center and a reporter, through the follow link.
CREATE TABLE vdp_report_messages (
    id             TEXT PRIMARY KEY,
    report_id      TEXT NOT NULL REFERENCES vdp_reports (id) ON DELETE CASCADE,
    from_reporter  BOOLEAN NOT NULL,
    author_user_id TEXT REFERENCES users (id),
    body           TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX vdp_report_messages_report ON vdp_report_messages (report_id, created_at);

-- Files attached to reports, stored outside the rows under DATA/attachments by content hash.
CREATE TABLE vdp_attachments (
    id           TEXT PRIMARY KEY,
    report_id    TEXT REFERENCES vdp_reports (id) ON DELETE CASCADE,
    case_id      TEXT REFERENCES vdp_cases (id) ON DELETE CASCADE,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,   -- sniffed, not what the uploader claimed
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX vdp_attachments_report ON vdp_attachments (report_id);
CREATE INDEX vdp_attachments_case ON vdp_attachments (case_id);

-- Routing: the first matching rule (by position) names the responsible CERT.
CREATE TABLE vdp_routing_rules (
    id          TEXT PRIMARY KEY,
    position    INTEGER NOT NULL,
    vendor      TEXT NOT NULL DEFAULT '',   -- case-insensitive substring; '' matches any
    product     TEXT NOT NULL DEFAULT '',
    sector      TEXT NOT NULL DEFAULT '',
    cii         BOOLEAN,                    -- NULL matches either
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE vdp_vulns (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES vdp_cases (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    cwe         TEXT NOT NULL DEFAULT '',
    cve_id      TEXT UNIQUE,
    cvss3       TEXT NOT NULL DEFAULT '',
    cvss4       TEXT NOT NULL DEFAULT '',
    ssvc        TEXT NOT NULL DEFAULT '',   -- JSON decision (supplier or coordinator table)
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX vdp_vulns_case ON vdp_vulns (case_id, position);

-- Organisations taking part in a case, and where each vendor stands.
CREATE TABLE vdp_participants (
    case_id          TEXT NOT NULL REFERENCES vdp_cases (id) ON DELETE CASCADE,
    org_id           TEXT NOT NULL REFERENCES orgs (id),
    role             TEXT NOT NULL,     -- vendor, cert, constituent, coordinator
    their_tracking   TEXT NOT NULL DEFAULT '',
    notified_at      TIMESTAMPTZ,
    seen_at          TIMESTAMPTZ,
    acknowledged_at  TIMESTAMPTZ,
    reminders        INTEGER NOT NULL DEFAULT 0,
    last_reminder_at TIMESTAMPTZ,
    escalated_at     TIMESTAMPTZ,
    added_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (case_id, org_id)
);
CREATE INDEX vdp_participants_org ON vdp_participants (org_id, case_id);

-- A vendor's statement about one product for one vulnerability (CSAF's
-- product status vocabulary). No row means "unknown", never "not affected".
CREATE TABLE vdp_product_status (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL REFERENCES vdp_cases (id) ON DELETE CASCADE,
    vuln_id        TEXT NOT NULL REFERENCES vdp_vulns (id) ON DELETE CASCADE,
    vendor_org_id  TEXT NOT NULL REFERENCES orgs (id),
    product        TEXT NOT NULL,
    status         TEXT NOT NULL,   -- known_affected, known_not_affected, fixed, under_investigation
    statement      TEXT NOT NULL DEFAULT '',
    fixed_versions TEXT NOT NULL DEFAULT '',
    mitigation     TEXT NOT NULL DEFAULT '',
    workaround     TEXT NOT NULL DEFAULT '',
    updated_by     TEXT NOT NULL DEFAULT '',
    updated_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (vuln_id, vendor_org_id, product)
);
CREATE INDEX vdp_product_status_case ON vdp_product_status (case_id, vendor_org_id);

-- Changes of the expected publication date, with reasons.
CREATE TABLE vdp_date_changes (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES vdp_cases (id) ON DELETE CASCADE,
    old_at     TIMESTAMPTZ,
    new_at     TIMESTAMPTZ NOT NULL,
    reason     TEXT NOT NULL,
    by_user_id TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX vdp_date_changes_case ON vdp_date_changes (case_id, created_at);

-- Discussions. A thread is seen by the center only (internal), by every
-- participant (participants), by one vendor and the center (vendor_org_id
-- set), or by the reporter and the center (reporter).
CREATE TABLE vdp_threads (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES vdp_cases (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    visibility    TEXT NOT NULL,
    vendor_org_id TEXT REFERENCES orgs (id),
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX vdp_threads_case ON vdp_threads (case_id);

CREATE TABLE vdp_posts (
    seq            BIGSERIAL PRIMARY KEY,   -- orders posts and "new since you last looked"
    id             TEXT NOT NULL UNIQUE,
    thread_id      TEXT NOT NULL REFERENCES vdp_threads (id) ON DELETE CASCADE,
    case_id        TEXT NOT NULL REFERENCES vdp_cases (id) ON DELETE CASCADE,
    author_user_id TEXT REFERENCES users (id),
    author_org_id  TEXT REFERENCES orgs (id),
    author_name    TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX vdp_posts_thread ON vdp_posts (thread_id, seq);
CREATE INDEX vdp_posts_case ON vdp_posts (case_id, seq);

-- The case timeline. Visibility as for threads; org_id narrows an event
-- to one participant (a vendor's own statement history) and the center.
CREATE TABLE vdp_events (
    seq        BIGSERIAL PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES vdp_cases (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    summary    TEXT NOT NULL,
    visibility TEXT NOT NULL,       -- internal, participants
    org_id     TEXT,
    actor      TEXT NOT NULL,
    anchor     TEXT NOT NULL DEFAULT '', -- the item on the case page it points to
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX vdp_events_case ON vdp_events (case_id, seq);

-- What each user has seen of each case, for unread marks.
CREATE TABLE vdp_reads (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    case_id    TEXT NOT NULL REFERENCES vdp_cases (id) ON DELETE CASCADE,
    event_seq  BIGINT NOT NULL DEFAULT 0,
    post_seq   BIGINT NOT NULL DEFAULT 0,
    seen_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, case_id)
);

-- CVE IDs the center holds as a CNA, assigned to vulnerabilities one by one.
CREATE TABLE vdp_cve_pool (
    cve_id      TEXT PRIMARY KEY,
    vuln_id     TEXT UNIQUE REFERENCES vdp_vulns (id) ON DELETE SET NULL,
    added_at    TIMESTAMPTZ NOT NULL,
    assigned_at TIMESTAMPTZ
);

-- Counters for human-facing numbers (tracking IDs, case numbers) per year.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
