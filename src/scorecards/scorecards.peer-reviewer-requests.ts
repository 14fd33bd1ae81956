// Peer-reviewer sign-up (issue 18). An organisation's administrator asks for the organisation to be registered
// as a peer reviewer for one or more kinds of service, with a short statement of its experience; the request
// reaches the site administrators (inbox and email). A site administrator approves it — which registers the
// scopes with `registerPeerReviewer`, the function the CLI uses — or declines it, with a note; the requester is
// told (inbox and email). Refused, with nothing changed: a request by someone who is not the organisation's
// administrator, a second request while one waits (two at the same moment too: the partial unique index of
// migration 0047), a request for kinds already registered, a decision by someone who is not a site
// administrator, and a second decision (the row is locked and changed only while still pending). Every change
// writes its audit row in the same transaction.
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { notifyWork, siteAdministratorIds } from '../platform/inbox.ts';
import { rolesByOrganisation } from '../platform/auth/policy.ts';
import { hasRole } from '../platform/auth/auth.repository.ts';
import { findUserById } from '../platform/auth/auth.repository.ts';
import { findOrganisation, organisationNames } from '../organisations/organisations.service.ts';
import * as repo from './scorecards.peer-review.repository.ts';
import { peerReviewerScopes, registerPeerReviewer } from './scorecards.peer-review.ts';
import { KIND_LABELS } from './scorecards.compare.ts';
import { SERVICE_KINDS, type ServiceKind } from './scorecards.peer-review.table.ts';

/** Site administrators: requests to decide. */
export const requestKind = 'scorecards.peer-reviewer-request';
/** The requester: the decision on their request (shown for DECIDED_SHOWN_DAYS after it). */
export const decidedKind = 'scorecards.peer-reviewer-request-decided';
export const DECIDED_SHOWN_DAYS = 30;
export const STATEMENT_MAX = 2000;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const kindList = (kinds: readonly ServiceKind[]) => kinds.map((k) => KIND_LABELS[k].toLowerCase()).join(', ');
export const requestPath = (id: string) => `/scorecards/peer-reviewers/requests/${id}`;

export interface RequestView {
  id: string; status: 'pending' | 'approved' | 'declined';
  organisation: { id: string; name: string; slug: string };
  kinds: { kind: ServiceKind; label: string }[];
  statement: string; requestedBy: string; createdAt: string;
  decidedBy: string | null; decidedAt: string | null; note: string;
}

async function present(db: Db, rows: repo.RequestRow[]): Promise<RequestView[]> {
  const names = await organisationNames(db, [...new Set(rows.map((r) => r.organisation_id))]);
  const people = new Map<string, string>();
  for (const id of new Set(rows.flatMap((r) => [r.requested_by, r.decided_by]).filter((x): x is string => !!x))) people.set(id, (await findUserById(db, id))?.name ?? '');
  return rows.map((r) => ({
    id: r.id, status: r.status,
    organisation: { id: r.organisation_id, name: names.get(r.organisation_id)?.name ?? '', slug: names.get(r.organisation_id)?.slug ?? '' },
    kinds: r.kinds.map((k) => ({ kind: k, label: KIND_LABELS[k] })),
    statement: r.statement, requestedBy: r.requested_by ? people.get(r.requested_by) ?? '' : '', createdAt: new Date(r.created_at).toISOString(),
    decidedBy: r.decided_by ? people.get(r.decided_by) ?? '' : null, decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null, note: r.decision_note,
  }));
}

