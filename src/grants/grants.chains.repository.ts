// The grants module's SQL for regranting chains and the fairness lens (grants_chain_links, migration 0034, and
// the sums over grants_grants that fairness needs). Kept apart from grants.repository.ts only so that the
// module's import and explore work can change that file at the same time; the same rules hold: functions take
// (db | trx, …), nothing else in the module writes SQL.
import { sql, type Insertable } from 'kysely';
import type { Db } from '../platform/db.ts';
import { refreshExploreTotals } from './grants.search.repository.ts';
import type { GrantsChainLinksTable } from './grants.table.ts';

export type LinkSource = GrantsChainLinksTable['source'];

const GRANT_COLUMNS = ['organisation_id', 'grant_id', 'title', 'amount_minor', 'currency', 'award_date', 'funder_org_id', 'funder_name', 'recipient_org_id',
  'recipient_name', 'recipient_type', 'programme', 'regrant_type', 'related_activity', 'location_precision', 'small_area_code', 'la_code'] as const;

export type GrantRecord = Awaited<ReturnType<typeof findCurrentGrant>> & object;

/** The current version of one grant of a publisher, or undefined. */
export async function findCurrentGrant(db: Db, organisationId: string, grantId: string) {
  return db.selectFrom('grants_grants').select(GRANT_COLUMNS).where('organisation_id', '=', organisationId).where('grant_id', '=', grantId)
    .where('is_current', '=', true).executeTakeFirst();
}

/** The current versions of these grants (any publishers), in one query a thousand at a time: `${organisationId}:${grantId}` → row. */
export async function findCurrentGrants(db: Db, refs: readonly { organisationId: string; grantId: string }[]) {
  const out = new Map<string, GrantRecord>();
  const unique = [...new Map(refs.map((r) => [`${r.organisationId}:${r.grantId}`, r])).values()];
  for (let i = 0; i < unique.length; i += 1000) {
    const chunk = unique.slice(i, i + 1000);
    const rows = await db.selectFrom('grants_grants').select(GRANT_COLUMNS).where('is_current', '=', true)
      .where((eb) => eb(eb.refTuple('organisation_id', 'grant_id'), 'in', chunk.map((r) => eb.tuple(r.organisationId, r.grantId)))).execute();
    for (const r of rows) out.set(`${r.organisation_id}:${r.grant_id}`, r);
  }
  return out;
}

/** Current pots (grants with a regrantType) of any publisher whose recipient is one of these org-ids (case as stored, compared upper-case). */
export async function potsReceivedBy(db: Db, orgIds: readonly string[]) {
  if (orgIds.length === 0) return [];
  return db.selectFrom('grants_grants').select(GRANT_COLUMNS).where('is_current', '=', true).where('regrant_type', 'is not', null)
    .where(sql<string>`upper(recipient_org_id)`, 'in', orgIds.map((i) => i.toUpperCase()))
    .orderBy('award_date', 'desc').orderBy('title').execute();
}

/** Current pots of any publisher with one of these 360Giving ids. */
export async function potsWithIds(db: Db, grantIds: readonly string[]) {
  const out = [];
  for (let i = 0; i < grantIds.length; i += 1000) {
    out.push(...await db.selectFrom('grants_grants').select(GRANT_COLUMNS).where('is_current', '=', true).where('regrant_type', 'is not', null)
      .where('grant_id', 'in', grantIds.slice(i, i + 1000)).execute());
  }
  return out;
}

/** A publisher's current grants whose relatedActivity names one of these ids. */
export async function grantsRelatedTo(db: Db, organisationId: string, potIds: readonly string[]) {
  if (potIds.length === 0) return [];
  return db.selectFrom('grants_grants').select(['grant_id', 'related_activity']).where('organisation_id', '=', organisationId).where('is_current', '=', true)
    .where(sql<boolean>`related_activity && ${sql.val([...potIds])}::text[]`).execute();
}

