import type { Generated } from 'kysely';

export interface TimebankBanksTable {
  organisation_id: string;
  id: Generated<string>;
  name: string;
  /** New members wait for a coordinator's approval (status 'pending') when true. */
  requires_approval: Generated<boolean>;
  /** The limit (minutes, ≤ 0) a new member's account opens with, so they can be helped before they have given. */
  member_min_balance: Generated<number>;
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
  status: Generated<AccountStatus>;
  /** What a member shows at a partner venue, e.g. "K7Q2-9XMD"; unique in the bank. */
  member_code: string | null;
  /** The member's small area (LSOA or data zone code), for impact by deprivation decile; optional. */
  area_code: string | null;
  /** A partner organisation's part: an earn partner issues credits, a spend partner accepts them. */
  partner_role: 'earn' | 'spend' | null;
  joined_at: Date | null;
  /** Why a coordinator refused the request to join (shown to the person); null otherwise. */
  status_reason: Generated<string | null>;
  /** When the status last changed (a request to join made again counts from then). */
  status_changed_at: Generated<Date | null>;
  created_at: Generated<Date>;
}

export type AccountStatus = 'pending' | 'active' | 'suspended' | 'refused';
export type TransferKind = 'transfer' | 'exchange' | 'volunteering' | 'redemption';

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
  kind: Generated<TransferKind>;
  category: string | null;
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

export interface TimebankListingsTable {
  organisation_id: string;
  bank_id: string;
  id: Generated<string>;
  account_id: string;
  kind: 'offer' | 'request';
  category: string;
  title: string;
  description: Generated<string>;
  area: Generated<string>;
  status: Generated<'open' | 'closed'>;
  created_at: Generated<Date>;
}

export interface TimebankExchangesTable {
  organisation_id: string;
  bank_id: string;
  /** Chosen by the client (the form's hidden id); becomes the transfer's id when confirmed. */
  id: string;
  listing_id: string | null;
  /** Gave the help: receives the minutes. */
  provider_account_id: string;
  /** Was helped: gives the minutes. */
  receiver_account_id: string;
  minutes: number;
  category: string;
  description: string;
  proposed_by_account_id: string | null;
  recorded_by: string | null;
  on_behalf: Generated<boolean>;
  status: Generated<'pending' | 'confirmed' | 'declined'>;
  transfer_id: string | null;
  decided_by: string | null;
  created_at: Generated<Date>;
  decided_at: Date | null;
}

export interface TimebankActivitiesTable {
  organisation_id: string;
  bank_id: string;
  id: Generated<string>;
  account_id: string;
  title: string;
  description: Generated<string>;
  minutes: number;
  status: Generated<'listed' | 'withdrawn'>;
  created_at: Generated<Date>;
}

/** Migration 0029: a message between two members about a listing (the platform carries it; no address is shown). */
export interface TimebankMessagesTable {
  organisation_id: string;
  bank_id: string;
  id: Generated<string>;
  listing_id: string;
  from_account_id: string;
  to_account_id: string;
  in_reply_to: string | null;
  body: string;
  created_at: Generated<Date>;
}

export interface TimebankTables {
  timebank_messages: TimebankMessagesTable;
  timebank_listings: TimebankListingsTable;
  timebank_exchanges: TimebankExchangesTable;
  timebank_activities: TimebankActivitiesTable;
  timebank_banks: TimebankBanksTable;
  timebank_accounts: TimebankAccountsTable;
  timebank_transfers: TimebankTransfersTable;
  timebank_postings: TimebankPostingsTable;
}
