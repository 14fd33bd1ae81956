// The ledger under a randomised, concurrent workload (many clients at once through the HTTP API: random pairs,
// duplicate ids sent together and later, reused ids with other content, limit breaches, reversals), then an
// independent checker: it rebuilds every balance from the raw postings and from what the clients were told,
// and checks invariants 1–6 without using the module's own check.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { eachEngine } from '../platform/testing.ts';
import type { App } from '../platform/module.ts';
import { checkLedger } from './timebank.check.ts';
import { bankWithMembers } from './timebank.test-support.ts';

/** A small seeded generator (mulberry32), so a failing run can be repeated with TIMEBANK_SEED. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]! };
}

interface Sent { url: string; auth: { authorization: string }; body: Record<string, unknown> }
interface Answer { status: number; json: Record<string, unknown> }

eachEngine('timebank ledger under concurrent load', (t) => {
  it('keeps invariants 1–6 with 12 clients sending random transfers, duplicates, conflicts, overdrafts and reversals', async () => {
    const { app, ctx } = t();
    const seed = Number(process.env.TIMEBANK_SEED ?? Date.now() % 1_000_000);
    const rnd = random(seed);
    const memberCount = 10;
    const limits = Array.from({ length: memberCount }, (_, i) => [0, -60, -240][i % 3]!);
    const { bank, issuer, coordinator, members } = await bankWithMembers(ctx, `Load Time Bank ${seed}`, memberCount, (i) => limits[i]!);
    const accounts = [issuer, ...members.map((m) => m.accountId)];
    const minOf = new Map<string, number | null>([[issuer, null], ...members.map((m, i) => [m.accountId, limits[i]!] as [string, number])]);

    const send = async (s: Sent): Promise<Answer> => {
      const res = await app.inject({ method: 'POST', url: s.url, headers: s.auth, payload: s.body });
      return { status: res.statusCode, json: res.json() };
    };
    const recorded = new Map<string, Record<string, unknown>>(); // every transfer a client was told was recorded
    const successes: { sent: Sent; answer: Answer }[] = [];
    const statuses = new Map<number, number>();
    const problems: string[] = [];
    const note = (sent: Sent, a: Answer) => {
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      if (a.status >= 500 || a.status === 400 || a.status === 403 || a.status === 404) problems.push(`${a.status} ${JSON.stringify(sent.body)} ${JSON.stringify(a.json)}`);
      if (a.status === 201 || a.status === 200) {
        const prior = recorded.get(a.json.id as string);
        if (prior && JSON.stringify(prior) !== JSON.stringify(a.json)) problems.push(`transfer ${a.json.id} answered differently: ${JSON.stringify(prior)} then ${JSON.stringify(a.json)}`);
        if (a.status === 200 && !prior) { /* a duplicate raced ahead of its twin's answer: checked when the twin lands */ }
        recorded.set(a.json.id as string, a.json);
        successes.push({ sent, answer: a });
      }
    };

    // Issue some credits to start with, so members can spend.
    for (const m of members) {
      const sent = { url: '/api/v1/timebank/transfers', auth: coordinator.auth, body: { id: randomUUID(), from: issuer, to: m.accountId, minutes: rnd.int(30, 180), reason: 'Credits for volunteering' } };
      note(sent, await send(sent));
    }

    const transferBody = () => {
      const sender = rnd.pick(members);
      let to = rnd.pick(accounts);
      while (to === sender.accountId) to = rnd.pick(accounts);
      return { sender, body: { id: randomUUID(), from: sender.accountId, to, minutes: rnd.int(1, 150), reason: rnd.pick(['Gardening', 'Lifts to the surgery', 'Shopping', 'IT help', 'Befriending call']) } };
    };

    const clients = 12;
    const operations = 16;
    await Promise.all(Array.from({ length: clients }, async () => {
      for (let k = 0; k < operations; k++) {
        const roll = rnd.next();
        if (roll < 0.5) {
          // A member pays someone (sometimes more than they have).
          const { sender, body } = transferBody();
          const sent = { url: '/api/v1/timebank/transfers', auth: sender.auth, body };
          const a = await send(sent);
          note(sent, a);
          if (![201, 422].includes(a.status)) problems.push(`member transfer answered ${a.status}`);
        } else if (roll < 0.6) {
          // The same new transfer sent twice at once: recorded once, both told the same. From the issuer (no
          // limit) the pair must be 201 and 200; from a member, one twin may be refused before money arrives
          // and the other accepted after, but never both recorded.
          const fromIssuer = rnd.next() < 0.5;
          const { sender, body } = transferBody();
          const sent = fromIssuer
            ? { url: '/api/v1/timebank/transfers', auth: coordinator.auth, body: { ...body, from: issuer, to: sender.accountId } }
            : { url: '/api/v1/timebank/transfers', auth: sender.auth, body };
          const [a, b] = await Promise.all([send(sent), send(sent)]);
          note(sent, a);
          note(sent, b);
          const pair = [a.status, b.status].sort().join();
          if (!(fromIssuer ? ['200,201'] : ['200,201', '422,422', '201,422']).includes(pair)) problems.push(`twin requests answered ${pair}`);
        } else if (roll < 0.7 && successes.length) {
          // A client retries an old request: the same answer again, 200.
          const old = rnd.pick(successes);
          const a = await send(old.sent);
          note(old.sent, a);
          if (a.status !== 200) problems.push(`retry of ${old.answer.json.id} answered ${a.status}`);
        } else if (roll < 0.75 && successes.length) {
          // An id reused for something else: 409, nothing written.
          const old = rnd.pick(successes.filter((s) => s.sent.url === '/api/v1/timebank/transfers'));
          if (!old) continue;
          const sent = { ...old.sent, body: { ...old.sent.body, minutes: Number(old.sent.body.minutes) + 1 } };
          const a = await send(sent);
          note(sent, a);
          if (a.status !== 409) problems.push(`reused id answered ${a.status}`);
        } else if (roll < 0.85) {
          // A coordinator records on someone's behalf, between any two accounts.
          const from = rnd.pick(accounts);
          let to = rnd.pick(accounts);
          while (to === from) to = rnd.pick(accounts);
          const sent = { url: '/api/v1/timebank/transfers', auth: coordinator.auth, body: { id: randomUUID(), from, to, minutes: rnd.int(1, 120), reason: 'Recorded at the drop-in' } };
          const a = await send(sent);
          note(sent, a);
          if (![201, 422].includes(a.status)) problems.push(`coordinator transfer answered ${a.status}`);
        } else if (successes.length) {
          // A coordinator reverses something (perhaps already reversed, perhaps a reversal, perhaps now unaffordable).
          const target = rnd.pick([...recorded.values()]);
          const sent = { url: `/api/v1/timebank/transfers/${target.id}/reversal`, auth: coordinator.auth, body: { id: randomUUID(), reason: 'Recorded in error' } };
          const a = await send(sent);
          note(sent, a);
          if (![201, 409, 422].includes(a.status)) problems.push(`reversal answered ${a.status}`);
        }
      }
    }));

    assert.deepEqual(problems, [], `seed ${seed}`);

    // The independent checker: raw rows, rebuilt in this test.
    const transfers = await ctx.db.selectFrom('timebank_transfers').selectAll().where('bank_id', '=', bank.id).execute();
    const postings = await ctx.db.selectFrom('timebank_postings').selectAll().where('bank_id', '=', bank.id).execute();
    const stored = new Map((await ctx.db.selectFrom('timebank_accounts').select(['id', 'balance', 'min_balance']).where('bank_id', '=', bank.id).execute()).map((a) => [a.id, a]));

    // 5: exactly the transfers clients were told about exist, with the content they were told.
    assert.equal(transfers.length, recorded.size, `seed ${seed}: every recorded transfer once, and nothing else`);
    for (const tr of transfers) {
      const told = recorded.get(tr.id);
      assert.ok(told, `transfer ${tr.id} was never acknowledged`);
      assert.deepEqual([told.from, told.to, told.minutes, told.reverses ?? null], [tr.from_account_id, tr.to_account_id, Number(tr.minutes), tr.reverses]);
    }
    // 1: two postings, equal and opposite, in the transfer's bank.
    const byTransfer = new Map<string, typeof postings>();
    for (const p of postings) byTransfer.set(p.transfer_id, [...(byTransfer.get(p.transfer_id) ?? []), p]);
    for (const tr of transfers) {
      const ps = byTransfer.get(tr.id) ?? [];
      assert.equal(ps.length, 2, `transfer ${tr.id} has ${ps.length} postings`);
      const out = ps.find((p) => p.account_id === tr.from_account_id);
      const inn = ps.find((p) => p.account_id === tr.to_account_id);
      assert.equal(Number(out?.minutes), -Number(tr.minutes));
      assert.equal(Number(inn?.minutes), Number(tr.minutes));
    }
    assert.equal(postings.length, transfers.length * 2);
    // 3 and 2: balances rebuilt from postings, and from the acknowledged transfers, equal the stored ones; they sum to zero.
    const fromPostings = new Map<string, number>();
    for (const p of postings) fromPostings.set(p.account_id, (fromPostings.get(p.account_id) ?? 0) + Number(p.minutes));
    const fromAnswers = new Map<string, number>();
    for (const tr of recorded.values()) {
      fromAnswers.set(tr.from as string, (fromAnswers.get(tr.from as string) ?? 0) - Number(tr.minutes));
      fromAnswers.set(tr.to as string, (fromAnswers.get(tr.to as string) ?? 0) + Number(tr.minutes));
    }
    let sum = 0;
    for (const [id, a] of stored) {
      assert.equal(a.balance, fromPostings.get(id) ?? 0, `stored balance of ${id}`);
      assert.equal(a.balance, fromAnswers.get(id) ?? 0, `balance of ${id} rebuilt from the answers`);
      sum += a.balance;
      // 6: no interleaving took an account past its limit.
      const min = minOf.get(id);
      if (min !== null && min !== undefined) assert.ok(a.balance >= min, `${id} at ${a.balance} is below ${min}`);
    }
    assert.equal(sum, 0);
    // 4: reversed at most once, each by its mirror image; and the database still refuses changes.
    const reversals = transfers.filter((tr) => tr.reverses);
    assert.equal(new Set(reversals.map((r) => r.reverses)).size, reversals.length);
    for (const r of reversals) {
      const o = transfers.find((tr) => tr.id === r.reverses)!;
      assert.deepEqual([o.from_account_id, o.to_account_id, o.minutes, o.reverses], [r.to_account_id, r.from_account_id, r.minutes, null]);
    }
    await assert.rejects(sql`DELETE FROM timebank_postings WHERE bank_id = ${bank.id}`.execute(ctx.db), /append-only|permission denied/);
    // And the module's own check agrees.
    assert.deepEqual((await checkLedger(ctx.db)).violations, []);
    assert.ok((statuses.get(422) ?? 0) > 0 && (statuses.get(200) ?? 0) > 0 && (statuses.get(409) ?? 0) > 0, `the workload exercised refusals, replays and conflicts: ${JSON.stringify([...statuses])}`);
  });

  it('answers identical requests sent at once as one transfer, even when a second one would not fit', async () => {
    const { app, ctx } = t();
    const { issuer, coordinator, members: [payer, payee] } = await bankWithMembers(ctx, 'Twins Time Bank', 2);
    await app.inject({ method: 'POST', url: '/api/v1/timebank/transfers', headers: coordinator.auth, payload: { id: randomUUID(), from: issuer, to: payer!.accountId, minutes: 100, reason: 'Credits' } });
    const payload = { id: randomUUID(), from: payer!.accountId, to: payee!.accountId, minutes: 60, reason: 'Decorating' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => app.inject({ method: 'POST', url: '/api/v1/timebank/transfers', headers: payer!.auth, payload })));
    assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    assert.equal(new Set(answers.map((a) => a.body)).size, 1, 'every answer is the same transfer');
    const a = await ctx.db.selectFrom('timebank_accounts').select('balance').where('id', '=', payer!.accountId).executeTakeFirstOrThrow();
    assert.equal(a.balance, 40);
  });

  it('lets concurrent spends from one account take it exactly to its limit and no further', async () => {
    const { app, ctx } = t();
    const { issuer, coordinator, members: [payer, payee] } = await bankWithMembers(ctx, 'Race Time Bank', 2, () => -20);
    await app.inject({ method: 'POST', url: '/api/v1/timebank/transfers', headers: coordinator.auth, payload: { id: randomUUID(), from: issuer, to: payer!.accountId, minutes: 100, reason: 'Credits' } });
    const answers = await Promise.all(Array.from({ length: 24 }, () => app.inject({
      method: 'POST', url: '/api/v1/timebank/transfers', headers: payer!.auth,
      payload: { id: randomUUID(), from: payer!.accountId, to: payee!.accountId, minutes: 30, reason: 'Tea and a chat' },
    })));
    const codes = answers.map((a) => a.statusCode);
    assert.equal(codes.filter((c) => c === 201).length, 4, 'floor((100 + 20) / 30) spends fit');
    assert.equal(codes.filter((c) => c === 422).length, 20);
    const a = await ctx.db.selectFrom('timebank_accounts').select('balance').where('id', '=', payer!.accountId).executeTakeFirstOrThrow();
    assert.equal(a.balance, -20);
  });
});
