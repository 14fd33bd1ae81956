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
  await refreshWordTotals(trx, organisationId);
  await refreshAmountTotals(trx, organisationId);
}

/** Rebuilds a publisher's rows of grants_word_totals (0049): its current grants by lexeme and currency. */
export async function refreshWordTotals(trx: Db, organisationId: string): Promise<void> {
  await sql`DELETE FROM grants_word_totals WHERE organisation_id = ${organisationId}::uuid`.execute(trx);
  await sql`
    INSERT INTO grants_word_totals (organisation_id, lexeme, currency, grants, total, first_award, last_award)
    SELECT g.organisation_id, w.lexeme, g.currency, count(*), sum(g.amount_minor), min(g.award_date), max(g.award_date)
    FROM grants_grants g CROSS JOIN LATERAL unnest(g.search_vector) AS w
    WHERE g.organisation_id = ${organisationId}::uuid AND g.is_current GROUP BY 1, 2, 3`.execute(trx);
}

/** Rebuilds a publisher's rows of grants_amount_totals (0049): its current grants by currency and amount band. */
export async function refreshAmountTotals(trx: Db, organisationId: string): Promise<void> {
  await sql`DELETE FROM grants_amount_totals WHERE organisation_id = ${organisationId}::uuid`.execute(trx);
  await sql`
    INSERT INTO grants_amount_totals (organisation_id, currency, band_low, band_high, grants, total, first_award, last_award)
    SELECT organisation_id, currency, low, low + width, count(*), sum(amount_minor), min(award_date), max(award_date)
    FROM (SELECT organisation_id, currency, amount_minor, award_date,
            CASE WHEN amount_minor < 100 THEN amount_minor ELSE amount_minor - mod(amount_minor, (10::numeric ^ (length(amount_minor::text) - 2))::bigint) END AS low,
            CASE WHEN amount_minor < 100 THEN 1 ELSE (10::numeric ^ (length(amount_minor::text) - 2))::bigint END AS width
          FROM grants_grants WHERE organisation_id = ${organisationId}::uuid AND is_current) b
    GROUP BY 1, 2, 3, 4`.execute(trx);
}

/**
 * The amount band (0049) an amount in minor units falls in: two significant figures, [low, high). Must agree
 * with the SQL of refreshAmountTotals (grants.totals.test.ts checks ranges whose ends fall inside and on bands).
 */
export function amountBand(amount: number): { low: number; high: number } {
  if (amount < 100) return { low: amount, high: amount + 1 };
  const width = 10 ** (String(Math.trunc(amount)).length - 2);
  const low = amount - (amount % width);
  return { low, high: low + width };
}

type TotalsRow = { currency: string; grants: number; total: string | number; first: string | null; last: string | null };

/** Adds up rows of totals by currency (counts and sums as integers, the first and last award date). */
function mergeTotals(parts: TotalsRow[][]): TotalsRow[] {
  const by = new Map<string, { grants: number; total: bigint; first: string | null; last: string | null }>();
  for (const rows of parts) {
    for (const r of rows) {
      if (r.grants === 0) continue;
      const m = by.get(r.currency) ?? { grants: 0, total: 0n, first: null, last: null };
      m.grants += Number(r.grants);
      m.total += BigInt(String(r.total));
      if (r.first !== null && (m.first === null || r.first < m.first)) m.first = r.first;
      if (r.last !== null && (m.last === null || r.last > m.last)) m.last = r.last;
      by.set(r.currency, m);
    }
  }
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([currency, m]) => ({ currency, grants: m.grants, total: m.total.toString(), first: m.first, last: m.last }));
}

/** Filters that name nothing but `keys` (undefined and empty lists count as not named). */
function onlyNames(f: GrantFilters, keys: (keyof GrantFilters)[]): boolean {
  return Object.entries(f).every(([k, v]) => keys.includes(k as keyof GrantFilters) || v === undefined || (Array.isArray(v) && v.length === 0));
}

/**
 * The lexeme a search's words come to when they come to exactly one (websearch syntax, English stemming), or
 * null: two or more words, a phrase, an exclusion, or only stop words.
 */
