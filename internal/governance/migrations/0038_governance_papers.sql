-- The council's papers: files attached to a meeting (and to one of its
-- agenda items), kept in the file store by their SHA-256; read by the
-- council's members only.
CREATE TABLE governance_papers (
    id           TEXT PRIMARY KEY,
    meeting_id   TEXT NOT NULL REFERENCES governance_meetings (id) ON DELETE CASCADE,
    item_id      TEXT REFERENCES governance_agenda_items (id) ON DELETE SET NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX governance_papers_meeting ON governance_papers (meeting_id, created_at);
