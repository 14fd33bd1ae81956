// Grants at a million (issue 17's speed targets).
//
// - grants_files.funders, .recipients: a file is read and stored as a stream (grants.stream.ts, grants.store.ts),
//   so the same bytes again are answered from the file's row without reading the file a second time: the row
//   keeps the two figures of the summary it did not keep. Null for files stored before.
// - grants_area_totals: each publisher's current grants summed by small area (or, for a grant with none, its
//   location's precision) and currency, for the whole publisher (scope 'publisher') and for each programme
//   (scope 'programme') — what the fairness lens of a publisher or a programme reads (about a row per small
//   area: ≈45,000 for a million grants, not the million). Rebuilt for the publisher in the transaction of every
//   import, publish and withdrawal, so it is never out of step; '' stands for "none" in the key.
// - grants_grants_fairness_funder: the fairness of a funder across publishers by an index-only scan (its
//   funder_org_id is compared upper-cased), instead of reading every current grant.
export const statements = [
  `ALTER TABLE grants_files ADD COLUMN funders integer`,
  `ALTER TABLE grants_files ADD COLUMN recipients integer`,
  `CREATE TABLE grants_area_totals (
     organisation_id uuid NOT NULL,
     scope text NOT NULL CHECK (scope IN ('publisher', 'programme')),
     programme text NOT NULL,
     small_area_code text NOT NULL,
     location_precision text NOT NULL,
     currency text NOT NULL,
     grants integer NOT NULL CHECK (grants > 0),
     total numeric NOT NULL,
     PRIMARY KEY (organisation_id, scope, programme, small_area_code, location_precision, currency),
     CHECK (scope = 'programme' OR programme = '')
   )`,
  `INSERT INTO grants_area_totals (organisation_id, scope, programme, small_area_code, location_precision, currency, grants, total)
   SELECT organisation_id, 'publisher', '', coalesce(small_area_code, ''), CASE WHEN small_area_code IS NULL THEN coalesce(location_precision, '') ELSE '' END,
          currency, count(*), sum(amount_minor)
     FROM grants_grants WHERE is_current GROUP BY 1, 4, 5, 6`,
  `INSERT INTO grants_area_totals (organisation_id, scope, programme, small_area_code, location_precision, currency, grants, total)
   SELECT organisation_id, 'programme', programme, coalesce(small_area_code, ''), CASE WHEN small_area_code IS NULL THEN coalesce(location_precision, '') ELSE '' END,
          currency, count(*), sum(amount_minor)
     FROM grants_grants WHERE is_current AND programme IS NOT NULL GROUP BY 1, 3, 4, 5, 6`,
  `CREATE INDEX grants_grants_fairness_funder ON grants_grants (upper(funder_org_id), small_area_code) INCLUDE (funder_org_id, amount_minor, currency, location_precision) WHERE is_current`,
];
