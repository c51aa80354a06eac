-- Threat intelligence: pulled sources, runs, digest schedules.

-- A pulled source (kind url, misp_feed or taxii) is fetched every
-- interval_s seconds while enabled; next_run_at is when the scheduler
-- queues it next. auth_sealed holds its credentials sealed with the
-- server's key (JSON: username, password, header); state what it resumes
-- from (JSON: an HTTP validator, the MISP events' timestamps, TAXII's last
-- date_added).
ALTER TABLE intel_sources ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE intel_sources ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE intel_sources ADD COLUMN interval_s BIGINT NOT NULL DEFAULT 0;
ALTER TABLE intel_sources ADD COLUMN next_run_at TIMESTAMPTZ;
ALTER TABLE intel_sources ADD COLUMN auth_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE intel_sources ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE intel_sources ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
CREATE INDEX intel_sources_due ON intel_sources (next_run_at);

-- Every load into a source: a push (API, command line, TAXII) or a pull.
-- Counts grow batch by batch while it runs (the progress pages show).
CREATE TABLE intel_runs (
    id           TEXT PRIMARY KEY,
    source_num   BIGINT NOT NULL REFERENCES intel_sources (num) ON DELETE CASCADE,
    via          TEXT NOT NULL,                      -- api, cli, taxii, schedule, manual
    status       TEXT NOT NULL,                      -- queued, running, ok, failed
    actor        TEXT NOT NULL DEFAULT '',
    bytes        BIGINT NOT NULL DEFAULT 0,          -- the input's size when known
    read_bytes   BIGINT NOT NULL DEFAULT 0,
    n_new        BIGINT NOT NULL DEFAULT 0,
    n_updated    BIGINT NOT NULL DEFAULT 0,
    n_rejected   BIGINT NOT NULL DEFAULT 0,
    n_objects    BIGINT NOT NULL DEFAULT 0,
    errors       TEXT NOT NULL DEFAULT '[]',         -- JSON: the first rejections, [{line, message}]
    message      TEXT NOT NULL DEFAULT '',           -- why it failed, or what it fetched
    created_at   TIMESTAMPTZ NOT NULL,
    started_at   TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX intel_runs_source ON intel_runs (source_num, created_at);
CREATE INDEX intel_runs_created ON intel_runs (created_at);

-- How often each constituent wants its digest of what was routed to it.
CREATE TABLE intel_digest_settings (
    org_id          TEXT PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    schedule        TEXT NOT NULL DEFAULT 'hourly',  -- hourly, daily, weekly, never
    last_sent_at    TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ NOT NULL
);
