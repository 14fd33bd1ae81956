// Peer review of a service (issue 18; anchors: the LGA's corporate peer challenge and NHS quality
// surveillance). A provider (the service's administrators or staff) or a commissioner invites a review; the
// reviewers are people from OTHER organisations that are registered as peer reviewers for the service's kind
// (their scope), chosen by name; each declares their conflicts, and a declared conflict blocks them. The lead
// reviewer writes the scope's findings, a 4-point rating for each key question (safe, effective, caring,
// responsive, well-led) and recommendations, and publishes the review in full. The provider answers with an
// action plan with dates; a progress review is due ten months after publication. Every change writes its
// audit row in the same transaction, and each new job reaches its person by inbox and email.
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { dateMessage, parseDateText } from '../platform/dates.ts';
import { notifyWork, roleHolderIds } from '../platform/inbox.ts';
import { holdsRoleIn, rolesByOrganisation } from '../platform/auth/policy.ts';
import { findUserById } from '../platform/auth/auth.repository.ts';
import { findOrganisation, organisationNames, organisationsNamed } from '../organisations/organisations.service.ts';
import { getService, listServices, type ServiceView } from '../voice/voice.service.ts';
import * as repo from './scorecards.peer-review.repository.ts';
import { noticeFlagConfirmed } from './scorecards.flags.ts';
import { COMMISSIONER_ROLES, INDICATORS, KEY_QUESTIONS, PEER_RATINGS, SERVICE_KINDS, type Indicator, type KeyQuestion, type PeerRating, type ServiceKind } from './scorecards.peer-review.table.ts';

export const RATING_LABELS: Record<PeerRating, string> = {
  outstanding: 'Outstanding', good: 'Good', 'requires-improvement': 'Requires improvement', inadequate: 'Inadequate',
};
export const QUESTION_LABELS: Record<KeyQuestion, string> = {
  safe: 'Safe', effective: 'Effective', caring: 'Caring', responsive: 'Responsive', 'well-led': 'Well-led',
};
const QUESTION_COLUMN = {
  safe: 'rating_safe', effective: 'rating_effective', caring: 'rating_caring', responsive: 'rating_responsive', 'well-led': 'rating_well_led',
} as const satisfies Record<KeyQuestion, keyof repo.ReviewRow>;

/** A progress review is due this many months after publication. */
export const PROGRESS_AFTER_MONTHS = 10;
/** Provider roles that may invite a review of their service and write its action plan. */
export const PROVIDER_ROLES = ['admin', 'staff'] as const;
export { COMMISSIONER_ROLES };

export const invitationKind = 'scorecards.peer-review-invitation';
export const reportKind = 'scorecards.peer-review-to-write';
export const actionPlanKind = 'scorecards.peer-review-action-plan';
export const progressKind = 'scorecards.peer-review-progress-due';
export const reviewersKind = 'scorecards.peer-review-needs-reviewers';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (s: unknown): s is string => typeof s === 'string' && uuid.test(s.trim());