/** Every publisher's current grants whose relatedActivity names one of these pot ids (a thousand ids a query). */
export async function grantsNaming(db: Db, potIds: readonly string[]) {
  const out: { organisation_id: string; grant_id: string; related_activity: string[] }[] = [];
  for (let i = 0; i < potIds.length; i += 1000) {
    out.push(...await db.selectFrom('grants_grants').select(['organisation_id', 'grant_id', 'related_activity']).where('is_current', '=', true)
      .where(sql<boolean>`related_activity && ${sql.val(potIds.slice(i, i + 1000))}::text[]`).orderBy('organisation_id').orderBy('grant_id').execute());
  }
  return [...new Map(out.map((r) => [`${r.organisation_id}:${r.grant_id}`, r])).values()];
}

/** Which of these ids are current grants of the publisher, and which of those are pots themselves. */
export async function currentGrantKinds(db: Db, organisationId: string, grantIds: readonly string[]): Promise<Map<string, { pot: boolean }>> {
  const out = new Map<string, { pot: boolean }>();
  for (let i = 0; i < grantIds.length; i += 1000) {
    const rows = await db.selectFrom('grants_grants').select(['grant_id', 'regrant_type']).where('organisation_id', '=', organisationId).where('is_current', '=', true)
      .where('grant_id', 'in', grantIds.slice(i, i + 1000)).execute();
    for (const r of rows) out.set(r.grant_id, { pot: r.regrant_type !== null });
  }
  return out;
}

/** Adds links; one already there (by any source) is left as it is. Returns the links added. */
export async function insertLinks(trx: Db, rows: Insertable<GrantsChainLinksTable>[]) {
  const added: { grant_id: string; pot_organisation_id: string; pot_grant_id: string }[] = [];
  for (let i = 0; i < rows.length; i += 500) {
    added.push(...await trx.insertInto('grants_chain_links').values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['organisation_id', 'grant_id', 'pot_organisation_id', 'pot_grant_id']).doNothing())
      .returning(['grant_id', 'pot_organisation_id', 'pot_grant_id']).execute());
  }
  return added;
}

/** Removes the links of these onward grants to one pot. Returns the grant ids unlinked. */
export async function deleteLinks(trx: Db, organisationId: string, grantIds: readonly string[], pot: { organisationId: string; grantId: string }) {
  if (grantIds.length === 0) return [];
  const rows = await trx.deleteFrom('grants_chain_links').where('organisation_id', '=', organisationId).where('grant_id', 'in', [...grantIds])
    .where('pot_organisation_id', '=', pot.organisationId).where('pot_grant_id', '=', pot.grantId).returning('grant_id').execute();
  return rows.map((r) => r.grant_id);
}

/** Drops the links these grants had from their relatedActivity (a newer file states it again, or no longer). */
export async function deleteRelatedActivityLinks(trx: Db, organisationId: string, grantIds: readonly string[]) {
  // Most publishers have no such link: one look saves a delete per thousand grants of a big file.
  const any = await trx.selectFrom('grants_chain_links').select('grant_id').where('organisation_id', '=', organisationId).where('source', '=', 'related-activity').limit(1).executeTakeFirst();
  if (!any) return 0;
  let n = 0;
  for (let i = 0; i < grantIds.length; i += 1000) {
    const r = await trx.deleteFrom('grants_chain_links').where('organisation_id', '=', organisationId).where('source', '=', 'related-activity')
      .where('grant_id', 'in', grantIds.slice(i, i + 1000)).executeTakeFirst();
    n += Number(r.numDeletedRows);
  }
  return n;
}

/** The onward grants linked to a pot (current versions), with how each was linked. */
export async function onwardGrantsOf(db: Db, pot: { organisationId: string; grantId: string }) {
  return db.selectFrom('grants_chain_links as l')
    .innerJoin('grants_grants as g', (j) => j.onRef('g.organisation_id', '=', 'l.organisation_id').onRef('g.grant_id', '=', 'l.grant_id').on('g.is_current', '=', true))
    .select(['g.organisation_id', 'g.grant_id', 'g.title', 'g.amount_minor', 'g.currency', 'g.award_date', 'g.recipient_org_id', 'g.recipient_name', 'g.recipient_type',
      'g.programme', 'g.location_precision', 'g.small_area_code', 'g.la_code', 'l.source', 'l.created_at'])
    .where('l.pot_organisation_id', '=', pot.organisationId).where('l.pot_grant_id', '=', pot.grantId)
    .orderBy('g.award_date', 'desc').orderBy('g.grant_id').execute();
}

