// The only place with commissioning SQL. Functions take the database or a transaction first.
// A bid's content is never read from `commissioning_bid_contents`: only from the unsealing view.
import { sql, type Selectable } from 'kysely';
import type { Db } from '../platform/db.ts';
import type {
  CommissioningAwardsTable, CommissioningBidsTable, CommissioningContractsTable, CommissioningCriteriaTable, CommissioningDocumentsTable,
  CommissioningEvaluatorsTable, CommissioningKpisTable, CommissioningLotsTable, CommissioningMilestonesTable, CommissioningNeedsTable,
  CommissioningOpenCallsTable, CommissioningProcessesTable, CommissioningProposalsTable, CommissioningQuestionsTable,
  CommissioningReleasesTable, CommissioningScoresTable, CommissioningUnsealedBidContentsView, CriterionKind, DecisionType, ProcessStatus,
  CommissioningBidMembersTable, BidStatus, ConsentStatus, CommissioningKpiRatingsTable, KpiRating,
} from './commissioning.table.ts';

export type NeedRow = Selectable<CommissioningNeedsTable>;
export type ProcessRow = Selectable<CommissioningProcessesTable>;
export type LotRow = Selectable<CommissioningLotsTable>;
export type CriterionRow = Selectable<CommissioningCriteriaTable>;
export type DocumentRow = Selectable<CommissioningDocumentsTable>;
export type QuestionRow = Selectable<CommissioningQuestionsTable>;
export type BidRow = Selectable<CommissioningBidsTable>;
export type ContentRow = Selectable<CommissioningUnsealedBidContentsView>;
export type EvaluatorRow = Selectable<CommissioningEvaluatorsTable>;
export type ScoreRow = Selectable<CommissioningScoresTable>;
export type AwardRow = Selectable<CommissioningAwardsTable>;
export type ContractRow = Selectable<CommissioningContractsTable>;
export type MilestoneRow = Selectable<CommissioningMilestonesTable>;
export type KpiRow = Selectable<CommissioningKpisTable>;
export type OpenCallRow = Selectable<CommissioningOpenCallsTable>;
export type ProposalRow = Selectable<CommissioningProposalsTable>;
export type ReleaseRow = Selectable<CommissioningReleasesTable>;
export type BidMemberRow = Selectable<CommissioningBidMembersTable>;

const json = (value: unknown): string => JSON.stringify(value);

// Needs

