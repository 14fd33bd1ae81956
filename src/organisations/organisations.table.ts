import type { Generated } from 'kysely';

export interface OrganisationsTable {
  id: Generated<string>;
  name: string;
  slug: string;
  legal_form: string;
  distributes_profit: boolean;
  sector: string;
  website: string | null;
  description: string | null;
  address_locality: string | null;
  verified: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface OrganisationIdentifiersTable {
  organisation_id: string;
  scheme: string;
  identifier: string;
  /** True once a site administrator (or the operator) has checked the claim; unique among verified holdings. */
  verified: Generated<boolean>;
}

export interface OrganisationVerificationRequestsTable {
  id: Generated<string>;
  organisation_id: string;
  requested_by: string | null;
  identifiers: string[];
  evidence: string | null;
  status: Generated<'pending' | 'verified' | 'rejected' | 'superseded'>;
  reason: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  created_at: Generated<Date>;
}

export interface OrganisationLookalikesTable {
  organisation_id: string;
  resembles_id: string;
  name: string;
  resembles_name: string;
  created_at: Generated<Date>;
  reviewed_at: Date | null;
  reviewed_by: string | null;
  review_note: string | null;
}

export interface OrganisationInvitationsTable {
  id: Generated<string>;
  organisation_id: string;
  email: string;
  role: string;
  token_hash: string;
  invited_by: string | null;
  created_at: Generated<Date>;
  expires_at: Date;
  accepted_at: Date | null;
  accepted_by: string | null;
}

/** What an organisation publishes about its governance, for its scorecard (migration 0038). */
export interface OrganisationGovernanceTable {
  organisation_id: string;
  profit_use: ProfitUse;
  /** Pence distributed as dividends in `distributed_year`; set exactly when profit is distributed. */
  distributed_pence: string | number | null;
  distributed_year: string | null;
  pay_multiple: string | number | null;
  highest_pay_band: string | null;
  board_size: number | null;
  /** Days within which it promises a first answer to a story about its services. */
  response_target_days: number | null;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export type ProfitUse = 'no-profit' | 'reinvested' | 'dividends' | 'dividends-and-reinvested';

export interface OrganisationsTables {
  organisations: OrganisationsTable;
  organisation_identifiers: OrganisationIdentifiersTable;
  organisation_verification_requests: OrganisationVerificationRequestsTable;
  organisation_lookalikes: OrganisationLookalikesTable;
  organisation_invitations: OrganisationInvitationsTable;
  organisation_governance: OrganisationGovernanceTable;
}
