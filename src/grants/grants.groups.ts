// Unregistered groups that may be the same (issue 17): a group without a register number is known in 360Giving
// by an id its funder makes up (360G-…), so one group funded twice can appear under two ids. Such groups are
// never merged by name. This finds likely pairs — two 360G- ids that one publisher's current grants name with
// the same normalised name in the same local authority — and shows them, with the evidence, to the people who
// may decide: the publisher's administrators, or a site administrator. A person confirms a merge (the group
// then counts once: the explorer's recipient filter and page, and a pot's count of groups) or rejects it (the
// pair is not proposed again). Every decision is audited and can be undone (the row is kept, marked undone).
// New candidates after an import or publish are announced to the publisher's administrators (inbox + email).
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { requireOrganisationRole, rolesByOrganisation } from '../platform/auth/policy.ts';
import { notifyWork, roleHolderIds, type WorkItem, type WorkKind, type WorkPerson } from '../platform/inbox.ts';
import { inTransaction } from '../platform/transaction.ts';
import { getOrganisation } from '../organisations/organisations.service.ts';
import { localAuthorities } from './grants.explore.ts';
import * as repo from './grants.groups.repository.ts';

export const GROUPS_KIND = 'grants.groups-to-confirm';
/** Who decides whether two of a publisher's unregistered groups are one (and site administrators). */
export const GROUP_DECIDING_ROLES = ['admin'] as const;

/**
 * A name reduced to what two spellings of one group share: accents, case, punctuation and spacing go, "&" is
 * "and", a leading "the" goes. Deliberately narrow — a match only asks a person to look.
 */
export function normaliseGroupName(name: string): string {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/&/g, ' and ').replace(/[^a-z0-9]+/g, ' ').trim().replace(/^the /, '');
}

/** What a person sees of one group to decide: its names, where, what it received and when. */
export interface GroupEvidence {
  id: string;
  names: string[];
  postcodes: string[];
  grants: number;
  gbpPence: number;
  firstAwardDate: string;
  lastAwardDate: string;
  titles: string[];
  /** Other ids already confirmed the same as this one. */
  alsoKnownAs: string[];
}

export interface GroupCandidate {
  /** The id that would be merged, and the one it would count as (the one with more grants). */
  group: GroupEvidence;
  into: GroupEvidence;
  normalisedName: string;
  localAuthority: { code: string; name: string };
}

export interface GroupDecisionView {
  id: string;
  decision: 'merged' | 'rejected';
  groupId: string;
  canonicalId: string;
  evidence: unknown;
  decidedBy: string | null;
  decidedAt: string;
}

/** Follows open merges to the id a group counts as (a few steps at most: each merge names a canonical group). */
function canonicalOf(merges: Map<string, string>, id: string): string {
  let at = id;
  for (let i = 0; i < 50 && merges.has(at); i++) at = merges.get(at)!;
  return at;
}

/**
 * The publisher's likely-the-same pairs of unregistered groups, biggest first: same normalised name, same local
 * authority, not yet merged, and not rejected by a person. A group already merged is represented by the group
 * it counts as (with its other ids listed), so a third spelling is proposed against that one.
 */
export async function groupCandidates(db: Db, publisherId: string): Promise<GroupCandidate[]> {
  const [rows, decisions] = await Promise.all([repo.unregisteredGroups(db, publisherId), repo.openDecisions(db, publisherId)]);
  if (rows.length < 2) return [];
  const merges = new Map(decisions.filter((d) => d.decision === 'merged').map((d) => [d.group_id, d.canonical_id]));
  const rejected = new Set(decisions.filter((d) => d.decision === 'rejected').map((d) => [d.group_id, d.canonical_id].sort().join('\n')));
  // Groups by (normalised name, local authority), each resolved id's evidence summed.
  const byKey = new Map<string, Map<string, GroupEvidence>>();
  for (const r of rows) {
    const canonical = canonicalOf(merges, r.id);
    for (const name of new Set(r.names.map(normaliseGroupName).filter(Boolean))) {
      const key = `${name}\n${r.la_code}`;
      const ids = byKey.get(key) ?? new Map<string, GroupEvidence>();
      byKey.set(key, ids);
      const e = ids.get(canonical) ?? { id: canonical, names: [], postcodes: [], grants: 0, gbpPence: 0, firstAwardDate: r.first, lastAwardDate: r.last, titles: [], alsoKnownAs: [] };
      ids.set(canonical, e);
      for (const n of r.names) if (!e.names.includes(n)) e.names.push(n);
      for (const p of r.postcodes) if (!e.postcodes.includes(p)) e.postcodes.push(p);
      e.grants += r.grants;
      e.gbpPence += Number(r.gbp_pence);
      if (r.first < e.firstAwardDate) e.firstAwardDate = r.first;
      if (r.last > e.lastAwardDate) e.lastAwardDate = r.last;
      for (const t of r.titles) if (e.titles.length < 3 && !e.titles.includes(t)) e.titles.push(t);
      if (r.id !== canonical && !e.alsoKnownAs.includes(r.id)) e.alsoKnownAs.push(r.id);
    }
  }
  const laNames = new Map((await localAuthorities(db)).map((l) => [l.code, l.name]));
  const out: GroupCandidate[] = [];
  const seen = new Set<string>();
  for (const [key, ids] of byKey) {
    if (ids.size < 2) continue;
    const [normalisedName, laCode] = key.split('\n') as [string, string];
    const list = [...ids.values()].sort((a, b) => b.grants - a.grants || (a.id < b.id ? -1 : 1));
    const into = list[0]!;
    for (const group of list.slice(1)) {
      const pair = [group.id, into.id].sort().join('\n');
      if (rejected.has(pair) || seen.has(pair)) continue;
      seen.add(pair);
      out.push({ group, into, normalisedName, localAuthority: { code: laCode, name: laNames.get(laCode) ?? laCode } });
    }
  }
  return out.sort((a, b) => b.group.grants + b.into.grants - (a.group.grants + a.into.grants) || (a.group.id < b.group.id ? -1 : 1));
}