export async function insertNeed(db: Db, n: {
  organisationId: string; title: string; description: string; outcomes: string[]; decisionType: DecisionType; laCode: string | null;
  areaCodes: string[]; decision: Record<string, unknown>; fromProposalId?: string | null; createdBy: string | null;
}): Promise<NeedRow> {
  return db.insertInto('commissioning_needs').values({
    organisation_id: n.organisationId, title: n.title, description: n.description, outcomes: json(n.outcomes), decision_type: n.decisionType,
    la_code: n.laCode, area_codes: json(n.areaCodes), decision: json(n.decision), from_proposal_id: n.fromProposalId ?? null, created_by: n.createdBy,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function findNeed(db: Db, id: string): Promise<NeedRow | null> {
  return (await db.selectFrom('commissioning_needs').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function listNeeds(db: Db, organisationId?: string): Promise<NeedRow[]> {
  let q = db.selectFrom('commissioning_needs').selectAll();
  if (organisationId) q = q.where('organisation_id', '=', organisationId);
  return q.orderBy('created_at', 'desc').limit(500).execute();
}

// Processes, lots, criteria, documents

export async function insertProcess(db: Db, p: {
  organisationId: string; id: string; ocid: string; needId: string | null; title: string; description: string; valuePence: number;
  bidDeadline: Date; contractStart: string | null; contractEnd: string | null; standstillDays: number; createdBy: string | null;
}): Promise<ProcessRow> {
  return db.insertInto('commissioning_processes').values({
    organisation_id: p.organisationId, id: p.id, ocid: p.ocid, need_id: p.needId, title: p.title, description: p.description, value_pence: p.valuePence,
    bid_deadline: p.bidDeadline, contract_start: p.contractStart, contract_end: p.contractEnd, standstill_days: p.standstillDays, created_by: p.createdBy,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function findProcess(db: Db, id: string): Promise<ProcessRow | null> {
  return (await db.selectFrom('commissioning_processes').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function findProcessByOcid(db: Db, ocid: string): Promise<ProcessRow | null> {
  return (await db.selectFrom('commissioning_processes').selectAll().where('ocid', '=', ocid).executeTakeFirst()) ?? null;
}

/** Locks the process row for the rest of the transaction: writers to one process take turns. */
export async function lockProcess(db: Db, p: { organisation_id: string; id: string }): Promise<ProcessRow> {
  return db.selectFrom('commissioning_processes').selectAll().where('organisation_id', '=', p.organisation_id).where('id', '=', p.id)
    .forUpdate().executeTakeFirstOrThrow();
}

export async function listProcesses(db: Db, f: { organisationId?: string; statuses?: ProcessStatus[]; needId?: string }): Promise<ProcessRow[]> {
  let q = db.selectFrom('commissioning_processes').selectAll();
  if (f.organisationId) q = q.where('organisation_id', '=', f.organisationId);
  if (f.statuses) q = q.where('status', 'in', f.statuses);
  if (f.needId) q = q.where('need_id', '=', f.needId);
  return q.orderBy('bid_deadline', 'desc').limit(500).execute();
}

export async function updateProcess(db: Db, p: { organisation_id: string; id: string }, set: Partial<{
  status: ProcessStatus; description: string; bid_deadline: Date; published_at: Date; value_pence: number;
}>): Promise<ProcessRow> {
  return db.updateTable('commissioning_processes').set({ ...set, updated_at: new Date() })
    .where('organisation_id', '=', p.organisation_id).where('id', '=', p.id).returningAll().executeTakeFirstOrThrow();
}

/** Rewrites a draft's own fields (a published process is only ever amended). */
export async function updateDraft(db: Db, p: { organisation_id: string; id: string }, v: {
  needId: string | null; title: string; description: string; valuePence: number; bidDeadline: Date; contractStart: string | null; contractEnd: string | null; standstillDays: number;
}): Promise<void> {
  await db.updateTable('commissioning_processes').set({
    need_id: v.needId, title: v.title, description: v.description, value_pence: v.valuePence, bid_deadline: v.bidDeadline,
    contract_start: v.contractStart, contract_end: v.contractEnd, standstill_days: v.standstillDays, updated_at: new Date(),
  }).where('organisation_id', '=', p.organisation_id).where('id', '=', p.id).where('status', '=', 'draft').execute();
}

/** Removes a draft's lots, criteria and documents, to be written again (a draft has no bids, scores or releases). */
export async function deleteDraftParts(db: Db, p: { organisation_id: string; id: string }): Promise<void> {
  for (const table of ['commissioning_documents', 'commissioning_criteria', 'commissioning_lots'] as const) {
    await db.deleteFrom(table).where('organisation_id', '=', p.organisation_id).where('process_id', '=', p.id).execute();
  }
}

export async function insertLot(db: Db, l: {
  organisationId: string; processId: string; number: number; title: string; description: string; valuePence: number;
  suitableSme: boolean; suitableVcse: boolean; unsuitableReason: string | null;
}): Promise<LotRow> {
  return db.insertInto('commissioning_lots').values({
    organisation_id: l.organisationId, process_id: l.processId, number: l.number, title: l.title, description: l.description,
    value_pence: l.valuePence, suitable_sme: l.suitableSme, suitable_vcse: l.suitableVcse, unsuitable_reason: l.unsuitableReason,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function listLots(db: Db, p: { organisation_id: string; id: string }): Promise<LotRow[]> {
  return db.selectFrom('commissioning_lots').selectAll().where('organisation_id', '=', p.organisation_id).where('process_id', '=', p.id).orderBy('number').execute();
}

export async function insertCriterion(db: Db, c: { organisationId: string; processId: string; kind: CriterionKind; title: string; weight: number; position: number }): Promise<CriterionRow> {
  return db.insertInto('commissioning_criteria').values({
    organisation_id: c.organisationId, process_id: c.processId, kind: c.kind, title: c.title, weight: c.weight, position: c.position,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function listCriteria(db: Db, p: { organisation_id: string; id: string }): Promise<CriterionRow[]> {
  return db.selectFrom('commissioning_criteria').selectAll().where('organisation_id', '=', p.organisation_id).where('process_id', '=', p.id).orderBy('position').execute();
}

export async function insertDocument(db: Db, d: { organisationId: string; processId: string; title: string; url: string }): Promise<DocumentRow> {
  return db.insertInto('commissioning_documents').values({ organisation_id: d.organisationId, process_id: d.processId, title: d.title, url: d.url })
    .returningAll().executeTakeFirstOrThrow();
}

export async function listDocuments(db: Db, p: { organisation_id: string; id: string }): Promise<DocumentRow[]> {
  return db.selectFrom('commissioning_documents').selectAll().where('organisation_id', '=', p.organisation_id).where('process_id', '=', p.id).orderBy('created_at').execute();
}

// Questions and interest

export async function insertQuestion(db: Db, q: { organisationId: string; processId: string; question: string; askedBy: string | null }): Promise<QuestionRow> {
  return db.insertInto('commissioning_questions').values({ organisation_id: q.organisationId, process_id: q.processId, question: q.question, asked_by: q.askedBy })
    .returningAll().executeTakeFirstOrThrow();
}

export async function findQuestion(db: Db, id: string): Promise<QuestionRow | null> {
  return (await db.selectFrom('commissioning_questions').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function answerQuestion(db: Db, q: QuestionRow, answer: string, answeredBy: string | null): Promise<QuestionRow> {
  return db.updateTable('commissioning_questions').set({ answer, answered_by: answeredBy, answered_at: new Date() })
    .where('organisation_id', '=', q.organisation_id).where('process_id', '=', q.process_id).where('id', '=', q.id)
    .where('answer', 'is', null).returningAll().executeTakeFirstOrThrow();
}

export async function listQuestions(db: Db, p: { organisation_id: string; id: string }): Promise<QuestionRow[]> {
  return db.selectFrom('commissioning_questions').selectAll().where('organisation_id', '=', p.organisation_id).where('process_id', '=', p.id).orderBy('asked_at').execute();
}

export async function upsertInterest(db: Db, i: { organisationId: string; processId: string; providerId: string; seekingPartners: boolean; note: string; registeredBy: string | null }): Promise<void> {
  await db.insertInto('commissioning_interests').values({
    organisation_id: i.organisationId, process_id: i.processId, provider_organisation_id: i.providerId, seeking_partners: i.seekingPartners, note: i.note, registered_by: i.registeredBy,
  }).onConflict((oc) => oc.columns(['organisation_id', 'process_id', 'provider_organisation_id']).doUpdateSet({ seeking_partners: i.seekingPartners, note: i.note }))
    .execute();
}

export async function listInterests(db: Db, p: { organisation_id: string; id: string }) {
  return db.selectFrom('commissioning_interests').selectAll().where('organisation_id', '=', p.organisation_id).where('process_id', '=', p.id).orderBy('registered_at').execute();
}

// Bids

export async function findBidByLead(db: Db, p: { organisation_id: string; id: string }, lotId: string, leadId: string): Promise<BidRow | null> {
  return (await db.selectFrom('commissioning_bids').selectAll().where('organisation_id', '=', p.organisation_id).where('process_id', '=', p.id)
    .where('lot_id', '=', lotId).where('lead_organisation_id', '=', leadId).executeTakeFirst()) ?? null;
}

export async function insertBid(db: Db, b: { organisationId: string; processId: string; lotId: string; leadId: string; submittedBy: string | null; sha256: string }): Promise<BidRow> {
  return db.insertInto('commissioning_bids').values({
    organisation_id: b.organisationId, process_id: b.processId, lot_id: b.lotId, lead_organisation_id: b.leadId, submitted_by: b.submittedBy, content_sha256: b.sha256,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function resubmitBid(db: Db, bid: BidRow, sha256: string, submittedBy: string | null): Promise<BidRow> {
  return db.updateTable('commissioning_bids').set((eb) => ({ content_sha256: sha256, submitted_by: submittedBy, submitted_at: new Date(), status: 'submitted', versions: eb('versions', '+', 1) }))
    .where('organisation_id', '=', bid.organisation_id).where('process_id', '=', bid.process_id).where('id', '=', bid.id).returningAll().executeTakeFirstOrThrow();
}

export async function setBidStatus(db: Db, bid: BidRow, status: BidStatus): Promise<BidRow> {
  return db.updateTable('commissioning_bids').set({ status })
    .where('organisation_id', '=', bid.organisation_id).where('process_id', '=', bid.process_id).where('id', '=', bid.id).returningAll().executeTakeFirstOrThrow();
}

export interface MemberInput {
  organisationId: string; isLead: boolean; sharePercent: number;
  consent: ConsentStatus; invitedAt: Date; respondedBy: string | null; respondedAt: Date | null;
}

export async function replaceBidMembers(db: Db, bid: BidRow, members: MemberInput[]): Promise<void> {
  await db.deleteFrom('commissioning_bid_members').where('organisation_id', '=', bid.organisation_id).where('process_id', '=', bid.process_id).where('bid_id', '=', bid.id).execute();
  await db.insertInto('commissioning_bid_members').values(members.map((m) => ({
    organisation_id: bid.organisation_id, process_id: bid.process_id, bid_id: bid.id, member_organisation_id: m.organisationId, is_lead: m.isLead, share_percent: m.sharePercent,
    consent: m.consent, invited_at: m.invitedAt, responded_by: m.respondedBy, responded_at: m.respondedAt,
  }))).execute();
}

/** A member's row, locked, for answering an invitation. */
export async function lockBidMember(db: Db, bid: BidRow, memberOrganisationId: string): Promise<BidMemberRow | null> {
  return (await db.selectFrom('commissioning_bid_members').selectAll().where('organisation_id', '=', bid.organisation_id).where('process_id', '=', bid.process_id)
    .where('bid_id', '=', bid.id).where('member_organisation_id', '=', memberOrganisationId).forUpdate().executeTakeFirst()) ?? null;
}

export async function setMemberConsent(db: Db, m: BidMemberRow, consent: 'accepted' | 'declined', respondedBy: string | null): Promise<BidMemberRow> {
  return db.updateTable('commissioning_bid_members').set({ consent, responded_by: respondedBy, responded_at: new Date() })
    .where('organisation_id', '=', m.organisation_id).where('process_id', '=', m.process_id).where('bid_id', '=', m.bid_id)
    .where('member_organisation_id', '=', m.member_organisation_id).returningAll().executeTakeFirstOrThrow();
}

/** Invitations still waiting for an answer from these organisations, on bids not withdrawn, newest first. */
export async function pendingInvitations(db: Db, organisationIds: string[]): Promise<BidMemberRow[]> {
  if (organisationIds.length === 0) return [];
  return db.selectFrom('commissioning_bid_members').selectAll('commissioning_bid_members')
    .innerJoin('commissioning_bids', (j) => j.onRef('commissioning_bids.organisation_id', '=', 'commissioning_bid_members.organisation_id')
      .onRef('commissioning_bids.process_id', '=', 'commissioning_bid_members.process_id').onRef('commissioning_bids.id', '=', 'commissioning_bid_members.bid_id'))
    .where('commissioning_bid_members.member_organisation_id', 'in', organisationIds).where('commissioning_bid_members.consent', '=', 'invited')
    .where('commissioning_bids.status', '<>', 'withdrawn').orderBy('commissioning_bid_members.invited_at', 'desc').limit(500).execute();
}

/**
 * Writes a sealed version of a bid's content (the database refuses once the deadline has passed). The version
 * number comes from the bid row, never from reading the sealed table.
 */
export async function insertBidContent(db: Db, bid: BidRow, c: { pricePence: number; approach: string; socialValue: string }): Promise<void> {
  await db.insertInto('commissioning_bid_contents').values({
    organisation_id: bid.organisation_id, process_id: bid.process_id, bid_id: bid.id, version: bid.versions, price_pence: c.pricePence, approach: c.approach, social_value: c.socialValue,
  }).execute();
}

export async function findBid(db: Db, id: string): Promise<BidRow | null> {
  return (await db.selectFrom('commissioning_bids').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function listBids(db: Db, p: { organisation_id: string; id: string }): Promise<BidRow[]> {
  return db.selectFrom('commissioning_bids').selectAll().where('organisation_id', '=', p.organisation_id).where('process_id', '=', p.id).orderBy('submitted_at').execute();
}

export async function listBidsOfOrganisations(db: Db, organisationIds: string[]): Promise<BidRow[]> {
  if (organisationIds.length === 0) return [];
  return db.selectFrom('commissioning_bids').selectAll().where('id', 'in', (eb) => eb.selectFrom('commissioning_bid_members').select('bid_id')
    .where('member_organisation_id', 'in', organisationIds).where('consent', '=', 'accepted')).orderBy('submitted_at', 'desc').limit(500).execute();
}

export async function bidMembers(db: Db, bidIds: string[]) {
  if (bidIds.length === 0) return [];
  return db.selectFrom('commissioning_bid_members').selectAll().where('bid_id', 'in', bidIds).orderBy('is_lead', 'desc').orderBy('share_percent', 'desc').execute();
}

/** The unsealed content of bids: empty for any bid whose deadline has not passed, whoever asks. */
export async function unsealedContents(db: Db, organisationId: string, processId: string, bidIds: string[]): Promise<ContentRow[]> {
  if (bidIds.length === 0) return [];
  return db.selectFrom('commissioning_unsealed_bid_contents').selectAll().where('organisation_id', '=', organisationId).where('process_id', '=', processId)
    .where('bid_id', 'in', bidIds).execute();
}

/**
 * The latest content of bids that `memberOrganisationId` is an accepted member of, at any time (before the
 * deadline too): the bidder reading back what it sent. The database shows these rows only to a transaction
 * that names the member organisation (policy commissioning_bid_contents_own, migration 0031); the caller has
 * checked that the person acts for it. Call inside a transaction: the setting is cleared before returning.
 */
export async function ownBidContents(trx: Db, p: { organisation_id: string; id: string }, bidIds: string[], memberOrganisationId: string): Promise<ContentRow[]> {
  if (bidIds.length === 0) return [];
  await sql`SELECT set_config('commonweal.bidder_organisation', ${memberOrganisationId}, true)`.execute(trx);
  const rows = await trx.selectFrom('commissioning_bid_contents as c')
    .innerJoin('commissioning_bid_members as m', (j) => j.onRef('m.organisation_id', '=', 'c.organisation_id').onRef('m.process_id', '=', 'c.process_id').onRef('m.bid_id', '=', 'c.bid_id'))
    .select(['c.organisation_id', 'c.process_id', 'c.bid_id', 'c.version', 'c.price_pence', 'c.approach', 'c.social_value', 'c.created_at'])
    .where('c.organisation_id', '=', p.organisation_id).where('c.process_id', '=', p.id).where('c.bid_id', 'in', bidIds)
    .where('m.member_organisation_id', '=', memberOrganisationId).where('m.consent', '=', 'accepted')
    .orderBy('c.bid_id').orderBy('c.version', 'desc').execute();
  await sql`SELECT set_config('commonweal.bidder_organisation', '', true)`.execute(trx);
  const latest = new Map<string, ContentRow>();
  for (const r of rows) if (!latest.has(r.bid_id)) latest.set(r.bid_id, r as ContentRow);
  return [...latest.values()];
}

// Evaluation

export async function assignEvaluator(db: Db, bid: BidRow, userId: string, assignedBy: string | null): Promise<boolean> {
  const r = await db.insertInto('commissioning_evaluators').values({
    organisation_id: bid.organisation_id, process_id: bid.process_id, bid_id: bid.id, user_id: userId, assigned_by: assignedBy,
  }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function evaluatorsOf(db: Db, p: { organisation_id: string; id: string }): Promise<EvaluatorRow[]> {
  return db.selectFrom('commissioning_evaluators').selectAll().where('organisation_id', '=', p.organisation_id).where('process_id', '=', p.id).execute();
}

export async function findAssignment(db: Db, bid: BidRow, userId: string): Promise<EvaluatorRow | null> {
  return (await db.selectFrom('commissioning_evaluators').selectAll().where('organisation_id', '=', bid.organisation_id).where('process_id', '=', bid.process_id)
    .where('bid_id', '=', bid.id).where('user_id', '=', userId).executeTakeFirst()) ?? null;
}

export async function declareConflict(db: Db, a: EvaluatorRow, note: string): Promise<void> {
  await db.updateTable('commissioning_evaluators').set({ conflict_declared: true, conflict_note: note })
    .where('organisation_id', '=', a.organisation_id).where('process_id', '=', a.process_id).where('bid_id', '=', a.bid_id).where('user_id', '=', a.user_id).execute();
}

export async function insertScore(db: Db, s: { organisationId: string; processId: string; bidId: string; criterionId: string; userId: string | null; kind: 'evaluation' | 'moderation'; score: number; reason: string }): Promise<ScoreRow> {
  return db.insertInto('commissioning_scores').values({
    organisation_id: s.organisationId, process_id: s.processId, bid_id: s.bidId, criterion_id: s.criterionId, user_id: s.userId, kind: s.kind, score: s.score, reason: s.reason,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function scoresOf(db: Db, p: { organisation_id: string; id: string }): Promise<ScoreRow[]> {
  return db.selectFrom('commissioning_scores').selectAll().where('organisation_id', '=', p.organisation_id).where('process_id', '=', p.id).orderBy('created_at').execute();
}

// Awards and contracts

export async function insertAward(db: Db, a: { organisationId: string; processId: string; lotId: string; bidId: string; valuePence: number; rationale: string; decidedBy: string | null; standstillEnds: Date }): Promise<AwardRow> {
  return db.insertInto('commissioning_awards').values({
    organisation_id: a.organisationId, process_id: a.processId, lot_id: a.lotId, bid_id: a.bidId, value_pence: a.valuePence, rationale: a.rationale,
    decided_by: a.decidedBy, standstill_ends: a.standstillEnds,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function listAwards(db: Db, p: { organisation_id: string; id: string }): Promise<AwardRow[]> {
  return db.selectFrom('commissioning_awards').selectAll().where('organisation_id', '=', p.organisation_id).where('process_id', '=', p.id).orderBy('decided_at').execute();
}

export async function findAward(db: Db, id: string): Promise<AwardRow | null> {
  return (await db.selectFrom('commissioning_awards').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function insertContract(db: Db, c: { organisationId: string; processId: string; awardId: string; title: string; valuePence: number; startDate: string | null; endDate: string | null; signedBy: string | null }): Promise<ContractRow> {
  return db.insertInto('commissioning_contracts').values({
    organisation_id: c.organisationId, process_id: c.processId, award_id: c.awardId, title: c.title, value_pence: c.valuePence, start_date: c.startDate, end_date: c.endDate, signed_by: c.signedBy,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function findContract(db: Db, id: string): Promise<ContractRow | null> {
  return (await db.selectFrom('commissioning_contracts').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function listContracts(db: Db, f: { organisationId?: string; processId?: string; supplierOrganisationId?: string }): Promise<ContractRow[]> {
  let q = db.selectFrom('commissioning_contracts as c').selectAll('c');
  if (f.organisationId) q = q.where('c.organisation_id', '=', f.organisationId);
  if (f.processId) q = q.where('c.process_id', '=', f.processId);
  if (f.supplierOrganisationId) {
    const supplier = f.supplierOrganisationId;
    q = q.where('c.award_id', 'in', (eb) => eb.selectFrom('commissioning_awards as a')
      .innerJoin('commissioning_bid_members as m', (j) => j.onRef('m.organisation_id', '=', 'a.organisation_id').onRef('m.process_id', '=', 'a.process_id').onRef('m.bid_id', '=', 'a.bid_id'))
      .where('m.member_organisation_id', '=', supplier).select('a.id'));
  }
  return q.orderBy('c.signed_at', 'desc').limit(1000).execute();
}

export async function insertMilestone(db: Db, m: { contract: ContractRow; title: string; dueDate: string | null; position: number }): Promise<MilestoneRow> {
  return db.insertInto('commissioning_milestones').values({
    organisation_id: m.contract.organisation_id, process_id: m.contract.process_id, contract_id: m.contract.id, title: m.title, due_date: m.dueDate, position: m.position,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function milestonesOf(db: Db, contractIds: string[]): Promise<MilestoneRow[]> {
  if (contractIds.length === 0) return [];
  return db.selectFrom('commissioning_milestones').selectAll().where('contract_id', 'in', contractIds).orderBy('position').execute();
}

export async function setMilestoneStatus(db: Db, m: MilestoneRow, status: 'scheduled' | 'met' | 'notMet', dateMet: string | null): Promise<MilestoneRow> {
  return db.updateTable('commissioning_milestones').set({ status, date_met: dateMet })
    .where('organisation_id', '=', m.organisation_id).where('process_id', '=', m.process_id).where('contract_id', '=', m.contract_id).where('id', '=', m.id)
    .returningAll().executeTakeFirstOrThrow();
}

export async function insertKpi(db: Db, k: { contract: ContractRow; title: string; target: number; unit: string; position: number }): Promise<KpiRow> {
  return db.insertInto('commissioning_kpis').values({
    organisation_id: k.contract.organisation_id, process_id: k.contract.process_id, contract_id: k.contract.id, title: k.title, target: k.target, unit: k.unit, position: k.position,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function kpisOf(db: Db, contractIds: string[]): Promise<KpiRow[]> {
  if (contractIds.length === 0) return [];
  return db.selectFrom('commissioning_kpis').selectAll().where('contract_id', 'in', contractIds).orderBy('position').execute();
}

// Open calls and proposals

export async function insertOpenCall(db: Db, c: { organisationId: string; title: string; description: string; closesOn: string | null; createdBy: string | null }): Promise<OpenCallRow> {
  return db.insertInto('commissioning_open_calls').values({ organisation_id: c.organisationId, title: c.title, description: c.description, closes_on: c.closesOn, created_by: c.createdBy })
    .returningAll().executeTakeFirstOrThrow();
}

export async function findOpenCall(db: Db, id: string): Promise<OpenCallRow | null> {
  return (await db.selectFrom('commissioning_open_calls').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function listOpenCalls(db: Db): Promise<OpenCallRow[]> {
  return db.selectFrom('commissioning_open_calls').selectAll().orderBy('created_at', 'desc').limit(200).execute();
}

export async function insertProposal(db: Db, p: { call: OpenCallRow; proposerId: string; title: string; need: string; proposal: string; submittedBy: string | null }): Promise<ProposalRow> {
  return db.insertInto('commissioning_proposals').values({
    organisation_id: p.call.organisation_id, open_call_id: p.call.id, proposer_organisation_id: p.proposerId, title: p.title, need: p.need, proposal: p.proposal, submitted_by: p.submittedBy,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function findProposal(db: Db, id: string): Promise<ProposalRow | null> {
  return (await db.selectFrom('commissioning_proposals').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function listProposals(db: Db, call: OpenCallRow): Promise<ProposalRow[]> {
  return db.selectFrom('commissioning_proposals').selectAll().where('organisation_id', '=', call.organisation_id).where('open_call_id', '=', call.id).orderBy('submitted_at').execute();
}

export async function linkProposal(db: Db, p: ProposalRow, processId: string): Promise<void> {
  await db.updateTable('commissioning_proposals').set({ process_id: processId })
    .where('organisation_id', '=', p.organisation_id).where('open_call_id', '=', p.open_call_id).where('id', '=', p.id).execute();
}

// Releases

export async function nextReleaseSeq(db: Db, p: { organisation_id: string; id: string }): Promise<number> {
  const r = await db.selectFrom('commissioning_releases').select((eb) => eb.fn.max('seq').as('m'))
    .where('organisation_id', '=', p.organisation_id).where('process_id', '=', p.id).executeTakeFirst();
  return Number(r?.m ?? 0) + 1;
}

export async function insertRelease(db: Db, r: { organisationId: string; processId: string; seq: number; releaseId: string; ocid: string; tags: string[]; release: Record<string, unknown>; publishedAt: Date }): Promise<void> {
  await db.insertInto('commissioning_releases').values({
    organisation_id: r.organisationId, process_id: r.processId, seq: r.seq, release_id: r.releaseId, ocid: r.ocid, tags: json(r.tags), release: json(r.release), published_at: r.publishedAt,
  }).execute();
}

export async function releasesOfOcid(db: Db, ocid: string): Promise<ReleaseRow[]> {
  return db.selectFrom('commissioning_releases').selectAll().where('ocid', '=', ocid).orderBy('seq').execute();
}

export async function releasesOfPublisher(db: Db, organisationId: string, limit: number): Promise<ReleaseRow[]> {
  return db.selectFrom('commissioning_releases').selectAll().where('organisation_id', '=', organisationId)
    .orderBy('published_at').orderBy('ocid').orderBy('seq').limit(limit).execute();
}

export async function latestReleases(db: Db, limit: number): Promise<ReleaseRow[]> {
  return db.selectFrom('commissioning_releases').selectAll().orderBy('published_at', 'desc').orderBy('seq', 'desc').limit(limit).execute();
}

/** Contracts awarded to an organisation (it led the winning bid), for its page in the registry. */
export async function contractsWonBy(db: Db, organisationId: string): Promise<{ id: string; title: string; buyer_id: string; value_pence: number; start_date: string | null; end_date: string | null; signed_at: string }[]> {
  const rows = (await sql<{ id: string; title: string; buyer_id: string; value_pence: number; start_date: string | null; end_date: string | null; signed_at: string }>`
    SELECT c.id, c.title, c.organisation_id AS buyer_id, c.value_pence, c.start_date::text AS start_date, c.end_date::text AS end_date, c.signed_at::date::text AS signed_at
    FROM commissioning_contracts c
    JOIN commissioning_awards a ON a.organisation_id = c.organisation_id AND a.id = c.award_id
    JOIN commissioning_bids b ON b.organisation_id = a.organisation_id AND b.id = a.bid_id
    WHERE b.lead_organisation_id = ${organisationId}
    ORDER BY c.signed_at DESC LIMIT 50`.execute(db)).rows;
  return rows.map((r) => ({ ...r, value_pence: Number(r.value_pence) }));
}

// KPI ratings (Procurement Act 2023 scale, migration 0038)

export type KpiRatingRow = Selectable<CommissioningKpiRatingsTable>;

export async function upsertKpiRating(db: Db, r: { kpi: KpiRow; period: string; rating: KpiRating; note: string; ratedBy: string | null }): Promise<KpiRatingRow> {
  return db.insertInto('commissioning_kpi_ratings').values({
    organisation_id: r.kpi.organisation_id, contract_id: r.kpi.contract_id, kpi_id: r.kpi.id, period: r.period, rating: r.rating, note: r.note, rated_by: r.ratedBy,
  }).onConflict((oc) => oc.columns(['organisation_id', 'kpi_id', 'period']).doUpdateSet({ rating: r.rating, note: r.note, rated_by: r.ratedBy, rated_at: new Date() }))
    .returningAll().executeTakeFirstOrThrow();
}

export async function kpiRatingsOf(db: Db, contractIds: string[], period?: string): Promise<KpiRatingRow[]> {
  if (contractIds.length === 0) return [];
  let q = db.selectFrom('commissioning_kpi_ratings').selectAll().where('contract_id', 'in', contractIds);
  if (period) q = q.where('period', '=', period);
  return q.orderBy('period').execute();
}

/**
 * The KPIs of the buyer's contracts that ran during a financial year (`starts` … `ends`, ISO dates) and have no
 * rating for it, for a person who is a commissioner of the buyer; oldest contracts first, at most `limit`.
 */
export async function kpisAwaitingRating(db: Db, userId: string, year: { period: string; starts: string; ends: string }, limit = 100) {
  return db.selectFrom('commissioning_kpis as k')
    .innerJoin('commissioning_contracts as c', (j) => j.onRef('c.organisation_id', '=', 'k.organisation_id').onRef('c.id', '=', 'k.contract_id'))
    .innerJoin('memberships as m', (j) => j.onRef('m.organisation_id', '=', 'c.organisation_id').on('m.user_id', '=', userId).on('m.role', '=', 'commissioner'))
    .select(['k.contract_id', 'k.id as kpi_id', 'k.title as kpi_title', 'c.title as contract_title', 'c.organisation_id', 'c.signed_at'])
    .where((eb) => eb.or([eb('c.start_date', 'is', null), eb('c.start_date', '<=', year.ends)]))
    .where((eb) => eb.or([eb('c.end_date', 'is', null), eb('c.end_date', '>=', year.starts)]))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('commissioning_kpi_ratings as r').select('r.kpi_id')
      .whereRef('r.organisation_id', '=', 'k.organisation_id').whereRef('r.kpi_id', '=', 'k.id').where('r.period', '=', year.period))))
    .orderBy('c.signed_at').orderBy('k.position').limit(limit).execute();
}

/**
 * Contracts that ran during a financial year, have a KPI without a rating for it, and have had no reminder for
 * it (migration 0048): the candidates for a reminder run, oldest first.
 */
export async function contractsAwaitingKpiReminder(db: Db, year: { period: string; starts: string; ends: string }, limit: number) {
  return db.selectFrom('commissioning_contracts as c')
    .select(['c.organisation_id', 'c.id', 'c.title'])
    .where((eb) => eb.or([eb('c.start_date', 'is', null), eb('c.start_date', '<=', year.ends)]))
    .where((eb) => eb.or([eb('c.end_date', 'is', null), eb('c.end_date', '>=', year.starts)]))
    .where((eb) => eb.exists(eb.selectFrom('commissioning_kpis as k').select('k.id')
      .whereRef('k.organisation_id', '=', 'c.organisation_id').whereRef('k.contract_id', '=', 'c.id')
      .where((e2) => e2.not(e2.exists(e2.selectFrom('commissioning_kpi_ratings as r').select('r.kpi_id')
        .whereRef('r.organisation_id', '=', 'k.organisation_id').whereRef('r.kpi_id', '=', 'k.id').where('r.period', '=', year.period))))))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('commissioning_kpi_rating_reminders as m').select('m.contract_id')
      .whereRef('m.organisation_id', '=', 'c.organisation_id').whereRef('m.contract_id', '=', 'c.id').where('m.period', '=', year.period))))
    .orderBy('c.signed_at').limit(limit).execute();
}

/** Claims a reminder: true for the one caller whose row goes in, false for every other (sent already, or at the same moment). */
export async function claimKpiReminder(trx: Db, key: { organisation_id: string; contract_id: string; period: string }): Promise<boolean> {
  return !!(await trx.insertInto('commissioning_kpi_rating_reminders').values(key).onConflict((oc) => oc.doNothing()).returning('contract_id').executeTakeFirst());
}

export async function setKpiReminderRecipients(trx: Db, key: { organisation_id: string; contract_id: string; period: string }, recipients: number): Promise<void> {
  await trx.updateTable('commissioning_kpi_rating_reminders').set({ recipients })
    .where('organisation_id', '=', key.organisation_id).where('contract_id', '=', key.contract_id).where('period', '=', key.period).execute();
}

/** The KPIs of a contract without a rating for the year, in their order. */
export async function unratedKpisOf(db: Db, organisationId: string, contractId: string, period: string) {
  return db.selectFrom('commissioning_kpis as k').select(['k.id', 'k.title'])
    .where('k.organisation_id', '=', organisationId).where('k.contract_id', '=', contractId)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('commissioning_kpi_ratings as r').select('r.kpi_id')
      .whereRef('r.organisation_id', '=', 'k.organisation_id').whereRef('r.kpi_id', '=', 'k.id').where('r.period', '=', period))))
    .orderBy('k.position').execute();
}
