// The only place with SQL for the places module. Bulk loads insert each table with ONE statement that unnests
// column arrays (`INSERT … SELECT * FROM unnest($1::text[], $2::int[], …)`): no 65,535-parameter limit, one
// round trip per table, the same SQL on PGlite and PostgreSQL, and it runs inside the caller's transaction.
// (PGlite's COPY FROM '/dev/blob' cannot run inside a Kysely transaction: it waits on the same single
// connection. See bench/RESULTS.md for the figures.)
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import type {
  PlacesIndexResultsTable,
  PlacesIod2019RanksTable,
  PlacesLaSummariesTable,
  PlacesAreaWardsTable,
  PlacesLocalAuthoritiesTable,
  PlacesSimd2020RanksTable,
  PlacesWardsTable,
  PlacesSmallAreasTable,
} from './places.table.ts';

export type Country = 'england' | 'scotland';
export type IndexName = 'imd2019' | 'simd2020';
export type Dataset = 'iod2019' | 'simd2020' | 'postcodes' | 'wards';

type PgType = 'text' | 'int' | 'float8';

/** Inserts rows into `table` with one statement: each column is sent as one array and unnested. */
async function bulkInsert<T extends object>(db: Db, table: string, rows: readonly T[], columns: readonly { name: keyof T & string; type: PgType }[]): Promise<void> {
  if (rows.length === 0) return;
  const arrays = columns.map((c) => sql`${rows.map((r) => r[c.name] as unknown)}::${sql.raw(c.type)}[]`);
  const names = sql.raw(columns.map((c) => c.name).join(', '));
  await sql`INSERT INTO ${sql.table(table)} (${names}) SELECT * FROM unnest(${sql.join(arrays)})`.execute(db);
}

export interface CountryData {
  country: Country;
  localAuthorities: PlacesLocalAuthoritiesTable[];
  smallAreas: PlacesSmallAreasTable[];
  iodRanks?: PlacesIod2019RanksTable[];
  simdRanks?: PlacesSimd2020RanksTable[];
  results: PlacesIndexResultsTable[];
  summaries?: PlacesLaSummariesTable[];
}

/** Deletes one country's places data (in foreign-key order). Call inside a transaction. */
export async function deleteCountry(db: Db, country: Country): Promise<void> {
  const las = db.selectFrom('places_local_authorities').select('code').where('country', '=', country);
  const areas = db.selectFrom('places_small_areas').select('code').where('la_code', 'in', las);
  await db.deleteFrom('places_la_summaries').where('la_code', 'in', las).execute();
  await db.deleteFrom('places_index_results').where('area_code', 'in', areas).execute();
  await db.deleteFrom('places_iod2019_ranks').where('lsoa_code', 'in', areas).execute();
  await db.deleteFrom('places_simd2020_ranks').where('data_zone', 'in', areas).execute();
  await db.deleteFrom('places_small_areas').where('la_code', 'in', las).execute();
  await db.deleteFrom('places_local_authorities').where('country', '=', country).execute();
}

/** Replaces one country's data with `data`. Call inside a transaction so it is all-or-nothing. */
export async function replaceCountry(db: Db, data: CountryData, onStep: (step: string) => void = () => {}): Promise<void> {
  await deleteCountry(db, data.country);
  onStep('local authorities');
  await bulkInsert(db, 'places_local_authorities', data.localAuthorities, [
    { name: 'code', type: 'text' }, { name: 'name', type: 'text' }, { name: 'country', type: 'text' },
  ]);
  onStep('small areas');
  await bulkInsert(db, 'places_small_areas', data.smallAreas, [
    { name: 'code', type: 'text' }, { name: 'name', type: 'text' }, { name: 'kind', type: 'text' },
    { name: 'la_code', type: 'text' }, { name: 'population', type: 'int' },
  ]);
  onStep('domain ranks');
  if (data.iodRanks) {
    await bulkInsert(db, 'places_iod2019_ranks', data.iodRanks, [
      { name: 'lsoa_code', type: 'text' }, { name: 'imd_rank', type: 'int' }, { name: 'imd_decile', type: 'int' },
      { name: 'income', type: 'int' }, { name: 'employment', type: 'int' }, { name: 'education', type: 'int' },
      { name: 'health', type: 'int' }, { name: 'crime', type: 'int' }, { name: 'barriers', type: 'int' },
      { name: 'living_environment', type: 'int' },
    ]);
  }
  if (data.simdRanks) {
    await bulkInsert(db, 'places_simd2020_ranks', data.simdRanks, [
      { name: 'data_zone', type: 'text' }, { name: 'intermediate_zone', type: 'text' }, { name: 'working_age_population', type: 'int' },
      { name: 'simd_rank', type: 'float8' }, { name: 'income', type: 'float8' }, { name: 'employment', type: 'float8' },
      { name: 'health', type: 'float8' }, { name: 'education', type: 'float8' }, { name: 'access', type: 'float8' },
      { name: 'crime', type: 'float8' }, { name: 'housing', type: 'float8' },
    ]);
  }
  onStep('computed index');
  await bulkInsert(db, 'places_index_results', data.results, [
    { name: 'area_code', type: 'text' }, { name: 'index_name', type: 'text' }, { name: 'score', type: 'float8' },
    { name: 'rank', type: 'int' }, { name: 'decile', type: 'int' },
  ]);
  if (data.summaries) {
    onStep('district summaries');
    await bulkInsert(db, 'places_la_summaries', data.summaries, [
      { name: 'la_code', type: 'text' }, { name: 'measure', type: 'text' }, { name: 'lsoas', type: 'int' },
      { name: 'population', type: 'int' }, { name: 'avg_score', type: 'float8' }, { name: 'avg_rank', type: 'float8' },
      { name: 'proportion', type: 'float8' }, { name: 'extent', type: 'float8' }, { name: 'local_concentration', type: 'float8' },
      { name: 'rank_avg_score', type: 'int' }, { name: 'rank_avg_rank', type: 'int' }, { name: 'rank_proportion', type: 'int' },
      { name: 'rank_extent', type: 'int' }, { name: 'rank_local_concentration', type: 'int' },
    ]);
  }
}