function present(d: repo.DecisionRow): GroupDecisionView {
  return { id: d.id, decision: d.decision, groupId: d.group_id, canonicalId: d.canonical_id, evidence: d.evidence, decidedBy: d.decided_by_name, decidedAt: d.decided_at.toISOString() };
}

/** A publisher's page of groups: the candidates waiting and the decisions people made (open ones). */
export async function groupsPage(db: Db, actor: Actor, publisherRef: string) {
  const publisher = await getOrganisation(db, publisherRef);
  await requireOrganisationRole(db, actor, publisher.id, GROUP_DECIDING_ROLES);
  const [candidates, decisions] = await Promise.all([groupCandidates(db, publisher.id), repo.openDecisions(db, publisher.id)]);
  return { publisher: { id: publisher.id, name: publisher.name, slug: publisher.slug }, candidates, decisions: decisions.map(present) };
}

function readId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^360G-\S{1,200}$/i.test(value.trim())) throw AppError.validation([{ field, message: 'Choose a pair of groups from the list' }]);
  return value.trim();
}

/**
 * Confirms (`merged`) or rejects a pair the publisher's groups page proposed. The pair must still be proposed
 * now (checked under the publisher's lock: two people deciding at once, the second is told it was decided).
 * A merge makes `group` count as `into` everywhere the explorer counts recipients. Audited.
 */
export async function decideGroups(db: Db, actor: Actor, publisherRef: string, input: { group?: unknown; into?: unknown; decision?: unknown }): Promise<GroupDecisionView> {
  const publisher = await getOrganisation(db, publisherRef);
  await requireOrganisationRole(db, actor, publisher.id, GROUP_DECIDING_ROLES);
  const decision = input.decision === 'merged' || input.decision === 'rejected' ? input.decision : null;
  if (!decision) throw AppError.validation([{ field: 'decision', message: 'Choose whether these are the same group' }]);
  const group = readId(input.group, 'group');
  const into = readId(input.into, 'into');
  const decided = await inTransaction(db, async (trx) => {
    await repo.lockGroupsOf(trx, publisher.id);
    const candidate = (await groupCandidates(trx, publisher.id)).find((c) => c.group.id === group && c.into.id === into);
    if (!candidate) throw new AppError('conflict', 'These groups are no longer waiting for a decision: someone may have decided already, or the grants changed');
    const evidence = { normalisedName: candidate.normalisedName, localAuthority: candidate.localAuthority, group: candidate.group, into: candidate.into };
    const id = await repo.insertDecision(trx, { organisation_id: publisher.id, group_id: group, canonical_id: into, decision, evidence: JSON.stringify(evidence), decided_by: actor.userId });
    forgetCount(publisher.id);
    await recordAudit(trx, actor, { action: decision === 'merged' ? 'grants.groups.merged' : 'grants.groups.rejected', entityType: 'grants_group_decision', entityId: id, organisationId: publisher.id, after: { group, into, decision, evidence } });
    const row = (await repo.openDecisions(trx, publisher.id)).find((d) => d.id === id)!;
    return present(row);
  });
  forgetCount(publisher.id);
  return decided;
}

