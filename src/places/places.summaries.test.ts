import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computeImd } from './places.imd.ts';
import { extentWeight, laDomainSummaries, laSummaries, type LaSummary } from './places.summaries.ts';
import { IMD_DOMAINS, type ImdRow } from './places.types.ts';
import { loadIod2019Domains, loadIod2019Population } from './places.test-data.ts';

async function england(): Promise<{ summaries: LaSummary[]; names: Map<string, string>; population: Map<string, number> }> {
  const rows = await loadIod2019Domains();
  const population = new Map((await loadIod2019Population()).map((r) => [r.lsoaCode, r.population]));
  const names = new Map(rows.map((r) => [r.ladCode, r.ladName]));
  return { summaries: laSummaries(computeImd(rows), population), names, population };
}

function topFive(summaries: LaSummary[], names: Map<string, string>, key: keyof LaSummary & `rankOf${string}`): string[] {
  return summaries
    .filter((s) => (s[key] ?? Infinity) <= 5)
    .sort((a, b) => (a[key] ?? 0) - (b[key] ?? 0))
    .map((s) => names.get(s.ladCode) ?? s.ladCode);
}

describe('laSummaries on IoD2019', () => {
  it('summarises all 317 districts of 2019', async () => {
    const { summaries } = await england();
    assert.equal(summaries.length, 317);
    assert.equal(summaries.reduce((sum, s) => sum + s.lsoas, 0), 32_844);
  });

  it('ranks Blackpool most deprived on average score, average rank and local concentration', async () => {
    const { summaries, names } = await england();
    const blackpool = summaries.find((s) => s.ladCode === 'E06000009');
    assert.equal(names.get('E06000009'), 'Blackpool');
    assert.equal(blackpool?.rankOfAvgScore, 1);
    assert.equal(blackpool?.rankOfAvgRank, 1);
    assert.equal(blackpool?.rankOfLocalConcentration, 1);
    assert.equal(blackpool?.avgScore?.toFixed(3), '45.039');
  });

  it('matches the IoD2019 statistical release on the most deprived decile', async () => {
    const { summaries, names } = await england();
    // "Middlesbrough, Liverpool, Knowsley, Kingston upon Hull and Manchester are the local authorities with
    // the highest proportions of neighbourhoods among the most deprived in England."
    assert.deepEqual(topFive(summaries, names, 'rankOfProportion'), [
      'Middlesbrough',
      'Liverpool',
      'Knowsley',
      'Kingston upon Hull, City of',
      'Manchester',
    ]);
    const middlesbrough = summaries.find((s) => s.ladCode === 'E06000002');
    assert.equal(middlesbrough?.lsoas, 86);
    assert.equal(middlesbrough?.proportion, 42 / 86);
    // "61 per cent of local authority districts contain at least one of the most deprived neighbourhoods."
    const withOne = summaries.filter((s) => s.proportion > 0).length;
    assert.equal(withOne, 194);
    assert.equal(Math.round((100 * withOne) / 317), 61);
  });

  it('reproduces the published IoD2019 File 10 "IMD 2019 - Extent" of a dozen districts to its four decimals', async () => {
    // File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx, sheet IMD, column "IMD 2019 -
    // Extent", as copied (rounded to 4 dp) in matthewgthomas/covid-19-regional-deprivation data/deaths-la.csv.
    const published: Record<string, number> = {
      E06000009: 0.5766, // Blackpool
      E06000002: 0.571, // Middlesbrough
      E08000011: 0.5992, // Knowsley
      E08000012: 0.6213, // Liverpool
      E08000021: 0.3706, // Newcastle upon Tyne
      E08000024: 0.396, // Sunderland
      E08000037: 0.3397, // Gateshead
      E06000047: 0.3043, // County Durham
      E06000057: 0.205, // Northumberland
      E09000002: 0.4724, // Barking and Dagenham
      E07000242: 0.0009, // East Hertfordshire
      E07000129: 0, // Blaby
    };
    const { summaries } = await england();
    for (const [code, extent] of Object.entries(published)) {
      const s = summaries.find((x) => x.ladCode === code);
      assert.ok(s, code);
      assert.ok(Math.abs(s.extent - extent) <= 0.00005 + 1e-12, `${code}: computed ${s.extent.toFixed(5)}, published ${extent}`);
    }
  });

  it('keeps every measure within its range', async () => {
    const { summaries } = await england();
    for (const s of summaries) {
      assert.ok(s.proportion >= 0 && s.proportion <= 1);
      assert.ok(s.extent >= 0 && s.extent <= 1);
      assert.ok(s.avgRank >= 1 && s.avgRank <= 32_844);
      assert.ok(s.localConcentration >= s.avgRank, `${s.ladCode}: the most deprived tenth is at least as deprived as the whole`);
    }
  });

  it('gives the same measures for each domain, without an average score', async () => {
    const rows = await loadIod2019Domains();
    const population = new Map((await loadIod2019Population()).map((r) => [r.lsoaCode, r.population]));
    const domains = laDomainSummaries(rows, population);
    for (const domain of IMD_DOMAINS) {
      assert.equal(domains[domain].length, 317);
      assert.ok(domains[domain].every((s) => s.avgScore === null && s.rankOfAvgScore === null));
    }
    const incomeFirst = domains.income.find((s) => s.rankOfAvgRank === 1);
    assert.equal(incomeFirst?.ladCode, 'E06000009', 'Blackpool is also most income-deprived on average rank');
  });
});

