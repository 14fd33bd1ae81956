// The places module's verbs. Imports parse and check the published files, compute the indices with the
// official methods (places.compute.ts) and replace one country's data in one transaction, with an audit row.
// The read functions here are the module's public face: other modules call `decileOf`, `areaNeed` and
// `fairnessReport` (never the tables).
import { createHash } from 'node:crypto';
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import {
  CustomIndexError,
  IMD_WEIGHTS,
  SIMD_WEIGHTS,
  computeImd,
  computeSimd,
  customIndex,
  decileOf as decileOfRank,
  exponentialTransform,
  fairness,
  iodScaledRank,
  laDomainSummaries,
  laSummaries,
  simdScaledRank,
  type Amount,
  type AreaNeed,
  type CustomIndexResult,
  type CustomIndicator,
  type FairnessReport,
  type IndexTransform,
  type IndicatorDirection,
  type LaSummary,
} from './places.compute.ts';
import { readCsvRecords } from './places.csv.ts';
import { ParseError, parseIod2019Domains, parseIod2019Population, parseSimd2020Ranks } from './places.parse.ts';
import { IMD_DOMAINS, SIMD_DOMAINS, type ImdDomain, type SimdDomain } from './places.types.ts';
import { IMD_DOMAIN_LABELS, SCOTTISH_COUNCIL_AREAS, SIMD_DOMAIN_LABELS, decileWords } from './places.geography.ts';
import * as repo from './places.repository.ts';
import { formatPostcode, postcodeParts } from './places.postcode.ts';
import type { PlacesLaSummariesTable } from './places.table.ts';

export type { Country, IndexName } from './places.repository.ts';
type IndexName = repo.IndexName;

/** Bytes or text of an uploaded or shipped file (gzip is recognised by its magic bytes). */
export type FileContent = Uint8Array | string;

export interface ImportResult {
  dataset: repo.Dataset;
  /** False when the same files were already loaded: nothing was changed. */
  changed: boolean;
  areas: number;
  localAuthorities: number;
  sha256: string;
}

/** Progress messages for a person watching an import (the CLI prints them on stderr). */
export type Progress = (message: string) => void;

function sha256(...parts: FileContent[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(typeof part === 'string' ? Buffer.from(part, 'utf8') : part).update('\0');
  return hash.digest('hex');
}

/** Turns a ParseError into a validation error on `field` whose message names the file, line and column. */
async function parsing<T>(field: string, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ParseError) throw AppError.validation([{ field, message: `${what}: ${error.message}` }]);
    throw error;
  }
}

const MEASURE_IMD = 'imd';

function summaryRow(measure: string, s: LaSummary): PlacesLaSummariesTable {
  return {
    la_code: s.ladCode, measure, lsoas: s.lsoas, population: s.population, avg_score: s.avgScore, avg_rank: s.avgRank,
    proportion: s.proportion, extent: s.extent, local_concentration: s.localConcentration, rank_avg_score: s.rankOfAvgScore,
    rank_avg_rank: s.rankOfAvgRank, rank_proportion: s.rankOfProportion, rank_extent: s.rankOfExtent,
    rank_local_concentration: s.rankOfLocalConcentration,
  };
}

/**
 * Loads the English Indices of Deprivation 2019: File 2 (domain ranks) and File 6 (population). Computes the
 * IMD and the district summaries and replaces England's places data, all in one transaction. Importing the
 * same two files again changes nothing; a malformed file changes nothing and the error names line and column.
 */
export async function importIod2019(db: Db, actor: Actor, files: { domains: FileContent; population: FileContent }, progress: Progress = () => {}): Promise<ImportResult> {
  const hash = sha256(files.domains, files.population);
  const previous = await repo.getImport(db, 'iod2019');
  if (previous?.sha256 === hash) {
    progress('IoD2019: these files are already loaded; nothing to do');
    return { dataset: 'iod2019', changed: false, areas: previous.areas, localAuthorities: (await repo.localAuthorities(db, 'england')).length, sha256: hash };
  }
  progress('IoD2019: reading the domain ranks (File 2)…');
  const rows = await parsing('domains', 'the domains file (IoD2019 File 2)', () => parseIod2019Domains(files.domains));
  progress(`IoD2019: ${rows.length} LSOAs read; reading the population (File 6)…`);
  const people = await parsing('population', 'the population file (IoD2019 File 6)', () => parseIod2019Population(files.population));
  const population = new Map(people.map((p) => [p.lsoaCode, p]));
  const check = (problem: string): never => { throw AppError.validation([{ field: 'population', message: problem }]); };
  rows.forEach((row, i) => {
    const p = population.get(row.lsoaCode);
    if (!p) check(`the population file has no row for LSOA ${row.lsoaCode} (data row ${i + 1} of the domains file)`);
    else if (p.ladCode !== row.ladCode) check(`LSOA ${row.lsoaCode} is in ${row.ladCode} in the domains file but ${p.ladCode} in the population file`);
  });
  if (people.length !== rows.length) check(`the population file has ${people.length} LSOAs but the domains file has ${rows.length}`);

  progress('IoD2019: computing the IMD and district summaries…');
  const imd = computeImd(rows);
  const popMap = new Map(people.map((p) => [p.lsoaCode, p.population]));
  const summaries = [
    ...laSummaries(imd, popMap).map((s) => summaryRow(MEASURE_IMD, s)),
    ...Object.entries(laDomainSummaries(rows, popMap)).flatMap(([domain, list]) => list.map((s) => summaryRow(domain, s))),
  ];
  const las = new Map(rows.map((r) => [r.ladCode, r.ladName]));
  await inTransaction(db, async (trx) => {
    await repo.replaceCountry(trx, {
      country: 'england',
      localAuthorities: [...las].map(([code, name]) => ({ code, name, country: 'england' })),
      smallAreas: rows.map((r) => ({ code: r.lsoaCode, name: r.lsoaName, kind: 'lsoa2011', la_code: r.ladCode, population: popMap.get(r.lsoaCode) ?? 0 })),
      iodRanks: rows.map((r) => ({
        lsoa_code: r.lsoaCode, imd_rank: r.publishedImdRank, imd_decile: r.publishedImdDecile, income: r.ranks.income,
        employment: r.ranks.employment, education: r.ranks.education, health: r.ranks.health, crime: r.ranks.crime,
        barriers: r.ranks.barriers, living_environment: r.ranks.livingEnvironment,
      })),
      results: imd.map((r) => ({ area_code: r.lsoaCode, index_name: 'imd2019', score: r.score, rank: r.rank, decile: r.decile })),
      summaries,
    }, (step) => progress(`IoD2019: writing ${step}…`));
    await repo.saveImport(trx, 'iod2019', hash, rows.length);
    await recordAudit(trx, actor, { action: 'places.iod2019.imported', entityType: 'places_dataset', entityId: 'iod2019', before: previous ? { sha256: previous.sha256, areas: previous.areas } : null, after: { sha256: hash, areas: rows.length, localAuthorities: las.size } });
  });
  progress(`IoD2019: loaded ${rows.length} LSOAs in ${las.size} local authorities`);
  return { dataset: 'iod2019', changed: true, areas: rows.length, localAuthorities: las.size, sha256: hash };
}

