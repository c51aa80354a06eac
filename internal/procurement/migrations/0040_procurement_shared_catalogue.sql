-- The catalogue mechanism is shared with governance's control baselines
-- (platform/catalogue): a requirement may name its family, a result the
-- severity of a shortfall.
ALTER TABLE procurement_requirements ADD COLUMN family TEXT NOT NULL DEFAULT '';
ALTER TABLE procurement_evaluation_results ADD COLUMN severity TEXT NOT NULL DEFAULT '';
