// Work finds its people, in the time bank: a coordinator is emailed about a request to join, follows the link,
// approves one and refuses another with a reason (who is emailed it), and each leaves the inbox; a member is
// emailed an exchange to confirm, follows the link and confirms it. And the jobs that were CLI-only have pages:
// opening a bank, its default limit for new members, one member's limit. Wrong roles get 403 and change nothing.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eachEngine, userWithToken } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { addMember as addOrganisationMember, createOrganisation } from '../organisations/organisations.service.ts';
import { emailsOf, inboxOf, jobLink, onlyEmail, signInAs, testPassword } from '../platform/inbox.test-support.ts';
import * as service from './timebank.service.ts';
import * as exchanges from './timebank.exchanges.ts';
import { confirmKind, joinKind } from './timebank.work.ts';

const opts = (ctx: { config: { baseUrl: string } }) => ({ baseUrl: ctx.config.baseUrl });

async function user(ctx: { db: Parameters<typeof registerUser>[0] }, email: string, name: string) {
  const u = await registerUser(ctx.db, cliActor, { email, name, password: testPassword });
  return { ...u, actor: { userId: u.id, tokenId: null, isAdmin: false, via: 'session' as const } };
}

eachEngine('time-bank work in the inbox and the coordinators’ pages', (t) => {
  it('walks a coordinator from the join-request email to approving one and refusing another, who is told why and may ask again', async () => {
    const { app, ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Byker Time Bank', requiresApproval: true });
    const cora = await user(ctx, 'cora.tw@example.org', 'Cora');
    await addOrganisationMember(ctx.db, cliActor, bank.organisationId, { email: cora.email, role: 'coordinator' });
    const orgAdmin = await user(ctx, 'admin.tw@example.org', 'Org Admin');
    await addOrganisationMember(ctx.db, cliActor, bank.organisationId, { email: orgAdmin.email, role: 'admin' });
    const coordinator = await signInAs(app, cora.email);

    // A coordinator signed in is offered to join as a member, never told to sign in.
    const asCoordinator = await coordinator.get(`/timebank/banks/${bank.id}`);
    assert.doesNotMatch(asCoordinator.body, /Sign in<\/a> to join/);
    assert.match(asCoordinator.body, /Join as a member yourself/);

    const ann = await user(ctx, 'ann.tw@example.org', 'Ann');
    const annAgent = await signInAs(app, ann.email);
    await annAgent.get(`/timebank/banks/${bank.id}`);
    assert.equal((await annAgent.post(`/timebank/banks/${bank.id}/join`, { name: 'Ann Archer' })).statusCode, 303);
    const bob = await user(ctx, 'bob.tw@example.org', 'Bob');
    await service.joinBank(ctx.db, bob.actor, bank.id, { name: 'Bob Barker' }, opts(ctx));

    // The coordinator (not the organisation's administrator, as it has a coordinator; not Ann) is emailed.
    const annRequest = (await emailsOf(ctx, cora.email, joinKind))[0]!;
    assert.match(annRequest.subject, /Ann Archer asks to join Byker Time Bank/);
    assert.equal((await emailsOf(ctx, cora.email, joinKind)).length, 2);
    assert.equal((await emailsOf(ctx, orgAdmin.email, joinKind)).length, 0);
    assert.equal((await emailsOf(ctx, ann.email, joinKind)).length, 0);
    assert.deepEqual((await inboxOf(coordinator))[joinKind], ['Approve or refuse Ann Archer’s request to join', 'Approve or refuse Bob Barker’s request to join']);

    // Following the link: the bank page lists the requests with approve and refuse.
    const link = jobLink(ctx, annRequest);
    assert.equal(link, `/timebank/banks/${bank.id}`);
    const page = await coordinator.get(link);
    assert.match(page.body, /id="pending"/);
    const annAccount = (await service.myAccountIn(ctx.db, ann.actor, bank.id))!;
    const bobAccount = (await service.myAccountIn(ctx.db, bob.actor, bank.id))!;
    assert.match(page.body, new RegExp(`/timebank/accounts/${bobAccount.id}/refuse`));
    assert.equal((await coordinator.post(`/timebank/accounts/${annAccount.id}/approve`, {})).statusCode, 303);
    assert.deepEqual((await inboxOf(coordinator))[joinKind], ['Approve or refuse Bob Barker’s request to join']);

    // Refusing needs a reason; wrong role is 403 and nothing changes.
    assert.equal((await annAgent.get(`/timebank/accounts/${bobAccount.id}/refuse`)).statusCode, 403);
    assert.equal((await annAgent.post(`/timebank/accounts/${bobAccount.id}/refuse`, { reason: 'x' })).statusCode, 403);
    assert.equal((await coordinator.get(`/timebank/accounts/${bobAccount.id}/refuse`)).statusCode, 200);
    const blank = await coordinator.post(`/timebank/accounts/${bobAccount.id}/refuse`, { reason: '' });
    assert.equal(blank.statusCode, 400);
    assert.match(blank.body, /href="#reason"/);
    assert.equal((await service.myAccountIn(ctx.db, bob.actor, bank.id))!.status, 'pending');
    assert.equal((await coordinator.post(`/timebank/accounts/${bobAccount.id}/refuse`, { reason: 'This time bank is for people who live in Byker' })).statusCode, 303);
    assert.equal((await inboxOf(coordinator))[joinKind], undefined, 'both requests are done');
    const refusal = await onlyEmail(ctx, bob.email, 'timebank-join-refused');
    assert.match(refusal.body_text, /This time bank is for people who live in Byker/);
    assert.ok(refusal.body_text.includes(`${ctx.config.baseUrl}/timebank/banks/${bank.id}`));
    const audit = await ctx.db.selectFrom('audit_log').select(['after']).where('action', '=', 'timebank.member.refused').where('entity_id', '=', bobAccount.id).execute();
    assert.equal(audit.length, 1);
    await assert.rejects(service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: bank.issuerAccountId!, to: bobAccount.id, minutes: 10, reason: 'x' }), /not active/);
    assert.equal((await coordinator.get(`/timebank/accounts/${bobAccount.id}/refuse`)).statusCode, 422, 'refused already: nothing to refuse');

    // Bob sees why, and may ask again: the coordinator hears again.
    const bobAgent = await signInAs(app, bob.email);
    const bobPage = await bobAgent.get(`/timebank/banks/${bank.id}`);
    assert.match(bobPage.body, /for this reason: This time bank is for people who live in Byker/);
    assert.match(bobPage.body, /Ask again to join/);
    assert.equal((await bobAgent.post(`/timebank/banks/${bank.id}/join`, { name: 'Bob Barker' })).statusCode, 303);
    assert.equal((await service.myAccountIn(ctx.db, bob.actor, bank.id))!.status, 'pending');
    assert.equal((await emailsOf(ctx, cora.email, joinKind)).length, 3);
  });

  it('emails the administrators about requests to join while a bank has no coordinator', async () => {
    const { ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Walker Time Bank', requiresApproval: true });
    const admin = await user(ctx, 'admin2.tw@example.org', 'Walker Admin');
    await addOrganisationMember(ctx.db, cliActor, bank.organisationId, { email: admin.email, role: 'admin' });
    const dee = await user(ctx, 'dee.tw@example.org', 'Dee');
    await service.joinBank(ctx.db, dee.actor, bank.id, { name: 'Dee' }, opts(ctx));
    assert.equal((await emailsOf(ctx, admin.email, joinKind)).length, 1);
    const open = await service.createBank(ctx.db, cliActor, { name: 'Open Time Bank', requiresApproval: false, organisation: bank.organisationId });
    await service.joinBank(ctx.db, dee.actor, open.id, { name: 'Dee' }, opts(ctx));
    assert.equal((await emailsOf(ctx, admin.email, joinKind)).length, 1, 'no approval needed: no request to answer');
  });

  it('walks a member from the exchange email to confirming it; the bank’s default limit lets a new member receive time', async () => {
    const { app, ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Heaton Time Bank', memberLimitHours: '2' });
    assert.equal(bank.memberMinBalance, -120);
    const ann = await user(ctx, 'ann2.tw@example.org', 'Ann');
    const bob = await user(ctx, 'bob2.tw@example.org', 'Bob');
    const a = (await service.joinBank(ctx.db, ann.actor, bank.id, { name: 'Ann' }, opts(ctx))).account;
    const b = (await service.joinBank(ctx.db, bob.actor, bank.id, { name: 'Bob' }, opts(ctx))).account;
    assert.equal(b.minBalance, -120, 'a new member opens with the bank’s default limit');
    // Bob is new (balance 0) and records that Ann helped him for 90 minutes; Ann confirms from her email.
    await exchanges.recordExchange(ctx.db, bob.actor, { id: randomUUID(), bankId: bank.id, role: 'received', with: a.id, minutes: 90, category: 'garden', description: 'Pruned the apple tree' }, opts(ctx));
    const email = await onlyEmail(ctx, ann.email, confirmKind);
    const link = jobLink(ctx, email);
    assert.equal(link, `/timebank/accounts/${a.id}`);
    const annAgent = await signInAs(app, ann.email);
    assert.equal((await inboxOf(annAgent))[confirmKind]!.length, 1);
    const page = await annAgent.get(link);
    assert.match(page.body, /id="confirm"/);
    const exchangeId = (await exchanges.pendingExchanges(ctx.db, ann.actor, a.id)).toConfirm[0]!.id;
    const confirmed = await annAgent.post(`/timebank/exchanges/${exchangeId}/confirm`, { back: `/timebank/accounts/${a.id}` });
    assert.equal(confirmed.statusCode, 303, confirmed.body.slice(0, 400));
    assert.equal((await service.getAccount(ctx.db, bob.actor, b.id)).balance, -90, 'the new member received help before giving any');
    assert.equal((await inboxOf(annAgent))[confirmKind], undefined);
  });

  it('lets an organisation’s administrator open a bank, and its coordinators set the default and one member’s limit, in the pages', async () => {
    const { app, ctx } = t();
    const org = await createOrganisation(ctx.db, cliActor, { name: 'Benwell Neighbours', legalForm: 'community-group' });
    const admin = await user(ctx, 'admin3.tw@example.org', 'Benwell Admin');
    await addOrganisationMember(ctx.db, cliActor, org.id, { email: admin.email, role: 'admin' });
    const outsider = await user(ctx, 'outsider.tw@example.org', 'Outsider');
    const outsiderAgent = await signInAs(app, outsider.email);
    assert.equal((await outsiderAgent.get('/timebank/banks/new')).statusCode, 403);
    assert.equal((await outsiderAgent.post('/timebank/banks/new', { organisation: org.id, name: 'Not mine', requiresApproval: 'no', memberLimitHours: '1' })).statusCode, 403);
    assert.equal((await ctx.db.selectFrom('timebank_banks').select('id').where('name', '=', 'Not mine').execute()).length, 0);

    const adminAgent = await signInAs(app, admin.email);
    const form = await adminAgent.get('/timebank/banks/new');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Benwell Neighbours/);
    const bad = await adminAgent.post('/timebank/banks/new', { organisation: org.id, name: 'Benwell Time Bank', requiresApproval: 'yes', memberLimitHours: 'lots' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /href="#memberLimitHours"/);
    const made = await adminAgent.post('/timebank/banks/new', { organisation: org.id, name: 'Benwell Time Bank', requiresApproval: 'yes', memberLimitHours: '5' });
    assert.equal(made.statusCode, 303);
    const bankId = /\/timebank\/banks\/([0-9a-f-]{36})/.exec(made.headers.location as string)![1]!;
    const bank = await service.getBank(ctx.db, bankId);
    assert.deepEqual([bank.name, bank.organisationId, bank.requiresApproval, bank.memberMinBalance], ['Benwell Time Bank', org.id, true, -300]);
    assert.equal((await ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'timebank.bank.created').where('entity_id', '=', bankId).execute()).length, 1);

    // The bank's settings: the default for new members (coordinators and administrators only).
    assert.equal((await outsiderAgent.get(`/timebank/banks/${bankId}/settings`)).statusCode, 403);
    assert.equal((await outsiderAgent.post(`/timebank/banks/${bankId}/settings`, { hours: '100' })).statusCode, 403);
    const settings = await adminAgent.get(`/timebank/banks/${bankId}/settings`);
    assert.match(settings.body, /value="5"/);
    assert.equal((await adminAgent.post(`/timebank/banks/${bankId}/settings`, { hours: '-3' })).statusCode, 400);
    assert.equal((await adminAgent.post(`/timebank/banks/${bankId}/settings`, { hours: '1.5' })).statusCode, 303);
    assert.equal((await service.getBank(ctx.db, bankId)).memberMinBalance, -90);

    // One member's limit, by a coordinator; never above what the balance already is below zero.
    const cy = await user(ctx, 'cy.tw@example.org', 'Cy');
    const cyAccount = (await service.joinBank(ctx.db, cy.actor, bankId, { name: 'Cy' }, opts(ctx))).account;
    await service.changeAccountStatus(ctx.db, cliActor, cyAccount.id, 'approve');
    assert.equal(cyAccount.minBalance, -90);
    const dan = await user(ctx, 'dan.tw@example.org', 'Dan');
    const danAccount = (await service.joinBank(ctx.db, dan.actor, bankId, { name: 'Dan' }, opts(ctx))).account;
    await service.changeAccountStatus(ctx.db, cliActor, danAccount.id, 'approve');
    await service.recordTransfer(ctx.db, cy.actor, { id: randomUUID(), from: cyAccount.id, to: danAccount.id, minutes: 60, reason: 'Shopping' });
    const cyAgent = await signInAs(app, cy.email);
    assert.equal((await cyAgent.get(`/timebank/accounts/${cyAccount.id}/limit`)).statusCode, 403, 'a member cannot change their own limit');
    assert.equal((await cyAgent.post(`/timebank/accounts/${cyAccount.id}/limit`, { hours: '100' })).statusCode, 403);
    const limitPage = await adminAgent.get(`/timebank/accounts/${cyAccount.id}/limit`);
    assert.equal(limitPage.statusCode, 200);
    assert.match(limitPage.body, /value="1.5"/);
    const tooTight = await adminAgent.post(`/timebank/accounts/${cyAccount.id}/limit`, { hours: '0.5' });
    assert.equal(tooTight.statusCode, 400);
    assert.match(tooTight.body, /already 60 minutes below zero/);
    assert.equal((await service.getAccount(ctx.db, cliActor, cyAccount.id)).minBalance, -90, 'refused: unchanged');
    assert.equal((await adminAgent.post(`/timebank/accounts/${cyAccount.id}/limit`, { hours: '10' })).statusCode, 303);
    assert.equal((await service.getAccount(ctx.db, cliActor, cyAccount.id)).minBalance, -600);
    assert.equal((await adminAgent.post(`/timebank/accounts/${bank.issuerAccountId}/limit`, { hours: '10' })).statusCode, 422, 'the issuing account keeps no limit');
    const audit = await ctx.db.selectFrom('audit_log').select(['before', 'after']).where('action', '=', 'timebank.account.limit_changed').where('entity_id', '=', cyAccount.id).execute();
    assert.equal(audit.length, 1);
    assert.deepEqual([audit[0]!.before, audit[0]!.after], [{ minBalance: -90 }, { minBalance: -600 }]);
  });

  it('opens a bank with a default limit for new members over the API; a refusal too, with its reason', async () => {
    const { app, ctx } = t();
    const org = await createOrganisation(ctx.db, cliActor, { name: 'Elswick Neighbours', legalForm: 'community-group' });
    const { auth, user: owner } = await userWithToken(ctx.db, 'api-admin.tw@example.org');
    await addOrganisationMember(ctx.db, cliActor, org.id, { email: owner.email, role: 'admin' });
    const made = await app.inject({ method: 'POST', url: '/api/v1/timebank/banks', headers: auth, payload: { name: 'Elswick Time Bank', organisation: org.id, requiresApproval: true, memberLimitHours: 3 } });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal(made.json().memberMinBalance, -180);
    const eve = await user(ctx, 'eve.tw@example.org', 'Eve');
    const joined = (await service.joinBank(ctx.db, eve.actor, made.json().id, { name: 'Eve' }, opts(ctx))).account;
    assert.equal(joined.minBalance, -180);
    const { auth: stranger } = await userWithToken(ctx.db, 'stranger.tw@example.org');
    assert.equal((await app.inject({ method: 'POST', url: `/api/v1/timebank/accounts/${joined.id}/refuse`, headers: stranger, payload: { reason: 'No' } })).statusCode, 403);
    assert.equal((await service.getAccount(ctx.db, cliActor, joined.id)).status, 'pending', 'refused: unchanged');
    const noReason = await app.inject({ method: 'POST', url: `/api/v1/timebank/accounts/${joined.id}/refuse`, headers: auth, payload: {} });
    assert.equal(noReason.statusCode, 400);
    const refused = await app.inject({ method: 'POST', url: `/api/v1/timebank/accounts/${joined.id}/refuse`, headers: auth, payload: { reason: 'Full for now' } });
    assert.equal(refused.statusCode, 200, refused.body);
    assert.equal(refused.json().status, 'refused');
    assert.equal((await emailsOf(ctx, eve.email, 'timebank-join-refused')).length, 1);
  });

  it('keeps a limit change and a transfer racing on one account consistent: one of them is refused cleanly, never both applied', async () => {
    const { ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Race Time Bank', memberLimitHours: '2' });
    const coordinator = await user(ctx, 'race-coord.tw@example.org', 'Race Coordinator');
    await addOrganisationMember(ctx.db, cliActor, bank.organisationId, { email: coordinator.email, role: 'coordinator' });
    for (let round = 0; round < 5; round++) {
      const a = await user(ctx, `race-a${round}.tw@example.org`, 'A');
      const b = await user(ctx, `race-b${round}.tw@example.org`, 'B');
      const from = (await service.joinBank(ctx.db, a.actor, bank.id, { name: `A${round}` }, opts(ctx))).account;
      const to = (await service.joinBank(ctx.db, b.actor, bank.id, { name: `B${round}` }, opts(ctx))).account;
      // From balance 0 with a limit of 2 hours: a 90-minute transfer and tightening the limit to 1 hour cannot both stand.
      const results = await Promise.allSettled([
        service.recordTransfer(ctx.db, a.actor, { id: randomUUID(), from: from.id, to: to.id, minutes: 90, reason: 'Race' }),
        service.setAccountLimit(ctx.db, coordinator.actor, from.id, { hours: '1' }),
      ]);
      const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      assert.equal(failed.length, 1, `round ${round}: exactly one is refused (${failed.map((f) => String(f.reason)).join('; ')})`);
      assert.ok(['unprocessable', 'validation_failed'].includes((failed[0]!.reason as { code?: string }).code ?? ''), `a clear refusal, not ${String(failed[0]!.reason)}`);
      const after = await service.getAccount(ctx.db, cliActor, from.id);
      assert.ok(after.balance >= after.minBalance!, `round ${round}: ${after.balance} within ${after.minBalance}`);
    }
  });
});
