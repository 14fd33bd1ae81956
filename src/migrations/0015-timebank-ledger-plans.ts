// The ledger's write path must not depend on table statistics. With none (a new database, or a server whose
// autovacuum is off, as on our development machines), PostgreSQL planned the lookups of a transfer by
// (organisation_id, bank_id, id) — the foreign keys from postings, the posting check — on the index
// (organisation_id, bank_id, created_at) as often as on the primary key, and so read every transfer of the bank
// for each posting: a write cost that grew with the ledger (15 ms of server CPU per transfer after 8,000
// transfers, against 1 ms). That index served nothing the primary key does not (the impact queries read a
// bank's transfers by its (organisation_id, bank_id) prefix and group them), so it goes, which also saves an
// index write per transfer.
//
// An account's identity (its bank, kind and holder) never changes once it is opened, and now the database says
// so: the service keeps identities in memory to decide who may move time from an account without asking the
// database each time (timebank.repository.ts, findAccountIdentities). The trigger fires only for updates that
// name those columns, so balance updates do not pay for it.
export const statements = [
  `DROP INDEX timebank_transfers_bank`,
  `CREATE FUNCTION timebank_account_identity_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF (NEW.organisation_id, NEW.bank_id, NEW.id, NEW.kind, NEW.user_id, NEW.holder_organisation_id)
        IS DISTINCT FROM (OLD.organisation_id, OLD.bank_id, OLD.id, OLD.kind, OLD.user_id, OLD.holder_organisation_id) THEN
       RAISE EXCEPTION 'a time-bank account''s bank, kind and holder cannot change (account %)', OLD.id USING ERRCODE = 'insufficient_privilege';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER timebank_accounts_identity_fixed BEFORE UPDATE OF organisation_id, bank_id, id, kind, user_id, holder_organisation_id
     ON timebank_accounts FOR EACH ROW EXECUTE FUNCTION timebank_account_identity_fixed()`,
];
