// The statistics behind fair comparison: funnel limits, overdispersion, intervals, inequality and rank
// uncertainty. Pure functions of numbers: no database, no I/O. Methods and the published examples the tests
// check them against are set out in src/scorecards/README.md.
//
// - Proportions: target ± z·√(t(1−t)/n), clamped to 0 … 1 (Spiegelhalter 2005, "Funnel plots for comparing
//   institutional performance", Stat Med 24:1185; the PHE Fingertips method, PHEindicatormethods).
// - Ratios of observed to expected: exact Poisson limits. At expected E the lower limit on the count is the L
//   whose exact upper confidence limit is E (P(L+1, E) = 1 − α/2 with P the regularised lower incomplete gamma
//   function, i.e. E = χ²(1 − α/2; 2L+2)/2), and the upper limit the U whose exact lower limit is E
//   (P(U, E) = α/2). This is PHE's continuous form, so the limits are smooth in E.
// - Overdispersion: Spiegelhalter 2005 ("Handling over-dispersion of performance indicators", Qual Saf Health
//   Care 14:347): z-scores Winsorised at 10% at each end, φ = mean of the Winsorised z², and the additive
//   random-effects variance τ² = (Nφ − (N−1)) / (Σw − Σw²/Σw) with w = 1/s² (0 when Nφ ≤ N−1). Limits become
//   target ± z·√(s² + τ²). Proportions are on their own scale (s² = t(1−t)/n); ratios on the square-root
//   scale, where s = 1/(2√E) whatever the target.
// - Wilson score interval (Wilson 1927; Newcombe 1998, Stat Med 17:857).
// - Slope index of inequality: weighted least-squares slope of the rate on the midpoint of each group's
//   cumulative population share, most deprived first (x = 0 most deprived, 1 least), interval by simulation.
// - Rank uncertainty: each unit's value drawn from its own posterior (Beta(x+1, n−x+1) for a proportion,
//   Gamma(O+1)/E for a ratio) with a seeded generator, so the same input always gives the same intervals.

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;
/** z for a two-sided 99.8% interval. */
export const Z998 = 3.090232306167813;

export type Statistic = 'proportion' | 'ratio';
export type Significance = 'high-99.8' | 'high-95' | 'as-expected' | 'low-95' | 'low-99.8';

export interface Limits {
  readonly lower95: number;
  readonly upper95: number;
  readonly lower998: number;
  readonly upper998: number;
}

