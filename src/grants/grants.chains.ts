// Regranting chains (issue 17): a grant with a `regrantType` is a pot, given by a funder to an intermediary
// that regrants it in onward grants. Links between the intermediary's onward grants and the pot are kept in
// grants_chain_links (migration 0034) and made three ways:
//
// - by `relatedActivity`: an onward grant whose relatedActivity names the pot's 360Giving id is linked when
//   either file is published, whichever comes first, across publishers;
// - by the intermediary when it publishes: on its draft's check page it chooses, by title, which of the pots it
//   received the file's grants draw on;
// - by a person: the intermediary's staff link or unlink onward grants on the pot's page.
//
// Who the intermediary is: the registered organisation that holds the pot's recipient org-id (GB-CHC-…,
// GB-COH-…, GB-SC-…) among its identifiers, and nothing else. A recipient is never matched by its name, and a
// 360G- identifier (an unregistered group's own id in 360Giving) names no registered organisation, so such a
// group is never merged with another by name: a person has to register it, or an administrator confirm it.
// Only the intermediary may link grants to the pot; a link naming another intermediary's pot is refused (by
// relatedActivity: left unlinked and counted as refused).
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { requireOrganisationRole } from '../platform/auth/policy.ts';
import { findOrganisation, getOrganisation, type OrganisationView } from '../organisations/organisations.service.ts';
import { formatOrgId, isOrgIdError, parseOrgId } from '../organisations/organisations.identifiers.ts';
import { listLocalAuthorities } from '../places/places.service.ts';
import * as repo from './grants.chains.repository.ts';
import { grantsFairness, type GrantsFairness } from './grants.fairness.ts';
import { countGroups } from './grants.groups.ts';

/** Roles of the intermediary that may link its onward grants to a pot (as for publishing its grants). */
export const CHAIN_LINKING_ROLES = ['admin', 'staff', 'finance'] as const;

/** The additional field each exported grant carries, naming the pots it draws on (documented in the README). */
export const REGRANTED_FROM_FIELD = 'commonwealRegrantedFrom';

export interface PotRef {
  /** The pot's publisher (organisation id). */
  organisationId: string;
  grantId: string;
}

/** How a form names a pot: the publisher's id and the grant's id, never shown to or typed by a person. */
export const potKey = (p: PotRef) => `${p.organisationId}:${p.grantId}`;
function parsePotKey(key: string): PotRef | null {
  const i = key.indexOf(':');
  if (i <= 0 || i === key.length - 1) return null;
  return { organisationId: key.slice(0, i), grantId: key.slice(i + 1) };
}

/**
 * The registered organisation that holds this org-id as one of its identifiers, or null. By identifier only:
 * never by name or slug, so an unregistered group's 360G- id matches nobody.
 */
export async function organisationByOrgId(db: Db, orgId: string | null): Promise<OrganisationView | null> {
  if (!orgId) return null;
  const parsed = parseOrgId(orgId);
  if (isOrgIdError(parsed)) return null;
  const id = formatOrgId(parsed);
  const org = await findOrganisation(db, id);
  return org && org.identifiers.includes(id) ? org : null;
}

const canonicalOrgIds = (org: OrganisationView) => org.identifiers.map((i) => i.toUpperCase());
function holds(org: OrganisationView, orgId: string | null): boolean {
  if (!orgId) return false;
  const parsed = parseOrgId(orgId);
  return !isOrgIdError(parsed) && canonicalOrgIds(org).includes(formatOrgId(parsed));
}

export interface PotChoice {
  key: string;
  title: string;
  grantId: string;
  funder: string;
  publisher: { id: string; name: string; slug: string };
  amountMinor: number;
  currency: string;
  awardDate: string;
  regrantType: string;
}

/** The pots an organisation received (grants with a regrantType whose recipient org-id it holds), newest first. */
export async function potsReceived(db: Db, organisationRef: string): Promise<PotChoice[]> {
  const org = await getOrganisation(db, organisationRef);
  const rows = await repo.potsReceivedBy(db, org.identifiers);
  const publishers = new Map<string, OrganisationView>();
  const out: PotChoice[] = [];
  for (const r of rows) {
    if (!holds(org, r.recipient_org_id)) continue;
    const pub = publishers.get(r.organisation_id) ?? await getOrganisation(db, r.organisation_id);
    publishers.set(r.organisation_id, pub);
    out.push({
      key: potKey({ organisationId: r.organisation_id, grantId: r.grant_id }), title: r.title, grantId: r.grant_id, funder: r.funder_name ?? pub.name,
      publisher: { id: pub.id, name: pub.name, slug: pub.slug }, amountMinor: Number(r.amount_minor), currency: r.currency, awardDate: r.award_date, regrantType: r.regrant_type!,
    });
  }
  return out;
}

