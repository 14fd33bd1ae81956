// The outcomes module's tables (Kysely interfaces), composed into the schema in src/database.ts.
import type { ColumnType, Generated } from 'kysely';

export type Side = 'service' | 'citizen';
export type ProgressStatus = 'not-started' | 'on-track' | 'off-track' | 'achieved';

export interface OutcomeAgreementsTable {
  organisation_id: string;
  id: Generated<string>;
  service_name: string;
  title: string;
  summary: Generated<string>;
  party_kind: 'person' | 'group';
  /** Public for a group; null for a person (whose name is personal and never published). */
  group_name: string | null;
  /** The person who signs for the citizens' side (the person, or the group's representative). */
  party_user_id: string;
  party_name: string;
  service_signed_at: Date | null;
  service_signed_by: string | null;
  party_signed_at: Date | null;
  next_review_on: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface OutcomeAgreementTermsTable {
  organisation_id: string;
  agreement_id: string;
  id: Generated<string>;
  position: number;
  side: Side;
  kind: 'outcome' | 'commitment';
  text: string;
  measure: Generated<string>;
}

export interface OutcomeAgreementProgressTable {
  organisation_id: string;
  agreement_id: string;
  term_id: string;
  id: Generated<string>;
  recorded_side: Side;
  status: ProgressStatus;
  note: Generated<string>;
  recorded_by: string | null;
  recorded_at: Generated<Date>;
}

export interface OutcomeAgreementReviewsTable {
  organisation_id: string;
  agreement_id: string;
  id: Generated<string>;
  held_on: string;
  recorded_side: Side;
  summary: string;
  next_review_on: string | null;
  recorded_by: string | null;
  created_at: Generated<Date>;
}

export interface OutcomeContractsTable {
  /** The commissioner: the body that publishes the contract and leads its payers. */
  organisation_id: string;
  id: Generated<string>;
  title: string;
  description: Generated<string>;
  target_population: Generated<string>;
  provider_organisation_id: string;
  commissioning_contract_id: string | null;
  start_date: string;
  end_date: string;
  cap_pence: number;
  person_cap_pence: number | null;
  /** The sum of accepted claims; never above cap_pence (a CHECK constraint). */
  validated_pence: Generated<number>;
  paid_pence: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface OutcomePayersTable {
  organisation_id: string;
  contract_id: string;
  payer_organisation_id: string;
  share_basis_points: number;
}

export interface OutcomeMetricsTable {
  organisation_id: string;
  contract_id: string;
  id: Generated<string>;
  code: string;
  name: string;
  definition: string;
  target_population: Generated<string>;
  validation_method: string;
  evidence_required: string;
  validator_organisation_id: string | null;
  result_type: 'interim' | 'final';
  target_count: number | null;
  commissioning_milestone_id: Generated<string | null>;
  created_at: Generated<Date>;
}

export interface OutcomePricesTable {
  organisation_id: string;
  contract_id: string;
  metric_id: string;
  effective_from: string;
  price_pence: number;
  note: Generated<string>;
  agreed_by: string | null;
  created_at: Generated<Date>;
}

export interface OutcomeParticipantTotalsTable {
  organisation_id: string;
  contract_id: string;
  participant_ref: string;
  validated_pence: Generated<number>;
  cap_pence: number | null;
}

export type ClaimStatus = 'claimed' | 'accepted' | 'rejected';

export interface OutcomeClaimsTable {
  organisation_id: string;
  contract_id: string;
  id: Generated<string>;
  metric_id: string;
  participant_ref: string;
  achieved_on: string;
  evidence: string;
  amount_pence: number;
  status: Generated<ClaimStatus>;
  claimed_by: string | null;
  claimed_at: Generated<Date>;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  payment_id: string | null;
}

export interface OutcomePaymentsTable {
  organisation_id: string;
  contract_id: string;
  id: Generated<string>;
  paid_on: string;
  amount_pence: number;
  reference: Generated<string>;
  recorded_by: string | null;
  created_at: Generated<Date>;
}

export interface OutcomeComparisonsTable {
  organisation_id: string;
  contract_id: string;
  id: Generated<string>;
  measure: string;
  period_start: string;
  period_end: string;
  cohort_size: number;
  cohort_events: number;
  comparison_size: number;
  comparison_events: number;
  better: 'lower' | 'higher';
  threshold_basis_points: number;
  source: Generated<string>;
  recorded_by: string | null;
  created_at: Generated<Date>;
}

export interface OutcomeInvestmentsTable {
  organisation_id: string;
  contract_id: string;
  id: Generated<string>;
  investor_organisation_id: string;
  investment_type: 'debt' | 'equity' | 'combination';
  committed_pence: number;
  drawn_pence: Generated<number>;
  created_at: Generated<Date>;
}

export interface OutcomeInvestmentFlowsTable {
  organisation_id: string;
  contract_id: string;
  investment_id: string;
  id: Generated<string>;
  kind: 'drawdown' | 'repayment';
  flow_on: string;
  amount_pence: number;
  note: Generated<string>;
  recorded_by: string | null;
  created_at: Generated<Date>;
}

/** An OCDS implementation release as published: append-only (the database refuses UPDATE and DELETE). */
export interface OutcomeReleasesTable {
  organisation_id: string;
  contract_id: string;
  seq: number;
  ocid: string;
  release_id: string;
  /** SHA-256 of the release without its id and date: what it says, so an unchanged state mints nothing. */
  content_sha256: string;
  release: ColumnType<Record<string, unknown>, string, string>;
  published_at: Date;
}

export interface OutcomesTables {
  outcome_agreements: OutcomeAgreementsTable;
  outcome_agreement_terms: OutcomeAgreementTermsTable;
  outcome_agreement_progress: OutcomeAgreementProgressTable;
  outcome_agreement_reviews: OutcomeAgreementReviewsTable;
  outcome_contracts: OutcomeContractsTable;
  outcome_payers: OutcomePayersTable;
  outcome_metrics: OutcomeMetricsTable;
  outcome_prices: OutcomePricesTable;
  outcome_participant_totals: OutcomeParticipantTotalsTable;
  outcome_claims: OutcomeClaimsTable;
  outcome_payments: OutcomePaymentsTable;
  outcome_comparisons: OutcomeComparisonsTable;
  outcome_investments: OutcomeInvestmentsTable;
  outcome_investment_flows: OutcomeInvestmentFlowsTable;
  outcome_releases: OutcomeReleasesTable;
}
