// Outcome agreements between a service and the people it serves (a person, or a group such as a tenants'
// association): the outcomes each side seeks, the commitments each side makes, how progress is measured and
// when it is reviewed. Both sides sign; both record progress; reviews are kept. The public view leaves out
// personal details: a person's name, progress notes and review summaries are for the two sides only.
//
// Who may: the service's organisation (`admin` or `staff`) drafts the agreement and signs, records progress and
// reviews for the service; the person named as the citizens' side (for a group, its representative) signs and
// records for the citizens. Nobody else may see the private parts.
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { holdsRoleIn, requireOrganisationRole } from '../platform/auth/policy.ts';
import { findUserByEmail } from '../platform/auth/auth.repository.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { findOrganisation } from '../organisations/organisations.service.ts';
import * as repo from './outcomes.repository.ts';
import type { ProgressStatus, Side } from './outcomes.table.ts';
import { readDate, uuidPattern } from './outcomes.input.ts';

const serviceRoles = ['admin', 'staff'] as const;
export const progressStatuses = ['not-started', 'on-track', 'off-track', 'achieved'] as const;
export const progressLabels: Record<ProgressStatus, string> = { 'not-started': 'Not started', 'on-track': 'On track', 'off-track': 'Off track', achieved: 'Achieved' };

export interface TermView {
  id: string; side: Side; kind: 'outcome' | 'commitment'; text: string; measure: string;
  /** The latest status each side has recorded (null until it records one). */
  serviceStatus: ProgressStatus | null; citizenStatus: ProgressStatus | null;
}

/** What anyone may see. */
export interface AgreementPublicView {
  id: string; organisationId: string; serviceName: string; title: string; summary: string;
  partyKind: 'person' | 'group'; groupName: string | null;
  serviceSignedAt: string | null; partySignedAt: string | null; inForce: boolean; nextReviewOn: string | null;
  terms: TermView[]; reviewDates: string[];
}

/** What the two sides see besides. */
export interface AgreementView extends AgreementPublicView {
  yourSide: Side | null;
  partyName: string | null;
  progress: { id: string; termId: string; side: Side; status: ProgressStatus; note: string; at: string }[] | null;
  reviews: { id: string; heldOn: string; side: Side; summary: string; nextReviewOn: string | null }[] | null;
}

async function sideOf(db: Db, actor: Actor, a: repo.AgreementRow): Promise<Side | null> {
  if (!actor.userId) return actor.isAdmin ? 'service' : null;
  if (actor.userId === a.party_user_id) return 'citizen';
  if (actor.isAdmin || (await holdsRoleIn(db, actor.userId, [a.organisation_id], serviceRoles))) return 'service';
  return null;
}

async function present(db: Db, a: repo.AgreementRow, side: Side | null): Promise<AgreementView> {
  const [terms, progress, reviews] = [await repo.termsOf(db, a), await repo.progressOf(db, a), await repo.reviewsOf(db, a)];
  const latest = (termId: string, s: Side) => progress.filter((p) => p.term_id === termId && p.recorded_side === s).at(-1)?.status ?? null;
  return {
    id: a.id, organisationId: a.organisation_id, serviceName: a.service_name, title: a.title, summary: a.summary,
    partyKind: a.party_kind, groupName: a.group_name,
    serviceSignedAt: a.service_signed_at?.toISOString() ?? null, partySignedAt: a.party_signed_at?.toISOString() ?? null,
    inForce: !!(a.service_signed_at && a.party_signed_at), nextReviewOn: a.next_review_on,
    terms: terms.map((t) => ({ id: t.id, side: t.side, kind: t.kind, text: t.text, measure: t.measure, serviceStatus: latest(t.id, 'service'), citizenStatus: latest(t.id, 'citizen') })),
    reviewDates: reviews.map((r) => r.held_on),
    yourSide: side,
    partyName: side ? a.party_name : null,
    progress: side ? progress.map((p) => ({ id: p.id, termId: p.term_id, side: p.recorded_side, status: p.status, note: p.note, at: p.recorded_at.toISOString() })) : null,
    reviews: side ? reviews.map((r) => ({ id: r.id, heldOn: r.held_on, side: r.recorded_side, summary: r.summary, nextReviewOn: r.next_review_on })) : null,
  };
}

/** The public part only: what leaves for someone who is neither side. */
export function publicPart(v: AgreementView): AgreementPublicView {
  const { yourSide: _s, partyName: _n, progress: _p, reviews: _r, ...rest } = v;
  return rest;
}

export interface AgreementInput {
  organisation?: unknown; serviceName?: unknown; title?: unknown; summary?: unknown; partyKind?: unknown; groupName?: unknown;
  partyEmail?: unknown; partyName?: unknown; nextReviewOn?: unknown;
  terms?: unknown;
}

