import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparisonTrigger, daysBetween, parsePounds, splitByShares, xirr } from './outcomes.compute.ts';

// Each expected rate below is worked out by hand in the comment above it, not by the function under test.
describe('xirr: annual return from dated cash flows', () => {
  it('one year, 10% (2025 has 365 days: t = 1)', () => {
    // -£1,000.00 on 2025-01-01, +£1,100.00 on 2026-01-01: 1000 × (1 + r)^1 = 1100 ⇒ r = 0.10.
    const r = xirr([{ on: '2025-01-01', pence: -100000 }, { on: '2026-01-01', pence: 110000 }]);
    assert.ok(Math.abs(r! - 0.1) < 1e-9, String(r));
  });

  it('two years compounding, 10% (2021-01-01 to 2023-01-01 is 730 days: t = 2)', () => {
    // 10000 × (1 + r)^2 = 12100 ⇒ (1 + r) = √1.21 = 1.1 ⇒ r = 0.10.
    assert.equal(daysBetween('2021-01-01', '2023-01-01'), 730);
    const r = xirr([{ on: '2021-01-01', pence: -1_000_000 }, { on: '2023-01-01', pence: 1_210_000 }]);
    assert.ok(Math.abs(r! - 0.1) < 1e-9, String(r));
  });

  it('a leap year counts 366 days, so the same money over 2024 earns a little less than 10% a year', () => {
    // 2024-01-01 → 2025-01-01 is 366 days: t = 366/365. 1000 × (1 + r)^(366/365) = 1100
    // ⇒ r = 1.1^(365/366) − 1 = exp(ln 1.1 × 0.997268) − 1 = exp(0.095050) − 1 = 0.099714 (to 6 places).
    const r = xirr([{ on: '2024-01-01', pence: -100000 }, { on: '2025-01-01', pence: 110000 }]);
    assert.ok(Math.abs(r! - 0.099714) < 1e-6, String(r));
  });

  it('two equal repayments: the quadratic by hand', () => {
    // -1000 on 2021-01-01, +600 on 2022-01-01 (t = 1), +600 on 2023-01-01 (t = 2).
    // With x = 1/(1 + r): 600x² + 600x − 1000 = 0 ⇒ x = (−600 + √(600² + 4·600·1000)) / (2·600)
    //   = (−600 + √2,760,000) / 1200 = (−600 + 1661.32477) / 1200 = 0.88443731
    // ⇒ r = 1/x − 1 = 0.13066239.
    const r = xirr([{ on: '2021-01-01', pence: -100000 }, { on: '2022-01-01', pence: 60000 }, { on: '2023-01-01', pence: 60000 }]);
    assert.ok(Math.abs(r! - 0.13066239) < 1e-7, String(r));
  });

  it('a social impact bond where half the capital is lost: −50%', () => {
    // Drawn £500,000 on 2025-01-01, repaid £250,000 on 2026-01-01: 500000 × (1 + r) = 250000 ⇒ r = −0.5.
    const r = xirr([{ on: '2025-01-01', pence: -50_000_000 }, { on: '2026-01-01', pence: 25_000_000 }]);
    assert.ok(Math.abs(r! + 0.5) < 1e-9, String(r));
  });

  it('staged drawdowns and repayments, order of flows given does not matter', () => {
    // −100 at t=0, −100 at t=1 (2026-01-01), +231 at t=2 (2027-01-01); try r = 10%:
    // −100·1.21 − 100·1.1 + 231 = −121 − 110 + 231 = 0 (valued at t = 2) ⇒ r = 0.10 exactly.
    const r = xirr([{ on: '2027-01-01', pence: 23100 }, { on: '2025-01-01', pence: -10000 }, { on: '2026-01-01', pence: -10000 }]);
    assert.ok(Math.abs(r! - 0.1) < 1e-9, String(r));
  });

  it('no rate without money both ways', () => {
    assert.equal(xirr([]), null);
    assert.equal(xirr([{ on: '2025-01-01', pence: -100 }]), null);
    assert.equal(xirr([{ on: '2025-01-01', pence: 100 }, { on: '2026-01-01', pence: 100 }]), null);
  });
});

