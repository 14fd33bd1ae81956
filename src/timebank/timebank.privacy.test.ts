import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent, userWithToken } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { registerUser, setAdministrator } from '../platform/auth/auth.service.ts';
import { insertMembership } from '../platform/auth/auth.repository.ts';
import { tokenFor } from './timebank.test-support.ts';
import * as service from './timebank.service.ts';

const password = 'a long enough password';

eachEngine('timebank member privacy', (t) => {
  it('shows a member code and home area only to the member, the bank’s coordinators and site administrators', async () => {
    const { app, ctx } = t();
    const { db } = ctx;
    const bank = await service.createBank(db, cliActor, { name: 'Privacy Time Bank', requiresApproval: true });
    const cora = await registerUser(db, cliActor, { email: 'cora-privacy@example.org', name: 'Cora', password: null });
    await insertMembership(db, { organisationId: bank.organisationId, userId: cora.id, role: 'coordinator' });
    const ann = await service.addMember(db, cliActor, bank.id, { email: 'ann-privacy@example.org', name: 'Ann', areaCode: 'E01008372' });
    const annView = await service.getAccount(db, cliActor, ann.accountId);
    assert.ok(annView.memberCode && annView.areaCode === 'E01008372');

    // Pete joins and waits for approval; Bob is an approved member of the same bank.
    const pete = await userWithToken(db, 'pete-privacy@example.org', password);
    const peteAccount = await service.joinBank(db, { userId: pete.user.id, tokenId: null, isAdmin: false, via: 'session' }, bank.id, { name: 'Pete' });
    assert.equal(peteAccount.account.status, 'pending');
    const bob = await service.addMember(db, cliActor, bank.id, { email: 'bob-privacy@example.org', name: 'Bob' });
    const admin = await userWithToken(db, 'site-admin-privacy@example.org');
    await setAdministrator(db, cliActor, 'site-admin-privacy@example.org', true);

    const url = `/api/v1/timebank/accounts/${ann.accountId}`;
    for (const [who, headers] of [['pending member', pete.auth], ['other member', await tokenFor(ctx, bob.userId)]] as const) {
      const res = await app.inject({ method: 'GET', url, headers });
      assert.equal(res.statusCode, 200, `${who}: ${res.body}`);
      assert.equal(res.json().name, 'Ann');
      assert.equal(res.json().memberCode, null, `${who} must not get Ann's member code`);
      assert.equal(res.json().areaCode, null, `${who} must not get Ann's home area`);
      assert.ok(!res.body.includes(annView.memberCode!) && !res.body.includes('E01008372'), who);
    }
    for (const [who, headers] of [['the member', await tokenFor(ctx, ann.userId)], ['a coordinator', await tokenFor(ctx, cora.id)], ['a site administrator', admin.auth]] as const) {
      const res = await app.inject({ method: 'GET', url, headers });
      assert.equal(res.statusCode, 200, `${who}: ${res.body}`);
      assert.equal(res.json().memberCode, annView.memberCode, who);
      assert.equal(res.json().areaCode, 'E01008372', who);
    }
    // Someone outside the bank is refused outright.
    const stranger = await userWithToken(db, 'stranger-privacy@example.org');
    assert.equal((await app.inject({ method: 'GET', url, headers: stranger.auth })).statusCode, 403);

    // The account page (it holds the statement) is the holder's and the coordinators': never the code to others.
    const peteAgent = new TestAgent(app, '10.30.0.1');
    await peteAgent.get('/sign-in');
    await peteAgent.post('/sign-in', { email: 'pete-privacy@example.org', password });
    const page = await peteAgent.get(`/timebank/accounts/${ann.accountId}`);
    assert.equal(page.statusCode, 403);
    assert.ok(!page.body.includes(annView.memberCode!), 'no member code on another member’s page');
    // Statements and the accounts CSV stay with the holder and coordinators.
    assert.equal((await peteAgent.get(`/timebank/accounts/${ann.accountId}/statement.csv`)).statusCode, 403);
    assert.equal((await peteAgent.get(`/timebank/banks/${bank.id}/accounts.csv`)).statusCode, 403);
  });
});
