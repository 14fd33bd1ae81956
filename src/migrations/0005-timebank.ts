// The time bank: banks, accounts, and a double-entry ledger of transfers and postings in integer minutes.
// The database itself enforces what it can of the ledger's invariants (see src/timebank/timebank.check.ts):
// postings and transfers are append-only; each transfer is exactly two postings of equal size and opposite
// sign, in the transfer's bank (checked at commit); a transfer is reversed at most once, by its mirror image;
// no account goes below its limit. Every table carries the bank's organisation_id leading its primary key.
export const statements = [
  `CREATE TABLE timebank_banks (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX timebank_banks_id ON timebank_banks (id)`,
  `CREATE TABLE timebank_accounts (
     organisation_id uuid NOT NULL,
     bank_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     kind text NOT NULL CHECK (kind IN ('member', 'organisation')),
     user_id uuid REFERENCES users(id),
     holder_organisation_id uuid REFERENCES organisations(id),
     name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
     min_balance bigint,
     balance bigint NOT NULL DEFAULT 0,
     status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, bank_id, id),
     FOREIGN KEY (organisation_id, bank_id) REFERENCES timebank_banks (organisation_id, id),
     CONSTRAINT timebank_accounts_holder CHECK (
       (kind = 'member' AND user_id IS NOT NULL AND holder_organisation_id IS NULL)
       OR (kind = 'organisation' AND holder_organisation_id IS NOT NULL AND user_id IS NULL)),
     -- The limit is the database's rule too, not only the service's: no interleaving can break it.
     CONSTRAINT timebank_accounts_within_limit CHECK (min_balance IS NULL OR balance >= min_balance),
     CONSTRAINT timebank_accounts_limit_not_positive CHECK (min_balance IS NULL OR min_balance <= 0)
   )`,
  `CREATE UNIQUE INDEX timebank_accounts_id ON timebank_accounts (id)`,
  `CREATE UNIQUE INDEX timebank_accounts_member ON timebank_accounts (organisation_id, bank_id, user_id) WHERE user_id IS NOT NULL`,
  `CREATE UNIQUE INDEX timebank_accounts_holder_org ON timebank_accounts (organisation_id, bank_id, holder_organisation_id) WHERE holder_organisation_id IS NOT NULL`,
  `CREATE INDEX timebank_accounts_user ON timebank_accounts (user_id)`,
  `CREATE TABLE timebank_transfers (
     organisation_id uuid NOT NULL,
     bank_id uuid NOT NULL,
     id uuid NOT NULL,
     from_account_id uuid NOT NULL,
     to_account_id uuid NOT NULL,
     minutes bigint NOT NULL CHECK (minutes > 0),
     reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
     request_hash text NOT NULL,
     reverses uuid,
     group_id uuid,
     recorded_by uuid REFERENCES users(id),
     recorded_via text NOT NULL,
     on_behalf boolean NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, bank_id, id),
     CHECK (from_account_id <> to_account_id),
     CHECK (reverses IS NULL OR reverses <> id),
     FOREIGN KEY (organisation_id, bank_id, from_account_id) REFERENCES timebank_accounts (organisation_id, bank_id, id),
     FOREIGN KEY (organisation_id, bank_id, to_account_id) REFERENCES timebank_accounts (organisation_id, bank_id, id),
     FOREIGN KEY (organisation_id, bank_id, reverses) REFERENCES timebank_transfers (organisation_id, bank_id, id)
   )`,
  // A client-chosen id names one transfer everywhere (idempotency), and a transfer is reversed at most once.
  `CREATE UNIQUE INDEX timebank_transfers_id ON timebank_transfers (id)`,
  `CREATE UNIQUE INDEX timebank_transfers_reverses ON timebank_transfers (reverses) WHERE reverses IS NOT NULL`,
  `CREATE INDEX timebank_transfers_bank ON timebank_transfers (organisation_id, bank_id, created_at)`,
  `CREATE TABLE timebank_postings (
     organisation_id uuid NOT NULL,
     bank_id uuid NOT NULL,
     transfer_id uuid NOT NULL,
     account_id uuid NOT NULL,
     minutes bigint NOT NULL CHECK (minutes <> 0),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, bank_id, transfer_id, account_id),
     -- Both keys carry the bank, so a posting's account and its transfer are always in one bank.
     FOREIGN KEY (organisation_id, bank_id, transfer_id) REFERENCES timebank_transfers (organisation_id, bank_id, id),
     FOREIGN KEY (organisation_id, bank_id, account_id) REFERENCES timebank_accounts (organisation_id, bank_id, id)
   )`,
  `CREATE INDEX timebank_postings_account ON timebank_postings (organisation_id, account_id, created_at)`,
  // Append-only, enforced by the database: a correction is a new reversing transfer.
  `CREATE FUNCTION timebank_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
   END $$`,
  `CREATE TRIGGER timebank_postings_no_update_delete BEFORE UPDATE OR DELETE ON timebank_postings
     FOR EACH ROW EXECUTE FUNCTION timebank_append_only()`,
  `CREATE TRIGGER timebank_postings_no_truncate BEFORE TRUNCATE ON timebank_postings
     FOR EACH STATEMENT EXECUTE FUNCTION timebank_append_only()`,
  `CREATE TRIGGER timebank_transfers_no_update_delete BEFORE UPDATE OR DELETE ON timebank_transfers
     FOR EACH ROW EXECUTE FUNCTION timebank_append_only()`,
  `CREATE TRIGGER timebank_transfers_no_truncate BEFORE TRUNCATE ON timebank_transfers
     FOR EACH STATEMENT EXECUTE FUNCTION timebank_append_only()`,
  // A reversal mirrors its original exactly, and a reversal is not itself reversed.
  `CREATE FUNCTION timebank_reversal_mirrors() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE o timebank_transfers%ROWTYPE;
   BEGIN
     IF NEW.reverses IS NULL THEN RETURN NEW; END IF;
     SELECT * INTO o FROM timebank_transfers WHERE id = NEW.reverses;
     IF o.reverses IS NOT NULL THEN
       RAISE EXCEPTION 'transfer % is itself a reversal', o.id USING ERRCODE = 'check_violation';
     END IF;
     IF o.from_account_id <> NEW.to_account_id OR o.to_account_id <> NEW.from_account_id OR o.minutes <> NEW.minutes THEN
       RAISE EXCEPTION 'reversal % does not mirror transfer %', NEW.id, o.id USING ERRCODE = 'check_violation';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER timebank_transfers_reversal BEFORE INSERT ON timebank_transfers
     FOR EACH ROW EXECUTE FUNCTION timebank_reversal_mirrors()`,
  // At commit, every transfer written is exactly two postings: -minutes from, +minutes to.
  `CREATE FUNCTION timebank_transfer_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE tid uuid; t timebank_transfers%ROWTYPE; n integer; ok integer;
   BEGIN
     IF TG_TABLE_NAME = 'timebank_transfers' THEN tid := NEW.id; ELSE tid := NEW.transfer_id; END IF;
     SELECT * INTO t FROM timebank_transfers WHERE id = tid;
     SELECT count(*), count(*) FILTER (WHERE (p.account_id = t.from_account_id AND p.minutes = -t.minutes)
                                          OR (p.account_id = t.to_account_id AND p.minutes = t.minutes))
       INTO n, ok FROM timebank_postings p
      WHERE p.organisation_id = t.organisation_id AND p.bank_id = t.bank_id AND p.transfer_id = tid;
     IF n <> 2 OR ok <> 2 THEN
       RAISE EXCEPTION 'transfer % is not two balanced postings', tid USING ERRCODE = 'check_violation';
     END IF;
     RETURN NULL;
   END $$`,
  `CREATE CONSTRAINT TRIGGER timebank_transfers_balanced AFTER INSERT ON timebank_transfers
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION timebank_transfer_balanced()`,
  `CREATE CONSTRAINT TRIGGER timebank_postings_balanced AFTER INSERT ON timebank_postings
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION timebank_transfer_balanced()`,
];