/** The pots each of these grants is linked to, for exports. */
export async function potsOfGrants(db: Db, grants: readonly { organisationId: string; grantId: string }[]) {
  const out: { organisation_id: string; grant_id: string; pot_organisation_id: string; pot_grant_id: string; source: LinkSource }[] = [];
  const byOrg = new Map<string, string[]>();
  for (const g of grants) byOrg.set(g.organisationId, [...(byOrg.get(g.organisationId) ?? []), g.grantId]);
  for (const [org, ids] of byOrg) {
    for (let i = 0; i < ids.length; i += 1000) {
      out.push(...await db.selectFrom('grants_chain_links').select(['organisation_id', 'grant_id', 'pot_organisation_id', 'pot_grant_id', 'source'])
        .where('organisation_id', '=', org).where('grant_id', 'in', ids.slice(i, i + 1000)).orderBy('pot_grant_id').execute());
    }
  }
  return out;
}

// ---- fairness ----

/** Which grants a fairness report covers. */
export type FairnessScope =
  | { kind: 'publisher'; organisationId: string; programme?: string | null }
  | { kind: 'pot'; organisationId: string; grantId: string }
  | { kind: 'funder'; funderOrgId: string };

/** One group of grants: placed (a small-area code) or not (a reason), in one currency. */
export interface FairnessGroup {
  small_area_code: string | null;
  location_precision: string | null;
  currency: string;
  grants: number;
  total: string;
}

/**
 * The current grants of a scope summed by small area, location precision and currency. For a publisher (or a
 * programme) this reads the area totals kept at import (grants_area_totals, a row per small area); for a pot's
 * chain or a funder across publishers, an index-only scan of the grants (no grant's JSON is read).
 */
export async function fairnessGroups(db: Db, scope: FairnessScope): Promise<FairnessGroup[]> {
  const cols = sql`g.small_area_code, CASE WHEN g.small_area_code IS NULL THEN g.location_precision END AS location_precision, g.currency, count(*)::int AS grants, sum(g.amount_minor)::text AS total`;
  let where;
  if (scope.kind === 'publisher') {
    // A publisher or one of its programmes: the totals kept at every import and withdrawal (grants.totals.repository.ts).
    // Within one scope and programme a row's key is already (small area or '', precision or '', currency), and
    // the precision is '' whenever a small area is given, so the rows are the groups: no GROUP BY (and its sort
    // of ≈45,000 rows for a million grants) is needed.
    const { rows } = await sql<FairnessGroup>`
      SELECT nullif(t.small_area_code, '') AS small_area_code, CASE WHEN t.small_area_code = '' THEN nullif(t.location_precision, '') END AS location_precision, t.currency,
             t.grants, t.total::text AS total
        FROM grants_area_totals t WHERE t.organisation_id = ${scope.organisationId} AND ${scope.programme ? sql`t.scope = 'programme' AND t.programme = ${scope.programme}` : sql`t.scope = 'publisher' AND t.programme = ''`}`.execute(db);
    return rows;
  }
  if (scope.kind === 'pot') {
    where = sql`FROM grants_chain_links l JOIN grants_grants g ON g.organisation_id = l.organisation_id AND g.grant_id = l.grant_id AND g.is_current
      WHERE l.pot_organisation_id = ${scope.organisationId} AND l.pot_grant_id = ${scope.grantId}`;
  } else {
    where = sql`FROM grants_grants g WHERE g.is_current AND upper(g.funder_org_id) = ${scope.funderOrgId.toUpperCase()}`; // grants_grants_fairness_funder
  }
  const { rows } = await sql<FairnessGroup>`SELECT ${cols} ${where} GROUP BY 1, 2, 3`.execute(db);
  return rows;
}

