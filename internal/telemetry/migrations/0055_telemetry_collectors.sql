-- The NetFlow/IPFIX collector on every node (internal/telemetry/collector.go).
-- An exporter's packets may reach any node: its templates are kept here
-- for every node to decode its data with, and each node's sums of a
-- gateway's minute are parts, added up into the minute's one summary once
-- every node has flushed it.
CREATE TABLE telemetry_flow_templates (
    exporter    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    domain      BIGINT NOT NULL,
    template_id INTEGER NOT NULL,
    body        TEXT NOT NULL,      -- JSON: {"kind": "template" | "ipfix-options" | "v9-options", "template": …}
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (exporter, version, domain, template_id)
);
CREATE TABLE telemetry_flow_parts (
    id         BIGSERIAL PRIMARY KEY,
    gateway_id TEXT NOT NULL REFERENCES telemetry_gateways (id) ON DELETE CASCADE,
    start_unix BIGINT NOT NULL,
    ends_unix  BIGINT NOT NULL,
    body       TEXT NOT NULL,       -- JSON: one collector's sums of the interval
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX telemetry_flow_parts_ends ON telemetry_flow_parts (ends_unix);
