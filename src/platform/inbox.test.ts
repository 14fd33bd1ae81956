// The platform's inbox and notification mechanism: the inbox page and API for each signed-in person, the email
// settings (validated, audited, one person's own), the emails' links, and the email that tells a person they
// were given a role — from the pages, the API and the command line.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCli, eachEngine, runCli, TestAgent, userWithToken } from './testing.ts';
import { cliActor } from './actor.ts';
import { openDatabase } from './db.ts';
import { registerUser } from './auth/auth.service.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';
import { emailsOf, onlyEmail, postPairs, signInAs, testPassword } from './inbox.test-support.ts';
import { notifyWork, type WorkKind } from './inbox.ts';

eachEngine('the inbox and its emails', (t) => {
  it('shows each signed-in person an inbox, empty at first, and refuses it to anyone signed out', async () => {
    const { app, ctx } = t();
    await registerUser(ctx.db, cliActor, { email: 'newcomer.inbox@example.org', name: 'Newcomer', password: testPassword });
    const visitor = new TestAgent(app, '10.89.0.1');
    const signedOut = await visitor.get('/inbox');
    assert.equal(signedOut.statusCode, 303);
    assert.equal(signedOut.headers.location, '/sign-in?next=%2Finbox');
    assert.equal((await visitor.get('/api/v1/me/inbox')).statusCode, 401);
    assert.doesNotMatch((await visitor.get('/')).body, /href="\/inbox"/, 'no inbox link for a visitor');
    const agent = await signInAs(app, 'newcomer.inbox@example.org');
    const page = await agent.get('/inbox');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Nothing is waiting for you/);
    assert.match(page.body, /href="\/inbox">Inbox <span class="cw-count">0<\/span>/);
    assert.deepEqual((await agent.get('/api/v1/me/inbox')).json(), { total: 0, kinds: [] });
    // Every module's kinds are registered, each with a label for the settings page.
    const kinds = (ctx.lookups.work ?? []).map((k) => k.kind);
    for (const k of ['voice.story-to-moderate', 'voice.story-to-answer', 'commissioning.bid-to-score', 'outcomes.claim-to-validate', 'timebank.join-request', 'timebank.exchange-to-confirm']) {
      assert.ok(kinds.includes(k), `${k} is registered`);
    }
    // The same inbox answers an API token.
    const { auth } = await userWithToken(ctx.db, 'token.inbox@example.org');
    const api = await app.inject({ method: 'GET', url: '/api/v1/me/inbox', headers: auth });
    assert.equal(api.statusCode, 200);
    assert.deepEqual(api.json(), { total: 0, kinds: [] });
  });

  it('saves which kinds a person is emailed about, refuses unknown kinds and forged posts, and audits the change', async () => {
    const { app, ctx } = t();
    const person = await registerUser(ctx.db, cliActor, { email: 'settings.inbox@example.org', name: 'Settings', password: testPassword });
    const agent = await signInAs(app, 'settings.inbox@example.org');
    const page = await agent.get('/account/notifications');
    assert.equal(page.statusCode, 200);
    const all = (ctx.lookups.work ?? []).map((k) => k.kind);
    for (const k of all) assert.match(page.body, new RegExp(`value="${k}" checked`), `${k} is on by default`);
    const unknown = await postPairs(agent, '/account/notifications', [['email', 'voice.story-to-moderate'], ['email', 'spend.nonsense']]);
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.body, /<title>Error: /);
    assert.match(unknown.body, /There is no kind of email called &quot;spend.nonsense&quot;/);
    assert.equal((await ctx.db.selectFrom('notification_settings').select('kind').where('user_id', '=', person.id).execute()).length, 0, 'nothing half-written');
    const forged = await postPairs(new TestAgent(app, '10.89.0.9'), '/account/notifications', [['email', 'voice.story-to-moderate']]);
    assert.equal(forged.statusCode, 401, 'no session: refused before the body is read');
    const cookieOnly = await agent.app.inject({
      method: 'POST', url: '/account/notifications', remoteAddress: agent.ip, payload: 'email=voice.story-to-moderate',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `cw_session=${agent.cookie}` },
    });
    assert.equal(cookieOnly.statusCode, 403, 'a session without its CSRF token is refused');
    const saved = await postPairs(agent, '/account/notifications', all.filter((k) => k !== 'timebank.join-request').map((k) => ['email', k]));
    assert.equal(saved.statusCode, 303);
    const after = await agent.get('/account/notifications?notice=saved');
    assert.match(after.body, /Your email settings are saved/);
    assert.doesNotMatch(after.body, /value="timebank.join-request" checked/);
    const audit = await ctx.db.selectFrom('audit_log').select(['before', 'after', 'actor_user_id']).where('action', '=', 'notifications.changed').where('entity_id', '=', person.id).execute();
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0]!.after, { emailOff: ['timebank.join-request'] });
    assert.equal(audit[0]!.actor_user_id, person.id);
  });

  it('writes a work email only inside the change that made the work: a rolled-back change sends nothing', async () => {
    const { ctx } = t();
    const u = await registerUser(ctx.db, cliActor, { email: 'rollback.inbox@example.org', name: 'Rollback', password: testPassword });
    await assert.rejects(ctx.db.transaction().execute(async (trx) => {
      await notifyWork(trx, { kind: 'voice.story-to-moderate', userIds: [u.id], subject: 'S', text: 'T', href: '/voice/moderation', baseUrl: ctx.config.baseUrl });
      throw new Error('the change failed');
    }), /the change failed/);
    assert.equal((await emailsOf(ctx, u.email, 'voice.story-to-moderate')).length, 0);
    const n = await notifyWork(ctx.db, { kind: 'voice.story-to-moderate', userIds: [u.id, u.id, '00000000-0000-0000-0000-000000000000'], subject: 'S', text: 'T', href: '/voice/moderation', baseUrl: ctx.config.baseUrl });
    assert.equal(n, 1, 'duplicates and unknown people are skipped');
    const mail = await onlyEmail(ctx, u.email, 'voice.story-to-moderate');
    assert.match(mail.body_text, /^Hello Rollback,/);
    assert.ok(mail.body_text.includes(`Do it here: ${ctx.config.baseUrl}/voice/moderation`));
    assert.ok(mail.body_text.includes(`${ctx.config.baseUrl}/account/notifications`));
  });

  it('keeps a page working when a kind of work fails to answer (the header count is left out)', async () => {
    const { app, ctx } = t();
    await registerUser(ctx.db, cliActor, { email: 'broken.inbox@example.org', name: 'Broken', password: testPassword });
    const agent = await signInAs(app, 'broken.inbox@example.org');
    const broken: WorkKind = { kind: 'test.broken', label: 'Broken', emailHint: 'never', list: async () => { throw new Error('down'); } };
    ctx.lookups.work!.push(broken);
    try {
      const page = await agent.get('/voice');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /href="\/inbox">Inbox<\/a>/);
    } finally {
      ctx.lookups.work!.splice(ctx.lookups.work!.indexOf(broken), 1);
    }
  });

  it('emails a person given a role, from the organisation’s page and from the API, once', async () => {
    const { app, ctx } = t();
    const admin = await registerUser(ctx.db, cliActor, { email: 'org-admin.roles@example.org', name: 'Org Admin', password: testPassword });
    const org = await createOrganisation(ctx.db, { userId: admin.id, tokenId: null, isAdmin: false, via: 'session' }, { name: 'Heaton Community Trust', legalForm: 'community-group' });
    await registerUser(ctx.db, cliActor, { email: 'new-coordinator.roles@example.org', name: 'Nia', password: testPassword });
    const agent = await signInAs(app, admin.email);
    await agent.get(`/organisations/${org.slug}`);
    const added = await agent.post(`/organisations/${org.slug}/members`, { email: 'new-coordinator.roles@example.org', role: 'coordinator' });
    assert.equal(added.statusCode, 303);
    const mail = await onlyEmail(ctx, 'new-coordinator.roles@example.org', 'membership-added');
    assert.equal(mail.subject, 'You are now time-bank coordinator for Heaton Community Trust');
    assert.match(mail.body_text, /approve or refuse members/);
    assert.ok(mail.body_text.includes(`${ctx.config.baseUrl}/inbox`));
    assert.ok(mail.body_text.includes(`${ctx.config.baseUrl}/organisations/${org.slug}`));
    await agent.post(`/organisations/${org.slug}/members`, { email: 'new-coordinator.roles@example.org', role: 'coordinator' });
    assert.equal((await emailsOf(ctx, 'new-coordinator.roles@example.org', 'membership-added')).length, 1, 'a role already held sends nothing');
    assert.equal((await emailsOf(ctx, admin.email, 'membership-added')).length, 0, 'registering an organisation sends its creator nothing');

    const { auth } = await userWithToken(ctx.db, 'api-admin.roles@example.org');
    await ctx.db.insertInto('memberships').values({ organisation_id: org.id, user_id: (await ctx.db.selectFrom('users').select('id').where('email', '=', 'api-admin.roles@example.org').executeTakeFirstOrThrow()).id, role: 'admin' }).execute();
    await registerUser(ctx.db, cliActor, { email: 'new-evaluator.roles@example.org', name: 'Eve', password: testPassword });
    const api = await app.inject({ method: 'POST', url: `/api/v1/organisations/${org.id}/members`, headers: auth, payload: { email: 'new-evaluator.roles@example.org', role: 'evaluator' } });
    assert.equal(api.statusCode, 201, api.body);
    assert.match((await onlyEmail(ctx, 'new-evaluator.roles@example.org', 'membership-added')).subject, /evaluator for Heaton Community Trust/);
    // Refused (not an administrator of the organisation): no role, no email.
    const { auth: outsider } = await userWithToken(ctx.db, 'outsider.roles@example.org');
    const refused = await app.inject({ method: 'POST', url: `/api/v1/organisations/${org.id}/members`, headers: outsider, payload: { email: 'new-evaluator.roles@example.org', role: 'admin' } });
    assert.equal(refused.statusCode, 403);
    assert.equal((await emailsOf(ctx, 'new-evaluator.roles@example.org', 'membership-added')).length, 1);
  });
});