/** The organisations the person administers, each with the kinds it reviews already and any request waiting. */
export async function requestableOrganisations(db: Db, actor: Actor): Promise<{ id: string; name: string; slug: string; registered: ServiceKind[]; pending: string | null }[]> {
  if (!actor.userId) return [];
  const held = await rolesByOrganisation(db, actor.userId);
  const ids = [...held.entries()].filter(([, roles]) => roles.includes('admin')).map(([id]) => id);
  const names = await organisationNames(db, ids);
  const out = [];
  for (const id of ids) {
    out.push({ id, name: names.get(id)?.name ?? '', slug: names.get(id)?.slug ?? '', registered: await repo.scopesOf(db, id), pending: (await repo.pendingRequestOf(db, id))?.id ?? null });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Asks the site administrators to register the organisation as a peer reviewer for `kinds` (its administrators only). */
export async function requestPeerReviewerScope(db: Db, actor: Actor, input: { organisation?: unknown; kinds?: unknown; statement?: unknown }, opts: { baseUrl: string }): Promise<RequestView> {
  if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to ask for your organisation to be registered as a peer reviewer');
  const check = new Checker();
  const org = typeof input.organisation === 'string' && input.organisation.trim() ? await findOrganisation(db, input.organisation) : null;
  if (!org) check.fail('organisation', 'Choose the organisation to register as a peer reviewer');
  check.done();
  // Only its administrators ask for it (a site administrator registers one directly, with the CLI).
  if (!(await hasRole(db, actor.userId, org!.id, ['admin']))) throw new AppError('forbidden', `Only an administrator of ${org!.name} can ask for it to be registered as a peer reviewer`);
  const list = Array.isArray(input.kinds) ? input.kinds : typeof input.kinds === 'string' ? [input.kinds] : [];
  const kinds = [...new Set(list)].filter((k): k is ServiceKind => (SERVICE_KINDS as readonly unknown[]).includes(k));
  const registered = await repo.scopesOf(db, org!.id);
  if (!list.length) check.fail('kinds', 'Select the kinds of service your organisation can review');
  else if (kinds.length !== new Set(list).size) check.fail('kinds', 'Select kinds of service from the list: involvement-based, joined-up, technical or framework');
  else {
    const already = kinds.filter((k) => registered.includes(k));
    if (already.length) check.fail('kinds', `${org!.name} is already registered to review ${kindList(already)}: select only kinds it does not review yet`);
  }
  const statement = check.text(input.statement, 'statement', 'a statement of your organisation’s experience', { max: STATEMENT_MAX });
  check.done();
  const duplicate = () => new AppError('conflict', `${org!.name} already has a request waiting for the site administrators’ decision: wait for it, then ask again if you need to`, { fieldErrors: [{ field: 'organisation', message: `${org!.name} already has a request waiting for a decision` }] });
  if (await repo.pendingRequestOf(db, org!.id)) throw duplicate();
  try {
    const row = await inTransaction(db, async (trx) => {
      const row = await repo.insertRequest(trx, { organisationId: org!.id, kinds, statement, by: actor.userId });
      await recordAudit(trx, actor, { action: 'scorecards.peer-reviewer.requested', entityType: 'scorecards_peer_reviewer_request', entityId: row.id, organisationId: org!.id, after: { kinds, statement } });
      await notifyWork(trx, {
        kind: requestKind, userIds: await siteAdministratorIds(trx), except: actor.userId, baseUrl: opts.baseUrl, href: requestPath(row.id),
        subject: `Approve or decline: ${org!.name} asks to be a peer reviewer`,
        text: [`${org!.name} asks to be registered as a peer reviewer of ${kindList(kinds)}.`, '', `Its experience, in its words: ${statement}`, '', 'Approve or decline the request, with a note for them.'].join('\n'),
      });
      return row;
    });
    return (await present(db, [row]))[0]!;
  } catch (error) {
    // Another request for the organisation went in at the same moment (the partial unique index).
    if ((error as { code?: string }).code === '23505') throw duplicate();
    throw error;
  }
}

/** A request, for the site administrators and the organisation's administrators (anyone else: not found). */
export async function getRequest(db: Db, actor: Actor, id: string): Promise<{ request: RequestView; canDecide: boolean }> {
  const row = uuid.test(id) ? await repo.findRequest(db, id.toLowerCase()) : null;
  const mayRead = row && (actor.isAdmin || (!!actor.userId && (row.requested_by === actor.userId || (await hasRole(db, actor.userId, row.organisation_id, ['admin'])))));
  if (!row || !mayRead) throw new AppError('not_found', 'No such request');
  return { request: (await present(db, [row]))[0]!, canDecide: actor.isAdmin && row.status === 'pending' };
}

/** Approves (registering every kind asked for) or declines a waiting request, with a note; site administrators only. */
export async function decidePeerReviewerRequest(db: Db, actor: Actor, id: string, input: { decision?: unknown; note?: unknown }, opts: { baseUrl: string }): Promise<RequestView> {
  if (!actor.isAdmin) throw new AppError('forbidden', 'Only a site administrator can approve or decline a request to be a peer reviewer');
  const found = uuid.test(id) ? await repo.findRequest(db, id.toLowerCase()) : null;
  if (!found) throw new AppError('not_found', 'No such request');
  const check = new Checker();
  const decision = check.oneOf(input.decision, 'decision', 'whether to approve or decline the request', ['approve', 'decline'] as const);
  const note = check.text(input.note, 'note', decision === 'decline' ? 'a note saying why the request is declined' : 'a note', { max: 2000, optional: decision === 'approve' });
  check.done();
  const row = await inTransaction(db, async (trx) => {
    const locked = (await repo.findRequest(trx, found.id, true))!;
    const decided = locked.status === 'pending' ? await repo.decideRequest(trx, locked, { status: decision === 'approve' ? 'approved' : 'declined', by: actor.userId, note }) : null;
    if (!decided) {
      const now = (await repo.findRequest(trx, found.id))!;
      throw new AppError('conflict', `This request was already ${now.status} on ${new Date(now.decided_at!).toISOString().slice(0, 10)}: nothing is changed`);
    }
    const name = (await organisationNames(trx, [decided.organisation_id])).get(decided.organisation_id)?.name ?? '';
    if (decision === 'approve') for (const kind of decided.kinds) await registerPeerReviewer(trx, actor, { organisation: decided.organisation_id, kind });
    await recordAudit(trx, actor, { action: `scorecards.peer-reviewer.${decided.status}`, entityType: 'scorecards_peer_reviewer_request', entityId: decided.id, organisationId: decided.organisation_id, before: { status: 'pending' }, after: { status: decided.status, kinds: decided.kinds, note } });
    if (decided.requested_by) {
      await notifyWork(trx, {
        kind: decidedKind, userIds: [decided.requested_by], except: actor.userId, baseUrl: opts.baseUrl, href: requestPath(decided.id),
        subject: decision === 'approve' ? `${name} is registered as a peer reviewer` : `Your request for ${name} to be a peer reviewer is declined`,
        text: [
          decision === 'approve'
            ? `${name} is now registered as a peer reviewer of ${kindList(decided.kinds)}. Its people can be chosen to review services of those kinds run by other organisations.`
            : `The site administrators declined your request for ${name} to be registered as a peer reviewer of ${kindList(decided.kinds)}.`,
          ...(note ? ['', `Their note: ${note}`] : []),
        ].join('\n'),
      });
    }
    return decided;
  });
  return (await present(db, [row]))[0]!;
}

/** Requests waiting for a decision, oldest first (the site administrators' inbox). */
export async function requestsToDecide(db: Db): Promise<RequestView[]> {
  return present(db, await repo.requestsWhere(db, { status: 'pending' }));
}

/** The person's requests decided in the last DECIDED_SHOWN_DAYS days (their inbox). */
export async function recentDecisionsFor(db: Db, userId: string, now = new Date()): Promise<RequestView[]> {
  return present(db, await repo.requestsWhere(db, { requestedBy: userId, decidedSince: new Date(now.getTime() - DECIDED_SHOWN_DAYS * 86_400_000) }));
}

/** Every registered peer-reviewer organisation, by kind of service (public: whoever invites reviewers chooses from them). */
export async function reviewersByKind(db: Db): Promise<{ kind: ServiceKind; label: string; organisations: { id: string; name: string }[] }[]> {
  const scopes = await peerReviewerScopes(db);
  return SERVICE_KINDS.map((kind) => ({
    kind, label: KIND_LABELS[kind],
    organisations: scopes.filter((s) => s.kind === kind).map((s) => ({ id: s.organisationId, name: s.name })).sort((a, b) => a.name.localeCompare(b.name)),
  }));
}

/** The kinds of service an organisation is registered to peer-review, by their labels (its organisation page). */
export async function scopesOfOrganisation(db: Db, organisationId: string): Promise<string[]> {
  if (!uuid.test(organisationId)) return [];
  return (await repo.scopesOf(db, organisationId)).map((k) => KIND_LABELS[k]);
}
