// Issue 14: a verification claim is work for the site administrators (inbox, email, the email setting), and
// look-alikes registered before the real body was verified are flagged when it is.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { emailsOf, inboxOf, jobLink, onlyEmail, postPairs, signInAs, testPassword } from '../platform/inbox.test-support.ts';
import * as service from './organisations.service.ts';
import { claimKind, lookalikeKind } from './organisations.work.ts';

eachEngine('organisations: claims in the inbox, earlier look-alikes', (t) => {
  it('puts a claim in every site administrator’s inbox and email until one of them decides it; the email can be turned off', async () => {
    const { app, ctx } = t();
    await registerUser(ctx.db, cliActor, { email: 'admin-one@example.org', name: 'Admin One', password: testPassword, isAdmin: true });
    await registerUser(ctx.db, cliActor, { email: 'admin-two@example.org', name: 'Admin Two', password: testPassword, isAdmin: true });
    const one = await signInAs(app, 'admin-one@example.org');
    const two = await signInAs(app, 'admin-two@example.org');
    // Admin Two turns this kind of email off (keeping every other kind on).
    const settings = await two.get('/account/notifications');
    assert.equal(settings.statusCode, 200);
    assert.match(settings.body, /Verification claims to decide/);
    const kinds = [...settings.body.matchAll(/name="email" type="checkbox" value="([^"]+)"|value="([^"]+)"[^>]*name="email"/g)].map((m) => m[1] ?? m[2]!);
    const others = [...new Set(kinds)].filter((k) => k !== claimKind);
    assert.ok(others.length > 0, 'the settings page lists the kinds');
    assert.equal((await postPairs(two, '/account/notifications', others.map((k) => ['email', k]))).statusCode, 303);

    const clerk = new TestAgent(app, '10.66.0.9');
    assert.equal((await clerk.register(ctx.db, { name: 'Parish Clerk', email: 'parish-clerk@example.org', password: testPassword })).statusCode, 303);
    await clerk.get('/organisations/new');
    const created = await clerk.post('/organisations', { name: 'Allendale Parish Council', legalForm: 'local-authority', identifiers: 'GB-GOR-T410001', evidence: 'Clerk since 2019: allendale.example.gov.uk' });
    assert.equal(created.statusCode, 303, created.body);
    // Nobody who is not a site administrator sees the claim as work, not even the claimant.
    assert.equal((await inboxOf(clerk))[claimKind], undefined);

    const email = await onlyEmail(ctx, 'admin-one@example.org', claimKind);
    assert.match(email.subject, /Verify a claim: Allendale Parish Council \(GB-GOR-T410001\)/);
    assert.match(email.body_text, /Evidence given: Clerk since 2019/);
    assert.equal((await emailsOf(ctx, 'admin-two@example.org', claimKind)).length, 0, 'turned off');
    const link = jobLink(ctx, email);
    assert.equal(link, '/admin/organisations');
    const page = await one.get(link);
    assert.equal(page.statusCode, 200);
    const request = await ctx.db.selectFrom('organisation_verification_requests').select('id').where('status', '=', 'pending').executeTakeFirstOrThrow();
    assert.match(page.body, new RegExp(`id="claim-${request.id}"`), 'the link’s anchor is the claim');

    for (const admin of [one, two]) {
      assert.deepEqual((await inboxOf(admin))[claimKind], ['Verify or reject Allendale Parish Council’s claim to GB-GOR-T410001']);
    }
    const inboxPage = await two.get('/inbox');
    assert.match(inboxPage.body, /Verification claims to decide/);
    assert.match(inboxPage.body, new RegExp(`href="/admin/organisations#claim-${request.id}"`));

    // One decides it; it leaves both inboxes.
    assert.equal((await one.post(`/admin/organisations/claims/${request.id}`, { decision: 'verify', reason: 'On the register' })).statusCode, 303);
    for (const admin of [one, two]) assert.equal((await inboxOf(admin))[claimKind], undefined);
  });

  it('flags unverified look-alikes registered before the real body is verified, once, to the site administrators', async () => {
    const { app, ctx } = t();
    await registerUser(ctx.db, cliActor, { email: 'admin-early@example.org', name: 'Admin', password: testPassword, isAdmin: true });
    const admin = await signInAs(app, 'admin-early@example.org');
    const actorOf = async (email: string) => {
      const user = await registerUser(ctx.db, cliActor, { email, name: email, password: testPassword });
      return { userId: user.id, tokenId: null, isAdmin: false, via: 'session' as const };
    };
    // The impostor registers first, while the real council is only a claim.
    const early = await service.createOrganisation(ctx.db, await actorOf('early-impostor@example.org'), { name: 'Tynedale Council', legalForm: 'local-authority' });
    const other = await service.createOrganisation(ctx.db, await actorOf('early-unrelated@example.org'), { name: 'Hexhamshire Walkers', legalForm: 'community-group' });
    const real = await service.createOrganisation(ctx.db, await actorOf('real-clerk@example.org'), { name: 'Tynedale District Council', legalForm: 'local-authority', identifiers: ['GB-GOR-T420001'] });
    assert.equal((await emailsOf(ctx, 'admin-early@example.org', lookalikeKind)).length, 0, 'nothing verified yet, so nothing to resemble');
    assert.equal((await ctx.db.selectFrom('organisation_lookalikes').select('organisation_id').execute()).length, 0);

    await service.verifyOrganisation(ctx.db, cliActor, real.id, {}, { baseUrl: ctx.config.baseUrl });
    const flags = await ctx.db.selectFrom('organisation_lookalikes').select(['organisation_id', 'resembles_id']).execute();
    assert.deepEqual(flags, [{ organisation_id: early.id, resembles_id: real.id }]);
    assert.ok(!flags.some((f) => f.organisation_id === other.id));
    const [told] = await emailsOf(ctx, 'admin-early@example.org', lookalikeKind);
    assert.ok(told);
    assert.match(told.subject, /Look-alike organisations of Tynedale District Council, now verified/);
    assert.match(told.body_text, /Tynedale Council \(not verified\)/);
    const page = await admin.get('/admin/organisations');
    assert.match(page.body, new RegExp(`href="/organisations/${early.slug}">Tynedale Council</a>`));

    // Withdrawn and verified again: already flagged, so no second email.
    const operator = cliActor;
    await service.withdrawVerification(ctx.db, operator, real.id);
    await service.verifyOrganisation(ctx.db, operator, real.id);
    assert.equal((await emailsOf(ctx, 'admin-early@example.org', lookalikeKind)).length, 1);
  });

  it('walks a look-alike from the email to the finished review; other administrators’ inboxes empty too; the email can be turned off', async () => {
    const { app, ctx } = t();
    await registerUser(ctx.db, cliActor, { email: 'admin-look-1@example.org', name: 'Admin Look One', password: testPassword, isAdmin: true });
    await registerUser(ctx.db, cliActor, { email: 'admin-look-2@example.org', name: 'Admin Look Two', password: testPassword, isAdmin: true });
    const one = await signInAs(app, 'admin-look-1@example.org');
    const two = await signInAs(app, 'admin-look-2@example.org');
    // Admin Two keeps every kind of email but this one.
    const settings = await two.get('/account/notifications');
    assert.match(settings.body, /Look-alike names to review/);
    const kinds = [...settings.body.matchAll(/name="email" type="checkbox" value="([^"]+)"|value="([^"]+)"[^>]*name="email"/g)].map((m) => m[1] ?? m[2]!);
    assert.ok(kinds.includes(lookalikeKind));
    assert.equal((await postPairs(two, '/account/notifications', [...new Set(kinds)].filter((k) => k !== lookalikeKind).map((k) => ['email', k]))).statusCode, 303);

    const real = await service.createOrganisation(ctx.db, cliActor, { name: 'Gateshead Council', legalForm: 'local-authority', identifiers: ['GB-LAE-GAT'], verified: true });
    const impostor = new TestAgent(app, '10.66.1.9');
    assert.equal((await impostor.register(ctx.db, { name: 'Not The Council', email: 'not-the-council@example.org', password: testPassword })).statusCode, 303);
    await impostor.get('/organisations/new');
    const created = await impostor.post('/organisations', { name: 'Gateshead council', legalForm: 'local-authority', identifiers: '' });
    assert.equal(created.statusCode, 303, created.body);
    const fake = await service.getOrganisation(ctx.db, String(created.headers.location).split('/')[2]!.split('?')[0]!);
    assert.equal((await inboxOf(impostor))[lookalikeKind], undefined, 'only site administrators review look-alikes');

    const email = await onlyEmail(ctx, 'admin-look-1@example.org', lookalikeKind);
    assert.match(email.subject, /Look-alike organisation registered: Gateshead council/);
    assert.match(email.body_text, /resembles Gateshead Council \(verified\)/);
    assert.equal((await emailsOf(ctx, 'admin-look-2@example.org', lookalikeKind)).length, 0, 'turned off');
    assert.equal(jobLink(ctx, email), '/admin/organisations');
    assert.match(email.body_text, new RegExp(`/admin/organisations#lookalike-${fake.id}-${real.id}`));
    for (const admin of [one, two]) {
      assert.deepEqual((await inboxOf(admin))[lookalikeKind]?.filter((x) => x.includes('Gateshead')), ['Review Gateshead council, which looks like Gateshead Council']);
    }
    const page = await one.get('/admin/organisations');
    assert.match(page.body, new RegExp(`id="lookalike-${fake.id}-${real.id}"`));
    const action = `/admin/organisations/lookalikes/${fake.id}/${real.id}`;

    // Without a note: one error, nothing recorded.
    const empty = await one.post(action, { note: '  ' });
    assert.equal(empty.statusCode, 400);
    assert.equal((empty.body.match(/<div class="govuk-error-summary"/g) ?? []).length, 1);
    assert.match(empty.body, /Enter what you found/i);
    // Not a site administrator: 403, nothing recorded.
    assert.equal((await impostor.post(action, { note: 'Fine by me' })).statusCode, 403);
    assert.equal((await inboxOf(two))[lookalikeKind]?.filter((x) => x.includes('Gateshead')).length, 1);

    const done = await one.post(action, { note: 'Posing as the council: account reported' });
    assert.equal(done.statusCode, 303);
    const after = await one.get(String(done.headers.location));
    assert.match(after.body, /has left the site administrators’ inboxes/);
    assert.match(after.body, /Reviewed by Admin Look One, [^<]*: Posing as the council: account reported/);
    assert.doesNotMatch(after.body, new RegExp(`id="lookalike-${fake.id}-${real.id}"`));
    for (const admin of [one, two]) assert.equal((await inboxOf(admin))[lookalikeKind]?.filter((x) => x.includes('Gateshead')).length ?? 0, 0);
    // A second review of the same flag is a conflict.
    assert.equal((await two.post(action, { note: 'Me too' })).statusCode, 409);
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'after']).where('action', '=', 'organisation.lookalike_reviewed').execute();
    assert.equal(audit.length, 1);
    // The organisation is still marked, wherever it is shown.
    assert.equal((await service.getOrganisation(ctx.db, fake.id)).verified, false);
  });
});