export async function getImport(db: Db, dataset: Dataset) {
  return db.selectFrom('places_imports').selectAll().where('dataset', '=', dataset).executeTakeFirst();
}

export async function saveImport(db: Db, dataset: Dataset, sha256: string, areas: number): Promise<void> {
  await db.insertInto('places_imports').values({ dataset, sha256, areas })
    .onConflict((oc) => oc.column('dataset').doUpdateSet({ sha256, areas, imported_at: sql`now()` }))
    .execute();
}

export async function listImports(db: Db) {
  return db.selectFrom('places_imports').selectAll().orderBy('dataset').execute();
}

export async function iod2019Ranks(db: Db) {
  return db.selectFrom('places_iod2019_ranks as r').innerJoin('places_small_areas as a', 'a.code', 'r.lsoa_code')
    .select(['r.lsoa_code', 'a.la_code', 'r.income', 'r.employment', 'r.education', 'r.health', 'r.crime', 'r.barriers', 'r.living_environment'])
    .orderBy('r.lsoa_code').execute();
}

export async function simd2020Ranks(db: Db) {
  return db.selectFrom('places_simd2020_ranks').selectAll().orderBy('data_zone').execute();
}

export async function laSummaryRows(db: Db, measure: string, laCode?: string) {
  let q = db.selectFrom('places_la_summaries as s').innerJoin('places_local_authorities as l', 'l.code', 's.la_code')
    .selectAll('s').select('l.name').where('s.measure', '=', measure);
  if (laCode) q = q.where('s.la_code', '=', laCode);
  return q.orderBy('s.la_code').execute();
}

export async function summariesOfLa(db: Db, laCode: string) {
  return db.selectFrom('places_la_summaries').selectAll().where('la_code', '=', laCode).execute();
}

export async function localAuthority(db: Db, code: string) {
  return db.selectFrom('places_local_authorities').selectAll().where('code', '=', code).executeTakeFirst();
}

/** Every local authority with its count of small areas, population and how many are in national decile 1. */
export async function localAuthorities(db: Db, country?: Country) {
  let q = db.selectFrom('places_local_authorities as l')
    .innerJoin('places_small_areas as a', 'a.la_code', 'l.code')
    .leftJoin('places_index_results as r', 'r.area_code', 'a.code')
    .select(['l.code', 'l.name', 'l.country'])
    .select((eb) => [
      eb.fn.countAll<number>().as('areas'),
      sql<number>`sum(a.population)::int`.as('population'),
      sql<number>`count(*) filter (where r.decile = 1)::int`.as('in_decile_1'),
    ])
    .groupBy(['l.code', 'l.name', 'l.country']);
  if (country) q = q.where('l.country', '=', country);
  const rows = await q.orderBy('l.name').execute();
  return rows.map((r) => ({ ...r, areas: Number(r.areas) }));
}

const areaColumns = ['a.code', 'a.name', 'a.kind', 'a.la_code', 'a.population', 'l.name as la_name', 'l.country', 'r.index_name', 'r.score', 'r.rank', 'r.decile', 'w.code as ward_code', 'w.name as ward_name'] as const;

