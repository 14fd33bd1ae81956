// Issue 14: in every time bank a new member can receive time. Migration 0028 gives banks left at "earn first"
// (0) by migration 0023 the platform default, unless a coordinator chose 0; the bank's settings page shows it
// and changes it.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine } from '../platform/testing.ts';
import { openPostgres } from '../platform/db.ts';
import { cliActor } from '../platform/actor.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { addMember as addOrganisationMember } from '../organisations/organisations.service.ts';
import { signInAs, testPassword } from '../platform/inbox.test-support.ts';
import { statements } from '../migrations/0028-timebank-default-member-limit.ts';
import * as service from './timebank.service.ts';

eachEngine('time bank default limits (migration 0028)', (t) => {
  it('gives banks left at 0 the platform default, keeps a 0 a coordinator chose, and the settings page shows and changes it', async () => {
    const { app, ctx } = t();
    assert.equal(service.TIMEBANK_DEFAULT_MEMBER_LIMIT_MINUTES, -300);
    const old = await service.createBank(ctx.db, cliActor, { name: 'Old Time Bank' });
    const chosen = await service.createBank(ctx.db, cliActor, { name: 'Earn First Time Bank', memberLimitHours: '2' });
    await service.setMemberDefaultLimit(ctx.db, cliActor, chosen.id, { hours: '0' });
    const kept = await service.createBank(ctx.db, cliActor, { name: 'Generous Time Bank', memberLimitHours: '10' });
    // As migration 0023 left banks opened before it.
    await ctx.db.updateTable('timebank_banks').set({ member_min_balance: 0 }).where('id', '=', old.id).execute();
    // The migration runs as the schema's owner (on a server the app's own role may not ALTER the table).
    const ownerUrl = (ctx.handle as { ownerUrl?: string }).ownerUrl;
    const owner = ownerUrl ? openPostgres(ownerUrl, { max: 1 }) : null;
    try {
      await (owner?.db ?? ctx.db).transaction().execute(async (trx) => { for (const s of statements) await sql.raw(s).execute(trx); });
    } finally {
      await owner?.close();
    }
    assert.equal((await service.getBank(ctx.db, old.id)).memberMinBalance, -300);
    assert.equal((await service.getBank(ctx.db, chosen.id)).memberMinBalance, 0, 'a coordinator chose 0: kept');
    assert.equal((await service.getBank(ctx.db, kept.id)).memberMinBalance, -600);


    // A new member of the migrated bank can receive time at once.
    const newcomer = await registerUser(ctx.db, cliActor, { email: 'newcomer-0028@example.org', name: 'Newcomer', password: testPassword });
    const account = (await service.joinBank(ctx.db, { userId: newcomer.id, tokenId: null, isAdmin: false, via: 'session' }, old.id, { name: 'Newcomer' }, { baseUrl: ctx.config.baseUrl })).account;
    assert.equal(account.minBalance, -300);

    // The coordinator sees it on the bank's page and its settings, and changes it there.
    const coordinator = await registerUser(ctx.db, cliActor, { email: 'coordinator-0028@example.org', name: 'Coordinator', password: testPassword });
    await addOrganisationMember(ctx.db, cliActor, old.organisationId, { email: coordinator.email, role: 'coordinator' });
    const agent = await signInAs(app, coordinator.email);
    const bankPage = await agent.get(`/timebank/banks/${old.id}`);
    assert.match(bankPage.body, new RegExp(`href="/timebank/banks/${old.id}/settings"`));
    assert.match(bankPage.body, /now: 5 hours/);
    const settings = await agent.get(`/timebank/banks/${old.id}/settings`);
    assert.equal(settings.statusCode, 200);
    assert.match(settings.body, /value="5"/);
    const bad = await agent.post(`/timebank/banks/${old.id}/settings`, { hours: 'plenty' });
    assert.equal(bad.statusCode, 400);
    assert.equal((await service.getBank(ctx.db, old.id)).memberMinBalance, -300, 'nothing changed');
    assert.equal((await agent.post(`/timebank/banks/${old.id}/settings`, { hours: '3' })).statusCode, 303);
    assert.equal((await service.getBank(ctx.db, old.id)).memberMinBalance, -180);
  });
});