interface GrantIn { id: string; relatedActivity: readonly string[]; regrantType: string | null }

/**
 * Links by relatedActivity, in the publishing transaction: the file's onward grants that name a pot received by
 * the publisher, and, for the file's pots, the onward grants their intermediaries published already. Links a
 * grant had from an older version's relatedActivity are dropped first (the newer file says what holds).
 * A relatedActivity naming a pot that another organisation received is not linked, and is counted as refused.
 * Audited (`grants.chain.linked`) when anything changed.
 */
export async function linkByRelatedActivity(trx: Db, actor: Actor, publisherId: string, grants: readonly GrantIn[], fileId: string) {
  const publisher = await getOrganisation(trx, publisherId);
  const removed = await repo.deleteRelatedActivityLinks(trx, publisher.id, grants.map((g) => g.id));
  const named = [...new Set(grants.flatMap((g) => g.relatedActivity))];
  const pots = named.length ? await repo.potsWithIds(trx, named) : [];
  const rows: Parameters<typeof repo.insertLinks>[1] = [];
  let refused = 0;
  for (const g of grants) {
    for (const id of g.relatedActivity) {
      const matches = pots.filter((p) => p.grant_id === id && !(p.organisation_id === publisher.id && p.grant_id === g.id));
      const mine = matches.filter((p) => holds(publisher, p.recipient_org_id));
      if (matches.length && !mine.length) refused++;
      for (const p of mine) rows.push({ organisation_id: publisher.id, grant_id: g.id, pot_organisation_id: p.organisation_id, pot_grant_id: p.grant_id, source: 'related-activity', created_by: actor.userId });
    }
  }
  // The file's own pots: their intermediaries' grants that named them before they were published. One look for
  // every current grant naming any of the pots (not a look a pot: a large file has tens of thousands), then each
  // is kept where its publisher is the organisation the pot was given to.
  const potIds = grants.filter((g) => g.regrantType).map((g) => g.id);
  const naming = potIds.length ? await repo.grantsNaming(trx, potIds) : [];
  if (naming.length) {
    const potSet = new Set(potIds);
    const potRows = await repo.findCurrentGrants(trx, [...new Set(naming.flatMap((o) => o.related_activity.filter((id) => potSet.has(id))))].map((grantId) => ({ organisationId: publisher.id, grantId })));
    const publishers = new Map<string, OrganisationView>();
    for (const onward of naming) {
      let intermediary = publishers.get(onward.organisation_id);
      if (!intermediary) publishers.set(onward.organisation_id, (intermediary = await getOrganisation(trx, onward.organisation_id)));
      for (const potId of new Set(onward.related_activity)) {
        const row = potSet.has(potId) ? potRows.get(potKey({ organisationId: publisher.id, grantId: potId })) : undefined;
        if (!row || !holds(intermediary, row.recipient_org_id)) continue;
        if (intermediary.id === publisher.id && onward.grant_id === potId) continue;
        rows.push({ organisation_id: intermediary.id, grant_id: onward.grant_id, pot_organisation_id: publisher.id, pot_grant_id: potId, source: 'related-activity', created_by: actor.userId });
      }
    }
  }
  const added = await repo.insertLinks(trx, rows);
  if (added.length || removed) {
    await recordAudit(trx, actor, {
      action: 'grants.chain.linked', entityType: 'grants_file', entityId: fileId, organisationId: publisher.id,
      after: { source: 'related-activity', added: added.length, removed, refused, links: added.slice(0, 100).map((a) => ({ grantId: a.grant_id, pot: potKey({ organisationId: a.pot_organisation_id, grantId: a.pot_grant_id }) })) },
    });
  }
  return { added: added.length, removed, refused };
}

/**
 * Links the grants of a file the intermediary is publishing to the pots it chose on the check page (by their
 * form keys). Every pot must be one the publisher received: otherwise 403, and nothing is linked. Pots among the
 * file's own grants are not linked to anything. Audited (`grants.chain.linked`, source `publisher`).
 */