async function singleLexeme(db: Db, text: string): Promise<string | null> {
  const r = await sql<{ q: string; n: number }>`SELECT websearch_to_tsquery('english', ${text})::text AS q, numnode(websearch_to_tsquery('english', ${text})) AS n`.execute(db);
  const row = r.rows[0];
  if (!row || Number(row.n) !== 1) return null;
  const m = /^'((?:[^']|'')*)'$/.exec(row.q);
  return m && !m[1]!.includes('\\') ? m[1]!.replace(/''/g, "'") : null;
}

/** Totals of one word from grants_word_totals (0049), optionally of one publisher. */
async function wordTotals(db: Db, lexeme: string, publisherId: string | undefined): Promise<TotalsRow[]> {
  const r = await sql<TotalsRow>`
    SELECT t.currency, sum(t.grants)::int AS grants, sum(t.total) AS total, min(t.first_award)::text AS first, max(t.last_award)::text AS last
    FROM grants_word_totals t WHERE t.lexeme = ${lexeme} ${publisherId ? sql`AND t.organisation_id = ${publisherId}::uuid` : sql``}
    GROUP BY t.currency ORDER BY t.currency`.execute(db);
  return r.rows;
}

/**
 * Totals of an amount range in pounds (the only currency a range applies to): the bands wholly inside it from
 * grants_amount_totals (0049), the grants of the bands its ends cut through from the amount index (an
 * index-only scan of at most two bands).
 */
async function amountTotals(db: Db, min: number | undefined, max: number | undefined): Promise<TotalsRow[]> {
  // Whole bands lie in [inner, outer); the rest of [min, max] is read from the grants.
  const lo = min === undefined ? undefined : amountBand(min);
  const inner = lo === undefined ? undefined : lo.low === min ? min : lo.high;
  const hi = max === undefined ? undefined : amountBand(max);
  const outer = hi === undefined || max === undefined ? undefined : hi.high === max + 1 ? max + 1 : hi.low;
  const edges: [number | undefined, number | undefined][] = [];
  if (inner !== undefined && outer !== undefined && inner >= outer) edges.push([min, max]);
  else {
    if (min !== undefined && inner !== min) edges.push([min, max === undefined ? inner! - 1 : Math.min(max, inner! - 1)]);
    if (max !== undefined && outer !== max + 1) edges.push([min === undefined ? outer : Math.max(min, outer!), max]);
  }
  const whole = inner !== undefined && outer !== undefined && inner >= outer ? null : sql<TotalsRow>`
    SELECT t.currency, sum(t.grants)::int AS grants, coalesce(sum(t.total), 0) AS total, min(t.first_award)::text AS first, max(t.last_award)::text AS last
    FROM grants_amount_totals t WHERE t.currency = 'GBP' ${inner === undefined ? sql`` : sql`AND t.band_low >= ${inner}`}
      ${outer === undefined ? sql`` : sql`AND t.band_high <= ${outer}`} GROUP BY t.currency`;
  const parts = await Promise.all([
    ...(whole ? [whole.execute(db)] : []),
    ...edges.map(([a, b]) => sql<TotalsRow>`
      SELECT g.currency, count(*)::int AS grants, coalesce(sum(g.amount_minor), 0) AS total, min(g.award_date)::text AS first, max(g.award_date)::text AS last
      FROM grants_grants g WHERE g.is_current AND g.currency = 'GBP' ${a === undefined ? sql`` : sql`AND g.amount_minor >= ${a}`}
        ${b === undefined ? sql`` : sql`AND g.amount_minor <= ${b}`} GROUP BY g.currency`.execute(db)),
  ]);
  return mergeTotals(parts.map((p) => p.rows));
}

/**
 * Matching grants by currency: how many and their total in that currency's minor units. Read from the kept
 * totals when the filters allow it (the same figures: a test compares the two on both engines), else from the
 * grants; `options.fromGrants` forces the latter.
 */
export async function searchTotals(db: Db, f: GrantFilters, options: { fromGrants?: boolean } = {}): Promise<{ currency: string; grants: number; total: string | number; first: string | null; last: string | null }[]> {
  if (!options.fromGrants && f.text && onlyNames(f, ['text', 'publisherId'])) {
    const lexeme = await singleLexeme(db, f.text);
    if (lexeme !== null) return wordTotals(db, lexeme, f.publisherId);
  }
  if (!options.fromGrants && (f.minPence !== undefined || f.maxPence !== undefined) && onlyNames(f, ['minPence', 'maxPence'])) return amountTotals(db, f.minPence, f.maxPence);
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