/** Small areas with their local authority, computed index and (best-fit) ward: one row per area. */
function areaQuery(db: Db) {
  return db.selectFrom('places_small_areas as a')
    .innerJoin('places_local_authorities as l', 'l.code', 'a.la_code')
    .leftJoin('places_index_results as r', 'r.area_code', 'a.code')
    .leftJoin('places_area_wards as aw', 'aw.area_code', 'a.code')
    .leftJoin('places_wards as w', 'w.code', 'aw.ward_code');
}

export async function smallArea(db: Db, code: string) {
  return areaQuery(db).select(areaColumns).where('a.code', '=', code).executeTakeFirst();
}

export async function smallAreasOfLa(db: Db, laCode: string) {
  return areaQuery(db).select(areaColumns).where('a.la_code', '=', laCode).orderBy('r.rank').orderBy('a.code').execute();
}

/** Every small area as the area queries give it, in search order (index, rank, code): the finder's name index. */
export async function allSmallAreas(db: Db) {
  return areaQuery(db).select(areaColumns).orderBy('r.index_name').orderBy('r.rank').orderBy('a.code').execute();
}

/** Every ward with its local authority's name, and every local authority: the finder's name index. */
export async function allWardsAndLocalAuthorities(db: Db) {
  const wards = await db.selectFrom('places_wards as w').leftJoin('places_local_authorities as l', 'l.code', 'w.la_code')
    .select(['w.code', 'w.name', 'w.la_code', 'l.name as la_name']).orderBy('w.name').orderBy('l.name').execute();
  const las = await db.selectFrom('places_local_authorities').selectAll().orderBy('name').execute();
  return { wards, las };
}

export async function smallAreasByCode(db: Db, codes: readonly string[]) {
  if (codes.length === 0) return [];
  return areaQuery(db).select(areaColumns).where('a.code', 'in', [...codes]).execute();
}

/** Areas ranked just above and below `rank` on the same index. */
export async function neighboursInRank(db: Db, indexName: IndexName, rank: number, each: number) {
  return areaQuery(db).select(areaColumns).where('r.index_name', '=', indexName)
    .where('r.rank', '>=', rank - each).where('r.rank', '<=', rank + each).orderBy('r.rank').execute();
}

export async function iodRanksOf(db: Db, code: string) {
  return db.selectFrom('places_iod2019_ranks').selectAll().where('lsoa_code', '=', code).executeTakeFirst();
}

export async function simdRanksOf(db: Db, code: string) {
  return db.selectFrom('places_simd2020_ranks').selectAll().where('data_zone', '=', code).executeTakeFirst();
}