/** A publisher's programmes with current grants, by name. */
export async function programmesOf(db: Db, organisationId: string): Promise<string[]> {
  const rows = await db.selectFrom('grants_grants').select('programme').distinct().where('organisation_id', '=', organisationId).where('is_current', '=', true)
    .where('programme', 'is not', null).orderBy('programme').execute();
  return rows.map((r) => r.programme!);
}

/** The funder's name as its grants give it (the most recent). */
export async function funderName(db: Db, funderOrgId: string): Promise<string | null> {
  const r = await db.selectFrom('grants_grants').select('funder_name').where('is_current', '=', true).where(sql<string>`upper(funder_org_id)`, '=', funderOrgId.toUpperCase())
    .where('funder_name', 'is not', null).orderBy('award_date', 'desc').limit(1).executeTakeFirst();
  return r?.funder_name ?? null;
}

/** An intermediary's current grants that are not pots and not linked to this pot, newest first; `q` matches title or recipient. */
export async function unlinkedGrantsOf(db: Db, organisationId: string, pot: { organisationId: string; grantId: string }, options: { limit: number; q?: string | null }) {
  let q = db.selectFrom('grants_grants as g').select(['g.grant_id', 'g.title', 'g.amount_minor', 'g.currency', 'g.award_date', 'g.recipient_name', 'g.recipient_type', 'g.programme'])
    .where('g.organisation_id', '=', organisationId).where('g.is_current', '=', true).where('g.regrant_type', 'is', null)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('grants_chain_links as l').select(sql`1`.as('one')).whereRef('l.organisation_id', '=', 'g.organisation_id')
      .whereRef('l.grant_id', '=', 'g.grant_id').where('l.pot_organisation_id', '=', pot.organisationId).where('l.pot_grant_id', '=', pot.grantId))));
  if (options.q) {
    const pattern = `%${options.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) => eb.or([eb(sql`lower(g.title)`, 'like', pattern), eb(sql`lower(coalesce(g.recipient_name, ''))`, 'like', pattern)]));
  }
  return q.orderBy('g.award_date', 'desc').orderBy('g.grant_id').limit(options.limit).execute();
}

/**
 * Rebuilds a publisher's area totals (and explorer, word and amount totals) from its current grants. Imports,
 * publishes and withdrawals keep them by difference in their own transaction (grants.totals.repository.ts),
 * building them here only for a publisher's first file; `grants totals rebuild` and the tests use it whole.
 */
export async function refreshAreaTotals(trx: Db, organisationId: string): Promise<void> {
  await sql`DELETE FROM grants_area_totals WHERE organisation_id = ${organisationId}::uuid`.execute(trx);
  const area = (precision: string) => sql.raw(`coalesce(small_area_code, ''), CASE WHEN small_area_code IS NULL THEN coalesce(${precision}, '') ELSE '' END`);
  await sql`
    INSERT INTO grants_area_totals (organisation_id, scope, programme, small_area_code, location_precision, currency, grants, total)
    SELECT organisation_id, 'publisher', '', ${area('location_precision')}, currency, count(*), sum(amount_minor)
      FROM grants_grants WHERE organisation_id = ${organisationId}::uuid AND is_current GROUP BY 1, 4, 5, 6`.execute(trx);
  await sql`
    INSERT INTO grants_area_totals (organisation_id, scope, programme, small_area_code, location_precision, currency, grants, total)
    SELECT organisation_id, 'programme', programme, ${area('location_precision')}, currency, count(*), sum(amount_minor)
      FROM grants_grants WHERE organisation_id = ${organisationId}::uuid AND is_current AND programme IS NOT NULL GROUP BY 1, 3, 4, 5, 6`.execute(trx);
  // The explorer's totals by kind, regranting, year and currency are kept beside these (grants.search.repository.ts).
  await refreshExploreTotals(trx, organisationId);
}
