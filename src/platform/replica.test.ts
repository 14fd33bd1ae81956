// DATABASE_REPLICA_URL: anonymous GETs read from the replica, everything else from the primary, and a replica
// that is down or refuses a write leaves the primary to answer. Here the "replica" is a second database made
// read-only per connection, which is how a hot standby answers a write (25006).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../app.ts';
import { cliActor } from './actor.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';
import { openTestContext, openTestDatabase, TestAgent, userWithToken } from './testing.ts';
import type { App, AppContext } from './module.ts';
import type { DatabaseHandle } from './db.ts';

describe('reads from a replica', { skip: !process.env.DATABASE_URL && 'needs DATABASE_URL (a PostgreSQL server)' }, () => {
  let replica: DatabaseHandle & { url?: string };
  let ctx: AppContext;
  let app: App;
  before(async () => {
    replica = await openTestDatabase('postgres');
    await createOrganisation(replica.db, cliActor, { name: 'Only On The Replica Trust', legalForm: 'charitable-company' });
    const readOnly = new URL(replica.url!);
    readOnly.searchParams.set('options', '-c default_transaction_read_only=on');
    ctx = await openTestContext('postgres', { DATABASE_REPLICA_URL: readOnly.toString() });
    app = await createApp(ctx);
  });
  after(async () => {
    await app?.close();
    await ctx?.handle.close();
    await replica?.close();
  });

  it('answers an anonymous GET from the replica, and a token’s from the primary', async () => {
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/organisations?q=Only%20On%20The%20Replica' });
    assert.equal(anonymous.statusCode, 200);
    assert.match(anonymous.body, /Only On The Replica Trust/);
    const { auth } = await userWithToken(ctx.db, 'reader@example.org');
    const signedIn = await app.inject({ method: 'GET', url: '/api/v1/organisations?q=Only%20On%20The%20Replica', headers: auth });
    assert.equal(signedIn.statusCode, 200);
    assert.doesNotMatch(signedIn.body, /Only On The Replica Trust/);
  });

  it('writes what an anonymous GET must write (a form’s session) to the primary, where the next request finds it', async () => {
    const agent = new TestAgent(app);
    const page = await agent.get('/sign-in');
    assert.equal(page.statusCode, 200);
    assert.ok(agent.cookie, 'a session for the form');
    const wrong = await agent.post('/sign-in', { email: 'nobody@example.org', password: 'not the password' });
    assert.notEqual(wrong.statusCode, 403, `the form's token is found on the primary: ${wrong.statusCode}`);
  });

  it('falls back to the primary when the replica is down', async () => {
    const down = await openTestContext('postgres', { DATABASE_REPLICA_URL: 'postgres://nobody@127.0.0.1:1/none' });
    const downApp = await createApp(down);
    try {
      for (let i = 0; i < 3; i += 1) {
        const res = await downApp.inject({ method: 'GET', url: '/api/v1/organisations' });
        assert.equal(res.statusCode, 200, res.body);
      }
      const health = await downApp.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.statusCode, 200);
      assert.equal(health.json().replica.status, 'unreachable');
    } finally {
      await downApp.close();
      await down.handle.close();
    }
  });
});
