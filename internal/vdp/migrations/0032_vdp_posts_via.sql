-- How a post arrived: through the console or the API (web), or as a reply
-- by e-mail (email), now that case threads and the threads between
-- organisations share one mechanism (internal/platform/threads).
ALTER TABLE vdp_posts ADD COLUMN via TEXT NOT NULL DEFAULT 'web';
