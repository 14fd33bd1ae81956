// Local-authority district summaries of small-area deprivation, following IoD2019 File 10 and the IoD2019
// technical report. A district is more than the average of its neighbourhoods, so the IoD publishes several
// summaries that answer different questions; we compute five, weighting by the File 6 population (mid-2015,
// excluding prisoners), the same population for the IMD and every domain, as the IoD does:
//
// - avg_score: population-weighted mean of the LSOA scores (IMD only: the published domain files give ranks,
//   not domain scores, so for domains it is null).
// - avg_rank: population-weighted mean of the LSOA ranks, with ranks first reversed so the most deprived LSOA
//   counts as N (32,844) and the least as 1: a higher average rank means a more deprived district.
// - proportion: the share of the district's LSOAs (a count of LSOAs, not people) in the most deprived 10%
//   nationally (decile 1). Middlesbrough: 42 of 86 LSOAs, 0.488.
// - extent: the population-weighted share of people living in the most deprived 30% of LSOAs nationally, as the
//   technical report defines it: the most deprived 10% (percentiles 1–10) count in full (weight 1), then a
//   sliding weight from 0.95 at the 11th percentile down to 0.05 at the 30th, and 0 beyond. An LSOA's national
//   percentile is ceil(100·rank/N); its weight is 0.95 − 0.90·(p − 11)/19 for 11 ≤ p ≤ 30 (steps of 0.05).
//   With it the published File 10 "IMD 2019 - Extent" is reproduced to its four decimals (places.summaries.test.ts).
// - local_concentration: the population-weighted mean of the reversed ranks of the district's most deprived
//   LSOAs that together hold exactly 10% of its population; the LSOA that crosses the 10% line counts only
//   with the part of its population needed to reach it.
//
// Each measure is also ranked across districts, 1 = most deprived (highest value); equal values are ranked by
// district code, ascending.
import { decileOf } from './places.transform.ts';
import { IMD_DOMAINS, type ImdDomain, type ImdRow, type Iod2019DomainRow } from './places.types.ts';

/** One district's summary of the IMD or of one domain. */
export interface LaSummary {
  readonly ladCode: string;
  readonly lsoas: number;
  readonly population: number;
  /** null for domains (no domain scores in the input). */
  readonly avgScore: number | null;
  readonly avgRank: number;
  readonly proportion: number;
  readonly extent: number;
  readonly localConcentration: number;
  /** Ranks of each measure among all districts, 1 = most deprived. */
  readonly rankOfAvgScore: number | null;
  readonly rankOfAvgRank: number;
  readonly rankOfProportion: number;
  readonly rankOfExtent: number;
  readonly rankOfLocalConcentration: number;
}

interface SmallArea {
  readonly code: string;
  readonly ladCode: string;
  /** National rank, 1 = most deprived. */
  readonly rank: number;
  readonly score: number | null;
}

/** The extent weight for a whole national percentile (1 = most deprived 1%): 1, then 0.95 at the 11th … 0.05 at the 30th. */
export function extentWeight(percentile: number): number {
  if (percentile <= 10) return 1;
  if (percentile <= 30) return 0.95 - (0.9 * (percentile - 11)) / 19;
  return 0;
}

type Measures = Omit<LaSummary, `rankOf${string}`>;

function summariseDistrict(ladCode: string, areas: SmallArea[], population: ReadonlyMap<string, number>, n: number): Measures {
  let people = 0;
  let scoreSum = 0;
  let reversedRankSum = 0;
  let extentSum = 0;
  let inDecile1 = 0;
  const hasScores = areas.every((a) => a.score !== null);
  for (const area of areas) {
    const p = populationOf(population, area.code);
    people += p;
    if (area.score !== null) scoreSum += p * area.score;
    reversedRankSum += p * (n + 1 - area.rank);
    extentSum += p * extentWeight(Math.ceil((100 * area.rank) / n));
    if (decileOf(area.rank, n) === 1) inDecile1++;
  }
  if (people <= 0) throw new RangeError(`district ${ladCode} has no population`);
  return {
    ladCode,
    lsoas: areas.length,
    population: people,
    avgScore: hasScores ? scoreSum / people : null,
    avgRank: reversedRankSum / people,
    proportion: inDecile1 / areas.length,
    extent: extentSum / people,
    localConcentration: localConcentration(areas, population, people, n),
  };
}

