// Two changes to what is published about contracts.
//
// - Outcomes' OCDS implementation releases are stored as published, like commissioning's: minted once when the
//   payments, outcomes or payers they describe change, never changed or deleted afterwards (the database
//   refuses UPDATE and DELETE), each with a stable id `<ocid>-outcomes-<contract>-<seq>` and the date of the
//   change. `content_sha256` is the hash of the release without its id and date, so a change that leaves the
//   published content as it was mints nothing. Contracts linked before this migration get their first release
//   on first read (outcomes.ocds.ts), dated from their own records, so every reader mints the same one.
// - Consortium members join a bid only by consent (see the second part below).
export const statements = [
  `CREATE TABLE outcome_releases (
     organisation_id uuid NOT NULL,
     contract_id uuid NOT NULL,
     seq integer NOT NULL CHECK (seq >= 1),
     ocid text NOT NULL,
     release_id text NOT NULL,
     content_sha256 text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
     release jsonb NOT NULL,
     published_at timestamptz NOT NULL,
     PRIMARY KEY (organisation_id, contract_id, seq),
     FOREIGN KEY (organisation_id, contract_id) REFERENCES outcome_contracts (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX outcome_releases_release_id ON outcome_releases (ocid, release_id)`,
  `CREATE INDEX outcome_releases_ocid ON outcome_releases (organisation_id, contract_id, ocid, seq)`,
  `CREATE FUNCTION outcome_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
   END $$`,
  `CREATE TRIGGER outcome_releases_append_only BEFORE UPDATE OR DELETE ON outcome_releases
     FOR EACH ROW EXECUTE FUNCTION outcome_append_only()`,
];
