// The Friends and Family Test answer on a story (issue 18, migration 0036): optional, on the form and the API,
// anything off the scale refused with nothing written; and the public function the scorecards read, ratings
// and response times by service and period, counting published stories only.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { isAppError } from '../platform/errors.ts';
import { cliActor } from '../platform/actor.ts';
import * as service from './voice.service.ts';
import * as repo from './voice.repository.ts';
import { baseUrl, loadPlaces, voiceWorld } from './voice.test-support.ts';

const opts = { baseUrl };
const storedRating = async (db: Parameters<typeof service.submitStory>[0], id: string) =>
  (await db.selectFrom('voice_stories').select('fft_rating').where('id', '=', id).executeTakeFirstOrThrow()).fft_rating;

eachEngine('Friends and Family Test ratings on stories', (t) => {
  let world: Promise<Awaited<ReturnType<typeof voiceWorld>>> | null = null;
  const setup = () => (world ??= loadPlaces(t().ctx).then(() => voiceWorld(t().ctx, 'fft')));
  let n = 0;
  const story = async (w: Awaited<ReturnType<typeof voiceWorld>>, extra: Partial<service.StoryInput> = {}) => {
    n++;
    return service.submitStory(t().ctx.db, cliActor, { title: `Rated ${n}`, body: `How it went, number ${n}.`, pseudonym: `Rater ${n}`, email: `rater${n}@example.org`, services: [w.services.homeCare.id], ...extra }, opts);
  };

  it('keeps an answer on the scale, and none when the question is not answered', async () => {
    const w = await setup();
    const { db } = t().ctx;
    assert.equal(await storedRating(db, (await story(w, { rating: 'very-poor' })).id), 'very-poor');
    assert.equal(await storedRating(db, (await story(w, { rating: 'dont-know' })).id), 'dont-know');
    assert.equal(await storedRating(db, (await story(w)).id), null);
    assert.equal(await storedRating(db, (await story(w, { rating: '' })).id), null);
  });

  it('refuses an answer off the scale, naming the field, and writes nothing', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const count = async () => Number((await db.selectFrom('voice_stories').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    for (const rating of ['excellent', 'Very good', 5, ['good', 'poor']]) {
      await assert.rejects(story(w, { rating }), (error: unknown) => {
        assert.ok(isAppError(error) && error.code === 'validation_failed', String(error));
        assert.match(error.fieldErrors.find((e) => e.field === 'rating')!.message, /^Choose how your experience was from the list/);
        return true;
      });
    }
    assert.equal(await count(), before);
    // The database refuses it too, whatever the app says.
    await assert.rejects(sql`UPDATE voice_stories SET fft_rating = 'excellent' WHERE title = 'Rated 1'`.execute(db), /voice_stories_fft_rating_scale/);
  });

  it('asks the question on the story form, keeps the answer after an error, and takes it from the API', async () => {
    const w = await setup();
    const { app, ctx } = t();
    const agent = new TestAgent(app, '10.30.0.1');
    const form = await agent.get('/voice/stories/new');
    assert.match(form.body, /Overall, how was your experience of our service\? \(optional\)/);
    assert.match(form.body, /value="neither"/);
    const bad = await agent.post('/voice/stories', { services: w.services.homeCare.id, title: 'Form rating', body: 'It was fine.', pseudonym: 'Formal', email: 'form@example.org', rating: 'superb' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /href="#rating">Choose how your experience was from the list/);
    const kept = await agent.post('/voice/stories', { services: w.services.homeCare.id, title: 'Form rating', body: 'It was fine.', pseudonym: 'Formal', email: '', rating: 'good' });
    assert.equal(kept.statusCode, 400);
    assert.match(kept.body, /value="good" checked/);
    const ok = await agent.post('/voice/stories', { services: w.services.homeCare.id, title: 'Form rating', body: 'It was fine.', pseudonym: 'Formal', email: 'form@example.org', rating: 'good' });
    assert.equal(ok.statusCode, 303);
    const id = /id=([\w-]+)/.exec(ok.headers.location as string)![1]!;
    assert.equal(await storedRating(ctx.db, id), 'good');
    const api = await app.inject({ method: 'POST', url: '/api/v1/voice/stories', remoteAddress: '10.30.0.2', payload: { title: 'API rating', body: 'Quick.', pseudonym: 'Api', email: 'api@example.org', services: [w.services.homeCare.id], rating: 'poor' } });
    assert.equal(api.statusCode, 202, api.body);
    assert.equal(await storedRating(ctx.db, api.json().id), 'poor');
    const off = await app.inject({ method: 'POST', url: '/api/v1/voice/stories', remoteAddress: '10.30.0.3', payload: { title: 'API rating', body: 'Quick.', pseudonym: 'Api', email: 'api@example.org', services: [w.services.homeCare.id], rating: 'brilliant' } });
    assert.equal(off.statusCode, 400);
    assert.equal(off.json().errors[0].field, 'rating');
  });

  it('counts ratings, answers and response times by service over a period, published stories only', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const libs = w.services.libraries.id;
    const publish = async (id: string) => service.moderateStory(db, w.actors.moderator, id, { decision: 'publish' }, opts);
    const ratings = ['very-good', 'very-good', 'good', 'poor', 'dont-know'];
    const ids: string[] = [];
    for (const rating of ratings) {
      const { id } = await story(w, { services: [libs], rating });
      await publish(id);
      ids.push(id);
    }
    await story(w, { services: [libs], rating: 'very-poor' }); // pending: not counted
    const unrated = await story(w, { services: [libs] });
    await publish(unrated.id);
    // Gateshead answers two stories, 30 and 90 minutes after publication, one answer claiming a change.
    const answer = async (storyId: string, minutes: number, claimsChange: boolean) => {
      const r = await service.respondToStory(db, w.actors.gatesheadStaff, storyId, { body: 'Thank you, we have read this.', claimsChange: claimsChange ? 'yes' : undefined }, opts);
      await service.moderateResponse(db, w.actors.moderator, r.id, { decision: 'publish' }, opts);
      const published = (await db.selectFrom('voice_stories').select('published_at').where('id', '=', storyId).executeTakeFirstOrThrow()).published_at!;
      await repo.setResponseTimes(db, r.id, { createdAt: published, publishedAt: new Date(published.getTime() + minutes * 60_000) });
    };
    await answer(ids[0]!, 30, false);
    await answer(ids[3]!, 90, true);

    const now = Date.now();
    const [record, empty] = await service.serviceVoiceRecords(db, { serviceIds: [libs, w.services.bins.id], from: new Date(now - 86_400_000), to: new Date(now + 60_000) });
    assert.deepEqual(record, {
      serviceId: libs, stories: 6, rated: 5,
      ratings: { 'very-good': 2, good: 1, neither: 0, poor: 1, 'very-poor': 0, 'dont-know': 1 },
      answered: 2, shareAnswered: 2 / 6, medianMinutesToFirstResponse: 60, changesClaimed: 1, changesConfirmed: 0,
    });
    assert.deepEqual(empty, {
      serviceId: w.services.bins.id, stories: 0, rated: 0,
      ratings: { 'very-good': 0, good: 0, neither: 0, poor: 0, 'very-poor': 0, 'dont-know': 0 },
      answered: 0, shareAnswered: null, medianMinutesToFirstResponse: null, changesClaimed: 0, changesConfirmed: 0,
    });
    // A period before any of it: nothing.
    const [old] = await service.serviceVoiceRecords(db, { serviceIds: [libs], from: new Date(now - 2 * 86_400_000), to: new Date(now - 86_400_000) });
    assert.equal(old!.stories, 0);
    await assert.rejects(service.serviceVoiceRecords(db, { serviceIds: [libs], from: new Date(now), to: new Date(now) }), (e: unknown) => isAppError(e) && e.fieldErrors[0]!.field === 'period');
    // Every service and several periods in one statement (the scorecards' recompute): the same figures, by period;
    // a period or a service without stories is absent.
    const byPeriod = await service.serviceVoiceRecordsByPeriod(db, [
      { name: 'recent', from: new Date(now - 86_400_000), to: new Date(now + 60_000) },
      { name: 'before', from: new Date(now - 2 * 86_400_000), to: new Date(now - 86_400_000) },
    ]);
    const mine = byPeriod.filter((r) => r.serviceId === libs || r.serviceId === w.services.bins.id);
    assert.deepEqual(mine, [{ ...record!, organisationId: mine[0]!.organisationId, period: 'recent' }]);
    await assert.rejects(service.serviceVoiceRecordsByPeriod(db, [{ name: 'x', from: new Date(now), to: new Date(now) }]), (e: unknown) => isAppError(e) && e.fieldErrors[0]!.field === 'period');
  });
});