export async function countAreas(db: Db, indexName: IndexName): Promise<number> {
  const row = await db.selectFrom('places_index_results').select((eb) => eb.fn.countAll<string>().as('n')).where('index_name', '=', indexName).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Every small area's decile and population on one index: the reference population for the fairness lens. */
export async function areaNeeds(db: Db, indexName: IndexName) {
  return db.selectFrom('places_index_results as r').innerJoin('places_small_areas as a', 'a.code', 'r.area_code')
    .select(['r.area_code', 'r.decile', 'a.population']).where('r.index_name', '=', indexName).execute();
}

/**
 * Searches local authorities and small areas by code (prefix) or name (contains), most deprived first. The
 * matching codes are found first from the small-area table alone (one scan, in rank order, counted as they
 * come); only the page asked for is then read with its local authority, index and ward.
 */
export async function search(db: Db, q: string, limit: number, offset: number) {
  const pattern = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const codePrefix = `${q.toUpperCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const las = await db.selectFrom('places_local_authorities').selectAll()
    .where((eb) => eb.or([eb(sql`lower(name)`, 'like', pattern), eb('code', 'like', codePrefix)]))
    .orderBy('name').limit(50).execute();
  const matches = await db.selectFrom('places_small_areas as a').leftJoin('places_index_results as r', 'r.area_code', 'a.code')
    .select('a.code').where(sql<boolean>`(lower(a.name) LIKE ${pattern} OR a.code LIKE ${codePrefix})`)
    .orderBy('r.index_name').orderBy('r.rank').orderBy('a.code').execute();
  const page = matches.slice(offset, offset + limit).map((m) => m.code);
  const rows = page.length ? await smallAreasByCode(db, page) : [];
  const order = new Map(page.map((c, i) => [c, i]));
  const areas = rows.sort((a, b) => (order.get(a.code) ?? 0) - (order.get(b.code) ?? 0));
  return { las, areas, totalAreas: matches.length };
}

// ---------------------------------------------------------------------------------------------------------
// The place finder (migration 0025): postcodes and wards.

/**
 * Empties the postcode directory before a new one is COPYed in. Call inside the import's transaction: the lock
 * makes two imports take turns (the second replaces the first) while readers carry on with the old rows.
 */
export async function deletePostcodes(db: Db): Promise<void> {
  await sql`LOCK TABLE places_postcodes IN SHARE ROW EXCLUSIVE MODE`.execute(db);
  await db.deleteFrom('places_postcodes').execute();
}

/** Replaces every ward and every small area's ward. Call inside a transaction. */
export async function replaceWards(db: Db, wards: PlacesWardsTable[], areaWards: PlacesAreaWardsTable[]): Promise<void> {
  await sql`LOCK TABLE places_wards, places_area_wards IN SHARE ROW EXCLUSIVE MODE`.execute(db);
  await db.deleteFrom('places_area_wards').execute();
  await db.deleteFrom('places_wards').execute();
  await bulkInsert(db, 'places_wards', wards, [{ name: 'code', type: 'text' }, { name: 'name', type: 'text' }, { name: 'la_code', type: 'text' }]);
  await bulkInsert(db, 'places_area_wards', areaWards, [{ name: 'area_code', type: 'text' }, { name: 'ward_code', type: 'text' }]);
}

export async function countPostcodes(db: Db): Promise<number> {
  const row = await getImport(db, 'postcodes');
  return row?.areas ?? 0;
}

/** The small areas of a postcode sector ("NE6 1") or outward code ("NE6"), with how many live postcodes each holds. */
export async function areasOfPostcodes(db: Db, by: { sector: string } | { outward: string }) {
  let q = db.selectFrom('places_postcodes').select(['area_code']).select((eb) => eb.fn.countAll<string>().as('postcodes'))
    .where('area_code', 'is not', null).where('terminated', 'is', null);
  q = 'sector' in by ? q.where('sector', '=', by.sector) : q.where('outward', '=', by.outward);
  const rows = await q.groupBy('area_code').execute();
  return rows.map((r) => ({ area_code: r.area_code!, postcodes: Number(r.postcodes) }));
}

/** The small areas that lie (best fit) in each of `wardCodes`. */
export async function areasOfWards(db: Db, wardCodes: readonly string[]) {
  if (wardCodes.length === 0) return [];
  return areaQuery(db).innerJoin('places_area_wards as aw2', 'aw2.area_code', 'a.code').select(areaColumns).select('aw2.ward_code as of_ward')
    .where('aw2.ward_code', 'in', [...wardCodes]).orderBy('r.rank').orderBy('a.code').execute();
}

export async function postcodesByCompact(db: Db, compacts: readonly string[]) {
  if (compacts.length === 0) return [];
  return db.selectFrom('places_postcodes').select(['postcode', 'area_code']).where('compact', 'in', [...compacts]).execute();
}

/**
 * A postcode with its small area as the area queries give it (null columns when the area is not loaded): one
 * query for the finder's commonest question.
 */
export async function postcodeWithArea(db: Db, compact: string) {
  return db.selectFrom('places_postcodes as p')
    .leftJoin('places_small_areas as a', 'a.code', 'p.area_code')
    .leftJoin('places_local_authorities as l', 'l.code', 'a.la_code')
    .leftJoin('places_local_authorities as pl', 'pl.code', 'p.la_code')
    .leftJoin('places_index_results as r', 'r.area_code', 'a.code')
    .leftJoin('places_area_wards as aw', 'aw.area_code', 'a.code')
    .leftJoin('places_wards as w', 'w.code', 'aw.ward_code')
    .select(['p.postcode', 'p.area_code', 'p.la_code as postcode_la_code', 'pl.name as postcode_la_name', 'p.terminated'])
    .select(['a.code', 'a.name', 'a.kind', 'a.la_code', 'a.population', 'l.name as la_name', 'l.country', 'r.index_name', 'r.score', 'r.rank', 'r.decile', 'w.code as ward_code', 'w.name as ward_name'])
    .where('p.compact', '=', compact).executeTakeFirst();
}

/** Postcodes' small areas and local authorities by compact form (for grants' recipients). */
export async function postcodePlaces(db: Db, compacts: readonly string[]) {
  if (compacts.length === 0) return [];
  return db.selectFrom('places_postcodes').select(['compact', 'area_code', 'la_code']).where('compact', 'in', [...compacts]).execute();
}

/** Small areas' local authorities by code (no index join: only the areas loaded). */
export async function smallAreaAuthorities(db: Db, codes: readonly string[]) {
  if (codes.length === 0) return [];
  return db.selectFrom('places_small_areas').select(['code', 'la_code']).where('code', 'in', [...codes]).execute();
}
