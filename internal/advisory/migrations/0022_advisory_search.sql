-- The public listing's text search reads an index of words instead of
-- matching every published revision's text with LIKE: on PostgreSQL a
-- generated tsvector with a GIN index, on SQLite an FTS5 table the
-- triggers keep in step with the published text (pub_search). Words are
-- split alike on both (letters and digits; case and accents ignored on
-- SQLite, case on PostgreSQL's 'simple' configuration).
ALTER TABLE advisories ADD COLUMN pub_words tsvector GENERATED ALWAYS AS (to_tsvector('simple', pub_search)) STORED; -- sqlite: CREATE VIRTUAL TABLE advisory_search USING fts5 (advisory_id UNINDEXED, words, tokenize = 'unicode61 remove_diacritics 2');
CREATE INDEX advisories_pub_words ON advisories USING GIN (pub_words); -- sqlite: INSERT INTO advisory_search (advisory_id, words) SELECT id, pub_search FROM advisories WHERE pub_search <> '';
SELECT 1; -- sqlite: CREATE TRIGGER advisory_search_insert AFTER INSERT ON advisories WHEN new.pub_search <> '' BEGIN INSERT INTO advisory_search (advisory_id, words) VALUES (new.id, new.pub_search); END;
SELECT 1; -- sqlite: CREATE TRIGGER advisory_search_update AFTER UPDATE OF pub_search ON advisories BEGIN DELETE FROM advisory_search WHERE advisory_id = old.id; INSERT INTO advisory_search (advisory_id, words) SELECT new.id, new.pub_search WHERE new.pub_search <> ''; END;
SELECT 1; -- sqlite: CREATE TRIGGER advisory_search_delete AFTER DELETE ON advisories BEGIN DELETE FROM advisory_search WHERE advisory_id = old.id; END;
