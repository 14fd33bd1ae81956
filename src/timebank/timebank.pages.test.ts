import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { seedTimebank } from './timebank.demo.ts';
import * as service from './timebank.service.ts';
import { checkLedger } from './timebank.check.ts';
import { formatMinutes } from './timebank.pages.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { addMember as addOrganisationMember } from '../organisations/organisations.service.ts';

const password = 'a long enough password';

eachEngine('timebank pages', (t) => {
  it('shows a member their statement and records an exchange from a form, without JavaScript', async () => {
    const { app, ctx } = t();
    const agent = new TestAgent(app, '10.6.0.1');
    await agent.register(ctx.db, { name: 'Pat Page', email: 'pat@example.org', password });
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Walker Time Bank' });
    const pat = await service.addMember(ctx.db, cliActor, bank.id, { email: 'pat@example.org', name: 'Pat Page' });
    const sam = await service.addMember(ctx.db, cliActor, bank.id, { email: 'sam@example.org', name: 'Sam Stephenson' });
    await service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: bank.issuerAccountId, to: pat.accountId, minutes: 90, reason: 'Credits for the food bank shift' });

    const home = await agent.get('/timebank');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /Walker Time Bank/);
    assert.match(home.body, /1 hour 30 minutes/);
    const page = await agent.get(`/timebank/accounts/${pat.accountId}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Credits for the food bank shift/);
    assert.match(page.body, /Record an exchange/);
    const formId = /name="id" value="([^"]+)"/.exec(page.body)![1]!;

    const tooMuch = await agent.post(`/timebank/accounts/${pat.accountId}/transfers`, { id: formId, to: sam.accountId, minutes: '120', reason: 'Decorating' });
    assert.equal(tooMuch.statusCode, 422);
    assert.match(tooMuch.body, /<title>Error: /);
    assert.match(tooMuch.body, /90 available/);
    const recorded = await agent.post(`/timebank/accounts/${pat.accountId}/transfers`, { id: formId, to: sam.accountId, minutes: '60', reason: 'Decorating' });
    assert.equal(recorded.statusCode, 303);
    const twice = await agent.post(`/timebank/accounts/${pat.accountId}/transfers`, { id: formId, to: sam.accountId, minutes: '60', reason: 'Decorating' });
    assert.equal(twice.statusCode, 303, 'the same form sent twice records one exchange');
    const after = await agent.get(String(recorded.headers.location));
    assert.match(after.body, /The exchange is recorded/);
    assert.match(after.body, /minus 1 hour/);
    assert.equal((await service.getAccount(ctx.db, cliActor, pat.accountId)).balance, 30);

    const someoneElse = await agent.get(`/timebank/accounts/${sam.accountId}`);
    assert.equal(someoneElse.statusCode, 403);
    const anonymous = await app.inject({ method: 'GET', url: `/timebank/accounts/${pat.accountId}` });
    assert.equal(anonymous.statusCode, 303, 'asked to sign in');
  });

  it('lets a coordinator reverse an exchange once, with a reason, from the statement', async () => {
    const { app, ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Byker Time Bank' });
    const member = await service.addMember(ctx.db, cliActor, bank.id, { email: 'rev-member@example.org', name: 'Rev Member' });
    const transfer = await service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: bank.issuerAccountId, to: member.accountId, minutes: 45, reason: 'Entered twice by mistake' });
    await registerUser(ctx.db, cliActor, { email: 'coord@example.org', name: 'Cora Coordinator', password });
    await addOrganisationMember(ctx.db, cliActor, bank.organisationId, { email: 'coord@example.org', role: 'coordinator' });
    const agent = new TestAgent(app, '10.6.0.2');
    await agent.get('/sign-in');
    await agent.post('/sign-in', { email: 'coord@example.org', password });
    const statement = await agent.get(`/timebank/accounts/${member.accountId}`);
    const transferId = transfer.transfer.id;
    assert.match(statement.body, new RegExp(`/transfers/${transferId}/reverse`));
    const form = await agent.get(`/timebank/accounts/${member.accountId}/transfers/${transferId}/reverse`);
    assert.equal(form.statusCode, 200);
    const reversalId = /name="id" value="([^"]+)"/.exec(form.body)![1]!;
    const noReason = await agent.post(`/timebank/accounts/${member.accountId}/transfers/${transferId}/reverse`, { id: reversalId, reason: '' });
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.body, /href="#reason"/);
    const done = await agent.post(`/timebank/accounts/${member.accountId}/transfers/${transferId}/reverse`, { id: reversalId, reason: 'Recorded twice' });
    assert.equal(done.statusCode, 303);
    assert.match((await agent.get(String(done.headers.location))).body, /The exchange is reversed/);
    assert.equal((await service.getAccount(ctx.db, cliActor, member.accountId)).balance, 0);
    const again = await agent.post(`/timebank/accounts/${member.accountId}/transfers/${transferId}/reverse`, { id: randomUUID(), reason: 'Again' });
    assert.ok([409, 422].includes(again.statusCode), `a second reversal is refused (${again.statusCode})`);
    assert.equal((await service.getAccount(ctx.db, cliActor, member.accountId)).balance, 0);
    assert.equal((await checkLedger(ctx.db)).ok, true);
  });

  it('loads the demo time bank once, balanced, however often it runs', async () => {
    const { app, ctx } = t();
    // The time bank's own seed (the whole demo also loads other modules' data, tested there).
    assert.equal(await seedTimebank(ctx), true);
    const banks = await service.listBanks(ctx.db);
    assert.equal(await seedTimebank(ctx), false);
    assert.deepEqual(await service.listBanks(ctx.db), banks);
    const demo = banks.find((b) => b.name === 'Heaton Neighbours Time Bank');
    assert.ok(demo);
    assert.equal(demo.accounts, 9, 'five members, the issuer, two partners and a newcomer waiting for approval');
    const impact = await app.inject({ method: 'GET', url: `/timebank/banks/${demo.id}/impact` });
    assert.equal(impact.statusCode, 200);
    assert.match(impact.body, /Lifts and transport|Company and befriending/);
    assert.equal((await checkLedger(ctx.db)).ok, true);
    const page = await app.inject({ method: 'GET', url: `/timebank/banks/${demo.id}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Heaton Neighbours Time Bank/);
  });

  it('says minutes as people do', () => {
    assert.deepEqual([0, 1, 45, 60, 90, 125, -30, -60].map(formatMinutes),
      ['0 minutes', '1 minute', '45 minutes', '1 hour', '1 hour 30 minutes', '2 hours 5 minutes', 'minus 30 minutes', 'minus 1 hour']);
    assert.equal(formatMinutes(null), 'No limit');
  });
});
