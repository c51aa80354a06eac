-- A periodic report counts the assessments of the CERT's constituents
-- reported in the period and their remediation actions overdue at its
-- end.
ALTER TABLE governance_reports ADD COLUMN assessments_reported INTEGER NOT NULL DEFAULT 0;
ALTER TABLE governance_reports ADD COLUMN remediation_overdue INTEGER NOT NULL DEFAULT 0;
