import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../testing.ts';
import { listOutbox } from '../outbox.repository.ts';
import { cliActor } from '../actor.ts';
import { createApiToken, registerUser } from './auth.service.ts';

const password = 'a long enough password';

eachEngine('accounts over HTTP', (t) => {
  it('registers, signs out and signs back in with a fresh session', async () => {
    const { app, ctx } = t();
    const agent = new TestAgent(app, '10.0.0.1');
    const form = await agent.get('/register');
    assert.equal(form.statusCode, 200);
    assert.ok(agent.cookie, 'an anonymous session carries the CSRF token');
    const anonymousCookie = agent.cookie;
    const res = await agent.post('/register', { name: 'Grace Hopper', email: 'Grace@Example.org', password });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/account?notice=registered');
    assert.notEqual(agent.cookie, anonymousCookie, 'signing in replaces the session');
    const account = await agent.get('/account');
    assert.equal(account.statusCode, 200);
    assert.match(account.body, /grace@example\.org/);
    assert.match(account.headers['set-cookie'] ? '' : String(account.headers['cache-control']), /no-store/);

    await agent.post('/sign-out', {});
    assert.equal(agent.cookie, null);
    const afterSignOut = await agent.get('/account');
    assert.equal(afterSignOut.statusCode, 303, 'a signed-out visitor is sent to sign in');
    assert.match(String(afterSignOut.headers.location), /^\/sign-in\?next=%2Faccount/);

    await agent.get('/sign-in');
    const signIn = await agent.post('/sign-in', { email: 'grace@example.org', password, next: '/account' });
    assert.equal(signIn.statusCode, 303);
    assert.equal(signIn.headers.location, '/account');
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'user.%').execute();
    assert.ok(audit.some((a) => a.action === 'user.registered'));
    const stored = await ctx.db.selectFrom('users').select('password_hash').where('email', '=', 'grace@example.org').executeTakeFirstOrThrow();
    assert.match(stored.password_hash!, /^\$argon2id\$/);
  });

  it('refuses a taken email, naming the field, and writes nothing', async () => {
    const { app, ctx } = t();
    const agent = new TestAgent(app, '10.0.0.2');
    await agent.get('/register');
    await agent.post('/register', { name: 'One', email: 'taken@example.org', password });
    const other = new TestAgent(app, '10.0.0.2');
    await other.get('/register');
    const before = await ctx.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const res = await other.post('/register', { name: 'Two', email: 'TAKEN@example.org', password });
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /<title>Error: /);
    assert.match(res.body, /That email address is already registered/);
    assert.match(res.body, /href="#email"/);
    const after = await ctx.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
  });

  it('lists every problem with a registration at once', async () => {
    const { app } = t();
    const agent = new TestAgent(app, '10.0.0.3');
    await agent.get('/register');
    const res = await agent.post('/register', { name: '', email: 'not-an-email', password: 'short' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Enter your full name/);
    assert.match(res.body, /Enter an email address in the correct format/);
    assert.match(res.body, /Password must be 10 characters or more/);
  });

  it('gives one answer for a wrong password and an unknown email', async () => {
    const { app } = t();
    await registerUser(t().ctx.db, cliActor, { email: 'ada@example.org', name: 'Ada', password });
    const agent = new TestAgent(app, '10.0.0.4');
    await agent.get('/sign-in');
    const wrong = await agent.post('/sign-in', { email: 'ada@example.org', password: 'not the password' });
    const unknown = await agent.post('/sign-in', { email: 'nobody@example.org', password: 'not the password' });
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.match(wrong.body, /Enter a correct email address and password/);
    assert.match(unknown.body, /Enter a correct email address and password/);
  });

  it('refuses a form without the session’s CSRF token, and changes nothing', async () => {
    const { app, ctx } = t();
    const agent = new TestAgent(app, '10.0.0.5');
    await agent.get('/register');
    const forged = await agent.post('/register', { name: 'Mallory', email: 'mallory@example.org', password }, { csrf: 'forged-token-value' });
    assert.equal(forged.statusCode, 403);
    assert.match(forged.body, /Your form has expired/);
    const missing = await agent.post('/register', { name: 'Mallory', email: 'mallory@example.org', password }, { csrf: null });
    assert.equal(missing.statusCode, 403);
    const noCookie = await app.inject({ method: 'POST', url: '/register', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `name=M&email=mallory%40example.org&password=${encodeURIComponent(password)}&_csrf=${agent.csrf}` });
    assert.equal(noCookie.statusCode, 403);
    assert.equal(await ctx.db.selectFrom('users').select('id').where('email', '=', 'mallory@example.org').executeTakeFirst(), undefined);
  });

  it('treats an expired or unknown session as signed out', async () => {
    const { app, ctx } = t();
    const agent = new TestAgent(app, '10.0.0.6');
    await agent.get('/register');
    await agent.post('/register', { name: 'Expiring', email: 'expiring@example.org', password });
    await ctx.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', 'is not', null).execute();
    const res = await agent.get('/account');
    assert.equal(res.statusCode, 303);
    const garbage = await app.inject({ method: 'GET', url: '/account', headers: { cookie: 'cw_session=not-a-real-session' } });
    assert.equal(garbage.statusCode, 303);
  });

  it('resets a password through the outbox, once, ending other sessions', async () => {
    const { app, ctx } = t();
    await registerUser(ctx.db, cliActor, { email: 'reset@example.org', name: 'Resetting', password });
    const other = new TestAgent(app, '10.0.0.7');
    await other.get('/sign-in');
    await other.post('/sign-in', { email: 'reset@example.org', password });
    assert.equal((await other.get('/account')).statusCode, 200);

    const agent = new TestAgent(app, '10.0.0.8');
    await agent.get('/forgot-password');
    const sent = await agent.post('/forgot-password', { email: 'reset@example.org' });
    assert.equal(sent.statusCode, 200);
    assert.match(sent.body, /Check your email/);
    const unknown = await agent.post('/forgot-password', { email: 'nobody-here@example.org' });
    assert.match(unknown.body, /Check your email/, 'the same answer whether or not the account exists');
    const [email] = await listOutbox(ctx.db, { to: 'reset@example.org' });
    assert.ok(email);
    const link = /\/reset-password\?token=([\w-]+)/.exec(email.text);
    assert.ok(link, 'the email carries a reset link');
    assert.equal((await listOutbox(ctx.db, { to: 'nobody-here@example.org' })).length, 0);

    assert.equal((await agent.get(`/reset-password?token=${link[1]}`)).statusCode, 200);
    const reset = await agent.post('/reset-password', { token: link[1]!, password: 'a brand new password' });
    assert.equal(reset.statusCode, 303);
    assert.equal((await other.get('/account')).statusCode, 303, 'the other device was signed out');
    const again = await agent.get(`/reset-password?token=${link[1]}`);
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /expired or has already been used/);
  });

  it('rate-limits sign-in attempts from one address', async () => {
    const { app } = t();
    const agent = new TestAgent(app, '10.9.9.9');
    await agent.get('/sign-in');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await agent.post('/sign-in', { email: 'x@example.org', password: 'wrong password' })).statusCode);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.equal(statuses[10], 429);
    const other = new TestAgent(app, '10.9.9.10');
    await other.get('/sign-in');
    assert.equal((await other.post('/sign-in', { email: 'x@example.org', password: 'wrong password' })).statusCode, 401, 'another address is not limited');
  });

  it('creates an API token shown once, accepts it as a bearer, and refuses it once revoked', async () => {
    const { app, ctx } = t();
    const agent = new TestAgent(app, '10.0.0.10');
    await agent.get('/register');
    await agent.post('/register', { name: 'Token Holder', email: 'tokens@example.org', password });
    await agent.get('/account');
    const created = await agent.post('/account/tokens', { name: 'My script' });
    assert.equal(created.statusCode, 201);
    const token = /<code class="cw-token" id="new-token">(cw_[\w-]+)<\/code>/.exec(created.body)?.[1];
    assert.ok(token);
    const stored = await ctx.db.selectFrom('api_tokens').selectAll().where('name', '=', 'My script').executeTakeFirstOrThrow();
    assert.notEqual(stored.token_hash, token, 'only a hash is stored');
    assert.ok(!(await agent.get('/account')).body.includes(token), 'the token is not shown again');

    const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().email, 'tokens@example.org');

    await agent.post(`/account/tokens/${stored.id}/revoke`, {});
    const revoked = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
    assert.equal(revoked.statusCode, 401);
    assert.equal(revoked.json().code, 'invalid_token');
  });

  it('answers a malformed or unknown token with problem JSON', async () => {
    const { app, ctx } = t();
    for (const header of ['Bearer', 'Basic abc', 'Bearer not-a-token', `Bearer cw_${'x'.repeat(43)}`]) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: header } });
      assert.equal(res.statusCode, 401, header);
      assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(res.json().code, 'invalid_token');
    }
    const user = await registerUser(ctx.db, cliActor, { email: 'apiuser@example.org', name: 'API', password });
    const { token } = await createApiToken(ctx.db, cliActor, { userId: user.id, name: 'x' });
    const anon = await app.inject({ method: 'GET', url: '/api/v1/me' });
    assert.equal(anon.statusCode, 401);
    assert.equal(anon.json().code, 'unauthenticated');
    const ok = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `bearer ${token}` } });
    assert.equal(ok.statusCode, 200);
  });
});
