// Safety on both engines: script injection in every text field a person can type, on every page and feed that
// shows it; guessing the ids of unpublished stories and responses; and the API never leaking private fields.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { addMember } from '../organisations/organisations.service.ts';
import { verifiedPublicBody } from '../organisations/organisations.test-support.ts';
import * as service from './voice.service.ts';
import * as petitions from './voice.petitions.ts';
import { baseUrl, loadPlaces, NEWCASTLE, password, voiceWorld } from './voice.test-support.ts';

const opts = { baseUrl };
const evil = (field: string) => `<script>alert("${field}")</script><img src=x>&`;

eachEngine('voice safety', (t) => {
  it('every text field is escaped on every page and feed that shows it', async () => {
    const { ctx, app } = t();
    const { db } = ctx;
    await loadPlaces(ctx);
    const w = await voiceWorld(ctx, 'x');
    // People and organisations whose names are themselves hostile.
    const org = await verifiedPublicBody(db, evil('orgname'), 'local-authority', { description: evil('orgdesc') });
    const staff = await registerUser(db, cliActor, { email: 'evil.staff@example.org', name: evil('respondername'), password });
    await addMember(db, cliActor, org.id, { email: staff.email, role: 'staff' });
    const staffActor = { userId: staff.id, tokenId: null, isAdmin: false, via: 'session' as const };
    const creator = await registerUser(db, cliActor, { email: 'evil.creator@example.org', name: evil('creatorname'), password });
    const svc = await service.createService(db, staffActor, { organisation: org.id, name: evil('servicename'), description: evil('servicedesc'), decisionType: 'technical', areas: [NEWCASTLE] });
    const { id } = await service.submitStory(db, cliActor, { title: evil('title'), body: `${evil('body')}\n${evil('body2')}\nSee https://evil.example/phish and [click](javascript:alert(1))`, pseudonym: evil('pseudonym'), email: 'victim@example.org', services: [svc.id, w.services.homeCare.id] }, opts);
    await service.moderateStory(db, w.actors.moderator, id, { decision: 'publish', tags: evil('tag') }, opts);
    const r = await service.respondToStory(db, staffActor, id, { body: evil('response') }, opts);
    await service.moderateResponse(db, w.actors.moderator, r.id, { decision: 'publish' }, opts);
    const p = await petitions.createPetition(db, { userId: creator.id, tokenId: null, isAdmin: false, via: 'session' }, { organisation: org.id, title: evil('ptitle'), background: evil('pbackground') });
    await petitions.setPetitionSettings(db, cliActor, org.id, { requiredSupporters: '0' });
    const p2 = await petitions.createPetition(db, { userId: creator.id, tokenId: null, isAdmin: false, via: 'session' }, { organisation: org.id, title: evil('p2title'), background: evil('p2background') });
    await petitions.moderatePetition(db, w.actors.moderator, p2.id, { decision: 'open' });
    await petitions.signPetition(db, cliActor, p2.id, { name: evil('signer'), email: 'signer@example.org', postcode: 'NE1 4ST', localAuthority: NEWCASTLE, consent: 'yes' }, opts);
    await petitions.invalidateSignatures(db, w.actors.moderator, p2.id, { reason: evil('invalidreason'), emailDomain: 'example.net' });
    await petitions.respondToPetition(db, staffActor, p2.id, { text: evil('petitionresponse') }, opts);

    const moderator = new TestAgent(app, '10.40.0.1');
    await moderator.get('/sign-in');
    assert.equal((await moderator.post('/sign-in', { email: w.people.moderator.email, password })).statusCode, 303);
    const pages = [
      '/voice', `/voice/stories/${id}`, '/voice/services', `/voice/services/${svc.id}`, `/voice/organisations/${org.slug}`,
      '/voice/moderation', `/voice/moderation/stories/${id}`, '/voice/petitions', `/voice/petitions/${p.id}`, `/voice/petitions/${p2.id}`,
      '/voice/stories/new',
    ];
    const seen = new Set<string>();
    for (const url of pages) {
      const res = await moderator.get(url);
      assert.equal(res.statusCode, 200, url);
      assert.doesNotMatch(res.body, /<script>alert|<img src=x/, url);
      for (const m of res.body.matchAll(/&lt;script&gt;alert\(&quot;(\w+)&quot;\)/g)) seen.add(m[1]!);
    }
    // Links people type are shown as text, never made into links.
    const storyPage = (await moderator.get(`/voice/stories/${id}`)).body;
    assert.match(storyPage, /See https:\/\/evil\.example\/phish/);
    assert.doesNotMatch(storyPage, /href="https:\/\/evil|href="javascript/);
    for (const field of ['orgname', 'servicename', 'servicedesc', 'title', 'body', 'body2', 'pseudonym', 'response', 'respondername', 'ptitle', 'pbackground', 'p2title', 'p2background', 'creatorname', 'invalidreason', 'petitionresponse']) {
      assert.ok(seen.has(field), `${field} shown escaped somewhere`);
    }
    const feeds = ['/voice/feed.atom', `/voice/services/${svc.id}/feed.atom`, `/voice/organisations/${org.slug}/feed.atom`, `/voice/areas/${NEWCASTLE}/feed.atom`, '/voice/tags/script-alert-tag-script-img-src-x/feed.atom'];
    const feedSeen = new Set<string>();
    for (const url of feeds) {
      const res = await moderator.get(url);
      assert.equal(res.statusCode, 200, url);
      assert.doesNotMatch(res.body, /<script>|<img /, url);
      assert.doesNotMatch(res.body, /type="html"/, url);
      for (const m of res.body.matchAll(/&lt;script&gt;alert\(&quot;(\w+)&quot;\)/g)) feedSeen.add(m[1]!);
    }
    for (const field of ['title', 'body', 'pseudonym', 'response', 'respondername', 'servicename', 'orgname']) assert.ok(feedSeen.has(field), `${field} in a feed, escaped`);
    // Tags are reduced to letters, digits and hyphens before they are stored.
    assert.deepEqual((await service.getStory(db, cliActor, id)).tags, ['script-alert-tag-script-img-src-x']);
  });

  it('story submissions and "me too" are rate limited per IP address', async () => {
    const { app } = t();
    const agent = new TestAgent(app, '10.40.0.9');
    await agent.get('/voice/stories/new');
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await agent.post('/voice/stories', { title: `Flood ${i}`, body: 'x', pseudonym: 'p', email: 'nope' })).statusCode);
    assert.deepEqual(statuses, [...Array(10).fill(400), 429]);
    const other = new TestAgent(app, '10.40.0.10');
    await other.get('/voice/stories/new');
    assert.equal((await other.post('/voice/stories', { title: 'Fine', body: 'x', pseudonym: 'p', email: 'nope' })).statusCode, 400);
  });

  it('guessing ids: unpublished stories and responses are not found by id, list, search, feed or API; private fields never leave', async () => {
    const { ctx, app } = t();
    const { db } = ctx;
    const w = await voiceWorld(ctx, 'g');
    const { id } = await service.submitStory(db, cliActor, { title: 'Secret pending', body: 'unpublishedwombat.', pseudonym: 'P', email: 'private.author@example.org', postcode: 'NE1 4ST', services: [w.services.homeCare.id] }, opts);
    const visitor = new TestAgent(app, '10.40.0.2');
    for (const url of [`/voice/stories/${id}`, `/api/v1/voice/stories/${id}`, `/voice/stories/${id.toUpperCase()}`, '/voice/stories/00000000-0000-4000-8000-000000000000', '/voice/stories/../../etc/passwd']) {
      assert.equal((await visitor.get(url)).statusCode, 404, url);
    }
    // (A search page repeats the words searched for, so the test looks for the story's title and the count.)
    for (const url of ['/voice?q=unpublishedwombat', '/api/v1/voice/stories?q=unpublishedwombat', '/voice/feed.atom', `/voice/services/${w.services.homeCare.id}`]) {
      assert.doesNotMatch((await visitor.get(url)).body, /Secret pending|unpublishedwombat\./, url);
    }
    assert.match((await visitor.get('/voice?q=unpublishedwombat')).body, />0 stories</);
    assert.equal(JSON.parse((await visitor.get('/api/v1/voice/stories?q=unpublishedwombat')).body).total, 0);
    // Staff of the organisation the story is about cannot see it before publication either.
    const staff = new TestAgent(app, '10.40.0.3');
    await staff.get('/sign-in');
    await staff.post('/sign-in', { email: w.people.newcastleStaff.email, password });
    assert.equal((await staff.get(`/voice/stories/${id}`)).statusCode, 404);
    assert.equal((await staff.get('/voice/moderation')).statusCode, 403);

    await service.moderateStory(db, w.actors.moderator, id, { decision: 'publish' }, opts);
    const r = await service.respondToStory(db, w.actors.newcastleStaff, id, { body: 'pendingresponseotter' }, opts);
    assert.match((await visitor.get('/voice?q=pendingresponseotter')).body, />0 stories</);
    assert.equal(JSON.parse((await visitor.get('/api/v1/voice/stories?q=pendingresponseotter')).body).total, 0);
    for (const url of [`/voice/stories/${id}`, `/api/v1/voice/stories/${id}`, '/voice/feed.atom', `/voice/organisations/${w.newcastle.slug}/feed.atom`]) {
      const body = (await visitor.get(url)).body;
      assert.doesNotMatch(body, /pendingresponseotter/, url);
      assert.ok(!body.includes(r.id), url);
    }
    const api = (await visitor.get(`/api/v1/voice/stories/${id}`)).body;
    assert.doesNotMatch(api, /private\.author|NE1 4ST|author_email|postcode/);
    const openapi = JSON.parse((await visitor.get('/api/v1/openapi.json')).body);
    assert.ok(openapi.paths['/api/v1/voice/petitions/{id}.json'], 'the petition document is in the OpenAPI document');
  });
});