/**
 * Loads the Scottish Index of Multiple Deprivation 2020v2 ranks file, computes the SIMD overall rank and
 * replaces Scotland's places data in one transaction. Idempotent and all-or-nothing like {@link importIod2019}.
 */
export async function importSimd2020(db: Db, actor: Actor, files: { ranks: FileContent }, progress: Progress = () => {}): Promise<ImportResult> {
  const hash = sha256(files.ranks);
  const previous = await repo.getImport(db, 'simd2020');
  if (previous?.sha256 === hash) {
    progress('SIMD2020: this file is already loaded; nothing to do');
    return { dataset: 'simd2020', changed: false, areas: previous.areas, localAuthorities: (await repo.localAuthorities(db, 'scotland')).length, sha256: hash };
  }
  progress('SIMD2020: reading the ranks…');
  const rows = await parsing('ranks', 'the SIMD 2020 ranks file', () => parseSimd2020Ranks(files.ranks));
  rows.forEach((row, i) => {
    if (!(row.councilArea in SCOTTISH_COUNCIL_AREAS)) {
      throw AppError.validation([{ field: 'ranks', message: `data row ${i + 1} (${row.dataZone}): "${row.councilArea}" is not one of Scotland's 32 council areas` }]);
    }
  });
  progress(`SIMD2020: ${rows.length} data zones read; computing the SIMD…`);
  const simd = computeSimd(rows);
  const las = new Set(rows.map((r) => r.councilArea));
  await inTransaction(db, async (trx) => {
    await repo.replaceCountry(trx, {
      country: 'scotland',
      localAuthorities: [...las].map((name) => ({ code: SCOTTISH_COUNCIL_AREAS[name]!, name, country: 'scotland' })),
      smallAreas: rows.map((r) => ({ code: r.dataZone, name: r.intermediateZone, kind: 'datazone2011', la_code: SCOTTISH_COUNCIL_AREAS[r.councilArea]!, population: r.population })),
      simdRanks: rows.map((r) => ({
        data_zone: r.dataZone, intermediate_zone: r.intermediateZone, working_age_population: r.workingAgePopulation,
        simd_rank: r.publishedRank, income: r.ranks.income, employment: r.ranks.employment, health: r.ranks.health,
        education: r.ranks.education, access: r.ranks.access, crime: r.ranks.crime, housing: r.ranks.housing,
      })),
      results: simd.map((r) => ({ area_code: r.dataZone, index_name: 'simd2020', score: r.score, rank: r.rank, decile: r.decile })),
    }, (step) => progress(`SIMD2020: writing ${step}…`));
    await repo.saveImport(trx, 'simd2020', hash, rows.length);
    await recordAudit(trx, actor, { action: 'places.simd2020.imported', entityType: 'places_dataset', entityId: 'simd2020', before: previous ? { sha256: previous.sha256, areas: previous.areas } : null, after: { sha256: hash, areas: rows.length, localAuthorities: las.size } });
  });
  progress(`SIMD2020: loaded ${rows.length} data zones in ${las.size} council areas`);
  return { dataset: 'simd2020', changed: true, areas: rows.length, localAuthorities: las.size, sha256: hash };
}

/** Which datasets are loaded, with how many areas and when. */
export async function loadedDatasets(db: Db) {
  return (await repo.listImports(db)).map((i) => ({ dataset: i.dataset, areas: i.areas, importedAt: i.imported_at }));
}

// ---------------------------------------------------------------------------------------------------------
// Reading: the functions other modules call.

const INDEX_LABEL: Record<IndexName, string> = { imd2019: 'Index of Multiple Deprivation 2019 (England)', simd2020: 'Scottish Index of Multiple Deprivation 2020' };
const INDEX_SHORT: Record<IndexName, string> = { imd2019: 'IMD 2019', simd2020: 'SIMD 2020' };
const COUNTRY_NAME = { england: 'England', scotland: 'Scotland' } as const;

