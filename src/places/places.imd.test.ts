import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rankAgreement } from './places.agreement.ts';
import { computeImd, explainImd, IMD_WEIGHTS, type ImdInput } from './places.imd.ts';
import { loadIod2019Domains } from './places.test-data.ts';

describe('computeImd', () => {
  it('reproduces the published IMD 2019 ranks and deciles for all 32,844 LSOAs', async () => {
    const rows = await loadIod2019Domains();
    const imd = computeImd(rows);
    const agreement = rankAgreement(
      imd.map((row, i) => ({ code: row.lsoaCode, computed: row.rank, published: rows[i]?.publishedImdRank ?? 0 })),
    );
    // 108 LSOAs differ, all by 1 or 2 places: 26 are published ties (two LSOAs given one rank, which we split)
    // and the rest are neighbours whose scores agree to about 1e-4, ordered differently by the unrounded
    // domain scores the publisher ranked and we do not have.
    assert.deepEqual(agreement, {
      areas: 32_844,
      exactRanks: 32_736,
      ranksWithinPublishedTies: 32_762,
      exactDeciles: 32_844,
      largestRankDifference: 2,
      largestDifferenceCode: 'E01004062',
    });
    const publishedDeciles = imd.filter((row, i) => row.decile === rows[i]?.publishedImdDecile).length;
    assert.equal(publishedDeciles, 32_844, 'the published decile column agrees too');
  });

  it('gives the most deprived LSOA in England (Jaywick, Tendring 018A) rank 1', async () => {
    const imd = computeImd(await loadIod2019Domains());
    const first = imd.find((row) => row.rank === 1);
    assert.equal(first?.lsoaCode, 'E01021988');
    assert.equal(first?.ladCode, 'E07000076');
  });

  it('breaks exact ties by LSOA code, whatever the input order', () => {
    const same = { income: 2, employment: 2, education: 2, health: 2, crime: 2, barriers: 2, livingEnvironment: 2 };
    const rows: ImdInput[] = [
      { lsoaCode: 'E01000003', ladCode: 'E09000001', ranks: same },
      { lsoaCode: 'E01000001', ladCode: 'E09000001', ranks: same },
      {
        lsoaCode: 'E01000002',
        ladCode: 'E09000001',
        ranks: { income: 1, employment: 1, education: 1, health: 1, crime: 1, barriers: 1, livingEnvironment: 1 },
      },
    ];
    const ranks = (input: ImdInput[]) => Object.fromEntries(computeImd(input).map((r) => [r.lsoaCode, r.rank]));
    const expected = { E01000002: 1, E01000001: 2, E01000003: 3 };
    assert.deepEqual(ranks(rows), expected);
    assert.deepEqual(ranks([...rows].reverse()), expected);
  });

  it('scores 99.9 when every domain is most deprived (the published weights sum to 99.9%), and explains a score as the sum of weighted domains', () => {
    const top = { income: 1, employment: 1, education: 1, health: 1, crime: 1, barriers: 1, livingEnvironment: 1 };
    const [row] = computeImd([
      { lsoaCode: 'E01000001', ladCode: 'E09000001', ranks: top },
      {
        lsoaCode: 'E01000002',
        ladCode: 'E09000001',
        ranks: { income: 2, employment: 2, education: 2, health: 2, crime: 2, barriers: 2, livingEnvironment: 2 },
      },
    ]);
    assert.ok(Math.abs((row?.score ?? 0) - 99.9) < 1e-9);
    const sumOfWeights = Object.values(IMD_WEIGHTS).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sumOfWeights - 0.999) < 1e-12);
    const ranks = { income: 10, employment: 200, education: 3000, health: 15000, crime: 30000, barriers: 1, livingEnvironment: 32844 };
    const parts = explainImd(ranks, 32_844);
    assert.equal(parts.length, 7);
    const total = parts.reduce((sum, part) => sum + part.contribution, 0);
    const [computed] = computeImd([{ lsoaCode: 'E01000001', ladCode: 'E09000001', ranks }, ...filler(32_843)]);
    assert.ok(Math.abs(total - (computed?.score ?? 0)) < 1e-9);
    assert.equal(parts.find((p) => p.domain === 'livingEnvironment')?.transformed, 23 * -Math.log(1 - (1 / 32_844) * (1 - Math.exp(-100 / 23))));
  });

  it('refuses a rank outside 1..N', () => {
    const ranks = { income: 3, employment: 1, education: 1, health: 1, crime: 1, barriers: 1, livingEnvironment: 1 };
    assert.throws(() => computeImd([{ lsoaCode: 'E01000001', ladCode: 'E09000001', ranks }, ...filler(1)]), RangeError);
  });
});

/** n LSOAs with every domain ranked 1, to make N large without affecting the row under test. */
function filler(n: number): ImdInput[] {
  const ranks = { income: 1, employment: 1, education: 1, health: 1, crime: 1, barriers: 1, livingEnvironment: 1 };
  return Array.from({ length: n }, (_, i) => ({ lsoaCode: `E01${String(i + 100000).padStart(6, '0')}`, ladCode: 'E09000001', ranks }));
}
