// Custom local indices: a person's own indicators combined the way the IoD combines its domains, so a local
// index is as explainable as the national one. The method, step by step:
//
// 1. Areas: those present in every indicator. A missing value is an error naming the area and indicator,
//    unless `missing: 'drop'`, which leaves the area out and lists it in `excluded`.
// 2. Rank each indicator across the N areas, 1 = most deprived (the largest value when higher is worse, the
//    smallest when higher is better). Tied values share the mean of the ranks they span (mid-ranks), so the
//    result does not depend on input order.
// 3. Transform each rank r:
//    - 'exponential' (as the IMD combines domains): X = −23·ln(1 − R·(1 − e^(−100/23))), R = (N − r + 1)/N,
//      so the most deprived area scores 100 and deprivation at the top end is not offset elsewhere;
//    - 'normal' (as the IoD combines indicators within a domain): X = Φ⁻¹((N − r + 1)/(N + 1)), a standard
//      normal score, the most deprived highest, which lets indicators offset each other.
// 4. Weights are divided by their sum (they may be given as 30/70 or 0.3/0.7), and the score is the sum over
//    indicators of weight × X. The breakdown keeps each term, so contributions add up to the score.
// 5. Areas are ranked by score, 1 = highest; exact ties are broken by area code, ascending. Decile = ceil(10·rank/N).
import { decileOf, exponentialTransform, iodScaledRank, midRanks, normalTransform } from './places.transform.ts';

export type IndicatorDirection = 'higher-is-worse' | 'higher-is-better';
export type IndexTransform = 'exponential' | 'normal';

/** One indicator: area code → value (e.g. a CSV of house prices), which way is worse, and its weight. */
export interface CustomIndicator {
  readonly id: string;
  readonly values: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  readonly direction: IndicatorDirection;
  /** Any non-negative number; weights are normalised to sum to 1. */
  readonly weight: number;
}

export interface CustomIndexSpec {
  readonly indicators: readonly CustomIndicator[];
  readonly transform: IndexTransform;
  /** What to do with an area missing from some indicator: fail (default) or leave it out. */
  readonly missing?: 'error' | 'drop';
}

/** How one indicator contributed to one area's result. */
export interface IndicatorTerm {
  readonly indicatorId: string;
  readonly value: number;
  /** 1 = most deprived on this indicator; ties share the mean rank. */
  readonly rank: number;
  readonly transformed: number;
  /** The normalised weight (weights sum to 1). */
  readonly weight: number;
  /** weight × transformed. */
  readonly contribution: number;
}

export interface CustomIndexRow {
  readonly areaCode: string;
  readonly score: number;
  readonly rank: number;
  readonly decile: number;
  readonly breakdown: readonly IndicatorTerm[];
}

export interface CustomIndexResult {
  /** Sorted by rank (most deprived first). */
  readonly rows: CustomIndexRow[];
  /** Areas left out because some indicator had no value for them (only with `missing: 'drop'`), sorted. */
  readonly excluded: string[];
}

/** Why a custom index specification cannot be computed; the message says what to fix. */
export class CustomIndexError extends Error {
  override readonly name = 'CustomIndexError';
}

function entries(values: CustomIndicator['values']): Map<string, number> {
  return values instanceof Map ? new Map(values) : new Map(Object.entries(values));
}

/**
 * Builds a custom index from the given indicators and returns each area's score, rank and decile with the
 * breakdown of how it was built. Throws {@link CustomIndexError} for an unusable specification (no
 * indicators, a duplicate id, a negative or non-finite weight, a non-finite value, a missing value unless
 * `missing: 'drop'`, or fewer than two areas).
 */
export function customIndex(spec: CustomIndexSpec): CustomIndexResult {
  const { indicators } = spec;
  if (indicators.length === 0) throw new CustomIndexError('choose at least one indicator');
  const ids = new Set<string>();
  let weightSum = 0;
  for (const indicator of indicators) {
    if (ids.has(indicator.id)) throw new CustomIndexError(`indicator "${indicator.id}" is given twice`);
    ids.add(indicator.id);
    if (!(Number.isFinite(indicator.weight) && indicator.weight >= 0)) {
      throw new CustomIndexError(`indicator "${indicator.id}" needs a weight of zero or more, not ${indicator.weight}`);
    }
    weightSum += indicator.weight;
  }
  if (!(weightSum > 0)) throw new CustomIndexError('at least one indicator needs a weight above zero');

  const maps = indicators.map((indicator) => entries(indicator.values));
  for (const [k, map] of maps.entries()) {
    for (const [code, value] of map) {
      if (!Number.isFinite(value)) {
        throw new CustomIndexError(`indicator "${indicators[k]?.id}" has no usable value for ${code} (${value})`);
      }
    }
  }
  const allCodes = [...new Set(maps.flatMap((map) => [...map.keys()]))].sort();
  const excluded: string[] = [];
  const codes: string[] = [];
  for (const code of allCodes) {
    const missingFrom = indicators.find((_, k) => !maps[k]?.has(code));
    if (missingFrom === undefined) codes.push(code);
    else if (spec.missing === 'drop') excluded.push(code);
    else throw new CustomIndexError(`area ${code} has no value for indicator "${missingFrom.id}"`);
  }
  const n = codes.length;
  if (n < 2) throw new CustomIndexError(`an index needs at least two areas with every indicator, found ${n}`);

  const terms: IndicatorTerm[][] = codes.map(() => []);
  indicators.forEach((indicator, k) => {
    const map = maps[k] as Map<string, number>;
    const values = codes.map((code) => map.get(code) ?? 0);
    const ranks = midRanks(values, indicator.direction === 'higher-is-worse');
    const weight = indicator.weight / weightSum;
    values.forEach((value, i) => {
      const rank = ranks[i] ?? 0;
      const transformed =
        spec.transform === 'exponential' ? exponentialTransform(iodScaledRank(rank, n)) : normalTransform(rank, n);
      terms[i]?.push({ indicatorId: indicator.id, value, rank, transformed, weight, contribution: weight * transformed });
    });
  });

  const scored = codes.map((areaCode, i) => {
    const breakdown = terms[i] ?? [];
    return { areaCode, breakdown, score: breakdown.reduce((sum, term) => sum + term.contribution, 0) };
  });
  scored.sort((a, b) => b.score - a.score || (a.areaCode < b.areaCode ? -1 : 1));
  return {
    rows: scored.map((row, index) => ({ ...row, rank: index + 1, decile: decileOf(index + 1, n) })),
    excluded,
  };
}
