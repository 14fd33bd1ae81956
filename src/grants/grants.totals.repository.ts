// The grants module's kept totals, maintained by difference (issue 17): an import, a publish or a withdrawal
// records which grant versions stop being current (-1) and which become current (+1) in a temporary table
// (`grants_totals_delta`, beside the statement that changes them), and applyTotalsDelta then adds each kept
// table's grouped differences to its rows — instead of rebuilding the publisher's rows from all its current
// grants (seconds at a million grants for a file of a hundred).
//
// The kept tables: grants_area_totals (0041), grants_explore_totals (0044), grants_word_totals and
// grants_amount_totals (0049). Their keys all start with the publisher, whose imports and withdrawals are
// serialised by an advisory lock (repo.lockPublisher), so two publishers never write the same rows. A row whose
// count reaches 0 is deleted (CHECK grants > 0); a new key is inserted. The first and last award dates cannot
// be subtracted: a key keeps its dates unless a grant that left it had the first (or last) date and no grant
// that came had one as early (as late), and only then are they read again from that key's current grants
// (by an index). The full rebuilds (refreshAreaTotals, refreshExploreTotals) stay: `grants totals rebuild`
// and grants.totals.test.ts, which compares every kept table with them.
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../platform/db.ts';
import { refreshAreaTotals } from './grants.chains.repository.ts';

/** The table of grant versions whose being current changes in this transaction, with the sign of the change. */
export async function startTotalsDelta(trx: Db): Promise<void> {
  await sql`DROP TABLE IF EXISTS pg_temp.grants_totals_delta`.execute(trx);
  await sql`CREATE TEMP TABLE grants_totals_delta (grant_id text NOT NULL, version integer NOT NULL, sign smallint NOT NULL) ON COMMIT DROP`.execute(trx);
}

/** Appends to the delta the versions a statement returned (`WITH x AS (UPDATE … RETURNING grant_id, version)`). */
export const intoDelta = (sign: 1 | -1, changed: RawBuilder<unknown>) =>
  sql`WITH changed AS (${changed}) INSERT INTO pg_temp.grants_totals_delta (grant_id, version, sign) SELECT grant_id, version, ${sql.lit(sign)} FROM changed`;

/** A kept table: its key (column → expression over the changed grant `c`), and how to read a key's dates again. */
interface Kept {
  table: string;
  keys: [string, string][];
  /** More FROM for the grouping (a lateral list of lexemes, of scopes) and its condition. */
  from?: string;
  where?: string;
  /** The columns among `keys` that form the table's primary key (default: all). */
  primaryKey?: string[];
  /** The current grants of the key of row `t`, as conditions over `g` (with g.organisation_id and g.is_current); absent: no dates kept. */
  ofKey?: string;
}

const FY = `extract(year FROM c.award_date)::int - CASE WHEN extract(month FROM c.award_date) < 4 THEN 1 ELSE 0 END`;
const WIDTH = `(10::numeric ^ (length(c.amount_minor::text) - 2))::bigint`;

