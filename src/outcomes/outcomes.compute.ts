// Pure arithmetic for outcomes contracts: return on investment from dated cash flows (XIRR), comparison-group
// triggers, and splitting a payment among payers by their shares. No database, no I/O.

const dayMs = 86_400_000;

/** Days from `from` to `to` (both 'YYYY-MM-DD'), counted in UTC so no clock change moves a day. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / dayMs);
}

export interface CashFlow {
  /** 'YYYY-MM-DD' */
  on: string;
  /** Integer pence from the investor's side: negative when the investor pays out, positive when repaid. */
  pence: number;
}

/**
 * The annual internal rate of return of dated cash flows (the XIRR convention: a year is 365 days, and the
 * rate r makes Σ pence_i / (1 + r)^(days_i / 365) = 0, days counted from the earliest flow). Null when there
 * is no rate: flows all of one sign, or none. Money stays in integer pence; only the rate is a float.
 */
export function xirr(flows: readonly CashFlow[]): number | null {
  if (!flows.some((f) => f.pence < 0) || !flows.some((f) => f.pence > 0)) return null;
  const start = flows.map((f) => f.on).sort()[0]!;
  const points = flows.map((f) => ({ t: daysBetween(start, f.on) / 365, v: f.pence }));
  const npv = (r: number) => points.reduce((s, p) => s + p.v / Math.pow(1 + r, p.t), 0);
  // Bisection between a total loss and a very large gain: slow but certain, and the flows are few.
  let lo = -0.999999;
  let hi = 1;
  while (Math.sign(npv(lo)) === Math.sign(npv(hi)) && hi < 1e6) hi *= 10;
  const fLo = npv(lo);
  if (Math.sign(fLo) === Math.sign(npv(hi))) return null;
  let a = lo;
  let b = hi;
  let fa = fLo;
  for (let i = 0; i < 300 && b - a > 1e-12; i++) {
    const m = (a + b) / 2;
    const fm = npv(m);
    if (fm === 0) return m;
    if (Math.sign(fm) === Math.sign(fa)) {
      a = m;
      fa = fm;
    } else {
      b = m;
    }
  }
  return (a + b) / 2;
}

export interface ComparisonFigures {
  cohortSize: number;
  cohortEvents: number;
  comparisonSize: number;
  comparisonEvents: number;
  /** Whether fewer events is better (reconvictions) or more (people in work). */
  better: 'lower' | 'higher';
  /** The improvement the contract pays for, relative to the comparison group's rate: 1000 = 10%. */
  thresholdBasisPoints: number;
}

export interface ComparisonResult {
  /** Rates as exact fractions, and as basis points rounded down, for display. */
  cohortRateBasisPoints: number;
  comparisonRateBasisPoints: number;
  /** How much better the cohort did, relative to the comparison group's rate (basis points, rounded toward zero); null when the comparison rate is zero. */
  improvementBasisPoints: number | null;
  triggerMet: boolean;
}

/**
 * Whether a cohort beat its comparison group by the threshold, in exact integer arithmetic (no rounding
 * can tip a result). For `lower`: cohortEvents/cohortSize ≤ comparisonEvents/comparisonSize × (1 − threshold),
 * i.e. cohortEvents × comparisonSize × 10000 ≤ comparisonEvents × cohortSize × (10000 − threshold).
 */
export function comparisonTrigger(f: ComparisonFigures): ComparisonResult {
  const te = BigInt(f.cohortEvents);
  const tn = BigInt(f.cohortSize);
  const ce = BigInt(f.comparisonEvents);
  const cn = BigInt(f.comparisonSize);
  const thr = BigInt(f.thresholdBasisPoints);
  const left = te * cn * 10000n;
  const triggerMet = f.better === 'lower' ? left <= ce * tn * (10000n - thr) : left >= ce * tn * (10000n + thr);
  const improvement = ce === 0n ? null
    : Number(((f.better === 'lower' ? ce * tn - te * cn : te * cn - ce * tn) * 10000n) / (ce * tn));
  return {
    cohortRateBasisPoints: Number((te * 10000n) / tn),
    comparisonRateBasisPoints: Number((ce * 10000n) / cn),
    improvementBasisPoints: improvement,
    triggerMet,
  };
}

/**
 * Splits integer pence among payers by their shares (basis points adding up to 10000) so the parts add up
 * exactly: each gets the whole pence of its share, and the pence left over go one each to the largest
 * remainders (ties to the larger share, then the earlier payer).
 */
export function splitByShares<T extends { shareBasisPoints: number }>(pence: number, payers: readonly T[]): (T & { pence: number })[] {
  const total = BigInt(pence);
  const parts = payers.map((p, i) => {
    const exact = total * BigInt(p.shareBasisPoints);
    return { p, i, whole: exact / 10000n, remainder: exact % 10000n };
  });
  let left = total - parts.reduce((s, x) => s + x.whole, 0n);
  const order = [...parts].sort((a, b) => (b.remainder === a.remainder ? (b.p.shareBasisPoints - a.p.shareBasisPoints) || a.i - b.i : b.remainder > a.remainder ? 1 : -1));
  const extra = new Map<number, bigint>();
  for (const x of order) {
    if (left <= 0n) break;
    extra.set(x.i, 1n);
    left -= 1n;
  }
  return parts.map((x) => ({ ...x.p, pence: Number(x.whole + (extra.get(x.i) ?? 0n)) }));
}

/** Pence as pounds for messages: 123456 → "£1,234.56". */
export function poundsText(pence: number): string {
  const sign = pence < 0 ? '-' : '';
  const abs = Math.abs(pence);
  return `${sign}£${Math.floor(abs / 100).toLocaleString('en-GB')}.${String(abs % 100).padStart(2, '0')}`;
}

/** Reads an amount typed in pounds ("1,250.50", "£300") as integer pence, exactly; null if it is not money. */
export function parsePounds(input: string): number | null {
  const m = /^£?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(input.trim());
  if (!m) return null;
  const pence = BigInt(m[1]!.replace(/,/g, '')) * 100n + BigInt((m[2] ?? '0').padEnd(2, '0'));
  return pence <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(pence) : null;
}
