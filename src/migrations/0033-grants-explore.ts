// Grants explorer (issue 17, explore and publish): full-text search and filters across every publisher's
// current grants.
//
// - search_vector: the words of a grant's title, description and recipient's name (not an individual's
//   name: an individual is never findable by name), kept by PostgreSQL itself (a stored generated column), so
//   every way grants arrive (row inserts, COPY) fills it. English stemming: "gardens" finds "garden".
// - recipient_kind: registered charity, company, unregistered group or individual, read from the recipient's
//   org-id prefix (GB-CHC / GB-SC / GB-NIC a charity register, GB-COH Companies House, 360G- a funder's own id
//   for a group with no registration); 'other' for any other register (a school, a public body …).
//
// The explorer searches across publishers, so these indexes are led by the filter they serve, not by
// organisation_id (on a sharded cluster each shard holds its own copy of them; the filters do not name one
// publisher). Each filter's index carries award_date (results are newest first) and INCLUDEs currency and
// amount, so the totals of a filter are an index-only scan. All are partial on is_current: replaced versions
// are never searched.
export const statements = [
  `ALTER TABLE grants_grants ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
     to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(description, '') || ' ' ||
       CASE WHEN recipient_type = 'individual' THEN '' ELSE coalesce(recipient_name, '') END)
   ) STORED`,
  `ALTER TABLE grants_grants ADD COLUMN recipient_kind text GENERATED ALWAYS AS (
     CASE
       WHEN recipient_type = 'individual' THEN 'individual'
       WHEN upper(recipient_org_id) LIKE 'GB-CHC-%' OR upper(recipient_org_id) LIKE 'GB-SC-%' OR upper(recipient_org_id) LIKE 'GB-NIC-%' THEN 'charity'
       WHEN upper(recipient_org_id) LIKE 'GB-COH-%' THEN 'company'
       WHEN upper(recipient_org_id) LIKE '360G-%' THEN 'unregistered'
       ELSE 'other'
     END
   ) STORED`,
  `CREATE INDEX grants_grants_search ON grants_grants USING gin (search_vector) WHERE is_current`,
  `CREATE INDEX grants_explore_award_date ON grants_grants (award_date, grant_id) INCLUDE (currency, amount_minor) WHERE is_current`,
  `CREATE INDEX grants_explore_funder ON grants_grants (funder_org_id, award_date) INCLUDE (currency, amount_minor) WHERE is_current`,
  `CREATE INDEX grants_explore_funder_name ON grants_grants (lower(funder_name), award_date) INCLUDE (currency, amount_minor) WHERE is_current`,
  `CREATE INDEX grants_explore_recipient ON grants_grants (recipient_org_id, award_date) INCLUDE (currency, amount_minor) WHERE is_current`,
  `CREATE INDEX grants_explore_recipient_name ON grants_grants (lower(recipient_name), award_date) INCLUDE (currency, amount_minor) WHERE is_current AND recipient_type = 'organisation'`,
  `CREATE INDEX grants_explore_programme ON grants_grants (lower(programme), award_date) INCLUDE (currency, amount_minor) WHERE is_current`,
  `CREATE INDEX grants_explore_la ON grants_grants (la_code, award_date) INCLUDE (currency, amount_minor) WHERE is_current`,
  `CREATE INDEX grants_explore_small_area ON grants_grants (small_area_code, award_date) INCLUDE (currency, amount_minor) WHERE is_current AND recipient_type = 'organisation'`,
  `CREATE INDEX grants_explore_regrant ON grants_grants (regrant_type, award_date) INCLUDE (currency, amount_minor) WHERE is_current AND regrant_type IS NOT NULL`,
  `CREATE INDEX grants_explore_recipient_kind ON grants_grants (recipient_kind, award_date) INCLUDE (currency, amount_minor) WHERE is_current`,
  `CREATE INDEX grants_explore_amount ON grants_grants (currency, amount_minor) INCLUDE (award_date) WHERE is_current`,
];