// The keys are the rebuilds' (grants.chains.repository.ts refreshAreaTotals, grants.search.repository.ts
// refresh*Totals), written over `c`; grants.totals.test.ts checks that the two agree after every kind of change.
const KEPT: Kept[] = [
  {
    table: 'grants_area_totals',
    keys: [['scope', 's.scope'], ['programme', 's.programme'], ['small_area_code', `coalesce(c.small_area_code, '')`],
      ['location_precision', `CASE WHEN c.small_area_code IS NULL THEN coalesce(c.location_precision, '') ELSE '' END`], ['currency', 'c.currency']],
    from: `CROSS JOIN LATERAL (VALUES ('publisher', ''), ('programme', c.programme)) AS s(scope, programme)`,
    where: `s.programme IS NOT NULL`,
  },
  {
    table: 'grants_explore_totals',
    keys: [['recipient_kind', 'c.recipient_kind'], ['regrant_type', `coalesce(c.regrant_type, '')`], ['financial_year', FY], ['currency', 'c.currency']],
    ofKey: `g.recipient_kind = t.recipient_kind AND coalesce(g.regrant_type, '') = t.regrant_type AND g.currency = t.currency
      AND g.award_date >= make_date(t.financial_year, 4, 1) AND g.award_date < make_date(t.financial_year + 1, 4, 1)`,
  },
  {
    table: 'grants_word_totals',
    keys: [['lexeme', 'w.lexeme'], ['currency', 'c.currency']],
    from: `CROSS JOIN LATERAL unnest(c.search_vector) AS w`,
    // The lexeme as a tsquery of that one lexeme, quoted as tsquery text quotes it (the search index answers it).
    ofKey: `g.currency = t.currency AND g.search_vector @@ ('''' || replace(replace(t.lexeme, '\\', '\\\\'), '''', '''''') || '''')::tsquery`,
  },
  {
    table: 'grants_amount_totals',
    keys: [['currency', 'c.currency'],
      ['band_low', `CASE WHEN c.amount_minor < 100 THEN c.amount_minor ELSE c.amount_minor - mod(c.amount_minor, ${WIDTH}) END`],
      ['band_high', `CASE WHEN c.amount_minor < 100 THEN c.amount_minor + 1 ELSE c.amount_minor - mod(c.amount_minor, ${WIDTH}) + ${WIDTH} END`]],
    primaryKey: ['currency', 'band_low'],
    ofKey: `g.currency = t.currency AND g.amount_minor >= t.band_low AND g.amount_minor < t.band_high`,
  },
];

/** The first (`min`) or last (`max`) award date of row `t` once the difference `d` is added. */
function dateAfter(k: Kept, which: 'min' | 'max'): string {
  const [col, added, removed, cmp, pick] = which === 'min' ? ['first_award', 'd.add_first', 'd.remove_first', '>', 'least'] : ['last_award', 'd.add_last', 'd.remove_last', '<', 'greatest'];
  // Nothing that left had the kept date: it is still there. Else a grant that came is as early (late): it is the
  // date. Else read the key's current grants again.
  return `CASE WHEN ${removed} IS NULL OR ${removed} ${cmp} t.${col} THEN ${pick}(t.${col}, ${added})
    WHEN ${added} IS NOT NULL AND NOT (${added} ${cmp} t.${col}) THEN ${added}
    ELSE (SELECT ${which}(g.award_date) FROM grants_grants g WHERE g.organisation_id = t.organisation_id AND g.is_current AND ${k.ofKey}) END`;
}

/**
 * Adds the recorded differences to every kept table of the publisher, after the statements that recorded them
 * (the grants' is_current already changed), in the same transaction. The delta is emptied. A publisher that had
 * no current grants (no kept rows) has its rows built from its grants instead: the same rows, read once.
 */
export async function applyTotalsDelta(trx: Db, organisationId: string): Promise<void> {
  // A publisher with no kept rows had no current grants: its first file's differences are all of its grants, and
  // the rebuild reads them once where the difference would read them twice (bench/RESULTS.md, 2026-12-07 grants4).
  const had = await sql<{ had: boolean }>`SELECT EXISTS (SELECT 1 FROM grants_explore_totals WHERE organisation_id = ${organisationId}::uuid) AS had`.execute(trx);
  if (!had.rows[0]!.had) {
    await refreshAreaTotals(trx, organisationId);
    await sql`TRUNCATE pg_temp.grants_totals_delta`.execute(trx);
    return;
  }
  await sql`ANALYZE pg_temp.grants_totals_delta`.execute(trx);
  // The changed versions' columns the keys read, once (joined by the grants' primary key).
  await sql`DROP TABLE IF EXISTS pg_temp.grants_totals_changed`.execute(trx);
  await sql`CREATE TEMP TABLE grants_totals_changed ON COMMIT DROP AS
    SELECT d.sign, g.recipient_kind, g.regrant_type, g.award_date, g.currency, g.amount_minor, g.search_vector, g.small_area_code, g.location_precision, g.programme
      FROM pg_temp.grants_totals_delta d JOIN grants_grants g ON g.organisation_id = ${organisationId}::uuid AND g.grant_id = d.grant_id AND g.version = d.version`.execute(trx);
  await sql`ANALYZE pg_temp.grants_totals_changed`.execute(trx);
  for (const k of KEPT) await applyTo(trx, organisationId, k);
  await sql`TRUNCATE pg_temp.grants_totals_delta`.execute(trx);
}

