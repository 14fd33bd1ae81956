import type { Generated } from 'kysely';

export interface TimebankBanksTable {
  organisation_id: string;
  id: Generated<string>;
  name: string;
  created_at: Generated<Date>;
}

export interface TimebankAccountsTable {
  organisation_id: string;
  bank_id: string;
  id: Generated<string>;
  kind: 'member' | 'organisation';
  user_id: string | null;
  holder_organisation_id: string | null;
  name: string;
  /** The lowest balance allowed, in minutes (≤ 0); null for an issuer with no limit. */
  min_balance: number | null;
  /** Integer minutes; always the sum of the account's postings. */
  balance: Generated<number>;
  status: Generated<'active' | 'suspended'>;
  created_at: Generated<Date>;
}

export interface TimebankTransfersTable {
  organisation_id: string;
  bank_id: string;
  /** Chosen by the client: the idempotency key. */
  id: string;
  from_account_id: string;
  to_account_id: string;
  minutes: number;
  reason: string;
  request_hash: string;
  reverses: string | null;
  group_id: string | null;
  recorded_by: string | null;
  recorded_via: string;
  on_behalf: boolean;
  created_at: Generated<Date>;
}

export interface TimebankPostingsTable {
  organisation_id: string;
  bank_id: string;
  transfer_id: string;
  account_id: string;
  minutes: number;
  created_at: Generated<Date>;
}

export interface TimebankTables {
  timebank_banks: TimebankBanksTable;
  timebank_accounts: TimebankAccountsTable;
  timebank_transfers: TimebankTransfersTable;
  timebank_postings: TimebankPostingsTable;
}
