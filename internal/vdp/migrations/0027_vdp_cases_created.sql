-- Cases by creation: the case list's order, and what other domains' watches
-- read since their mark (procurement's approved products).
CREATE INDEX vdp_cases_created ON vdp_cases (created_at, id);
