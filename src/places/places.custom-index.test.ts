import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CustomIndexError, customIndex, type CustomIndexSpec } from './places.custom-index.ts';

// Four areas, two indicators:
//   unemployment % (higher is worse, weight 3): A 10, B 30, C 20, D 20
//   median house price £k (higher is better, weight 1): A 100, B 300, C 200, D 400
// Normalised weights: 0.75 and 0.25.
// Ranks (1 = most deprived): unemployment B 1, C and D tied for 2nd/3rd → 2.5 each, A 4;
//                            house price A 1, C 2, B 3, D 4.
const spec = (transform: CustomIndexSpec['transform']): CustomIndexSpec => ({
  transform,
  indicators: [
    { id: 'unemployment', direction: 'higher-is-worse', weight: 3, values: { A: 10, B: 30, C: 20, D: 20 } },
    {
      id: 'house-price',
      direction: 'higher-is-better',
      weight: 1,
      values: new Map([
        ['A', 100],
        ['B', 300],
        ['C', 200],
        ['D', 400],
      ]),
    },
  ],
});

function close(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);
}

describe('customIndex', () => {
  it('combines exponential scores as worked by hand', () => {
    // R = (4 − r + 1)/4 and X = −23·ln(1 − R·(1 − e^(−100/23))), with 1 − e^(−100/23) = 0.98706509861105:
    //   r 1 → R 1 → X 100;  r 2 → R 0.75 → X 31.0091435328;  r 2.5 → R 0.625 → X 22.0685040178;
    //   r 3 → R 0.5 → X 15.6467900726;  r 4 → R 0.25 → X 6.5177332637.
    // A = 0.75·6.5177332637 + 0.25·100            = 29.8882999478
    // B = 0.75·100          + 0.25·15.6467900726  = 78.9116975182
    // C = 0.75·22.0685040178 + 0.25·31.0091435328 = 24.3036638965
    // D = 0.75·22.0685040178 + 0.25·6.5177332637  = 18.1808113293
    const { rows, excluded } = customIndex(spec('exponential'));
    assert.deepEqual(excluded, []);
    assert.deepEqual(
      rows.map((r) => [r.areaCode, r.rank, r.decile]),
      [
        ['B', 1, 3],
        ['A', 2, 5],
        ['C', 3, 8],
        ['D', 4, 10],
      ],
    );
    const score = Object.fromEntries(rows.map((r) => [r.areaCode, r.score]));
    close(score.A, 29.8882999478, 'A');
    close(score.B, 78.9116975182, 'B');
    close(score.C, 24.3036638965, 'C');
    close(score.D, 18.1808113293, 'D');

    const c = rows.find((r) => r.areaCode === 'C');
    assert.equal(c?.breakdown.length, 2);
    const [unemployment, housePrice] = c?.breakdown ?? [];
    assert.equal(unemployment?.indicatorId, 'unemployment');
    assert.equal(unemployment?.value, 20);
    assert.equal(unemployment?.rank, 2.5);
    assert.equal(unemployment?.weight, 0.75);
    close(unemployment?.transformed, 22.0685040178, 'C unemployment X');
    close(unemployment?.contribution, 0.75 * 22.0685040178, 'C unemployment contribution');
    assert.equal(housePrice?.rank, 2);
    close(housePrice?.contribution, 0.25 * 31.0091435328, 'C house price contribution');
  });

  it('combines normal scores as worked by hand', () => {
    // z = Φ⁻¹((4 − r + 1)/5): r 1 → Φ⁻¹(0.8) = 0.8416212336; r 2 → Φ⁻¹(0.6) = 0.2533471031;
    // r 2.5 → Φ⁻¹(0.5) = 0; r 3 → Φ⁻¹(0.4) = −0.2533471031; r 4 → Φ⁻¹(0.2) = −0.8416212336.
    // A = 0.75·(−0.8416212336) + 0.25·0.8416212336 = −0.4208106168
    // B = 0.75·0.8416212336 + 0.25·(−0.2533471031) =  0.5678791494
    // C = 0 + 0.25·0.2533471031                    =  0.0633367758
    // D = 0 + 0.25·(−0.8416212336)                 = −0.2104053084
    const { rows } = customIndex(spec('normal'));
    assert.deepEqual(
      rows.map((r) => r.areaCode),
      ['B', 'C', 'D', 'A'],
    );
    const score = Object.fromEntries(rows.map((r) => [r.areaCode, r.score]));
    close(score.A, -0.4208106168, 'A');
    close(score.B, 0.5678791494, 'B');
    close(score.C, 0.0633367758, 'C');
    close(score.D, -0.2104053084, 'D');
  });

  it('names an area missing from an indicator, or leaves it out when asked', () => {
    const gappy: CustomIndexSpec = {
      transform: 'exponential',
      indicators: [
        { id: 'x', direction: 'higher-is-worse', weight: 1, values: { A: 1, B: 2, C: 3 } },
        { id: 'y', direction: 'higher-is-worse', weight: 1, values: { A: 1, B: 2 } },
      ],
    };
    assert.throws(() => customIndex(gappy), new CustomIndexError('area C has no value for indicator "y"'));
    const { rows, excluded } = customIndex({ ...gappy, missing: 'drop' });
    assert.deepEqual(excluded, ['C']);
    assert.deepEqual(
      rows.map((r) => r.areaCode),
      ['B', 'A'],
    );
  });

  it('rejects unusable specifications', () => {
    const one = { id: 'x', direction: 'higher-is-worse' as const, weight: 1, values: { A: 1, B: 2 } };
    assert.throws(() => customIndex({ transform: 'normal', indicators: [] }), /at least one indicator/);
    assert.throws(() => customIndex({ transform: 'normal', indicators: [one, one] }), /given twice/);
    assert.throws(() => customIndex({ transform: 'normal', indicators: [{ ...one, weight: -1 }] }), /weight of zero or more/);
    assert.throws(() => customIndex({ transform: 'normal', indicators: [{ ...one, weight: 0 }] }), /weight above zero/);
    assert.throws(() => customIndex({ transform: 'normal', indicators: [{ ...one, values: { A: 1, B: Number.NaN } }] }), /no usable value for B/);
    assert.throws(() => customIndex({ transform: 'normal', indicators: [{ ...one, values: { A: 1 } }] }), /at least two areas/);
  });

  it('breaks exact score ties by area code', () => {
    const { rows } = customIndex({
      transform: 'exponential',
      indicators: [{ id: 'x', direction: 'higher-is-worse', weight: 1, values: { Z: 5, Y: 5, X: 1 } }],
    });
    assert.deepEqual(
      rows.map((r) => [r.areaCode, r.rank]),
      [
        ['Y', 1],
        ['Z', 2],
        ['X', 3],
      ],
    );
  });
});
