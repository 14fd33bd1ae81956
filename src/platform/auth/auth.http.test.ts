import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../testing.ts';
import { listOutbox } from '../outbox.repository.ts';
import { cliActor } from '../actor.ts';
import { createApiToken, registerUser, requestPasswordReset } from './auth.service.ts';

const password = 'a long enough password';

eachEngine('accounts over HTTP', (t) => {
  it('registers once the emailed link is opened, signs out and signs back in with a fresh session', async () => {
    const { app, ctx } = t();
    const agent = new TestAgent(app, '10.0.0.1');
    const form = await agent.get('/register');
    assert.equal(form.statusCode, 200);
    assert.ok(agent.cookie, 'an anonymous session carries the CSRF token');
    const anonymousCookie = agent.cookie;
    const sent = await agent.post('/register', { name: 'Grace Hopper', email: 'Grace@Example.org', password });
    assert.equal(sent.statusCode, 200);
    assert.match(sent.body, /Check your email/);
    assert.equal(await ctx.db.selectFrom('users').select('id').where('email', '=', 'grace@example.org').executeTakeFirst(), undefined, 'no account until the address is confirmed');
    const [mail] = await listOutbox(ctx.db, { to: 'grace@example.org' });
    const token = /\/register\/confirm\?token=([\w-]+)/.exec(mail!.text)![1]!;
    assert.equal((await agent.get(`/register/confirm?token=${token}`)).statusCode, 200);
    const res = await agent.post('/register/confirm', { token });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/account?notice=registered');
    assert.notEqual(agent.cookie, anonymousCookie, 'signing in replaces the session');
    const reused = await new TestAgent(app, '10.0.0.1').get(`/register/confirm?token=${token}`);
    assert.equal(reused.statusCode, 400, 'the link works once');
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

  it('answers a taken email exactly as a new one, in the same time, and tells the address’s owner by email instead', async () => {
    const { app, ctx } = t();
    await registerUser(ctx.db, cliActor, { email: 'taken@example.org', name: 'One', password });
    const before = await ctx.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const answer = async (email: string) => {
      const agent = new TestAgent(app, '10.0.0.2');
      await agent.get('/register');
      const started = performance.now();
      const res = await agent.post('/register', { name: 'Two', email, password });
      return { status: res.statusCode, body: res.body.replace(/value="[\w-]{43}"|nonce="[0-9a-f]+"/g, '').replace(email, 'EMAIL'), ms: performance.now() - started };
    };
    const taken = await answer('TAKEN@example.org');
    const fresh = await answer('fresh@example.org');
    assert.equal(taken.status, 200);
    assert.equal(taken.body, fresh.body, 'the same page, word for word');
    assert.ok(taken.ms >= 290 && fresh.ms >= 290, `both answer no sooner than the floor (${Math.round(taken.ms)} ms, ${Math.round(fresh.ms)} ms)`);
    const after = await ctx.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n), 'no account is made or changed');
    const [note] = await listOutbox(ctx.db, { to: 'taken@example.org' });
    assert.match(note!.subject, /Someone tried to register with your email address/);
    assert.ok(!/token=/.test(note!.text), 'the note to the owner carries no link that creates anything');
    const [confirm] = await listOutbox(ctx.db, { to: 'fresh@example.org' });
    assert.match(confirm!.text, /\/register\/confirm\?token=/);
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
    assert.equal((await listOutbox(ctx.db, { to: 'mallory@example.org' })).length, 0, 'nothing was even asked for');
  });

  it('treats an expired or unknown session as signed out', async () => {
    const { app, ctx } = t();
    const agent = new TestAgent(app, '10.0.0.6');
    await agent.register(ctx.db, { name: 'Expiring', email: 'expiring@example.org', password });
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
    const [noAccount] = await listOutbox(ctx.db, { to: 'nobody-here@example.org' });
    assert.match(noAccount!.text, /has no account/, 'the address without an account is told so, by email');
    assert.ok(!/token=/.test(noAccount!.text));

    assert.equal((await agent.get(`/reset-password?token=${link[1]}`)).statusCode, 200);
    const reset = await agent.post('/reset-password', { token: link[1]!, password: 'a brand new password' });
    assert.equal(reset.statusCode, 303);
    assert.equal((await other.get('/account')).statusCode, 303, 'the other device was signed out');
    const again = await agent.get(`/reset-password?token=${link[1]}`);
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /expired or has already been used/);
  });

  it('keeps one reset link working at a time, and a reset revokes the API tokens and every other session', async () => {
    const { app, ctx } = t();
    const user = await registerUser(ctx.db, cliActor, { email: 'twolinks@example.org', name: 'Two Links', password });
    const { token: apiToken } = await createApiToken(ctx.db, cliActor, { userId: user.id, name: 'script' });
    const bearer = { authorization: `Bearer ${apiToken}` };
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer })).statusCode, 200);
    const signedIn = new TestAgent(app, '10.0.1.1');
    await signedIn.get('/sign-in');
    await signedIn.post('/sign-in', { email: 'twolinks@example.org', password });
    const agent = new TestAgent(app, '10.0.1.2');
    const links: string[] = [];
    for (let i = 0; i < 3; i++) {
      await agent.get('/forgot-password');
      await agent.post('/forgot-password', { email: 'twolinks@example.org' });
      const [mail] = await listOutbox(ctx.db, { to: 'twolinks@example.org', limit: 1 });
      links.push(/token=([\w-]+)/.exec(mail!.text)![1]!);
    }
    assert.equal(new Set(links).size, 3);
    for (const old of links.slice(0, 2)) assert.equal((await agent.get(`/reset-password?token=${old}`)).statusCode, 400, 'a newer link ends an older one');
    const oldPost = await agent.post('/reset-password', { token: links[0]!, password: 'an attacker’s password' });
    assert.equal(oldPost.statusCode, 400);
    const form = await agent.get(`/reset-password?token=${links[2]}`);
    assert.match(form.body, /API tokens are revoked/, 'the form says what a reset does');
    const reset = await agent.post('/reset-password', { token: links[2]!, password: 'a brand new password' });
    assert.equal(reset.statusCode, 303);
    const account = await agent.get(String(reset.headers.location));
    assert.match(account.body, /API tokens have been revoked/);
    const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer });
    assert.equal(me.statusCode, 401, 'the API token died with the old password');
    assert.equal((await signedIn.get('/account')).statusCode, 303, 'the other session was ended');
    for (const used of links) assert.equal((await agent.get(`/reset-password?token=${used}`)).statusCode, 400);
    const open = await ctx.db.selectFrom('password_resets').select('token_hash').where('user_id', '=', user.id).where('used_at', 'is', null).execute();
    assert.equal(open.length, 0);
    const audit = await ctx.db.selectFrom('audit_log').select('after').where('action', '=', 'user.password_reset').where('entity_id', '=', user.id).executeTakeFirstOrThrow();
    assert.equal((audit.after as { apiTokensRevoked: string[] }).apiTokensRevoked.length, 1);
  });

  it('leaves exactly one working reset link when several are asked for at once', async () => {
    const { ctx } = t();
    const user = await registerUser(ctx.db, cliActor, { email: 'concurrent.reset@example.org', name: 'Concurrent', password });
    await Promise.all(Array.from({ length: 6 }, () => requestPasswordReset(ctx.db, { email: 'concurrent.reset@example.org' }, 'http://localhost')));
    const open = await ctx.db.selectFrom('password_resets').select('token_hash').where('user_id', '=', user.id).where('used_at', 'is', null).execute();
    assert.equal(open.length, 1);
    const mails = await listOutbox(ctx.db, { to: 'concurrent.reset@example.org' });
    assert.equal(mails.length, 6, 'each request was answered');
  });

  it('refuses a second open reset link for one account in the database itself', async () => {
    const { ctx } = t();
    const user = await registerUser(ctx.db, cliActor, { email: 'index@example.org', name: 'Index', password });
    const later = new Date(Date.now() + 3600_000);
    await ctx.db.insertInto('password_resets').values({ token_hash: 'a'.repeat(64), user_id: user.id, expires_at: later }).execute();
    await assert.rejects(ctx.db.insertInto('password_resets').values({ token_hash: 'b'.repeat(64), user_id: user.id, expires_at: later }).execute(), /password_resets_one_open|duplicate key/);
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
    await agent.register(ctx.db, { name: 'Token Holder', email: 'tokens@example.org', password });
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