export async function linkFileToPots(trx: Db, actor: Actor, publisherId: string, grantIds: readonly string[], potKeys: readonly string[], fileId: string) {
  if (potKeys.length === 0) return { added: 0 };
  const publisher = await getOrganisation(trx, publisherId);
  const pots: PotRef[] = [];
  for (const key of new Set(potKeys)) {
    const ref = parsePotKey(key);
    const row = ref ? await repo.findCurrentGrant(trx, ref.organisationId, ref.grantId) : undefined;
    if (!ref || !row || !row.regrant_type) throw AppError.validation([{ field: 'pots', message: 'One of the pots chosen is no longer published: go back to the check page and choose again' }]);
    if (!holds(publisher, row.recipient_org_id)) throw new AppError('forbidden', `${publisher.name} did not receive “${row.title}”, so its grants cannot draw on it`);
    pots.push(ref);
  }
  const kinds = await repo.currentGrantKinds(trx, publisher.id, grantIds);
  const onward = grantIds.filter((id) => kinds.get(id) && !kinds.get(id)!.pot);
  const added = await repo.insertLinks(trx, pots.flatMap((p) => onward.map((id) => ({
    organisation_id: publisher.id, grant_id: id, pot_organisation_id: p.organisationId, pot_grant_id: p.grantId, source: 'publisher' as const, created_by: actor.userId,
  }))));
  await recordAudit(trx, actor, {
    action: 'grants.chain.linked', entityType: 'grants_file', entityId: fileId, organisationId: publisher.id,
    after: { source: 'publisher', pots: pots.map(potKey), grants: onward.length, added: added.length },
  });
  return { added: added.length };
}

/** A pot, by its publisher (id, org-id or slug) and its 360Giving id; 404 when it is not a current grant with a regrantType. */
export async function findPot(db: Db, publisherRef: string, grantId: string) {
  const publisher = await getOrganisation(db, publisherRef);
  const row = await repo.findCurrentGrant(db, publisher.id, grantId);
  if (!row || !row.regrant_type) throw new AppError('not_found', `${publisher.name} has published no regrant with the id “${grantId}”`);
  return { publisher, row, intermediary: await organisationByOrgId(db, row.recipient_org_id) };
}

/** Whether the actor may link grants to a pot this intermediary received (to offer the link on the pot's page). */
export async function mayLink(db: Db, actor: Actor, intermediaryId: string): Promise<boolean> {
  if (!actor.userId && !actor.isAdmin) return false;
  return requireOrganisationRole(db, actor, intermediaryId, CHAIN_LINKING_ROLES).then(() => true, () => false);
}

/** The organisation whose staff may link grants to a pot (for the route's access check); 404 when no registered organisation received it. */
export async function potIntermediaryId(db: Db, publisherRef: string, grantId: string): Promise<string> {
  const { intermediary, row } = await findPot(db, publisherRef, grantId);
  if (!intermediary) throw new AppError('not_found', `No organisation registered here holds the recipient’s identifier (${row.recipient_org_id ?? 'none given'}) of this pot, so nobody can link grants to it yet`);
  return intermediary.id;
}

/**
 * A member of the intermediary's staff links (`link`) or unlinks (`unlink`) its onward grants to a pot. Only
 * the intermediary's current grants that are not pots themselves can be linked; another organisation's staff
 * are refused (403). One transaction, audited (`grants.chain.linked` / `grants.chain.unlinked`, source `person`).
 */
export async function setOnwardLinks(db: Db, actor: Actor, publisherRef: string, grantId: string, change: { link?: readonly string[]; unlink?: readonly string[] }) {
  const { publisher, row, intermediary } = await findPot(db, publisherRef, grantId);
  if (!intermediary) throw new AppError('forbidden', 'No organisation registered here received this pot, so nobody can link grants to it yet');
  await requireOrganisationRole(db, actor, intermediary.id, CHAIN_LINKING_ROLES);
  const link = [...new Set(change.link ?? [])];
  const unlink = [...new Set(change.unlink ?? [])].filter((id) => !link.includes(id));
  if (link.length === 0 && unlink.length === 0) throw AppError.validation([{ field: 'link', message: 'Choose at least one grant to link or unlink' }]);
  const pot = { organisationId: publisher.id, grantId: row.grant_id };
  return db.transaction().execute(async (trx) => {
    const kinds = await repo.currentGrantKinds(trx, intermediary.id, link);
    const bad = link.filter((id) => !kinds.has(id) || kinds.get(id)!.pot);
    if (bad.length) throw AppError.validation([{ field: 'link', message: `${bad.length === 1 ? 'One grant chosen is' : `${bad.length} grants chosen are`} not a current onward grant of ${intermediary.name}` }]);
    const added = await repo.insertLinks(trx, link.map((id) => ({ organisation_id: intermediary.id, grant_id: id, pot_organisation_id: pot.organisationId, pot_grant_id: pot.grantId, source: 'person' as const, created_by: actor.userId })));
    const removed = await repo.deleteLinks(trx, intermediary.id, unlink, pot);
    if (added.length) {
      await recordAudit(trx, actor, { action: 'grants.chain.linked', entityType: 'grants_pot', entityId: potKey(pot), organisationId: intermediary.id, after: { source: 'person', grants: added.map((a) => a.grant_id) } });
    }
    if (removed.length) {
      await recordAudit(trx, actor, { action: 'grants.chain.unlinked', entityType: 'grants_pot', entityId: potKey(pot), organisationId: intermediary.id, before: { grants: removed } });
    }
    return { linked: added.length, unlinked: removed.length };
  });
}