/** What one small area's need looks like: other modules show this beside a project, a service or a spend. */
export interface AreaNeedView {
  code: string;
  /** The published name ("Newcastle upon Tyne 026C"; for a data zone, its intermediate zone). */
  name: string;
  /** What a person reads: the ward it lies in, then the published name ("Byker (Newcastle upon Tyne 026C)"). */
  label: string;
  /** The electoral ward it lies in (best fit), when a ward lookup is loaded. */
  ward: { code: string; name: string } | null;
  kind: 'lsoa2011' | 'datazone2011';
  localAuthority: { code: string; name: string };
  country: 'england' | 'scotland';
  population: number;
  index: IndexName;
  indexLabel: string;
  /** 1 = most deprived in its country. */
  rank: number;
  /** How many small areas the rank is out of (32,844 in England, 6,976 in Scotland). */
  of: number;
  /** 1 = most deprived 10% in its country. */
  decile: number;
  score: number;
}

export type AreaRow = NonNullable<Awaited<ReturnType<typeof repo.smallArea>>>;

/**
 * How many small areas each index ranks. Every import writes one result per area it loads and records that
 * count in places_imports, so the few rows there answer this instead of counting 40,000 results each time.
 */
async function counts(db: Db): Promise<Record<IndexName, number>> {
  const imports = new Map((await repo.listImports(db)).map((i) => [i.dataset, i.areas]));
  return {
    imd2019: imports.get('iod2019') ?? (await repo.countAreas(db, 'imd2019')),
    simd2020: imports.get('simd2020') ?? (await repo.countAreas(db, 'simd2020')),
  };
}

/** Presents rows with index sizes already known (the finder's name index holds them). */
export function presentAreaRowsCounted(rows: readonly AreaRow[], n: Record<IndexName, number>): AreaNeedView[] {
  return rows.map((r) => presentArea(r, n));
}

/** Presents small-area rows (as the repository's area queries return them) for other parts of this module. */
export async function presentAreaRows(db: Db, rows: readonly AreaRow[]): Promise<AreaNeedView[]> {
  if (rows.length === 0) return [];
  const n = await counts(db);
  return rows.map((r) => presentArea(r, n));
}

function presentArea(row: AreaRow, n: Record<IndexName, number>): AreaNeedView {
  const index = (row.index_name ?? (row.kind === 'lsoa2011' ? 'imd2019' : 'simd2020')) as IndexName;
  const ward = row.ward_code && row.ward_name ? { code: row.ward_code, name: row.ward_name } : null;
  return {
    code: row.code, name: row.name, label: ward && !row.name.startsWith(ward.name) ? `${ward.name} (${row.name})` : row.name, ward, kind: row.kind, localAuthority: { code: row.la_code, name: row.la_name },
    country: row.country, population: row.population, index, indexLabel: INDEX_SHORT[index],
    rank: row.rank ?? 0, of: n[index], decile: row.decile ?? 0, score: row.score ?? 0,
  };
}

function normaliseCode(code: string): string {
  return code.trim().toUpperCase();
}

/**
 * The national deprivation decile (1 = most deprived 10%) of a small area — an English LSOA (IMD 2019) or a
 * Scottish data zone (SIMD 2020) — or null if the code is not a loaded small area.
 */
export async function decileOf(db: Db, areaCode: string): Promise<number | null> {
  const row = await repo.smallArea(db, normaliseCode(areaCode));
  return row?.decile ?? null;
}

/** A small area's rank, decile, population and local authority, or null if the code is not a loaded small area. */
export async function areaNeed(db: Db, areaCode: string): Promise<AreaNeedView | null> {
  const row = await repo.smallArea(db, normaliseCode(areaCode));
  return row ? presentArea(row, await counts(db)) : null;
}

/**
 * Turns postcodes among `amounts` keys ("SR1 1AE", as {@link parseAmountsCsv} keeps them) into their small areas
 * (amounts of postcodes in the same area add up); codes pass through. A postcode that is not loaded, or whose
 * small area is not, is a validation error on `field` naming up to ten of them, so nothing is counted silently.
 */
export async function areasForPostcodes<T extends bigint | number>(db: Db, amounts: readonly (readonly [string, T])[], field = 'csv'): Promise<[string, T][]> {
  const postcodeOf = (key: string) => (/^[A-Za-z][0-9]{8}$/.test(key.trim()) ? null : formatPostcode(key));
  const postcodes = [...new Set(amounts.map(([k]) => postcodeOf(k)).filter((p): p is string => p !== null))];
  if (postcodes.length === 0) return amounts.map(([k, v]) => [k, v]);
  const found = new Map((await repo.postcodesByCompact(db, postcodes.map((p) => postcodeParts(p).compact))).map((r) => [r.postcode, r.area_code]));
  const missing = postcodes.filter((p) => !found.get(p));
  if (missing.length) {
    throw AppError.validation([{ field, message: `We don't have the small area of ${missing.length === 1 ? 'the postcode' : `${missing.length.toLocaleString('en-GB')} postcodes`} ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}: give their area codes instead` }]);
  }
  return amounts.map(([k, v]) => {
    const p = postcodeOf(k);
    return [p ? found.get(p)! : k, v];
  });
}

/** The fairness report as it leaves the server: amounts as decimal strings (they may exceed 2^53). */
export interface FairnessView {
  index: IndexName;
  indexLabel: string;
  total: string;
  unmatchedTotal: string;
  unmatched: { areaCode: string; amount: string }[];
  deciles: { decile: number; amount: string; share: number; population: number; populationShare: number }[];
  mostDeprived10: { amount: string; share: number; populationShare: number };
  mostDeprived20: { amount: string; share: number; populationShare: number };
  concentrationIndex: number;
  verdict: string;
}

