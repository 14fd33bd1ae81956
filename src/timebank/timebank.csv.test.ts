import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { bankWithMembers } from './timebank.test-support.ts';
import * as service from './timebank.service.ts';

const HOSTILE = `-2+3+cmd|' /C calc'!A0`;
// A cell that starts like a formula and is not wholly a number.
const FORMULA_CELL = /(^|,)[=+\-@](?!\d+(\.\d+)?(,|$))/;

eachEngine('timebank csv exports', (t) => {
  it('neutralises formula starts in the statement, accounts and impact CSVs; negative minutes stay numbers', async () => {
    const { app, ctx } = t();
    const { bank, coordinator, members } = await bankWithMembers(ctx, 'CSV Time Bank', 2, () => -120);
    const [a, b] = members;
    await ctx.db.updateTable('timebank_accounts').set({ name: '=HYPERLINK("http://x","y")' }).where('id', '=', b!.accountId).execute();
    await service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: a!.accountId, to: b!.accountId, minutes: 45, reason: HOSTILE });

    const statement = await app.inject({ method: 'GET', url: `/timebank/accounts/${a!.accountId}/statement.csv`, headers: a!.auth });
    assert.equal(statement.statusCode, 200, statement.body);
    assert.ok(statement.body.includes(`"'=HYPERLINK(""http://x"",""y"")","'${HOSTILE}"`), statement.body);
    assert.match(statement.body, /,-45,-45,/, 'minutes out of the account stay negative numbers');
    for (const row of statement.body.trimEnd().split('\r\n')) assert.doesNotMatch(row, FORMULA_CELL, row);

    const accounts = await app.inject({ method: 'GET', url: `/timebank/banks/${bank.id}/accounts.csv`, headers: coordinator.auth });
    assert.equal(accounts.statusCode, 200, accounts.body);
    assert.ok(accounts.body.includes(`"'=HYPERLINK(""http://x"",""y"")"`), accounts.body);
    assert.match(accounts.body, /,-45,-120\r\n/);
    for (const row of accounts.body.trimEnd().split('\r\n')) assert.doesNotMatch(row, FORMULA_CELL, row);

    const impact = await app.inject({ method: 'GET', url: `/timebank/banks/${bank.id}/impact.csv?view=exact`, headers: coordinator.auth });
    assert.equal(impact.statusCode, 200, impact.body);
    for (const row of impact.body.trimEnd().split('\r\n')) assert.doesNotMatch(row, FORMULA_CELL, row);
  });
});
