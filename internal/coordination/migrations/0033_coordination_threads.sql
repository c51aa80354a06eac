-- Threads between organisations: a discussion of two or more
-- organisations under a TLP marking that limits who may be added.
CREATE TABLE coordination_threads (
    id             TEXT PRIMARY KEY,
    title          TEXT NOT NULL,
    tlp            TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_org_id TEXT NOT NULL REFERENCES orgs (id),
    created_at     TIMESTAMPTZ NOT NULL,
    last_post_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX coordination_threads_last ON coordination_threads (last_post_at, id);

-- The organisations of a thread: their members read and write it.
CREATE TABLE coordination_thread_orgs (
    thread_id TEXT NOT NULL REFERENCES coordination_threads (id) ON DELETE CASCADE,
    org_id    TEXT NOT NULL REFERENCES orgs (id),
    added_by  TEXT NOT NULL,
    added_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (thread_id, org_id)
);
CREATE INDEX coordination_thread_orgs_org ON coordination_thread_orgs (org_id, thread_id);

CREATE TABLE coordination_posts (
    seq            BIGSERIAL PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    thread_id      TEXT NOT NULL REFERENCES coordination_threads (id) ON DELETE CASCADE,
    author_user_id TEXT REFERENCES users (id),
    author_org_id  TEXT REFERENCES orgs (id),
    author_name    TEXT NOT NULL,
    body           TEXT NOT NULL,
    via            TEXT NOT NULL DEFAULT 'web',
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX coordination_posts_thread ON coordination_posts (thread_id, seq);

-- What each member has read of each thread.
CREATE TABLE coordination_thread_reads (
    thread_id TEXT NOT NULL REFERENCES coordination_threads (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq       BIGINT NOT NULL,
    PRIMARY KEY (thread_id, user_id)
);