export function presentFairness(index: IndexName, r: FairnessReport): FairnessView {
  const band = (b: FairnessReport['mostDeprived10']) => ({ amount: b.amount.toString(), share: b.share, populationShare: b.populationShare });
  return {
    index, indexLabel: INDEX_LABEL[index], total: r.total.toString(), unmatchedTotal: r.unmatchedTotal.toString(),
    unmatched: r.unmatched.map((u) => ({ areaCode: u.areaCode, amount: u.amount.toString() })),
    deciles: r.deciles.map((d) => ({ decile: d.decile, amount: d.amount.toString(), share: d.share, population: d.population, populationShare: d.populationShare })),
    mostDeprived10: band(r.mostDeprived10), mostDeprived20: band(r.mostDeprived20),
    concentrationIndex: r.concentrationIndex, verdict: r.verdict,
  };
}

/**
 * The fairness lens: how `amounts` (small-area code → integer amount: pence as bigint, minutes, people) are
 * shared across national deprivation deciles, against each decile's share of the population (from the
 * database). English LSOAs are judged against all of England (IMD 2019), Scottish data zones against all of
 * Scotland (SIMD 2020); amounts mixing both countries are refused, since deciles are national. Codes that are
 * not loaded small areas are reported as unmatched and left out of every share. Throws a validation
 * AppError (field `amounts`) when nothing matches or an amount is not a whole number.
 */
export async function fairnessReport(db: Db, amounts: ReadonlyMap<string, Amount> | Iterable<readonly [string, Amount]>): Promise<FairnessView> {
  const list = [...amounts].map(([code, amount]) => [normaliseCode(code), amount] as const);
  const english = list.some(([code]) => code.startsWith('E'));
  const scottish = list.some(([code]) => code.startsWith('S'));
  if (english && scottish) {
    throw AppError.validation([{ field: 'amounts', message: 'The amounts mix English LSOAs and Scottish data zones. Deciles are national, so send each country separately' }]);
  }
  const index: IndexName = scottish ? 'simd2020' : 'imd2019';
  const needs = new Map<string, AreaNeed>((await repo.areaNeeds(db, index)).map((r) => [r.area_code, { decile: r.decile, population: r.population }]));
  if (needs.size === 0) throw new AppError('unavailable', `${INDEX_SHORT[index]} is not loaded yet. Run commonweal seed-demo or the places import command`);
  try {
    return presentFairness(index, fairness(list, needs));
  } catch (error) {
    if (error instanceof RangeError) throw AppError.validation([{ field: 'amounts', message: error.message.replace(/^./, (c) => c.toUpperCase()) }]);
    throw error;
  }
}

/**
 * Each national decile's share of the population, decile 1 (most deprived) first, for an index: what a
 * fairness report sets amounts against, for a caller with no amount in that country yet. Null when the index
 * is not loaded.
 */
export async function decilePopulationShares(db: Db, index: IndexName): Promise<{ decile: number; population: number; populationShare: number }[] | null> {
  const people = new Array<number>(11).fill(0);
  for (const r of await repo.areaNeeds(db, index)) people[r.decile] = (people[r.decile] ?? 0) + r.population;
  const total = people.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  return Array.from({ length: 10 }, (_, i) => ({ decile: i + 1, population: people[i + 1]!, populationShare: people[i + 1]! / total }));
}

export interface DomainView {
  key: string;
  label: string;
  rank: number;
  decile: number;
  weight: number;
  /** Exponentially transformed rank, 0 (least deprived) … 100 (most deprived). */
  transformed: number;
  /** weight × transformed: what the domain adds to the index score. */
  contribution: number;
}

function domainsOf(index: IndexName, ranks: Record<string, number>, n: number): DomainView[] {
  if (index === 'imd2019') {
    return IMD_DOMAINS.map((d) => {
      const rank = ranks[d] ?? n;
      const transformed = exponentialTransform(iodScaledRank(rank, n));
      return { key: d, label: IMD_DOMAIN_LABELS[d], rank, decile: decileOfRank(rank, n), weight: IMD_WEIGHTS[d], transformed, contribution: IMD_WEIGHTS[d] * transformed };
    });
  }
  return SIMD_DOMAINS.map((d) => {
    const rank = ranks[d] ?? n;
    const transformed = exponentialTransform(simdScaledRank(rank, n));
    return { key: d, label: SIMD_DOMAIN_LABELS[d], rank, decile: decileOfRank(Math.ceil(rank), n), weight: SIMD_WEIGHTS[d], transformed, contribution: SIMD_WEIGHTS[d] * transformed };
  });
}

async function domainRanks(db: Db, area: AreaNeedView): Promise<{ ranks: Record<string, number>; publishedRank: number; publishedDecile: number }> {
  if (area.index === 'imd2019') {
    const r = await repo.iodRanksOf(db, area.code);
    if (!r) throw new AppError('not_found', `No IoD2019 ranks for ${area.code}`);
    return { ranks: { income: r.income, employment: r.employment, education: r.education, health: r.health, crime: r.crime, barriers: r.barriers, livingEnvironment: r.living_environment }, publishedRank: r.imd_rank, publishedDecile: r.imd_decile };
  }
  const r = await repo.simdRanksOf(db, area.code);
  if (!r) throw new AppError('not_found', `No SIMD 2020 ranks for ${area.code}`);
  return { ranks: { income: r.income, employment: r.employment, health: r.health, education: r.education, access: r.access, crime: r.crime, housing: r.housing }, publishedRank: r.simd_rank, publishedDecile: decileOfRank(Math.ceil(r.simd_rank), area.of) };
}

