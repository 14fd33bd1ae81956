// The rank transformations the UK deprivation indices use to combine domains. Ranks rather than raw scores
// are combined so that no domain dominates by its scale; the exponential transformation stretches the deprived
// end, so that being very deprived on one domain is not cancelled out by being comfortable on another.

/** 1 − e^(−100/23): the exponential transformation's constant, computed once. */
const EXP_SPAN = 1 - Math.exp(-100 / 23);

/**
 * The IoD exponential transformation: a rank scaled to R in [0, 1] (1 = most deprived) becomes
 * X = −23·ln(1 − R·(1 − e^(−100/23))), which runs from 0 (R = 0) to 100 (R = 1). About 10% of areas
 * (the most deprived) get X above 50.
 */
export function exponentialTransform(scaledRank: number): number {
  return -23 * Math.log(1 - scaledRank * EXP_SPAN);
}

/** IoD scaling of a rank r (1 = most deprived) among n areas: R = (n − r + 1)/n, so the most deprived has R = 1. */
export function iodScaledRank(rank: number, n: number): number {
  return (n - rank + 1) / n;
}

/**
 * Rank-based normal transformation: rank r (1 = most deprived) among n becomes Φ⁻¹((n − r + 1)/(n + 1)),
 * a standard normal score with the most deprived highest. Dividing by n + 1 keeps the argument inside (0, 1).
 */
export function normalTransform(rank: number, n: number): number {
  return inverseStandardNormal((n - rank + 1) / (n + 1));
}

// Rational approximation of the inverse standard normal CDF (P. J. Acklam's published coefficients),
// relative error below 1.2e-9 — far finer than any rank-based score needs.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

function poly(coefficients: readonly number[], x: number): number {
  let sum = 0;
  for (const c of coefficients) sum = sum * x + c;
  return sum;
}

/** Φ⁻¹(p) for 0 < p < 1. */
export function inverseStandardNormal(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`inverseStandardNormal needs 0 < p < 1, got ${p}`);
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(C, q) / (poly(D, q) * q + 1);
  }
  if (p > 1 - P_LOW) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(C, q) / (poly(D, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(A, r) * q) / (poly(B, r) * r + 1);
}

/** Decile of a rank among n (1 = most deprived 10%): ceil(10·rank/n), as the IoD defines it. */
export function decileOf(rank: number, n: number): number {
  return Math.max(1, Math.ceil((10 * rank) / n));
}

/**
 * Ranks values so that 1 goes to the "worst" (largest when `largestFirst`), giving tied values the mean of the
 * ranks they span (so two areas tied for 3rd and 4th both get 3.5). Returns ranks in input order.
 */
export function midRanks(values: readonly number[], largestFirst: boolean): number[] {
  const order = values.map((_, index) => index);
  order.sort((a, b) => {
    const va = values[a] ?? 0;
    const vb = values[b] ?? 0;
    return largestFirst ? vb - va : va - vb;
  });
  const ranks = new Array<number>(values.length);
  let start = 0;
  while (start < order.length) {
    const value = values[order[start] ?? 0];
    let end = start + 1;
    while (end < order.length && values[order[end] ?? 0] === value) end++;
    const mid = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k] ?? 0] = mid;
    start = end;
  }
  return ranks;
}

/**
 * Ranks areas by score, highest first (rank 1 = most deprived). Equal scores are ordered by area code, so the
 * result never depends on input order. Returns each input position's rank.
 */
export function rankByScore(scores: ArrayLike<number>, codeOf: (index: number) => string): Int32Array {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    const diff = (scores[b] ?? 0) - (scores[a] ?? 0);
    if (diff !== 0) return diff;
    const ca = codeOf(a);
    const cb = codeOf(b);
    return ca < cb ? -1 : ca > cb ? 1 : 0;
  });
  const rankOf = new Int32Array(n);
  order.forEach((index, position) => {
    rankOf[index] = position + 1;
  });
  return rankOf;
}
