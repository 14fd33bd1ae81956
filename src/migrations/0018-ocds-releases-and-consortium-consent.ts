// Two changes to what is published about contracts.
//
// - Outcomes' OCDS implementation releases are stored as published, like commissioning's: minted once when the
//   payments, outcomes or payers they describe change, never changed or deleted afterwards (the database
//   refuses UPDATE and DELETE), each with a stable id `<ocid>-outcomes-<contract>-<seq>` and the date of the
//   change. `content_sha256` is the hash of the release without its id and date, so a change that leaves the
//   published content as it was mints nothing. Contracts linked before this migration get their first release
//   on first read (outcomes.ocds.ts), dated from their own records, so every reader mints the same one.
// - Consortium members join a bid only by consent. Each member of a bid carries its consent: `invited` until
//   one of its administrators accepts or declines (the lead consents by bidding). A bid whose members have not
//   all accepted is `awaiting-partners`: lodged and sealed, but not submitted — not evaluated, not counted, not
//   published, not awardable — and it becomes `submitted` when the last member accepts, before the deadline.
//   Existing rows: leads, and members of bids whose deadline has passed (already evaluated, awarded or published,
//   and not to be rewritten), are marked accepted with no responder or time (named before consent was asked);
//   members of bids still open are invited, and those bids await their partners.
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

  // ---- Consortium consent ----
  `ALTER TABLE commissioning_bid_members ADD COLUMN consent text NOT NULL DEFAULT 'invited' CHECK (consent IN ('invited', 'accepted', 'declined'))`,
  `ALTER TABLE commissioning_bid_members ADD COLUMN invited_at timestamptz NOT NULL DEFAULT now()`,
  `ALTER TABLE commissioning_bid_members ADD COLUMN responded_by uuid REFERENCES users(id)`,
  `ALTER TABLE commissioning_bid_members ADD COLUMN responded_at timestamptz`,
  `UPDATE commissioning_bid_members m SET consent = 'accepted'
     WHERE m.is_lead OR EXISTS (SELECT 1 FROM commissioning_processes p
                                 WHERE p.organisation_id = m.organisation_id AND p.id = m.process_id
                                   AND (p.bid_deadline <= now() OR p.status <> 'active'))`,
  `ALTER TABLE commissioning_bid_members ADD CONSTRAINT commissioning_bid_members_lead_consents CHECK (NOT is_lead OR consent = 'accepted')`,
  `ALTER TABLE commissioning_bid_members ADD CONSTRAINT commissioning_bid_members_response CHECK ((consent = 'invited') = (responded_at IS NULL) OR (consent = 'accepted' AND responded_at IS NULL))`,
  `CREATE INDEX commissioning_bid_members_invited ON commissioning_bid_members (member_organisation_id) WHERE consent = 'invited'`,
  `ALTER TABLE commissioning_bids DROP CONSTRAINT commissioning_bids_status_check`,
  `ALTER TABLE commissioning_bids ADD CONSTRAINT commissioning_bids_status_check CHECK (status IN ('awaiting-partners', 'submitted', 'withdrawn'))`,
  `UPDATE commissioning_bids b SET status = 'awaiting-partners'
     WHERE b.status = 'submitted' AND EXISTS (SELECT 1 FROM commissioning_bid_members m
                                               WHERE m.organisation_id = b.organisation_id AND m.process_id = b.process_id
                                                 AND m.bid_id = b.id AND m.consent <> 'accepted')`,
  // The database's own rule, checked at commit (deferred, so a transaction may replace members and then set the
  // status): a submitted bid has every member's acceptance.
  `CREATE FUNCTION commissioning_bid_consented() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE b commissioning_bids%ROWTYPE; bid uuid;
   BEGIN
     -- A record's fields are resolved when reached: each table's row is read only through its own columns.
     IF TG_TABLE_NAME = 'commissioning_bids' THEN bid := NEW.id; ELSE bid := NEW.bid_id; END IF;
     SELECT * INTO b FROM commissioning_bids WHERE organisation_id = NEW.organisation_id AND process_id = NEW.process_id AND id = bid;
     IF b.status = 'submitted' AND EXISTS (SELECT 1 FROM commissioning_bid_members m
          WHERE m.organisation_id = b.organisation_id AND m.process_id = b.process_id AND m.bid_id = b.id AND m.consent <> 'accepted') THEN
       RAISE EXCEPTION 'bid % cannot be submitted: not every consortium member has accepted', b.id USING ERRCODE = 'check_violation';
     END IF;
     RETURN NULL;
   END $$`,
  `CREATE CONSTRAINT TRIGGER commissioning_bids_consented AFTER INSERT OR UPDATE ON commissioning_bids
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commissioning_bid_consented()`,
  `CREATE CONSTRAINT TRIGGER commissioning_bid_members_consented AFTER INSERT OR UPDATE ON commissioning_bid_members
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commissioning_bid_consented()`,
];
