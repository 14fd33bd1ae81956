// The places module with the real published data (England and Scotland, loaded by the demo seed), on both
// engines: the demo load, agreement with the published ranks, the pages and the read API.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { isAppError } from '../platform/errors.ts';
import { rankAgreement } from './places.compute.ts';
import { seedPlaces } from './places.demo.ts';
import { areasForPlaces, shareByWeight } from './places.finder.ts';
import * as service from './places.service.ts';

eachEngine('places with the real data', (t) => {
  it('loads England and Scotland for the demo once, quickly, and not again', async () => {
    const { ctx } = t();
    const started = performance.now();
    assert.deepEqual(await seedPlaces(ctx), ['iod2019', 'simd2020', 'wards', 'postcodes']);
    const ms = performance.now() - started;
    process.stderr.write(`  [places] demo load of 32,844 LSOAs and 6,976 data zones on ${ctx.handle.engine}: ${Math.round(ms)} ms\n`);
    assert.deepEqual(await seedPlaces(ctx), []);
    const datasets = await service.loadedDatasets(ctx.db);
    assert.deepEqual(datasets.map((d) => [d.dataset, d.areas]), [['iod2019', 32_844], ['postcodes', 31_469], ['simd2020', 6_976], ['wards', 34_753]]);
  });

  it('stores an IMD that agrees with the published ranks (32,736 of 32,844 exactly, none off by more than 2; every decile)', async () => {
    const { ctx } = t();
    const imd = await service.imdTable(ctx.db);
    assert.equal(imd.length, 32_844);
    const published = new Map((await ctx.db.selectFrom('places_iod2019_ranks').select(['lsoa_code', 'imd_rank']).execute()).map((r) => [r.lsoa_code, r.imd_rank]));
    const agreement = rankAgreement(imd.map((r) => ({ code: r.lsoa_code, computed: r.rank, published: published.get(r.lsoa_code) ?? 0 })));
    assert.equal(agreement.exactRanks, 32_736);
    assert.equal(agreement.exactDeciles, 32_844);
    assert.equal(agreement.ranksWithinPublishedTies, 32_762);
    assert.equal(agreement.largestRankDifference, 2);
    const stored = await ctx.db.selectFrom('places_index_results').select(['area_code', 'rank']).where('index_name', '=', 'imd2019').execute();
    const storedRank = new Map(stored.map((r) => [r.area_code, r.rank]));
    assert.ok(imd.every((r) => storedRank.get(r.lsoa_code) === r.rank), 'the stored ranks are the recomputed ones');
    const simd = await ctx.db.selectFrom('places_index_results as r').innerJoin('places_simd2020_ranks as s', 's.data_zone', 'r.area_code')
      .select(['r.area_code', 'r.rank', 's.simd_rank']).execute();
    const simdAgreement = rankAgreement(simd.map((r) => ({ code: r.area_code, computed: r.rank, published: r.simd_rank })));
    assert.equal(simdAgreement.exactRanks, 6_955);
    assert.equal(simdAgreement.largestRankDifference, 2);
  });

  it('renders the places index with district summaries, a chart and a table', async () => {
    const { app } = t();
    const res = await app.inject({ method: 'GET', url: '/places' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1 class="govuk-heading-l">Places and need<\/h1>/);
    assert.match(res.body, /<svg[^>]+role="img"[^>]+aria-labelledby="chart-districts-title chart-districts-desc"/);
    assert.match(res.body, /<title id="chart-districts-title">/);
    assert.match(res.body, /href="\/places\/la\/E06000002">Middlesbrough<\/a>/);
    assert.match(res.body, /Glasgow City/);
    assert.match(res.body, /href="\/places" class="govuk-service-navigation__link"|class="govuk-service-navigation__link" href="\/places"|Places and need/);
  });

  it('searches by name and goes straight to a place given its code', async () => {
    const { app } = t();
    const byName = await app.inject({ method: 'GET', url: '/places?q=tendring+018' });
    assert.equal(byName.statusCode, 200);
    assert.match(byName.body, /href="\/places\/area\/E01021988">[^<]+ \(Tendring 018A\)<\/a>/, 'named by its ward, then its published name');
    const byCode = await app.inject({ method: 'GET', url: '/places?q=e01021988' });
    assert.equal(byCode.statusCode, 303);
    assert.equal(byCode.headers.location, '/places/area/E01021988');
    const la = await app.inject({ method: 'GET', url: '/places?q=E06000002' });
    assert.equal(la.headers.location, '/places/la/E06000002');
  });

  it('finds a postcode from the search page and lands on its area, which says so', async () => {
    const { app } = t();
    const res = await app.inject({ method: 'GET', url: '/places?q=sr11ae' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/places/area/E01008836?postcode=SR1+1AE');
    const area = await app.inject({ method: 'GET', url: res.headers.location as string });
    assert.equal(area.statusCode, 200);
    assert.match(area.body, /Your postcode, <strong>SR1 1AE<\/strong>, is in this area, in [^<]+ ward, Sunderland\./);
    const terminated = await app.inject({ method: 'GET', url: '/places/area/E01008703?postcode=SR1%201AA' });
    assert.match(terminated.body, /SR1 1AA is no longer in use: it was terminated in December 1999\./);
    // A postcode that is not in the area shown is not claimed for it.
    const elsewhere = await app.inject({ method: 'GET', url: '/places/area/E01021988?postcode=SR1+1AE' });
    assert.doesNotMatch(elsewhere.body, /Your postcode/);
  });

  it('lists a ward’s small areas, says plainly when it lacks a postcode, and rejects text that cannot be one', async () => {
    const { app } = t();
    const byker = await app.inject({ method: 'GET', url: '/places?q=Byker' });
    assert.equal(byker.statusCode, 200);
    assert.match(byker.body, /Byker ward, <a class="govuk-link" href="\/places\/la\/E08000021">Newcastle upon Tyne<\/a>/);
    assert.match(byker.body, /The 6 small areas of Byker ward, most deprived first/);
    assert.match(byker.body, /href="\/places\/area\/E01008304">Byker \(Newcastle upon Tyne 026C\)<\/a>/);
    const unknown = await app.inject({ method: 'GET', url: '/places?q=ne99+9zz' });
    assert.equal(unknown.statusCode, 200);
    assert.match(unknown.body, /We don&#39;t have NE99 9ZZ: it is not in the 31,469 postcodes loaded here\./);
    assert.match(unknown.body, /<a class="govuk-link" href="#local-authorities">Choose your local authority from the list<\/a>/);
    assert.match(unknown.body, /id="local-authorities"/);
    const sector = await app.inject({ method: 'GET', url: '/places?q=SR1+1' });
    assert.match(sector.body, /Small areas of SR1 1, most deprived first/);
    const bad = await app.inject({ method: 'GET', url: '/places?q=NE6+1A' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /<title>Error: /);
    assert.match(bad.body, /govuk-error-summary/);
    assert.match(bad.body, /href="#q">Enter a full postcode, like NE6 1AA, a postcode sector, like NE6 1, or the name of a place, like Byker<\/a>/);
  });

  it('finds places over the API, saying what matched and how', async () => {
    const { app } = t();
    const postcode = (await app.inject({ method: 'GET', url: '/api/v1/places/areas?q=sr1%201ae' })).json();
    assert.equal(postcode.match.kind, 'postcode');
    assert.equal(postcode.match.postcode, 'SR1 1AE');
    assert.equal(postcode.areas[0].code, 'E01008836');
    assert.equal(postcode.localAuthorities[0].name, 'Sunderland');
    assert.ok(postcode.areas[0].ward.name);
    const walker = (await app.inject({ method: 'GET', url: '/api/v1/places/areas?q=Walker' })).json();
    assert.equal(walker.match.kind, 'names');
    const ward = walker.match.wards.find((w: { name: string }) => w.name === 'Walker');
    assert.equal(ward.areas.length, 7);
    assert.ok(ward.areas.every((c: string) => walker.areas.some((a: { code: string }) => a.code === c)));
    const unknown = (await app.inject({ method: 'GET', url: '/api/v1/places/areas?q=NE99%209ZZ' })).json();
    assert.equal(unknown.match.kind, 'postcode-unknown');
    assert.match(unknown.match.summary, /^We don't have NE99 9ZZ/);
    const bad = await app.inject({ method: 'GET', url: '/api/v1/places/areas?q=NE6%201A' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().errors[0].field, 'q');
  });

  it('checks fairness by postcode as well as by area code, and names a postcode it does not have', async () => {
    const { app, ctx } = t();
    const amounts = await service.parseAmountsCsv('postcode,amount\nSR1 1AE,100\nsr11ae,50\nE01021988,10\n');
    assert.deepEqual(amounts, [['SR1 1AE', 100n], ['SR1 1AE', 50n], ['E01021988', 10n]]);
    assert.deepEqual(await service.areasForPostcodes(ctx.db, amounts), [['E01008836', 100n], ['E01008836', 50n], ['E01021988', 10n]]);
    await assert.rejects(service.areasForPostcodes(ctx.db, [['NE99 9ZZ', 1n], ['E01021988', 1n]]), (error) => {
      assert.ok(isAppError(error));
      assert.equal(error.fieldErrors[0]?.message, "We don't have the small area of the postcode NE99 9ZZ: give their area codes instead");
      return true;
    });
    const agent = new TestAgent(app);
    await agent.get('/places/fairness');
    const page = await agent.postMultipart('/places/fairness', { csv: 'SR1 1AE,250000\nSR1 1AA,1000' });
    assert.equal(page.statusCode, 200, page.body.slice(0, 300));
    assert.match(page.body, /Lines read\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*2\s*<\/dd>/);
    assert.doesNotMatch(page.body, /SR1 1AE<\/td>/, "no postcode is left unmatched");
    const bad = await agent.postMultipart('/places/fairness', { csv: 'NE99 9ZZ,250000' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /We don&#39;t have the small area of the postcode NE99 9ZZ/);
  });

  it('shows a small area: rank, decile, the domains as a chart with a table, neighbours, plain words', async () => {
    const { app } = t();
    const res = await app.inject({ method: 'GET', url: '/places/area/E01021988' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Tendring 018A is ranked 1 of 32,844 neighbourhoods \(LSOAs\) in England/);
    assert.match(res.body, /<svg[^>]+role="img"[^>]+aria-labelledby="chart-domains-title/);
    assert.match(res.body, /<th scope="row" class="govuk-table__header">Barriers to housing and services<\/th>\s*<td[^>]*>8,235<\/td>/);
    assert.match(res.body, /Blackpool 010A/);
    const scottish = await app.inject({ method: 'GET', url: '/places/area/S01010891' });
    assert.equal(scottish.statusCode, 200);
    assert.match(scottish.body, /ranked 1 of 6,976 data zones in Scotland/);
    assert.match(scottish.body, /Geographic access to services/);
    const missing = await app.inject({ method: 'GET', url: '/places/area/E01999999' });
    assert.equal(missing.statusCode, 404);
  });

  it('shows a local authority with its summaries and its small areas by need', async () => {
    const { app } = t();
    const res = await app.inject({ method: 'GET', url: '/places/la/E06000002' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1 class="govuk-heading-l">Middlesbrough<\/h1>/);
    assert.match(res.body, /86 small areas/);
    assert.match(res.body, /48.8% \(\d+\)/, 'proportion of LSOAs in decile 1: 42 of 86');
    assert.match(res.body, /<svg[^>]+aria-labelledby="chart-la-deciles-title/);
    const glasgow = await app.inject({ method: 'GET', url: '/places/la/S12000049' });
    assert.equal(glasgow.statusCode, 200);
    assert.match(glasgow.body, /Glasgow City/);
  });

  it('ranks candidate areas for a new centre and says why', async () => {
    const { app } = t();
    const res = await app.inject({ method: 'GET', url: '/places/siting?codes=E01000001%2C+E01021988%0AE01012007+XYZ' });
    assert.equal(res.statusCode, 200);
    const order = [...res.body.matchAll(/href="\/places\/area\/(E\d+)">/g)].map((m) => m[1]);
    assert.deepEqual(order, ['E01021988', 'E01012007', 'E01000001']);
    assert.match(res.body, /In the most deprived 10% of England \(IMD 2019 rank 1 of 32,844\)/);
    assert.match(res.body, /Not found, so left out: XYZ/);
    const byLa = await app.inject({ method: 'GET', url: '/places/siting?la=E06000002' });
    assert.equal(byLa.statusCode, 200);
    assert.match(byLa.body, /86 areas considered; the 50 most in need are shown/);
  });

  it('ranks places given by name or postcode for a new centre, asks which ward when a name is shared, and still takes codes', async () => {
    const { app } = t();
    const form = await app.inject({ method: 'GET', url: '/places/siting' });
    assert.doesNotMatch(form.body, /Candidate small-area codes/);
    assert.match(form.body, /<label class="govuk-label govuk-label--s" for="places">\s*Places you could site it in/);
    assert.doesNotMatch(form.body, /Middlesbrough \(E06000002\)/, 'local authorities are listed by name');
    const byker = (await app.inject({ method: 'GET', url: '/api/v1/places/areas?q=Byker' })).json();
    const bykerWard = byker.match.wards.find((w: { name: string }) => w.name === 'Byker');
    const res = await app.inject({ method: 'GET', url: `/places/siting?${new URLSearchParams({ places: 'Byker\nsr11ae' })}` });
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    const shown = [...res.body.matchAll(/href="\/places\/area\/(E\d+)">/g)].map((m) => m[1]);
    assert.deepEqual(new Set(shown), new Set([...bykerWard.areas, 'E01008836']));
    assert.match(res.body, /“Byker” is the ward Byker, Newcastle upon Tyne: \d+ small areas\./);
    assert.match(res.body, /SR1 1AE is in /);
    // "Walk" starts the names of several wards across England: the page asks which, and ranks the one chosen.
    const walker = await app.inject({ method: 'GET', url: '/places/siting?places=Walk' });
    assert.equal(walker.statusCode, 400);
    assert.match(walker.body, /Which places called “Walk” do you mean\?/);
    assert.match(walker.body, /href="#place0">Several places are called “Walk”: choose which you mean<\/a>/);
    const ward = [...walker.body.matchAll(/name="place0" type="checkbox" value="(E05\d+)"/g)].map((m) => m[1]);
    assert.ok(ward.length >= 2, walker.body.match(/name="place0"[^>]*/g)?.join('\n'));
    const chosen = await app.inject({ method: 'GET', url: `/places/siting?places=Walk&place0=${ward[0]}` });
    assert.equal(chosen.statusCode, 200);
    assert.match(chosen.body, /Ranked by need/);
    // A whole local authority, or a postcode not loaded, is an error naming the line.
    const whole = await app.inject({ method: 'GET', url: '/places/siting?places=Byker%0AMiddlesbrough' });
    assert.equal(whole.statusCode, 400);
    assert.match(whole.body, /href="#places">Line 2: “Middlesbrough” is a whole local authority/);
    const unknown = await app.inject({ method: 'GET', url: '/places/siting?places=NE99+9ZZ' });
    assert.match(unknown.body, /Line 1: We don&#39;t have the postcode NE99 9ZZ/);
    // Codes on a line of their own, for those who know them, and the codes parameter of old links.
    const codes = await app.inject({ method: 'GET', url: '/places/siting?places=E01000001+E01021988' });
    assert.deepEqual([...codes.body.matchAll(/href="\/places\/area\/(E\d+)">/g)].map((m) => m[1]), ['E01021988', 'E01000001']);
    const many = await app.inject({ method: 'GET', url: `/places/siting?${new URLSearchParams({ places: Array.from({ length: 201 }, () => 'Byker').join('\n') })}` });
    assert.equal(many.statusCode, 400);
    assert.match(many.body, /href="#places">Enter 200 places or fewer \(you gave 201\), or choose a local authority<\/a>/);
    const empty = await app.inject({ method: 'GET', url: '/places/siting?places=+&la=' });
    assert.equal(empty.statusCode, 200);
  });

  it('checks fairness by ward or place name, sharing a ward\'s amount among its small areas by population', async () => {
    const { app, ctx } = t();
    assert.deepEqual(shareByWeight(10n, [1, 1, 1]), [4n, 3n, 3n]);
    assert.deepEqual(shareByWeight(-7n, [2, 5]), [-2n, -5n]);
    assert.deepEqual(shareByWeight(5n, [0, 0]), [3n, 2n]);
    const parsed = await service.parseAmountsCsv('place,amount\nByker,1000001\nSR1 1AE,5\n');
    assert.deepEqual(parsed, [['Byker', 1000001n], ['SR1 1AE', 5n]]);
    const { amounts, shared } = await areasForPlaces(ctx.db, parsed);
    assert.equal(shared, 1);
    assert.equal(amounts.reduce((s, [, v]) => s + v, 0n), 1000006n, 'nothing is lost in the sharing');
    const byker = (await app.inject({ method: 'GET', url: '/api/v1/places/areas?q=Byker' })).json();
    const bykerAreas: string[] = byker.match.wards.find((w: { name: string }) => w.name === 'Byker').areas;
    assert.deepEqual(amounts.slice(0, -1).map(([k]) => k).sort(), [...bykerAreas].sort());
    await assert.rejects(areasForPlaces(ctx.db, [['Walk', 1n]]), (error) => {
      assert.ok(isAppError(error));
      assert.match(error.fieldErrors[0]!.message, /^“Walk” could be [^:]+ \(Salford\)[^:]*: give a postcode in it$/);
      return true;
    });
    const agent = new TestAgent(app);
    await agent.get('/places/fairness');
    const page = await agent.postMultipart('/places/fairness', { csv: 'Byker,250000\nSR1 1AE,1000' });
    assert.equal(page.statusCode, 200, page.body.slice(0, 300));
    assert.match(page.body, /1 line named a ward or a place of several small areas: its amount was shared among them by population\./);
    const bad = await agent.postMultipart('/places/fairness', { csv: 'Nowhereville Xq,5' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /No ward, town, local authority or small area loaded here is called “Nowhereville Xq”/);
  });

  it('serves areas, local authorities and fairness over the API', async () => {
    const { app, ctx } = t();
    const area = (await app.inject({ method: 'GET', url: '/api/v1/places/areas/E01021988' })).json();
    assert.equal(area.area.rank, 1);
    assert.equal(area.area.decile, 1);
    assert.equal(area.domains.length, 7);
    assert.equal(area.published.rank, 1);
    const las = (await app.inject({ method: 'GET', url: '/api/v1/places/local-authorities' })).json();
    assert.equal(las.length, 317 + 32);
    const search = await app.inject({ method: 'GET', url: '/api/v1/places/areas?q=' });
    assert.equal(search.statusCode, 400);
    // All of England's population, one person each: concentration index 0 within rounding.
    const needs = await ctx.db.selectFrom('places_small_areas').select(['code', 'population']).where('kind', '=', 'lsoa2011').execute();
    const even = await service.fairnessReport(ctx.db, needs.map((n) => [n.code, n.population] as const));
    assert.ok(Math.abs(even.concentrationIndex) < 1e-9);
    assert.match(even.verdict, /^Spread roughly in line with population/);
  });
});