/** Plain-English sentences saying what an area's numbers mean. */
function explain(area: AreaNeedView, domains: DomainView[]): string[] {
  const country = COUNTRY_NAME[area.country];
  const unit = area.kind === 'lsoa2011' ? 'neighbourhoods (LSOAs)' : 'data zones';
  const pct = Math.max(1, Math.ceil((100 * area.rank) / area.of));
  const top = [...domains].sort((a, b) => b.contribution - a.contribution).slice(0, 2);
  const share = (d: DomainView) => `${Math.round((100 * d.contribution) / Math.max(area.score, 1e-9))}%`;
  const worst = [...domains].sort((a, b) => a.rank - b.rank)[0];
  return [
    `${area.name} is ranked ${area.rank.toLocaleString('en-GB')} of ${area.of.toLocaleString('en-GB')} ${unit} in ${country}, where 1 is the most deprived. That puts it in ${decileWords(area.decile)} — within the most deprived ${pct}% of ${country}'s ${unit}.`,
    `Deprivation here means a lack of resources and opportunities across seven parts of life, not just low income. Each is ranked separately; the ${area.indexLabel} combines them with published weights, giving extra weight to being very deprived on any one of them.`,
    top.length === 2 ? `Most of this area's score comes from ${top[0]!.label.toLowerCase()} (${share(top[0]!)}) and ${top[1]!.label.toLowerCase()} (${share(top[1]!)}).` : '',
    worst ? `Its most deprived domain is ${worst.label.toLowerCase()}, ranked ${Math.round(worst.rank).toLocaleString('en-GB')} (decile ${worst.decile}).` : '',
    'The index describes the area, not every person in it: not everyone in a deprived area is deprived, and deprived people live in every area.',
  ].filter((s) => s !== '');
}

/** Everything the area page and API show about one small area. Throws not_found. */
export async function getArea(db: Db, code: string) {
  const area = await areaNeed(db, code);
  if (!area) throw new AppError('not_found', `No small area has the code ${code}`);
  const { ranks, publishedRank, publishedDecile } = await domainRanks(db, area);
  const domains = domainsOf(area.index, ranks, area.of);
  const n = await counts(db);
  const neighbours = (await repo.neighboursInRank(db, area.index, area.rank, 3)).map((r) => presentArea(r, n));
  return { area, published: { rank: publishedRank, decile: publishedDecile }, domains, neighbours, explanation: explain(area, domains) };
}

/** A local authority with its small areas (most deprived first) and, for England, its district summaries. */
export async function getLocalAuthority(db: Db, code: string) {
  const la = await repo.localAuthority(db, normaliseCode(code));
  if (!la) throw new AppError('not_found', `No local authority has the code ${code}`);
  const n = await counts(db);
  const areas = (await repo.smallAreasOfLa(db, la.code)).map((r) => presentArea(r, n));
  const byDecile = Array.from({ length: 10 }, (_, i) => ({ decile: i + 1, areas: 0, population: 0 }));
  for (const a of areas) {
    const d = byDecile[a.decile - 1];
    if (d) { d.areas++; d.population += a.population; }
  }
  const summaries = (await repo.summariesOfLa(db, la.code)).map((s) => ({
    measure: s.measure,
    label: s.measure === MEASURE_IMD ? 'Index of Multiple Deprivation' : IMD_DOMAIN_LABELS[s.measure as ImdDomain] ?? s.measure,
    avgScore: s.avg_score, avgRank: s.avg_rank, proportion: s.proportion, extent: s.extent, localConcentration: s.local_concentration,
    rankOfAvgScore: s.rank_avg_score, rankOfAvgRank: s.rank_avg_rank, rankOfProportion: s.rank_proportion, rankOfExtent: s.rank_extent,
    rankOfLocalConcentration: s.rank_local_concentration,
  })).sort((a, b) => (a.measure === MEASURE_IMD ? -1 : b.measure === MEASURE_IMD ? 1 : IMD_DOMAINS.indexOf(a.measure as ImdDomain) - IMD_DOMAINS.indexOf(b.measure as ImdDomain)));
  const districts = la.country === 'england' ? (await repo.localAuthorities(db, 'england')).length : (await repo.localAuthorities(db, 'scotland')).length;
  return { localAuthority: { code: la.code, name: la.name, country: la.country }, districts, areas, byDecile, summaries, population: areas.reduce((s, a) => s + a.population, 0) };
}

/** Every local authority with its small-area count, population and number in national decile 1; England's with its IMD summary. */
export async function listLocalAuthorities(db: Db) {
  const las = await repo.localAuthorities(db);
  const summaries = new Map((await repo.laSummaryRows(db, MEASURE_IMD)).map((s) => [s.la_code, s]));
  return las.map((la) => {
    const s = summaries.get(la.code);
    return {
      code: la.code, name: la.name, country: la.country, areas: la.areas, population: la.population, inDecile1: la.in_decile_1,
      summary: s ? { avgScore: s.avg_score, avgRank: s.avg_rank, proportion: s.proportion, extent: s.extent, localConcentration: s.local_concentration, rankOfAvgScore: s.rank_avg_score, rankOfExtent: s.rank_extent } : null,
    };
  });
}

/** Measures with district summaries: the IMD ('imd') and each of its seven domains. */
export const SUMMARY_MEASURES: readonly string[] = [MEASURE_IMD, ...IMD_DOMAINS];