function addMonths(iso: string, months: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d.toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------------------
// Who may review what

/** Registers an organisation as a peer reviewer for a kind of service (site administrators; the CLI). */
export async function registerPeerReviewer(db: Db, actor: Actor, input: { organisation?: unknown; kind?: unknown }): Promise<{ organisationId: string; name: string; kind: ServiceKind; added: boolean }> {
  if (!actor.isAdmin) throw new AppError('forbidden', 'Only a site administrator can register peer reviewers');
  const check = new Checker();
  const kind = check.oneOf(input.kind, 'kind', 'the kind of service the organisation may review (involvement, joined-up, technical or framework)', SERVICE_KINDS);
  const org = typeof input.organisation === 'string' ? await findOrganisation(db, input.organisation) : null;
  if (!org) check.fail('organisation', 'No organisation has that name, slug or identifier');
  check.done();
  return inTransaction(db, async (trx) => {
    const added = await repo.registerScope(trx, org!.id, kind, actor.userId);
    if (added) await recordAudit(trx, actor, { action: 'scorecards.peer-reviewer.registered', entityType: 'scorecards_peer_reviewer_scope', entityId: `${org!.id}/${kind}`, organisationId: org!.id, after: { kind } });
    return { organisationId: org!.id, name: org!.name, kind, added };
  });
}

export async function peerReviewerScopes(db: Db): Promise<{ organisationId: string; name: string; kind: ServiceKind }[]> {
  const rows = await repo.scopes(db);
  const names = await organisationNames(db, [...new Set(rows.map((r) => r.organisation_id))]);
  return rows.map((r) => ({ organisationId: r.organisation_id, name: names.get(r.organisation_id)?.name ?? '', kind: r.service_kind }));
}

/** The services the person may invite a review of: their own organisation's, or any if they commission. */
export async function invitableServices(db: Db, actor: Actor): Promise<ServiceView[]> {
  if (!actor.userId && !actor.isAdmin) return [];
  const all = await listServices(db);
  if (actor.isAdmin) return all;
  const held = await rolesByOrganisation(db, actor.userId!);
  const commissions = [...held.values()].some((roles) => roles.includes('commissioner'));
  return all.filter((s) => commissions || (held.get(s.organisationId) ?? []).some((r) => (PROVIDER_ROLES as readonly string[]).includes(r)));
}

/** Organisations in which the person is a commissioner, by name. */
export async function commissioningOrganisationsOf(db: Db, actor: Actor): Promise<{ id: string; name: string }[]> {
  if (!actor.userId) return [];
  const held = await rolesByOrganisation(db, actor.userId);
  const ids = [...held.entries()].filter(([, roles]) => roles.includes('commissioner')).map(([id]) => id);
  const names = await organisationNames(db, ids);
  return ids.map((id) => ({ id, name: names.get(id)?.name ?? '' })).sort((a, b) => a.name.localeCompare(b.name));
}

// ---------------------------------------------------------------------------------------------------------
// Views

export interface ReviewView {
  id: string; status: 'open' | 'published';
  service: { id: string; name: string; kind: ServiceKind; organisationId: string; organisation: string };
  commissioner: { id: string; name: string } | null;
  scope: string; evidence: string; findings: string; recommendations: string;
  ratings: { question: KeyQuestion; label: string; rating: PeerRating | null; ratingLabel: string | null }[];
  concernIndicator: Indicator | null;
  reviewers: { userId: string; name: string; organisationId: string; organisation: string; lead: boolean; declared: boolean; hasConflict: boolean; conflicts: string }[];
  actions: { id: string; action: string; dueOn: string }[];
  createdAt: string; publishedAt: string | null; progressDueOn: string | null; progressNotes: string; progressDoneAt: string | null;
}

async function present(db: Db, rows: repo.ReviewRow[]): Promise<ReviewView[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const [people, acts] = await Promise.all([repo.reviewers(db, ids), repo.actions(db, ids)]);
  const services = new Map<string, ServiceView>();
  for (const r of rows) if (!services.has(r.service_id)) services.set(r.service_id, await getService(db, r.service_id));
  const orgIds = new Set<string>();
  for (const r of rows) if (r.commissioner_organisation_id) orgIds.add(r.commissioner_organisation_id);
  for (const p of people) orgIds.add(p.reviewer_organisation_id);
  const names = await organisationNames(db, [...orgIds]);
  return rows.map((r) => {
    const s = services.get(r.service_id)!;
    return {
      id: r.id, status: r.status,
      service: { id: s.id, name: s.name, kind: s.decisionType, organisationId: s.organisationId, organisation: s.organisationName },
      commissioner: r.commissioner_organisation_id ? { id: r.commissioner_organisation_id, name: names.get(r.commissioner_organisation_id)?.name ?? '' } : null,
      scope: r.scope, evidence: r.evidence, findings: r.findings, recommendations: r.recommendations,
      ratings: KEY_QUESTIONS.map((q) => {
        const rating = r[QUESTION_COLUMN[q]];
        return { question: q, label: QUESTION_LABELS[q], rating, ratingLabel: rating ? RATING_LABELS[rating] : null };
      }),
      concernIndicator: r.concern_indicator,
      reviewers: people.filter((p) => p.review_id === r.id).map((p) => ({
        userId: p.user_id, name: p.name, organisationId: p.reviewer_organisation_id, organisation: names.get(p.reviewer_organisation_id)?.name ?? '',
        lead: p.lead, declared: !!p.declared_at, hasConflict: p.has_conflict, conflicts: p.conflicts,
      })),
      actions: acts.filter((a) => a.review_id === r.id).map((a) => ({ id: a.id, action: a.action, dueOn: a.due_on })),
      createdAt: r.created_at.toISOString(), publishedAt: r.published_at?.toISOString() ?? null,
      progressDueOn: r.progress_due_on, progressNotes: r.progress_notes, progressDoneAt: r.progress_done_at?.toISOString() ?? null,
    };
  });
}

/** What the person may do with a review (the pages show only the forms they may use). */
export interface ReviewPermissions { canSee: boolean; canAddReviewers: boolean; isReviewer: boolean; mustDeclare: boolean; canWrite: boolean; canRespond: boolean; canRecordProgress: boolean }

export async function permissionsOn(db: Db, actor: Actor, row: repo.ReviewRow): Promise<ReviewPermissions> {
  const userId = actor.userId;
  const people = await repo.reviewers(db, [row.id]);
  const me = userId ? people.find((p) => p.user_id === userId) : undefined;
  const provider = actor.isAdmin || (!!userId && (await holdsRoleIn(db, userId, [row.organisation_id], PROVIDER_ROLES)));
  const commissioner = !!userId && !!row.commissioner_organisation_id && (await holdsRoleIn(db, userId, [row.commissioner_organisation_id], COMMISSIONER_ROLES));
  const inviter = !!userId && row.invited_by === userId;
  const open = row.status === 'open';
  const lead = !!me?.lead && !!me.declared_at && !me.has_conflict;
  return {
    canSee: row.status === 'published' || provider || commissioner || inviter || !!me,
    canAddReviewers: open && (provider || commissioner || inviter),
    isReviewer: !!me,
    mustDeclare: open && !!me && !me.declared_at,
    canWrite: open && lead,
    canRespond: row.status === 'published' && provider,
    canRecordProgress: row.status === 'published' && !row.progress_done_at && (!!me?.lead && !me.has_conflict),
  };
}

async function loadReview(db: Db, id: string, lock = false): Promise<repo.ReviewRow> {
  const row = isUuid(id) ? await repo.findReview(db, id.toLowerCase(), lock) : null;
  if (!row) throw new AppError('not_found', 'No such peer review');
  return row;
}

/** A review as the person may see it (published reviews are public in full), with what they may do. */
export async function getReview(db: Db, actor: Actor, id: string): Promise<{ review: ReviewView; can: ReviewPermissions }> {
  const row = await loadReview(db, id);
  const can = await permissionsOn(db, actor, row);
  if (!can.canSee) throw new AppError('not_found', 'No such peer review');
  return { review: (await present(db, [row]))[0]!, can };
}

/** Published reviews, newest first; of one service if given. */
export async function publishedReviews(db: Db, filter: { serviceId?: string } = {}): Promise<ReviewView[]> {
  const rows = await repo.reviewsWhere(db, { status: 'published', serviceIds: filter.serviceId ? [filter.serviceId.toLowerCase()] : undefined });
  return present(db, rows.sort((a, b) => (b.published_at?.getTime() ?? 0) - (a.published_at?.getTime() ?? 0)));
}

/** Open reviews the person takes part in (invited, reviewing, providing or commissioning). */
export async function myOpenReviews(db: Db, actor: Actor): Promise<ReviewView[]> {
  if (!actor.userId) return [];
  const held = await rolesByOrganisation(db, actor.userId);
  const has = (org: string | null, roles: readonly string[]) => !!org && (held.get(org) ?? []).some((r) => roles.includes(r));
  const reviewing = new Set((await repo.reviewsOfReviewer(db, actor.userId)).map((p) => p.review_id));
  const open = await repo.reviewsWhere(db, { status: 'open' });
  return present(db, open.filter((r) => reviewing.has(r.id) || r.invited_by === actor.userId || has(r.organisation_id, PROVIDER_ROLES) || has(r.commissioner_organisation_id, COMMISSIONER_ROLES)));
}

/**
 * The peer review part of a service's scorecard: its latest published review (ratings, concern, action plan,
 * when progress is due) and how many reviews are published. For the scorecard page.
 */
export async function peerReviewSummary(db: Db, serviceId: string): Promise<{ published: number; latest: ReviewView | null; open: number }> {
  if (!isUuid(serviceId)) return { published: 0, latest: null, open: 0 };
  const rows = await repo.reviewsWhere(db, { serviceIds: [serviceId.toLowerCase()] });
  const published = rows.filter((r) => r.status === 'published').sort((a, b) => (b.published_at?.getTime() ?? 0) - (a.published_at?.getTime() ?? 0));
  return { published: published.length, latest: published[0] ? (await present(db, [published[0]]))[0]! : null, open: rows.length - published.length };
}

// ---------------------------------------------------------------------------------------------------------
// Steps

/** Invites a review of a service (its provider's administrators or staff, or a commissioner). */
export async function inviteReview(db: Db, actor: Actor, input: { service?: unknown; scope?: unknown; commissioner?: unknown }): Promise<ReviewView> {
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  const check = new Checker();
  const scope = check.text(input.scope, 'scope', 'what the review will look at (its scope)', { max: 4000 });
  const service = isUuid(input.service) ? await getService(db, input.service).catch(() => null) : null;
  if (!service) check.fail('service', 'Choose the service to be reviewed from the list');
  let commissionerId: string | null = null;
  const commissions = await commissioningOrganisationsOf(db, actor);
  const ref = typeof input.commissioner === 'string' ? input.commissioner.trim() : '';
  if (ref) {
    const named = await organisationsNamed(db, ref, 5);
    if (named.exact) commissionerId = named.exact.id;
    else if (named.choices.length) check.fail('commissioner', `More than one organisation matches “${ref.slice(0, 80)}”: give its full name, such as ${named.choices.slice(0, 3).map((o) => o.name).join(' or ')}`);
    else check.fail('commissioner', `No organisation is registered as “${ref.slice(0, 80)}”: give the commissioning organisation’s registered name, or leave it empty`);
  } else if (commissions.length === 1) commissionerId = commissions[0]!.id;
  check.done();
  const mayInvite = (await invitableServices(db, actor)).some((s) => s.id === service!.id);
  if (!mayInvite) throw new AppError('forbidden', 'Only the service’s own staff or a commissioner can invite a peer review of it');
  return inTransaction(db, async (trx) => {
    const row = await repo.insertReview(trx, { organisationId: service!.organisationId, serviceId: service!.id, commissionerId, invitedBy: actor.userId, scope });
    const [view] = await present(trx, [row]);
    await recordAudit(trx, actor, { action: 'scorecards.peer-review.invited', entityType: 'scorecards_peer_review', entityId: row.id, organisationId: row.organisation_id, after: { serviceId: row.service_id, scope, commissionerId } });
    return view!;
  });
}

/**
 * The people who may review the service: members of organisations registered as peer reviewers for its kind,
 * never members of the provider, and not already on the review. Each is shown by name with their organisation.
 */
export async function reviewerCandidates(db: Db, reviewId: string): Promise<{ userId: string; name: string; organisationId: string; organisation: string }[]> {
  const row = await loadReview(db, reviewId);
  const service = await getService(db, row.service_id);
  const orgs = (await repo.organisationsScopedFor(db, service.decisionType)).filter((o) => o !== row.organisation_id);
  const members = await repo.membersOf(db, orgs);
  const providerMembers = new Set((await repo.membersOf(db, [row.organisation_id])).map((m) => m.user_id));
  const already = new Set((await repo.reviewers(db, [row.id])).map((p) => p.user_id));
  const names = await organisationNames(db, orgs);
  const seen = new Set<string>();
  return members.filter((m) => !providerMembers.has(m.user_id) && !already.has(m.user_id) && !seen.has(m.user_id) && seen.add(m.user_id))
    .map((m) => ({ userId: m.user_id, name: m.name, organisationId: m.organisation_id, organisation: names.get(m.organisation_id)?.name ?? '' }));
}

/**
 * Adds a reviewer chosen by name (`person` is the id behind the name a list offers). Refused, naming `person`:
 * a member of the provider; someone whose organisations are not registered as peer reviewers for the service's
 * kind (outside their scope). The first lead stays the lead.
 */
export async function addReviewer(db: Db, actor: Actor, reviewId: string, input: { person?: unknown; lead?: unknown }, options: { baseUrl: string }): Promise<ReviewView> {
  return inTransaction(db, async (trx) => {
    const row = await loadReview(trx, reviewId, true);
    const can = await permissionsOn(trx, actor, row);
    if (!can.canSee) throw new AppError('not_found', 'No such peer review');
    if (!can.canAddReviewers) throw new AppError(row.status === 'open' ? 'forbidden' : 'unprocessable', row.status === 'open' ? 'Only the provider, the commissioner or whoever invited the review can choose its reviewers' : 'The review is published: its reviewers cannot change');
    const userId = isUuid(input.person) ? input.person.toLowerCase() : null;
    const person = userId ? await findUserById(trx, userId) : null;
    if (!person) throw AppError.validation([{ field: 'person', message: 'Choose the reviewer from the list of people' }]);
    const service = await getService(trx, row.service_id);
    const theirs = await repo.organisationsOfUser(trx, person.id);
    if (theirs.includes(row.organisation_id)) {
      throw AppError.validation([{ field: 'person', message: `${person.name} is a member of ${service.organisationName}, the provider: a peer reviewer must come from another organisation` }]);
    }
    const scoped = new Set(await repo.organisationsScopedFor(trx, service.decisionType));
    const from = theirs.find((o) => scoped.has(o));
    if (!from) {
      throw AppError.validation([{ field: 'person', message: `${person.name}’s organisation is not registered to peer review ${service.decisionType} services: a review of ${service.name} is outside their scope` }]);
    }
    const people = await repo.reviewers(trx, [row.id]);
    if (people.some((p) => p.user_id === person.id)) throw AppError.validation([{ field: 'person', message: `${person.name} is already a reviewer` }]);
    const active = people.filter((p) => !p.has_conflict);
    const lead = ((input.lead === true || input.lead === 'yes') || active.length === 0) && !active.some((p) => p.lead);
    if (lead) await repo.dropBlockedLead(trx, row);
    await repo.insertReviewer(trx, { review: row, userId: person.id, reviewerOrganisationId: from, lead, addedBy: actor.userId });
    await recordAudit(trx, actor, { action: 'scorecards.peer-review.reviewer-added', entityType: 'scorecards_peer_review', entityId: row.id, organisationId: row.organisation_id, after: { userId: person.id, organisationId: from, lead } });
    await notifyWork(trx, {
      kind: invitationKind, userIds: [person.id], baseUrl: options.baseUrl, href: `/scorecards/peer-reviews/${row.id}/conflicts`,
      subject: `You are invited to peer review ${service.name}`,
      text: `${service.organisationName} has a peer review of ${service.name}${lead ? ', and you are its lead reviewer' : ''}. First declare any conflict of interest (a link with ${service.organisationName} or its people, a contract, a competing bid); a declared conflict means someone else will review it.\n\nScope: ${row.scope}`,
    });
    return (await present(trx, [row]))[0]!;
  });
}

/** A reviewer declares their conflicts: none, or a conflict (described), which blocks them from the review. */
export async function declareConflicts(db: Db, actor: Actor, reviewId: string, input: { conflict?: unknown; conflicts?: unknown }, options: { baseUrl: string }): Promise<ReviewView> {
  if (!actor.userId) throw new AppError('unauthenticated');
  return inTransaction(db, async (trx) => {
    const row = await loadReview(trx, reviewId, true);
    const me = (await repo.reviewers(trx, [row.id])).find((p) => p.user_id === actor.userId);
    if (!me) throw new AppError('not_found', 'No such peer review');
    if (row.status !== 'open') throw new AppError('unprocessable', 'The review is published');
    const check = new Checker();
    const answer = check.oneOf(input.conflict, 'conflict', 'whether you have a conflict of interest', ['no', 'yes'] as const);
    const text = check.text(input.conflicts, 'conflicts', 'your conflict of interest', { max: 2000, optional: answer !== 'yes' });
    check.done();
    await repo.declare(trx, row, actor.userId!, answer === 'yes' ? text : '', answer === 'yes');
    await recordAudit(trx, actor, { action: 'scorecards.peer-review.conflicts-declared', entityType: 'scorecards_peer_review', entityId: row.id, organisationId: row.organisation_id, after: { hasConflict: answer === 'yes', conflicts: answer === 'yes' ? text : '' } });
    if (answer === 'no' && me.lead) {
      const service = await getService(trx, row.service_id);
      await notifyWork(trx, {
        kind: reportKind, userIds: [actor.userId!], baseUrl: options.baseUrl, href: `/scorecards/peer-reviews/${row.id}/report`,
        subject: `Write the peer review of ${service.name}`, text: `You declared no conflict, so you can write the review of ${service.name}: evidence seen, findings, a rating for each key question and recommendations, then publish it.`,
      });
    }
    if (answer === 'yes') {
      // Whoever chose the reviewers hears that one is blocked, so they can choose another.
      const service = await getService(trx, row.service_id);
      const ids = [...(row.invited_by ? [row.invited_by] : []), ...(await roleHolderIds(trx, [row.organisation_id], PROVIDER_ROLES))];
      await notifyWork(trx, {
        kind: reviewersKind, userIds: ids, except: actor.userId, baseUrl: options.baseUrl, href: `/scorecards/peer-reviews/${row.id}/reviewers`,
        subject: `A reviewer of ${service.name} declared a conflict of interest`,
        text: `${me.name} declared a conflict of interest and cannot take part in the peer review of ${service.name}.${me.lead ? ' They were its lead reviewer: choose another lead.' : ''}`,
      });
    }
    return (await present(trx, [row]))[0]!;
  });
}

export interface ReportInput {
  evidence?: unknown; findings?: unknown; recommendations?: unknown; concern?: unknown;
  safe?: unknown; effective?: unknown; caring?: unknown; responsive?: unknown; 'well-led'?: unknown;
}

function readReport(input: ReportInput, complete: boolean) {
  const check = new Checker();
  const evidence = check.text(input.evidence, 'evidence', 'the evidence the reviewers saw', { max: 10_000, optional: !complete });
  const findings = check.text(input.findings, 'findings', 'the findings', { max: 20_000, optional: !complete });
  const recommendations = check.text(input.recommendations, 'recommendations', 'the recommendations', { max: 10_000, optional: !complete });
  const ratings = {} as Record<KeyQuestion, PeerRating | null>;
  for (const q of KEY_QUESTIONS) {
    const v = input[q];
    if ((v === undefined || v === null || v === '') && !complete) ratings[q] = null;
    else if (typeof v === 'string' && (PEER_RATINGS as readonly string[]).includes(v)) ratings[q] = v as PeerRating;
    else {
      check.fail(q, `Choose a rating for “${QUESTION_LABELS[q]}”: outstanding, good, requires improvement or inadequate`);
      ratings[q] = null;
    }
  }
  const c = input.concern;
  let concern: Indicator | null = null;
  if (typeof c === 'string' && (INDICATORS as readonly string[]).includes(c)) concern = c as Indicator;
  else if (c !== undefined && c !== null && c !== '' && c !== 'none') check.fail('concern', 'Choose the figure the review confirms a concern about from the list, or none');
  check.done();
  return { evidence, findings, recommendations, ratings, concern };
}

/** The lead reviewer (no conflict declared) saves the report; with `publish`, it is checked whole and published. */
export async function writeReport(db: Db, actor: Actor, reviewId: string, input: ReportInput, options: { publish: boolean; baseUrl: string; today?: string }): Promise<ReviewView> {
  if (!actor.userId) throw new AppError('unauthenticated');
  return inTransaction(db, async (trx) => {
    const row = await loadReview(trx, reviewId, true);
    const can = await permissionsOn(trx, actor, row);
    if (!can.canSee) throw new AppError('not_found', 'No such peer review');
    if (row.status !== 'open') throw new AppError('unprocessable', 'The review is already published');
    if (!can.canWrite) throw new AppError('forbidden', can.isReviewer ? 'Only the lead reviewer, having declared no conflict of interest, can write and publish the review' : 'Only the lead reviewer can write the review');
    const v = readReport(input, options.publish);
    const people = await repo.reviewers(trx, [row.id]);
    if (options.publish && people.some((p) => !p.declared_at)) {
      throw new AppError('unprocessable', `Every reviewer must declare their conflicts before the review is published: ${people.filter((p) => !p.declared_at).map((p) => p.name).join(', ')} ${people.filter((p) => !p.declared_at).length === 1 ? 'has' : 'have'} not`);
    }
    const today = options.today ?? new Date().toISOString().slice(0, 10);
    const change = {
      evidence: v.evidence, findings: v.findings, recommendations: v.recommendations, concern_indicator: v.concern,
      rating_safe: v.ratings.safe, rating_effective: v.ratings.effective, rating_caring: v.ratings.caring, rating_responsive: v.ratings.responsive, rating_well_led: v.ratings['well-led'],
      ...(options.publish ? { status: 'published' as const, published_at: new Date(`${today}T12:00:00Z`), published_by: actor.userId, progress_due_on: addMonths(today, PROGRESS_AFTER_MONTHS) } : {}),
    };
    const updated = await repo.updateReview(trx, row, change);
    await recordAudit(trx, actor, { action: options.publish ? 'scorecards.peer-review.published' : 'scorecards.peer-review.saved', entityType: 'scorecards_peer_review', entityId: row.id, organisationId: row.organisation_id, before: { status: row.status }, after: change });
    if (options.publish) {
      const service = await getService(trx, row.service_id);
      await notifyWork(trx, {
        kind: actionPlanKind, userIds: await roleHolderIds(trx, [row.organisation_id], PROVIDER_ROLES), baseUrl: options.baseUrl, href: `/scorecards/peer-reviews/${row.id}/actions`,
        subject: `The peer review of ${service.name} is published: write your action plan`,
        text: `The peer review of ${service.name} is published in full. Answer its recommendations with an action plan, each action with the date it will be done by. A progress review is due by ${updated.progress_due_on}.`,
      });
      if (v.concern) await noticeFlagConfirmed(trx, { serviceId: row.service_id, indicator: v.concern, commissionerId: row.commissioner_organisation_id, baseUrl: options.baseUrl, except: actor.userId, period: today.slice(0, 4) });
    }
    return (await present(trx, [updated]))[0]!;
  });
}

/** The provider adds an action to its plan in answer to a published review, with the date it is due. */
export async function addAction(db: Db, actor: Actor, reviewId: string, input: { action?: unknown; dueOn?: unknown }): Promise<ReviewView> {
  return inTransaction(db, async (trx) => {
    const row = await loadReview(trx, reviewId, true);
    const can = await permissionsOn(trx, actor, row);
    if (!can.canSee) throw new AppError('not_found', 'No such peer review');
    if (!can.canRespond) throw new AppError(row.status === 'published' ? 'forbidden' : 'unprocessable', row.status === 'published' ? 'Only the provider’s administrators and staff write its action plan' : 'The action plan answers a published review');
    const check = new Checker();
    const action = check.text(input.action, 'action', 'the action', { max: 2000 });
    const typed = typeof input.dueOn === 'string' ? input.dueOn : '';
    const dueOn = typed.trim() ? parseDateText(typed) : null;
    if (!typed.trim()) check.fail('dueOn', 'Enter the date the action will be done by');
    else if (!dueOn) check.fail('dueOn', dateMessage('the date the action will be done by'));
    else if (row.published_at && dueOn < row.published_at.toISOString().slice(0, 10)) check.fail('dueOn', 'The date the action will be done by must be on or after the day the review was published');
    check.done();
    const a = await repo.insertAction(trx, row, { action, dueOn: dueOn!, by: actor.userId });
    await recordAudit(trx, actor, { action: 'scorecards.peer-review.action-added', entityType: 'scorecards_peer_review', entityId: row.id, organisationId: row.organisation_id, after: { id: a.id, action, dueOn } });
    return (await present(trx, [row]))[0]!;
  });
}

/** The lead reviewer records the progress review (about ten months on), which ends the review's cycle. */
export async function recordProgress(db: Db, actor: Actor, reviewId: string, input: { notes?: unknown }): Promise<ReviewView> {
  return inTransaction(db, async (trx) => {
    const row = await loadReview(trx, reviewId, true);
    const can = await permissionsOn(trx, actor, row);
    if (!can.canSee) throw new AppError('not_found', 'No such peer review');
    if (!can.canRecordProgress) throw new AppError(row.status === 'published' && !row.progress_done_at ? 'forbidden' : 'unprocessable', row.status !== 'published' ? 'The review is not published yet' : row.progress_done_at ? 'The progress review is already recorded' : 'Only the lead reviewer records the progress review');
    const check = new Checker();
    const notes = check.text(input.notes, 'notes', 'what the progress review found', { max: 10_000 });
    check.done();
    const updated = await repo.updateReview(trx, row, { progress_notes: notes, progress_done_at: new Date() });
    await recordAudit(trx, actor, { action: 'scorecards.peer-review.progress-recorded', entityType: 'scorecards_peer_review', entityId: row.id, organisationId: row.organisation_id, after: { notes } });
    return (await present(trx, [updated]))[0]!;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Work for the inbox

export async function invitationsFor(db: Db, userId: string) {
  const mine = (await repo.reviewsOfReviewer(db, userId)).filter((p) => !p.declared_at);
  return present(db, (await repo.reviewsWhere(db, { status: 'open', ids: mine.map((m) => m.review_id) })));
}

export async function reportsToWrite(db: Db, userId: string) {
  const mine = (await repo.reviewsOfReviewer(db, userId)).filter((p) => p.lead && p.declared_at && !p.has_conflict);
  return present(db, (await repo.reviewsWhere(db, { status: 'open', ids: mine.map((m) => m.review_id) })));
}

export async function actionPlansToWrite(db: Db, userId: string) {
  const held = await rolesByOrganisation(db, userId);
  const orgs = [...held.entries()].filter(([, r]) => r.some((x) => (PROVIDER_ROLES as readonly string[]).includes(x))).map(([id]) => id);
  const published = (await repo.reviewsWhere(db, { status: 'published' })).filter((r) => orgs.includes(r.organisation_id));
  return (await present(db, published)).filter((v) => v.actions.length === 0);
}

/** Published reviews whose progress review is due within a month (or overdue), for the lead and the provider. */
export async function progressReviewsDue(db: Db, userId: string, today = new Date().toISOString().slice(0, 10)) {
  const held = await rolesByOrganisation(db, userId);
  const leads = new Set((await repo.reviewsOfReviewer(db, userId)).filter((p) => p.lead && !p.has_conflict).map((p) => p.review_id));
  const soon = addMonths(today, 1);
  const due = (await repo.reviewsWhere(db, { status: 'published' })).filter((r) => !r.progress_done_at && r.progress_due_on && r.progress_due_on <= soon
    && (leads.has(r.id) || (held.get(r.organisation_id) ?? []).some((x) => (PROVIDER_ROLES as readonly string[]).includes(x))));
  return present(db, due);
}

/** Open reviews the person chooses reviewers for that have no lead reviewer free of conflicts. */
export async function reviewsNeedingReviewers(db: Db, actor: Actor) {
  if (!actor.userId) return [];
  const held = await rolesByOrganisation(db, actor.userId);
  const has = (org: string | null, roles: readonly string[]) => !!org && (held.get(org) ?? []).some((r) => roles.includes(r));
  // Only reviews the person could choose reviewers for: theirs as provider, commissioner or inviter.
  const open = (await repo.reviewsWhere(db, { status: 'open' }))
    .filter((r) => r.invited_by === actor.userId || has(r.organisation_id, PROVIDER_ROLES) || has(r.commissioner_organisation_id, COMMISSIONER_ROLES));
  const out: repo.ReviewRow[] = [];
  for (const r of open) {
    const people = await repo.reviewers(db, [r.id]);
    if (!people.some((p) => p.lead && !p.has_conflict)) out.push(r);
  }
  return present(db, out);
}
