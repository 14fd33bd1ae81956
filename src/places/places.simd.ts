// The Scottish Index of Multiple Deprivation 2020, overall rank from the seven published domain ranks.
//
// SIMD combines domains like the English IMD: each domain rank is exponentially transformed,
// X = −23·ln(1 − R·(1 − e^(−100/23))), and the overall score is the weighted sum of X, ranked 1 = highest.
// SIMD publishes ranks only, so the scaling of rank to R had to be confirmed against the published overall
// rank. With r = published domain rank (1 = most deprived, ties averaged, e.g. 4563.5) among N data zones:
//
//   R = 1 − r/N   reproduces 6,955 of 6,976 published ranks exactly (largest difference 2), while
//   R = (N − r + 1)/N, the English scaling, reproduces only 5,592 (largest difference 7).
//
// So we use R = 1 − r/N (the least deprived data zone gets R = 0, the most deprived (N − 1)/N). The 21 data
// zones still off are adjacent pairs whose scores differ by under 0.001%: the published ranks were made from
// unrounded domain scores, and the averaged tie ranks we are given lose that last bit of order.
// Ties in the computed score are broken by data zone code, ascending; decile = ceil(10·rank/N).
import { decileOf, exponentialTransform, rankByScore } from './places.transform.ts';
import { SIMD_DOMAINS, type SimdDomain, type SimdDomainRanks, type SimdRow } from './places.types.ts';

/** SIMD 2020 domain weights (fractions summing to 1). */
export const SIMD_WEIGHTS: Readonly<Record<SimdDomain, number>> = {
  income: 0.28,
  employment: 0.28,
  health: 0.14,
  education: 0.14,
  access: 0.09,
  crime: 0.05,
  housing: 0.02,
};

/** SIMD's scaling of a domain rank r (1 = most deprived) among n data zones: R = 1 − r/n. */
export function simdScaledRank(rank: number, n: number): number {
  return 1 - rank / n;
}

/** What {@link computeSimd} needs from each data zone (a {@link Simd2020Row} will do). */
export interface SimdInput {
  readonly dataZone: string;
  readonly ranks: SimdDomainRanks;
}

/**
 * Computes the SIMD 2020 overall score, rank (1 = most deprived) and decile for every data zone given (all of
 * Scotland: N is the number of rows). Returns rows in input order. Throws RangeError for a rank outside 1..N.
 */
export function computeSimd(rows: readonly SimdInput[]): SimdRow[] {
  const n = rows.length;
  const scores = rows.map((row) => {
    let score = 0;
    for (const domain of SIMD_DOMAINS) {
      const rank = row.ranks[domain];
      if (!(rank >= 1 && rank <= n)) throw new RangeError(`${row.dataZone}: ${domain} rank ${rank} is outside 1..${n}`);
      score += SIMD_WEIGHTS[domain] * exponentialTransform(simdScaledRank(rank, n));
    }
    return score;
  });
  const rankOf = rankByScore(scores, (i) => (rows[i] as SimdInput).dataZone);
  return rows.map((row, i) => {
    const rank = rankOf[i] ?? 0;
    return { dataZone: row.dataZone, score: scores[i] ?? 0, rank, decile: decileOf(rank, n) };
  });
}