/**
 * The IoD district summaries of the IMD (or of one domain: avg_score is then null) for every English
 * district, sorted by district code (the CLI's la-summaries).
 */
export async function laSummaryTable(db: Db, measure: string = MEASURE_IMD) {
  if (!SUMMARY_MEASURES.includes(measure)) throw AppError.validation([{ field: 'measure', message: `Choose a measure: ${SUMMARY_MEASURES.join(', ')}` }]);
  return (await repo.laSummaryRows(db, measure)).map((s) => ({
    lad_code: s.la_code, avg_score: s.avg_score, avg_rank: s.avg_rank, proportion: s.proportion, extent: s.extent, local_concentration: s.local_concentration,
  }));
}

/** The IMD 2019 recomputed now from the stored domain ranks: one row per LSOA, sorted by LSOA code. */
export async function imdTable(db: Db) {
  const rows = await repo.iod2019Ranks(db);
  if (rows.length === 0) throw new AppError('unavailable', 'IoD2019 is not loaded yet. Run: commonweal places import-iod2019 --domains FILE --population FILE');
  const imd = computeImd(rows.map((r) => ({
    lsoaCode: r.lsoa_code, ladCode: r.la_code,
    ranks: { income: r.income, employment: r.employment, education: r.education, health: r.health, crime: r.crime, barriers: r.barriers, livingEnvironment: r.living_environment },
  })));
  return imd.map((r) => ({ lsoa_code: r.lsoaCode, score: r.score, rank: r.rank, decile: r.decile }));
}

/** Searches local authorities and small areas by name or code. */
export async function searchPlaces(db: Db, input: { q?: string; page?: number; pageSize?: number }) {
  const q = (input.q ?? '').trim().slice(0, 100);
  const pageSize = Math.min(100, Math.max(1, input.pageSize ?? 25));
  const page = Math.max(1, input.page ?? 1);
  if (q === '') return { q, page, pageSize, localAuthorities: [], areas: [], totalAreas: 0 };
  const n = await counts(db);
  const found = await repo.search(db, q, pageSize, (page - 1) * pageSize);
  return {
    q, page, pageSize,
    localAuthorities: found.las.map((l) => ({ code: l.code, name: l.name, country: l.country })),
    areas: found.areas.map((r) => presentArea(r, n)),
    totalAreas: found.totalAreas,
  };
}

/** Parses a list of area codes typed or pasted by a person (commas, spaces or new lines). */
export function parseCodes(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map(normaliseCode).filter((c) => c !== ''))];
}

export interface SitingCandidate extends AreaNeedView {
  position: number;
  reasons: string[];
}

/**
 * Ranks candidate small areas for a new centre by need: most deprived first on their national index
 * (England and Scotland are ranked separately, so a mixed list is ordered by decile, then by rank). Each
 * candidate says why: its decile, its two heaviest domains and how many people live there.
 * Give `codes` (small areas), or `laCode` to consider every small area in a local authority.
 */
export async function siting(db: Db, input: { codes?: string[]; laCode?: string; limit?: number }) {
  const n = await counts(db);
  let rows: AreaRow[];
  const unknown: string[] = [];
  if (input.laCode) {
    const la = await repo.localAuthority(db, normaliseCode(input.laCode));
    if (!la) throw AppError.validation([{ field: 'la', message: `No local authority has the code ${input.laCode}` }]);
    rows = await repo.smallAreasOfLa(db, la.code);
  } else {
    const codes = (input.codes ?? []).map(normaliseCode);
    if (codes.length === 0) throw AppError.validation([{ field: 'codes', message: 'Enter at least one small-area code, or choose a local authority' }]);
    if (codes.length > 2000) throw AppError.validation([{ field: 'codes', message: 'Enter 2,000 codes or fewer' }]);
    rows = await repo.smallAreasByCode(db, codes);
    const found = new Set(rows.map((r) => r.code));
    unknown.push(...codes.filter((c) => !found.has(c)));
  }
  const areas = rows.map((r) => presentArea(r, n)).sort((a, b) => a.decile - b.decile || a.rank / a.of - b.rank / b.of || (a.code < b.code ? -1 : 1));
  const limited = areas.slice(0, Math.min(200, input.limit ?? 50));
  const candidates: SitingCandidate[] = [];
  for (const [i, area] of limited.entries()) {
    const { ranks } = await domainRanks(db, area);
    const domains = domainsOf(area.index, ranks, area.of).sort((a, b) => b.contribution - a.contribution);
    const [first, second] = domains;
    candidates.push({
      ...area, position: i + 1,
      reasons: [
        `In ${decileWords(area.decile)} of ${COUNTRY_NAME[area.country]} (${area.indexLabel} rank ${area.rank.toLocaleString('en-GB')} of ${area.of.toLocaleString('en-GB')}).`,
        first && second ? `Driven most by ${first.label.toLowerCase()} (rank ${Math.round(first.rank).toLocaleString('en-GB')}) and ${second.label.toLowerCase()} (rank ${Math.round(second.rank).toLocaleString('en-GB')}).` : '',
        `${area.population.toLocaleString('en-GB')} people live here.`,
      ].filter((s) => s !== ''),
    });
  }
  return { considered: areas.length, candidates, unknown };
}

/** The local authority a custom index was restricted to: its small areas' names, and how many of a person's values lay outside it. */
export interface LocalIndexArea {
  code: string;
  name: string;
  areas: number;
  names: Record<string, string>;
  ignored: number;
}

