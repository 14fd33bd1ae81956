// The only place with the grants module's SQL.
import { sql, type Insertable, type Updateable } from 'kysely';
import type { Db } from '../platform/db.ts';
import type { GrantsFilesTable } from './grants.table.ts';
import { intoDelta } from './grants.totals.repository.ts';

/** Serialises imports of one publisher (across app processes) until the transaction ends. */
export async function lockPublisher(trx: Db, organisationId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`grants:${organisationId}`}, 0))`.execute(trx);
}

export async function findFileBySha(db: Db, organisationId: string, sha256: string) {
  return db.selectFrom('grants_files').selectAll().where('organisation_id', '=', organisationId).where('sha256', '=', sha256).executeTakeFirst();
}

/** The current version of each of these grant ids the publisher has: id → version and raw JSON. */
export async function currentVersions(db: Db, organisationId: string, ids: readonly string[]): Promise<Map<string, { version: number; raw: unknown }>> {
  const out = new Map<string, { version: number; raw: unknown }>();
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db.selectFrom('grants_grants').select(['grant_id', 'version', 'raw']).where('organisation_id', '=', organisationId)
      .where('is_current', '=', true).where('grant_id', 'in', ids.slice(i, i + 1000)).execute();
    for (const r of rows) out.set(r.grant_id, { version: r.version, raw: r.raw });
  }
  return out;
}

export async function insertFile(trx: Db, row: Insertable<GrantsFilesTable>): Promise<string> {
  const r = await trx.insertInto('grants_files').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/** Each publisher with current grants: how many, and totals by currency (minor units). */
export async function publisherTotals(db: Db, organisationId?: string) {
  let q = db.selectFrom('grants_grants').select(['organisation_id', 'currency', sql<number>`count(*)::int`.as('grants'), sql<number>`sum(amount_minor)`.as('total'),
    sql<string>`min(award_date)::text`.as('first'), sql<string>`max(award_date)::text`.as('last')]).where('is_current', '=', true);
  if (organisationId) q = q.where('organisation_id', '=', organisationId);
  return q.groupBy(['organisation_id', 'currency']).orderBy('organisation_id').orderBy('currency').execute();
}

export async function listGrants(db: Db, organisationId: string, page: { limit: number; offset: number }) {
  return db.selectFrom('grants_grants').select(['grant_id', 'version', 'title', 'amount_minor', 'currency', 'award_date', 'funder_name', 'recipient_name', 'recipient_type',
    'programme', 'regrant_type', 'location_precision', 'location_source', 'la_code', 'small_area_code'])
    .where('organisation_id', '=', organisationId).where('is_current', '=', true)
    .orderBy('award_date', 'desc').orderBy('grant_id').limit(page.limit).offset(page.offset).execute();
}

export async function listFiles(db: Db, organisationId: string) {
  return db.selectFrom('grants_files').select(['id', 'sha256', 'filename', 'format', 'status', 'withdrawn_at', 'withdrawn_reason', 'grants_read', 'grants_rejected', 'grants_new', 'grants_changed', 'grants_unchanged',
    'gbp_total_pence', 'other_currencies', 'first_award_date', 'last_award_date', 'created_at'])
    .where('organisation_id', '=', organisationId).orderBy('created_at', 'desc').execute();
}

/** Versions of a grant, newest first. */
export async function grantVersions(db: Db, organisationId: string, grantId: string) {
  return db.selectFrom('grants_grants').selectAll().where('organisation_id', '=', organisationId).where('grant_id', '=', grantId).orderBy('version', 'desc').execute();
}

/** Every current grant id of a publisher (to tell which a new file does not hold). */
export async function currentIds(db: Db, organisationId: string): Promise<string[]> {
  const rows = await db.selectFrom('grants_grants').select('grant_id').where('organisation_id', '=', organisationId).where('is_current', '=', true).orderBy('grant_id').execute();
  return rows.map((r) => r.grant_id);
}

export async function findFileForUpdate(trx: Db, organisationId: string, fileId: string) {
  return trx.selectFrom('grants_files').selectAll().where('organisation_id', '=', organisationId).where('id', '=', fileId).forUpdate().executeTakeFirst();
}

export async function findFile(db: Db, organisationId: string, fileId: string) {
  return db.selectFrom('grants_files').selectAll().where('organisation_id', '=', organisationId).where('id', '=', fileId).executeTakeFirst();
}

/**
 * Takes a file's grants out of the count: its current versions stop being current (marked withdrawn), and for
 * each, the version it had replaced becomes current again where that version's file is not itself withdrawn.
 * Both are recorded in the kept totals' delta (grants.totals.repository.ts: startTotalsDelta first).
 * Returns how many were withdrawn and how many earlier versions came back.
 */
export async function withdrawFileGrants(trx: Db, organisationId: string, fileId: string): Promise<{ withdrawn: number; restored: number }> {
  const gone = await sql<{ grant_id: string; version: number }>`
    WITH gone AS (UPDATE grants_grants SET is_current = false, withdrawn_at = now()
     WHERE organisation_id = ${organisationId} AND file_id = ${fileId} AND is_current
     RETURNING grant_id, version),
    delta AS (INSERT INTO pg_temp.grants_totals_delta (grant_id, version, sign) SELECT grant_id, version, -1 FROM gone)
    SELECT grant_id, version FROM gone`.execute(trx);
  if (gone.rows.length === 0) return { withdrawn: 0, restored: 0 };
  const restored = await intoDelta(1, sql`
    UPDATE grants_grants g SET is_current = true, replaced_at = NULL
      FROM (SELECT DISTINCT ON (p.grant_id) p.grant_id, p.version
              FROM grants_grants p JOIN grants_files f ON f.organisation_id = p.organisation_id AND f.id = p.file_id
             WHERE p.organisation_id = ${organisationId} AND f.status = 'current' AND f.id <> ${fileId} AND p.withdrawn_at IS NULL
               AND p.grant_id = ANY(${gone.rows.map((r) => r.grant_id)}::text[])
             ORDER BY p.grant_id, p.version DESC) prev
     WHERE g.organisation_id = ${organisationId} AND g.grant_id = prev.grant_id AND g.version = prev.version RETURNING g.grant_id, g.version`).execute(trx);
  return { withdrawn: gone.rows.length, restored: Number(restored.numAffectedRows ?? 0) };
}

export async function markFileWithdrawn(trx: Db, organisationId: string, fileId: string, userId: string | null, reason: string): Promise<Date> {
  const r = await trx.updateTable('grants_files').set({ status: 'withdrawn', withdrawn_at: new Date(), withdrawn_by: userId, withdrawn_reason: reason })
    .where('organisation_id', '=', organisationId).where('id', '=', fileId).returning('withdrawn_at').executeTakeFirstOrThrow();
  return r.withdrawn_at!;
}

/** A file's figures, once it has been read to the end (grants.store.ts inserts its row first). */
export async function completeFile(trx: Db, organisationId: string, fileId: string, figures: Updateable<GrantsFilesTable>): Promise<void> {
  await trx.updateTable('grants_files').set(figures).where('organisation_id', '=', organisationId).where('id', '=', fileId).execute();
}

/** How many rows the publisher has in the kept totals tables, all four together. */
export async function keptTotalsRows(db: Db, organisationId: string): Promise<number> {
  const r = await sql<{ n: number }>`SELECT ((SELECT count(*) FROM grants_area_totals WHERE organisation_id = ${organisationId}::uuid)
    + (SELECT count(*) FROM grants_explore_totals WHERE organisation_id = ${organisationId}::uuid)
    + (SELECT count(*) FROM grants_word_totals WHERE organisation_id = ${organisationId}::uuid)
    + (SELECT count(*) FROM grants_amount_totals WHERE organisation_id = ${organisationId}::uuid))::int AS n`.execute(db);
  return r.rows[0]!.n;
}
