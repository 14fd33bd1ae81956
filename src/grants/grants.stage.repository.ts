// The grants module's SQL for storing a file through a staging table (grants.store.ts): the file's grants are
// COPYed into a temporary table that lives for the import's transaction, and compared with the publisher's
// current grants there — which are the same (jsonb equality: key order and number spelling do not count), which
// changed, which are new, which current grants the file does not hold — so no grant of either side is held in
// memory. The same rules as grants.repository.ts: functions take (trx, …).
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import { GRANT_COLUMNS } from './grants.load.ts';
import { intoDelta } from './grants.totals.repository.ts';

const cols = sql.raw(GRANT_COLUMNS.join(', '));

/** The staging table, with grants_grants's columns (no constraints, no indexes) and `ord`, the grant's place in the file. */
export async function createStage(trx: Db): Promise<void> {
  await sql`DROP TABLE IF EXISTS pg_temp.grants_stage`.execute(trx);
  await sql`CREATE TEMP TABLE grants_stage ON COMMIT DROP AS SELECT 0::integer AS ord, ${cols} FROM grants_grants WITH NO DATA`.execute(trx);
}

/** Statistics for the planner once the stage is loaded (a temporary table is never analysed on its own). */
export async function analyseStage(trx: Db): Promise<void> {
  await sql`CREATE INDEX grants_stage_id ON pg_temp.grants_stage (grant_id)`.execute(trx);
  await sql`ANALYZE pg_temp.grants_stage`.execute(trx);
}

const current = (org: string) => sql`g.organisation_id = ${org}::uuid AND g.is_current`;

export async function stageCounts(trx: Db, org: string): Promise<{ grants: number; unchanged: number; changed: number }> {
  const { rows } = await sql<{ grants: number; unchanged: number; changed: number }>`
    SELECT count(*)::int AS grants, (count(g.grant_id) FILTER (WHERE g.raw = s.raw))::int AS unchanged, (count(g.grant_id) FILTER (WHERE g.raw <> s.raw))::int AS changed
      FROM pg_temp.grants_stage s LEFT JOIN grants_grants g ON ${current(org)} AND g.grant_id = s.grant_id`.execute(trx);
  return rows[0]!;
}

/** The first `limit` new grants' ids, in file order. */
export async function stageAdded(trx: Db, org: string, limit: number): Promise<string[]> {
  const { rows } = await sql<{ grant_id: string }>`
    SELECT s.grant_id FROM pg_temp.grants_stage s
     WHERE NOT EXISTS (SELECT 1 FROM grants_grants g WHERE ${current(org)} AND g.grant_id = s.grant_id)
     ORDER BY s.ord LIMIT ${limit}`.execute(trx);
  return rows.map((r) => r.grant_id);
}

/** The first `limit` changed grants, in file order, with the current and the new JSON. */
export async function stageChanged(trx: Db, org: string, limit: number): Promise<{ grant_id: string; before: unknown; after: unknown }[]> {
  const { rows } = await sql<{ grant_id: string; before: unknown; after: unknown }>`
    SELECT s.grant_id, g.raw AS before, s.raw AS after FROM pg_temp.grants_stage s JOIN grants_grants g ON ${current(org)} AND g.grant_id = s.grant_id
     WHERE g.raw <> s.raw ORDER BY s.ord LIMIT ${limit}`.execute(trx);
  return rows;
}

/** The publisher's current grants the file does not hold: how many, and the first ids by id. */
export async function stageNotInFile(trx: Db, org: string, limit: number): Promise<{ count: number; ids: string[] }> {
  const missing = sql`FROM grants_grants g WHERE ${current(org)} AND NOT EXISTS (SELECT 1 FROM pg_temp.grants_stage s WHERE s.grant_id = g.grant_id)`;
  const count = await sql<{ n: number }>`SELECT count(*)::int AS n ${missing}`.execute(trx);
  const ids = count.rows[0]!.n ? await sql<{ grant_id: string }>`SELECT g.grant_id ${missing} ORDER BY g.grant_id LIMIT ${limit}`.execute(trx) : { rows: [] };
  return { count: count.rows[0]!.n, ids: ids.rows.map((r) => r.grant_id) };
}

/**
 * Stores the stage: each changed grant's current version stops being current (kept, marked replaced), then the
 * new and changed grants are inserted as their next version (after the highest ever stored, a withdrawn one's
 * included). Unchanged grants are left as they are. Both changes are recorded in the kept totals' delta
 * (grants.totals.repository.ts: startTotalsDelta first, applyTotalsDelta after). Returns how many versions were written.
 */
export async function storeStage(trx: Db, org: string): Promise<number> {
  await intoDelta(-1, sql`UPDATE grants_grants g SET is_current = false, replaced_at = now() FROM pg_temp.grants_stage s
             WHERE ${current(org)} AND g.grant_id = s.grant_id AND g.raw <> s.raw RETURNING g.grant_id, g.version`).execute(trx);
  const select = sql.raw(GRANT_COLUMNS.map((c) => (c === 'version' ? 'coalesce(v.version, 0) + 1' : `s.${c}`)).join(', '));
  const r = await intoDelta(1, sql`
    INSERT INTO grants_grants (${cols})
    SELECT ${select} FROM pg_temp.grants_stage s
      LEFT JOIN (SELECT grant_id, max(version) AS version FROM grants_grants WHERE organisation_id = ${org}::uuid GROUP BY grant_id) v ON v.grant_id = s.grant_id
     WHERE NOT EXISTS (SELECT 1 FROM grants_grants g WHERE ${current(org)} AND g.grant_id = s.grant_id)
     ORDER BY s.ord RETURNING grant_id, version`).execute(trx);
  return Number(r.numAffectedRows ?? 0);
}
