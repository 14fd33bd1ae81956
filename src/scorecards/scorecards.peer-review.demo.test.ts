// The demo's peer group and its one published, invented peer review: loaded once, labelled as invented, and
// readable by anyone.
import { it } from 'node:test';
import assert from 'node:assert/strict';
/* eslint-disable @typescript-eslint/no-explicit-any */
import { eachEngine } from '../platform/testing.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { seedVoice } from '../voice/voice.demo.ts';
import { loadPlaces } from '../voice/voice.test-support.ts';
import { seedPeerReview } from './scorecards.peer-review.demo.ts';
import { peerReviewerScopes, publishedReviews } from './scorecards.peer-review.ts';
import { seedRatings, seedScorecards } from './scorecards.demo.ts';
import { wilson } from './scorecards.stats.ts';
import { listServices } from '../voice/voice.service.ts';

eachEngine('scorecards peer review demo', (t) => {
  it('publishes one invented review of the demo home care service, once', async () => {
    const { ctx, app } = t();
    await seedOrganisations(ctx);
    await loadPlaces(ctx);
    await seedVoice(ctx);
    assert.equal(await seedPeerReview(ctx), true);
    assert.equal(await seedPeerReview(ctx), false, 'seeding again changes nothing');
    const [r] = await publishedReviews(ctx.db);
    assert.equal(r!.service.name, 'Home care for older people');
    assert.match(r!.findings, /^Example, invented for the demonstration/);
    assert.equal(r!.actions.length, 2);
    assert.ok(r!.ratings.every((q) => q.rating));
    assert.equal((await peerReviewerScopes(ctx.db))[0]!.kind, 'involvement');
    const page = await app.inject({ method: 'GET', url: `/scorecards/peer-reviews/${r!.id}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /North East Peer Review Network \(example\)/);
    const compare = await app.inject({ method: 'GET', url: `/scorecards/compare?kind=involvement&indicator=share-answered&period=${new Date().getUTCFullYear()}` });
    assert.equal(compare.statusCode, 200);

    // The service's scorecard carries the review: its ratings, its plan, and where the decisions would be.
    const card = await app.inject({ method: 'GET', url: `/api/v1/scorecards/services/${r!.service.id}` });
    assert.equal(card.statusCode, 200, card.body);
    const sections = card.json().sections as { key: string; data?: Record<string, any>; figures: { href?: string }[] }[];
    const review = sections.find((s) => s.key === 'peer-review');
    assert.ok(review, 'a peer-review section');
    assert.equal(review!.data!.published, 1);
    assert.equal(review!.data!.latest.id, r!.id);
    assert.equal(Object.values(review!.data!.latest.ratings).filter(Boolean).length, 5);
    assert.ok(review!.figures.some((f) => f.href === `/scorecards/peer-reviews/${r!.id}`));
    const decision = sections.find((s) => s.key === 'decision');
    assert.deepEqual(decision!.data!.decisions, []);
    const html = await app.inject({ method: 'GET', url: `/scorecards/services/${r!.service.id}` });
    assert.equal(html.statusCode, 200);
    assert.match(html.body, /Ratings of the latest review/);
    assert.match(html.body, /Worst-10% flags and decisions/);
  });

  it('shows Friends and Family Test ratings on the demo: a % positive with its Wilson interval, small counts suppressed', async () => {
    const { ctx, app } = t();
    await seedScorecards(ctx);
    const before = Number((await ctx.db.selectFrom('voice_stories').select((e) => e.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    assert.equal(await seedRatings(ctx), 0, 'seeding again changes nothing');
    assert.equal(Number((await ctx.db.selectFrom('voice_stories').select((e) => e.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n), before);
    const [r] = await publishedReviews(ctx.db);
    const card = await app.inject({ method: 'GET', url: `/api/v1/scorecards/services/${r!.service.id}` });
    const voice = (card.json().sections as { key: string; data: Record<string, any> }[]).find((s) => s.key === 'voice')!;
    const w = wilson(9, 13);
    assert.equal(voice.data.fft.responses, 13);
    assert.ok(Math.abs(voice.data.fft.positive.share - 9 / 13) < 1e-9);
    assert.ok(Math.abs(voice.data.fft.positive.lower95 - w.lower) < 1e-9 && Math.abs(voice.data.fft.positive.upper95 - w.upper) < 1e-9);
    // Neither (1), poor (2) and very poor (1) are counts of 1 to 4: suppressed; very good (6) and good (3) shown.
    assert.equal(voice.data.fft.counts['very-good'], 6);
    assert.equal(voice.data.fft.counts.poor, null);
    assert.equal(voice.data.fft.counts['very-poor'], null);
    const html = await app.inject({ method: 'GET', url: `/scorecards/services/${r!.service.id}` });
    assert.match(html.body, /69\.2% \([\d.]+% to [\d.]+%\) of 13 answers/);
    assert.match(html.body, /Suppressed/);
    // Libraries: three answers, too few to show.
    const libraries = (await listServices(ctx.db)).find((s) => s.name === 'Libraries')!;
    assert.match((await app.inject({ method: 'GET', url: `/scorecards/services/${libraries.id}` })).body, /Fewer than 5 answers: not shown/);
  });
});
