// The custom local index page and the file uploads of the places pages (multipart forms), on the real data.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { seedPlaces } from './places.demo.ts';

type Fields = Record<string, string | string[]>;

/** Submits a multipart form as a browser does: a `file` part always, empty when no file was chosen. */
function postMultipart(agent: TestAgent, url: string, fields: Fields, file?: { filename: string; content: string | Buffer }, options: { csrf?: string | null } = {}) {
  return agent.postMultipart(url, fields, file ?? { filename: '', content: '' }, options);
}

const errorSummaryLinks = (body: string) => [...body.matchAll(/<a href="#([^"]+)">([^<]*)<\/a>/g)].map((m) => [m[1], m[2]]);
const rankedCodes = (body: string) => [...body.slice(body.indexOf('id="custom-index-results"')).matchAll(/href="\/places\/area\/(E\d+)"/g)].map((m) => m[1]).slice(0, 6);

// City of London (E09000001) has six LSOAs. Their national income ranks, most deprived first:
// E01000005 6,029 · E01000003 18,510 · E01000002 29,901 · E01032740 31,774 · E01032739 32,638 · E01000001 32,831.
// House prices given in the same order, lowest first, with "a higher value is better", rank the areas the same
// way, so with equal weights each area's score is its exponential score X(r) = −23·ln(1 − (7 − r)/6·(1 − e^(−100/23))):
// 100, 39.77, 24.68, 15.65, 9.18, 4.13 — half from each indicator; deciles ceil(10·r/6) = 2, 4, 5, 7, 9, 10.
const prices = 'lsoa,price\nE01000005,200000\nE01000003,300000\nE01000002,"400,000"\nE01032740,500000\nE01032739,600000\nE01000001,£700000\nE01021988,90000\n';

