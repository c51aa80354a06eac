-- Files people attach (internal/platform/files), kept in the database so
-- that every node reads what any node took: one row per content, named by
-- its SHA-256, and its bytes in chunks of at most 256 KiB, read one at a
-- time when the file is downloaded. The row of a file is written in the
-- same transaction as its chunks: a file whose row is there is complete.
-- Which record a file belongs to, and who may read it, is each domain's.
CREATE TABLE file_blobs (
    sha256       TEXT PRIMARY KEY,
    size         BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    chunks       INTEGER NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE TABLE file_chunks (
    sha256 TEXT NOT NULL REFERENCES file_blobs (sha256) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    data   BYTEA NOT NULL,
    PRIMARY KEY (sha256, seq)
);