function localConcentration(areas: SmallArea[], population: ReadonlyMap<string, number>, people: number, n: number): number {
  const mostDeprivedFirst = [...areas].sort((a, b) => a.rank - b.rank || (a.code < b.code ? -1 : 1));
  const target = people / 10;
  let taken = 0;
  let sum = 0;
  for (const area of mostDeprivedFirst) {
    const share = Math.min(populationOf(population, area.code), target - taken);
    if (share <= 0) break;
    taken += share;
    sum += share * (n + 1 - area.rank);
  }
  return sum / taken;
}

function populationOf(population: ReadonlyMap<string, number>, code: string): number {
  const p = population.get(code);
  if (p === undefined) throw new RangeError(`no population for small area ${code}`);
  return p;
}

function rankBy(rows: Measures[], value: (row: Measures) => number): Map<string, number> {
  const sorted = [...rows].sort((a, b) => value(b) - value(a) || (a.ladCode < b.ladCode ? -1 : 1));
  return new Map(sorted.map((row, index) => [row.ladCode, index + 1]));
}

function summarise(areas: readonly SmallArea[], population: ReadonlyMap<string, number>): LaSummary[] {
  const n = areas.length;
  const byDistrict = new Map<string, SmallArea[]>();
  for (const area of areas) {
    const list = byDistrict.get(area.ladCode);
    if (list === undefined) byDistrict.set(area.ladCode, [area]);
    else list.push(area);
  }
  const measures = [...byDistrict.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ladCode, list]) => summariseDistrict(ladCode, list, population, n));
  const withScores = measures.every((m) => m.avgScore !== null);
  const rankScore = withScores ? rankBy(measures, (m) => m.avgScore ?? 0) : null;
  const rankRank = rankBy(measures, (m) => m.avgRank);
  const rankProportion = rankBy(measures, (m) => m.proportion);
  const rankExtent = rankBy(measures, (m) => m.extent);
  const rankConcentration = rankBy(measures, (m) => m.localConcentration);
  return measures.map((m) => ({
    ...m,
    rankOfAvgScore: rankScore?.get(m.ladCode) ?? null,
    rankOfAvgRank: rankRank.get(m.ladCode) ?? 0,
    rankOfProportion: rankProportion.get(m.ladCode) ?? 0,
    rankOfExtent: rankExtent.get(m.ladCode) ?? 0,
    rankOfLocalConcentration: rankConcentration.get(m.ladCode) ?? 0,
  }));
}

/**
 * IMD summaries for every local-authority district, sorted by district code. `imd` must cover all of England
 * (ranks are national, N = imd.length); `population` maps LSOA code → population (IoD2019 File 6).
 * Throws RangeError if an LSOA has no population or a district has none.
 */
export function laSummaries(imd: readonly ImdRow[], population: ReadonlyMap<string, number>): LaSummary[] {
  return summarise(
    imd.map((row) => ({ code: row.lsoaCode, ladCode: row.ladCode, rank: row.rank, score: row.score })),
    population,
  );
}

/**
 * The same summaries for each of the seven domains, from the published domain ranks (avg_score is null:
 * there are no domain scores to average). Domain ranks tied in the published file keep their shared rank.
 */
export function laDomainSummaries(
  rows: readonly Iod2019DomainRow[],
  population: ReadonlyMap<string, number>,
): Record<ImdDomain, LaSummary[]> {
  const out = {} as Record<ImdDomain, LaSummary[]>;
  for (const domain of IMD_DOMAINS) {
    out[domain] = summarise(
      rows.map((row) => ({ code: row.lsoaCode, ladCode: row.ladCode, rank: row.ranks[domain], score: null })),
      population,
    );
  }
  return out;
}
