import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import type { App } from '../platform/module.ts';
import type { Db } from '../platform/db.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { addMember as addOrganisationMember, createOrganisation } from '../organisations/organisations.service.ts';
import * as service from './timebank.service.ts';
import { checkLedger } from './timebank.check.ts';
import { releaseImpact, type ImpactView } from './timebank.impact.ts';
import { impactSummary } from './timebank.community.pages.ts';

const password = 'a long enough password';

async function signedIn(app: App, ip: string, email: string, name: string, db: Db) {
  const agent = new TestAgent(app, ip);
  const r = await agent.register(db, { name, email, password });
  assert.equal(r.statusCode, 303, r.body);
  return agent;
}

const hiddenId = (body: string, action: string) => {
  const form = body.slice(body.indexOf(`action="${action}"`));
  return /name="id" value="([^"]+)"/.exec(form)![1]!;
};

eachEngine('timebank community pages', (t) => {
  it('takes a newcomer from joining (approved by a coordinator) through an offer, an exchange confirmed by the other side, to impact and CSV', async () => {
    const { app, ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Walker Neighbours Time Bank', requiresApproval: true });
    await registerUser(ctx.db, cliActor, { email: 'cora@example.org', name: 'Cora', password });
    await addOrganisationMember(ctx.db, cliActor, bank.organisationId, { email: 'cora@example.org', role: 'coordinator' });
    const cora = new TestAgent(app, '10.7.0.1');
    await cora.get('/sign-in');
    await cora.post('/sign-in', { email: 'cora@example.org', password });

    const ann = await signedIn(app, '10.7.0.2', 'ann-pages@example.org', 'Ann Page', ctx.db);
    const bankPage = await ann.get(`/timebank/banks/${bank.id}`);
    assert.match(bankPage.body, /Ask to join/);
    const bad = await ann.post(`/timebank/banks/${bank.id}/join`, { name: 'Ann Page', place: 'NE6 5XX' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /<title>Error: /);
    assert.match(bad.body, /href="#place"/);
    assert.match(bad.body, /We don’t have the small areas of NE6 5XX/);
    assert.equal((await ann.post(`/timebank/banks/${bank.id}/join`, { name: 'Ann Page', place: '' })).statusCode, 303);
    assert.match((await ann.get(`/timebank/banks/${bank.id}`)).body, /waiting for a coordinator’s approval/);
    const pending = await ann.get(`/timebank/banks/${bank.id}/listings`);
    assert.equal(pending.statusCode, 200, 'a pending member sees what is offered, as anyone does');
    assert.doesNotMatch(pending.body, /Offer help or ask for it/, 'but cannot list until approved');

    const coraPage = await cora.get(`/timebank/banks/${bank.id}`);
    assert.match(coraPage.body, /Waiting for approval/);
    const annAccount = (await service.myAccountIn(ctx.db, { userId: (await ctx.db.selectFrom('users').select('id').where('email', '=', 'ann-pages@example.org').executeTakeFirstOrThrow()).id, tokenId: null, isAdmin: false, via: 'session' }, bank.id))!;
    assert.equal((await ann.post(`/timebank/accounts/${annAccount.id}/approve`, {})).statusCode, 403, 'a member cannot approve herself');
    assert.equal((await cora.post(`/timebank/accounts/${annAccount.id}/approve`, {})).statusCode, 303);

    const bob = await signedIn(app, '10.7.0.3', 'bob-pages@example.org', 'Bob Page', ctx.db);
    await bob.get(`/timebank/banks/${bank.id}`);
    await bob.post(`/timebank/banks/${bank.id}/join`, { name: 'Bob Page' });
    const bobAccount = (await service.listAccounts(ctx.db, cliActor, bank.id)).find((a) => a.name === 'Bob Page')!;
    await cora.post(`/timebank/accounts/${bobAccount.id}/approve`, {});
    await service.recordTransfer(ctx.db, cliActor, { id: crypto.randomUUID(), from: bank.issuerAccountId, to: bobAccount.id, minutes: 120, reason: 'Welcome credits' });

    // Ann offers help; Bob finds it and records the exchange; Ann confirms it on her statement.
    const listings = await ann.get(`/timebank/banks/${bank.id}/listings`);
    assert.equal(listings.statusCode, 200);
    const empty = await ann.post(`/timebank/banks/${bank.id}/listings`, { kind: 'offer', category: '', title: '' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /href="#title"/);
    const listed = await ann.post(`/timebank/banks/${bank.id}/listings`, { kind: 'offer', category: 'technology', title: 'Help with <b>phones</b> and tablets', area: 'Walker' });
    assert.equal(listed.statusCode, 303);
    const found = await bob.get(`/timebank/banks/${bank.id}/listings?q=phones&kind=offer&area=Walker`);
    assert.match(found.body, /Help with &lt;b&gt;phones&lt;\/b&gt; and tablets/, 'what people type is escaped');
    const listingUrl = String(listed.headers.location).replace(/\?.*$/, '');
    const listingPage = await bob.get(listingUrl);
    assert.match(listingPage.body, /Record the exchange/);
    const exchangeId = hiddenId(listingPage.body, `${listingUrl}/exchanges`);
    assert.equal((await bob.post(`${listingUrl}/exchanges`, { id: exchangeId, minutes: '45', description: 'Set up a new phone' })).statusCode, 303);
    assert.equal((await bob.post(`${listingUrl}/exchanges`, { id: exchangeId, minutes: '45', description: 'Set up a new phone' })).statusCode, 303, 'sent twice: one exchange');
    assert.equal((await service.getAccount(ctx.db, cliActor, bobAccount.id)).balance, 120, 'nothing moves before Ann confirms');
    const toAnn = await ctx.db.selectFrom('outbox').selectAll().where('to_address', '=', 'ann-pages@example.org').where('kind', '=', 'timebank.exchange-to-confirm').execute();
    assert.equal(toAnn.length, 1, 'Ann is emailed once, though the form was sent twice');
    assert.ok(toAnn[0]!.body_text.includes(`${ctx.config.baseUrl}/timebank/accounts/${annAccount.id}`), 'the link is to her account page on this site');
    const annStatement = await ann.get(`/timebank/accounts/${annAccount.id}`);
    assert.match(annStatement.body, /Exchanges for you to confirm/);
    const confirmAction = /action="(\/timebank\/exchanges\/[0-9a-f-]+\/confirm)"/.exec(annStatement.body)![1]!;
    const confirmed = await ann.post(confirmAction, { back: `/timebank/accounts/${annAccount.id}` });
    assert.equal(confirmed.statusCode, 303);
    assert.match((await ann.get(String(confirmed.headers.location))).body, /The exchange is confirmed/);
    assert.equal((await service.getAccount(ctx.db, cliActor, annAccount.id)).balance, 45);
    assert.equal((await service.getAccount(ctx.db, cliActor, bobAccount.id)).balance, 75);
    assert.equal((await ctx.db.selectFrom('outbox').select('subject').where('to_address', '=', 'bob-pages@example.org').where('kind', '!=', 'registration-confirm').execute()).map((r) => r.subject).join(), 'Your exchange with Ann Page is confirmed');

    // Bob records one from his own account that he cannot afford once Ann confirms: refused on her page, nothing moves.
    const bobStatement = await bob.get(`/timebank/accounts/${bobAccount.id}`);
    const id2 = hiddenId(bobStatement.body, `/timebank/accounts/${bobAccount.id}/exchanges`);
    await bob.post(`/timebank/accounts/${bobAccount.id}/exchanges`, { id: id2, role: 'received', with: annAccount.id, minutes: '200', category: 'garden', description: 'A whole day of gardening' });
    const annAgain = await ann.get(`/timebank/accounts/${annAccount.id}`);
    const confirm2 = /action="(\/timebank\/exchanges\/[0-9a-f-]+\/confirm)"/.exec(annAgain.body)![1]!;
    const refused = await ann.post(confirm2, { back: `/timebank/accounts/${annAccount.id}` });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /75 available/);
    assert.equal((await service.getAccount(ctx.db, cliActor, bobAccount.id)).balance, 75);

    // Impact and exports.
    const impact = await ann.get(`/timebank/banks/${bank.id}/impact`);
    assert.equal(impact.statusCode, 200);
    assert.match(impact.body, /Computers and phones/);
    assert.match(impact.body, /Help has been given by fewer than 5 people so far/);
    assert.doesNotMatch(impact.body, /<svg/, 'two people in all: no chart would hide them');
    assert.match(impact.body, /Left out of the chart, to protect the people counted: [^.<]*Computers and phones/);
    assert.doesNotMatch(impact.body, /not for publication/);
    const exactPage = await cora.get(`/timebank/banks/${bank.id}/impact`);
    assert.match(exactPage.body, /<title>Exact impact figures \(not for publication\)/);
    assert.match(exactPage.body, /<svg[^>]+role="img"/, 'a coordinator sees every bar');
    assert.match(exactPage.body, /45 minutes \(do not publish\)/);
    assert.match(exactPage.body, /href="\/timebank\/banks\/[0-9a-f-]+\/impact\?view=public"/);
    assert.doesNotMatch((await cora.get(`/timebank/banks/${bank.id}/impact?view=public`)).body, /<svg/);
    assert.equal((await ann.get(`/timebank/banks/${bank.id}/impact?view=exact`)).statusCode, 403);
    const csv = await ann.get(`/timebank/banks/${bank.id}/impact.csv`);
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    assert.match(csv.body, /minutes_by_category,Computers and phones,\[c\]/, 'two people in all: the public release hides their time');
    assert.match(csv.body, /total_people,,<5/);
    assert.equal((await ann.get(`/timebank/banks/${bank.id}/impact.csv?view=exact`)).statusCode, 403, 'only coordinators have the exact figures');
    const exactCsv = await cora.get(`/timebank/banks/${bank.id}/impact.csv?view=exact`);
    assert.match(String(exactCsv.headers['content-disposition']), /not-for-publication/);
    assert.match(exactCsv.body, /^measure,key,value,publication\r\n/);
    assert.match(exactCsv.body, /minutes_by_category,Computers and phones,45,do not publish: would reveal a figure of fewer than 5 people/);
    const statementCsv = await ann.get(`/timebank/accounts/${annAccount.id}/statement.csv`);
    assert.match(statementCsv.body, /^recorded_at,transfer_id,with,what_for/);
    assert.match(statementCsv.body, /Bob Page,Set up a new phone,exchange,technology,45,45,false/);
    assert.equal((await bob.get(`/timebank/accounts/${annAccount.id}/statement.csv`)).statusCode, 403);
    assert.equal((await bob.get(`/timebank/banks/${bank.id}/accounts.csv`)).statusCode, 403);
    assert.match((await cora.get(`/timebank/banks/${bank.id}/accounts.csv`)).body, /Ann Page,member,,active/);

    // A coordinator suspends Bob, with a reason; his page then says so.
    assert.equal((await cora.post(`/timebank/accounts/${bobAccount.id}/suspend`, { reason: '' })).statusCode, 400);
    assert.equal((await cora.post(`/timebank/accounts/${bobAccount.id}/suspend`, { reason: 'Asked for a pause' })).statusCode, 303);
    assert.match((await bob.get(`/timebank/accounts/${bobAccount.id}`)).body, /Suspended: it can neither give nor receive time/);
    assert.equal((await checkLedger(ctx.db)).ok, true);
  });

  it('lets a spend partner’s staff redeem credits on a member code from the partner’s page, which shows it on the statement', async () => {
    const { app, ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Venue Time Bank' });
    const venue = await createOrganisation(ctx.db, cliActor, { name: 'Example Arts Centre', legalForm: 'community-group' });
    const partner = await service.addPartner(ctx.db, cliActor, bank.id, { organisation: venue.id, role: 'spend' });
    await registerUser(ctx.db, cliActor, { email: 'staff-venue@example.org', name: 'Sam Staff', password });
    await addOrganisationMember(ctx.db, cliActor, venue.id, { email: 'staff-venue@example.org', role: 'staff' });
    const member = await service.addMember(ctx.db, cliActor, bank.id, { email: 'member-venue@example.org', name: 'Meg Member' });
    await service.recordTransfer(ctx.db, cliActor, { id: crypto.randomUUID(), from: bank.issuerAccountId, to: member.accountId, minutes: 60, reason: 'Credits' });
    const code = (await service.getAccount(ctx.db, cliActor, member.accountId)).memberCode!;
    const staff = new TestAgent(app, '10.7.0.9');
    await staff.get('/sign-in');
    await staff.post('/sign-in', { email: 'staff-venue@example.org', password });
    const page = await staff.get(`/timebank/accounts/${partner.accountId}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /List an activity/);
    assert.equal((await staff.post(`/timebank/accounts/${partner.accountId}/activities`, { title: 'Pottery class', minutes: '60' })).statusCode, 303);
    const withActivity = await staff.get(`/timebank/accounts/${partner.accountId}`);
    const action = /action="(\/timebank\/activities\/[0-9a-f-]+\/redeem)"/.exec(withActivity.body)![1]!;
    const id = hiddenId(withActivity.body, action);
    const wrong = await staff.post(action, { id, memberCode: 'AAAA-AAAA' });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /No member of this time bank has that member code/);
    assert.equal((await staff.post(action, { id, memberCode: code.toLowerCase() })).statusCode, 303);
    const after = await staff.get(`/timebank/accounts/${partner.accountId}`);
    assert.match(after.body, /Pottery class/);
    assert.match(after.body, /Meg Member/);
    assert.equal((await service.getAccount(ctx.db, cliActor, member.accountId)).balance, 0);
    const list = await app.inject({ method: 'GET', url: `/timebank/banks/${bank.id}/activities` });
    assert.match(list.body, /Pottery class/);
  });

  it('says why the totals are not shown, and never calls a hidden figure of 5 or more "fewer than 5"', () => {
    const base: ImpactView = {
      bank: { id: 'b', name: 'B' }, totals: { minutes: 1000, transfers: 20, people: 12 }, byCategory: [{ category: 'garden', label: 'Gardening', minutes: 1000, transfers: 20 }],
      byMonth: [{ month: '2026-01', minutes: 400, transfers: 8, people: 7, firstTime: 7, returning: 0, retainedFromPrevious: null, previous: null }, { month: '2026-02', minutes: 600, transfers: 12, people: 12, firstTime: 5, returning: 7, retainedFromPrevious: 7, previous: 7 }],
      returningPeople: 7,
      byDecile: [{ decile: 1, label: '1', minutes: 960, members: 3 }, { decile: null, label: 'Area not known', minutes: 0, members: 0 }],
    };
    // All the time went to members of one decile, 3 of them: the total would reveal that decile's time.
    const hiddenTotal = releaseImpact(base, 'public');
    assert.equal(hiddenTotal.totals.minutes, null);
    assert.deepEqual([...hiddenTotal.byMonth.map((m) => m.minutes), hiddenTotal.byCategory[0]!.minutes], [null, null, null], 'the months and categories add up to it too');
    assert.deepEqual(hiddenTotal.byMonth.map((m) => m.people), [7, 12]);
    assert.equal(impactSummary(hiddenTotal), 'Help has been given by 12 people. The total time is not shown: with the figures below it would reveal a figure about fewer than 5 people.');
    assert.equal(impactSummary(releaseImpact({ ...base, byDecile: [{ decile: 1, label: '1', minutes: 960, members: 5 }] }, 'public')), '16 hours 40 minutes of help given in 20 exchanges, by 12 people.');
    assert.match(impactSummary(releaseImpact({ ...base, totals: { minutes: 60, transfers: 1, people: 2 } }, 'public')), /^Help has been given by fewer than 5 people so far/);
    assert.equal(impactSummary(releaseImpact(base, 'exact')), '16 hours 40 minutes of help given in 20 exchanges, by 12 people.');
  });
});
