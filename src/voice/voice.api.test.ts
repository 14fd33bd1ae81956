// The JSON API with API tokens, on both engines: the same rules as the pages (moderators only moderate, only the
// organisation's staff answer), and problem details naming the field when input is wrong.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { createApiToken } from '../platform/auth/auth.service.ts';
import { loadPlaces, voiceWorld } from './voice.test-support.ts';

eachEngine('voice API', (t) => {
  it('tell, moderate, answer and publish through the API with tokens; petitions too', async () => {
    const { ctx, app } = t();
    await loadPlaces(ctx);
    const w = await voiceWorld(ctx, 'a');
    const auth = async (userId: string) => ({ authorization: `Bearer ${(await createApiToken(ctx.db, cliActor, { userId, name: 'test' })).token}` });
    const [moderator, staff, otherStaff, outsider] = await Promise.all([auth(w.people.moderator.id), auth(w.people.newcastleStaff.id), auth(w.people.gatesheadStaff.id), auth(w.people.newcastleModerator.id)]);
    const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}) => {
      const res = await app.inject({ method, url, payload: payload as object, headers, remoteAddress: '10.60.0.1' });
      return { status: res.statusCode, json: res.body ? JSON.parse(res.body) : null };
    };

    // Without a token or a browser session the call is anonymous: telling a story is public (no CSRF: no cookie).
    assert.equal((await call('POST', '/api/v1/voice/stories', { title: 'x', body: 'y', pseudonym: 'z', services: [w.services.homeCare.id], email: 'a@example.org' })).status, 202);
    const bad = await call('POST', '/api/v1/voice/stories', { title: 'x', body: 'y', pseudonym: 'z', services: [w.services.homeCare.id], email: 'nope' }, outsider);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.errors[0].field, 'email');
    const told = await call('POST', '/api/v1/voice/stories', { title: 'Through the API', body: 'It was fine.', pseudonym: 'API user', email: 'api@example.org', services: [w.services.homeCare.id] }, outsider);
    assert.equal(told.status, 202);
    const id = told.json.id;
    assert.equal((await call('GET', `/api/v1/voice/stories/${id}`)).status, 404);
    for (const who of [staff, outsider]) assert.equal((await call('POST', `/api/v1/voice/stories/${id}/moderation`, { decision: 'publish' }, who)).status, 403);
    assert.equal((await call('POST', `/api/v1/voice/stories/${id}/moderation`, { decision: 'publish' })).status, 401);
    const published = await call('POST', `/api/v1/voice/stories/${id}/moderation`, { decision: 'publish', tags: ['api'], criticality: 2 }, moderator);
    assert.equal(published.status, 200);
    assert.equal(published.json.status, 'published');
    assert.equal((await call('GET', `/api/v1/voice/stories/${id}`)).json.criticality, null);
    assert.equal((await call('GET', `/api/v1/voice/stories/${id}`, undefined, staff)).json.criticality, 2);

    assert.equal((await call('POST', `/api/v1/voice/stories/${id}/responses`, { body: 'Not ours' }, otherStaff)).status, 403);
    const answered = await call('POST', `/api/v1/voice/stories/${id}/responses`, { body: 'Thank you.' }, staff);
    assert.equal(answered.status, 201);
    assert.equal(answered.json.status, 'pending');
    assert.equal((await call('POST', `/api/v1/voice/responses/${answered.json.id}/moderation`, { decision: 'publish' }, staff)).status, 403);
    assert.equal((await call('POST', `/api/v1/voice/responses/${answered.json.id}/moderation`, { decision: 'publish' }, moderator)).json.status, 'published');
    const metrics = await call('GET', `/api/v1/voice/organisations/${w.newcastle.slug}/metrics`);
    assert.equal(metrics.json.answered, 1);

    const p = await call('POST', '/api/v1/voice/petitions', { organisation: w.newcastle.slug, title: 'API petition', background: 'Because.' }, staff);
    assert.equal(p.status, 201);
    assert.equal(p.json.state, 'collecting');
    assert.equal((await call('POST', `/api/v1/voice/petitions/${p.json.id}/moderation`, { decision: 'open' }, moderator)).status, 409);
    assert.equal((await call('POST', `/api/v1/voice/petitions/${p.json.id}/invalidations`, { reason: 'x', emailDomain: 'spam.test' }, staff)).status, 403);
    const inv = await call('POST', `/api/v1/voice/petitions/${p.json.id}/invalidations`, { reason: 'Throwaway', emailDomain: 'spam.test' }, moderator);
    assert.equal(inv.status, 201);
    assert.equal(inv.json.signatures, 0);
    const doc = await call('GET', `/api/v1/voice/petitions/${p.json.id}.json`);
    assert.equal(doc.status, 200);
    assert.equal(doc.json.signatures, 0);
    assert.deepEqual(doc.json.byLocalAuthority, []);
    assert.equal((await call('PUT', `/api/v1/voice/petitions/${p.json.id}/response`, { text: 'Too early' }, staff)).status, 422);
  });
});
