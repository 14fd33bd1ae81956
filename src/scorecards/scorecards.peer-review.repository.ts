// The only SQL of peer review and worst-10% decisions (migration 0039). Functions take the database or a transaction.
import type { Selectable } from 'kysely';
import type { Db } from '../platform/db.ts';
import type { ScorecardsPeerReviewerRequestsTable, ScorecardsFlagDecisionsTable, ScorecardsPeerReviewActionsTable, ScorecardsPeerReviewersTable, ScorecardsPeerReviewsTable, ServiceKind } from './scorecards.peer-review.table.ts';

export type ReviewRow = Selectable<ScorecardsPeerReviewsTable>;
export type ReviewerRow = Selectable<ScorecardsPeerReviewersTable>;
export type ActionRow = Selectable<ScorecardsPeerReviewActionsTable>;
export type DecisionRow = Selectable<ScorecardsFlagDecisionsTable>;
export type RequestRow = Selectable<ScorecardsPeerReviewerRequestsTable>;

export async function registerScope(db: Db, organisationId: string, kind: ServiceKind, by: string | null): Promise<boolean> {
  const r = await db.insertInto('scorecards_peer_reviewer_scopes').values({ organisation_id: organisationId, service_kind: kind, registered_by: by })
    .onConflict((oc) => oc.columns(['organisation_id', 'service_kind']).doNothing()).returning('organisation_id').executeTakeFirst();
  return !!r;
}

export async function scopes(db: Db) {
  return db.selectFrom('scorecards_peer_reviewer_scopes').select(['organisation_id', 'service_kind']).orderBy('service_kind').execute();
}

export async function organisationsScopedFor(db: Db, kind: string): Promise<string[]> {
  return (await db.selectFrom('scorecards_peer_reviewer_scopes').select('organisation_id').where('service_kind', '=', kind as ServiceKind).execute()).map((r) => r.organisation_id);
}

/** People holding any role in one of the organisations, with that organisation. */
export async function membersOf(db: Db, organisationIds: string[]) {
  if (!organisationIds.length) return [];
  return db.selectFrom('memberships').innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id as user_id', 'users.name', 'memberships.organisation_id']).distinct()
    .where('memberships.organisation_id', 'in', organisationIds).orderBy('users.name').execute();
}

export async function organisationsOfUser(db: Db, userId: string): Promise<string[]> {
  return (await db.selectFrom('memberships').select('organisation_id').distinct().where('user_id', '=', userId).execute()).map((r) => r.organisation_id);
}