export interface OnwardGrant {
  publisher: { id: string; slug: string };
  grantId: string;
  title: string;
  amountMinor: number;
  currency: string;
  awardDate: string;
  recipient: string;
  recipientType: string;
  programme: string | null;
  localAuthority: { code: string; name: string } | null;
  source: repo.LinkSource;
}

export interface PotView {
  pot: {
    publisher: { id: string; name: string; slug: string };
    grantId: string; title: string; amountMinor: number; currency: string; awardDate: string; regrantType: string;
    funder: string | null; recipient: string | null; recipientOrgId: string | null; programme: string | null;
  };
  intermediary: { id: string; name: string; slug: string } | null;
  /** Onward grants in the pot's currency, added up; others are listed apart. */
  regrantedMinor: number;
  leftMinor: number;
  otherCurrencies: Record<string, { grants: number; total: number }>;
  grants: number;
  /** Distinct recipient organisations (by org-id where the file gives one, else by name within that file's id-less grants). */
  groups: number;
  individuals: number;
  byLocalAuthority: { code: string | null; name: string; grants: number; amountMinor: number }[];
  onward: OnwardGrant[];
  fairness: GrantsFairness;
}

/** A pot's page: its amount, how much its onward grants add up to, to how many groups, where, what is left, and the grants. */
export async function potView(db: Db, publisherRef: string, grantId: string): Promise<PotView> {
  const { publisher, row, intermediary } = await findPot(db, publisherRef, grantId);
  const pot = { organisationId: publisher.id, grantId: row.grant_id };
  const [rows, las, fairness] = await Promise.all([repo.onwardGrantsOf(db, pot), listLocalAuthorities(db), grantsFairness(db, { kind: 'pot', ...pot })]);
  const laNames = new Map(las.map((l) => [l.code, l.name]));
  const slugs = new Map<string, string>();
  let regranted = 0n;
  const other: Record<string, { grants: number; total: number }> = {};
  const groupIds: string[] = [];
  const groupNames = new Set<string>();
  let individuals = 0;
  const byLa = new Map<string | null, { grants: number; amount: bigint }>();
  const onward: OnwardGrant[] = [];
  for (const r of rows) {
    const amount = BigInt(r.amount_minor);
    if (r.currency === row.currency) {
      regranted += amount;
      const la = byLa.get(r.la_code) ?? { grants: 0, amount: 0n };
      byLa.set(r.la_code, { grants: la.grants + 1, amount: la.amount + amount });
    } else {
      const o = other[r.currency] ?? { grants: 0, total: 0 };
      other[r.currency] = { grants: o.grants + 1, total: o.total + Number(r.amount_minor) };
    }
    if (r.recipient_type === 'individual') individuals++;
    else if (r.recipient_org_id) groupIds.push(r.recipient_org_id);
    else groupNames.add(`${r.organisation_id}:${(r.recipient_name ?? '').trim().toLowerCase()}`);
    if (!slugs.has(r.organisation_id)) slugs.set(r.organisation_id, (await getOrganisation(db, r.organisation_id)).slug);
    onward.push({
      publisher: { id: r.organisation_id, slug: slugs.get(r.organisation_id)! }, grantId: r.grant_id, title: r.title, amountMinor: Number(r.amount_minor), currency: r.currency,
      awardDate: r.award_date, recipient: r.recipient_type === 'individual' ? 'An individual' : r.recipient_name ?? 'Not given', recipientType: r.recipient_type, programme: r.programme,
      localAuthority: r.la_code ? { code: r.la_code, name: laNames.get(r.la_code) ?? r.la_code } : null, source: r.source,
    });
  }
  const byLocalAuthority = [...byLa.entries()].map(([code, v]) => ({ code, name: code ? laNames.get(code) ?? code : 'Not located to a local authority', grants: v.grants, amountMinor: Number(v.amount) }))
    .sort((a, b) => (a.code === null ? 1 : b.code === null ? -1 : b.amountMinor - a.amountMinor || a.name.localeCompare(b.name)));
  return {
    pot: {
      publisher: { id: publisher.id, name: publisher.name, slug: publisher.slug }, grantId: row.grant_id, title: row.title, amountMinor: Number(row.amount_minor), currency: row.currency,
      awardDate: row.award_date, regrantType: row.regrant_type!, funder: row.funder_name, recipient: row.recipient_name, recipientOrgId: row.recipient_org_id, programme: row.programme,
    },
    intermediary: intermediary ? { id: intermediary.id, name: intermediary.name, slug: intermediary.slug } : null,
    regrantedMinor: Number(regranted), leftMinor: Number(BigInt(row.amount_minor) - regranted), otherCurrencies: other,
    grants: rows.length, groups: (await countGroups(db, groupIds)) + groupNames.size, individuals, byLocalAuthority, onward, fairness,
  };
}

