// The only place in the spend module with SQL. Every query on lines names the publisher first (the leading
// column of every index), and sees only lines of its publisher's current files.
import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Db } from '../platform/db.ts';
import type { FileSuppliers } from './spend.filesuppliers.ts';
import type { SpendFilesTable, SpendLinesTable, SpendPayMultiplesTable, SpendSalaryPostsTable, SpendSuppliersTable } from './spend.table.ts';

/** A stored spend file as selected: the table's columns as Kysely reads them. */
export type SpendFileRow = Selectable<SpendFilesTable>;

export type NewSpendFile = Omit<SpendFileRow, 'imported_at' | 'replaced_by' | 'mapping' | 'summary' | 'diff' | 'withdrawn_at' | 'withdrawn_by' | 'withdrawn_reason' | 'kind'> & {
  kind?: SpendFileRow['kind'];
  mapping: unknown;
  summary: unknown;
  diff: unknown;
};

const json = (value: unknown): string => JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

export async function findFileBySha(db: Db, organisationId: string, sha256: string): Promise<SpendFileRow | null> {
  const row = await db.selectFrom('spend_files').selectAll().where('organisation_id', '=', organisationId).where('sha256', '=', sha256).executeTakeFirst();
  return (row as SpendFileRow | undefined) ?? null;
}

export async function findFile(db: Db, organisationId: string, id: string): Promise<SpendFileRow | null> {
  const row = await db.selectFrom('spend_files').selectAll().where('organisation_id', '=', organisationId).where('id', '=', id).executeTakeFirst();
  return (row as SpendFileRow | undefined) ?? null;
}

/**
 * Serialises the step of an import that decides what a new file replaces, per publisher, so that two imports
 * of overlapping periods cannot both become current. Held until the transaction ends.
 */
