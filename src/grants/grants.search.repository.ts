// The grants explorer's SQL: search and filters across every publisher's current grants (migration 0033),
// totals (by currency: other currencies are never added to pounds), totals by UK financial year, and the
// rows of an export a batch at a time (keyset, so a million-grant export holds no more than a batch).
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Db } from '../platform/db.ts';

/** What a search may be narrowed by; every field is optional and they combine with AND. */
export interface GrantFilters {
  /** Words, as a person types them into a search box (websearch syntax: "quoted phrase", -not, or). */
  text?: string;
  /** The publisher (organisation id) whose files the grants came from. */
  publisherId?: string;
  /** A funder's org-id, or (funderName) its name, compared without regard to case. */
  funderId?: string;
  funderName?: string;
  recipientId?: string;
  /** The recipient's ids when several were confirmed the same group (grants.groups.ts): any of them matches. */
  recipientIds?: string[];
  recipientName?: string;
  programme?: string;
  /** Amounts in pence; a range applies to grants in pounds only (other currencies cannot be compared). */
  minPence?: number;
  maxPence?: number;
  /** Award dates, inclusive (yyyy-mm-dd). A UK financial year is given as its from and to. */
  from?: string;
  to?: string;
  laCodes?: string[];
  /** Small areas: grants to individuals are never found by small area (they are placed to a local authority). */
  smallAreaCodes?: string[];
  /** A regrant type from the 360Giving codelist, or 'any' for every grant marked as a regrant. */
  regrantType?: string;
  recipientKind?: RecipientKind;
}

export type RecipientKind = 'charity' | 'company' | 'unregistered' | 'individual' | 'other';

const col = (name: string) => sql.ref(`g.${name}`);

function conditions(f: GrantFilters): Expression<SqlBool>[] {
  const c: Expression<SqlBool>[] = [sql<SqlBool>`${col('is_current')}`];
  if (f.text) c.push(sql<SqlBool>`${col('search_vector')} @@ websearch_to_tsquery('english', ${f.text})`);
  if (f.publisherId) c.push(sql<SqlBool>`${col('organisation_id')} = ${f.publisherId}`);
  if (f.funderId) c.push(sql<SqlBool>`${col('funder_org_id')} = ${f.funderId}`);
  if (f.funderName) c.push(sql<SqlBool>`lower(${col('funder_name')}) = lower(${f.funderName})`);
  if (f.recipientIds?.length) c.push(sql<SqlBool>`${col('recipient_org_id')} IN (${sql.join(f.recipientIds)})`);
  else if (f.recipientId) c.push(sql<SqlBool>`${col('recipient_org_id')} = ${f.recipientId}`);
  if (f.recipientName) c.push(sql<SqlBool>`lower(${col('recipient_name')}) = lower(${f.recipientName}) AND ${col('recipient_type')} = 'organisation'`);
  if (f.programme) c.push(sql<SqlBool>`lower(${col('programme')}) = lower(${f.programme})`);
  if (f.minPence !== undefined || f.maxPence !== undefined) c.push(sql<SqlBool>`${col('currency')} = 'GBP'`);
  if (f.minPence !== undefined) c.push(sql<SqlBool>`${col('amount_minor')} >= ${f.minPence}`);
  if (f.maxPence !== undefined) c.push(sql<SqlBool>`${col('amount_minor')} <= ${f.maxPence}`);
  if (f.from) c.push(sql<SqlBool>`${col('award_date')} >= ${f.from}::date`);
  if (f.to) c.push(sql<SqlBool>`${col('award_date')} <= ${f.to}::date`);
  if (f.laCodes?.length) c.push(sql<SqlBool>`${col('la_code')} IN (${sql.join(f.laCodes)})`);
  if (f.smallAreaCodes?.length) c.push(sql<SqlBool>`${col('small_area_code')} IN (${sql.join(f.smallAreaCodes)}) AND ${col('recipient_type')} = 'organisation'`);
  if (f.regrantType === 'any') c.push(sql<SqlBool>`${col('regrant_type')} IS NOT NULL`);
  else if (f.regrantType) c.push(sql<SqlBool>`${col('regrant_type')} = ${f.regrantType}`);
  if (f.recipientKind) c.push(sql<SqlBool>`${col('recipient_kind')} = ${f.recipientKind}`);
  return c;
}

const where = (f: GrantFilters) => sql.join(conditions(f), sql` AND `);

/** The columns a grant leaves the explorer with (the 360Giving export adds raw). */
export interface SearchRow {
  organisation_id: string;
  grant_id: string;
  title: string;
  description: string | null;
  amount_minor: string | number;
  currency: string;
  award_date: string;
  funder_org_id: string | null;
  funder_name: string | null;
  recipient_org_id: string | null;
  recipient_name: string | null;
  recipient_type: 'organisation' | 'individual';
  recipient_kind: RecipientKind;
  programme: string | null;
  regrant_type: string | null;
  related_activity: string[];
  location_code: string | null;
  location_code_type: string | null;
  location_name: string | null;
  location_source: string | null;
  location_precision: string | null;
  small_area_code: string | null;
  la_code: string | null;
}

