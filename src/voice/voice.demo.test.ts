import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
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
    assert.equal(stories.total, 4);
    for (const s of stories.items) assert.match(s.body, /^Example, invented for the demonstration/);
    const [petition] = await petitions.listPetitions(ctx.db, { state: 'open' });
    assert.equal(petition?.signatures, 6);
    assert.match(petition!.title, /^Example petition/);
    const queue = await service.moderationQueue(ctx.db, cliActor);
    assert.equal(queue.stories.length, 1);
    const page = await new TestAgent(app, '10.50.0.1').get('/voice');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Mam’s carers kept changing/);
  });
});
