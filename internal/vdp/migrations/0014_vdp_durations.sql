-- Durations the disclosure program's dashboard takes medians of, kept by
-- the database itself (generated columns) and indexed, so a median is a
-- walk of an index, not a sort of every report. Milliseconds; NULL until
-- the later time is set. SQLite adds virtual columns (ALTER TABLE cannot
-- add stored ones); PostgreSQL stores them.
ALTER TABLE vdp_reports ADD COLUMN ack_ms BIGINT GENERATED ALWAYS AS (CAST(ROUND(EXTRACT(EPOCH FROM (acknowledged_at - received_at)) * 1000) AS BIGINT)) STORED; -- sqlite: ALTER TABLE vdp_reports ADD COLUMN ack_ms INTEGER GENERATED ALWAYS AS (CAST(ROUND((julianday(acknowledged_at) - julianday(received_at)) * 86400000.0) AS INTEGER)) VIRTUAL;
ALTER TABLE vdp_reports ADD COLUMN triage_ms BIGINT GENERATED ALWAYS AS (CAST(ROUND(EXTRACT(EPOCH FROM (triaged_at - received_at)) * 1000) AS BIGINT) - paused_seconds * 1000) STORED; -- sqlite: ALTER TABLE vdp_reports ADD COLUMN triage_ms INTEGER GENERATED ALWAYS AS (CAST(ROUND((julianday(triaged_at) - julianday(received_at)) * 86400000.0) AS INTEGER) - paused_seconds * 1000) VIRTUAL;
ALTER TABLE vdp_cases ADD COLUMN fix_ms BIGINT GENERATED ALWAYS AS (CAST(ROUND(EXTRACT(EPOCH FROM (fix_ready_at - created_at)) * 1000) AS BIGINT)) STORED; -- sqlite: ALTER TABLE vdp_cases ADD COLUMN fix_ms INTEGER GENERATED ALWAYS AS (CAST(ROUND((julianday(fix_ready_at) - julianday(created_at)) * 86400000.0) AS INTEGER)) VIRTUAL;
ALTER TABLE vdp_cases ADD COLUMN publish_ms BIGINT GENERATED ALWAYS AS (CAST(ROUND(EXTRACT(EPOCH FROM (disclosed_at - created_at)) * 1000) AS BIGINT)) STORED; -- sqlite: ALTER TABLE vdp_cases ADD COLUMN publish_ms INTEGER GENERATED ALWAYS AS (CAST(ROUND((julianday(disclosed_at) - julianday(created_at)) * 86400000.0) AS INTEGER)) VIRTUAL;
-- For the whole program (staff) and for one responsible CERT.
CREATE INDEX vdp_reports_ack_ms ON vdp_reports (ack_ms) WHERE ack_ms IS NOT NULL;
CREATE INDEX vdp_reports_triage_ms ON vdp_reports (triage_ms) WHERE triage_ms IS NOT NULL;
CREATE INDEX vdp_cases_fix_ms ON vdp_cases (fix_ms) WHERE fix_ms IS NOT NULL;
CREATE INDEX vdp_cases_publish_ms ON vdp_cases (publish_ms) WHERE publish_ms IS NOT NULL;
CREATE INDEX vdp_reports_org_ack_ms ON vdp_reports (assigned_org_id, ack_ms) WHERE ack_ms IS NOT NULL;
CREATE INDEX vdp_reports_org_triage_ms ON vdp_reports (assigned_org_id, triage_ms) WHERE triage_ms IS NOT NULL;
CREATE INDEX vdp_cases_org_fix_ms ON vdp_cases (owner_org_id, fix_ms) WHERE fix_ms IS NOT NULL;
CREATE INDEX vdp_cases_org_publish_ms ON vdp_cases (owner_org_id, publish_ms) WHERE publish_ms IS NOT NULL;
-- The overdue counts read the reports still waiting for a first answer,
-- per responsible CERT, from these indexes alone.
CREATE INDEX vdp_reports_unacknowledged ON vdp_reports (assigned_org_id, received_at) WHERE acknowledged_at IS NULL;
CREATE INDEX vdp_reports_untriaged ON vdp_reports (assigned_org_id, received_at, status, waiting_since, paused_seconds, acknowledged_at)
    WHERE triaged_at IS NULL;
