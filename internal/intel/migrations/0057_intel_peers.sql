-- Peers: other certhub instances this one exchanges intelligence with (a
-- federation link). A peer reads through its account (user_id) and is read
-- through a pulled source (source_num). Both ways nothing crosses above the
-- agreed TLP ceiling: what the account is served stops at it, and what the
-- source brings above it is rejected. What came from a peer is never served
-- back to it.
CREATE TABLE intel_peers (
    peer        TEXT PRIMARY KEY,                     -- the caller's name for it (a link's id)
    user_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
    source_num  BIGINT REFERENCES intel_sources (num) ON DELETE SET NULL,
    ceiling     TEXT NOT NULL
);
CREATE INDEX intel_peers_user ON intel_peers (user_id);
CREATE INDEX intel_peers_source ON intel_peers (source_num);
