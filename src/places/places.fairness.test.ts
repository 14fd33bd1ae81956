import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computeImd } from './places.imd.ts';
import { fairness, type AreaNeed } from './places.fairness.ts';
import { loadIod2019Domains, loadIod2019Population } from './places.test-data.ts';

// Reference population: a1 in decile 1 (100 people), a2 in decile 2 (100), a3 in decile 10 (200).
const areas = new Map<string, AreaNeed>([
  ['a1', { decile: 1, population: 100 }],
  ['a2', { decile: 2, population: 100 }],
  ['a3', { decile: 10, population: 200 }],
]);

describe('fairness', () => {
  it('shares amounts across deciles as worked by hand, with exact sums', () => {
    // Pence: a1 gets 500 + 100 = 600, a2 300, a3 100; 50 goes to an unknown area.
    const report = fairness(
      [
        ['a1', 500n],
        ['a2', 300n],
        ['a1', 100],
        ['a3', 100n],
        ['zz', 50n],
      ],
      areas,
    );
    assert.equal(report.total, 1000n);
    assert.deepEqual(report.unmatched, [{ areaCode: 'zz', amount: 50n }]);
    assert.equal(report.unmatchedTotal, 50n);
    assert.equal(report.deciles.length, 10);
    assert.deepEqual(
      report.deciles.map((d) => [d.decile, d.amount, d.share, d.population, d.populationShare]),
      [
        [1, 600n, 0.6, 100, 0.25],
        [2, 300n, 0.3, 100, 0.25],
        [3, 0n, 0, 0, 0],
        [4, 0n, 0, 0, 0],
        [5, 0n, 0, 0, 0],
        [6, 0n, 0, 0, 0],
        [7, 0n, 0, 0, 0],
        [8, 0n, 0, 0, 0],
        [9, 0n, 0, 0, 0],
        [10, 100n, 0.1, 200, 0.5],
      ],
    );
    assert.deepEqual(report.mostDeprived10, { amount: 600n, share: 0.6, populationShare: 0.25 });
    assert.deepEqual(report.mostDeprived20, { amount: 900n, share: 0.9, populationShare: 0.5 });
    // Cumulative amount shares L: 0.6, 0.9 (deciles 3–9 add nothing and have no people), 1.0.
    // C = 1 − [0.25·(0.6 + 0) + 0.25·(0.9 + 0.6) + 0.5·(1.0 + 0.9)] = 1 − 1.475 = −0.475.
    assert.ok(Math.abs(report.concentrationIndex - -0.475) < 1e-12);
    assert.equal(
      report.verdict,
      'Reaches the most deprived areas more than their share of population: 90.0% reached the most deprived 20% of areas, home to 50.0% of the people.',
    );
  });

  it('gives a concentration index of 0 when every decile gets its population share, and positive when it favours the least deprived', () => {
    const even = fairness(
      new Map([
        ['a1', 1n],
        ['a2', 1n],
        ['a3', 2n],
      ]),
      areas,
    );
    assert.ok(Math.abs(even.concentrationIndex) < 1e-12);
    assert.match(even.verdict, /^Spread roughly in line with population/);
    const regressive = fairness([['a3', 10]], areas);
    // L = 0, 0, 1: C = 1 − 0.5·(1 + 0) = 0.5
    assert.ok(Math.abs(regressive.concentrationIndex - 0.5) < 1e-12);
    assert.match(regressive.verdict, /^Favours less deprived areas/);
  });

  it('keeps pence exact beyond what a float can hold', () => {
    const big = 2n ** 60n + 1n;
    const report = fairness(
      [
        ['a1', big],
        ['a1', big],
        ['a3', 1n],
      ],
      areas,
    );
    assert.equal(report.total, 2n * big + 1n);
    assert.equal(report.deciles[0]?.amount, 2n * big);
  });

  it('refuses floats and impossible deciles or populations', () => {
    assert.throws(() => fairness([['a1', 12.5]], areas), /must be a whole number/);
    assert.throws(() => fairness([['a1', 1]], new Map([['a1', { decile: 11, population: 1 }]])), /decile 11/);
    assert.throws(() => fairness([['a1', 1]], new Map([['a1', { decile: 1, population: -1 }]])), /population -1/);
    assert.throws(() => fairness([['zz', 1]], areas), /more than zero/);
  });

  it('finds spending in proportion to population neutral across England', async () => {
    const imd = computeImd(await loadIod2019Domains());
    const population = new Map((await loadIod2019Population()).map((r) => [r.lsoaCode, r.population]));
    const need = new Map(imd.map((r) => [r.lsoaCode, { decile: r.decile, population: population.get(r.lsoaCode) ?? 0 }]));
    const perHead = fairness(
      imd.map((r): [string, bigint] => [r.lsoaCode, BigInt(population.get(r.lsoaCode) ?? 0) * 100n]),
      need,
    );
    assert.ok(Math.abs(perHead.concentrationIndex) < 1e-9);
    assert.equal(perHead.total, 5_472_820_400n);
  });
});