async function applyTo(trx: Db, org: string, k: Kept): Promise<void> {
  const dates = k.ofKey !== undefined;
  const keyCols = k.keys.map(([c]) => c);
  const pk = k.primaryKey ?? keyCols;
  const on = (a: string, b: string) => pk.map((c) => `${a}.${c} = ${b}.${c}`).join(' AND ');
  const raw = sql.raw;
  await sql`DROP TABLE IF EXISTS pg_temp.grants_totals_diff`.execute(trx);
  // The difference of each key, with the count the key has now (null: the publisher has no such row yet).
  await sql`CREATE TEMP TABLE grants_totals_diff ON COMMIT DROP AS
    SELECT d.*, t.grants AS kept FROM (
      SELECT ${raw(k.keys.map(([c, e]) => `${e} AS ${c}`).join(', '))}, sum(c.sign)::int AS grants, sum(c.sign * c.amount_minor) AS total
        ${raw(dates ? `, min(c.award_date) FILTER (WHERE c.sign > 0) AS add_first, max(c.award_date) FILTER (WHERE c.sign > 0) AS add_last,
          min(c.award_date) FILTER (WHERE c.sign < 0) AS remove_first, max(c.award_date) FILTER (WHERE c.sign < 0) AS remove_last` : '')}
        FROM pg_temp.grants_totals_changed c ${raw(k.from ?? '')} ${raw(k.where ? `WHERE ${k.where}` : '')}
       GROUP BY ${raw(keyCols.map((_c, i) => String(i + 1)).join(', '))}) d
    LEFT JOIN ${raw(k.table)} t ON t.organisation_id = ${org}::uuid AND ${raw(on('t', 'd'))}`.execute(trx);
  // Keys whose last grant left; the others' counts, sums and dates; keys new to the publisher.
  await sql`DELETE FROM ${raw(k.table)} t USING pg_temp.grants_totals_diff d
    WHERE t.organisation_id = ${org}::uuid AND ${raw(on('t', 'd'))} AND d.kept + d.grants = 0`.execute(trx);
  await sql`UPDATE ${raw(k.table)} t SET grants = t.grants + d.grants, total = t.total + d.total
      ${raw(dates ? `, first_award = ${dateAfter(k, 'min')}, last_award = ${dateAfter(k, 'max')}` : '')}
    FROM pg_temp.grants_totals_diff d
    WHERE t.organisation_id = ${org}::uuid AND ${raw(on('t', 'd'))} AND d.kept + d.grants <> 0`.execute(trx);
  // A key the publisher did not have can only gain grants: a count or date missing here means the kept table
  // was out of step, and its CHECK (grants > 0) or NOT NULL refuses it, rolling back, rather than keeping a
  // wrong figure (`grants totals rebuild` mends it).
  await sql`INSERT INTO ${raw(k.table)} (organisation_id, ${raw(keyCols.join(', '))}, grants, total ${raw(dates ? ', first_award, last_award' : '')})
    SELECT ${org}::uuid, ${raw(keyCols.map((c) => `d.${c}`).join(', '))}, d.grants, d.total ${raw(dates ? ', d.add_first, d.add_last' : '')}
      FROM pg_temp.grants_totals_diff d WHERE d.kept IS NULL AND NOT (d.grants = 0 AND d.total = 0)`.execute(trx);
}

/** The kept tables, by name (for the rebuild and the test that compares them with it). */
export const KEPT_TABLES = KEPT.map((k) => k.table);

/**
 * Every publisher with rows in a kept table or current grants: whose kept totals a full rebuild recomputes
 * (a publisher left with rows and no grants has them deleted).
 */
export async function publishersWithTotals(db: Db): Promise<string[]> {
  const r = await sql<{ organisation_id: string }>`
    SELECT organisation_id FROM grants_files
    UNION SELECT organisation_id FROM grants_area_totals UNION SELECT organisation_id FROM grants_explore_totals
    UNION SELECT organisation_id FROM grants_word_totals UNION SELECT organisation_id FROM grants_amount_totals ORDER BY 1`.execute(db);
  return r.rows.map((x) => x.organisation_id);
}
