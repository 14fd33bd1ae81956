// SQL of unregistered groups confirmed the same (grants.groups.ts): the groups a publisher's current grants
// name, and the decisions people made about them (migration 0044).
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';

/** One unregistered group (360G- id) in one local authority, as a publisher's current grants name it. */
export interface GroupRow {
  id: string;
  la_code: string;
  names: string[];
  postcodes: string[];
  grants: number;
  gbp_pence: string | number;
  first: string;
  last: string;
  titles: string[];
}

/** The unregistered groups a publisher's current grants name, with where (local authority) and what they got. */
export async function unregisteredGroups(db: Db, organisationId: string): Promise<GroupRow[]> {
  const r = await sql<GroupRow>`
    SELECT g.recipient_org_id AS id, g.la_code, array_agg(DISTINCT g.recipient_name) FILTER (WHERE g.recipient_name IS NOT NULL) AS names,
      coalesce(array_agg(DISTINCT g.location_postcode) FILTER (WHERE g.location_postcode IS NOT NULL), '{}') AS postcodes,
      count(*)::int AS grants, coalesce(sum(g.amount_minor) FILTER (WHERE g.currency = 'GBP'), 0) AS gbp_pence,
      min(g.award_date)::text AS first, max(g.award_date)::text AS last, (array_agg(g.title ORDER BY g.award_date DESC))[1:3] AS titles
    FROM grants_grants g
    WHERE g.organisation_id = ${organisationId} AND g.is_current AND g.recipient_type = 'organisation'
      AND upper(g.recipient_org_id) LIKE '360G-%' AND g.la_code IS NOT NULL AND g.recipient_name IS NOT NULL
    GROUP BY g.recipient_org_id, g.la_code ORDER BY g.recipient_org_id, g.la_code`.execute(db);
  return r.rows.map((x) => ({ ...x, names: x.names ?? [], postcodes: x.postcodes ?? [], titles: x.titles ?? [] }));
}

export interface DecisionRow {
  organisation_id: string;
  id: string;
  group_id: string;
  canonical_id: string;
  decision: 'merged' | 'rejected';
  evidence: unknown;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: Date;
  undone_at: Date | null;
}

/** A publisher's open decisions (merges and rejections not undone), newest first. */
export async function openDecisions(db: Db, organisationId: string): Promise<DecisionRow[]> {
  return db.selectFrom('grants_group_decisions as d').leftJoin('users as u', 'u.id', 'd.decided_by')
    .select(['d.organisation_id', 'd.id', 'd.group_id', 'd.canonical_id', 'd.decision', 'd.evidence', 'd.decided_by', 'u.name as decided_by_name', 'd.decided_at', 'd.undone_at'])
    .where('d.organisation_id', '=', organisationId).where('d.undone_at', 'is', null)
    .orderBy('d.decided_at', 'desc').orderBy('d.id').execute();
}

export async function insertDecision(trx: Db, row: { organisation_id: string; group_id: string; canonical_id: string; decision: 'merged' | 'rejected'; evidence: string; decided_by: string | null }): Promise<string> {
  return (await trx.insertInto('grants_group_decisions').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

/** An open decision, locked for the transaction that undoes it. */
export async function lockOpenDecision(trx: Db, organisationId: string, id: string): Promise<DecisionRow | undefined> {
  const r = await sql<DecisionRow>`SELECT d.*, NULL AS decided_by_name FROM grants_group_decisions d
    WHERE d.organisation_id = ${organisationId} AND d.id = ${id}::uuid AND d.undone_at IS NULL FOR UPDATE`.execute(trx);
  return r.rows[0];
}

export async function undoDecision(trx: Db, organisationId: string, id: string, userId: string | null): Promise<void> {
  await trx.updateTable('grants_group_decisions').set({ undone_at: new Date(), undone_by: userId }).where('organisation_id', '=', organisationId).where('id', '=', id).execute();
}

/** Serialises decisions about one publisher's groups (two people confirming at once see each other's). */
export async function lockGroupsOf(trx: Db, organisationId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('grants.groups'), hashtext(${organisationId}))`.execute(trx);
}

/**
 * Every id confirmed the same group as `id`, `id` included, across publishers: the ids joined to it by open
 * merges, followed both ways (a group merged into one that was itself merged later is still the same group).
 */
export async function mergedWith(db: Db, id: string): Promise<string[]> {
  const r = await sql<{ id: string }>`
    WITH RECURSIVE c(id) AS (
      SELECT ${id}::text
      UNION
      SELECT CASE WHEN m.group_id = c.id THEN m.canonical_id ELSE m.group_id END
      FROM grants_group_decisions m JOIN c ON m.group_id = c.id OR m.canonical_id = c.id
      WHERE m.decision = 'merged' AND m.undone_at IS NULL
    ) SELECT id FROM c ORDER BY id LIMIT 1000`.execute(db);
  return r.rows.map((x) => x.id);
}

/** Open merges touching any of these ids (group → canonical), for counting groups once. */
export async function mergesOf(db: Db, ids: readonly string[]): Promise<{ group_id: string; canonical_id: string }[]> {
  if (!ids.length) return [];
  return db.selectFrom('grants_group_decisions').select(['group_id', 'canonical_id']).where('decision', '=', 'merged').where('undone_at', 'is', null)
    .where((eb) => eb.or([eb('group_id', 'in', [...ids]), eb('canonical_id', 'in', [...ids])])).execute();
}

/** Publishers (among `organisationIds`, or any when null) whose current grants name unregistered groups placed in a local authority. */
export async function publishersWithGroups(db: Db, organisationIds: readonly string[] | null): Promise<string[]> {
  if (organisationIds && !organisationIds.length) return [];
  const r = await sql<{ organisation_id: string }>`
    SELECT DISTINCT g.organisation_id FROM grants_grants g
    WHERE g.is_current AND g.recipient_kind = 'unregistered' AND g.la_code IS NOT NULL
      ${organisationIds ? sql`AND g.organisation_id IN (${sql.join(organisationIds.map((x) => sql`${x}::uuid`))})` : sql``}
    LIMIT 100`.execute(db);
  return r.rows.map((x) => x.organisation_id);
}
