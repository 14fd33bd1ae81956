// Stories end to end on both engines: the directory, submission, moderation (and who may moderate), responses
// (and who may answer), change confirmation, "me too", search and filters, metrics, alerts and feeds.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { listOutbox } from '../platform/outbox.repository.ts';
import { isAppError } from '../platform/errors.ts';
import { cliActor } from '../platform/actor.ts';
import * as service from './voice.service.ts';
import { baseUrl, GATESHEAD, loadPlaces, NEWCASTLE, password, voiceWorld } from './voice.test-support.ts';

const opts = { baseUrl };

function rejectsWith(code: string, field?: string) {
  return (error: unknown) => {
    assert.ok(isAppError(error), String(error));
    assert.equal(error.code, code, error.message);
    if (field) assert.ok(error.fieldErrors.some((f) => f.field === field), JSON.stringify(error.fieldErrors));
    return true;
  };
}

eachEngine('voice stories', (t) => {
  let world: Promise<Awaited<ReturnType<typeof voiceWorld>>> | null = null;
  const setup = () => (world ??= loadPlaces(t().ctx).then(() => voiceWorld(t().ctx, 's')));
  let n = 0;
  const story = async (w: Awaited<ReturnType<typeof voiceWorld>>, extra: Partial<service.StoryInput> = {}) => {
    n++;
    return service.submitStory(t().ctx.db, cliActor, { title: `Story ${n}`, body: `What happened to me, number ${n}.`, pseudonym: `Person ${n}`, email: `author${n}@example.org`, services: [w.services.homeCare.id], ...extra }, opts);
  };

  it('staff of an organisation add its services; others cannot; areas are checked against places', async () => {
    const w = await setup();
    const { db } = t().ctx;
    assert.deepEqual(w.services.bins.areas, [{ code: 'E01008301', kind: 'small-area', name: 'Newcastle upon Tyne 001B' }]);
    await assert.rejects(service.createService(db, w.actors.gatesheadStaff, { organisation: w.newcastle.id, name: 'Parks', decisionType: 'technical', areas: [NEWCASTLE] }), rejectsWith('forbidden'));
    await assert.rejects(service.createService(db, w.actors.newcastleStaff, { organisation: w.newcastle.id, name: 'Parks', decisionType: 'magic', areas: ['E99999999'] }), (e) => {
      rejectsWith('validation_failed', 'decisionType')(e);
      return rejectsWith('validation_failed', 'areas')(e);
    });
    await assert.rejects(service.createService(db, w.actors.newcastleStaff, { organisation: w.newcastle.id, name: 'home CARE', decisionType: 'technical', areas: [NEWCASTLE] }), rejectsWith('conflict', 'name'));
    // A filter by local authority finds a service covering one of its small areas.
    const inNewcastle = await service.listServices(db, { area: NEWCASTLE });
    assert.deepEqual(inNewcastle.map((s) => s.name).sort(), ['Bins', 'Home care']);
    assert.deepEqual((await service.listServices(db, { area: GATESHEAD })).map((s) => s.name), ['Libraries']);

    // Changing a service through its page: its staff may, other organisations' staff may not.
    const parks = await service.createService(db, w.actors.newcastleStaff, { organisation: w.newcastle.id, name: 'Parks', decisionType: 'technical', areas: [NEWCASTLE] });
    const other = new TestAgent(t().app, '10.20.0.13');
    await other.get('/sign-in');
    await other.post('/sign-in', { email: w.people.gatesheadStaff.email, password });
    assert.equal((await other.get(`/voice/services/${parks.id}/edit`)).statusCode, 403);
    const agent = new TestAgent(t().app, '10.20.0.14');
    await agent.get('/sign-in');
    await agent.post('/sign-in', { email: w.people.newcastleStaff.email, password });
    const editPage = (await agent.get(`/voice/services/${parks.id}/edit`)).body;
    assert.match(editPage, /<textarea[^>]*name="areas"[^>]*>Newcastle upon Tyne<\/textarea>/, 'areas are shown by name');
    assert.match(editPage, /One on each line: a local authority, a ward or a postcode/);
    assert.equal((await agent.post(`/voice/services/${parks.id}/edit`, { name: 'Parks', decisionType: 'technical', areas: 'E99999999' })).statusCode, 400);
    // By name, one a line: a local authority and a small area; a name we do not know is named in the error.
    const unknown = await agent.post(`/voice/services/${parks.id}/edit`, { name: 'Parks', decisionType: 'technical', areas: 'Newcastle upon Tyne\nNarnia' });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.body, /href="#areas"/);
    assert.match(unknown.body, /“Narnia” is not a local authority, ward or postcode we know/);
    assert.equal((await agent.post(`/voice/services/${parks.id}/edit`, { name: 'Parks', decisionType: 'technical', areas: 'newcastle upon tyne\nGateshead 001A' })).statusCode, 303);
    assert.deepEqual((await service.getService(db, parks.id)).areas.map((a) => a.code).sort(), ['E01008160', NEWCASTLE]);
    assert.equal((await agent.post(`/voice/services/${parks.id}/edit`, { name: 'Parks and green spaces', decisionType: 'involvement', areas: `${NEWCASTLE} ${GATESHEAD}` })).statusCode, 303);
    const changed = await service.getService(db, parks.id);
    assert.equal(changed.name, 'Parks and green spaces');
    assert.deepEqual(changed.areas.map((a) => a.code).sort(), [NEWCASTLE, GATESHEAD].sort());
  });

  it('a story is private until a moderator publishes it; edits keep the original for moderators only', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const { app } = t();
    const { id } = await story(w, { title: 'Carer Jane Smith was rude on 3 May', body: 'Jane Smith shouted at my dad on 3 May. zebrafinch' });
    const visitor = new TestAgent(app, '10.20.0.1');
    assert.equal((await visitor.get(`/voice/stories/${id}`)).statusCode, 404);
    assert.equal((await visitor.get(`/api/v1/voice/stories/${id}`)).statusCode, 404);
    assert.equal((await service.searchStories(db, cliActor, { q: 'zebrafinch' })).total, 0);
    assert.doesNotMatch((await visitor.get('/voice/feed.atom')).body, /zebrafinch/);

    // Nobody but the moderating organisation's moderators (and site administrators) may moderate.
    for (const who of [w.actors.newcastleStaff, w.actors.newcastleModerator, w.actors.outsider]) {
      await assert.rejects(service.moderateStory(db, who, id, { decision: 'publish' }, opts), rejectsWith('forbidden'));
      await assert.rejects(service.storyForModeration(db, who, id), rejectsWith('forbidden'));
    }
    const staffAgent = new TestAgent(app, '10.20.0.2');
    await staffAgent.get('/sign-in');
    await staffAgent.post('/sign-in', { email: w.people.newcastleModerator.email, password });
    assert.equal((await staffAgent.get(`/voice/moderation/stories/${id}`)).statusCode, 403);
    assert.equal((await staffAgent.post(`/voice/moderation/stories/${id}`, { decision: 'publish' })).statusCode, 403);

    await service.moderateStory(db, w.actors.moderator, id, {
      decision: 'publish', title: 'A carer was rude', body: 'A carer shouted at my dad in the spring. zebrafinch', tags: 'Home care, Communication', criticality: '3',
    }, opts);
    const published = await service.getStory(db, cliActor, id);
    assert.equal(published.status, 'published');
    assert.equal(published.title, 'A carer was rude');
    assert.deepEqual(published.tags, ['communication', 'home-care']);
    const page = await visitor.get(`/voice/stories/${id}`);
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /Jane Smith/);
    assert.doesNotMatch(page.body, /Criticality/);
    assert.equal((await service.getStory(db, w.actors.outsider, id)).criticality, null);
    assert.equal((await service.getStory(db, w.actors.newcastleStaff, id)).criticality, 3);
    assert.equal((await service.getStory(db, w.actors.gatesheadStaff, id)).criticality, null);
    const mod = await service.storyForModeration(db, w.actors.moderator, id);
    assert.equal(mod.log.length, 1);
    assert.match(JSON.stringify(mod.log[0]!.before), /Jane Smith shouted/);
    assert.equal(mod.authorEmail, `author${n}@example.org`);
    assert.equal((await service.searchStories(db, cliActor, { q: 'zebrafinch' })).total, 1);
    const outbox = await listOutbox(db, { to: `author${n}@example.org` });
    assert.ok(outbox.some((e) => e.kind === 'voice-story-published'));
  });

  it('a rejected story shows only its published reason code', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const { id } = await story(w, { title: 'Buy cheap pills', body: 'Visit my shop for pills. quokkaspam' });
    await assert.rejects(service.moderateStory(db, w.actors.moderator, id, { decision: 'reject', reason: 'because' }, opts), rejectsWith('validation_failed', 'reason'));
    await service.moderateStory(db, w.actors.moderator, id, { decision: 'reject', reason: 'advert' }, opts);
    const page = await new TestAgent(t().app, '10.20.0.3').get(`/voice/stories/${id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /An advert or spam/);
    assert.doesNotMatch(page.body, /quokkaspam|cheap pills/);
    const api = JSON.parse((await new TestAgent(t().app, '10.20.0.3').get(`/api/v1/voice/stories/${id}`)).body);
    assert.equal(api.rejectReason, 'advert');
    assert.equal(api.body, '');
  });

  it('submission checks every field, refuses more than 1,000 words, and writes nothing when it fails', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const before = (await db.selectFrom('voice_stories').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n;
    await assert.rejects(service.submitStory(db, cliActor, { title: '', body: Array(1001).fill('word').join(' '), pseudonym: '', email: 'not-an-email', postcode: 'XYZ', services: ['00000000-0000-4000-8000-000000000000'] }, opts), (e) => {
      for (const f of ['title', 'body', 'pseudonym', 'email', 'postcode', 'services']) rejectsWith('validation_failed', f)(e);
      assert.match((e as Error).message, /1,000 words or fewer \(it has 1,001\)/);
      return true;
    });
    assert.ok(await service.submitStory(db, cliActor, { title: 'ok', body: Array(1000).fill('word').join(' '), pseudonym: 'p', email: 'a@example.org', services: [w.services.homeCare.id] }, opts));
    const after = (await db.selectFrom('voice_stories').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n;
    assert.equal(Number(after), Number(before) + 1);
  });

  it('assisted submission is recorded, and only staff of the organisation may make one', async () => {
    const w = await setup();
    const { db } = t().ctx;
    await assert.rejects(service.submitStory(db, w.actors.gatesheadStaff, { title: 'Help', body: 'Told to staff.', pseudonym: 'Resident', services: [w.services.homeCare.id], assisted: 'yes' }, opts), rejectsWith('forbidden'));
    const { id } = await service.submitStory(db, w.actors.newcastleStaff, { title: 'Help', body: 'Told to staff.', pseudonym: 'Resident', services: [w.services.homeCare.id], assisted: 'yes' }, opts);
    const mod = await service.storyForModeration(db, w.actors.moderator, id);
    assert.equal(mod.story.assisted, true);
    assert.equal(mod.authorEmail, null);
    assert.equal(mod.assistedBy, w.people.newcastleStaff.name);
  });

  it('only staff of an organisation the story is about may respond; responses are moderated, and a claimed change waits for the author', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const { app } = t();
    const { id } = await story(w, { title: 'Late carers', body: 'They came at midnight.' });
    await assert.rejects(service.respondToStory(db, w.actors.newcastleStaff, id, { body: 'Too early' }, opts), rejectsWith('not_found'));
    await service.moderateStory(db, w.actors.moderator, id, { decision: 'publish' }, opts);
    // Gateshead's staff cannot answer for Gateshead, nor pretend to answer for Newcastle.
    await assert.rejects(service.respondToStory(db, w.actors.gatesheadStaff, id, { body: 'Not ours' }, opts), rejectsWith('forbidden'));
    await assert.rejects(service.respondToStory(db, w.actors.gatesheadStaff, id, { body: 'Sneaky', organisation: w.newcastle.id }, opts), rejectsWith('forbidden'));
    await assert.rejects(service.respondToStory(db, w.actors.outsider, id, { body: 'Hi' }, opts), rejectsWith('forbidden'));
    const gat = new TestAgent(app, '10.20.0.4');
    await gat.get('/sign-in');
    await gat.post('/sign-in', { email: w.people.gatesheadStaff.email, password });
    assert.doesNotMatch((await gat.get(`/voice/stories/${id}`)).body, /Respond for your organisation/);
    const forged = await gat.post(`/voice/stories/${id}/responses`, { organisation: w.newcastle.id, body: 'forged answer' });
    assert.equal(forged.statusCode, 403);

    const r = await service.respondToStory(db, w.actors.newcastleStaff, id, { body: 'We have changed the rota. capybaraword', claimsChange: 'yes' }, opts);
    assert.equal(r.status, 'pending');
    const visitor = new TestAgent(app, '10.20.0.5');
    assert.doesNotMatch((await visitor.get(`/voice/stories/${id}`)).body, /capybaraword/);
    // Its own organisation's staff see it waiting; other organisations' staff do not.
    assert.equal((await service.getStory(db, w.actors.newcastleStaff, id)).responses[0]?.status, 'pending');
    assert.deepEqual((await service.getStory(db, w.actors.gatesheadStaff, id)).responses, []);
    assert.doesNotMatch((await gat.get(`/voice/stories/${id}`)).body, /capybaraword/);
    assert.equal((await service.searchStories(db, cliActor, { q: 'capybaraword' })).total, 0);
    assert.doesNotMatch((await visitor.get('/voice/feed.atom')).body, /capybaraword/);
    assert.doesNotMatch((await visitor.get(`/voice/services/${w.services.homeCare.id}/feed.atom`)).body, /capybaraword/);
    await assert.rejects(service.moderateResponse(db, w.actors.newcastleStaff, r.id, { decision: 'publish' }, opts), rejectsWith('forbidden'));

    // The moderator edits the response while publishing it; the original stays in the moderators' log.
    const modAgent = new TestAgent(app, '10.20.0.12');
    await modAgent.get('/sign-in');
    await modAgent.post('/sign-in', { email: w.people.moderator.email, password });
    assert.match((await modAgent.get('/voice/moderation')).body, /capybaraword/);
    const published = await modAgent.post(`/voice/moderation/responses/${r.id}`, { decision: 'publish', body: 'We have changed the rota for your area. capybaraword' });
    assert.equal(published.statusCode, 303);
    const modPage = await modAgent.get(`/voice/moderation/stories/${id}`);
    assert.match(modPage.body, /response publish/);
    assert.match(modPage.body, /We have changed the rota\. capybaraword/);
    const page = await visitor.get(`/voice/stories/${id}`);
    assert.match(page.body, /We have changed the rota for your area/);
    assert.match(page.body, /capybaraword/);
    assert.match(page.body, /not yet confirmed by the author/);
    assert.doesNotMatch(page.body, /Change confirmed by author/);
    assert.equal((await service.searchStories(db, cliActor, { q: 'capybaraword' })).total, 1);
    assert.match((await visitor.get('/voice/feed.atom')).body, /capybaraword/);

    // The author follows the emailed link and confirms.
    const email = (await listOutbox(db, { to: `author${n}@example.org` })).find((e) => e.kind === 'voice-response-published')!;
    const token = /token=([\w-]+)/.exec(email.text)![1]!;
    const author = new TestAgent(app, '10.20.0.6');
    assert.equal((await author.get('/voice/responses/confirm?token=wrong-token-wrong-token-wrong')).statusCode, 404);
    const confirmPage = await author.get(`/voice/responses/confirm?token=${token}`);
    assert.equal(confirmPage.statusCode, 200);
    assert.equal((await author.post('/voice/responses/confirm', { token })).statusCode, 303);
    assert.match((await visitor.get(`/voice/stories/${id}`)).body, /Change confirmed by author/);
    const m = await service.organisationMetrics(db, w.newcastle.id);
    assert.equal(m.changesMade, 1);
    assert.equal(m.changesConfirmed, 1);
  });

  it('a responder with ten published responses is trusted, except when claiming a change', async () => {
    const w = await setup();
    const { db } = t().ctx;
    for (let i = 0; i < service.trustedResponderAfter; i++) {
      const { id } = await story(w, { services: [w.services.libraries.id] });
      await service.moderateStory(db, w.actors.moderator, id, { decision: 'publish' }, opts);
      const r = await service.respondToStory(db, w.actors.gatesheadStaff, id, { body: `Thanks ${i}` }, opts);
      assert.equal(r.status, 'pending');
      await service.moderateResponse(db, w.actors.moderator, r.id, { decision: 'publish' }, opts);
    }
    const { id } = await story(w, { services: [w.services.libraries.id] });
    await service.moderateStory(db, w.actors.moderator, id, { decision: 'publish' }, opts);
    assert.equal((await service.respondToStory(db, w.actors.gatesheadStaff, id, { body: 'Straight out' }, opts)).status, 'published');
    assert.equal((await service.respondToStory(db, w.actors.gatesheadStaff, id, { body: 'We fixed it', claimsChange: true }, opts)).status, 'pending');
    const metrics = await service.organisationMetrics(db, w.gateshead.id);
    assert.equal(metrics.stories, 11);
    assert.equal(metrics.answered, 11);
    assert.equal(metrics.shareAnswered, 1);
    assert.equal(metrics.exampleStories, 0);
    assert.ok(metrics.medianMinutesToFirstResponse !== null && metrics.medianMinutesToFirstResponse >= 0);
    const page = await new TestAgent(t().app, '10.20.0.7').get(`/voice/organisations/${w.gateshead.slug}`);
    assert.match(page.body, /Answered in public[^]*?11 \(100%\)/);
    // The same record on the organisation's own page.
    const orgPage = await new TestAgent(t().app, '10.20.0.7').get(`/organisations/${w.gateshead.slug}`);
    assert.match(orgPage.body, /Stories about its services[^]*?Answered in public[^]*?11 \(100%\)/);
    // Real stories only: no warning about invented examples.
    for (const body of [page.body, orgPage.body]) assert.doesNotMatch(body, /invented for the demonstration/);
  });

  it('"me too" counts once per person: signed in, or confirmed by email; fresh sessions count nothing', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const { id } = await story(w);
    await service.moderateStory(db, w.actors.moderator, id, { decision: 'publish' }, opts);
    const count = async () => (await service.getStory(db, cliActor, id)).meToo;

    // Five fresh anonymous sessions from one address: nothing counts without an email, and nothing before the link.
    for (let i = 0; i < 5; i++) {
      const a = new TestAgent(t().app, '10.20.0.8');
      await a.get(`/voice/stories/${id}`);
      const bare = await a.post(`/voice/stories/${id}/me-too`, {});
      assert.equal(bare.statusCode, 400);
      assert.match(bare.body, /Enter your email address/);
      const sent = await a.post(`/voice/stories/${id}/me-too`, { email: i % 2 ? 'Same.Person@Example.org.' : '"same.person"@example.org' });
      assert.equal(sent.headers.location, `/voice/stories/${id}?notice=me-too-sent`);
    }
    assert.equal(await count(), 0, 'nothing counts until a link is followed');
    const links = (await listOutbox(db, { limit: 200 })).filter((e) => e.kind === 'voice-me-too-confirm').map((e) => /token=([A-Za-z0-9_-]+)/.exec(e.text)![1]!);
    assert.equal(links.length, 5);
    const b = new TestAgent(t().app, '10.20.0.9');
    for (const token of links) {
      const page = await b.get(`/voice/me-too/confirm?token=${token}`);
      assert.equal(page.statusCode, 200);
      await b.post('/voice/me-too/confirm', { token });
    }
    assert.equal(await count(), 1, 'five links to one mailbox count once');
    assert.equal((await b.get('/voice/me-too/confirm?token=not-a-real-token-at-all')).statusCode, 404);
    assert.equal((await b.post('/voice/me-too/confirm', { token: 'x'.repeat(32) })).statusCode, 404);

    // Signed in: counted at once, once; the same mailbox confirming by email adds nothing.
    const signed = new TestAgent(t().app, '10.20.0.10');
    await signed.get('/sign-in');
    await signed.post('/sign-in', { email: w.people.outsider.email, password });
    await signed.get(`/voice/stories/${id}`);
    assert.equal((await signed.post(`/voice/stories/${id}/me-too`, {})).headers.location, `/voice/stories/${id}?notice=me-too`);
    assert.equal((await signed.post(`/voice/stories/${id}/me-too`, {})).headers.location, `/voice/stories/${id}?notice=me-too-already`);
    assert.equal(await count(), 2);
    await service.requestMeToo(db, { userId: null, tokenId: null, isAdmin: false, via: 'anonymous' }, id, { email: w.people.outsider.email.toUpperCase() }, opts);
    const own = (await listOutbox(db, { to: w.people.outsider.email })).find((e) => e.kind === 'voice-me-too-confirm')!;
    const ownToken = /token=([A-Za-z0-9_-]+)/.exec(own.text)![1]!;
    assert.equal((await service.confirmMeToo(db, cliActor, ownToken)).counted, false);
    assert.equal(await count(), 2);

    // Concurrent clicks by one signed-in person still count once.
    const actor = { userId: w.people.moderator.id, tokenId: null, isAdmin: false, via: 'session' as const };
    await Promise.all(Array.from({ length: 5 }, () => service.meToo(db, actor, id)));
    assert.equal(await count(), 3);
  });

  it('search and filters: words, service, organisation, area (a local authority covers its small areas) and tag', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const a = await story(w, { title: 'Bins on Elm Street', body: 'The recycling lorries skipped us.', services: [w.services.bins.id] });
    const b = await story(w, { title: 'Library help', body: 'Lovely librarians.', services: [w.services.libraries.id] });
    await service.moderateStory(db, w.actors.moderator, a.id, { decision: 'publish', tags: 'recycling' }, opts);
    await service.moderateStory(db, w.actors.moderator, b.id, { decision: 'publish', tags: 'praise' }, opts);
    const ids = async (s: service.StorySearch) => (await service.searchStories(db, cliActor, { ...s, pageSize: 100 })).items.map((x) => x.id);
    assert.ok((await ids({ q: 'recycling lorry' })).includes(a.id), 'stemmed full-text search');
    assert.ok(!(await ids({ q: 'recycling lorry' })).includes(b.id));
    assert.deepEqual(await ids({ service: w.services.bins.id }), [a.id]);
    assert.ok((await ids({ organisation: w.gateshead.slug })).includes(b.id));
    assert.ok(!(await ids({ organisation: w.gateshead.slug })).includes(a.id));
    assert.ok((await ids({ area: NEWCASTLE })).includes(a.id));
    assert.ok((await ids({ area: 'E01008301' })).includes(a.id));
    assert.ok(!(await ids({ area: GATESHEAD })).includes(a.id));
    assert.deepEqual(await ids({ tag: 'praise' }), [b.id]);
    const api = JSON.parse((await new TestAgent(t().app, '10.20.0.10').get('/api/v1/voice/stories?tag=recycling')).body);
    assert.deepEqual(api.items.map((x: { id: string }) => x.id), [a.id]);
  });

  it('alerts email subscribers when matching stories and responses are published; criticality filters are for staff only', async () => {
    const w = await setup();
    const { db } = t().ctx;
    await assert.rejects(service.subscribe(db, w.actors.outsider, { scope: 'organisation', value: w.newcastle.id, minCriticality: '3' }), rejectsWith('forbidden'));
    await service.subscribe(db, w.actors.outsider, { scope: 'area', value: NEWCASTLE });
    await service.subscribe(db, w.actors.newcastleStaff, { scope: 'organisation', value: w.newcastle.slug, minCriticality: '4' });
    const { id } = await story(w, { title: 'Mild grumble' });
    await service.moderateStory(db, w.actors.moderator, id, { decision: 'publish', criticality: '1' }, opts);
    const { id: id2 } = await story(w, { title: 'Serious harm' });
    await service.moderateStory(db, w.actors.moderator, id2, { decision: 'publish', criticality: '5' }, opts);
    const toOutsider = (await listOutbox(db, { to: w.people.outsider.email })).map((e) => e.subject);
    assert.ok(toOutsider.includes('New story: Mild grumble') && toOutsider.includes('New story: Serious harm'));
    const toStaff = (await listOutbox(db, { to: w.people.newcastleStaff.email })).map((e) => e.subject);
    assert.ok(toStaff.includes('New story: Serious harm'));
    assert.ok(!toStaff.includes('New story: Mild grumble'));
    assert.doesNotMatch((await listOutbox(db, { to: w.people.outsider.email }))[0]!.text, /riticality/);
  });

  it('feeds are valid Atom with only published entries, per service, organisation, area and tag', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const { id } = await story(w, { title: 'Feed story', body: 'Line one.\nLine two & more.', services: [w.services.libraries.id] });
    await service.moderateStory(db, w.actors.moderator, id, { decision: 'publish', tags: 'feedtag' }, opts);
    const { id: pending } = await story(w, { title: 'Pending feed story', services: [w.services.libraries.id] });
    const agent = new TestAgent(t().app, '10.20.0.11');
    for (const url of [`/voice/services/${w.services.libraries.id}/feed.atom`, `/voice/organisations/${w.gateshead.slug}/feed.atom`, `/voice/areas/${GATESHEAD}/feed.atom`, '/voice/tags/feedtag/feed.atom', '/voice/feed.atom']) {
      const res = await agent.get(url);
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /application\/atom\+xml/);
      const xml = res.body;
      assert.match(xml, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom">/);
      for (const tag of ['id', 'title', 'updated']) assert.match(xml.split('<entry>')[0]!, new RegExp(`<${tag}[ >]`), `${url} feed ${tag}`);
      const entries = xml.split('<entry>').slice(1);
      assert.ok(entries.length >= 1, url);
      for (const e of entries) for (const tag of ['id', 'title', 'updated']) assert.match(e, new RegExp(`<${tag}[ >]`), `${url} entry ${tag}`);
      assert.match(xml, /Line two &amp; more\./);
      assert.ok(!xml.includes(pending) && !xml.includes('Pending feed story'), url);
    }
    assert.equal((await agent.get('/voice/areas/E99999999/feed.atom')).statusCode, 404);
    assert.equal((await agent.get('/voice/services/not-a-uuid/feed.atom')).statusCode, 404);
  });
});
