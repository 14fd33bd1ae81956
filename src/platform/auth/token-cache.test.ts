import { it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from 'kysely';
import { pino } from 'pino';
import { eachEngine, userWithToken } from '../testing.ts';
import { cliActor } from '../actor.ts';
import { revokeApiToken, setAdministrator } from './auth.service.ts';
import { markApiTokenUsed } from './auth.repository.ts';
import { authChannel, listenForAuthChanges, TokenCache, type RememberedToken } from './token-cache.ts';

const silent = pino({ level: 'silent' });
const remembered: RememberedToken = { actor: { userId: 'u', tokenId: 't', isAdmin: false, via: 'token' }, user: { id: 'u', email: 'a@example.org', name: 'A', isAdmin: false }, lastUsedAt: null };

async function until(condition: () => Promise<boolean> | boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) assert.fail(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('remembers nothing until it listens, and nothing read before a notification', () => {
  const cache = new TokenCache();
  try {
    const g0 = cache.begin();
    cache.remember('h', remembered, g0);
    assert.equal(cache.get('h'), null, 'not listening: nothing is remembered');
    cache.setListening(true);
    const g1 = cache.begin();
    cache.forgetAll(); // a notification arrives while the request is reading
    cache.remember('h', remembered, g1);
    assert.equal(cache.get('h'), null, 'what was read before the notification is not kept');
    cache.remember('h', remembered, cache.begin());
    assert.equal(cache.get('h'), remembered);
    cache.setListening(false);
    assert.equal(cache.get('h'), null, 'losing the connection forgets everything');
  } finally {
    cache.dispose();
  }
});

eachEngine('API tokens remembered between requests', (t) => {
  const whoami = (auth: { authorization: string }) => t().app.inject({ method: 'GET', url: '/api/v1/me', headers: auth });

  it('refuses a token revoked by another process, and one revoked here at once', async () => {
    const { ctx } = t();
    const a = await userWithToken(ctx.db, 'revoked-elsewhere@example.org');
    for (let i = 0; i < 3; i++) assert.equal((await whoami(a.auth)).statusCode, 200);
    // Another process (here: a plain statement on the database) revokes it: the app hears of it.
    await sql`UPDATE api_tokens SET revoked_at = now() WHERE user_id = ${a.user.id}`.execute(ctx.db);
    await until(async () => (await whoami(a.auth)).statusCode === 401, 'refusing the revoked token');

    const b = await userWithToken(ctx.db, 'revoked-here@example.org');
    assert.equal((await whoami(b.auth)).statusCode, 200);
    const tokenId = (await ctx.db.selectFrom('api_tokens').select('id').where('user_id', '=', b.user.id).executeTakeFirstOrThrow()).id;
    await revokeApiToken(ctx.db, { userId: b.user.id, tokenId: null, isAdmin: false, via: 'session' }, tokenId);
    assert.equal((await whoami(b.auth)).statusCode, 401, 'revoked in this process: refused on the next request');
  });

  it('forgets a withdrawn administrator flag', async () => {
    const { ctx } = t();
    const a = await userWithToken(ctx.db, 'was-admin@example.org');
    await setAdministrator(ctx.db, cliActor, 'was-admin@example.org', true);
    assert.equal((await whoami(a.auth)).json().isAdmin, true);
    await sql`UPDATE users SET is_admin = false WHERE id = ${a.user.id}`.execute(ctx.db);
    await until(async () => (await whoami(a.auth)).json().isAdmin === false, 'seeing the flag withdrawn');
  });

  it('listens on the database and is not told when a token is only marked as used', async () => {
    const { ctx } = t();
    if (!ctx.handle.pool) return; // PGlite: no cache, nothing to listen for
    const cache = new TokenCache();
    const stop = listenForAuthChanges(ctx.handle.pool.options, cache, silent);
    const listener = new pg.Client(ctx.handle.pool.options);
    try {
      await until(() => cache.active, 'listening');
      await listener.connect();
      const heard: string[] = [];
      listener.on('notification', (n) => heard.push(n.channel));
      await listener.query(`LISTEN ${authChannel}`);
      const a = await userWithToken(ctx.db, 'marked@example.org');
      const tokenId = (await ctx.db.selectFrom('api_tokens').select('id').where('user_id', '=', a.user.id).executeTakeFirstOrThrow()).id;
      await markApiTokenUsed(ctx.db, tokenId);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(heard, [], 'last_used_at alone notifies nobody');
      cache.remember('h', remembered, cache.begin());
      await sql`UPDATE users SET name = 'Renamed' WHERE id = ${a.user.id}`.execute(ctx.db);
      await until(() => heard.length === 1 && cache.get('h') === null, 'the rename heard and the cache emptied');
    } finally {
      await listener.end();
      await stop();
      cache.dispose();
    }
  });
});
