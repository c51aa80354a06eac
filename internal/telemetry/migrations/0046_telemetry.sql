-- Gateway telemetry: the constituents' internet gateways (each with its
-- own ingest token), the interval summaries they send, hourly sums kept
-- as the summaries arrive (what baselines read), anomalies with what the
-- organisation or its CERT made of them, and why lines were refused.

CREATE TABLE telemetry_gateways (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    sector        TEXT NOT NULL DEFAULT '',
    cert_org_id   TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    exporter      TEXT NOT NULL DEFAULT '',          -- the address its NetFlow/IPFIX packets come from ('' when it sends summaries)
    token_hash    TEXT NOT NULL UNIQUE,              -- SHA-256 of the ingest token, hex
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ,
    judged_until  BIGINT NOT NULL DEFAULT 0,         -- the first hour (unix hours) not yet judged
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX telemetry_gateways_org ON telemetry_gateways (org_id);
CREATE INDEX telemetry_gateways_cert ON telemetry_gateways (cert_org_id);
CREATE INDEX telemetry_gateways_exporter ON telemetry_gateways (exporter);

CREATE TABLE telemetry_summaries (
    gateway_id   TEXT NOT NULL,
    start_unix   BIGINT NOT NULL,
    seconds      INTEGER NOT NULL,
    bytes_in     BIGINT NOT NULL,
    bytes_out    BIGINT NOT NULL,
    packets_in   BIGINT NOT NULL,
    packets_out  BIGINT NOT NULL,
    flows        BIGINT NOT NULL,
    drops        BIGINT NOT NULL,
    capacity_bps BIGINT NOT NULL,
    top          TEXT NOT NULL,                      -- JSON: ports, protocols, ASNs, peers
    PRIMARY KEY (gateway_id, start_unix)
);

CREATE TABLE telemetry_hours (
    gateway_id  TEXT NOT NULL,
    hour        BIGINT NOT NULL,                     -- unix hours
    bytes_in    BIGINT NOT NULL,
    bytes_out   BIGINT NOT NULL,
    packets_in  BIGINT NOT NULL,
    packets_out BIGINT NOT NULL,
    flows       BIGINT NOT NULL,
    drops       BIGINT NOT NULL,
    ports       TEXT NOT NULL,                       -- JSON object port → bytes (the top 20)
    peers       TEXT NOT NULL,                       -- JSON object address → bytes (the top 50)
    PRIMARY KEY (gateway_id, hour)
);

CREATE TABLE telemetry_anomalies (
    id             TEXT PRIMARY KEY,
    gateway_id     TEXT NOT NULL,
    org_id         TEXT NOT NULL,
    sector         TEXT NOT NULL DEFAULT '',
    cert_org_id    TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL,                    -- spike_in, spike_out, drop_in, drop_out, new_port, known_indicator
    hour           BIGINT NOT NULL,
    subject        TEXT NOT NULL DEFAULT '',         -- the port or the address, for new_port and known_indicator
    observed       DOUBLE PRECISION NOT NULL,
    expected       DOUBLE PRECISION NOT NULL,
    score          DOUBLE PRECISION NOT NULL,
    detail         TEXT NOT NULL,
    observable_id  BIGINT,                           -- the indicator intel knows
    sources        TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL,                    -- open, acknowledged, dismissed
    note           TEXT NOT NULL DEFAULT '',
    decided_by     TEXT NOT NULL DEFAULT '',
    decided_at     TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (gateway_id, kind, hour, subject)
);
CREATE INDEX telemetry_anomalies_hour ON telemetry_anomalies (hour);
CREATE INDEX telemetry_anomalies_org ON telemetry_anomalies (org_id, hour);
CREATE INDEX telemetry_anomalies_cert ON telemetry_anomalies (cert_org_id, hour);

CREATE TABLE telemetry_rejections (
    gateway_id  TEXT NOT NULL,
    day         TEXT NOT NULL,                       -- YYYY-MM-DD
    reason      TEXT NOT NULL,
    lines       INTEGER NOT NULL,
    PRIMARY KEY (gateway_id, day, reason)
);