/**
 * Drafts an agreement (`admin` or `staff` of the service's organisation). The citizens' side is a person with
 * an account (registered without a password if new, as they sign in by resetting it), named privately. Terms
 * are the outcomes and commitments of each side; at least one of each side's.
 */
export async function createAgreement(db: Db, actor: Actor, input: AgreementInput): Promise<AgreementView> {
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  const check = new Checker();
  const orgRef = typeof input.organisation === 'string' ? input.organisation.trim().slice(0, 200) : '';
  const org = orgRef ? await findOrganisation(db, orgRef) : null;
  if (!orgRef) check.fail('organisation', 'Enter the service’s organisation');
  else if (!org) check.fail('organisation', `No organisation is registered as "${orgRef}"`);
  const serviceName = check.text(input.serviceName, 'serviceName', 'the service’s name', { max: 200 });
  const title = check.text(input.title, 'title', 'a title for the agreement', { max: 200 });
  const summary = check.text(input.summary, 'summary', 'a summary', { max: 2000, optional: true });
  const partyKind = check.oneOf(input.partyKind, 'partyKind', 'whether the agreement is with a person or a group', ['person', 'group'] as const);
  const groupName = partyKind === 'group' ? check.text(input.groupName, 'groupName', 'the group’s name', { max: 200 }) : null;
  const partyEmail = check.email(input.partyEmail, 'partyEmail');
  const partyName = check.text(input.partyName, 'partyName', partyKind === 'group' ? 'the name of the group’s representative' : 'the person’s name', { max: 200 });
  const nextReviewOn = readDate(check, input.nextReviewOn, 'nextReviewOn', 'the first review date', { optional: true });
  const list = Array.isArray(input.terms) ? input.terms : [];
  if (list.length < 2 || list.length > 40) check.fail('terms', 'Give between 2 and 40 outcomes and commitments');
  const terms = list.map((raw, i) => {
    const t = (raw ?? {}) as Record<string, unknown>;
    return {
      side: check.oneOf(t.side, `terms.${i}.side`, 'whose term it is (service or citizen)', ['service', 'citizen'] as const),
      kind: check.oneOf(t.kind, `terms.${i}.kind`, 'outcome or commitment', ['outcome', 'commitment'] as const),
      text: check.text(t.text, `terms.${i}.text`, `term ${i + 1}`, { max: 500 }),
      measure: check.text(t.measure, `terms.${i}.measure`, `how term ${i + 1} is measured`, { max: 500, optional: true }),
    };
  });
  if (list.length >= 2 && (!terms.some((t) => t.side === 'service' && t.kind === 'commitment') || !terms.some((t) => t.side === 'citizen'))) {
    check.fail('terms', 'Include at least one commitment by the service and one outcome or commitment of the citizens');
  }
  check.done();
  return inTransaction(db, async (trx) => {
    await requireOrganisationRole(trx, actor, org!.id, serviceRoles);
    const user = (await findUserByEmail(trx, partyEmail)) ?? (await registerUser(trx, actor, { email: partyEmail, name: partyName, password: null }));
    const a = await repo.insertAgreement(trx, {
      organisation_id: org!.id, service_name: serviceName, title, summary, party_kind: partyKind, group_name: groupName,
      party_user_id: user.id, party_name: partyName, next_review_on: nextReviewOn, created_by: actor.userId,
      service_signed_at: null, service_signed_by: null, party_signed_at: null,
    });
    await repo.insertTerms(trx, terms.map((t, i) => ({ organisation_id: a.organisation_id, agreement_id: a.id, position: i + 1, ...t })));
    const view = await present(trx, a, 'service');
    await recordAudit(trx, actor, { action: 'outcomes.agreement.created', entityType: 'outcome_agreement', entityId: a.id, organisationId: a.organisation_id, after: publicPart(view) });
    return view;
  });
}

async function findAgreementRow(db: Db, id: string): Promise<repo.AgreementRow> {
  const a = uuidPattern.test(id) ? await repo.findAgreement(db, id.toLowerCase()) : null;
  if (!a) throw new AppError('not_found', `No outcome agreement has the id ${id}`);
  return a;
}

/** An agreement as this actor may see it: both sides see everything; others the public part. */
export async function getAgreement(db: Db, actor: Actor, id: string): Promise<AgreementView> {
  const a = await findAgreementRow(db, id);
  return present(db, a, await sideOf(db, actor, a));
}

export async function listPublicAgreements(db: Db, filter: { organisationId?: string } = {}): Promise<AgreementPublicView[]> {
  const rows = await repo.listAgreements(db, filter);
  const out: AgreementPublicView[] = [];
  for (const a of rows) out.push(publicPart(await present(db, a, null)));
  return out;
}

