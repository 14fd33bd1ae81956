// The places module on a small synthetic England (ten LSOAs, one per decile) and Scotland, on both engines:
// imports are all-or-nothing and idempotent, and the fairness API agrees with a hand-worked example.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { createApiToken, registerUser } from '../platform/auth/auth.service.ts';
import { isAppError } from '../platform/errors.ts';
import * as service from './places.service.ts';
import { FILE2_HEADER, FILE6_HEADER, SIMD_HEADER } from './places.test-data.ts';


/** LSOA i (1..10) has rank i on every domain, so its IMD rank and decile are i; two districts. */
const code = (i: number) => `E01${String(i).padStart(6, '0')}`;
const lad = (i: number) => (i <= 5 ? 'E06000001' : 'E06000002');
const ladName = (i: number) => (i <= 5 ? 'Hartlepool' : 'Middlesbrough');
const domainsFile = (mutate: (lines: string[]) => void = () => {}) => {
  const lines = [FILE2_HEADER];
  for (let i = 1; i <= 10; i++) lines.push(`${code(i)},Test ${i},${lad(i)},${ladName(i)},${i},${i},${Array(7).fill(i).join(',')}`);
  mutate(lines);
  return gzipSync(Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`));
};
const populationFile = () => {
  const lines = [FILE6_HEADER];
  for (let i = 1; i <= 10; i++) lines.push(`${code(i)},Test ${i},${lad(i)},${ladName(i)},"1,000"`);
  return Buffer.from(lines.join('\n'));
};
const simdFile = () => {
  const lines = [SIMD_HEADER];
  for (let i = 1; i <= 4; i++) lines.push(`S0100000${i},Zone ${i},Glasgow City,500,300,${i},${Array(7).fill(i).join(',')}`);
  return lines.join('\n');
};

async function tableCounts(db: Parameters<typeof service.loadedDatasets>[0]) {
  const n = async (table: 'places_small_areas' | 'places_local_authorities' | 'places_index_results' | 'places_iod2019_ranks' | 'places_la_summaries' | 'places_imports') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  return {
    areas: await n('places_small_areas'), las: await n('places_local_authorities'), results: await n('places_index_results'),
    ranks: await n('places_iod2019_ranks'), summaries: await n('places_la_summaries'), imports: await n('places_imports'),
  };
}

eachEngine('places import and fairness', (t) => {
  it('refuses a malformed file, names the line and column, and writes nothing', async () => {
    const { ctx } = t();
    const bad = domainsFile((lines) => { lines[4] = lines[4]!.replace(',4,4,4,4,4,4,4', ',4,4,four,4,4,4,4'); });
    await assert.rejects(service.importIod2019(ctx.db, cliActor, { domains: bad, population: populationFile() }), (error) => {
      assert.ok(isAppError(error));
      assert.equal(error.fieldErrors[0]?.field, 'domains');
      assert.match(error.fieldErrors[0]!.message, /line 5, column 7: "four" is not a number/);
      return true;
    });
    assert.deepEqual(await tableCounts(ctx.db), { areas: 0, las: 0, results: 0, ranks: 0, summaries: 0, imports: 0 });
    const audit = await ctx.db.selectFrom('audit_log').selectAll().where('action', 'like', 'places.%').execute();
    assert.equal(audit.length, 0);
  });

  it('imports England and Scotland, computing the indices and district summaries', async () => {
    const { ctx } = t();
    const england = await service.importIod2019(ctx.db, cliActor, { domains: domainsFile(), population: populationFile() });
    assert.deepEqual([england.changed, england.areas, england.localAuthorities], [true, 10, 2]);
    const scotland = await service.importSimd2020(ctx.db, cliActor, { ranks: simdFile() });
    assert.deepEqual([scotland.changed, scotland.areas, scotland.localAuthorities], [true, 4, 1]);
    assert.deepEqual(await tableCounts(ctx.db), { areas: 14, las: 3, results: 14, ranks: 10, summaries: 16, imports: 2 });
    assert.equal(await service.decileOf(ctx.db, 'E01000003'), 3);
    assert.equal(await service.decileOf(ctx.db, 'e01000010'), 10);
    assert.equal(await service.decileOf(ctx.db, 'S01000002'), 5, 'data zone 2 of 4: ceil(10·2/4) = 5');
    assert.equal(await service.decileOf(ctx.db, 'E01999999'), null);
    const need = await service.areaNeed(ctx.db, 'S01000001');
    assert.deepEqual([need?.localAuthority.code, need?.localAuthority.name, need?.rank, need?.of], ['S12000049', 'Glasgow City', 1, 4]);
    const summaries = await service.laSummaryTable(ctx.db);
    assert.deepEqual(summaries.map((s) => [s.lad_code, s.proportion]), [['E06000001', 0.2], ['E06000002', 0]]);
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'places.%').orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['places.iod2019.imported', 'places.simd2020.imported']);
  });

  it('changes nothing when the same files are imported again', async () => {
    const { ctx } = t();
    const before = await tableCounts(ctx.db);
    const results = await ctx.db.selectFrom('places_index_results').selectAll().orderBy('area_code').execute();
    const again = await service.importIod2019(ctx.db, cliActor, { domains: domainsFile(), population: populationFile() });
    assert.equal(again.changed, false);
    assert.equal((await service.importSimd2020(ctx.db, cliActor, { ranks: simdFile() })).changed, false);
    assert.deepEqual(await tableCounts(ctx.db), before);
    assert.deepEqual(await ctx.db.selectFrom('places_index_results').selectAll().orderBy('area_code').execute(), results);
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'places.%').execute();
    assert.equal(audit.length, 2, 'a no-op import is not audited as a change');
  });

  it('leaves the loaded data as it was when a later file is malformed (all-or-nothing replace)', async () => {
    const { ctx } = t();
    const before = await tableCounts(ctx.db);
    const shortPopulation = Buffer.from(populationFile().toString().split('\n').slice(0, 10).join('\n'));
    await assert.rejects(service.importIod2019(ctx.db, cliActor, { domains: domainsFile(), population: shortPopulation }), /no row for LSOA E01000010/);
    const brokenQuote = domainsFile((lines) => { lines[7] = `${lines[7]!.slice(0, 20)}"oops`; });
    await assert.rejects(service.importIod2019(ctx.db, cliActor, { domains: brokenQuote, population: populationFile() }), /line 8, column 3/);
    assert.deepEqual(await tableCounts(ctx.db), before);
    assert.equal(await service.decileOf(ctx.db, 'E01000003'), 3);
  });

  it('reports fairness over the API as worked by hand', async () => {
    const { ctx, app } = t();
    const user = await registerUser(ctx.db, cliActor, { email: 'analyst@example.org', name: 'Analyst', password: 'a long enough password' });
    const { token } = await createApiToken(ctx.db, cliActor, { userId: user.id, name: 'test' });
    // Population 1,000 per LSOA, one LSOA per decile. 600 to decile 1, 300 to decile 2, 100 to decile 10:
    // L = 0.6, 0.9 … 0.9, 1.0; C = 1 − Σ 0.1·(Lₖ + Lₖ₋₁) = 1 − (0.06 + 0.15 + 7·0.18 + 0.19) = −0.66.
    const res = await app.inject({
      method: 'POST', url: '/api/v1/places/fairness', headers: { authorization: `Bearer ${token}` },
      payload: { amounts: [{ areaCode: 'E01000001', amount: 500 }, { areaCode: 'e01000001', amount: '100' }, { areaCode: 'E01000002', amount: 300 }, { areaCode: 'E01000010', amount: 100 }, { areaCode: 'E01999999', amount: 7 }] },
    });
    assert.equal(res.statusCode, 200, res.body);
    const report = res.json();
    assert.equal(report.index, 'imd2019');
    assert.equal(report.total, '1000');
    assert.deepEqual(report.unmatched, [{ areaCode: 'E01999999', amount: '7' }]);
    assert.deepEqual(report.deciles.map((d: { share: number }) => d.share), [0.6, 0.3, 0, 0, 0, 0, 0, 0, 0, 0.1]);
    assert.ok(report.deciles.every((d: { populationShare: number }) => d.populationShare === 0.1));
    assert.ok(Math.abs(report.concentrationIndex - -0.66) < 1e-9, String(report.concentrationIndex));
    assert.equal(report.verdict, 'Reaches the most deprived areas more than their share of population: 90.0% reached the most deprived 20% of areas, home to 20.0% of the people.');
  });

  it('names the field when a fairness request is invalid', async () => {
    const { ctx, app } = t();
    const user = await registerUser(ctx.db, cliActor, { email: 'invalid@example.org', name: 'Invalid', password: 'a long enough password' });
    const { token } = await createApiToken(ctx.db, cliActor, { userId: user.id, name: 'test' });
    const auth = { authorization: `Bearer ${token}` };
    const fractional = await app.inject({ method: 'POST', url: '/api/v1/places/fairness', headers: auth, payload: { amounts: [{ areaCode: 'E01000001', amount: 12.5 }] } });
    assert.equal(fractional.statusCode, 400);
    assert.equal(fractional.json().code, 'validation_failed');
    assert.ok(fractional.json().errors.some((e: { field: string }) => e.field.includes('amount')), fractional.body);
    const missing = await app.inject({ method: 'POST', url: '/api/v1/places/fairness', headers: auth, payload: {} });
    assert.equal(missing.statusCode, 400);
    assert.ok(missing.json().errors.some((e: { field: string }) => e.field === 'amounts'), missing.body);
    const mixed = await app.inject({ method: 'POST', url: '/api/v1/places/fairness', headers: auth, payload: { amounts: [{ areaCode: 'E01000001', amount: 1 }, { areaCode: 'S01000001', amount: 1 }] } });
    assert.equal(mixed.statusCode, 400);
    assert.equal(mixed.json().errors[0].field, 'amounts');
    const nothing = await app.inject({ method: 'POST', url: '/api/v1/places/fairness', headers: auth, payload: { amounts: [{ areaCode: 'E01999999', amount: 1 }] } });
    assert.equal(nothing.statusCode, 400);
    assert.equal(nothing.json().errors[0].field, 'amounts');
  });

  it('builds a custom index from an own indicator and a published domain, with the breakdown', async () => {
    const { ctx, app } = t();
    const user = await registerUser(ctx.db, cliActor, { email: 'custom@example.org', name: 'Custom', password: 'a long enough password' });
    const { token } = await createApiToken(ctx.db, cliActor, { userId: user.id, name: 'test' });
    const values = [1, 2, 3].map((i) => ({ areaCode: code(i), value: i * 100_000 }));
    const res = await app.inject({
      method: 'POST', url: '/api/v1/places/custom-index', headers: { authorization: `Bearer ${token}` },
      payload: { transform: 'exponential', indicators: [{ id: 'house-prices', weight: 1, direction: 'higher-is-worse', values }, { id: 'income', weight: 1, domain: 'income' }] },
    });
    assert.equal(res.statusCode, 200, res.body);
    const { rows } = res.json();
    assert.equal(rows.length, 3);
    assert.deepEqual(rows[0].breakdown.map((b: { indicatorId: string }) => b.indicatorId), ['house-prices', 'income']);
    const bad = await app.inject({
      method: 'POST', url: '/api/v1/places/custom-index', headers: { authorization: `Bearer ${token}` },
      payload: { transform: 'exponential', indicators: [{ id: 'x', weight: 1, domain: 'happiness' }] },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().errors[0].field, 'indicators/0/domain');
  });

  it('answers the fairness page from a pasted CSV, and names the line at fault', async () => {
    const { app } = t();
    const agent = new TestAgent(app);
    const form = await agent.get('/places/fairness');
    assert.equal(form.statusCode, 200);
    const ok = await agent.post('/places/fairness', { csv: 'area,amount\nE01000001,600\nE01000002,300\nE01000010,100\n' });
    assert.equal(ok.statusCode, 200, ok.body.slice(0, 500));
    assert.match(ok.body, /Reaches the most deprived areas more than their share of population/);
    assert.match(ok.body, /<svg[^>]+role="img"[^>]+aria-labelledby="chart-fairness-title/);
    assert.match(ok.body, /<td class="govuk-table__cell govuk-table__cell--numeric">60.0%<\/td>/);
    const bad = await agent.post('/places/fairness', { csv: 'E01000001,600\nE01000002,12.5\n' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Line 2, column 2: &quot;12.5&quot; is not a whole number/);
    assert.match(bad.body, /<title>Error: /);
  });
});
