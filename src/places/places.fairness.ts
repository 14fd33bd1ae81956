// The fairness lens: does money, time or service reach the people most in need? Amounts attached to small
// areas (integer pence as bigint, integer minutes, people served — never floats) are summed exactly per
// national deprivation decile and set against each decile's share of the population.
//
// Concentration index. We report the standard concentration index for grouped data (Kakwani, Wagstaff and
// van Doorslaer, 1997), with people ordered from most to least deprived by the decile of the area they live
// in: C = 1 − Σₖ pₖ·(Lₖ + Lₖ₋₁), where pₖ is decile k's share of the population and Lₖ the cumulative share
// of the amount reaching deciles 1..k (L₀ = 0). It is 1 − 2 × the area under the concentration curve.
// C = 0 when every decile gets exactly its population share; C < 0 when the amount is concentrated in the
// most deprived deciles (the curve lies above the diagonal), down to −1; C > 0 when it favours the least
// deprived. People within a decile are treated as equally deprived, so C describes between-decile
// inequality only.
//
// Shares are exact ratios of integer sums converted to numbers at the end (12 significant decimal places).

/** An amount: a bigint, or a number that must be a safe integer (minutes, people). */
export type Amount = bigint | number;

/** Where an area sits nationally and how many people live there (the reference population). */
export interface AreaNeed {
  readonly decile: number;
  readonly population: number;
}

export interface DecileShare {
  /** 1 = most deprived 10% nationally. */
  readonly decile: number;
  readonly amount: bigint;
  /** Share of the matched total reaching this decile, 0 … 1. */
  readonly share: number;
  readonly population: number;
  /** This decile's share of the reference population. */
  readonly populationShare: number;
}

export interface BandShare {
  readonly amount: bigint;
  readonly share: number;
  readonly populationShare: number;
}

export interface FairnessReport {
  /** Sum of amounts for areas found in `areas`. */
  readonly total: bigint;
  /** Amounts whose area code is unknown, summed per code and sorted by code: left out of every share. */
  readonly unmatched: { readonly areaCode: string; readonly amount: bigint }[];
  readonly unmatchedTotal: bigint;
  /** Always ten entries, decile 1 first. */
  readonly deciles: DecileShare[];
  readonly mostDeprived10: BandShare;
  readonly mostDeprived20: BandShare;
  /** Grouped concentration index (see the module comment); negative = concentrated in deprived deciles. */
  readonly concentrationIndex: number;
  /** One sentence a person can read without knowing what a concentration index is. */
  readonly verdict: string;
}

const SCALE = 10n ** 12n;

function ratio(part: bigint, whole: bigint): number {
  if (whole === 0n) return 0;
  return Number((part * SCALE) / whole) / Number(SCALE);
}

function toBigInt(amount: Amount, areaCode: string): bigint {
  if (typeof amount === 'bigint') return amount;
  if (!Number.isSafeInteger(amount)) {
    throw new RangeError(`amount for ${areaCode} must be a whole number (integer pence, minutes or people), not ${amount}`);
  }
  return BigInt(amount);
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** The verdict: thresholds of ±0.05 on the concentration index separate "in line with population" from a lean. */
function verdictFor(ci: number, band: BandShare): string {
  const reach = `${percent(band.share)} reached the most deprived 20% of areas, home to ${percent(band.populationShare)} of the people`;
  if (ci <= -0.05) return `Reaches the most deprived areas more than their share of population: ${reach}.`;
  if (ci >= 0.05) return `Favours less deprived areas: ${reach}.`;
  return `Spread roughly in line with population across deprivation deciles: ${reach}.`;
}

/**
 * Reports how `amounts` (area code → integer amount; repeated codes are summed) are shared across national
 * deprivation deciles, against the population of `areas` (area code → decile and population: the reference,
 * usually all of England or all of Scotland). Throws RangeError for a non-integer amount, a decile outside
 * 1..10, a negative or non-integer population, or a matched total that is not above zero.
 */
export function fairness(
  amounts: Iterable<readonly [string, Amount]> | ReadonlyMap<string, Amount>,
  areas: ReadonlyMap<string, AreaNeed>,
): FairnessReport {
  const people = new Array<number>(11).fill(0);
  for (const [code, area] of areas) {
    if (!(Number.isInteger(area.decile) && area.decile >= 1 && area.decile <= 10)) {
      throw new RangeError(`area ${code} has decile ${area.decile}; expected 1 to 10`);
    }
    if (!(Number.isSafeInteger(area.population) && area.population >= 0)) {
      throw new RangeError(`area ${code} has population ${area.population}; expected a whole number of people`);
    }
    people[area.decile] = (people[area.decile] ?? 0) + area.population;
  }
  const totalPeople = people.reduce((sum, p) => sum + p, 0);
  if (totalPeople <= 0) throw new RangeError('the reference areas have no population');

  const byDecile = new Array<bigint>(11).fill(0n);
  const unmatched = new Map<string, bigint>();
  for (const [code, raw] of amounts) {
    const amount = toBigInt(raw, code);
    const area = areas.get(code);
    if (area === undefined) unmatched.set(code, (unmatched.get(code) ?? 0n) + amount);
    else byDecile[area.decile] = (byDecile[area.decile] ?? 0n) + amount;
  }
  const total = byDecile.reduce((sum, a) => sum + a, 0n);
  if (total <= 0n) throw new RangeError('the amounts reaching known areas must add up to more than zero');

  const deciles: DecileShare[] = [];
  for (let d = 1; d <= 10; d++) {
    const amount = byDecile[d] ?? 0n;
    const population = people[d] ?? 0;
    deciles.push({ decile: d, amount, share: ratio(amount, total), population, populationShare: population / totalPeople });
  }

  const band = (upTo: number): BandShare => {
    const inBand = deciles.filter((d) => d.decile <= upTo);
    const amount = inBand.reduce((sum, d) => sum + d.amount, 0n);
    const population = inBand.reduce((sum, d) => sum + d.population, 0);
    return { amount, share: ratio(amount, total), populationShare: population / totalPeople };
  };

  // Cumulative amounts stay exact; only each L is rounded, once.
  let cumulative = 0n;
  let previousL = 0;
  let areaTerm = 0;
  for (const d of deciles) {
    cumulative += d.amount;
    const l = ratio(cumulative, total);
    areaTerm += d.populationShare * (l + previousL);
    previousL = l;
  }
  const concentrationIndex = 1 - areaTerm;
  const mostDeprived20 = band(2);
  const unmatchedRows = [...unmatched.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([areaCode, amount]) => ({ areaCode, amount }));
  return {
    total,
    unmatched: unmatchedRows,
    unmatchedTotal: unmatchedRows.reduce((sum, row) => sum + row.amount, 0n),
    deciles,
    mostDeprived10: band(1),
    mostDeprived20,
    concentrationIndex,
    verdict: verdictFor(concentrationIndex, mostDeprived20),
  };
}
