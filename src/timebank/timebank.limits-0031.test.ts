// Migration 0031 repairs what 0028 did to banks whose coordinators chose 0 ("earn first") on the form that
// opens a bank: 0028 took every 0 for "never chosen" unless the settings page had changed it, so those banks
// (and members who joined them since) were given 5 hours below zero. The repair puts back the 0 the opening
// form recorded, with an audit row each; it leaves banks opened through the API or CLI, a default changed
// since, a member whose limit was changed since, and a member already below zero.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine } from '../platform/testing.ts';
import { openPostgres } from '../platform/db.ts';
import { cliActor, type Actor } from '../platform/actor.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { testPassword } from '../platform/inbox.test-support.ts';
import { statements as migration0028 } from '../migrations/0028-timebank-default-member-limit.ts';
import { statements as migration0031 } from '../migrations/0031-trust-in-commissioning.ts';
import * as service from './timebank.service.ts';

eachEngine('time bank default limits (migration 0031)', (t) => {
  it('puts back the 0 a coordinator chose on the opening form, and only that', async () => {
    const { ctx } = t();
    const person = async (email: string): Promise<Actor> => {
      const u = await registerUser(ctx.db, cliActor, { email, name: email.split('@')[0]!, password: testPassword });
      return { userId: u.id, tokenId: null, isAdmin: false, via: 'session' };
    };
    const owner = (ctx.handle as { ownerUrl?: string }).ownerUrl;
    const run = async (statements: string[]) => {
      const o = owner ? openPostgres(owner, { max: 1 }) : null;
      try {
        await (o?.db ?? ctx.db).transaction().execute(async (trx) => { for (const s of statements) await sql.raw(s).execute(trx); });
      } finally {
        await o?.close();
      }
    };

    // Opened in the pages with 0 typed in (a session), through the API with 0 (a token), and in the pages with
    // 0 whose coordinator later chose a default on the settings page.
    const coordinator = await person('earn-first-0031@example.org');
    const chosen = await service.createBank(ctx.db, coordinator, { name: 'Earn First 0031', memberLimitHours: '0' });
    const api = await service.createBank(ctx.db, { ...(await person('api-0031@example.org')), via: 'token' }, { name: 'Opened By API 0031', memberLimitHours: 0 });
    const resettled = await service.createBank(ctx.db, await person('resettled-0031@example.org'), { name: 'Changed Since 0031', memberLimitHours: '0' });
    // What 0028 did: every one of them left at 0 got the platform default.
    await ctx.db.updateTable('timebank_banks').set({ member_min_balance: 0 }).where('id', 'in', [chosen.id, api.id, resettled.id]).execute();
    await run(migration0028);
    for (const b of [chosen, api, resettled]) assert.equal((await service.getBank(ctx.db, b.id)).memberMinBalance, -300, 'as 0028 left it');
    await service.setMemberDefaultLimit(ctx.db, cliActor, resettled.id, { hours: '5' });

    // Members who joined the earn-first bank after 0028: one untouched, one whose limit a coordinator set, one below zero.
    const join = async (email: string) => (await service.joinBank(ctx.db, await person(email), chosen.id, { name: email.split('@')[0] })).account;
    const plain = await join('plain-0031@example.org');
    const set = await join('set-0031@example.org');
    const below = await join('below-0031@example.org');
    assert.equal(plain.minBalance, -300);
    await service.setAccountLimit(ctx.db, cliActor, set.id, { hours: '4' });
    await ctx.db.updateTable('timebank_accounts').set({ balance: -60 }).where('id', '=', below.id).execute();

    await run(migration0031.filter((s) => s.includes('timebank_')));

    assert.equal((await service.getBank(ctx.db, chosen.id)).memberMinBalance, 0, 'the coordinator’s 0 is back');
    assert.equal((await service.getBank(ctx.db, api.id)).memberMinBalance, -300, 'an API bank cannot be told apart: kept');
    assert.equal((await service.getBank(ctx.db, resettled.id)).memberMinBalance, -300, 'a default chosen since is kept');
    const limit = async (id: string) => Number((await ctx.db.selectFrom('timebank_accounts').select('min_balance').where('id', '=', id).executeTakeFirstOrThrow()).min_balance);
    assert.equal(await limit(plain.id), 0);
    assert.equal(await limit(set.id), -240, 'a limit a coordinator set is kept');
    assert.equal(await limit(below.id), -300, 'a member already below zero keeps the limit they use');
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'entity_id']).where('action', 'in', ['timebank.bank.default_limit_restored', 'timebank.account.limit_restored']).execute();
    assert.deepEqual(audit.map((a) => `${a.action} ${a.entity_id}`).sort(), [`timebank.account.limit_restored ${plain.id}`, `timebank.bank.default_limit_restored ${chosen.id}`].sort());

    // Run again: nothing more changes (the statements only touch what is still at -300 and marked).
    await run(migration0031.filter((s) => s.includes('timebank_')));
    assert.equal((await ctx.db.selectFrom('audit_log').select('id').where('action', 'like', '%limit_restored').execute()).length, 2);
  });
});
