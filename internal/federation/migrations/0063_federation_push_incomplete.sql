-- Intelligence pushed rather than pulled: push, we send ours to the peer's
-- collection (the peer cannot reach us); peer_push, the peer sends its to
-- ours (we do not pull). push_next_at: when a push that failed is tried
-- again (NULL: at the next check).
ALTER TABLE federation_links ADD COLUMN push BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE federation_links ADD COLUMN peer_push BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE federation_links ADD COLUMN push_next_at TIMESTAMPTZ;

-- A transfer whose record was made at the receiving side but part of its
-- thread or files not: what is missing and why (recorded all the same, so
-- that a retry is a replay, not a second record).
ALTER TABLE federation_transfers ADD COLUMN incomplete TEXT NOT NULL DEFAULT '';
