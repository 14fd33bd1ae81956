// Grants (issue 17): 360Giving files as funders publish them, and the grants they hold.
//
// - grants_files: one row per published file of a publisher (the funder that uploads it): its SHA-256 (the
//   same bytes again change nothing), what was read, rejected and repaired, and its state. Like spend files a
//   file can later be withdrawn (it stays in the record, with when, by whom and why).
// - grants_grants: one row per version of a grant. A grant is known by its publisher and its 360Giving id; a
//   newer file that holds the same id makes a new version and marks the old one replaced (kept, never
//   deleted), so the difference can be shown. One current version per publisher and id (partial unique index).
//   Money is integer minor units (pence for GBP) with its currency: other currencies are never added to pounds.
//   Locations keep the code the file gave, where it came from (beneficiary, recipient, postcode) and how
//   precise it is, and the small area (LSOA 2011 / data zone 2011) and local authority resolved from it where
//   the code or the postcode allows. The grant's JSON, as read (after repairs), is kept whole.
// Keys and indexes lead with organisation_id (the publisher), as every publisher-owned table does; the indexes
// serve the explorer's filters to come (funder, recipient, award date, local authority, small area, programme).
export const statements = [
  `CREATE TABLE grants_files (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
     filename text,
     format text NOT NULL CHECK (format IN ('json', 'csv')),
     status text NOT NULL DEFAULT 'current' CHECK (status IN ('current', 'withdrawn')),
     grants_read integer NOT NULL,
     grants_rejected integer NOT NULL,
     grants_new integer NOT NULL,
     grants_changed integer NOT NULL,
     grants_unchanged integer NOT NULL,
     gbp_total_pence bigint NOT NULL,
     other_currencies jsonb NOT NULL DEFAULT '{}',
     first_award_date date,
     last_award_date date,
     problems jsonb NOT NULL DEFAULT '[]',
     rejected jsonb NOT NULL DEFAULT '[]',
     draft_id uuid,
     created_by uuid,
     created_at timestamptz NOT NULL DEFAULT now(),
     withdrawn_at timestamptz,
     withdrawn_by uuid,
     withdrawn_reason text,
     PRIMARY KEY (organisation_id, id),
     CONSTRAINT grants_files_withdrawn CHECK ((status = 'withdrawn') = (withdrawn_at IS NOT NULL AND withdrawn_reason IS NOT NULL))
   )`,
  `CREATE UNIQUE INDEX grants_files_sha256 ON grants_files (organisation_id, sha256)`,
  `CREATE TABLE grants_grants (
     organisation_id uuid NOT NULL,
     grant_id text NOT NULL CHECK (length(grant_id) BETWEEN 1 AND 500),
     version integer NOT NULL CHECK (version >= 1),
     file_id uuid NOT NULL,
     is_current boolean NOT NULL DEFAULT true,
     replaced_at timestamptz,
     title text NOT NULL,
     description text,
     amount_minor bigint NOT NULL,
     currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
     award_date date NOT NULL,
     funder_org_id text,
     funder_name text,
     recipient_org_id text,
     recipient_name text,
     recipient_type text NOT NULL CHECK (recipient_type IN ('organisation', 'individual')),
     programme text,
     regrant_type text,
     related_activity text[] NOT NULL DEFAULT '{}',
     location_code text,
     location_code_type text,
     location_name text,
     location_postcode text,
     location_source text CHECK (location_source IN ('beneficiary', 'recipient', 'postcode')),
     location_precision text CHECK (location_precision IN ('small-area', 'postcode', 'ward', 'local-authority', 'region', 'country')),
     small_area_code text,
     la_code text,
     raw jsonb NOT NULL,
     PRIMARY KEY (organisation_id, grant_id, version),
     FOREIGN KEY (organisation_id, file_id) REFERENCES grants_files (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX grants_grants_current ON grants_grants (organisation_id, grant_id) WHERE is_current`,
  `CREATE INDEX grants_grants_file ON grants_grants (organisation_id, file_id)`,
  `CREATE INDEX grants_grants_award_date ON grants_grants (organisation_id, award_date) WHERE is_current`,
  `CREATE INDEX grants_grants_funder ON grants_grants (organisation_id, funder_org_id, award_date) WHERE is_current`,
  `CREATE INDEX grants_grants_recipient ON grants_grants (organisation_id, recipient_org_id) WHERE is_current`,
  `CREATE INDEX grants_grants_la ON grants_grants (organisation_id, la_code) WHERE is_current`,
  `CREATE INDEX grants_grants_small_area ON grants_grants (organisation_id, small_area_code) WHERE is_current`,
  `CREATE INDEX grants_grants_programme ON grants_grants (organisation_id, programme) WHERE is_current`,
];
