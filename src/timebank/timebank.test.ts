import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import type { App, AppContext } from '../platform/module.ts';
import * as service from './timebank.service.ts';
import { checkLedger } from './timebank.check.ts';
import { bankWithMembers, tokenFor } from './timebank.test-support.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { insertMembership } from '../platform/auth/auth.repository.ts';

async function post(app: App, url: string, auth: { authorization: string } | undefined, payload: unknown) {
  return app.inject({ method: 'POST', url, headers: auth ?? {}, payload: payload as Record<string, unknown> });
}

async function balance(ctx: AppContext, accountId: string): Promise<number> {
  const r = await ctx.db.selectFrom('timebank_accounts').select('balance').where('id', '=', accountId).executeTakeFirstOrThrow();
  return r.balance;
}

async function ledgerSize(ctx: AppContext) {
  const r = await sql<{ transfers: number; postings: number; audit: number }>`SELECT
    (SELECT count(*)::int FROM timebank_transfers) AS transfers, (SELECT count(*)::int FROM timebank_postings) AS postings,
    (SELECT count(*)::int FROM audit_log) AS audit`.execute(ctx.db);
  return r.rows[0]!;
}

eachEngine('timebank ledger', (t) => {
  it('moves minutes once per id: 201, then 200 with the same answer, 409 for different content; balances and audit follow', async () => {
    const { app, ctx } = t();
    const { issuer, coordinator, members: [ann, bob] } = await bankWithMembers(ctx, 'Idempotency Time Bank', 2);
    const id = randomUUID();
    const body = { id, from: issuer, to: ann!.accountId, minutes: 120, reason: 'Two hours at the community garden' };
    const first = await post(app, '/api/v1/timebank/transfers', coordinator.auth, body);
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.json().onBehalf, true);
    const again = await post(app, '/api/v1/timebank/transfers', coordinator.auth, body);
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(again.json(), first.json());
    const changed = await post(app, '/api/v1/timebank/transfers', coordinator.auth, { ...body, minutes: 121 });
    assert.equal(changed.statusCode, 409);
    assert.equal(changed.json().code, 'conflict');
    const elsewhere = await post(app, '/api/v1/timebank/transfers', coordinator.auth, { ...body, to: bob!.accountId });
    assert.equal(elsewhere.statusCode, 409);
    assert.equal(await balance(ctx, ann!.accountId), 120);
    assert.equal(await balance(ctx, issuer), -120);
    const account = await app.inject({ method: 'GET', url: `/api/v1/timebank/accounts/${ann!.accountId}`, headers: ann!.auth });
    assert.equal(account.statusCode, 200);
    assert.equal(account.json().balance, 120);
    assert.equal(account.json().available, 120);
    const audit = await ctx.db.selectFrom('audit_log').selectAll().where('entity_id', '=', id).execute();
    assert.equal(audit.length, 1, 'a replay writes no second audit row');
    assert.equal(audit[0]!.actor_user_id, coordinator.userId);
    assert.equal(audit[0]!.action, 'timebank.transfer.recorded');
  });

  it('refuses a transfer past the sender’s limit with 422 and the reason, and changes nothing', async () => {
    const { app, ctx } = t();
    const { issuer, coordinator, members: [ann, bob] } = await bankWithMembers(ctx, 'Limits Time Bank', 2, (i) => (i === 0 ? -60 : 0));
    assert.equal((await post(app, '/api/v1/timebank/transfers', coordinator.auth, { id: randomUUID(), from: issuer, to: ann!.accountId, minutes: 30, reason: 'Shopping for a neighbour' })).statusCode, 201);
    const before = await ledgerSize(ctx);
    const refused = await post(app, '/api/v1/timebank/transfers', ann!.auth, { id: randomUUID(), from: ann!.accountId, to: bob!.accountId, minutes: 91, reason: 'Lifts to the surgery' });
    assert.equal(refused.statusCode, 422, refused.body);
    assert.equal(refused.json().code, 'unprocessable');
    assert.match(refused.json().detail, /90 available/);
    assert.deepEqual(await ledgerSize(ctx), before);
    assert.equal(await balance(ctx, ann!.accountId), 30);
    const exact = await post(app, '/api/v1/timebank/transfers', ann!.auth, { id: randomUUID(), from: ann!.accountId, to: bob!.accountId, minutes: 90, reason: 'Lifts to the surgery' });
    assert.equal(exact.statusCode, 201, 'down to the limit exactly is allowed');
    assert.equal(await balance(ctx, ann!.accountId), -60);
    const bobOverdraws = await post(app, '/api/v1/timebank/transfers', bob!.auth, { id: randomUUID(), from: bob!.accountId, to: ann!.accountId, minutes: 91, reason: 'x' });
    assert.equal(bobOverdraws.statusCode, 422);
  });

  it('lets a member move time only from their own account, and a coordinator between any two accounts of the bank', async () => {
    const { app, ctx } = t();
    const { issuer, coordinator, members: [ann, bob] } = await bankWithMembers(ctx, 'Authority Time Bank', 2, () => -600);
    const other = await bankWithMembers(ctx, 'Another Time Bank', 1, () => -600);
    const fromBob = await post(app, '/api/v1/timebank/transfers', ann!.auth, { id: randomUUID(), from: bob!.accountId, to: ann!.accountId, minutes: 10, reason: 'Helping myself' });
    assert.equal(fromBob.statusCode, 403);
    const fromIssuer = await post(app, '/api/v1/timebank/transfers', ann!.auth, { id: randomUUID(), from: issuer, to: ann!.accountId, minutes: 10, reason: 'Printing credits' });
    assert.equal(fromIssuer.statusCode, 403);
    const own = await post(app, '/api/v1/timebank/transfers', ann!.auth, { id: randomUUID(), from: ann!.accountId, to: bob!.accountId, minutes: 45, reason: 'Dog walking' });
    assert.equal(own.statusCode, 201);
    assert.equal(own.json().onBehalf, false);
    const onBehalf = await post(app, '/api/v1/timebank/transfers', coordinator.auth, { id: randomUUID(), from: bob!.accountId, to: ann!.accountId, minutes: 15, reason: 'Recorded at the drop-in' });
    assert.equal(onBehalf.statusCode, 201);
    assert.equal(onBehalf.json().onBehalf, true);
    const otherCoordinator = await post(app, '/api/v1/timebank/transfers', other.coordinator.auth, { id: randomUUID(), from: bob!.accountId, to: ann!.accountId, minutes: 15, reason: 'x' });
    assert.equal(otherCoordinator.statusCode, 403, 'a coordinator of another bank has no authority here');
    const acrossBanks = await post(app, '/api/v1/timebank/transfers', ann!.auth, { id: randomUUID(), from: ann!.accountId, to: other.members[0]!.accountId, minutes: 5, reason: 'x' });
    assert.equal(acrossBanks.statusCode, 422);
    const anonymous = await post(app, '/api/v1/timebank/transfers', undefined, { id: randomUUID(), from: ann!.accountId, to: bob!.accountId, minutes: 5, reason: 'x' });
    assert.ok([401, 403].includes(anonymous.statusCode));
    const badBody = await post(app, '/api/v1/timebank/transfers', ann!.auth, { id: 'not-a-uuid', from: ann!.accountId, to: bob!.accountId, minutes: 1.5, reason: '' });
    assert.equal(badBody.statusCode, 400);
    const unknown = await post(app, '/api/v1/timebank/transfers', ann!.auth, { id: randomUUID(), from: ann!.accountId, to: randomUUID(), minutes: 5, reason: 'x' });
    assert.equal(unknown.statusCode, 404);
    const statement = await app.inject({ method: 'GET', url: `/api/v1/timebank/accounts/${ann!.accountId}/statement`, headers: ann!.auth });
    assert.equal(statement.statusCode, 200);
    assert.deepEqual(statement.json().postings.map((p: { minutes: number; balanceAfter: number }) => [p.minutes, p.balanceAfter]), [[15, -30], [-45, -45]]);
    const bobsStatement = await app.inject({ method: 'GET', url: `/api/v1/timebank/accounts/${bob!.accountId}/statement`, headers: ann!.auth });
    assert.equal(bobsStatement.statusCode, 403);
    const strangerSees = await app.inject({ method: 'GET', url: `/api/v1/timebank/accounts/${ann!.accountId}`, headers: other.members[0]!.auth });
    assert.equal(strangerSees.statusCode, 403);
  });

  it('reverses a transfer once, with a reason, by a coordinator; a reversal is not reversed', async () => {
    const { app, ctx } = t();
    const { issuer, coordinator, members: [ann] } = await bankWithMembers(ctx, 'Reversal Time Bank', 1);
    const original = (await post(app, '/api/v1/timebank/transfers', coordinator.auth, { id: randomUUID(), from: issuer, to: ann!.accountId, minutes: 60, reason: 'Recorded against the wrong member' })).json();
    const byMember = await post(app, `/api/v1/timebank/transfers/${original.id}/reversal`, ann!.auth, { id: randomUUID(), reason: 'I would like to give it back' });
    assert.equal(byMember.statusCode, 403);
    const reversal = { id: randomUUID(), reason: 'Recorded against the wrong member' };
    const first = await post(app, `/api/v1/timebank/transfers/${original.id}/reversal`, coordinator.auth, reversal);
    assert.equal(first.statusCode, 201, first.body);
    assert.deepEqual([first.json().from, first.json().to, first.json().minutes, first.json().reverses], [ann!.accountId, issuer, 60, original.id]);
    assert.equal((await post(app, `/api/v1/timebank/transfers/${original.id}/reversal`, coordinator.auth, reversal)).statusCode, 200);
    const twice = await post(app, `/api/v1/timebank/transfers/${original.id}/reversal`, coordinator.auth, { id: randomUUID(), reason: 'Again' });
    assert.equal(twice.statusCode, 409);
    const ofReversal = await post(app, `/api/v1/timebank/transfers/${first.json().id}/reversal`, coordinator.auth, { id: randomUUID(), reason: 'Undo the undo' });
    assert.equal(ofReversal.statusCode, 422);
    assert.equal(await balance(ctx, ann!.accountId), 0);
    const statement = (await app.inject({ method: 'GET', url: `/api/v1/timebank/accounts/${ann!.accountId}/statement`, headers: ann!.auth })).json();
    assert.equal(statement.postings[1].reversedBy, first.json().id);
  });

  it('records a group exchange whole or not at all', async () => {
    const { app, ctx } = t();
    const { issuer, coordinator, members } = await bankWithMembers(ctx, 'Group Time Bank', 3);
    const [a, b, c] = members;
    await post(app, '/api/v1/timebank/transfers', coordinator.auth, { id: randomUUID(), from: issuer, to: a!.accountId, minutes: 100, reason: 'Credits for the litter pick' });
    const before = await ledgerSize(ctx);
    const tooMuch = await post(app, '/api/v1/timebank/group-exchanges', a!.auth, {
      id: randomUUID(), reason: 'Thanks for the removal help',
      transfers: [{ id: randomUUID(), from: a!.accountId, to: b!.accountId, minutes: 60 }, { id: randomUUID(), from: a!.accountId, to: c!.accountId, minutes: 60 }],
    });
    assert.equal(tooMuch.statusCode, 422, 'the second leg would overdraw: neither is written');
    assert.deepEqual(await ledgerSize(ctx), before);
    const group = {
      id: randomUUID(), reason: 'Thanks for the removal help',
      transfers: [{ id: randomUUID(), from: a!.accountId, to: b!.accountId, minutes: 50 }, { id: randomUUID(), from: a!.accountId, to: c!.accountId, minutes: 50 }],
    };
    const ok = await post(app, '/api/v1/timebank/group-exchanges', a!.auth, group);
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().transfers.length, 2);
    assert.equal((await post(app, '/api/v1/timebank/group-exchanges', a!.auth, group)).statusCode, 200);
    assert.deepEqual([await balance(ctx, a!.accountId), await balance(ctx, b!.accountId), await balance(ctx, c!.accountId)], [0, 50, 50]);
  });

  it('refuses, in the database itself, to update or delete postings and transfers, unbalanced transfers and overdrawn accounts', async () => {
    const { app, ctx } = t();
    const { issuer, coordinator, members: [ann] } = await bankWithMembers(ctx, 'Append-only Time Bank', 1);
    const tr = (await post(app, '/api/v1/timebank/transfers', coordinator.auth, { id: randomUUID(), from: issuer, to: ann!.accountId, minutes: 30, reason: 'Reading group' })).json();
    const refused = async (statement: ReturnType<typeof sql>, pattern: RegExp) => {
      await assert.rejects(ctx.db.transaction().execute((trx) => statement.execute(trx)), pattern);
    };
    await refused(sql`UPDATE timebank_postings SET minutes = minutes * 2 WHERE transfer_id = ${tr.id}`, /append-only|permission denied/);
    await refused(sql`DELETE FROM timebank_postings WHERE transfer_id = ${tr.id}`, /append-only|permission denied/);
    await refused(sql`TRUNCATE timebank_postings CASCADE`, /append-only|permission denied/);
    await refused(sql`UPDATE timebank_transfers SET minutes = 1 WHERE id = ${tr.id}`, /append-only|permission denied/);
    await refused(sql`DELETE FROM timebank_transfers WHERE id = ${tr.id}`, /append-only|foreign key|permission denied/);
    await refused(sql`UPDATE timebank_accounts SET balance = -1 WHERE id = ${ann!.accountId}`, /within_limit/);
    // An account's identity is fixed (the service keeps it in memory to authorise transfers).
    await refused(sql`UPDATE timebank_accounts SET user_id = ${coordinator.userId} WHERE id = ${ann!.accountId}`, /cannot change/);
    await refused(sql`UPDATE timebank_accounts SET bank_id = gen_random_uuid() WHERE id = ${ann!.accountId}`, /cannot change|foreign key/);
    const lonely = randomUUID();
    await refused(sql`INSERT INTO timebank_transfers (organisation_id, bank_id, id, from_account_id, to_account_id, minutes, reason, request_hash, recorded_via, on_behalf)
      SELECT organisation_id, bank_id, ${lonely}, ${issuer}, ${ann!.accountId}, 10, 'no postings', 'x', 'cli', true FROM timebank_accounts WHERE id = ${issuer}`, /not two balanced postings/);
    assert.equal((await ctx.db.selectFrom('timebank_postings').select('minutes').where('transfer_id', '=', tr.id).orderBy('minutes').execute()).map((p) => p.minutes).join(), '-30,30');
  });

  it('keeps a transfer’s lookups on unique indexes whatever the statistics say', async () => {
    // Without statistics PostgreSQL chose a (organisation_id, bank_id, created_at) index as readily as the
    // primary key for the postings' lookups of their transfer, reading the whole bank's transfers each time: a
    // write cost that grew with the ledger. No index but the primary key may share that prefix.
    const { ctx } = t();
    const r = await sql<{ indexname: string; indexdef: string }>`
      SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'timebank_transfers'`.execute(ctx.db);
    const sharing = r.rows.filter((i) => /\(organisation_id, bank_id\b/.test(i.indexdef) && i.indexname !== 'timebank_transfers_pkey');
    assert.deepEqual(sharing.map((i) => i.indexname), []);
    assert.ok(r.rows.some((i) => i.indexname === 'timebank_transfers_id' && /UNIQUE/.test(i.indexdef)));
  });

  it('lets a partner organisation’s staff issue credits from its account, within its limit', async () => {
    const { app, ctx } = t();
    const { bank, coordinator, members: [ann] } = await bankWithMembers(ctx, 'Partners Time Bank', 1);
    const partnerBank = await service.createBank(ctx.db, cliActor, { name: 'Fenham Library Friends' });
    const staff = await registerUser(ctx.db, cliActor, { email: 'librarian@example.org', name: 'Lib Rarian', password: null });
    await insertMembership(ctx.db, { organisationId: partnerBank.organisationId, userId: staff.id, role: 'staff' });
    const staffAuth = await tokenFor(ctx, staff.id);
    const added = await app.inject({ method: 'POST', url: `/api/v1/timebank/banks/${bank.id}/partners`, headers: coordinator.auth, payload: { organisation: partnerBank.organisationId, minBalance: -120 } });
    assert.equal(added.statusCode, 201, added.body);
    const partner = added.json().accountId;
    const issued = await post(app, '/api/v1/timebank/transfers', staffAuth, { id: randomUUID(), from: partner, to: ann!.accountId, minutes: 120, reason: 'Two hours running the reading group' });
    assert.equal(issued.statusCode, 201, issued.body);
    assert.equal(issued.json().onBehalf, false);
    const beyond = await post(app, '/api/v1/timebank/transfers', staffAuth, { id: randomUUID(), from: partner, to: ann!.accountId, minutes: 1, reason: 'One more minute' });
    assert.equal(beyond.statusCode, 422);
    const notTheirs = await post(app, '/api/v1/timebank/transfers', staffAuth, { id: randomUUID(), from: ann!.accountId, to: partner, minutes: 10, reason: 'x' });
    assert.equal(notTheirs.statusCode, 403);
    const spent = await post(app, '/api/v1/timebank/transfers', ann!.auth, { id: randomUUID(), from: ann!.accountId, to: partner, minutes: 60, reason: 'Craft workshop at the library' });
    assert.equal(spent.statusCode, 201);
    assert.equal(await balance(ctx, partner), -60);
  });

  it('finds a drifted balance (the checker is not vacuous)', async () => {
    const { ctx } = t();
    assert.deepEqual((await checkLedger(ctx.db)).violations, []);
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Drift Time Bank' });
    await sql`UPDATE timebank_accounts SET balance = balance + 7 WHERE id = ${bank.issuerAccountId}`.execute(ctx.db);
    const found = await checkLedger(ctx.db);
    assert.equal(found.ok, false);
    assert.deepEqual(found.violations.map((v) => v.invariant).sort(), [2, 3]);
    await sql`UPDATE timebank_accounts SET balance = balance - 7 WHERE id = ${bank.issuerAccountId}`.execute(ctx.db);
    assert.equal((await checkLedger(ctx.db)).ok, true);
  });
});
