// The pages and API of peer review, fair comparison and the worst 10%, driven as people use them: a provider
// invites a review and chooses a reviewer by name; the reviewer finds the job in their inbox, declares no
// conflict, writes the review (a rating off the scale is refused in the error summary), checks it and
// publishes it; the provider adds an action with a three-box date; the commissioner compares the peer group,
// sees the flag and records the decision; everything public is public, in JSON and Atom too.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, signedInAgent as signedIn } from '../platform/testing.ts';
import type { App } from '../platform/module.ts';
import { peerWorld, seedPeerGroup, type PeerWorld } from './scorecards.peer-review.test-support.ts';

eachEngine('scorecards peer review and flags pages', (t) => {
  let world: Promise<PeerWorld> | null = null;
  const setup = () => (world ??= peerWorld(t().ctx, 'pg').then(async (w) => {
    await seedPeerGroup(t().ctx.db, w, [2025, 2026]);
    return w;
  }));

  it('takes a peer reviewer from the invitation in their inbox to a published review, and the provider to its action plan', async () => {
    const w = await setup();
    const { app } = t();
    const provider = await signedIn(app, w.people.providerStaff.email, '10.61.0.1');
    const form = await provider.get('/scorecards/peer-reviews/new');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, new RegExp(`Poor home care pg \\(Care Provider pg\\)`));
    const bad = await provider.post('/scorecards/peer-reviews', { service: '', scope: '' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /href="#scope">Enter what the review will look at/);
    assert.match(bad.body, /href="#service">Choose the service to be reviewed/);
    const made = await provider.post('/scorecards/peer-reviews', { service: w.services.poor.id, scope: 'Late visits', commissioner: w.council.name });
    assert.equal(made.statusCode, 303, made.body);
    const reviewersUrl = (made.headers.location as string).split('?')[0]!;
    const id = /peer-reviews\/([\w-]+)\/reviewers/.exec(reviewersUrl)![1]!;
    const choose = await provider.get(reviewersUrl);
    assert.match(choose.body, new RegExp(w.people.lead.name));
    assert.ok(!choose.body.includes(w.people.insider.name), 'a member of the provider is never offered');
    const insider = await provider.post(reviewersUrl, { person: w.people.insider.id, lead: 'yes' });
    assert.equal(insider.statusCode, 400);
    assert.match(insider.body, /href="#person">insider pg is a member of Care Provider pg, the provider/);
    assert.equal((await provider.post(reviewersUrl, { person: w.people.lead.id, lead: 'yes' })).statusCode, 303);

    const lead = await signedIn(app, w.people.lead.email, '10.61.0.2');
    const inbox = await lead.get('/inbox');
    assert.match(inbox.body, /Declare your conflicts for the peer review of Poor home care pg/);
    await lead.get(`/scorecards/peer-reviews/${id}/conflicts`);
    const noAnswer = await lead.post(`/scorecards/peer-reviews/${id}/conflicts`, {});
    assert.equal(noAnswer.statusCode, 400);
    assert.match(noAnswer.body, /href="#conflict">Select whether you have a conflict of interest/);
    const declared = await lead.post(`/scorecards/peer-reviews/${id}/conflicts`, { conflict: 'no' });
    assert.equal(declared.headers.location, `/scorecards/peer-reviews/${id}/report`);
    const reportForm = await lead.get(`/scorecards/peer-reviews/${id}/report`);
    assert.match(reportForm.body, /Is the service well-led\?/);
    const report = { evidence: 'Read 300 ratings.', findings: 'Visits are late.', recommendations: 'Fix the rota.', safe: 'good', effective: 'good', caring: 'good', responsive: 'inadequate', 'well-led': 'superb', concern: 'fft-positive' };
    const offScale = await lead.post(`/scorecards/peer-reviews/${id}/report`, report);
    assert.equal(offScale.statusCode, 400);
    assert.match(offScale.body, /href="#well-led">Choose a rating for “Well-led”/);
    assert.match(offScale.body, /value="inadequate" checked/, 'what was typed is kept');
    const saved = await lead.post(`/scorecards/peer-reviews/${id}/report`, { ...report, 'well-led': 'requires-improvement' });
    assert.equal(saved.headers.location, `/scorecards/peer-reviews/${id}/report/check`);
    const check = await lead.get(`/scorecards/peer-reviews/${id}/report/check`);
    assert.match(check.body, /Check the review before you publish it/);
    assert.match(check.body, /Requires improvement/);
    const published = await lead.post(`/scorecards/peer-reviews/${id}/publish`, {});
    assert.equal(published.statusCode, 303);
    const publicPage = await app.inject({ method: 'GET', url: `/scorecards/peer-reviews/${id}` });
    assert.equal(publicPage.statusCode, 200);
    assert.match(publicPage.body, /Visits are late\./);
    const api = await app.inject({ method: 'GET', url: `/api/v1/scorecards/peer-reviews?service=${w.services.poor.id}` });
    assert.equal(api.statusCode, 200, api.body);
    assert.equal(api.json()[0].ratings[3].rating, 'inadequate');

    const plan = await provider.get('/inbox');
    assert.match(plan.body, /Write the action plan answering the peer review of Poor home care pg/);
    await provider.get(`/scorecards/peer-reviews/${id}/actions`);
    const badDate = await provider.post(`/scorecards/peer-reviews/${id}/actions`, { action: 'New rota', 'dueOn-day': '31', 'dueOn-month': '2', 'dueOn-year': '2027' });
    assert.equal(badDate.statusCode, 400);
    assert.match(badDate.body, /href="#dueOn">The date the action will be done by must be a real date/);
    const year = new Date().getUTCFullYear() + 1;
    const ok = await provider.post(`/scorecards/peer-reviews/${id}/actions`, { action: 'New rota', 'dueOn-day': '30', 'dueOn-month': '6', 'dueOn-year': String(year) });
    assert.equal(ok.statusCode, 303, ok.body);
    assert.match((await app.inject({ method: 'GET', url: `/scorecards/peer-reviews/${id}` })).body, new RegExp(`New rota</td>\\s*<td[^>]*>30 June ${year}`));
    // Someone else's staff may not write the provider's plan.
    const other = await signedIn(app, w.people.otherStaff.email, '10.61.0.3');
    assert.equal((await other.get(`/scorecards/peer-reviews/${id}/actions`)).statusCode, 403);
  });

  it('shows the peer group compared fairly, and lets the commissioner act on a flag', async () => {
    const w = await setup();
    const { app } = t();
    const page = await app.inject({ method: 'GET', url: '/scorecards/compare?kind=involvement&indicator=fft-positive&period=2026' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<svg[^>]+role="img"/);
    assert.match(page.body, /Small day centre pg/);
    assert.match(page.body, /Rank \(95% interval\)/);
    const badQuery = await app.inject({ method: 'GET', url: '/scorecards/compare?kind=hotels&indicator=fft-positive&period=2026' });
    assert.equal(badQuery.statusCode, 400);
    assert.match(badQuery.body, /href="#kind">Select the kind of service to compare/);
    const api = await app.inject({ method: 'GET', url: '/api/v1/scorecards/compare?kind=involvement&indicator=fft-positive&period=2026' });
    assert.equal(api.statusCode, 200, api.body);
    assert.equal(api.json().units.length, 10);
    const apiBad = await app.inject({ method: 'GET', url: '/api/v1/scorecards/compare?kind=involvement&indicator=stars&period=2026' });
    assert.equal(apiBad.statusCode, 400);
    assert.equal(apiBad.json().errors[0].field, 'indicator');

    // The review of the previous test confirmed the concern: a candidate, in the commissioner's inbox.
    const flags = await app.inject({ method: 'GET', url: '/scorecards/flags?period=2026' });
    assert.match(flags.body, /Poor home care pg/);
    assert.match(flags.body, /Candidate for the bottom 10%/);
    const commissioner = await signedIn(app, w.people.commissioner.email, '10.61.0.4');
    const inbox = await commissioner.get('/inbox');
    assert.match(inbox.body, /Decide on Poor home care pg/);
    const url = `/scorecards/flags/decide?service=${w.services.poor.id}&indicator=fft-positive&period=2026`;
    const decide = await commissioner.get(url);
    assert.equal(decide.statusCode, 200);
    assert.match(decide.body, /Who it reaches/);
    const missing = await commissioner.post('/scorecards/flags/decisions', { service: w.services.poor.id, indicator: 'fft-positive', period: '2026', reason: '' });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /href="#decision">Select the decision/);
    assert.match(missing.body, /href="#reason">Enter the reason/);
    const provider = await signedIn(app, w.people.providerStaff.email, '10.61.0.5');
    await provider.get(url);
    const refused = await provider.post('/scorecards/flags/decisions', { service: w.services.poor.id, indicator: 'fft-positive', period: '2026', decision: 'improve', reason: 'No' });
    assert.equal(refused.statusCode, 403);
    await commissioner.get(url);
    const done = await commissioner.post('/scorecards/flags/decisions', { service: w.services.poor.id, indicator: 'fft-positive', period: '2026', decision: 'recommission', reason: 'Users deserve better; a new specification with them.' });
    assert.equal(done.statusCode, 303, done.body);
    const after = await app.inject({ method: 'GET', url: '/scorecards/flags?period=2026' });
    assert.match(after.body, /Re-commission through commissioning<\/strong>, decided by commissioner pg/);
    const atom = await app.inject({ method: 'GET', url: '/scorecards/flags.atom?period=2026' });
    assert.match(atom.headers['content-type'] as string, /application\/atom\+xml/);
    assert.match(atom.body, /Poor home care pg: Decided — Re-commission through commissioning/);
    const json = await app.inject({ method: 'GET', url: '/api/v1/scorecards/flags?period=2026' });
    assert.equal(json.json()[0].decision.decision, 'recommission');
    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    for (const path of ['/api/v1/scorecards/compare', '/api/v1/scorecards/peer-reviews', '/api/v1/scorecards/peer-reviews/{id}', '/api/v1/scorecards/flags']) assert.ok(doc.paths[path]?.get, path);
  });
});
