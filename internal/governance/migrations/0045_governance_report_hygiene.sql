-- A periodic report counts the serious (high or critical) hygiene
-- findings of the CERT's constituents opened and fixed in the period.
ALTER TABLE governance_reports ADD COLUMN hygiene_opened INTEGER NOT NULL DEFAULT 0;
ALTER TABLE governance_reports ADD COLUMN hygiene_fixed INTEGER NOT NULL DEFAULT 0;