eachEngine('the custom local index page and uploads', (t) => {
  it('links to the custom index from /places and shows the form', async () => {
    const { ctx, app } = t();
    await seedPlaces(ctx);
    const index = await app.inject({ method: 'GET', url: '/places' });
    assert.match(index.body, /href="\/places\/custom-index"/);
    const agent = new TestAgent(app);
    const page = await agent.get('/places/custom-index');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<form method="post" action="\/places\/custom-index" enctype="multipart\/form-data"/);
    assert.match(page.body, /<input class="govuk-file-upload" id="file" name="file" type="file"/);
    assert.match(page.body, /<option value="E09000001">City of London \(E09000001\)<\/option>/);
    assert.match(page.body, /value="livingEnvironment"/);
    assert.ok(agent.csrf, 'an anonymous visitor gets a CSRF token');
  });

  it('builds a hand-checkable index from a domain and an uploaded CSV, and shows how each result was built', async () => {
    const { app } = t();
    const agent = new TestAgent(app);
    await agent.get('/places/custom-index');
    const res = await postMultipart(agent, '/places/custom-index', {
      la: 'E09000001', domains: 'income', 'weight-income': '1', ownName: 'House prices', ownDirection: 'higher-is-better', ownWeight: '1', transform: 'exponential',
    }, { filename: 'prices.csv', content: prices });
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    assert.deepEqual(rankedCodes(res.body), ['E01000005', 'E01000003', 'E01000002', 'E01032740', 'E01032739', 'E01000001']);
    const rows = [...res.body.matchAll(/<td class="govuk-table__cell govuk-table__cell--numeric">(\d+)<\/td>\s*<td class="govuk-table__cell"><a class="govuk-link" href="\/places\/area\/(E\d+)">[^<]+<\/a>[^\n]*<\/td>\s*<td[^>]*>([\d.,]+)<\/td>\s*<td[^>]*>(\d+)<\/td>/g)].map((m) => [Number(m[1]), m[2], m[3], Number(m[4])]);
    assert.deepEqual(rows, [
      [1, 'E01000005', '100.00', 2], [2, 'E01000003', '39.77', 4], [3, 'E01000002', '24.68', 5],
      [4, 'E01032740', '15.65', 7], [5, 'E01032739', '9.18', 9], [6, 'E01000001', '4.13', 10],
    ]);
    // The breakdown of the most deprived area: both indicators rank it 1, score 100, weight 50%, contribution 50.
    assert.match(res.body, /<th scope="row" class="govuk-table__header">Income<\/th>\s*<td[^>]*>6,029<\/td>\s*<td[^>]*>1<\/td>\s*<td[^>]*>100.00<\/td>\s*<td[^>]*>50.0%<\/td>\s*<td[^>]*>50.00<\/td>/);
    assert.match(res.body, /<th scope="row" class="govuk-table__header">House prices<\/th>\s*<td[^>]*>200,000<\/td>\s*<td[^>]*>1<\/td>\s*<td[^>]*>100.00<\/td>\s*<td[^>]*>50.0%<\/td>\s*<td[^>]*>50.00<\/td>/);
    assert.match(res.body, /<th scope="row" class="govuk-table__header">House prices<\/th>\s*<td[^>]*>300,000<\/td>\s*<td[^>]*>2<\/td>\s*<td[^>]*>39.77<\/td>\s*<td[^>]*>50.0%<\/td>\s*<td[^>]*>19.88<\/td>/);
    assert.match(res.body, /<span class="govuk-details__summary-text">\s*1\. City of London 001E \(E01000005\): score 100.00/);
    assert.match(res.body, /1 line of your file name areas outside City of London and was not used/);
    assert.match(res.body, /value="House prices"/, 'the form keeps what was entered');
  });

  it('works from the published domains alone, as a plain form, with the normal transformation', async () => {
    const { app } = t();
    const agent = new TestAgent(app);
    await agent.get('/places/custom-index');
    const res = await agent.post('/places/custom-index', { la: 'E09000001', domains: 'income', transform: 'normal' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(rankedCodes(res.body), ['E01000005', 'E01000003', 'E01000002', 'E01032740', 'E01032739', 'E01000001']);
    // Rank 1 of 6: Φ⁻¹(6/7) = 1.07; rank 6: Φ⁻¹(1/7) = −1.07.
    assert.match(res.body, /\(E01000005\): score 1.07/);
    assert.match(res.body, /\(E01000001\): score -1.07/);
    assert.doesNotMatch(res.body, /not in your file/);
  });

  it('names the field at fault, with an error summary and an "Error: " title', async () => {
    const { app } = t();
    const agent = new TestAgent(app);
    await agent.get('/places/custom-index');
    const empty = await agent.post('/places/custom-index', { transform: 'exponential' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /<title>Error: Build your own local index/);
    assert.deepEqual(errorSummaryLinks(empty.body).filter(([id]) => id !== 'main-content'), [['la', 'Choose a local authority'], ['domains', 'Choose at least one domain, or upload your own figures']]);
    assert.match(empty.body, /<p id="la-error" class="govuk-error-message">/);

    const badWeight = await agent.post('/places/custom-index', { la: 'E09000001', domains: 'income', 'weight-income': 'lots', transform: 'exponential' });
    assert.equal(badWeight.statusCode, 400);
    assert.match(badWeight.body, /href="#weight-income">Enter the weight for income as a number, 0 or more, like 1 or 0.5/);

    const noDirection = await postMultipart(agent, '/places/custom-index', { la: 'E09000001', transform: 'exponential' }, { filename: 'p.csv', content: prices });
    assert.equal(noDirection.statusCode, 400);
    assert.match(noDirection.body, /href="#ownDirection">Choose whether a higher value in your file is worse or better/);

    const badFile = await postMultipart(agent, '/places/custom-index', { la: 'E09000001', ownDirection: 'higher-is-worse', transform: 'exponential' }, { filename: 'p.csv', content: 'code,value\nE01000005,12\nE01000003,twelve\n' });
    assert.equal(badFile.statusCode, 400);
    assert.match(badFile.body, /href="#file">The file: Line 3, column 2: &quot;twelve&quot; is not a number/);

    const elsewhere = await postMultipart(agent, '/places/custom-index', { la: 'E09000001', ownDirection: 'higher-is-worse', transform: 'exponential' }, { filename: 'p.csv', content: 'E01021988,1\nE01021989,2\n' });
    assert.equal(elsewhere.statusCode, 400);
    assert.match(elsewhere.body, /An index needs at least two areas with every indicator, found 0/);

    const unknownLa = await agent.post('/places/custom-index', { la: 'E09999999', domains: 'income', transform: 'exponential' });
    assert.equal(unknownLa.statusCode, 400);
    assert.match(unknownLa.body, /href="#la">No local authority has the code E09999999/);
  });

  it('refuses a multipart form without the CSRF token', async () => {
    const { app } = t();
    const agent = new TestAgent(app);
    await agent.get('/places/custom-index');
    const res = await postMultipart(agent, '/places/custom-index', { la: 'E09000001', domains: 'income', transform: 'exponential' }, undefined, { csrf: null });
    assert.equal(res.statusCode, 403);
  });

  it('checks fairness from an uploaded CSV file as well as pasted text', async () => {
    const { app } = t();
    const agent = new TestAgent(app);
    const form = await agent.get('/places/fairness');
    assert.match(form.body, /<form method="post" action="\/places\/fairness" enctype="multipart\/form-data"/);
    assert.match(form.body, /id="file" name="file" type="file"/);
    const uploaded = await postMultipart(agent, '/places/fairness', { csv: '' }, { filename: 'amounts.csv', content: 'area,amount\nE01021988,250000\nE01000001,50000\n' });
    assert.equal(uploaded.statusCode, 200);
    assert.match(uploaded.body, /2 from your file/);
    assert.match(uploaded.body, /id="answer"/);
    const pasted = await postMultipart(agent, '/places/fairness', { csv: 'E01021988,250000' });
    assert.equal(pasted.statusCode, 200);
    assert.match(pasted.body, /id="answer"/);
    const plain = await agent.post('/places/fairness', { csv: 'E01021988,250000' });
    assert.equal(plain.statusCode, 200, 'the urlencoded form still works');
    const bad = await postMultipart(agent, '/places/fairness', { csv: '' }, { filename: 'amounts.csv', content: 'E01021988,lots\n' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /href="#file">The file: Line 1, column 2/);
    const tooBig = await postMultipart(agent, '/places/fairness', { csv: '' }, { filename: 'big.csv', content: Buffer.alloc(10 * 1024 * 1024 + 10, 'E') });
    assert.equal(tooBig.statusCode, 413);
    assert.match(tooBig.body, /The file is too large: upload a file of 10 MB or less/);
  });
});
