-- What the watch has already put under review, and why: it reads each
-- source again from a little before its mark (a publication or a case
-- committed late, its time before the mark, is not missed), and a product
-- staff cleared is not put under review again for the same notice.
CREATE TABLE procurement_watch_hits (
    ref         TEXT NOT NULL,                       -- advisory tracking ID, case number, OSV id
    product_id  TEXT NOT NULL REFERENCES procurement_products (id) ON DELETE CASCADE,
    at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ref, product_id)
);
CREATE INDEX procurement_watch_hits_at ON procurement_watch_hits (at);
