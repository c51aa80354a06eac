-- Where a file's bytes are (internal/platform/files): 'db' in file_chunks,
-- 's3' in the S3-compatible bucket the nodes are configured with
-- (--files-s3), named by its SHA-256.
ALTER TABLE file_blobs ADD COLUMN location TEXT NOT NULL DEFAULT 'db';
