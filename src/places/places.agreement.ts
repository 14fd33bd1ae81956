// How closely a computed ranking reproduces a published one. Published files give tied areas the same rank
// (and skip the next), while our rankings break ties, so besides exact matches we count matches "allowing for
// published ties": a computed rank within the span of ranks the published tie group occupies.
import { decileOf } from './places.transform.ts';

/** One area's computed and published rank (1 = most deprived in both). */
export interface RankPair {
  readonly code: string;
  readonly computed: number;
  readonly published: number;
}

/** The comparison of a computed ranking with the published one. */
export interface RankAgreement {
  readonly areas: number;
  /** Areas whose computed rank equals the published rank. */
  readonly exactRanks: number;
  /** Areas whose computed rank lies within their published tie group's span of ranks. */
  readonly ranksWithinPublishedTies: number;
  /** Areas whose computed decile, ceil(10·rank/N), equals the decile of the published rank. */
  readonly exactDeciles: number;
  /** The largest |computed − published| over all areas, and one area (the first by code) that has it. */
  readonly largestRankDifference: number;
  readonly largestDifferenceCode: string | null;
}

/** Compares computed ranks with published ones; N is the number of pairs. */
export function rankAgreement(pairs: readonly RankPair[]): RankAgreement {
  const n = pairs.length;
  // Size of each published tie group: a group sharing published rank p occupies ranks p … p + size − 1.
  const groupSize = new Map<number, number>();
  for (const pair of pairs) groupSize.set(pair.published, (groupSize.get(pair.published) ?? 0) + 1);
  let exactRanks = 0;
  let withinTies = 0;
  let exactDeciles = 0;
  let largest = 0;
  let largestCode: string | null = null;
  for (const pair of pairs) {
    const diff = Math.abs(pair.computed - pair.published);
    if (diff === 0) exactRanks++;
    const size = groupSize.get(pair.published) ?? 1;
    if (pair.computed >= pair.published && pair.computed <= pair.published + size - 1) withinTies++;
    if (decileOf(pair.computed, n) === decileOf(pair.published, n)) exactDeciles++;
    if (diff > largest || (diff === largest && diff > 0 && largestCode !== null && pair.code < largestCode)) {
      largest = diff;
      largestCode = pair.code;
    }
  }
  return {
    areas: n,
    exactRanks,
    ranksWithinPublishedTies: withinTies,
    exactDeciles,
    largestRankDifference: largest,
    largestDifferenceCode: largestCode,
  };
}