/** Undoes an open decision (a merge stops counting the groups as one; a rejected pair is proposed again). Audited. */
export async function undoGroupDecision(db: Db, actor: Actor, publisherRef: string, decisionId: unknown): Promise<GroupDecisionView> {
  const publisher = await getOrganisation(db, publisherRef);
  await requireOrganisationRole(db, actor, publisher.id, GROUP_DECIDING_ROLES);
  if (typeof decisionId !== 'string' || !/^[0-9a-f-]{36}$/i.test(decisionId)) throw new AppError('not_found', 'No such decision');
  const undone = await inTransaction(db, async (trx) => {
    await repo.lockGroupsOf(trx, publisher.id);
    const row = await repo.lockOpenDecision(trx, publisher.id, decisionId);
    if (!row) throw new AppError('not_found', 'No such decision, or it was undone already');
    await repo.undoDecision(trx, publisher.id, row.id, actor.userId);
    forgetCount(publisher.id);
    await recordAudit(trx, actor, { action: 'grants.groups.undone', entityType: 'grants_group_decision', entityId: row.id, organisationId: publisher.id, before: { group: row.group_id, into: row.canonical_id, decision: row.decision } });
    return present(row);
  });
  forgetCount(publisher.id);
  return undone;
}

/** Every id confirmed the same group as this one (itself included); just itself for any other id. */
export async function sameGroupIds(db: Db, id: string): Promise<string[]> {
  if (!/^360G-/i.test(id)) return [id];
  return repo.mergedWith(db, id);
}

/** Counts distinct groups among these recipient ids, ids confirmed the same counting once. */
export async function countGroups(db: Db, ids: readonly string[]): Promise<number> {
  const unregistered = [...new Set(ids.filter((x) => /^360G-/i.test(x)))];
  const merges = new Map((await repo.mergesOf(db, unregistered)).map((m) => [m.group_id, m.canonical_id]));
  return new Set(ids.map((x) => canonicalOf(merges, x).toUpperCase())).size;
}

/**
 * After a file's grants are stored: tells the publisher's administrators when pairs of groups wait for them
 * (inbox kind GROUPS_KIND, and email), in the import's transaction.
 */
export async function announceGroupCandidates(trx: Db, actor: Actor, publisher: { id: string; name: string; slug: string }, baseUrl: string): Promise<number> {
  forgetCount(publisher.id);
  const waiting = (await groupCandidates(trx, publisher.id)).length;
  if (!waiting) return 0;
  await notifyWork(trx, {
    kind: GROUPS_KIND, userIds: await roleHolderIds(trx, [publisher.id], GROUP_DECIDING_ROLES), except: actor.userId, baseUrl,
    href: `/grants/${publisher.slug}/groups`, subject: `${waiting} pair${waiting === 1 ? '' : 's'} of groups may be the same in ${publisher.name}’s grants`,
    text: `${publisher.name}’s published grants name unregistered groups with the same name in the same local authority under different ids. They are counted apart until someone confirms they are one group.`,
  });
  return waiting;
}

// The inbox is counted on every page a signed-in person sees, and finding candidates reads all of a publisher's
// unregistered groups: the count is kept 30 seconds per publisher (in this process; a decision, an import or a
// publish here forgets it at once, another process's within the 30 seconds).
const COUNT_MS = 30_000;
const counts = new WeakMap<object, Map<string, { at: number; n: number }>>();
const forgotten = new Map<string, number>();
/** Forgets the kept count of a publisher, for every database handle (a decision is made in a transaction). */
function forgetCount(publisherId: string): void {
  forgotten.set(publisherId, Date.now());
}
async function waitingCount(db: Db, publisherId: string): Promise<number> {
  const kept = counts.get(db) ?? new Map<string, { at: number; n: number }>();
  counts.set(db, kept);
  const hit = kept.get(publisherId);
  if (hit && Date.now() - hit.at < COUNT_MS && hit.at > (forgotten.get(publisherId) ?? 0)) return hit.n;
  const n = (await groupCandidates(db, publisherId)).length;
  kept.set(publisherId, { at: Date.now(), n });
  return n;
}

async function groupItems(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  let ids: string[] | null = null;
  if (!person.isAdmin) {
    const held = await rolesByOrganisation(db, person.id);
    ids = [...held.entries()].filter(([, roles]) => roles.some((r) => (GROUP_DECIDING_ROLES as readonly string[]).includes(r))).map(([id]) => id);
  }
  const items: WorkItem[] = [];
  for (const publisherId of await repo.publishersWithGroups(db, ids)) {
    const n = await waitingCount(db, publisherId);
    if (!n) continue;
    const p = await getOrganisation(db, publisherId);
    items.push({ title: `Decide whether ${n} pair${n === 1 ? '' : 's'} of unregistered groups are the same`, href: `/grants/${p.slug}/groups`, date: new Date(), detail: p.name });
  }
  return items;
}

export const groupsWork: WorkKind[] = [
  { kind: GROUPS_KIND, label: 'Unregistered groups that may be the same', emailHint: 'When a grants file you publish names groups with the same name in the same area under different ids', list: groupItems },
];