/** One indicator of a custom index as a person or client gives it. */
export interface CustomIndicatorInput {
  id: string;
  weight: number;
  /** Their own values (area code → value); direction says which way is worse. */
  values?: Record<string, number> | { areaCode: string; value: number }[];
  direction?: IndicatorDirection;
  /** Or a published domain (e.g. 'income'): its ranks are used, rank 1 most deprived. */
  domain?: string;
}

/**
 * Builds a custom local index from a person's indicators (their own values, or published IMD/SIMD domains)
 * with the documented method (ranks → exponential or normal scores → weighted sum), and shows how each
 * area's result was built. Writes nothing. Throws a validation AppError naming the indicator at fault.
 */
export async function buildCustomIndex(db: Db, input: { indicators: CustomIndicatorInput[]; transform: IndexTransform; missing?: 'error' | 'drop'; laCode?: string }): Promise<CustomIndexResult & { localAuthority?: LocalIndexArea }> {
  // Restricted to one local authority: only its small areas take part; a person's values elsewhere are ignored.
  let within: Map<string, string> | null = null;
  let localAuthority: LocalIndexArea | undefined;
  if (input.laCode !== undefined) {
    const la = await repo.localAuthority(db, normaliseCode(input.laCode));
    if (!la) throw AppError.validation([{ field: 'la', message: `No local authority has the code ${input.laCode}` }]);
    const areas = await repo.smallAreasOfLa(db, la.code);
    within = new Map(areas.map((a) => [a.code, a.name]));
    localAuthority = { code: la.code, name: la.name, areas: areas.length, names: Object.fromEntries(within), ignored: 0 };
  }
  const own = input.indicators.filter((i) => i.domain === undefined);
  const ownCodes = new Set<string>();
  const indicators: CustomIndicator[] = [];
  input.indicators.forEach((indicator, k) => {
    if (indicator.domain !== undefined) return;
    if (indicator.values === undefined) throw AppError.validation([{ field: `indicators/${k}/values`, message: `Indicator "${indicator.id}" needs values or a domain` }]);
    const values = new Map<string, number>(Array.isArray(indicator.values) ? indicator.values.map((v) => [normaliseCode(v.areaCode), v.value]) : Object.entries(indicator.values).map(([c, v]) => [normaliseCode(c), v]));
    if (within && localAuthority) {
      for (const c of [...values.keys()]) if (!within.has(c)) { values.delete(c); localAuthority.ignored += 1; }
    }
    for (const c of values.keys()) ownCodes.add(c);
    indicators.push({ id: indicator.id, values, direction: indicator.direction ?? 'higher-is-worse', weight: indicator.weight });
  });
  for (const [k, indicator] of input.indicators.entries()) {
    if (indicator.domain === undefined) continue;
    const domain = indicator.domain;
    const isImd = (IMD_DOMAINS as readonly string[]).includes(domain);
    const isSimd = (SIMD_DOMAINS as readonly string[]).includes(domain);
    if (!isImd && !isSimd) throw AppError.validation([{ field: `indicators/${k}/domain`, message: `"${domain}" is not a domain; choose one of ${[...new Set([...IMD_DOMAINS, ...SIMD_DOMAINS])].join(', ')}` }]);
    const values = new Map<string, number>();
    const scottish = own.length > 0 && ownCodes.size > 0 ? [...ownCodes].some((c) => c.startsWith('S')) : within ? [...within.keys()].some((c) => c.startsWith('S')) : !isImd;
    const wanted = (code: string) => (within === null || within.has(code)) && (own.length === 0 || ownCodes.has(code));
    if (!scottish && isImd) {
      const column = domain === 'livingEnvironment' ? 'living_environment' : (domain as Exclude<ImdDomain, 'livingEnvironment'>);
      for (const r of await repo.iod2019Ranks(db)) if (wanted(r.lsoa_code)) values.set(r.lsoa_code, r[column]);
    } else if (scottish && isSimd) {
      for (const r of await repo.simd2020Ranks(db)) if (wanted(r.data_zone)) values.set(r.data_zone, r[domain as SimdDomain]);
    } else {
      throw AppError.validation([{ field: `indicators/${k}/domain`, message: `"${domain}" is not a ${scottish ? 'SIMD 2020' : 'IMD 2019'} domain` }]);
    }
    indicators.push({ id: indicator.id, values, direction: 'higher-is-better', weight: indicator.weight });
  }
  try {
    return { ...customIndex({ indicators, transform: input.transform, missing: input.missing }), ...(localAuthority ? { localAuthority } : {}) };
  } catch (error) {
    if (error instanceof CustomIndexError) throw AppError.validation([{ field: 'indicators', message: error.message.replace(/^./, (c) => c.toUpperCase()) }]);
    throw error;
  }
}

/**
 * Reads "area code, amount" lines pasted or uploaded by a person (CSV; a header line is allowed; amounts are
 * whole numbers, thousands commas allowed when quoted). A line may give a postcode instead of a code: it is kept
 * in its written form ("SR1 1AE") for {@link areasForPostcodes} to turn into its small area. Throws a validation AppError on `field` naming the
 * line and column of the first problem, so nothing is half-read.
 */
