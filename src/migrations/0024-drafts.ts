// Drafts: what a publisher uploads (spending, senior salaries, and later grants) is held as a draft until its
// publisher has checked it (DESIGN.md). One mechanism in the platform: a draft has an owner organisation, a
// kind (which module's upload it is), a creator, the check result its module worked out, an expiry, and a
// state: draft → published | discarded | expired. The uploaded bytes are kept beside it, in pieces, so the
// publisher can change how the file is read and see it read again.
//
// Spending files can also be withdrawn once published: they leave the totals and stay in the record, marked
// withdrawn, with when, by whom and why.
export const statements = [
  `CREATE TABLE platform_drafts (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     kind text NOT NULL,
     state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published', 'discarded', 'expired')),
     title text NOT NULL,
     filename text,
     fingerprint text,
     payload jsonb NOT NULL,
     check_result jsonb NOT NULL,
     created_by uuid,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     expires_at timestamptz NOT NULL,
     closed_by uuid,
     closed_at timestamptz,
     result_id text,
     PRIMARY KEY (organisation_id, id)
   )`,
  // A draft is opened by its id alone (a link in an email or the API), then checked against its owner.
  `CREATE UNIQUE INDEX platform_drafts_id ON platform_drafts (id)`,
  // The same bytes are one open draft per publisher and kind.
  `CREATE UNIQUE INDEX platform_drafts_open_fingerprint ON platform_drafts (organisation_id, kind, fingerprint) WHERE state = 'draft'`,
  // The clean-up reads the open drafts past their expiry.
  `CREATE INDEX platform_drafts_expiry ON platform_drafts (expires_at) WHERE state = 'draft'`,
  `CREATE TABLE platform_draft_bytes (
     organisation_id uuid NOT NULL,
     draft_id uuid NOT NULL,
     piece integer NOT NULL,
     data bytea NOT NULL,
     PRIMARY KEY (organisation_id, draft_id, piece),
     FOREIGN KEY (organisation_id, draft_id) REFERENCES platform_drafts (organisation_id, id) ON DELETE CASCADE
   )`,
  // Uploads are mostly gzip or CSV that the reader needs back whole: not compressed again by TOAST.
  `ALTER TABLE platform_draft_bytes ALTER COLUMN data SET STORAGE EXTERNAL`,
  `ALTER TABLE spend_files DROP CONSTRAINT spend_files_status_check`,
  `ALTER TABLE spend_files ADD CONSTRAINT spend_files_status_check CHECK (status IN ('current', 'replaced', 'withdrawn'))`,
  `ALTER TABLE spend_files ADD COLUMN withdrawn_at timestamptz`,
  `ALTER TABLE spend_files ADD COLUMN withdrawn_by uuid`,
  `ALTER TABLE spend_files ADD COLUMN withdrawn_reason text`,
  `ALTER TABLE spend_files ADD CONSTRAINT spend_files_withdrawn CHECK ((status = 'withdrawn') = (withdrawn_at IS NOT NULL AND withdrawn_reason IS NOT NULL))`,
];