/** The intermediary's grants that could be linked to a pot (not pots, not linked yet), newest first, for its staff's page. */
export async function linkCandidates(db: Db, actor: Actor, publisherRef: string, grantId: string, q?: string | null) {
  const { publisher, row, intermediary } = await findPot(db, publisherRef, grantId);
  if (!intermediary) throw new AppError('forbidden', 'No organisation registered here received this pot');
  await requireOrganisationRole(db, actor, intermediary.id, CHAIN_LINKING_ROLES);
  const rows = await repo.unlinkedGrantsOf(db, intermediary.id, { organisationId: publisher.id, grantId: row.grant_id }, { limit: 200, q: q?.trim().slice(0, 200) || null });
  return rows.map((r) => ({ grantId: r.grant_id, title: r.title, amountMinor: Number(r.amount_minor), currency: r.currency, awardDate: r.award_date, recipient: r.recipient_type === 'individual' ? 'An individual' : r.recipient_name ?? 'Not given', programme: r.programme }));
}

export interface ChainFields {
  /** The grant's own relatedActivity, with the ids of every pot it is linked to added (360Giving's field). */
  relatedActivity: string[];
  /**
   * The additional field `commonwealRegrantedFrom`: each pot the grant draws on, with its funder's org-id and
   * how the link was made. Absent (empty) for a grant that draws on no pot.
   */
  commonwealRegrantedFrom: { potId: string; potTitle: string; funderOrgId: string | null; funderName: string | null; linkedBy: repo.LinkSource }[];
}

/**
 * What an export adds to each grant (keyed `${publisherId}:${grantId}`): `relatedActivity` (the file's ids
 * plus the linked pots') and the additional field `commonwealRegrantedFrom`. Grants with no link and no
 * relatedActivity are absent from the map.
 */
export async function grantChainFields(db: Db, grants: readonly { publisherId: string; grantId: string; relatedActivity?: readonly string[] }[]): Promise<Map<string, ChainFields>> {
  const links = await repo.potsOfGrants(db, grants.map((g) => ({ organisationId: g.publisherId, grantId: g.grantId })));
  // Every pot these grants draw on, in one query (not one a pot).
  const potRows = await repo.findCurrentGrants(db, links.map((l) => ({ organisationId: l.pot_organisation_id, grantId: l.pot_grant_id })));
  const byGrant = new Map<string, typeof links>();
  for (const l of links) byGrant.set(`${l.organisation_id}:${l.grant_id}`, [...(byGrant.get(`${l.organisation_id}:${l.grant_id}`) ?? []), l]);
  const out = new Map<string, ChainFields>();
  for (const g of grants) {
    const mine = byGrant.get(`${g.publisherId}:${g.grantId}`) ?? [];
    if (mine.length === 0 && !(g.relatedActivity?.length)) continue;
    const related = [...new Set([...(g.relatedActivity ?? []), ...mine.map((l) => l.pot_grant_id)])];
    out.set(`${g.publisherId}:${g.grantId}`, {
      relatedActivity: related,
      commonwealRegrantedFrom: mine.map((l) => {
        const p = potRows.get(potKey({ organisationId: l.pot_organisation_id, grantId: l.pot_grant_id }));
        return { potId: l.pot_grant_id, potTitle: p?.title ?? l.pot_grant_id, funderOrgId: p?.funder_org_id ?? null, funderName: p?.funder_name ?? null, linkedBy: l.source };
      }),
    });
  }
  return out;
}