export async function parseAmountsCsv(text: string, field = 'csv'): Promise<[string, bigint][]> {
  const out: [string, bigint][] = [];
  const fail = (line: number, column: number, message: string): never => {
    throw AppError.validation([{ field, message: `Line ${line}, column ${column}: ${message}` }]);
  };
  try {
    let first = true;
    for await (const record of readCsvRecords(text)) {
      const [rawCode = '', rawAmount = ''] = record.fields.map((f) => f.trim());
      const postcode = formatPostcode(rawCode);
      const isCode = /^[A-Za-z][0-9]{8}$/.test(rawCode);
      const plain = rawAmount.replace(/^£/, '').replace(/,(?=\d{3}(\D|$))/g, '');
      // A first line is a header when it names neither a place by code or postcode nor an amount.
      const isHeader = first && !isCode && postcode === null && !/^-?\d{1,30}$/.test(plain);
      first = false;
      if (isHeader) continue;
      if (record.fields.length < 2) fail(record.line, record.fields.length + 1, 'expected a place and an amount separated by a comma');
      // Anything else with a letter in it is a place's name ("Byker", "Sunderland 034B"): areasForPlaces reads it.
      if (!isCode && postcode === null && (!/[A-Za-z]/.test(rawCode) || rawCode.length > 100)) fail(record.line, 1, `"${rawCode.slice(0, 20)}" is not a postcode like SR1 1AE, a place like Byker, or an area code like E01033569`);
      if (!/^-?\d{1,30}$/.test(plain)) fail(record.line, 2, `"${rawAmount.slice(0, 20)}" is not a whole number (give pence, minutes or people)`);
      out.push([postcode ?? (isCode ? normaliseCode(rawCode) : rawCode.replace(/\s+/g, ' ')), BigInt(plain)]);
      if (out.length > 50000) fail(record.line, 1, 'give 50,000 lines or fewer');
    }
  } catch (error) {
    if (error instanceof ParseError) fail(error.line, error.column, error.detail);
    throw error;
  }
  if (out.length === 0) throw AppError.validation([{ field, message: 'Enter at least one line: a place, a comma and an amount' }]);
  return out;
}

/**
 * Reads "area code, value" lines a person uploads for a custom index (CSV; a header line is allowed; values are
 * numbers, decimals allowed, a leading £ and thousands commas allowed when quoted). Throws a validation AppError
 * on `field` naming the line and column of the first problem, or a code given twice.
 */
export async function parseValuesCsv(text: string, field = 'file'): Promise<{ areaCode: string; value: number }[]> {
  const out: { areaCode: string; value: number }[] = [];
  const seen = new Map<string, number>();
  const fail = (line: number, column: number, message: string): never => {
    throw AppError.validation([{ field, message: `Line ${line}, column ${column}: ${message}` }]);
  };
  try {
    let first = true;
    for await (const record of readCsvRecords(text.replace(/^\uFEFF/, ''))) {
      const [rawCode = '', rawValue = ''] = record.fields.map((f) => f.trim());
      const isHeader = first && !/^[A-Za-z][0-9]{8}$/.test(rawCode);
      first = false;
      if (isHeader) continue;
      if (rawCode === '' && record.fields.every((f) => f.trim() === '')) continue;
      if (record.fields.length < 2) fail(record.line, record.fields.length + 1, 'expected an area code and a value separated by a comma');
      if (!/^[A-Za-z][0-9]{8}$/.test(rawCode)) fail(record.line, 1, `"${rawCode.slice(0, 20)}" is not an area code like E01033569 or S01010206`);
      const plain = rawValue.replace(/^£/, '').replace(/,(?=\d{3}(\D|$))/g, '');
      if (!/^-?\d{1,15}(\.\d{1,10})?$/.test(plain)) fail(record.line, 2, `"${rawValue.slice(0, 20)}" is not a number`);
      const code = normaliseCode(rawCode);
      if (seen.has(code)) fail(record.line, 1, `${code} is given twice (first on line ${seen.get(code)})`);
      seen.set(code, record.line);
      out.push({ areaCode: code, value: Number(plain) });
      if (out.length > 50000) fail(record.line, 1, 'give 50,000 lines or fewer');
    }
  } catch (error) {
    if (error instanceof ParseError) fail(error.line, error.column, error.detail);
    throw error;
  }
  if (out.length === 0) throw AppError.validation([{ field, message: 'The file has no lines of an area code, a comma and a value' }]);
  return out;
}

/**
 * Where grants (and other modules' records) are: the small area and local authority of each postcode the
 * place finder knows, and the local authority of each small-area code that is loaded. Postcodes are keyed as
 * given (any spacing or case); unknown postcodes and codes are simply absent, for the caller to report.
 */
export async function placesOf(db: Db, input: { postcodes: readonly string[]; areaCodes: readonly string[] }): Promise<{
  postcodes: Map<string, { areaCode: string | null; laCode: string | null }>;
  areas: Map<string, string>;
}> {
  const postcodes = new Map<string, { areaCode: string | null; laCode: string | null }>();
  const byCompact = new Map<string, string[]>();
  for (const p of new Set(input.postcodes)) {
    const formatted = formatPostcode(p);
    if (!formatted) continue;
    const compact = postcodeParts(formatted).compact;
    byCompact.set(compact, [...(byCompact.get(compact) ?? []), p]);
  }
  const compacts = [...byCompact.keys()];
  for (let i = 0; i < compacts.length; i += 1000) {
    for (const r of await repo.postcodePlaces(db, compacts.slice(i, i + 1000))) {
      for (const given of byCompact.get(r.compact) ?? []) postcodes.set(given, { areaCode: r.area_code, laCode: r.la_code });
    }
  }
  const areas = new Map<string, string>();
  const codes = [...new Set(input.areaCodes.map((c) => c.toUpperCase()))];
  for (let i = 0; i < codes.length; i += 1000) {
    for (const r of await repo.smallAreaAuthorities(db, codes.slice(i, i + 1000))) areas.set(r.code, r.la_code);
  }
  return { postcodes, areas };
}
