// The commissioning module's tables (Kysely interfaces), composed into the schema in src/database.ts.
// Money is integer pence; every table leads with the buying organisation's organisation_id.
import type { ColumnType, Generated } from 'kysely';

type Timestamp = Date;
type Json<T> = ColumnType<T, string, string>;

export type DecisionType = 'involvement' | 'joined-up' | 'technical' | 'framework';
export type ProcessStatus = 'draft' | 'active' | 'awarded' | 'cancelled';
export type CriterionKind = 'price' | 'quality' | 'social-value';

export interface CommissioningNeedsTable {
  organisation_id: string;
  id: Generated<string>;
  title: string;
  description: string;
  outcomes: Json<string[]>;
  decision_type: DecisionType;
  la_code: string | null;
  area_codes: Json<string[]>;
  decision: Json<Record<string, unknown>>;
  from_proposal_id: string | null;
  created_by: string | null;
  created_at: Generated<Timestamp>;
}

export interface CommissioningProcessesTable {
  organisation_id: string;
  id: Generated<string>;
  ocid: string;
  need_id: string | null;
  title: string;
  description: string;
  status: Generated<ProcessStatus>;
  value_pence: number;
  bid_deadline: Timestamp;
  contract_start: string | null;
  contract_end: string | null;
  standstill_days: Generated<number>;
  published_at: Timestamp | null;
  created_by: string | null;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface CommissioningLotsTable {
  organisation_id: string;
  process_id: string;
  id: Generated<string>;
  number: number;
  title: string;
  description: string;
  value_pence: number;
  suitable_sme: boolean;
  suitable_vcse: boolean;
  unsuitable_reason: string | null;
}

export interface CommissioningCriteriaTable {
  organisation_id: string;
  process_id: string;
  id: Generated<string>;
  kind: CriterionKind;
  title: string;
  weight: number;
  position: number;
}

export interface CommissioningDocumentsTable {
  organisation_id: string;
  process_id: string;
  id: Generated<string>;
  title: string;
  url: string;
  created_at: Generated<Timestamp>;
}

export interface CommissioningQuestionsTable {
  organisation_id: string;
  process_id: string;
  id: Generated<string>;
  question: string;
  asked_by: string | null;
  asked_at: Generated<Timestamp>;
  answer: string | null;
  answered_by: string | null;
  answered_at: Timestamp | null;
}

export interface CommissioningInterestsTable {
  organisation_id: string;
  process_id: string;
  provider_organisation_id: string;
  seeking_partners: boolean;
  note: string;
  registered_by: string | null;
  registered_at: Generated<Timestamp>;
}

export interface CommissioningBidsTable {
  organisation_id: string;
  process_id: string;
  id: Generated<string>;
  lot_id: string;
  lead_organisation_id: string;
  /** `awaiting-partners` until every consortium member has accepted: lodged and sealed, not yet submitted. */
  status: Generated<BidStatus>;
  submitted_by: string | null;
  submitted_at: Generated<Timestamp>;
  content_sha256: string;
  versions: Generated<number>;
}

export interface CommissioningBidMembersTable {
  organisation_id: string;
  process_id: string;
  bid_id: string;
  member_organisation_id: string;
  is_lead: boolean;
  share_percent: number;
  /** A member joins only by accepting; the lead consents by bidding. */
  consent: Generated<ConsentStatus>;
  invited_at: Generated<Timestamp>;
  responded_by: string | null;
  responded_at: Timestamp | null;
}

export type ConsentStatus = 'invited' | 'accepted' | 'declined';
export type BidStatus = 'awaiting-partners' | 'submitted' | 'withdrawn';

/** Sealed: written here, read only through `commissioning_unsealed_bid_contents` (after the deadline). */
export interface CommissioningBidContentsTable {
  organisation_id: string;
  process_id: string;
  bid_id: string;
  version: number;
  price_pence: number;
  approach: string;
  social_value: string;
  created_at: Generated<Timestamp>;
}

/** A view: the latest content of each bid whose deadline has passed (by the database's clock). */
export interface CommissioningUnsealedBidContentsView {
  organisation_id: string;
  process_id: string;
  bid_id: string;
  version: number;
  price_pence: number;
  approach: string;
  social_value: string;
  created_at: Timestamp;
}

export interface CommissioningEvaluatorsTable {
  organisation_id: string;
  process_id: string;
  bid_id: string;
  user_id: string;
  assigned_by: string | null;
  assigned_at: Generated<Timestamp>;
  conflict_declared: Generated<boolean>;
  conflict_note: string | null;
}

export interface CommissioningScoresTable {
  organisation_id: string;
  process_id: string;
  id: Generated<string>;
  bid_id: string;
  criterion_id: string;
  user_id: string | null;
  kind: 'evaluation' | 'moderation';
  score: number;
  reason: string;
  created_at: Generated<Timestamp>;
}

export interface CommissioningAwardsTable {
  organisation_id: string;
  process_id: string;
  id: Generated<string>;
  lot_id: string;
  bid_id: string;
  value_pence: number;
  rationale: string;
  decided_by: string | null;
  decided_at: Generated<Timestamp>;
  standstill_ends: Timestamp;
}

export interface CommissioningContractsTable {
  organisation_id: string;
  process_id: string;
  id: Generated<string>;
  award_id: string;
  title: string;
  value_pence: number;
  start_date: string | null;
  end_date: string | null;
  signed_by: string | null;
  signed_at: Generated<Timestamp>;
}

export interface CommissioningMilestonesTable {
  organisation_id: string;
  process_id: string;
  contract_id: string;
  id: Generated<string>;
  title: string;
  due_date: string | null;
  status: Generated<'scheduled' | 'met' | 'notMet'>;
  date_met: string | null;
  position: number;
}

export interface CommissioningKpisTable {
  organisation_id: string;
  process_id: string;
  contract_id: string;
  id: Generated<string>;
  title: string;
  target: number;
  unit: string;
  position: number;
}

/** A KPI's rating for a financial year ('2024-25') on the Procurement Act 2023 scale (migration 0038). */
export interface CommissioningKpiRatingsTable {
  organisation_id: string;
  contract_id: string;
  kpi_id: string;
  period: string;
  rating: KpiRating;
  note: Generated<string>;
  rated_by: string | null;
  rated_at: Generated<Timestamp>;
}

/** A reminder emailed that a contract's KPIs wait for their rating for a financial year (migration 0048). */
export interface CommissioningKpiRatingRemindersTable {
  organisation_id: string;
  contract_id: string;
  period: string;
  recipients: Generated<number>;
  sent_at: Generated<Timestamp>;
}

export type KpiRating = 'good' | 'approaching-target' | 'requires-improvement' | 'inadequate';

export interface CommissioningOpenCallsTable {
  organisation_id: string;
  id: Generated<string>;
  title: string;
  description: string;
  closes_on: string | null;
  created_by: string | null;
  created_at: Generated<Timestamp>;
}

export interface CommissioningProposalsTable {
  organisation_id: string;
  open_call_id: string;
  id: Generated<string>;
  proposer_organisation_id: string;
  title: string;
  need: string;
  proposal: string;
  submitted_by: string | null;
  submitted_at: Generated<Timestamp>;
  process_id: string | null;
}

export interface CommissioningReleasesTable {
  organisation_id: string;
  process_id: string;
  seq: number;
  release_id: string;
  ocid: string;
  tags: Json<string[]>;
  release: Json<Record<string, unknown>>;
  published_at: Generated<Timestamp>;
}

export interface CommissioningTables {
  commissioning_needs: CommissioningNeedsTable;
  commissioning_processes: CommissioningProcessesTable;
  commissioning_lots: CommissioningLotsTable;
  commissioning_criteria: CommissioningCriteriaTable;
  commissioning_documents: CommissioningDocumentsTable;
  commissioning_questions: CommissioningQuestionsTable;
  commissioning_interests: CommissioningInterestsTable;
  commissioning_bids: CommissioningBidsTable;
  commissioning_bid_members: CommissioningBidMembersTable;
  commissioning_bid_contents: CommissioningBidContentsTable;
  commissioning_unsealed_bid_contents: CommissioningUnsealedBidContentsView;
  commissioning_evaluators: CommissioningEvaluatorsTable;
  commissioning_scores: CommissioningScoresTable;
  commissioning_awards: CommissioningAwardsTable;
  commissioning_contracts: CommissioningContractsTable;
  commissioning_milestones: CommissioningMilestonesTable;
  commissioning_kpis: CommissioningKpisTable;
  commissioning_kpi_ratings: CommissioningKpiRatingsTable;
  commissioning_kpi_rating_reminders: CommissioningKpiRatingRemindersTable;
  commissioning_open_calls: CommissioningOpenCallsTable;
  commissioning_proposals: CommissioningProposalsTable;
  commissioning_releases: CommissioningReleasesTable;
}
