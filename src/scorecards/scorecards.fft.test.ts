import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fftSummary } from './scorecards.fft.ts';
import { wilson } from './scorecards.stats.ts';

const r = (vg: number, g: number, n: number, p: number, vp: number, dk: number) => ({ 'very-good': vg, good: g, neither: n, poor: p, 'very-poor': vp, 'dont-know': dk });
const counts = (s: ReturnType<typeof fftSummary>) => s.counts.map((c) => c.count);

describe('Friends and Family Test summary', () => {
  it('counts very good and good as positive out of every answer, with the Wilson interval', () => {
    const s = fftSummary(r(40, 30, 10, 10, 5, 5));
    assert.equal(s.responses, 100);
    assert.equal(s.positive!.share, 0.7);
    assert.deepEqual([s.positive!.lower95, s.positive!.upper95], [wilson(70, 100).lower, wilson(70, 100).upper]);
    assert.equal(s.negative!.share, 0.15);
    assert.deepEqual(counts(s), [40, 30, 10, 10, 5, 5]);
  });

  it('suppresses counts of 1 to 4, and shows zeros', () => {
    assert.deepEqual(counts(fftSummary(r(40, 30, 3, 2, 0, 5))), [40, 30, null, null, 0, 5]);
  });

  it('suppresses the next smallest count when only one would be hidden', () => {
    // "Poor" (2) alone would be worked out from the total: "don't know" (5), the next smallest, goes too.
    assert.deepEqual(counts(fftSummary(r(40, 30, 10, 2, 0, 5))), [40, 30, 10, null, 0, null]);
    // Among equals, the first on the scale.
    assert.deepEqual(counts(fftSummary(r(6, 6, 3, 0, 0, 0))), [null, 6, null, 0, 0, 0]);
  });

  it('shows nothing but "fewer than 5" for 1 to 4 answers, and zeros for none', () => {
    const few = fftSummary(r(2, 1, 0, 0, 1, 0));
    assert.equal(few.responses, null);
    assert.equal(few.positive, null);
    assert.deepEqual(counts(few), [null, null, null, null, null, null]);
    const none = fftSummary(r(0, 0, 0, 0, 0, 0));
    assert.deepEqual(counts(none), [0, 0, 0, 0, 0, 0]);
    assert.equal(none.positive, null);
  });
});