export async function lockPublisherFiles(db: Db, organisationId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`spend-files:${organisationId}`}, 0))`.execute(db);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
function hexOf(id: string): string {
  if (!UUID.test(id)) throw new Error(`Not a uuid: ${id}`);
  return id.replace(/-/g, '');
}

/** The partition of spend_lines holding one publisher's files (migration 0014). */
export function publisherLinesTable(organisationId: string): string {
  return `spend_lines_o_${hexOf(organisationId)}`;
}

/** The table holding one file's lines: loaded on its own, then attached to its publisher's partition. */
export function fileLinesTable(fileId: string): string {
  return `spend_lines_f_${hexOf(fileId)}`;
}

/**
 * For the rest of an import's transaction. On a server: sorts for the new file's indexes and totals in memory
 * rather than in temporary files; on PGlite, the other way round. The commit still waits for its WAL flush: a publisher told that a file is
 * published must not lose it to a crash a moment later, and one flush is nothing beside the import.
 */
export async function bulkLoadSettings(db: Db, engine: 'postgres' | 'pglite'): Promise<void> {
  if (engine === 'postgres') {
    await sql`SET LOCAL maintenance_work_mem = '256MB'`.execute(db);
    await sql`SET LOCAL work_mem = '64MB'`.execute(db);
  } else {
    // PGlite's memory only grows, and every megabyte a sort takes stays in the process: its index builds sort in
    // 16 MB and spill to its data folder (measured: a million-line import's attach 4.6 s against 5.2 s with the
    // default 64 MB, and ~25 MB less memory kept).
    await sql`SET LOCAL maintenance_work_mem = '16MB'`.execute(db);
  }
}

/**
 * Creates the table a new file's lines are COPYed into: the lines' columns, no indexes yet, and a CHECK that
 * every row belongs to this publisher and file (so attaching it needs no scan). While it is loaded, COPY leaves
 * out the publisher and file (defaults fill them) and brings each line's fingerprint, to find identical lines
 * (flagDuplicateLines). The schema's owner makes it (migration 0021): the app's database role owns no table.
 */
export async function createFileLines(db: Db, organisationId: string, fileId: string): Promise<string> {
  const table = fileLinesTable(fileId);
  hexOf(organisationId);
  await sql`SELECT spend_create_file_lines(${organisationId}::uuid, ${fileId}::uuid)`.execute(db);
  return table;
}

/**
 * Flags the loaded file's identical lines: every line whose cells are those of an earlier line gets that first
 * line as `duplicate_of`. Grouped by the lines' 64-bit fingerprints in the database, so the import holds
 * nothing per line in memory (a table of fingerprints in JavaScript cost 12–36 bytes a line: 100 MB for three
 * million). Returns how many lines are flagged.
 */
export async function flagDuplicateLines(db: Db, fileId: string): Promise<number> {
  const table = fileLinesTable(fileId);
  const r = await sql.raw(`
    UPDATE ${table} t SET duplicate_of = d.first
    FROM (SELECT fingerprint_hi, fingerprint_lo, min(line) AS first FROM ${table}
          GROUP BY fingerprint_hi, fingerprint_lo HAVING count(*) > 1) d
    WHERE t.fingerprint_hi = d.fingerprint_hi AND t.fingerprint_lo = d.fingerprint_lo AND t.line <> d.first`).execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Makes a loaded file's table ready to join spend_lines: the loading defaults and fingerprints go, and its
 * primary key and two indexes are built, each by one sort (as ATTACH would build them). Attaching it later
 * then only links them, so a draft that is published later costs its publisher no index build.
 */
export async function sealFileLines(db: Db, fileId: string): Promise<void> {
  hexOf(fileId);
  // Altering and indexing the table is its owner's to do: the schema's owner does it (migration 0021).
  await sql`SELECT spend_seal_file_lines(${fileId}::uuid)`.execute(db);
}

/**
 * Attaches a sealed file's table to its publisher's partition (created on the publisher's first file); its
 * indexes become the partition's. Call under lockPublisherFiles. Takes no lock that stops anyone reading
 * spend_lines.
 */
export async function attachFileLines(db: Db, organisationId: string, fileId: string): Promise<void> {
  hexOf(organisationId);
  hexOf(fileId);
  // ATTACH PARTITION needs ownership of both tables: the schema's owner does it (migration 0021).
  await sql`SELECT spend_attach_file_lines(${organisationId}::uuid, ${fileId}::uuid)`.execute(db);
}

/** Drops the table of a file that was loaded but never published (a discarded or expired draft). */
export async function dropFileLines(db: Db, fileId: string): Promise<void> {
  hexOf(fileId);
  // Never a published file's lines: the function refuses a table that is part of spend_lines (migration 0021).
  await sql`SELECT spend_drop_file_lines(${fileId}::uuid)`.execute(db);
}

/**
 * Lines of a loaded, unpublished file (its own table) against the publisher's `older` files, both ways, as
 * diffFiles compares them: what publishing it in their place would change.
 */
export async function diffLoadedFile(db: Db, organisationId: string, older: string[], fileId: string): Promise<LineDiff> {
  const fields = sql.raw('date, net_pence, supplier_name, department, purpose, transaction_number, invoice_number');
  const table = sql.raw(fileLinesTable(fileId));
  const ids = sql`(${sql.join(older.map((id) => sql`${id}::uuid`))})`;
  const oldSide = sql`SELECT ${fields} FROM spend_lines WHERE organisation_id = ${organisationId} AND file_id IN ${ids}`;
  const newSide = sql`SELECT ${fields} FROM ${table}`;
  const count = async (a: RawBuilder<unknown>, b: RawBuilder<unknown>) =>
    (await sql<{ n: number; pence: number | null }>`SELECT count(*) AS n, sum(net_pence)::bigint AS pence FROM (${a} EXCEPT ALL ${b}) d`.execute(db)).rows[0];
  const added = await count(newSide, oldSide);
  const removed = await count(oldSide, newSide);
  return { linesAdded: Number(added?.n ?? 0), penceAdded: Number(added?.pence ?? 0), linesRemoved: Number(removed?.n ?? 0), penceRemoved: Number(removed?.pence ?? 0) };
}

/**
 * What a check before publishing reads from a loaded file's own table: amounts far outside the file's own
 * distribution, and dates outside a declared period. See spend.check.ts for the rule.
 */
export async function loadedFileOutliers(db: Db, fileId: string, lines: number, factor: number, limit: number): Promise<{ referencePence: number; count: number; lines: { line: number; netPence: number }[] } | null> {
  const table = sql.raw(fileLinesTable(fileId));
  // The amount that all but the largest 0.1 % of lines (at least one) stay within, ignoring sign.
  const skip = Math.max(1, Math.ceil(lines / 1000));
  const ref = (await sql<{ x: number }>`SELECT abs(net_pence) AS x FROM ${table} ORDER BY abs(net_pence) DESC OFFSET ${skip} LIMIT 1`.execute(db)).rows[0];
  const reference = Number(ref?.x ?? 0);
  if (!ref || reference <= 0) return null;
  const threshold = BigInt(reference) * BigInt(factor);
  const found = await sql<{ line: number; net_pence: number; n: number }>`
    SELECT line, net_pence, count(*) OVER () AS n FROM ${table} WHERE abs(net_pence) > ${threshold.toString()}::bigint
    ORDER BY abs(net_pence) DESC, line LIMIT ${limit}`.execute(db);
  return {
    referencePence: reference, count: Number(found.rows[0]?.n ?? 0),
    lines: found.rows.map((r) => ({ line: Number(r.line), netPence: Number(r.net_pence) })),
  };
}

/** Lines of a loaded file dated before `from` or after `to`: how many, and the first few. */
export async function loadedFileOutside(db: Db, fileId: string, from: string, to: string, limit: number): Promise<{ count: number; lines: { line: number; date: string }[] }> {
  const table = sql.raw(fileLinesTable(fileId));
  const rows = await sql<{ line: number; date: string; n: number }>`
    SELECT line, date, count(*) OVER () AS n FROM ${table} WHERE date < ${from}::date OR date > ${to}::date ORDER BY line LIMIT ${limit}`.execute(db);
  return { count: Number(rows.rows[0]?.n ?? 0), lines: rows.rows.map((r) => ({ line: Number(r.line), date: r.date })) };
}

/** Withdraws a current file: it leaves the publisher's current files (its totals are taken away by the caller). */
export async function markWithdrawn(db: Db, organisationId: string, id: string, userId: string | null, reason: string): Promise<boolean> {
  const r = await db.updateTable('spend_files').set({ status: 'withdrawn', withdrawn_at: new Date(), withdrawn_by: userId, withdrawn_reason: reason })
    .where('organisation_id', '=', organisationId).where('id', '=', id).where('status', '=', 'current').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A file locked for a change of its status. */
export async function findFileForUpdate(db: Db, organisationId: string, id: string): Promise<SpendFileRow | null> {
  const row = await db.selectFrom('spend_files').selectAll().where('organisation_id', '=', organisationId).where('id', '=', id).forUpdate().executeTakeFirst();
  return (row as SpendFileRow | undefined) ?? null;
}

/**
 * The current uploaded files whose period shares at least one day with [from, to], oldest period first, locked.
 * A month's grant payments file (kind 'grant-payments') is never among them: an upload neither replaces it nor
 * is refused because of it.
 */
export async function currentFilesOverlapping(db: Db, organisationId: string, from: string, to: string): Promise<SpendFileRow[]> {
  return (await db.selectFrom('spend_files').selectAll().where('organisation_id', '=', organisationId).where('status', '=', 'current').where('kind', '=', 'upload')
    .where('period_from', '<=', to).where('period_to', '>=', from).orderBy('period_from').forUpdate().execute()) as SpendFileRow[];
}

export async function lastVersion(db: Db, organisationId: string, from: string, to: string, kind: SpendFileRow['kind'] = 'upload'): Promise<number> {
  const row = await db.selectFrom('spend_files').select((eb) => eb.fn.max('version').as('v'))
    .where('organisation_id', '=', organisationId).where('period_from', '=', from).where('period_to', '=', to).where('kind', '=', kind).executeTakeFirst();
  return Number(row?.v ?? 0);
}

export async function markReplaced(db: Db, organisationId: string, id: string, replacedBy: string): Promise<void> {
  await db.updateTable('spend_files').set({ status: 'replaced', replaced_by: replacedBy })
    .where('organisation_id', '=', organisationId).where('id', '=', id).execute();
}

export async function insertFile(db: Db, file: NewSpendFile): Promise<void> {
  await db.insertInto('spend_files').values({
    ...file, mapping: json(file.mapping), summary: json(file.summary), diff: file.diff === null ? null : json(file.diff),
  }).execute();
}

export async function listFiles(db: Db, organisationId: string): Promise<SpendFileRow[]> {
  return (await db.selectFrom('spend_files').selectAll().where('organisation_id', '=', organisationId)
    .orderBy('period_from', 'desc').orderBy('version', 'desc').execute()) as SpendFileRow[];
}

export interface LineDiff {
  linesAdded: number;
  penceAdded: number;
  linesRemoved: number;
  penceRemoved: number;
}

/**
 * Lines of `newer` not in the `older` files (taken together) and the reverse, compared as multisets of their
 * published fields.
 */
export async function diffFiles(db: Db, organisationId: string, older: string[], newer: string): Promise<LineDiff> {
  const fields = sql.raw('date, net_pence, supplier_name, department, purpose, transaction_number, invoice_number');
  const ids = (x: string[]) => sql`(${sql.join(x.map((id) => sql`${id}::uuid`))})`;
  const side = (a: string[], b: string[]) => sql<{ n: number; pence: number | null }>`
    SELECT count(*) AS n, sum(net_pence)::bigint AS pence FROM (
      SELECT ${fields} FROM spend_lines WHERE organisation_id = ${organisationId} AND file_id IN ${ids(a)}
      EXCEPT ALL
      SELECT ${fields} FROM spend_lines WHERE organisation_id = ${organisationId} AND file_id IN ${ids(b)}
    ) d`;
  const added = (await side([newer], older).execute(db)).rows[0];
  const removed = (await side(older, [newer]).execute(db)).rows[0];
  return { linesAdded: Number(added?.n ?? 0), penceAdded: Number(added?.pence ?? 0), linesRemoved: Number(removed?.n ?? 0), penceRemoved: Number(removed?.pence ?? 0) };
}

/**
 * Adds the file's suppliers to the shared register, then links suppliers to organisations whose Companies House
 * or Charity Commission identifier the file quotes. Redacted payees have no key, so are never linked.
 */
export async function upsertSuppliers(db: Db, suppliers: FileSuppliers): Promise<void> {
  // Gathered as the lines streamed past, instead of grouping the file's lines again.
  for (const p of suppliers.pieces(20_000)) {
    await sql`
      INSERT INTO spend_suppliers (key, name, company_number, charity_number)
      SELECT key, min(name), max(company), max(charity)
      FROM unnest(${p.key}::text[], ${p.name}::text[], ${p.company}::text[], ${p.charity}::text[]) AS s(key, name, company, charity)
      GROUP BY key
      ON CONFLICT (key) DO UPDATE SET
        company_number = coalesce(spend_suppliers.company_number, excluded.company_number),
        charity_number = coalesce(spend_suppliers.charity_number, excluded.charity_number)`.execute(db);
  }
  await sql`
    UPDATE spend_suppliers s SET organisation_id = oi.organisation_id, link_method = 'identifier', suggested_organisation_id = NULL, suggestion_reason = NULL
    FROM organisation_identifiers oi
    WHERE s.organisation_id IS NULL
      AND s.rejected_organisation_id IS DISTINCT FROM oi.organisation_id
      AND ((oi.scheme = 'GB-COH' AND oi.identifier = lpad(upper(s.company_number), 8, '0'))
        OR (oi.scheme = 'GB-CHC' AND oi.identifier = ltrim(s.charity_number, '0')))
      AND ${fileKeys(suppliers)}`.execute(db);
}

/** `s.key` is one of the file's supplier keys, as gathered at import. */
function fileKeys(suppliers: FileSuppliers): RawBuilder<unknown> {
  return sql`s.key = ANY(${[...suppliers.suppliers.keys()]}::text[])`;
}

export async function getMapping(db: Db, organisationId: string): Promise<Record<string, string | null> | null> {
  const row = await db.selectFrom('spend_mappings').select('mapping').where('organisation_id', '=', organisationId).executeTakeFirst();
  return (row?.mapping as Record<string, string | null> | undefined) ?? null;
}

export async function saveMapping(db: Db, organisationId: string, mapping: Record<string, string | null>, userId: string | null): Promise<void> {
  await db.insertInto('spend_mappings').values({ organisation_id: organisationId, mapping: JSON.stringify(mapping), confirmed_by: userId })
    .onConflict((oc) => oc.column('organisation_id').doUpdateSet({ mapping: JSON.stringify(mapping), confirmed_by: userId, updated_at: new Date() }))
    .execute();
}

// Exploring

export interface LineFilters {
  organisationId: string;
  /** Inclusive ISO dates. */
  from?: string;
  to?: string;
  minPence?: number;
  maxPence?: number;
  q?: string;
  department?: string;
  purpose?: string;
  supplierKey?: string;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function where(f: LineFilters): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [
    sql`l.organisation_id = ${f.organisationId}`,
    sql`l.file_id IN (SELECT id FROM spend_files sf WHERE sf.organisation_id = ${f.organisationId} AND sf.status = 'current')`,
  ];
  if (f.from) parts.push(sql`l.date >= ${f.from}::date`);
  if (f.to) parts.push(sql`l.date <= ${f.to}::date`);
  if (f.minPence !== undefined) parts.push(sql`l.net_pence >= ${f.minPence}`);
  if (f.maxPence !== undefined) parts.push(sql`l.net_pence <= ${f.maxPence}`);
  if (f.department !== undefined) parts.push(f.department === '' ? sql`l.department IS NULL` : sql`l.department = ${f.department}`);
  if (f.purpose !== undefined) parts.push(f.purpose === '' ? sql`l.purpose IS NULL` : sql`l.purpose = ${f.purpose}`);
  if (f.supplierKey !== undefined) parts.push(sql`l.supplier_key = ${f.supplierKey}`);
  if (f.q) {
    const p = `%${escapeLike(f.q)}%`;
    parts.push(sql`(l.supplier_name ILIKE ${p} OR l.purpose ILIKE ${p} OR l.department ILIKE ${p})`);
  }
  return sql.join(parts, sql` AND `);
}

export interface Total {
  key: string | null;
  label: string | null;
  lines: number;
  pence: number;
}

// Pre-aggregated totals. A view whose only filter is a period of whole months is answered from spend_totals
// (a publisher's current files, kept equal to its lines by every import); any other filter reads the lines.

/**
 * Adds a new file's totals to its publisher's and takes away those of the files it replaced, in one statement
 * that groups their lines: the new file's count +1 and the replaced files' -1, so each group gets its change.
 * The month rows are grouped from the lines (GROUPING SETS: a month, and a month by each dimension); the
 * year and all-time rows from the month rows. A replaced file's totals are not kept anywhere else: they are
 * grouped from its lines, which stay for the record, only when it is replaced (once). With `onlyLine`, only
 * that line of `added` is added: a line appended to a month's grant payments file (spend.grantpayments.ts).
 *
 * The rows go in in the order of spend_totals' unique key: B-tree inserts in key order touch each page once,
 * in random order every insert may read and dirty a different one. The sort compares bytes (COLLATE "C"),
 * which is the index's own order under a C or C.UTF-8 database and close to it under any other (rows of one
 * dimension and month stay together), at a fraction of the cost of comparing by locale.
 */
export async function addFileTotals(db: Db, organisationId: string, added: string | null, removed: string[], onlyLine?: number): Promise<void> {
  const minus = removed.length
    ? sql`UNION ALL SELECT date_trunc('month', date)::date, department, purpose, supplier_key, NULL, net_pence, -1 FROM spend_lines
          WHERE organisation_id = ${organisationId} AND file_id IN (${sql.join(removed.map((id) => sql`${id}::uuid`))})`
    : sql``;
  // A publisher's first totals cannot meet a row already there: a plain insert then spares the speculative
  // insertion ON CONFLICT makes of every row (a fourth WAL record a row; 2 s of 6 for a million-line file on a
  // server). Imports of one publisher are serialised (lockPublisherFiles), so no other can add rows meanwhile.
  const fresh = !removed.length && !(await sql`SELECT 1 FROM spend_totals WHERE organisation_id = ${organisationId} LIMIT 1`.execute(db)).rows.length;
  await sql`
    WITH l (m, department, purpose, supplier_key, supplier_name, net_pence, sign) AS (
      SELECT date_trunc('month', date)::date, department, purpose, supplier_key, supplier_name, net_pence, 1 FROM spend_lines
      WHERE organisation_id = ${organisationId} AND ${added === null ? sql`false` : sql`file_id = ${added}`}${onlyLine === undefined ? sql`` : sql` AND line = ${onlyLine}`}
      ${minus}
    ), months AS MATERIALIZED (
      SELECT
        CASE WHEN GROUPING(department) = 0 THEN 'department' WHEN GROUPING(purpose) = 0 THEN 'purpose' WHEN GROUPING(supplier_key) = 0 THEN 'supplier' ELSE 'month' END AS dimension,
        m AS month,
        CASE WHEN GROUPING(department) = 0 THEN department WHEN GROUPING(purpose) = 0 THEN purpose WHEN GROUPING(supplier_key) = 0 THEN supplier_key END AS key,
        CASE WHEN GROUPING(department) = 0 THEN department WHEN GROUPING(purpose) = 0 THEN purpose WHEN GROUPING(supplier_key) = 0 THEN min(supplier_name) END AS label,
        sum(sign)::integer AS lines, sum(sign * net_pence)::bigint AS pence
      FROM l GROUP BY GROUPING SETS ((m), (m, department), (m, purpose), (m, supplier_key))
    )
    INSERT INTO spend_totals AS t (organisation_id, dimension, span, month, key, label, lines, pence)
    SELECT ${organisationId}::uuid, dimension, span, month, key, label, lines, pence FROM (
      SELECT dimension, 'month' AS span, month, key, label, lines, pence FROM months
      UNION ALL
      SELECT dimension, 'year', date_trunc('year', month)::date, key, min(label), sum(lines), sum(pence) FROM months
      WHERE dimension <> 'month' AND month IS NOT NULL GROUP BY dimension, date_trunc('year', month)::date, key
      UNION ALL
      SELECT dimension, 'all', NULL, key, min(label), sum(lines), sum(pence) FROM months
      WHERE dimension <> 'month' GROUP BY dimension, key
    ) d
    ORDER BY dimension COLLATE "C", span COLLATE "C", month, key COLLATE "C"
    ${fresh ? sql`` : sql`ON CONFLICT ON CONSTRAINT spend_totals_key DO UPDATE SET lines = t.lines + excluded.lines, pence = t.pence + excluded.pence,
      label = CASE WHEN excluded.label IS NOT NULL AND (t.label IS NULL OR excluded.label < t.label) THEN excluded.label ELSE t.label END`}`.execute(db);
  // Only subtracting a replaced file's lines can bring a group to zero: without one there is nothing to delete,
  // and the publisher's totals (millions of rows for a large publisher) need not be read.
  if (removed.length) await sql`DELETE FROM spend_totals WHERE organisation_id = ${organisationId} AND lines = 0`.execute(db);
}

const FIRST_OF_MONTH = /^\d{4}-\d{2}-01$/;
function isMonthEnd(iso: string): boolean {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).getUTCDate() === 1;
}

/** True when the filters can be answered from the pre-aggregated totals: at most a period of whole months. */
export function aggregatable(f: LineFilters): boolean {
  if (f.minPence !== undefined || f.maxPence !== undefined || f.q || f.department !== undefined || f.purpose !== undefined || f.supplierKey !== undefined) return false;
  if (f.from !== undefined && !FIRST_OF_MONTH.test(f.from)) return false;
  if (f.to !== undefined && !isMonthEnd(f.to)) return false;
  return true;
}

function monthRange(f: LineFilters): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [];
  if (f.from) parts.push(sql`month >= ${f.from}::date`);
  if (f.to) parts.push(sql`month <= ${f.to}::date`);
  return parts.length ? sql`AND ${sql.join(parts, sql` AND `)}` : sql``;
}

export async function totals(db: Db, f: LineFilters): Promise<{ lines: number; pence: number; firstDate: string | null; lastDate: string | null }> {
  if (aggregatable(f)) {
    if (!f.from && !f.to) {
      const r = (await sql<{ lines: number | null; pence: number | null; first: string | null; last: string | null }>`
        SELECT sum(rows_imported)::bigint AS lines, sum(net_total_pence)::bigint AS pence, min(first_date) AS first, max(last_date) AS last
        FROM spend_files WHERE organisation_id = ${f.organisationId} AND status = 'current'`.execute(db)).rows[0];
      return { lines: Number(r?.lines ?? 0), pence: Number(r?.pence ?? 0), firstDate: r?.first ?? null, lastDate: r?.last ?? null };
    }
    const [sums, dates] = await Promise.all([
      sql<{ lines: number | null; pence: number | null }>`
        SELECT sum(lines)::bigint AS lines, sum(pence)::bigint AS pence FROM spend_totals
        WHERE organisation_id = ${f.organisationId} AND dimension = 'month' AND span = 'month' ${monthRange(f)}`.execute(db),
      // The first and last dates come from the date index: two ordered probes that stop at the first line of a
      // current file, not a scan (min() and max() over the join would read every line of the period).
      sql<{ first: string | null; last: string | null }>`SELECT
        (SELECT l.date FROM spend_lines l WHERE ${where(f)} AND l.date IS NOT NULL ORDER BY l.date ASC LIMIT 1) AS first,
        (SELECT l.date FROM spend_lines l WHERE ${where(f)} AND l.date IS NOT NULL ORDER BY l.date DESC LIMIT 1) AS last`.execute(db),
    ]);
    return { lines: Number(sums.rows[0]?.lines ?? 0), pence: Number(sums.rows[0]?.pence ?? 0), firstDate: dates.rows[0]?.first ?? null, lastDate: dates.rows[0]?.last ?? null };
  }
  return totalsFromLines(db, f);
}

/** The same totals from the lines themselves (any filter). */
export async function totalsFromLines(db: Db, f: LineFilters): Promise<{ lines: number; pence: number; firstDate: string | null; lastDate: string | null }> {
  const r = (await sql<{ lines: number; pence: number | null; first: string | null; last: string | null }>`
    SELECT count(*) AS lines, sum(l.net_pence)::bigint AS pence, min(l.date) AS first, max(l.date) AS last
    FROM spend_lines l WHERE ${where(f)}`.execute(db)).rows[0];
  return { lines: Number(r?.lines ?? 0), pence: Number(r?.pence ?? 0), firstDate: r?.first ?? null, lastDate: r?.last ?? null };
}

export type GroupBy = 'month' | 'department' | 'purpose' | 'supplier';

const groupExpr: Record<GroupBy, { key: string; label: string }> = {
  month: { key: "to_char(l.date, 'YYYY-MM')", label: "to_char(l.date, 'YYYY-MM')" },
  department: { key: 'l.department', label: 'l.department' },
  purpose: { key: 'l.purpose', label: 'l.purpose' },
  supplier: { key: 'l.supplier_key', label: 'min(l.supplier_name)' },
};

/** Totals grouped by one dimension; months in order, the others largest first. */
export async function groupTotals(db: Db, f: LineFilters, by: GroupBy, limit: number): Promise<{ rows: Total[]; groups: number }> {
  if (!aggregatable(f)) return groupTotalsFromLines(db, f, by, limit);
  type Row = { key: string | null; label: string | null; lines: number; pence: number | null };
  const present = (rows: Row[]) => rows.map((r) => ({ key: r.key, label: r.label, lines: Number(r.lines), pence: Number(r.pence ?? 0) }));
  const org = f.organisationId;
  if (by === 'month') {
    const rows = (await sql<Row>`
      SELECT to_char(month, 'YYYY-MM') AS key, to_char(month, 'YYYY-MM') AS label, lines, pence FROM spend_totals
      WHERE organisation_id = ${org} AND dimension = 'month' AND span = 'month' ${monthRange(f)}
      ORDER BY month ASC NULLS LAST`.execute(db)).rows;
    return { rows: present(rows.slice(0, limit)), groups: rows.length };
  }
  if (!f.from && !f.to) {
    const [rows, count] = await Promise.all([
      // All-time rows have no month; saying so (and ordering by it, a constant) lets spend_totals_period_top hand
      // over the top rows in order, as it does for a month or a year.
      sql<Row>`SELECT key, label, lines, pence FROM spend_totals WHERE organisation_id = ${org} AND dimension = ${by} AND span = 'all' AND month IS NULL
        ORDER BY month, pence DESC, key ASC LIMIT ${limit}`.execute(db),
      sql<{ n: number }>`SELECT count(*) AS n FROM spend_totals WHERE organisation_id = ${org} AND dimension = ${by} AND span = 'all' AND month IS NULL`.execute(db),
    ]);
    return { rows: present(rows.rows), groups: Number(count.rows[0]?.n ?? 0) };
  }
  // Whole calendar years read the year rows (one a group a year); any other run of months the month rows.
  const span = f.from?.endsWith('-01-01') && f.to?.endsWith('-12-31') ? 'year' : 'month';
  // One month, or one whole year: each group has exactly one row of that span, so its first rows in order are
  // the answer (read from spend_totals_period_top, no grouping or sort), and the groups are its rows.
  const single = span === 'year' ? f.from!.slice(0, 4) === f.to!.slice(0, 4) : !!f.from && !!f.to && f.from.slice(0, 7) === f.to.slice(0, 7);
  if (single) {
    const month = span === 'year' ? `${f.from!.slice(0, 4)}-01-01` : f.from!;
    const [rows, count] = await Promise.all([
      sql<Row>`SELECT key, label, lines, pence FROM spend_totals
        WHERE organisation_id = ${org} AND dimension = ${by} AND span = ${span} AND month = ${month}::date
        ORDER BY pence DESC, key ASC LIMIT ${limit}`.execute(db),
      sql<{ n: number }>`SELECT count(*) AS n FROM spend_totals WHERE organisation_id = ${org} AND dimension = ${by} AND span = ${span} AND month = ${month}::date`.execute(db),
    ]);
    return { rows: present(rows.rows), groups: Number(count.rows[0]?.n ?? 0) };
  }
  // The number of groups comes with the rows (a window over the grouped rows, counted before the limit).
  const rows = (await sql<Row & { groups: number }>`
    SELECT key, min(label) AS label, sum(lines)::bigint AS lines, sum(pence)::bigint AS pence, count(*) OVER () AS groups FROM spend_totals
    WHERE organisation_id = ${org} AND dimension = ${by} AND span = ${span} ${monthRange(f)}
    GROUP BY key ORDER BY 4 DESC, 1 ASC LIMIT ${limit}`.execute(db)).rows;
  const groups = rows.length ? Number(rows[0]!.groups) : 0;
  return { rows: present(rows), groups };
}

/**
 * The number of lines and their net total under the filters, for a page of lines: from the totals when the only
 * filters are whole months and one department, expense type or supplier; else from the lines.
 */
export async function lineCount(db: Db, f: LineFilters): Promise<{ lines: number; pence: number }> {
  const dims = ([['department', f.department], ['purpose', f.purpose], ['supplier', f.supplierKey]] as const).filter(([, v]) => v !== undefined);
  const rest: LineFilters = { ...f, department: undefined, purpose: undefined, supplierKey: undefined };
  if (dims.length === 1 && aggregatable(rest)) {
    const [by, value] = dims[0]!;
    const key = value === '' ? null : value;
    const span = !f.from && !f.to ? 'all' : f.from?.endsWith('-01-01') && f.to?.endsWith('-12-31') ? 'year' : 'month';
    const r = (await sql<{ lines: number | null; pence: number | null }>`
      SELECT sum(lines)::bigint AS lines, sum(pence)::bigint AS pence FROM spend_totals
      WHERE organisation_id = ${f.organisationId} AND dimension = ${by} AND span = ${span} ${span === 'all' ? sql`AND month IS NULL` : sql``} AND ${key === null ? sql`key IS NULL` : sql`key = ${key}`} ${monthRange(f)}`.execute(db)).rows[0];
    return { lines: Number(r?.lines ?? 0), pence: Number(r?.pence ?? 0) };
  }
  const t = await totals(db, f);
  return { lines: t.lines, pence: t.pence };
}

/** The same groups from the lines themselves (any filter). */
export async function groupTotalsFromLines(db: Db, f: LineFilters, by: GroupBy, limit: number): Promise<{ rows: Total[]; groups: number }> {
  const g = groupExpr[by];
  const order = by === 'month' ? sql.raw('1 ASC NULLS LAST') : sql.raw('4 DESC, 1');
  const rows = (await sql<{ key: string | null; label: string | null; lines: number; pence: number | null }>`
    SELECT ${sql.raw(g.key)} AS key, ${sql.raw(g.label)} AS label, count(*) AS lines, sum(l.net_pence)::bigint AS pence
    FROM spend_lines l WHERE ${where(f)} GROUP BY ${sql.raw(g.key)} ORDER BY ${order} LIMIT ${limit}`.execute(db)).rows;
  const count = (await sql<{ n: number }>`SELECT count(DISTINCT ${sql.raw(g.key)}) + max(CASE WHEN ${sql.raw(g.key)} IS NULL THEN 1 ELSE 0 END) AS n FROM spend_lines l WHERE ${where(f)}`.execute(db)).rows[0];
  return {
    rows: rows.map((r) => ({ key: r.key, label: r.label, lines: Number(r.lines), pence: Number(r.pence ?? 0) })),
    groups: Number(count?.n ?? 0),
  };
}

/** A stored spend line as the repository returns it (the table's columns less the publisher's id). */
export type LineRow = Omit<SpendLinesTable, 'organisation_id'>;

export type LineSort = 'date' | 'amount';

export async function lines(db: Db, f: LineFilters, options: { sort: LineSort; limit: number; offset: number }): Promise<LineRow[]> {
  const order = options.sort === 'amount' ? sql.raw('l.net_pence DESC, l.file_id, l.line') : sql.raw('l.date ASC NULLS LAST, l.file_id, l.line');
  return (await sql<LineRow>`
    SELECT l.file_id, l.line, l.date, l.net_pence, l.vat_pence, l.department, l.service_area, l.supplier_name, l.supplier_key,
      l.supplier_ref, l.company_number, l.charity_number, l.vat_number, l.purpose, l.expense_category, l.expense_code,
      l.merchant_category, l.transaction_number, l.invoice_number, l.capital_revenue, l.body, l.body_name, l.duplicate_of
    FROM spend_lines l WHERE ${where(f)} ORDER BY ${order} LIMIT ${options.limit} OFFSET ${options.offset}`.execute(db)).rows;
}

/** Lines in file order after (fileId, line), for streaming a whole publisher's data in batches. */
export async function linesAfter(db: Db, f: LineFilters, after: { fileId: string; line: number } | null, limit: number): Promise<LineRow[]> {
  const cursor = after ? sql`AND (l.file_id, l.line) > (${after.fileId}::uuid, ${after.line})` : sql``;
  return (await sql<LineRow>`
    SELECT l.file_id, l.line, l.date, l.net_pence, l.vat_pence, l.department, l.service_area, l.supplier_name, l.supplier_key,
      l.supplier_ref, l.company_number, l.charity_number, l.vat_number, l.purpose, l.expense_category, l.expense_code,
      l.merchant_category, l.transaction_number, l.invoice_number, l.capital_revenue, l.body, l.body_name, l.duplicate_of
    FROM spend_lines l WHERE ${where(f)} ${cursor} ORDER BY l.file_id, l.line LIMIT ${limit}`.execute(db)).rows;
}

export interface PublisherRow {
  organisation_id: string;
  files: number;
  lines: number;
  pence: number;
  first_date: string | null;
  last_date: string | null;
  period_from: string;
  period_to: string;
}

/** Every publisher with current files, with their totals (from the file records: no scan of lines). */
export async function publishers(db: Db): Promise<PublisherRow[]> {
  return (await sql<PublisherRow>`
    SELECT organisation_id, count(*) AS files, sum(rows_imported)::bigint AS lines, sum(net_total_pence)::bigint AS pence,
      min(first_date) AS first_date, max(last_date) AS last_date, min(period_from) AS period_from, max(period_to) AS period_to
    FROM spend_files WHERE status = 'current' GROUP BY organisation_id`.execute(db)).rows.map((r) => ({
    ...r, files: Number(r.files), lines: Number(r.lines), pence: Number(r.pence),
  }));
}

export async function findSupplier(db: Db, key: string) {
  return (await db.selectFrom('spend_suppliers').selectAll().where('key', '=', key).executeTakeFirst()) ?? null;
}

/** What each publisher paid a supplier, by month. */
export async function supplierPayments(db: Db, key: string): Promise<{ organisation_id: string; month: string | null; lines: number; pence: number }[]> {
  const publishers = (await sql<{ organisation_id: string }>`SELECT DISTINCT organisation_id FROM spend_files WHERE status = 'current'`.execute(db)).rows.map((r) => r.organisation_id);
  if (publishers.length === 0) return [];
  const rows = (await sql<{ organisation_id: string; month: string | null; lines: number; pence: number }>`
    SELECT l.organisation_id, to_char(l.date, 'YYYY-MM') AS month, count(*) AS lines, sum(l.net_pence)::bigint AS pence
    FROM spend_lines l JOIN spend_files sf ON sf.organisation_id = l.organisation_id AND sf.id = l.file_id AND sf.status = 'current'
    WHERE l.organisation_id IN (${sql.join(publishers)}) AND l.supplier_key = ${key}
    GROUP BY 1, 2 ORDER BY 1, 2 NULLS FIRST`.execute(db)).rows;
  return rows.map((r) => ({ ...r, lines: Number(r.lines), pence: Number(r.pence) }));
}

/** Suppliers whose key holds the words asked for: the whole key first, then those it begins, then the rest. */
export async function searchSuppliers(db: Db, key: string, limit: number): Promise<{ key: string; name: string }[]> {
  const like = escapeLike(key);
  return (await sql<{ key: string; name: string }>`
    SELECT key, name FROM spend_suppliers WHERE key LIKE ${`%${like}%`}
    ORDER BY (key = ${key}) DESC, (key LIKE ${`${like}%`}) DESC, key LIMIT ${limit}`.execute(db)).rows;
}

/** Net spending of every publisher by calendar year (null: undated lines), from the month totals. */
export async function spendByYear(db: Db): Promise<{ year: string | null; lines: number; pence: number }[]> {
  return (await sql<{ year: string | null; lines: number; pence: number }>`
    SELECT to_char(month, 'YYYY') AS year, sum(lines)::bigint AS lines, sum(pence)::bigint AS pence FROM spend_totals
    WHERE dimension = 'month' AND span = 'month' GROUP BY 1 ORDER BY 1 NULLS LAST`.execute(db)).rows
    .map((r) => ({ year: r.year, lines: Number(r.lines), pence: Number(r.pence) }));
}

// Senior salaries

export type SalaryPostRow = Selectable<SpendSalaryPostsTable>;
export type NewSalaryPost = Omit<SalaryPostRow, 'id' | 'created_at'>;
export type PayMultipleRow = Selectable<SpendPayMultiplesTable>;

/**
 * Serialises writers of one publisher's list on one date (a CSV replacing the list, a post added by the form),
 * so two at once cannot leave both lists, or two posts in one place.
 */
export async function lockSalaryList(db: Db, organisationId: string, asAt: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`spend-salaries:${organisationId}:${asAt}`}, 0))`.execute(db);
}

