-- The people named as recipients of a source's TLP:RED intelligence: with
-- the center's staff, its only readers (TLP 2.0: RED is "for the eyes and
-- ears of individual recipients only"). Members of the organisation that
-- owns the source read the rest of what it reported, RED no longer.
CREATE TABLE intel_source_readers (
    source_num BIGINT NOT NULL REFERENCES intel_sources (num) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    PRIMARY KEY (source_num, user_id)
);
CREATE INDEX intel_source_readers_user ON intel_source_readers (user_id, source_num);
