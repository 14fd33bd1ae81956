import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { MAX_PAGE_ROWS } from './scorecards.pages.ts';

const proportions = 'unit,numerator,denominator\nNorth Ward,50,100\nSouth Ward,500,1000\nEast Ward,900,1000\nWest Ward,4,10\n';

eachEngine('the funnel page', (get) => {
  it('draws the funnel plot and the table of every unit for an uploaded file, anonymously', async () => {
    const agent = new TestAgent(get().app);
    const form = await agent.get('/scorecards/funnel');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Compare units fairly with a funnel plot/);
    const res = await agent.postMultipart('/scorecards/funnel', { statistic: 'proportion', target: '' }, { filename: 'wards.csv', content: proportions });
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    assert.match(res.body, /Funnel plot of wards\.csv/);
    assert.match(res.body, /<svg[^>]+role="img"[^>]+aria-labelledby="funnel-chart-title funnel-chart-desc"/);
    assert.match(res.body, /<title id="funnel-chart-title">Funnel plot of 4 units against a target of 68\.9%<\/title>/);
    // Every unit in the table, with its limits and what they mean.
    assert.match(res.body, /East Ward<\/th>[\s\S]*?90\.0%[\s\S]*?Higher than expected \(beyond 99\.8% limit\)/);
    assert.match(res.body, /West Ward<\/th>[\s\S]*?40\.0%[\s\S]*?40\.2% to 97\.6%[\s\S]*?Lower than expected \(beyond 95% limit\)/);
    assert.match(res.body, /68\.9% \(the pooled figure\)/);
  });

  it('widens the limits for overdispersion and says by how much', async () => {
    const agent = new TestAgent(get().app);
    await agent.get('/scorecards/funnel');
    const lines = ['unit,observed,expected', ...Array.from({ length: 40 }, (_, i) => `Unit ${i},${300 + (i % 10) * 40},480`)];
    const res = await agent.postMultipart('/scorecards/funnel', { statistic: 'ratio', target: '1', overdispersion: 'yes' }, { filename: 'r.csv', content: lines.join('\n') });
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    assert.match(res.body, /φ = \d+\.\d\d, τ² = [\d.e-]+: limits widened/);
    assert.match(res.body, /1\.00 \(as given\)/);
  });

  it('lists every problem in the file in one error summary, naming the line and unit', async () => {
    const agent = new TestAgent(get().app);
    await agent.get('/scorecards/funnel');
    const res = await agent.postMultipart('/scorecards/funnel', { statistic: 'proportion' }, { filename: 'bad.csv', content: 'unit,numerator,denominator\nA,1,0\nB,-3,10\n' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /<title>Error: /);
    assert.equal(res.body.match(/class="govuk-error-summary"/g)?.length, 1);
    assert.match(res.body, /<a href="#file">Line 2 \(A\): the denominator is 0; it must be more than 0<\/a>/);
    assert.match(res.body, /<a href="#file">Line 3 \(B\): the numerator is -3; a count cannot be negative<\/a>/);
    assert.doesNotMatch(res.body, /<svg[^>]+funnel-chart/);
  });

  it('asks for the statistic and the file, and refuses a target out of range', async () => {
    const agent = new TestAgent(get().app);
    await agent.get('/scorecards/funnel');
    let res = await agent.postMultipart('/scorecards/funnel', {}, { filename: '', content: '' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /href="#statistic">Choose the statistic: proportion or ratio/);
    assert.match(res.body, /href="#file">Select the CSV file of units to compare/);
    res = await agent.postMultipart('/scorecards/funnel', { statistic: 'proportion', target: '80' }, { filename: 'p.csv', content: proportions });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /href="#target">A target proportion is between 0 and 1/);
    // What was chosen is kept.
    assert.match(res.body, /value="proportion" checked/);
  });

  it(`refuses a file of more than ${MAX_PAGE_ROWS} units`, async () => {
    const agent = new TestAgent(get().app);
    await agent.get('/scorecards/funnel');
    const lines = ['unit,numerator,denominator', ...Array.from({ length: MAX_PAGE_ROWS + 1 }, (_, i) => `u${i},1,2`)];
    const res = await agent.postMultipart('/scorecards/funnel', { statistic: 'proportion' }, { filename: 'big.csv', content: lines.join('\n') });
    assert.equal(res.statusCode, 413);
    assert.match(res.body, /more than 5,000 rows/);
  });

  it('refuses a form without its CSRF token', async () => {
    const agent = new TestAgent(get().app);
    await agent.get('/scorecards/funnel');
    const res = await agent.postMultipart('/scorecards/funnel', { statistic: 'proportion' }, { filename: 'p.csv', content: proportions }, { csrf: null });
    assert.equal(res.statusCode, 403);
  });
});
