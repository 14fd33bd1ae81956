// Peer review and worst-10% decision tables (migration 0039), composed into the schema in src/database.ts.
import type { Generated } from 'kysely';

export const SERVICE_KINDS = ['involvement', 'joined-up', 'technical', 'framework'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];
export const PEER_RATINGS = ['outstanding', 'good', 'requires-improvement', 'inadequate'] as const;
export type PeerRating = (typeof PEER_RATINGS)[number];
export const KEY_QUESTIONS = ['safe', 'effective', 'caring', 'responsive', 'well-led'] as const;
export type KeyQuestion = (typeof KEY_QUESTIONS)[number];
export const INDICATORS = ['fft-positive', 'share-answered'] as const;
export type Indicator = (typeof INDICATORS)[number];
/** Who commissions: the role that invites reviews of any service and records framework decisions. */
export const COMMISSIONER_ROLES = ['commissioner'] as const;
export const DECISIONS = ['improve', 'recommission', 'decommission'] as const;
export type Decision = (typeof DECISIONS)[number];

export interface ScorecardsPeerReviewerScopesTable {
  organisation_id: string;
  service_kind: ServiceKind;
  registered_by: string | null;
  created_at: Generated<Date>;
}

export interface ScorecardsPeerReviewsTable {
  organisation_id: string;
  id: Generated<string>;
  service_id: string;
  commissioner_organisation_id: string | null;
  invited_by: string | null;
  scope: string;
  status: Generated<'open' | 'published'>;
  evidence: Generated<string>;
  findings: Generated<string>;
  recommendations: Generated<string>;
  rating_safe: PeerRating | null;
  rating_effective: PeerRating | null;
  rating_caring: PeerRating | null;
  rating_responsive: PeerRating | null;
  rating_well_led: PeerRating | null;
  concern_indicator: Indicator | null;
  published_at: Date | null;
  published_by: string | null;
  progress_due_on: string | null;
  progress_notes: Generated<string>;
  progress_done_at: Date | null;
  created_at: Generated<Date>;
}

export interface ScorecardsPeerReviewersTable {
  organisation_id: string;
  review_id: string;
  user_id: string;
  reviewer_organisation_id: string;
  lead: Generated<boolean>;
  declared_at: Date | null;
  conflicts: Generated<string>;
  has_conflict: Generated<boolean>;
  added_by: string | null;
  created_at: Generated<Date>;
}

export interface ScorecardsPeerReviewActionsTable {
  organisation_id: string;
  review_id: string;
  id: Generated<string>;
  action: string;
  due_on: string;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface ScorecardsFlagDecisionsTable {
  organisation_id: string;
  id: Generated<string>;
  service_id: string;
  service_kind: string;
  indicator: Indicator;
  period: string;
  review_id: string;
  decision: Decision;
  reason: string;
  fairness: unknown;
  decided_by: string;
  decided_at: Generated<Date>;
}

/** An organisation's request to be registered as a peer reviewer for kinds of service (migration 0047). */
export interface ScorecardsPeerReviewerRequestsTable {
  organisation_id: string;
  id: Generated<string>;
  kinds: ServiceKind[];
  statement: string;
  status: Generated<'pending' | 'approved' | 'declined'>;
  requested_by: string | null;
  created_at: Generated<Date>;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: Generated<string>;
}

export interface PeerReviewTables {
  scorecards_peer_reviewer_scopes: ScorecardsPeerReviewerScopesTable;
  scorecards_peer_reviewer_requests: ScorecardsPeerReviewerRequestsTable;
  scorecards_peer_reviews: ScorecardsPeerReviewsTable;
  scorecards_peer_reviewers: ScorecardsPeerReviewersTable;
  scorecards_peer_review_actions: ScorecardsPeerReviewActionsTable;
  scorecards_flag_decisions: ScorecardsFlagDecisionsTable;
}