describe('comparison-group trigger', () => {
  // Peterborough-style: pay when reconviction events are at least 10% below the matched comparison group.
  it('met when the cohort is 10% or more below the comparison group', () => {
    // Cohort 1000 people, 150 events: 15%. Comparison 2000, 350 events: 17.5%. 15/17.5 = 0.857 ⇒ 14.28% below.
    const r = comparisonTrigger({ cohortSize: 1000, cohortEvents: 150, comparisonSize: 2000, comparisonEvents: 350, better: 'lower', thresholdBasisPoints: 1000 });
    assert.equal(r.triggerMet, true);
    assert.equal(r.cohortRateBasisPoints, 1500);
    assert.equal(r.comparisonRateBasisPoints, 1750);
    // (350·1000 − 150·2000)·10000 / (350·1000) = 50000·10000/350000 = 1428.57 ⇒ 1428.
    assert.equal(r.improvementBasisPoints, 1428);
  });

  it('exactly 10% below meets a 10% threshold; one event more does not', () => {
    // Comparison 200/1000 = 20%; 10% below is 18%: 180/1000 meets it, 181/1000 does not.
    const base = { cohortSize: 1000, comparisonSize: 1000, comparisonEvents: 200, better: 'lower' as const, thresholdBasisPoints: 1000 };
    assert.equal(comparisonTrigger({ ...base, cohortEvents: 180 }).triggerMet, true);
    assert.equal(comparisonTrigger({ ...base, cohortEvents: 181 }).triggerMet, false);
  });

  it('higher is better: employment 20% above the comparison group', () => {
    // Comparison 300/1000 = 30%; 20% above is 36%. Cohort 360/1000 meets it; 359 does not.
    const base = { cohortSize: 1000, comparisonSize: 1000, comparisonEvents: 300, better: 'higher' as const, thresholdBasisPoints: 2000 };
    assert.equal(comparisonTrigger({ ...base, cohortEvents: 360 }).triggerMet, true);
    assert.equal(comparisonTrigger({ ...base, cohortEvents: 359 }).triggerMet, false);
  });

  it('a comparison group with no events has no relative improvement', () => {
    const r = comparisonTrigger({ cohortSize: 10, cohortEvents: 0, comparisonSize: 10, comparisonEvents: 0, better: 'lower', thresholdBasisPoints: 1000 });
    assert.equal(r.improvementBasisPoints, null);
  });
});

describe('splitting a payment among payers', () => {
  it('adds up exactly and gives the odd penny to the largest remainder', () => {
    // £100.01 split 80% / 20%: 8000.8 and 2000.2 pence ⇒ 8000 + 2000 whole, 1 left to the larger remainder (0.8).
    const parts = splitByShares(10001, [{ id: 'council', shareBasisPoints: 8000 }, { id: 'top-up', shareBasisPoints: 2000 }]);
    assert.deepEqual(parts.map((p) => p.pence), [8001, 2000]);
    // Thirds of 100 pence: 33.33 each, one penny left goes to the first.
    const thirds = splitByShares(100, [{ shareBasisPoints: 3334 }, { shareBasisPoints: 3333 }, { shareBasisPoints: 3333 }]);
    assert.equal(thirds.reduce((s, p) => s + p.pence, 0), 100);
    for (const pence of [1, 7, 99, 12345, 999_999_999]) {
      assert.equal(splitByShares(pence, [{ shareBasisPoints: 7000 }, { shareBasisPoints: 2000 }, { shareBasisPoints: 1000 }]).reduce((s, p) => s + p.pence, 0), pence);
    }
  });
});

describe('pounds typed in forms', () => {
  it('reads exactly, refuses what is not money', () => {
    assert.equal(parsePounds('1,250.50'), 125050);
    assert.equal(parsePounds('£300'), 30000);
    assert.equal(parsePounds('0.1'), 10);
    assert.equal(parsePounds('19.999'), null);
    assert.equal(parsePounds('1e3'), null);
    assert.equal(parsePounds('-5'), null);
    assert.equal(parsePounds('12,34'), null);
  });
});