export async function salaryPosts(db: Db, organisationId: string, asAt: string): Promise<SalaryPostRow[]> {
  return (await db.selectFrom('spend_salary_posts').selectAll().where('organisation_id', '=', organisationId).where('as_at', '=', asAt)
    .orderBy('position').orderBy('id').execute()) as SalaryPostRow[];
}

export async function findSalaryPost(db: Db, organisationId: string, id: string): Promise<SalaryPostRow | null> {
  return ((await db.selectFrom('spend_salary_posts').selectAll().where('organisation_id', '=', organisationId).where('id', '=', id).executeTakeFirst()) as SalaryPostRow | undefined) ?? null;
}

/** The dates a publisher has published senior salaries or a pay multiple for, newest first. */
export async function salaryDates(db: Db, organisationId: string): Promise<string[]> {
  const rows = await sql<{ as_at: string }>`
    SELECT as_at FROM spend_salary_posts WHERE organisation_id = ${organisationId}
    UNION SELECT as_at FROM spend_pay_multiples WHERE organisation_id = ${organisationId}
    ORDER BY as_at DESC`.execute(db);
  return rows.rows.map((r) => r.as_at);
}

export async function deleteSalaryPosts(db: Db, organisationId: string, asAt: string): Promise<number> {
  const r = await db.deleteFrom('spend_salary_posts').where('organisation_id', '=', organisationId).where('as_at', '=', asAt).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function deleteSalaryPost(db: Db, organisationId: string, id: string): Promise<void> {
  await db.deleteFrom('spend_salary_posts').where('organisation_id', '=', organisationId).where('id', '=', id).execute();
}

export async function insertSalaryPosts(db: Db, posts: NewSalaryPost[]): Promise<SalaryPostRow[]> {
  if (posts.length === 0) return [];
  const out: SalaryPostRow[] = [];
  // In slices, well under PostgreSQL's 65,535 parameters a statement.
  for (let i = 0; i < posts.length; i += 1000) {
    out.push(...((await db.insertInto('spend_salary_posts').values(posts.slice(i, i + 1000)).returningAll().execute()) as SalaryPostRow[]));
  }
  return out;
}

export async function nextSalaryPosition(db: Db, organisationId: string, asAt: string): Promise<number> {
  const r = await db.selectFrom('spend_salary_posts').select((eb) => eb.fn.max('position').as('p'))
    .where('organisation_id', '=', organisationId).where('as_at', '=', asAt).executeTakeFirst();
  return Number(r?.p ?? 0) + 1;
}

export async function findPayMultiple(db: Db, organisationId: string, asAt: string): Promise<PayMultipleRow | null> {
  return ((await db.selectFrom('spend_pay_multiples').selectAll().where('organisation_id', '=', organisationId).where('as_at', '=', asAt).executeTakeFirst()) as PayMultipleRow | undefined) ?? null;
}

export async function savePayMultiple(db: Db, row: { organisation_id: string; as_at: string; highest_pence: number; median_pence: number; updated_by: string | null }): Promise<void> {
  await db.insertInto('spend_pay_multiples').values(row)
    .onConflict((oc) => oc.columns(['organisation_id', 'as_at']).doUpdateSet({ highest_pence: row.highest_pence, median_pence: row.median_pence, updated_by: row.updated_by, updated_at: new Date() }))
    .execute();
}

// Supplier links by name

export type SupplierRow = Selectable<SpendSuppliersTable>;

/** Suppliers of one file that are neither linked nor already given a suggestion. */
export async function unlinkedSuppliersOfFile(db: Db, suppliers: FileSuppliers): Promise<SupplierRow[]> {
  return (await sql<SupplierRow>`
    SELECT s.* FROM spend_suppliers s
    WHERE s.organisation_id IS NULL AND s.suggested_organisation_id IS NULL
      AND ${fileKeys(suppliers)}`.execute(db)).rows;
}

export async function setSuggestion(db: Db, key: string, organisationId: string, reason: string): Promise<void> {
  await db.updateTable('spend_suppliers').set({ suggested_organisation_id: organisationId, suggestion_reason: reason })
    .where('key', '=', key).where('organisation_id', 'is', null)
    .where((eb) => eb.or([eb('rejected_organisation_id', 'is', null), eb('rejected_organisation_id', '!=', organisationId)]))
    .execute();
}

export async function findSupplierForUpdate(db: Db, key: string): Promise<SupplierRow | null> {
  return ((await db.selectFrom('spend_suppliers').selectAll().where('key', '=', key).forUpdate().executeTakeFirst()) as SupplierRow | undefined) ?? null;
}

export async function linkSupplier(db: Db, key: string, organisationId: string, userId: string | null): Promise<void> {
  await db.updateTable('spend_suppliers').set({
    organisation_id: organisationId, link_method: 'confirmed', linked_by: userId, linked_at: new Date(),
    suggested_organisation_id: null, suggestion_reason: null, rejected_organisation_id: null,
  }).where('key', '=', key).execute();
}

/** Undoes a link or a suggestion; the organisation is remembered so it is not linked to this supplier again by itself. */
export async function unlinkSupplier(db: Db, key: string, rejectedOrganisationId: string, userId: string | null): Promise<void> {
  await db.updateTable('spend_suppliers').set({
    organisation_id: null, link_method: null, linked_by: userId, linked_at: new Date(),
    suggested_organisation_id: null, suggestion_reason: null, rejected_organisation_id: rejectedOrganisationId,
  }).where('key', '=', key).execute();
}

/** Suppliers waiting for a person to confirm a suggested link, most paid first. */
export async function pendingSuggestions(db: Db, limit: number): Promise<SupplierRow[]> {
  return (await db.selectFrom('spend_suppliers').selectAll().where('suggested_organisation_id', 'is not', null).where('organisation_id', 'is', null)
    .orderBy('name').limit(limit).execute()) as SupplierRow[];
}

// Import limits (spend.limits.ts)

/** A publisher's own import limits, if a site administrator set any. */
export async function findImportLimits(db: Db, organisationId: string): Promise<{ max_bytes: number | null; max_lines: number | null; updated_at: Date } | null> {
  return (await db.selectFrom('spend_import_limits').select(['max_bytes', 'max_lines', 'updated_at']).where('organisation_id', '=', organisationId).executeTakeFirst()) ?? null;
}

/** Sets (or, both null, clears) a publisher's import limits. */
export async function saveImportLimits(db: Db, organisationId: string, limits: { maxBytes: number | null; maxLines: number | null }, userId: string | null): Promise<void> {
  if (limits.maxBytes === null && limits.maxLines === null) {
    await db.deleteFrom('spend_import_limits').where('organisation_id', '=', organisationId).execute();
    return;
  }
  await db.insertInto('spend_import_limits').values({ organisation_id: organisationId, max_bytes: limits.maxBytes, max_lines: limits.maxLines, updated_by: userId })
    .onConflict((oc) => oc.column('organisation_id').doUpdateSet({ max_bytes: limits.maxBytes, max_lines: limits.maxLines, updated_by: userId, updated_at: sql`now()` })).execute();
}

/** The suppliers linked to an organisation, with what current published files paid them (an organisation's page). */
export async function paymentsToOrganisation(db: Db, organisationId: string): Promise<{ key: string; name: string; publisher_id: string; lines: number; pence: number; first: string | null; last: string | null }[]> {
  const rows = (await sql<{ key: string; name: string; publisher_id: string; lines: number; pence: number; first: string | null; last: string | null }>`
    SELECT s.key, s.name, l.organisation_id AS publisher_id, count(*)::int AS lines, sum(l.net_pence)::bigint AS pence, min(l.date)::text AS first, max(l.date)::text AS last
    FROM spend_suppliers s
    JOIN spend_lines l ON l.supplier_key = s.key
    JOIN spend_files sf ON sf.organisation_id = l.organisation_id AND sf.id = l.file_id AND sf.status = 'current'
    WHERE s.organisation_id = ${organisationId}
    GROUP BY 1, 2, 3 ORDER BY 5 DESC`.execute(db)).rows;
  return rows.map((r) => ({ ...r, lines: Number(r.lines), pence: Number(r.pence) }));
}

// Grant payments (spend.grantpayments.ts): a month's file of instalments recorded as paid in the grants module.

/** The publisher's current grant payments file for the month beginning `from`, locked; null when none yet. */
export async function currentGrantPaymentsFile(db: Db, organisationId: string, from: string): Promise<SpendFileRow | null> {
  const row = await db.selectFrom('spend_files').selectAll().where('organisation_id', '=', organisationId).where('kind', '=', 'grant-payments')
    .where('status', '=', 'current').where('period_from', '=', from).forUpdate().executeTakeFirst();
  return (row as SpendFileRow | undefined) ?? null;
}

/** The first `limit` lines of one file, in order. */
export async function fileLines(db: Db, organisationId: string, fileId: string, limit: number): Promise<LineRow[]> {
  return (await db.selectFrom('spend_lines').selectAll().where('organisation_id', '=', organisationId).where('file_id', '=', fileId)
    .orderBy('line').limit(limit).execute()).map(({ organisation_id: _, ...rest }) => rest);
}

/** Appends one line to an attached file (routed by spend_lines to the file's partition). */
export async function insertLine(db: Db, line: SpendLinesTable): Promise<void> {
  await db.insertInto('spend_lines').values(line).execute();
}

/** The file's record after a line was appended: its count, total, suppliers and first and last dates again. */
export async function refreshFileRecord(db: Db, organisationId: string, fileId: string): Promise<void> {
  await sql`
    UPDATE spend_files f SET rows_imported = s.n, net_total_pence = s.pence, suppliers = s.suppliers, first_date = s.first, last_date = s.last
    FROM (SELECT count(*)::int AS n, coalesce(sum(net_pence), 0)::bigint AS pence, count(DISTINCT supplier_key)::int AS suppliers, min(date) AS first, max(date) AS last
          FROM spend_lines WHERE organisation_id = ${organisationId} AND file_id = ${fileId}) s
    WHERE f.organisation_id = ${organisationId} AND f.id = ${fileId}`.execute(db);
}

/**
 * The supplier of a grant payment in the shared register, linked to the recipient organisation when it is not
 * linked yet (and that link was never undone): the funder named the recipient by its id, not by a name match.
 */
export async function ensureSupplierOf(db: Db, s: { key: string; name: string; companyNumber: string | null; charityNumber: string | null; organisationId: string | null; userId: string | null }): Promise<void> {
  await sql`
    INSERT INTO spend_suppliers (key, name, company_number, charity_number) VALUES (${s.key}, ${s.name}, ${s.companyNumber}, ${s.charityNumber})
    ON CONFLICT (key) DO UPDATE SET
      company_number = coalesce(spend_suppliers.company_number, excluded.company_number),
      charity_number = coalesce(spend_suppliers.charity_number, excluded.charity_number)`.execute(db);
  if (s.organisationId) {
    await sql`
      UPDATE spend_suppliers SET organisation_id = ${s.organisationId}, link_method = 'identifier', suggested_organisation_id = NULL, suggestion_reason = NULL,
        linked_by = ${s.userId}, linked_at = now()
      WHERE key = ${s.key} AND organisation_id IS NULL AND rejected_organisation_id IS DISTINCT FROM ${s.organisationId}::uuid`.execute(db);
  }
}
