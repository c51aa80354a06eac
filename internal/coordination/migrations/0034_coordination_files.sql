-- Files attached to incidents and to threads' posts: the metadata here,
-- the content in the data directory's attachments, by SHA-256
-- (internal/platform/files).
CREATE TABLE coordination_incident_files (
    id              TEXT PRIMARY KEY,
    incident_id     TEXT NOT NULL REFERENCES coordination_incidents (id) ON DELETE CASCADE,
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL,                       -- sniffed, not what the uploader claimed
    size            BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    uploaded_by     TEXT NOT NULL,
    uploaded_org_id TEXT,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX coordination_incident_files_incident ON coordination_incident_files (incident_id, created_at);

CREATE TABLE coordination_thread_files (
    id           TEXT PRIMARY KEY,
    thread_id    TEXT NOT NULL REFERENCES coordination_threads (id) ON DELETE CASCADE,
    post_id      TEXT NOT NULL,                          -- the post that carries it
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX coordination_thread_files_thread ON coordination_thread_files (thread_id, created_at);
