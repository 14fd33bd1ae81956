// Trust in commissioning and organisations (issues 14 and 16).
//
// - Look-alike names become work for the site administrators: a flagged look-alike waits in their inbox until
//   one of them reviews it (with a note), so each flag records who reviewed it and when.
// - A bidder reads back its own sealed bid at any time. Row-level security on commissioning_bid_contents kept
//   every row hidden until the deadline; a second SELECT policy shows a bid's content, before the deadline too,
//   to a session that has named (transaction-local setting `commonweal.bidder_organisation`) an organisation
//   that is an accepted member of that bid. The buyer is never a member of a bid for its own process, so the
//   seal still holds against the buyer; the application sets the setting only after checking that the person
//   acts for that organisation.
// - Migration 0028 gave banks left at 0 the platform default of 5 hours, treating 0 as "never chosen" unless a
//   coordinator had changed the default on the settings page. But the form that opens a bank (since before
//   0028) always asks for the limit, and a coordinator who typed 0 there ("earn first") had the choice
//   overridden: new members could then go 5 hours below zero. A bank opened in the pages (actor_via
//   'session') whose opening audit row records 0 chose 0; those are put back to 0, with an audit row each.
//   Members who joined such a bank after 0028 ran opened at -300 because of it; those whose limit nobody has
//   changed since and whose balance is not below zero are put back to 0 as well (one below zero keeps the
//   limit it already uses, for a coordinator to decide). Banks opened through the API or CLI without a limit
//   cannot be told apart from those given 0 there, and keep what 0028 gave them.
export const statements = [
  // ---- Look-alikes reviewed ----
  `ALTER TABLE organisation_lookalikes ADD COLUMN reviewed_at timestamptz`,
  `ALTER TABLE organisation_lookalikes ADD COLUMN reviewed_by uuid REFERENCES users(id) ON DELETE SET NULL`,
  `ALTER TABLE organisation_lookalikes ADD COLUMN review_note text CHECK (length(review_note) <= 1000)`,
  `CREATE INDEX organisation_lookalikes_to_review ON organisation_lookalikes (created_at) WHERE reviewed_at IS NULL`,

  // ---- A bidder reads its own bid ----
  `CREATE POLICY commissioning_bid_contents_own ON commissioning_bid_contents FOR SELECT
     USING (EXISTS (SELECT 1 FROM commissioning_bid_members m
                    WHERE m.organisation_id = commissioning_bid_contents.organisation_id
                      AND m.process_id = commissioning_bid_contents.process_id
                      AND m.bid_id = commissioning_bid_contents.bid_id
                      AND m.consent = 'accepted'
                      AND m.member_organisation_id::text = current_setting('commonweal.bidder_organisation', true)))`,

  // ---- Banks whose coordinators chose 0 when they opened them ----
  `INSERT INTO audit_log (actor_via, organisation_id, action, entity_type, entity_id, before, after)
   SELECT 'system', b.organisation_id, 'timebank.bank.default_limit_restored', 'timebank_bank', b.id::text,
          jsonb_build_object('memberMinBalance', b.member_min_balance),
          jsonb_build_object('memberMinBalance', 0, 'reason', 'Chosen when the bank was opened; migration 0028 had replaced it')
     FROM timebank_banks b
    WHERE b.member_min_balance = -300
      AND EXISTS (SELECT 1 FROM audit_log a
                   WHERE a.entity_type = 'timebank_bank' AND a.entity_id = b.id::text AND a.action = 'timebank.bank.created'
                     AND a.actor_via = 'session' AND a.after->>'memberMinBalance' = '0')
      AND NOT EXISTS (SELECT 1 FROM audit_log a
                       WHERE a.entity_type = 'timebank_bank' AND a.entity_id = b.id::text
                         AND a.action = 'timebank.bank.default_limit_changed')`,
  `UPDATE timebank_banks b SET member_min_balance = 0
    WHERE b.member_min_balance = -300
      AND EXISTS (SELECT 1 FROM audit_log a
                   WHERE a.entity_type = 'timebank_bank' AND a.entity_id = b.id::text AND a.action = 'timebank.bank.default_limit_restored')`,
  `INSERT INTO audit_log (actor_via, organisation_id, action, entity_type, entity_id, before, after)
   SELECT 'system', t.organisation_id, 'timebank.account.limit_restored', 'timebank_account', t.id::text,
          jsonb_build_object('minBalance', t.min_balance),
          jsonb_build_object('minBalance', 0, 'reason', 'Opened at the limit migration 0028 gave a bank whose coordinators chose 0')
     FROM timebank_accounts t
    WHERE t.kind = 'member' AND t.min_balance = -300 AND t.balance >= 0
      AND t.created_at >= COALESCE((SELECT m.timestamp::timestamptz FROM kysely_migration m WHERE m.name = '0028-timebank-default-member-limit'), now())
      AND EXISTS (SELECT 1 FROM audit_log a
                   WHERE a.entity_type = 'timebank_bank' AND a.entity_id = t.bank_id::text AND a.action = 'timebank.bank.default_limit_restored')
      AND NOT EXISTS (SELECT 1 FROM audit_log a
                       WHERE a.entity_type = 'timebank_account' AND a.entity_id = t.id::text AND a.action = 'timebank.account.limit_changed')`,
  `UPDATE timebank_accounts t SET min_balance = 0
    WHERE t.kind = 'member' AND t.min_balance = -300 AND t.balance >= 0
      AND EXISTS (SELECT 1 FROM audit_log a
                   WHERE a.entity_type = 'timebank_account' AND a.entity_id = t.id::text AND a.action = 'timebank.account.limit_restored')`,
];