export async function insertReview(db: Db, r: { organisationId: string; serviceId: string; commissionerId: string | null; invitedBy: string | null; scope: string }): Promise<ReviewRow> {
  return db.insertInto('scorecards_peer_reviews').values({
    organisation_id: r.organisationId, service_id: r.serviceId, commissioner_organisation_id: r.commissionerId, invited_by: r.invitedBy, scope: r.scope,
    rating_safe: null, rating_effective: null, rating_caring: null, rating_responsive: null, rating_well_led: null, concern_indicator: null,
    published_at: null, published_by: null, progress_due_on: null, progress_done_at: null,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function findReview(db: Db, id: string, lock = false): Promise<ReviewRow | null> {
  let q = db.selectFrom('scorecards_peer_reviews').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  return (await q.executeTakeFirst()) ?? null;
}

export async function updateReview(db: Db, row: ReviewRow, change: Partial<Omit<ReviewRow, 'organisation_id' | 'id'>>): Promise<ReviewRow> {
  return db.updateTable('scorecards_peer_reviews').set(change).where('organisation_id', '=', row.organisation_id).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
}

export async function reviewsWhere(db: Db, filter: { status?: 'open' | 'published'; serviceIds?: string[]; ids?: string[] }): Promise<ReviewRow[]> {
  let q = db.selectFrom('scorecards_peer_reviews').selectAll();
  if (filter.status) q = q.where('status', '=', filter.status);
  if ((filter.serviceIds && !filter.serviceIds.length) || (filter.ids && !filter.ids.length)) return [];
  if (filter.serviceIds) q = q.where('service_id', 'in', filter.serviceIds);
  if (filter.ids) q = q.where('id', 'in', filter.ids);
  return q.orderBy('created_at', 'desc').execute();
}

export async function reviewers(db: Db, reviewIds: string[]): Promise<(ReviewerRow & { name: string })[]> {
  if (!reviewIds.length) return [];
  return db.selectFrom('scorecards_peer_reviewers').innerJoin('users', 'users.id', 'scorecards_peer_reviewers.user_id')
    .selectAll('scorecards_peer_reviewers').select('users.name').where('review_id', 'in', reviewIds).orderBy('lead', 'desc').orderBy('users.name').execute();
}

export async function reviewsOfReviewer(db: Db, userId: string) {
  return db.selectFrom('scorecards_peer_reviewers').selectAll().where('user_id', '=', userId).execute();
}

export async function insertReviewer(db: Db, r: { review: ReviewRow; userId: string; reviewerOrganisationId: string; lead: boolean; addedBy: string | null }): Promise<void> {
  await db.insertInto('scorecards_peer_reviewers').values({ organisation_id: r.review.organisation_id, review_id: r.review.id, user_id: r.userId, reviewer_organisation_id: r.reviewerOrganisationId, lead: r.lead, added_by: r.addedBy, declared_at: null }).execute();
}

/** A lead who declared a conflict stops being the lead, so another can be chosen. */
export async function dropBlockedLead(db: Db, review: ReviewRow): Promise<void> {
  await db.updateTable('scorecards_peer_reviewers').set({ lead: false })
    .where('organisation_id', '=', review.organisation_id).where('review_id', '=', review.id).where('has_conflict', '=', true).execute();
}

export async function declare(db: Db, review: ReviewRow, userId: string, conflicts: string, hasConflict: boolean): Promise<void> {
  await db.updateTable('scorecards_peer_reviewers').set({ conflicts, has_conflict: hasConflict, declared_at: new Date() })
    .where('organisation_id', '=', review.organisation_id).where('review_id', '=', review.id).where('user_id', '=', userId).execute();
}

export async function insertAction(db: Db, review: ReviewRow, a: { action: string; dueOn: string; by: string | null }): Promise<ActionRow> {
  return db.insertInto('scorecards_peer_review_actions').values({ organisation_id: review.organisation_id, review_id: review.id, action: a.action, due_on: a.dueOn, created_by: a.by })
    .returningAll().executeTakeFirstOrThrow();
}

export async function actions(db: Db, reviewIds: string[]): Promise<ActionRow[]> {
  if (!reviewIds.length) return [];
  return db.selectFrom('scorecards_peer_review_actions').selectAll().where('review_id', 'in', reviewIds).orderBy('due_on').orderBy('created_at').execute();
}

export async function insertDecision(db: Db, d: Omit<DecisionRow, 'id' | 'decided_at'>): Promise<DecisionRow> {
  return db.insertInto('scorecards_flag_decisions').values({ ...d, fairness: JSON.stringify(d.fairness) }).returningAll().executeTakeFirstOrThrow();
}

export async function decisions(db: Db, filter: { serviceIds?: string[]; periods?: string[] } = {}): Promise<DecisionRow[]> {
  let q = db.selectFrom('scorecards_flag_decisions').selectAll();
  if (filter.serviceIds && !filter.serviceIds.length) return [];
  if (filter.serviceIds) q = q.where('service_id', 'in', filter.serviceIds);
  if (filter.periods) q = q.where('period', 'in', filter.periods);
  return q.orderBy('decided_at', 'desc').execute();
}

// ---- peer-reviewer requests (migration 0047) ----

export async function scopesOf(db: Db, organisationId: string): Promise<ServiceKind[]> {
  return (await db.selectFrom('scorecards_peer_reviewer_scopes').select('service_kind').where('organisation_id', '=', organisationId).execute()).map((r) => r.service_kind);
}

/** Adds a request; a second one waiting for the same organisation fails on the partial unique index (23505). */
export async function insertRequest(db: Db, r: { organisationId: string; kinds: ServiceKind[]; statement: string; by: string | null }): Promise<RequestRow> {
  return db.insertInto('scorecards_peer_reviewer_requests').values({ organisation_id: r.organisationId, kinds: r.kinds, statement: r.statement, requested_by: r.by, decided_by: null, decided_at: null })
    .returningAll().executeTakeFirstOrThrow();
}

export async function findRequest(db: Db, id: string, lock = false): Promise<RequestRow | null> {
  let q = db.selectFrom('scorecards_peer_reviewer_requests').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  return (await q.executeTakeFirst()) ?? null;
}

export async function pendingRequestOf(db: Db, organisationId: string): Promise<RequestRow | null> {
  return (await db.selectFrom('scorecards_peer_reviewer_requests').selectAll().where('organisation_id', '=', organisationId).where('status', '=', 'pending').executeTakeFirst()) ?? null;
}

/** Decides a request still waiting; null when it was decided already (by someone else, even at the same moment). */
export async function decideRequest(db: Db, row: RequestRow, d: { status: 'approved' | 'declined'; by: string | null; note: string }): Promise<RequestRow | null> {
  return (await db.updateTable('scorecards_peer_reviewer_requests').set({ status: d.status, decided_by: d.by, decided_at: new Date(), decision_note: d.note })
    .where('organisation_id', '=', row.organisation_id).where('id', '=', row.id).where('status', '=', 'pending').returningAll().executeTakeFirst()) ?? null;
}

export async function requestsWhere(db: Db, filter: { status?: 'pending'; requestedBy?: string; decidedSince?: Date; organisationIds?: string[] }, limit = 100): Promise<RequestRow[]> {
  let q = db.selectFrom('scorecards_peer_reviewer_requests').selectAll();
  if (filter.organisationIds && !filter.organisationIds.length) return [];
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.requestedBy) q = q.where('requested_by', '=', filter.requestedBy);
  if (filter.decidedSince) q = q.where('decided_at', '>=', filter.decidedSince);
  if (filter.organisationIds) q = q.where('organisation_id', 'in', filter.organisationIds);
  return q.orderBy('created_at').limit(limit).execute();
}