const COLUMNS = sql.raw(['organisation_id', 'grant_id', 'title', 'description', 'amount_minor', 'currency', 'award_date::text AS award_date', 'funder_org_id', 'funder_name',
  'recipient_org_id', 'recipient_name', 'recipient_type', 'recipient_kind', 'programme', 'regrant_type', 'related_activity', 'location_code', 'location_code_type', 'location_name',
  'location_source', 'location_precision', 'small_area_code', 'la_code'].map((c) => `g.${c}`).join(', '));

/** One page of matching grants, newest award first. */
export async function searchGrants(db: Db, f: GrantFilters, page: { limit: number; offset: number }): Promise<SearchRow[]> {
  const r = await sql<SearchRow>`SELECT ${COLUMNS} FROM grants_grants g WHERE ${where(f)}
    ORDER BY g.award_date DESC, g.grant_id, g.organisation_id LIMIT ${page.limit} OFFSET ${page.offset}`.execute(db);
  return r.rows;
}

const FY_FROM = /^(\d{4})-04-01$/;
const FY_TO = /^(\d{4})-03-31$/;

/**
 * The conditions on grants_explore_totals (0044) that select exactly the grants `f` matches, or null when `f`
 * names anything those totals do not keep (words, funder, recipient, programme, amounts, places, or dates that
 * are not whole UK financial years).
 */
function summaryConditions(f: GrantFilters): Expression<SqlBool>[] | null {
  const { publisherId, recipientKind, regrantType, from, to, ...rest } = f;
  if (Object.values(rest).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0))) return null;
  const c: Expression<SqlBool>[] = [sql<SqlBool>`true`];
  if (from !== undefined || to !== undefined) {
    const start = from === undefined ? null : FY_FROM.exec(from);
    const end = to === undefined ? null : FY_TO.exec(to);
    if ((from !== undefined && !start) || (to !== undefined && !end)) return null;
    if (start) c.push(sql<SqlBool>`t.financial_year >= ${Number(start[1])}`);
    if (end) c.push(sql<SqlBool>`t.financial_year <= ${Number(end[1]) - 1}`);
  }
  if (publisherId) c.push(sql<SqlBool>`t.organisation_id = ${publisherId}`);
  if (recipientKind) c.push(sql<SqlBool>`t.recipient_kind = ${recipientKind}`);
  if (regrantType === 'any') c.push(sql<SqlBool>`t.regrant_type <> ''`);
  else if (regrantType) c.push(sql<SqlBool>`t.regrant_type = ${regrantType}`);
  return c;
}

/** Rebuilds a publisher's rows of grants_explore_totals from its current grants (in the caller's transaction). */
export async function refreshExploreTotals(trx: Db, organisationId: string): Promise<void> {
  await sql`DELETE FROM grants_explore_totals WHERE organisation_id = ${organisationId}::uuid`.execute(trx);
  await sql`
    INSERT INTO grants_explore_totals (organisation_id, recipient_kind, regrant_type, financial_year, currency, grants, total, first_award, last_award)
    SELECT organisation_id, recipient_kind, coalesce(regrant_type, ''),
      extract(year FROM award_date)::int - CASE WHEN extract(month FROM award_date) < 4 THEN 1 ELSE 0 END,
      currency, count(*), sum(amount_minor), min(award_date), max(award_date)
    FROM grants_grants WHERE organisation_id = ${organisationId}::uuid AND is_current GROUP BY 1, 2, 3, 4, 5`.execute(trx);
}

/**
 * Matching grants by currency: how many and their total in that currency's minor units. Read from the kept
 * totals when the filters allow it (the same figures: a test compares the two on both engines), else from the
 * grants; `options.fromGrants` forces the latter.
 */
export async function searchTotals(db: Db, f: GrantFilters, options: { fromGrants?: boolean } = {}): Promise<{ currency: string; grants: number; total: string | number; first: string | null; last: string | null }[]> {
  const summary = options.fromGrants ? null : summaryConditions(f);
  if (summary) {
    const r = await sql<{ currency: string; grants: number; total: string; first: string | null; last: string | null }>`
      SELECT t.currency, sum(t.grants)::int AS grants, sum(t.total) AS total, min(t.first_award)::text AS first, max(t.last_award)::text AS last
      FROM grants_explore_totals t WHERE ${sql.join(summary, sql` AND `)} GROUP BY t.currency ORDER BY t.currency`.execute(db);
    return r.rows;
  }
  const r = await sql<{ currency: string; grants: number; total: string; first: string | null; last: string | null }>`
    SELECT g.currency, count(*)::int AS grants, sum(g.amount_minor) AS total, min(g.award_date)::text AS first, max(g.award_date)::text AS last
    FROM grants_grants g WHERE ${where(f)} GROUP BY g.currency ORDER BY g.currency`.execute(db);
  return r.rows;
}

