import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Z95,
  Z998,
  dispersion,
  funnel,
  gammaP,
  normalQuantile,
  pooled,
  proportionLimits,
  rankIntervals,
  ratioLimits,
  ratioLimitsInterpolator,
  significance,
  slopeIndex,
  wilson,
} from './scorecards.stats.ts';

function close(actual: number, expected: number, relative: number, what = ''): void {
  const scale = Math.max(Math.abs(expected), 1e-12);
  assert.ok(Math.abs(actual - expected) / scale <= relative, `${what} ${actual} is not within ${relative} of ${expected}`);
}

describe('special functions', () => {
  it('gives the normal quantiles behind 95% and 99.8% limits', () => {
    close(normalQuantile(0.975), Z95, 1e-12);
    close(normalQuantile(0.999), Z998, 1e-12);
    close(normalQuantile(0.5) + 1, 1, 1e-12);
  });

  it('agrees with the closed forms of the incomplete gamma function', () => {
    // P(1, x) = 1 − e^(−x); P(2, x) = 1 − (1 + x)e^(−x).
    for (const x of [0.001, 0.5, 3, 20, 80]) {
      close(gammaP(1, x), 1 - Math.exp(-x), 1e-12, `P(1, ${x})`);
      // (the closed form itself loses digits to cancellation for tiny x)
      if (x >= 0.5) close(gammaP(2, x), 1 - (1 + x) * Math.exp(-x), 1e-11, `P(2, ${x})`);
    }
  });
});

describe('funnel limits for proportions', () => {
  // PHEindicatormethods tests/testthat/testdata_funnel_prop_outputs.csv (UKHSA, published with the package):
  // baseline 80.642448%, limits in % for populations 102, 1008 and 110000, and 18 where the upper limit is
  // cut at 100%.
  const t = 0.80642448;
  const published: [number, number, number, number, number][] = [
    [102, 72.974925, 88.309971, 68.553233, 92.731663],
    [1008, 78.203374, 83.081521, 76.796814, 84.488082],
    [110000, 80.408963, 80.875933, 80.274317, 81.010578],
    [18, 62.390093, 98.894803, 51.864359, 100],
    [2, 25.885383, 100, 0, 100],
  ];
  for (const [n, lower95, upper95, lower998, upper998] of published) {
    it(`matches PHE's published limits at n = ${n}`, () => {
      const l = proportionLimits(t, n);
      close(l.lower95 * 100, lower95, 1e-6, 'lower95');
      close(l.upper95 * 100, upper95, 1e-6, 'upper95');
      if (lower998 === 0) assert.equal(l.lower998, 0);
      else close(l.lower998 * 100, lower998, 1e-6, 'lower998');
      close(l.upper998 * 100, upper998, 1e-6, 'upper998');
    });
  }
});

describe('exact Poisson limits for ratios', () => {
  // PHEindicatormethods tests/testthat/testdata_funnel_ratio_outputs.csv: for an observed count O, the
  // expected count at which O sits on each limit and the ratio there (×100). PHE's own figures carry about
  // six significant digits, so the comparison is to 1e-5.
  const published: { expected: number; limit: 'lower95' | 'upper95' | 'lower998' | 'upper998'; ratio: number }[] = [
    { expected: 5.571644585, limit: 'lower95', ratio: 0.1794802207 },
    { expected: 0.025317898, limit: 'upper95', ratio: 39.49774946 },
    { expected: 9.233410143, limit: 'lower998', ratio: 0.1083023482 },
    { expected: 121.6268111, limit: 'lower95', ratio: 0.8221871402 },
    { expected: 81.36400699, limit: 'upper95', ratio: 1.229044681 },
    { expected: 134.9243187, limit: 'lower998', ratio: 0.7411562345 },
    { expected: 71.92139974, limit: 'upper998', ratio: 1.390406755 },
    { expected: 770.4222128, limit: 'lower95', ratio: 0.9293605352 },
    { expected: 636.1521174, limit: 'upper998', ratio: 1.125516964 },
  ];
  for (const p of published) {
    it(`matches PHE at expected ${p.expected} (${p.limit})`, () => {
      close(ratioLimits(1, p.expected)[p.limit], p.ratio, 1e-5);
    });
  }

  it('is exact where the Poisson limit has a closed form', () => {
    // One event: its exact lower confidence limit is −ln(0.975), so at that expected count U = 1.
    const e = -Math.log(0.975);
    close(ratioLimits(1, e).upper95, 1 / e, 1e-10);
    // Below −ln(0.025) even zero events are not unusually low: the lower limit is 0.
    assert.equal(ratioLimits(1, 3.6).lower95, 0);
    assert.ok(ratioLimits(1, 3.8).lower95 > 0);
  });

  it('scales with a target other than 1', () => {
    const one = ratioLimits(1, 200);
    const half = ratioLimits(0.5, 400);
    close(half.upper95, one.upper95 / 2, 1e-9);
    close(half.lower998, one.lower998 / 2, 1e-9);
  });

  it('reads the same limits from the interpolation grid as from the roots', () => {
    const grid = ratioLimitsInterpolator(1, 0.01, 2e6);
    for (const e of [0.01, 0.3, 3.7, 12.5, 99.9, 4321, 1.5e6, 2e6]) {
      const direct = ratioLimits(1, e);
      const read = grid(e);
      for (const k of ['lower95', 'upper95', 'lower998', 'upper998'] as const) {
        assert.ok(Math.abs(direct[k] - read[k]) <= 1e-9 * Math.max(1, direct[k]), `${k} at ${e}: ${read[k]} vs ${direct[k]}`);
      }
    }
  });
});

