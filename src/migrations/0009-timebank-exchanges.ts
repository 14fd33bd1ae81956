// The time bank, second part: joining with approval and suspension, member codes and areas, partner roles,
// offers and requests, exchanges proposed by one side and confirmed by the other, partner activities, and the
// ledger's one write path as a database function (replay check, transfer, postings, audit row, then the
// balances with their limit checks, in one statement: one round trip, the locks held only at its end).
export const statements = [
  `ALTER TABLE timebank_banks ADD COLUMN requires_approval boolean NOT NULL DEFAULT false`,
  `ALTER TABLE timebank_accounts DROP CONSTRAINT timebank_accounts_status_check`,
  `ALTER TABLE timebank_accounts ADD CONSTRAINT timebank_accounts_status CHECK (status IN ('pending', 'active', 'suspended'))`,
  // A member code is what a member shows at a partner venue; an area is the member's small area (LSOA or data
  // zone), used only for impact by deprivation decile.
  `ALTER TABLE timebank_accounts
     ADD COLUMN member_code text CHECK (member_code ~ '^[A-Z0-9]{4}-[A-Z0-9]{4}$'),
     ADD COLUMN area_code text CHECK (area_code ~ '^[ES]0[0-9]{7}$'),
     ADD COLUMN partner_role text CHECK (partner_role IN ('earn', 'spend')),
     ADD COLUMN joined_at timestamptz`,
  `UPDATE timebank_accounts
      SET member_code = upper(substr(md5(id::text), 1, 4) || '-' || substr(md5(id::text), 5, 4))
    WHERE kind = 'member'`,
  `CREATE UNIQUE INDEX timebank_accounts_member_code ON timebank_accounts (organisation_id, bank_id, member_code) WHERE member_code IS NOT NULL`,
  // What a transfer was: a plain transfer, an exchange between members, credits for volunteering, or credits
  // spent at a partner venue; and the category of help (impact is computed from these).
  `ALTER TABLE timebank_transfers
     ADD COLUMN kind text NOT NULL DEFAULT 'transfer' CHECK (kind IN ('transfer', 'exchange', 'volunteering', 'redemption')),
     ADD COLUMN category text CHECK (length(category) BETWEEN 1 AND 40)`,
  `CREATE TABLE timebank_listings (
     organisation_id uuid NOT NULL,
     bank_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     account_id uuid NOT NULL,
     kind text NOT NULL CHECK (kind IN ('offer', 'request')),
     category text NOT NULL CHECK (length(category) BETWEEN 1 AND 40),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
     description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
     area text NOT NULL DEFAULT '' CHECK (length(area) <= 100),
     status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, bank_id, id),
     FOREIGN KEY (organisation_id, bank_id, account_id) REFERENCES timebank_accounts (organisation_id, bank_id, id)
   )`,
  `CREATE UNIQUE INDEX timebank_listings_id ON timebank_listings (id)`,
  `CREATE INDEX timebank_listings_open ON timebank_listings (organisation_id, bank_id, status, kind, category, created_at)`,
  `CREATE TABLE timebank_exchanges (
     organisation_id uuid NOT NULL,
     bank_id uuid NOT NULL,
     id uuid NOT NULL,
     listing_id uuid,
     provider_account_id uuid NOT NULL,
     receiver_account_id uuid NOT NULL,
     minutes bigint NOT NULL CHECK (minutes BETWEEN 1 AND 60000),
     category text NOT NULL CHECK (length(category) BETWEEN 1 AND 40),
     description text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
     proposed_by_account_id uuid,
     recorded_by uuid REFERENCES users(id),
     on_behalf boolean NOT NULL DEFAULT false,
     status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'declined')),
     transfer_id uuid,
     decided_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     decided_at timestamptz,
     PRIMARY KEY (organisation_id, bank_id, id),
     CHECK (provider_account_id <> receiver_account_id),
     CHECK ((status = 'confirmed') = (transfer_id IS NOT NULL)),
     FOREIGN KEY (organisation_id, bank_id, listing_id) REFERENCES timebank_listings (organisation_id, bank_id, id),
     FOREIGN KEY (organisation_id, bank_id, provider_account_id) REFERENCES timebank_accounts (organisation_id, bank_id, id),
     FOREIGN KEY (organisation_id, bank_id, receiver_account_id) REFERENCES timebank_accounts (organisation_id, bank_id, id),
     FOREIGN KEY (organisation_id, bank_id, transfer_id) REFERENCES timebank_transfers (organisation_id, bank_id, id)
   )`,
  `CREATE UNIQUE INDEX timebank_exchanges_id ON timebank_exchanges (id)`,
  `CREATE INDEX timebank_exchanges_pending ON timebank_exchanges (organisation_id, bank_id, status, created_at)`,
  `CREATE TABLE timebank_activities (
     organisation_id uuid NOT NULL,
     bank_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     account_id uuid NOT NULL,
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
     description text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
     minutes bigint NOT NULL CHECK (minutes BETWEEN 1 AND 60000),
     status text NOT NULL DEFAULT 'listed' CHECK (status IN ('listed', 'withdrawn')),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, bank_id, id),
     FOREIGN KEY (organisation_id, bank_id, account_id) REFERENCES timebank_accounts (organisation_id, bank_id, id)
   )`,
  `CREATE UNIQUE INDEX timebank_activities_id ON timebank_activities (id)`,
  // A posting must match its transfer when it is written (from: -minutes, to: +minutes); with the primary key
  // (one posting per transfer and account) a transfer can never have more than its two postings, and the
  // deferred check on timebank_transfers (migration 0005) makes sure it has both at commit. This immediate check
  // replaces the deferred one per posting, which ran two queries for each posting at every commit.
  `CREATE FUNCTION timebank_posting_matches() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE t timebank_transfers%ROWTYPE;
   BEGIN
     SELECT * INTO t FROM timebank_transfers WHERE organisation_id = NEW.organisation_id AND bank_id = NEW.bank_id AND id = NEW.transfer_id;
     IF NOT FOUND OR NOT ((NEW.account_id = t.from_account_id AND NEW.minutes = -t.minutes)
                          OR (NEW.account_id = t.to_account_id AND NEW.minutes = t.minutes)) THEN
       RAISE EXCEPTION 'posting of % minutes to % does not match transfer %', NEW.minutes, NEW.account_id, NEW.transfer_id USING ERRCODE = 'check_violation';
     END IF;
     RETURN NEW;
   END $$`,
  `DROP TRIGGER timebank_postings_balanced ON timebank_postings`,
  `CREATE TRIGGER timebank_postings_match BEFORE INSERT ON timebank_postings FOR EACH ROW EXECUTE FUNCTION timebank_posting_matches()`,
  // Cheaper writes: the reversal check runs only for reversals, and balance updates leave room on their page so
  // that PostgreSQL can update the row in place without touching the account's six indexes (a HOT update).
  `DROP TRIGGER timebank_transfers_reversal ON timebank_transfers`,
  `CREATE TRIGGER timebank_transfers_reversal BEFORE INSERT ON timebank_transfers
     FOR EACH ROW WHEN (NEW.reverses IS NOT NULL) EXECUTE FUNCTION timebank_reversal_mirrors()`,
  `ALTER TABLE timebank_accounts SET (fillfactor = 70)`,
  // The ledger's one write. A transfer with this id already committed is answered as a replay or a conflict;
  // the two accounts must exist in one bank. Then the transfer, its two postings and the audit row are written
  // and, last, the two balances are moved, in id order (so no two transfers deadlock), each UPDATE re-checking
  // that its account is active and the sender stays within its limit on the row as it is when the lock is
  // granted. The accounts' row locks are therefore held only from the balance updates to the commit. A refusal
  // raises an error ('timebank:limit:{…}' or 'timebank:inactive:{…}'), which undoes the whole statement: nothing
  // is written. Called as one statement (its own transaction) for a single transfer, or inside a transaction
  // for a group.
  `CREATE FUNCTION timebank_post_transfer(
     p_id uuid, p_from uuid, p_to uuid, p_minutes bigint, p_reason text, p_hash text, p_reverses uuid, p_group uuid,
     p_recorded_by uuid, p_via text, p_on_behalf boolean, p_kind text, p_category text, p_token uuid, p_action text, p_audit jsonb)
   RETURNS TABLE (outcome text, detail text, at timestamptz) LANGUAGE plpgsql AS $$
   DECLARE f timebank_accounts%ROWTYPE; t timebank_accounts%ROWTYPE; e timebank_transfers%ROWTYPE; now_at timestamptz := now(); i integer;
   BEGIN
     SELECT * INTO e FROM timebank_transfers WHERE id = p_id;
     IF FOUND THEN
       RETURN QUERY SELECT CASE WHEN e.request_hash = p_hash THEN 'replay' ELSE 'conflict' END, NULL::text, e.created_at;
       RETURN;
     END IF;
     SELECT * INTO f FROM timebank_accounts WHERE id = p_from;
     SELECT * INTO t FROM timebank_accounts WHERE id = p_to;
     IF f.id IS NULL OR t.id IS NULL THEN
       RETURN QUERY SELECT 'missing', coalesce(f.id, p_from)::text, NULL::timestamptz; RETURN;
     END IF;
     IF f.organisation_id <> t.organisation_id OR f.bank_id <> t.bank_id THEN
       RETURN QUERY SELECT 'other_bank', NULL::text, NULL::timestamptz; RETURN;
     END IF;
     INSERT INTO timebank_transfers (organisation_id, bank_id, id, from_account_id, to_account_id, minutes, reason, request_hash,
       reverses, group_id, recorded_by, recorded_via, on_behalf, kind, category, created_at)
     VALUES (f.organisation_id, f.bank_id, p_id, p_from, p_to, p_minutes, p_reason, p_hash,
       p_reverses, p_group, p_recorded_by, p_via, p_on_behalf, p_kind, p_category, now_at);
     INSERT INTO timebank_postings (organisation_id, bank_id, transfer_id, account_id, minutes, created_at)
     VALUES (f.organisation_id, f.bank_id, p_id, p_from, -p_minutes, now_at), (f.organisation_id, f.bank_id, p_id, p_to, p_minutes, now_at);
     INSERT INTO audit_log (actor_user_id, actor_token_id, actor_via, organisation_id, action, entity_type, entity_id, after)
     VALUES (p_recorded_by, p_token, p_via, f.organisation_id, p_action, 'timebank_transfer', p_id::text, p_audit);
     FOR i IN 1..2 LOOP
       IF (i = 1) = (p_from < p_to) THEN
         UPDATE timebank_accounts SET balance = balance - p_minutes
          WHERE organisation_id = f.organisation_id AND bank_id = f.bank_id AND id = p_from
            AND status = 'active' AND (min_balance IS NULL OR balance - p_minutes >= min_balance);
         IF NOT FOUND THEN
           SELECT * INTO f FROM timebank_accounts WHERE id = p_from;
           IF f.status <> 'active' THEN
             RAISE EXCEPTION 'timebank:inactive:%', json_build_object('name', f.name) USING ERRCODE = 'P0001';
           END IF;
           RAISE EXCEPTION 'timebank:limit:%', json_build_object('name', f.name, 'balance', f.balance, 'minBalance', f.min_balance) USING ERRCODE = 'P0001';
         END IF;
       ELSE
         UPDATE timebank_accounts SET balance = balance + p_minutes
          WHERE organisation_id = t.organisation_id AND bank_id = t.bank_id AND id = p_to AND status = 'active';
         IF NOT FOUND THEN
           RAISE EXCEPTION 'timebank:inactive:%', json_build_object('name', t.name) USING ERRCODE = 'P0001';
         END IF;
       END IF;
     END LOOP;
     RETURN QUERY SELECT 'written', f.organisation_id::text || ' ' || f.bank_id::text, now_at;
   END $$`,
];
