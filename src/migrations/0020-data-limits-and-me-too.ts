// Data handling (issue 15):
// - spend_import_limits: a site administrator's limits for one publisher's files (decompressed bytes, physical
//   lines); null leaves the global limit (COMMONWEAL_IMPORT_MAX_BYTES / _LINES, else 2 GB / 5,000,000).
// - voice_me_too_requests: a "me too" from someone not signed in counts once they follow the link emailed to
//   them, once per mailbox (the voter hash is of the canonical email), like a petition signature.
export const statements = [
  `CREATE TABLE spend_import_limits (
     organisation_id uuid PRIMARY KEY REFERENCES organisations(id),
     max_bytes bigint CHECK (max_bytes > 0),
     max_lines bigint CHECK (max_lines > 0),
     updated_by uuid REFERENCES users(id),
     updated_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE voice_me_too_requests (
     token_hash text PRIMARY KEY,
     story_id uuid NOT NULL REFERENCES voice_stories(id),
     voter_hash text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     confirmed_at timestamptz
   )`,
  `CREATE INDEX voice_me_too_requests_story ON voice_me_too_requests (story_id, voter_hash)`,
];