describe('significance', () => {
  const limits = { lower95: 0.4, upper95: 0.6, lower998: 0.3, upper998: 0.7 };
  it('names the band a value falls in, a value on a limit being within it', () => {
    assert.equal(significance(0.71, limits), 'high-99.8');
    assert.equal(significance(0.7, limits), 'high-95');
    assert.equal(significance(0.6, limits), 'as-expected');
    assert.equal(significance(0.39, limits), 'low-95');
    assert.equal(significance(0.29, limits), 'low-99.8');
  });
});

describe('overdispersion', () => {
  it('reproduces FunnelPlotR\'s published φ', () => {
    // FunnelPlotR tests/testthat/test-classes_methods.R: observed 100, 150, 180, 80, 120, 225 against expected
    // 108, 112, 165, 95, 100, 220 give φ = 2.948033 (log-scale z-scores; six units, so 10% Winsorising moves
    // none of them).
    const o = [100, 150, 180, 80, 120, 225];
    const e = [108, 112, 165, 95, 100, 220];
    const z = o.map((v, i) => Math.log(v / e[i]!) * Math.sqrt(e[i]!));
    const d = dispersion(z, e.map((v) => 1 / Math.sqrt(v)));
    assert.equal(Math.round(d.phi * 1e6) / 1e6, 2.948033);
    // τ² by the DerSimonian–Laird formula from that φ: (6φ − 5) / (Σw − Σw²/Σw), w = E.
    const sw = e.reduce((a, b) => a + b, 0);
    const sw2 = e.reduce((a, b) => a + b * b, 0);
    close(d.tau2, (6 * d.phi - 5) / (sw - sw2 / sw), 1e-12);
  });

  it('Winsorises the 10% at each end to the next value in', () => {
    const z = Array.from({ length: 20 }, (_, i) => i - 10); // −10 … 9; two at each end move
    z[0] = -1000;
    z[19] = 1000;
    const d = dispersion(z, z.map(() => 1));
    assert.deepEqual(d.winsorised.slice(0, 3), [-8, -8, -8]);
    assert.deepEqual(d.winsorised.slice(-3), [7, 7, 7]);
  });

  it('leaves the limits alone when units vary no more than chance (τ² = 0)', () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ unit: `u${i}`, numerator: 50 + (i % 3) - 1, denominator: 100 }));
    const f = funnel(rows, { statistic: 'proportion', overdispersion: true });
    assert.equal(f.tau2, 0);
    const plain = funnel(rows, { statistic: 'proportion' });
    assert.deepEqual(f.rows.map((r) => r.upper95), plain.rows.map((r) => r.upper95));
  });

  it('widens the limits when units vary more than chance, so fewer are flagged', () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ unit: `u${i}`, numerator: 300 + (i % 10) * 40, denominator: 1000 }));
    const plain = funnel(rows, { statistic: 'proportion' });
    const wide = funnel(rows, { statistic: 'proportion', overdispersion: true });
    assert.ok(wide.phi! > 1 && wide.tau2! > 0);
    assert.ok(wide.rows[0]!.upper95 > plain.rows[0]!.upper95);
    const flagged = (f: typeof plain) => f.rows.filter((r) => r.significance !== 'as-expected').length;
    assert.ok(flagged(wide) < flagged(plain), `${flagged(wide)} flagged after widening, ${flagged(plain)} before`);
    const ratio = funnel(rows.map((r) => ({ ...r, denominator: 480 })), { statistic: 'ratio', overdispersion: true });
    assert.ok(ratio.tau2! > 0);
    assert.ok(ratio.rows[0]!.upper95 > ratioLimits(ratio.target, 480).upper95);
  });
});

