// The interface the checks use, as a person runs it: the command line on both engines, then the HTTP API.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeCli, runCli } from '../platform/testing.ts';
import { openPGlite, openPostgres } from '../platform/db.ts';

describeCli('the timebank command line', (ws) => {

  it('opens a bank, adds members, moves minutes and checks the ledger, each printing one JSON object', async () => {
    const { run, dir, env, engine } = ws();
    const bank = await run('timebank', 'bank', 'create', '--name', 'Byker Time Bank');
    assert.equal(bank.code, 0, bank.stderr);
    assert.match(bank.json.id, /^[0-9a-f-]{36}$/);
    const ann = await run('timebank', 'member', 'add', '--bank', bank.json.id, '--email', 'Ann@Example.org', '--name', 'Ann Archer', '--min-balance', '0');
    assert.equal(ann.code, 0, ann.stderr);
    assert.deepEqual(Object.keys(ann.json).sort(), ['accountId', 'added', 'userId']);
    const bob = await run('timebank', 'member', 'add', '--bank', bank.json.id, '--email', 'bob@example.org', '--name', 'Bob Bell', '--min-balance=-120');
    assert.equal(bob.code, 0, bob.stderr);
    const positive = await run('timebank', 'member', 'add', '--bank', bank.json.id, '--email', 'cat@example.org', '--name', 'Cat', '--min-balance', '30');
    assert.equal(positive.code, 1);
    assert.match(positive.stderr, /0 or less/);
    const credit = await run('timebank', 'transfer', '--from', bank.json.issuerAccountId, '--to', ann.json.accountId, '--minutes', '90', '--reason', 'Litter pick');
    assert.equal(credit.code, 0, credit.stderr);
    const token = await run('token', 'create', '--user', 'ann@example.org');
    assert.equal(token.code, 0, token.stderr);
    assert.match(token.json.token, /^cw_/);

    // Coordinator tools, statements (JSON and CSV) and impact.
    const suspended = await run('timebank', 'member', 'suspend', '--account', ann.json.accountId, '--reason', 'On holiday');
    assert.equal(suspended.code, 0, suspended.stderr);
    assert.equal(suspended.json.status, 'suspended');
    const noReason = await run('timebank', 'member', 'suspend', '--account', bob.json.accountId);
    assert.equal(noReason.code, 1);
    assert.match(noReason.stderr, /reason/);
    assert.equal((await run('timebank', 'member', 'reinstate', '--account', ann.json.accountId)).json.status, 'active');
    const statement = await run('timebank', 'statement', '--account', ann.json.accountId);
    assert.deepEqual(statement.json.postings.map((p: { minutes: number; reason: string }) => [p.minutes, p.reason]), [[90, 'Litter pick']]);
    const csv = await runCli(['timebank', 'statement', '--account', ann.json.accountId, '--csv', '--data-dir', dir], env);
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stdout, /^recorded_at,transfer_id,with,what_for,kind,category,minutes,balance_after_minutes/);
    assert.match(csv.stdout, /Byker Time Bank,Litter pick,transfer,,90,90,true/);
    const impact = await run('timebank', 'impact', '--bank', bank.json.id);
    assert.equal(impact.code, 0, impact.stderr);
    assert.equal(impact.json.totals.minutes, 90);

    const check = await run('timebank', 'check');
    assert.equal(check.code, 0, check.stderr);
    assert.equal(check.json.ok, true);
    assert.deepEqual(check.json.counts, { banks: 1, accounts: 3, transfers: 1, postings: 2 });

    // Break invariant 3 behind the application's back: the check finds it and fails.
    const handle = engine === 'postgres' ? openPostgres(env.DATABASE_URL!, { onIdleError: () => {} }) : await openPGlite(dir);
    await sql`UPDATE timebank_accounts SET balance = balance + 5 WHERE id = ${bank.json.issuerAccountId}`.execute(handle.db);
    await handle.close();
    const broken = await run('timebank', 'check');
    assert.equal(broken.code, 1);
    assert.equal(broken.json.ok, false);
    assert.deepEqual(broken.json.violations.map((v: { invariant: number }) => v.invariant).sort(), [2, 3]);
  });
});