/** Agreements where the actor is the citizens' side. */
export async function myAgreements(db: Db, actor: Actor): Promise<AgreementPublicView[]> {
  if (!actor.userId) return [];
  const rows = await repo.listAgreements(db, { partyUserId: actor.userId });
  const out: AgreementPublicView[] = [];
  for (const a of rows) out.push(publicPart(await present(db, a, 'citizen')));
  return out;
}

async function requireSide(db: Db, actor: Actor, a: repo.AgreementRow): Promise<Side> {
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  const side = await sideOf(db, actor, a);
  if (!side) throw new AppError('forbidden', 'Only the service and the people who made this agreement can do that');
  return side;
}

/** Signs for the actor's side. Each side signs once. */
export async function signAgreement(db: Db, actor: Actor, id: string): Promise<AgreementView> {
  return inTransaction(db, async (trx) => {
    const found = await findAgreementRow(trx, id);
    const a = (await repo.lockAgreement(trx, found.id))!;
    const side = await requireSide(trx, actor, a);
    if ((side === 'service' ? a.service_signed_at : a.party_signed_at) !== null) throw new AppError('conflict', `The ${side === 'service' ? 'service' : 'citizens’ side'} has already signed`);
    const row = await repo.signAgreement(trx, a, side, actor.userId);
    await recordAudit(trx, actor, { action: `outcomes.agreement.signed.${side}`, entityType: 'outcome_agreement', entityId: a.id, organisationId: a.organisation_id });
    return present(trx, row, side);
  });
}

/** Records progress on one term for the actor's side; only once both sides have signed. */
export async function recordProgress(db: Db, actor: Actor, id: string, input: { termId?: unknown; status?: unknown; note?: unknown }): Promise<AgreementView> {
  const check = new Checker();
  const status = check.oneOf(input.status, 'status', 'how it is going', progressStatuses);
  const note = check.text(input.note, 'note', 'a note', { max: 1000, optional: true });
  const termId = typeof input.termId === 'string' ? input.termId.trim().toLowerCase() : '';
  if (!uuidPattern.test(termId)) check.fail('termId', 'Choose which outcome or commitment this is about');
  check.done();
  return inTransaction(db, async (trx) => {
    const a = await findAgreementRow(trx, id);
    const side = await requireSide(trx, actor, a);
    if (!a.service_signed_at || !a.party_signed_at) throw new AppError('unprocessable', 'Progress is recorded once both sides have signed');
    if (!(await repo.termsOf(trx, a)).some((t) => t.id === termId)) throw AppError.validation([{ field: 'termId', message: 'That is not one of this agreement’s outcomes or commitments' }]);
    const p = await repo.insertProgress(trx, { organisation_id: a.organisation_id, agreement_id: a.id, term_id: termId, recorded_side: side, status, note, recorded_by: actor.userId });
    await recordAudit(trx, actor, { action: 'outcomes.agreement.progress', entityType: 'outcome_agreement', entityId: a.id, organisationId: a.organisation_id, after: { id: p.id, termId, side, status } });
    return present(trx, a, side);
  });
}

/** Keeps a review: when it was held, what was agreed, and the next review date. Either side. */
export async function recordReview(db: Db, actor: Actor, id: string, input: { heldOn?: unknown; summary?: unknown; nextReviewOn?: unknown }): Promise<AgreementView> {
  const check = new Checker();
  const heldOn = readDate(check, input.heldOn, 'heldOn', 'the date of the review');
  const summary = check.text(input.summary, 'summary', 'what the review found and agreed', { max: 2000 });
  const nextReviewOn = readDate(check, input.nextReviewOn, 'nextReviewOn', 'the next review date', { optional: true });
  if (heldOn && nextReviewOn && nextReviewOn <= heldOn) check.fail('nextReviewOn', 'The next review must be after this one');
  check.done();
  return inTransaction(db, async (trx) => {
    const a = await findAgreementRow(trx, id);
    const side = await requireSide(trx, actor, a);
    const r = await repo.insertReview(trx, { organisation_id: a.organisation_id, agreement_id: a.id, held_on: heldOn!, recorded_side: side, summary, next_review_on: nextReviewOn, recorded_by: actor.userId });
    await repo.setNextReview(trx, a, nextReviewOn);
    await recordAudit(trx, actor, { action: 'outcomes.agreement.reviewed', entityType: 'outcome_agreement', entityId: a.id, organisationId: a.organisation_id, after: { id: r.id, heldOn, side, nextReviewOn } });
    return present(trx, (await repo.findAgreement(trx, a.id))!, side);
  });
}