describe('funnel', () => {
  it('defaults the target to the pooled value and flags the unusual unit', () => {
    const rows = [
      { unit: 'A', numerator: 50, denominator: 100 },
      { unit: 'B', numerator: 500, denominator: 1000 },
      { unit: 'C', numerator: 900, denominator: 1000 },
      { unit: 'D', numerator: 4, denominator: 10 },
    ];
    const f = funnel(rows, { statistic: 'proportion' });
    close(f.target, pooled(rows), 1e-15);
    close(f.target, 1454 / 2110, 1e-15);
    assert.equal(f.rows.find((r) => r.unit === 'C')!.significance, 'high-99.8');
    assert.equal(f.rows.find((r) => r.unit === 'B')!.significance, 'low-99.8');
    // D is far below the target but from ten cases: only just outside the 95% limit.
    assert.equal(f.rows.find((r) => r.unit === 'D')!.significance, 'low-95');
  });

  it('uses the target it is given', () => {
    const f = funnel([{ unit: 'A', numerator: 10, denominator: 12 }], { statistic: 'ratio', target: 1 });
    assert.equal(f.target, 1);
    close(f.rows[0]!.upper95, ratioLimits(1, 12).upper95, 1e-15);
  });
});

describe('Wilson interval', () => {
  // Newcombe (1998), Stat Med 17:857, Table II, method 3 (score interval without continuity correction).
  const published: [number, number, number, number][] = [
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ];
  for (const [x, n, lower, upper] of published) {
    it(`matches Newcombe's ${x}/${n}`, () => {
      const w = wilson(x, n);
      assert.equal(Number(w.lower.toFixed(4)), lower);
      assert.equal(Number(w.upper.toFixed(4)), upper);
    });
  }
  it('refuses an empty denominator', () => {
    assert.throws(() => wilson(0, 0), RangeError);
  });
});

describe('slope index of inequality', () => {
  it('is the slope across the population from most to least deprived', () => {
    // Rates 10, 20, … 100 per person across ten equal deciles: midpoints 0.05 … 0.95, slope 90 / 0.9 = 100.
    const groups = Array.from({ length: 10 }, (_, i) => ({ count: (i + 1) * 10 * 1000, population: 1000 }));
    const s = slopeIndex(groups);
    close(s.sii, 100, 1e-12);
    assert.ok(s.lower95 < 100 && s.upper95 > 100);
  });

  it('weights groups by population', () => {
    // Two groups: 90% of people at rate 1 (midpoint 0.45), 10% at rate 2 (midpoint 0.95): slope 1 / 0.5.
    const s = slopeIndex([{ count: 9000, population: 9000 }, { count: 2000, population: 1000 }]);
    close(s.sii, 2, 1e-12);
  });

  it('is about zero when reach is even, and its interval says so', () => {
    const s = slopeIndex(Array.from({ length: 10 }, () => ({ count: 40, population: 1000 })), { multiplier: 1000 });
    close(s.sii + 1, 1, 1e-9);
    assert.ok(s.lower95 < 0 && s.upper95 > 0);
  });
});

describe('rank intervals', () => {
  const rows = [
    { unit: 'big-good', numerator: 900, denominator: 1000 },
    { unit: 'big-poor', numerator: 600, denominator: 1000 },
    { unit: 'tiny', numerator: 2, denominator: 4 },
    ...Array.from({ length: 17 }, (_, i) => ({ unit: `mid${i}`, numerator: 700 + i * 5, denominator: 1000 })),
  ];

  it('gives the same intervals for the same seed, and others for another', () => {
    const a = rankIntervals(rows, 'proportion', { seed: 7, simulations: 300 });
    const b = rankIntervals(rows, 'proportion', { seed: 7, simulations: 300 });
    assert.deepEqual(a, b);
    const c = rankIntervals(rows, 'proportion', { seed: 8, simulations: 300 });
    assert.notDeepEqual(a.map((r) => r.bottomDecileProbability), c.map((r) => r.bottomDecileProbability));
  });

  it('gives a small unit a wide interval and a large clear one a narrow interval', () => {
    const r = rankIntervals(rows, 'proportion', { seed: 1, simulations: 500 });
    const tiny = r.find((x) => x.unit === 'tiny')!;
    const best = r.find((x) => x.unit === 'big-good')!;
    const poor = r.find((x) => x.unit === 'big-poor')!;
    assert.equal(best.rank, 1);
    assert.deepEqual([best.lower95, best.upper95], [1, 1]);
    assert.ok(tiny.upper95 - tiny.lower95 >= 5, `tiny ${tiny.lower95}–${tiny.upper95}`);
    // Ranked 20th of 20 by its observed value alike, but only the large unit is surely in the bottom decile.
    assert.ok(poor.bottomDecileProbability > 0.9);
    assert.ok(tiny.bottomDecileProbability < 0.9);
  });
});
