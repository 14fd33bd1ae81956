import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { findOrganisation } from '../organisations/organisations.service.ts';
import { AppError } from '../platform/errors.ts';
import { seedVoice } from './voice.demo.ts';
import * as service from './voice.service.ts';
import * as petitions from './voice.petitions.ts';
import { loadPlaces } from './voice.test-support.ts';

eachEngine('voice demo', (t) => {
  it('loads labelled example stories, answers and a petition once, and changes nothing the second time', async () => {
    const { ctx, app } = t();
    await seedOrganisations(ctx);
    await loadPlaces(ctx);
    assert.equal(await seedVoice(ctx), true);
    const count = async () => (await ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n;
    const before = await count();
    assert.equal(await seedVoice(ctx), false);
    assert.equal(await count(), before);
    const stories = await service.searchStories(ctx.db, cliActor, { pageSize: 100 });
    assert.equal(stories.total, 5);
    for (const s of stories.items) assert.match(s.body, /^Example, invented for the demonstration/);
    // Told over recent weeks, not all at the moment of seeding.
    const published = stories.items.map((s) => new Date(s.publishedAt!).getTime());
    assert.ok(Math.max(...published) < Date.now() - 24 * 3600_000, 'every example story was published more than a day ago');
    assert.ok(Math.max(...published) - Math.min(...published) > 14 * 24 * 3600_000, 'the example stories are spread over weeks');

    // Newcastle's record: three example stories, two answered (after 51 hours and 7 hours), one not yet.
    const newcastle = (await findOrganisation(ctx.db, 'GB-LAE-NET'))!;
    const m = await service.organisationMetrics(ctx.db, newcastle.id);
    assert.deepEqual({ stories: m.stories, exampleStories: m.exampleStories, answered: m.answered, median: m.medianMinutesToFirstResponse },
      { stories: 3, exampleStories: 3, answered: 2, median: (51 * 60 + 7 * 60) / 2 });
    const visitor = new TestAgent(app, '10.50.0.2');
    const record = await visitor.get(`/voice/organisations/${newcastle.slug}`);
    assert.equal(record.statusCode, 200);
    assert.match(record.body, /All 3 are example stories invented for the demonstration[^<]*not Newcastle City Council’s real record/);
    assert.match(record.body, /Answered in public[^]*?2 \(67%\)[^]*?29 hours/);
    const orgPage = await visitor.get(`/organisations/${newcastle.slug}`);
    assert.match(orgPage.body, /Stories about its services[^]*?Example stories[^]*?All 3 are example stories invented for the demonstration/);
    const api = await visitor.get(`/api/v1/voice/organisations/${newcastle.slug}/metrics`);
    assert.equal(JSON.parse(api.body).exampleStories, 3);
    const [petition] = await petitions.listPetitions(ctx.db, { state: 'open' });
    assert.equal(petition?.signatures, 6);
    assert.match(petition!.title, /^Example petition/);
    const queue = await service.moderationQueue(ctx.db, cliActor);
    assert.equal(queue.stories.length, 1);
    const page = await new TestAgent(app, '10.50.0.1').get('/voice');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Mam’s carers kept changing/);
  });

  it('only an administrator marks a published story as an example, with times in order and in the past', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    await loadPlaces(ctx);
    await seedVoice(ctx);
    const [story] = (await service.searchStories(ctx.db, cliActor, { pageSize: 1 })).items;
    const pending = (await service.moderationQueue(ctx.db, cliActor)).stories[0]!;
    const day = 24 * 3600_000;
    const past = { submittedAt: new Date(Date.now() - 3 * day), publishedAt: new Date(Date.now() - 2 * day) };
    const user = { userId: null, tokenId: null, isAdmin: false, via: 'session' as const };
    const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof AppError ? e.code : String(e)));
    assert.equal(await code(service.markExampleStory(ctx.db, user, story!.id, past)), 'forbidden');
    assert.equal(await code(service.markExampleStory(ctx.db, cliActor, story!.id, { ...past, publishedAt: new Date(Date.now() + day) })), 'unprocessable');
    assert.equal(await code(service.markExampleStory(ctx.db, cliActor, story!.id, { submittedAt: past.publishedAt, publishedAt: past.submittedAt })), 'unprocessable');
    assert.equal(await code(service.markExampleStory(ctx.db, cliActor, pending.id, past)), 'not_found');
    assert.equal(await code(service.markExampleStory(ctx.db, cliActor, story!.id, past)), 'ok');
  });
});