/** Matching grants by UK financial year (April to March, named by the year it starts) and currency. */
export async function totalsByFinancialYear(db: Db, f: GrantFilters, options: { fromGrants?: boolean } = {}): Promise<{ year: number; currency: string; grants: number; total: string | number }[]> {
  const summary = options.fromGrants ? null : summaryConditions(f);
  if (summary) {
    const r = await sql<{ year: number; currency: string; grants: number; total: string }>`
      SELECT t.financial_year AS year, t.currency, sum(t.grants)::int AS grants, sum(t.total) AS total
      FROM grants_explore_totals t WHERE ${sql.join(summary, sql` AND `)} GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
    return r.rows.map((x) => ({ ...x, year: Number(x.year) }));
  }
  const r = await sql<{ year: number; currency: string; grants: number; total: string }>`
    SELECT (extract(year FROM g.award_date)::int - CASE WHEN extract(month FROM g.award_date) < 4 THEN 1 ELSE 0 END) AS year,
      g.currency, count(*)::int AS grants, sum(g.amount_minor) AS total
    FROM grants_grants g WHERE ${where(f)} GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  return r.rows.map((x) => ({ ...x, year: Number(x.year) }));
}

/** The names a funder, recipient or programme goes by in the matching grants, commonest first. */
export async function namesOf(db: Db, f: GrantFilters, column: 'funder_name' | 'recipient_name' | 'programme'): Promise<{ name: string; grants: number }[]> {
  const r = await sql<{ name: string; grants: number }>`SELECT ${col(column)} AS name, count(*)::int AS grants FROM grants_grants g
    WHERE ${where(f)} AND ${col(column)} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5`.execute(db);
  return r.rows;
}

/** The programmes of the matching grants, biggest first (by count; totals by currency). */
export async function programmesOf(db: Db, f: GrantFilters, limit = 50): Promise<{ programme: string; currency: string; grants: number; total: string | number }[]> {
  const r = await sql<{ programme: string; currency: string; grants: number; total: string }>`
    SELECT g.programme, g.currency, count(*)::int AS grants, sum(g.amount_minor) AS total FROM grants_grants g
    WHERE ${where(f)} AND g.programme IS NOT NULL GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT ${limit}`.execute(db);
  return r.rows;
}

/** A row for export: the explorer's columns and the grant's JSON as stored (after the import's repairs). */
export type ExportRow = SearchRow & { raw: Record<string, unknown> };

/**
 * Every matching grant, in batches of `batch` (keyset by publisher and grant id, so the database does the
 * same small amount of work for each batch however far the export has gone).
 */
export async function* exportRows(db: Db, f: GrantFilters, batch = 1000): AsyncGenerator<ExportRow[]> {
  let after: [string, string] | null = null;
  for (;;) {
    const cursor: RawBuilder<unknown> = after ? sql`AND (g.organisation_id, g.grant_id) > (${after[0]}::uuid, ${after[1]})` : sql``;
    const r: { rows: ExportRow[] } = await sql<ExportRow>`SELECT ${COLUMNS}, g.raw FROM grants_grants g WHERE ${where(f)} ${cursor}
      ORDER BY g.organisation_id, g.grant_id LIMIT ${batch}`.execute(db);
    if (r.rows.length === 0) return;
    yield r.rows;
    if (r.rows.length < batch) return;
    const last: ExportRow = r.rows[r.rows.length - 1]!;
    after = [last.organisation_id, last.grant_id];
  }
}

/** Grants whose recipient is one of these org-ids (an organisation's page), with totals by currency. */
export async function receivedBy(db: Db, orgIds: readonly string[]) {
  if (orgIds.length === 0) return { totals: [], latest: [] };
  const f: GrantFilters = {};
  const cond = sql<SqlBool>`${where(f)} AND g.recipient_org_id IN (${sql.join(orgIds)})`;
  const [totals, latest] = await Promise.all([
    sql<{ currency: string; grants: number; total: string; first: string; last: string }>`SELECT g.currency, count(*)::int AS grants, sum(g.amount_minor) AS total,
      min(g.award_date)::text AS first, max(g.award_date)::text AS last FROM grants_grants g WHERE ${cond} GROUP BY 1 ORDER BY 1`.execute(db),
    sql<{ funder_name: string | null; amount_minor: string; currency: string; award_date: string; title: string; organisation_id: string }>`SELECT g.funder_name, g.amount_minor,
      g.currency, g.award_date::text AS award_date, g.title, g.organisation_id FROM grants_grants g WHERE ${cond} ORDER BY g.award_date DESC LIMIT 1`.execute(db),
  ]);
  return { totals: totals.rows, latest: latest.rows };
}

/** The regrant types in current grants (a partial index holds only regrants, so this reads few rows). */
export async function regrantTypesInUse(db: Db): Promise<string[]> {
  const r = await sql<{ regrant_type: string }>`SELECT DISTINCT g.regrant_type FROM grants_grants g WHERE g.is_current AND g.regrant_type IS NOT NULL ORDER BY 1 LIMIT 50`.execute(db);
  return r.rows.map((x) => x.regrant_type);
}