// ---------------------------------------------------------------------------------------------------------
// Special functions

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7; about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = LANCZOS[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The regularised lower incomplete gamma function P(a, x) = γ(a, x)/Γ(a), for a > 0, x ≥ 0. */
export function gammaP(a: number, x: number): number {
  if (!(a > 0)) throw new RangeError('gammaP needs a > 0');
  if (x <= 0) return 0;
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    // Series: Σ xⁿ / (a(a+1)…(a+n)).
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 100000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.min(1, sum * front);
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.max(0, 1 - front * h);
}

/**
 * The shape k > 0 with P(k, x) = p. P falls as k grows, so this is a one-dimensional root. A bracket is
 * grown from the normal approximation and closed by the Illinois variant of regula falsi, which needs about
 * eight evaluations for 12 significant digits (fast enough for a million rows).
 */
function shapeFor(x: number, p: number): number {
  const f = (k: number) => gammaP(k, x) - p; // decreasing in k
  const z = normalQuantile(p);
  // Gamma(k) has mean k, sd √k: P(k, x) = p ⇔ x ≈ k + z√k ⇒ √k ≈ (−z + √(z² + 4x)) / 2.
  const root = (-z + Math.sqrt(z * z + 4 * x)) / 2;
  const guess = Math.max(1e-9, root * root);
  const step = Math.max(1, Math.sqrt(guess));
  let lo = Math.max(1e-12, guess - step);
  let hi = guess + step;
  let flo = f(lo);
  let fhi = f(hi);
  for (let i = 0; flo < 0 && i < 200; i++) {
    lo = Math.max(1e-12, lo / 2);
    flo = f(lo);
    if (lo === 1e-12) break;
  }
  for (let i = 0; fhi > 0 && i < 200; i++) {
    hi = hi * 2 + 1;
    fhi = f(hi);
  }
  if (flo <= 0) return lo; // P(k, x) < p even for the smallest shape: the count limit is (about) zero
  let side = 0;
  for (let i = 0; i < 100; i++) {
    const k = (lo * fhi - hi * flo) / (fhi - flo);
    const fk = f(k);
    if (Math.abs(fk) < 1e-14 || hi - lo < 1e-12 * Math.max(1, k)) return k;
    if (fk > 0) {
      lo = k;
      flo = fk;
      if (side === 1) fhi /= 2;
      side = 1;
    } else {
      hi = k;
      fhi = fk;
      if (side === -1) flo /= 2;
      side = -1;
    }
  }
  return (lo + hi) / 2;
}

/** The standard normal quantile (Acklam's rational approximation, refined by one Halley step). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError('normalQuantile needs 0 < p < 1');
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p > 1 - 0.02425) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  }
  // One Halley step against the exact CDF (via erfc) for full double precision.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Complementary error function, through the incomplete gamma function: erfc(x) = Q(1/2, x²). */
function erfc(x: number): number {
  // erfc(x) = Q(1/2, x²) for x ≥ 0.
  if (x < 0) return 2 - erfc(-x);
  return 1 - gammaP(0.5, x * x);
}

// ---------------------------------------------------------------------------------------------------------
// Funnel limits

/** Control limits for a proportion with denominator n around target t (0 ≤ t ≤ 1), clamped to 0 … 1. */
export function proportionLimits(target: number, n: number, tau2 = 0): Limits {
  const s = Math.sqrt((target * (1 - target)) / n + tau2);
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  return {
    lower95: clamp(target - Z95 * s),
    upper95: clamp(target + Z95 * s),
    lower998: clamp(target - Z998 * s),
    upper998: clamp(target + Z998 * s),
  };
}

/** Exact Poisson control limits for the ratio observed/expected at `expected`, around `target` (usually 1). */
export function ratioLimits(target: number, expected: number): Limits {
  // With a target other than 1 the count has mean target·E; the limits on the ratio scale by the same factor.
  return limitsFromShapes(ratioShapes(target * expected), expected);
}

/** The four count shapes behind ratioLimits at mean `mean` (before subtracting 1 and clamping). */
function ratioShapes(mean: number): [number, number, number, number] {
  return [shapeFor(mean, 0.975), shapeFor(mean, 0.025), shapeFor(mean, 0.999), shapeFor(mean, 0.001)];
}

function limitsFromShapes(k: readonly number[], expected: number): Limits {
  return {
    lower95: Math.max(0, k[0]! - 1) / expected,
    upper95: k[1]! / expected,
    lower998: Math.max(0, k[2]! - 1) / expected,
    upper998: k[3]! / expected,
  };
}

const GRID_PER_DECADE = 256;

/**
 * Exact ratio limits for many expected values at once: the shapes are found exactly on a grid of means,
 * 256 a decade, and read between grid points by cubic Lagrange interpolation of ln k against ln mean (the
 * shapes are smooth in the mean; tests hold it to 1e-9 of the direct root). Used when a file has thousands of
 * distinct expected counts, where a root-finding each would take a minute for a million rows.
 */
export function ratioLimitsInterpolator(target: number, minExpected: number, maxExpected: number): (expected: number) => Limits {
  const h = Math.LN10 / GRID_PER_DECADE;
  const u0 = Math.log(target * minExpected) - 2 * h;
  const points = Math.ceil((Math.log(target * maxExpected) - u0) / h) + 3;
  const grid: Float64Array[] = [0, 1, 2, 3].map(() => new Float64Array(points));
  for (let i = 0; i < points; i++) {
    const k = ratioShapes(Math.exp(u0 + i * h));
    for (let j = 0; j < 4; j++) grid[j]![i] = Math.log(k[j]!);
  }
  return (expected) => {
    const t = (Math.log(target * expected) - u0) / h;
    const i = Math.min(points - 3, Math.max(1, Math.floor(t)));
    const f = t - i; // the point sits between grid i and i + 1; interpolate through i−1 … i+2
    const w0 = (-f * (f - 1) * (f - 2)) / 6;
    const w1 = ((f + 1) * (f - 1) * (f - 2)) / 2;
    const w2 = (-(f + 1) * f * (f - 2)) / 2;
    const w3 = ((f + 1) * f * (f - 1)) / 6;
    const k = grid.map((g) => Math.exp(w0 * g[i - 1]! + w1 * g[i]! + w2 * g[i + 1]! + w3 * g[i + 2]!));
    return limitsFromShapes(k, expected);
  };
}

/** Ratio limits widened for overdispersion: on the square-root scale, √t ± z·√(1/(4E) + τ²), squared back. */
export function ratioLimitsOverdispersed(target: number, expected: number, tau2: number): Limits {
  const s = Math.sqrt(1 / (4 * expected) + tau2);
  const root = Math.sqrt(target);
  const back = (v: number) => (v <= 0 ? 0 : v * v);
  return {
    lower95: back(root - Z95 * s),
    upper95: back(root + Z95 * s),
    lower998: back(root - Z998 * s),
    upper998: back(root + Z998 * s),
  };
}

/** Where a value falls against its limits; a value exactly on a limit is within it. */
export function significance(value: number, limits: Limits): Significance {
  if (value > limits.upper998) return 'high-99.8';
  if (value > limits.upper95) return 'high-95';
  if (value < limits.lower998) return 'low-99.8';
  if (value < limits.lower95) return 'low-95';
  return 'as-expected';
}

// ---------------------------------------------------------------------------------------------------------
// Overdispersion

export interface Dispersion {
  /** Mean of the Winsorised squared z-scores: about 1 when the units vary only by chance. */
  readonly phi: number;
  /** Between-unit variance added to each unit's own (0 when Nφ ≤ N − 1). */
  readonly tau2: number;
  /** The z-scores after Winsorising, in input order. */
  readonly winsorised: number[];
}

/**
 * Winsorises z-scores (the ⌊fraction·N⌋ smallest are raised to the next smallest, and likewise at the top),
 * then estimates φ and τ² (Spiegelhalter 2005). `s` is each unit's standard error on the scale of `z`.
 */
export function dispersion(z: readonly number[], s: readonly number[], fraction = 0.1): Dispersion {
  const n = z.length;
  if (n !== s.length) throw new RangeError('dispersion needs one standard error per z-score');
  if (n === 0) return { phi: Number.NaN, tau2: 0, winsorised: [] };
  const sorted = Float64Array.from(z).sort();
  const k = Math.floor(fraction * n);
  const low = sorted[k]!;
  const high = sorted[n - 1 - k]!;
  const winsorised = z.map((v) => Math.min(high, Math.max(low, v)));
  let sumZ2 = 0;
  for (const v of winsorised) sumZ2 += v * v;
  const phi = sumZ2 / n;
  let sumW = 0;
  let sumW2 = 0;
  for (const si of s) {
    const w = 1 / (si * si);
    sumW += w;
    sumW2 += w * w;
  }
  const denominator = sumW - sumW2 / sumW;
  const tau2 = n * phi > n - 1 && denominator > 0 ? (n * phi - (n - 1)) / denominator : 0;
  return { phi, tau2, winsorised };
}

// ---------------------------------------------------------------------------------------------------------
// A whole funnel

export interface FunnelInput {
  readonly unit: string;
  /** Numerator (proportion) or observed count (ratio). */
  readonly numerator: number;
  /** Denominator (proportion) or expected count (ratio); > 0. */
  readonly denominator: number;
}

export interface FunnelRow extends Limits {
  readonly unit: string;
  readonly numerator: number;
  readonly denominator: number;
  readonly value: number;
  readonly significance: Significance;
}

export interface Funnel {
  readonly statistic: Statistic;
  readonly target: number;
  readonly overdispersion: boolean;
  /** φ and τ² when overdispersion was asked for (τ² = 0 means the limits were not widened). */
  readonly phi: number | null;
  readonly tau2: number | null;
  readonly rows: FunnelRow[];
}

export interface FunnelOptions {
  readonly statistic: Statistic;
  /** Defaults to the pooled value: Σ numerator / Σ denominator. */
  readonly target?: number;
  readonly overdispersion?: boolean;
}

/** Above this many rows, exact ratio limits come from ratioLimitsInterpolator. */
export const INTERPOLATE_ABOVE = 2000;

/** The limits of a funnel at any denominator: the curves a chart draws and the points are judged against. */
export function limitsFunction(statistic: Statistic, target: number, tau2: number): (denominator: number) => Limits {
  if (statistic === 'proportion') return (n) => proportionLimits(target, n, tau2);
  return tau2 > 0 ? (e) => ratioLimitsOverdispersed(target, e, tau2) : (e) => ratioLimits(target, e);
}

/** Pooled value Σ numerator / Σ denominator. */
export function pooled(rows: readonly FunnelInput[]): number {
  let num = 0;
  let den = 0;
  for (const r of rows) {
    num += r.numerator;
    den += r.denominator;
  }
  return num / den;
}

/**
 * Funnel limits and significance for every unit. Inputs must already be valid (finite, numerator ≥ 0,
 * denominator > 0, and numerator ≤ denominator for a proportion): the CSV reader checks them row by row.
 */
export function funnel(rows: readonly FunnelInput[], options: FunnelOptions): Funnel {
  const target = options.target ?? pooled(rows);
  const proportion = options.statistic === 'proportion';
  let tau2 = 0;
  let phi: number | null = null;
  if (options.overdispersion && rows.length > 1) {
    const z = new Array<number>(rows.length);
    const s = new Array<number>(rows.length);
    rows.forEach((r, i) => {
      if (proportion) {
        s[i] = Math.sqrt((target * (1 - target)) / r.denominator);
        z[i] = (r.numerator / r.denominator - target) / s[i]!;
      } else {
        s[i] = 1 / (2 * Math.sqrt(r.denominator));
        z[i] = (Math.sqrt(r.numerator / r.denominator) - Math.sqrt(target)) / s[i]!;
      }
    });
    const d = dispersion(z, s);
    phi = d.phi;
    tau2 = Number.isFinite(d.tau2) ? d.tau2 : 0;
  }
  // Exact limits cost a root-finding each: with many distinct expected counts, read them from a grid.
  let exact: (expected: number) => Limits = (e) => ratioLimits(target, e);
  if (!proportion && tau2 === 0 && rows.length > INTERPOLATE_ABOVE) {
    let min = Infinity;
    let max = 0;
    for (const r of rows) {
      if (r.denominator < min) min = r.denominator;
      if (r.denominator > max) max = r.denominator;
    }
    exact = ratioLimitsInterpolator(target, min, max);
  }
  const limitsAt = proportion || tau2 > 0 ? limitsFunction(options.statistic, target, tau2) : exact;
  const out = rows.map((r) => {
    const value = r.numerator / r.denominator;
    const limits = limitsAt(r.denominator);
    return { unit: r.unit, numerator: r.numerator, denominator: r.denominator, value, ...limits, significance: significance(value, limits) };
  });
  return { statistic: options.statistic, target, overdispersion: options.overdispersion === true, phi, tau2: options.overdispersion ? tau2 : null, rows: out };
}

// ---------------------------------------------------------------------------------------------------------
// Wilson interval

/** Wilson score interval for x successes out of n (n > 0); z defaults to 95%. */
export function wilson(x: number, n: number, z = Z95): { lower: number; upper: number } {
  if (!(n > 0)) throw new RangeError('wilson needs n > 0');
  const p = x / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const denominator = 1 + z2 / n;
  return { lower: Math.max(0, (centre - spread) / denominator), upper: Math.min(1, (centre + spread) / denominator) };
}

// ---------------------------------------------------------------------------------------------------------
// Seeded random numbers

/** A deterministic generator (mulberry32): the same seed gives the same stream on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function standardNormal(random: () => number): number {
  let u = random();
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A Gamma(shape, 1) draw (Marsaglia and Tsang 2000; shapes below 1 boosted by U^(1/shape)). */
export function gammaDraw(shape: number, random: () => number): number {
  if (shape < 1) {
    let u = random();
    while (u === 0) u = random();
    return gammaDraw(shape + 1, random) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Slope index of inequality

export interface InequalityGroup {
  /** Events or people counted in the group (e.g. people a service reached). */
  readonly count: number;
  /** The group's population (> 0). */
  readonly population: number;
}

export interface SlopeIndex {
  /** Fitted rate at the least deprived end minus the most deprived end, per `multiplier` people. */
  readonly sii: number;
  readonly lower95: number;
  readonly upper95: number;
}

function weightedSlope(x: readonly number[], y: readonly number[], w: readonly number[]): number {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    sw += w[i]!;
    sx += w[i]! * x[i]!;
    sy += w[i]! * y[i]!;
  }
  const mx = sx / sw;
  const my = sy / sw;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += w[i]! * (x[i]! - mx) * (y[i]! - my);
    sxx += w[i]! * (x[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

/**
 * Slope index of inequality across groups given most deprived first (e.g. deciles 1 … 10). Each group sits
 * at the midpoint of its cumulative population share; the rate count/population (× multiplier) is regressed
 * on it, weighted by population. Positive: the rate rises towards the least deprived (reach favours the
 * better off). The interval comes from `simulations` seeded Poisson-like draws of each group's count.
 */
export function slopeIndex(groups: readonly InequalityGroup[], options: { multiplier?: number; simulations?: number; seed?: number } = {}): SlopeIndex {
  if (groups.length < 2) throw new RangeError('a slope index needs at least two groups');
  const multiplier = options.multiplier ?? 1;
  const total = groups.reduce((n, g) => n + g.population, 0);
  const x: number[] = [];
  let cumulative = 0;
  for (const g of groups) {
    x.push((cumulative + g.population / 2) / total);
    cumulative += g.population;
  }
  const w = groups.map((g) => g.population);
  const rate = (count: number, g: InequalityGroup) => (count / g.population) * multiplier;
  const sii = weightedSlope(x, groups.map((g) => rate(g.count, g)), w);
  const random = seededRandom(options.seed ?? 1);
  const simulations = options.simulations ?? 1000;
  const draws = new Float64Array(simulations);
  for (let k = 0; k < simulations; k++) {
    // Gamma(count + 0.5) is a smooth stand-in for the Poisson uncertainty of a count (Jeffreys).
    draws[k] = weightedSlope(x, groups.map((g) => rate(gammaDraw(g.count + 0.5, random), g)), w);
  }
  draws.sort();
  return { sii, lower95: quantileSorted(draws, 0.025), upper95: quantileSorted(draws, 0.975) };
}

function quantileSorted(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

// ---------------------------------------------------------------------------------------------------------
// Rank uncertainty

export interface RankInterval {
  readonly unit: string;
  /** 1 = the highest value. */
  readonly rank: number;
  readonly lower95: number;
  readonly upper95: number;
  /** Share of simulations in which the unit fell in the lowest-valued ⌈N/10⌉ ranks. */
  readonly bottomDecileProbability: number;
}

/**
 * Ranks with 95% intervals by simulation from each unit's own uncertainty. Deterministic for a seed. Rank 1
 * is the highest value; ties in the observed values share the better rank.
 */
export function rankIntervals(rows: readonly FunnelInput[], statistic: Statistic, options: { simulations?: number; seed?: number } = {}): RankInterval[] {
  const n = rows.length;
  const simulations = options.simulations ?? 1000;
  const random = seededRandom(options.seed ?? 1);
  const bottom = Math.ceil(n / 10);
  const ranks = rows.map(() => new Float64Array(simulations));
  const inBottom = new Uint32Array(n);
  const values = new Float64Array(n);
  const ascending = new Float64Array(n);
  for (let k = 0; k < simulations; k++) {
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      if (statistic === 'proportion') {
        const a = gammaDraw(r.numerator + 1, random);
        const b = gammaDraw(r.denominator - r.numerator + 1, random);
        values[i] = a / (a + b);
      } else {
        values[i] = gammaDraw(r.numerator + 1, random) / r.denominator;
      }
    }
    // Each unit's place, highest first, is the number of values above its own: a native numeric sort and a
    // binary search a unit (a comparator sort of the units was most of the time at thousands of units). Draws
    // are continuous, so values are distinct and this is the place a sort of the units would give.
    ascending.set(values);
    ascending.sort();
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      let lo = 0, hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ascending[mid]! <= v) lo = mid + 1; else hi = mid;
      }
      const position = n - lo;
      ranks[i]![k] = position + 1;
      if (position >= n - bottom) inBottom[i]!++;
    }
  }
  const observed = rows.map((r) => r.numerator / r.denominator);
  return rows.map((r, i) => {
    const sorted = ranks[i]!.sort();
    const rank = 1 + observed.filter((v) => v > observed[i]!).length;
    return {
      unit: r.unit,
      rank,
      lower95: Math.round(quantileSorted(sorted, 0.025)),
      upper95: Math.round(quantileSorted(sorted, 0.975)),
      bottomDecileProbability: inBottom[i]! / simulations,
    };
  });
}