describeCli('the role email from the command line', (ws) => {
  it('emails the person `member add` gives a role to', async () => {
    const cli = (args: string[], stdin?: string) => runCli([...args, '--json', '--data-dir', ws().dir], ws().env, stdin);
    assert.equal((await cli(['user', 'create', '--email', 'cli-moderator@example.org', '--name', 'Mo', '--password-stdin'], 'a long enough password\n')).code, 0);
    assert.equal((await cli(['org', 'create', '--name', 'Moderators Collective', '--legal-form', 'community-group'])).code, 0);
    const added = await cli(['member', 'add', '--org', 'moderators-collective', '--user', 'cli-moderator@example.org', '--role', 'moderator']);
    assert.equal(added.code, 0, added.stderr);
    const handle = await openDatabase({ databaseUrl: ws().env.DATABASE_URL ?? null, dataDir: ws().dir });
    try {
      const mails = await handle.db.selectFrom('outbox').selectAll().where('to_address', '=', 'cli-moderator@example.org').where('kind', '=', 'membership-added').execute();
      assert.equal(mails.length, 1);
      assert.match(mails[0]!.subject, /moderator for Moderators Collective/);
      assert.match(mails[0]!.body_text, /\/inbox/);
    } finally {
      await handle.close();
    }
  });
});
