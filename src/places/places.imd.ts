// The Index of Multiple Deprivation 2019, computed from the seven published domain ranks with the published
// method (IoD2019 technical report): each domain rank r among N LSOAs is scaled to R = (N − r + 1)/N,
// exponentially transformed to X = −23·ln(1 − R·(1 − e^(−100/23))), and the IMD score is the weighted sum of
// the seven X. LSOAs are ranked by score, 1 = highest (most deprived); decile = ceil(10·rank/N).
//
// Ties. Two LSOAs whose scores are exactly equal (as IEEE doubles, summed in the fixed domain order below)
// are ranked by LSOA code, ascending, so the output never depends on input order and every rank is distinct.
// The published file instead gives tied LSOAs the same rank; see places.agreement.ts for how the comparison
// counts those.
import { exponentialTransform, decileOf, iodScaledRank, rankByScore } from './places.transform.ts';
import { IMD_DOMAINS, type ImdDomain, type ImdDomainRanks, type ImdRow } from './places.types.ts';

/**
 * IMD 2019 domain weights as published. They sum to 0.999, not 1 (three domains at 9.3%), so the highest
 * possible score is 99.9; we keep the published figures rather than renormalising, since only ranks matter.
 */
export const IMD_WEIGHTS: Readonly<Record<ImdDomain, number>> = {
  income: 0.225,
  employment: 0.225,
  education: 0.135,
  health: 0.135,
  crime: 0.093,
  barriers: 0.093,
  livingEnvironment: 0.093,
};

/** What {@link computeImd} needs from each LSOA (an {@link Iod2019DomainRow} will do). */
export interface ImdInput {
  readonly lsoaCode: string;
  readonly ladCode: string;
  readonly ranks: ImdDomainRanks;
}

/** One domain's contribution to an LSOA's IMD score, for explaining it. */
export interface ImdComponent {
  readonly domain: ImdDomain;
  readonly rank: number;
  /** The exponentially transformed rank, 0 … 100. */
  readonly transformed: number;
  readonly weight: number;
  /** weight × transformed: what this domain adds to the score. */
  readonly contribution: number;
}

/** Builds a lookup of X for every whole rank 1..n: the full recompute then needs no logarithms per row. */
function transformTable(n: number): Float64Array {
  const table = new Float64Array(n + 1);
  for (let r = 1; r <= n; r++) table[r] = exponentialTransform(iodScaledRank(r, n));
  return table;
}

function transformed(rank: number, n: number, table: Float64Array): number {
  return Number.isInteger(rank) && rank >= 1 && rank <= n ? (table[rank] ?? 0) : exponentialTransform(iodScaledRank(rank, n));
}

function checkRanks(input: ImdInput, n: number): void {
  for (const domain of IMD_DOMAINS) {
    const rank = input.ranks[domain];
    if (!(rank >= 1 && rank <= n)) {
      throw new RangeError(`${input.lsoaCode}: ${domain} rank ${rank} is outside 1..${n}`);
    }
  }
}

/**
 * Computes the IMD 2019 score, rank and decile for every LSOA given (all of England: N is the number of rows).
 * Returns rows in input order. Deterministic: exact score ties are broken by LSOA code, ascending.
 * Throws RangeError if a domain rank is outside 1..N.
 */
export function computeImd(rows: readonly ImdInput[]): ImdRow[] {
  const n = rows.length;
  const table = transformTable(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as ImdInput;
    checkRanks(row, n);
    let score = 0;
    for (const domain of IMD_DOMAINS) score += IMD_WEIGHTS[domain] * transformed(row.ranks[domain], n, table);
    scores[i] = score;
  }
  const rankOf = rankByScore(scores, (i) => (rows[i] as ImdInput).lsoaCode);
  return rows.map((row, i) => {
    const rank = rankOf[i] ?? 0;
    return { lsoaCode: row.lsoaCode, ladCode: row.ladCode, score: scores[i] ?? 0, rank, decile: decileOf(rank, n) };
  });
}

/**
 * Explains one LSOA's IMD score: each domain's rank, transformed score, weight and contribution (the
 * contributions sum to the score). `n` is the number of LSOAs ranked (32,844 for England).
 */
export function explainImd(ranks: ImdDomainRanks, n: number): ImdComponent[] {
  return IMD_DOMAINS.map((domain) => {
    const rank = ranks[domain];
    const x = exponentialTransform(iodScaledRank(rank, n));
    return { domain, rank, transformed: x, weight: IMD_WEIGHTS[domain], contribution: IMD_WEIGHTS[domain] * x };
  });
}