describe('laSummaries, worked by hand', () => {
  // Ten LSOAs nationally (N = 10), so decile = rank and percentile = 10 × rank. District A holds ranks 1, 2
  // and 5 with 100, 300 and 600 people; district B the other seven, 100 people each.
  const imd: ImdRow[] = [
    { lsoaCode: 'a1', ladCode: 'A', score: 60, rank: 1, decile: 1 },
    { lsoaCode: 'a2', ladCode: 'A', score: 50, rank: 2, decile: 2 },
    { lsoaCode: 'a5', ladCode: 'A', score: 20, rank: 5, decile: 5 },
    ...[3, 4, 6, 7, 8, 9, 10].map((rank) => ({ lsoaCode: `b${rank}`, ladCode: 'B', score: 40 - rank, rank, decile: rank })),
  ];
  const population = new Map<string, number>([
    ['a1', 100],
    ['a2', 300],
    ['a5', 600],
    ...[3, 4, 6, 7, 8, 9, 10].map((rank): [string, number] => [`b${rank}`, 100]),
  ]);

  it('computes district A', () => {
    const a = laSummaries(imd, population).find((s) => s.ladCode === 'A');
    // avg score (100·60 + 300·50 + 600·20)/1000 = 33
    assert.equal(a?.avgScore, 33);
    // reversed ranks 10, 9, 6: (100·10 + 300·9 + 600·6)/1000 = 7.3
    assert.ok(Math.abs((a?.avgRank ?? 0) - 7.3) < 1e-12);
    // one of three LSOAs in decile 1
    assert.equal(a?.proportion, 1 / 3);
    // percentiles 10, 20, 50 → weights 1, 0.95 − 0.90·9/19 = 0.52368…, 0: (100 + 300·0.52368…)/1000
    assert.ok(Math.abs((a?.extent ?? 0) - (100 + 300 * (0.95 - (0.9 * 9) / 19)) / 1000) < 1e-12);
    // 10% of 1000 people = 100: exactly the rank-1 LSOA, reversed rank 10
    assert.equal(a?.localConcentration, 10);
  });

  it('takes part of an LSOA to make up exactly 10% of the population', () => {
    // District B: 700 people, 10% = 70, all from its most deprived LSOA (rank 3, reversed 8).
    const b = laSummaries(imd, population).find((s) => s.ladCode === 'B');
    assert.equal(b?.localConcentration, 8);
    // Make B's rank-3 LSOA hold 30 people: 10% of 630 = 63 = 30 at reversed rank 8 + 33 at reversed rank 7.
    const smaller = new Map(population).set('b3', 30);
    const b2 = laSummaries(imd, smaller).find((s) => s.ladCode === 'B');
    assert.ok(Math.abs((b2?.localConcentration ?? 0) - (30 * 8 + 33 * 7) / 63) < 1e-12);
  });

  it('weights extent 1 to the 10th percentile, then 0.95 at the 11th sliding to 0.05 at the 30th (the technical report)', () => {
    assert.equal(extentWeight(1), 1);
    assert.equal(extentWeight(10), 1);
    assert.ok(Math.abs(extentWeight(11) - 0.95) < 1e-12);
    assert.ok(Math.abs(extentWeight(12) - 0.9026315789473684) < 1e-12, 'a step of 0.90/19 a percentile');
    assert.ok(Math.abs(extentWeight(30) - 0.05) < 1e-12);
    assert.equal(extentWeight(31), 0);
    for (let p = 11; p < 30; p++) assert.ok(extentWeight(p) > extentWeight(p + 1), `falls from ${p} to ${p + 1}`);
  });

  it('refuses an LSOA without a population', () => {
    const missing = new Map(population);
    missing.delete('a2');
    assert.throws(() => laSummaries(imd, missing), /no population for small area a2/);
  });
});
