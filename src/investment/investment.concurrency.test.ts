// Parallel writers against the CITR ledger and a deal: through the service (as requests would) and straight
// into the database in overlapping transactions that hold their rows a while before committing. On PostgreSQL
// these run at once on separate connections; whatever the interleaving, the rules hold.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine } from '../platform/testing.ts';
import * as service from './investment.service.ts';
import { cdfiWorld, daysAgo } from './investment.test-support.ts';

async function settle<T>(work: (() => Promise<T>)[]): Promise<{ ok: T[]; errors: unknown[] }> {
  const results = await Promise.allSettled(work.map((w) => w()));
  return { ok: results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<T>).value), errors: results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason) };
}

eachEngine('investment: the CITR ledger under parallel writers', (t) => {
  it('issues one certificate when eight are asked for at once', async () => {
    const { ctx } = t();
    const w = await cdfiWorld(ctx);
    const inv = await service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorA.id, kind: 'shares', amountPence: 100_000, investedOn: daysAgo(3) });
    const { ok, errors } = await settle(Array.from({ length: 8 }, (_, k) => () => service.issueCertificate(ctx.db, w.officer.actor, w.cdfi.organisationId, inv.id, { reference: `PAR-${k}` })));
    assert.equal(ok.length, 1);
    assert.equal(errors.length, 7);
    for (const e of errors) assert.equal((e as { code?: string }).code, 'conflict', String(e));
    const rows = await ctx.db.selectFrom('investment_citr_certificates').selectAll().where('investment_id', '=', inv.id).execute();
    assert.equal(rows.length, 1);
  });

  it('never certifies past the limit, through the service or in overlapping raw transactions', async () => {
    const { ctx } = t();
    const w = await cdfiWorld(ctx, { limitPence: 1_000_000 });
    const investments = [];
    for (let k = 0; k < 12; k++) investments.push(await service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: k % 2 ? w.investorA.id : w.investorB.id, kind: 'shares', amountPence: 150_000, investedOn: daysAgo(k % 5) }));
    const viaService = await settle(investments.slice(0, 6).map((inv) => () => service.issueCertificate(ctx.db, w.officer.actor, w.cdfi.organisationId, inv.id, {})));
    assert.equal(viaService.ok.length, 6, '6 × £1,500 = £9,000 fits in £10,000');
    const raw = await settle(investments.slice(6).map((inv, k) => () => ctx.db.transaction().execute(async (trx) => {
      await trx.insertInto('investment_citr_certificates').values({ organisation_id: w.cdfi.organisationId, investment_id: inv.id, issued_on: daysAgo(0), amount_pence: 150_000, reference: `RAW-${k}`, issued_by: null }).execute();
      await sql`SELECT pg_sleep(0.02)`.execute(trx);
    })));
    assert.equal(raw.ok.length, 0, 'a seventh certificate would pass the limit, however the writers interleave');
    for (const e of raw.errors) assert.match(String(e), /past its limit/);
    const total = await ctx.db.selectFrom('investment_citr_certificates').select((eb) => eb.fn.sum<number>('amount_pence').as('s')).where('organisation_id', '=', w.cdfi.organisationId).executeTakeFirstOrThrow();
    assert.equal(Number(total.s), 900_000);
  });

  it('lets at most 25% of a year-3 loan be repaid when many repayments race', async () => {
    const { ctx } = t();
    const w = await cdfiWorld(ctx);
    const loan = await service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorA.id, kind: 'loan', amountPence: 1_000_000, investedOn: daysAgo(365 * 2 + 40) });
    const viaService = await settle(Array.from({ length: 4 }, () => () => service.recordCitrRepayment(ctx.db, w.officer.actor, w.cdfi.organisationId, loan.id, { repaidOn: daysAgo(0), amountPence: 50_000 })));
    assert.equal(viaService.ok.length, 4);
    const raw = await settle(Array.from({ length: 6 }, () => () => ctx.db.transaction().execute(async (trx) => {
      await trx.insertInto('investment_citr_repayments').values({ organisation_id: w.cdfi.organisationId, investment_id: loan.id, repaid_on: daysAgo(0), amount_pence: 20_000, recorded_by: null }).execute();
      await sql`SELECT pg_sleep(0.02)`.execute(trx);
    })));
    assert.equal(raw.ok.length, 2, '£2,000 + 2 × £200 = £2,400; a third £200 would pass £2,500');
    const repaid = await ctx.db.selectFrom('investment_citr_repayments').select((eb) => eb.fn.sum<number>('amount_pence').as('s')).where('investment_id', '=', loan.id).executeTakeFirstOrThrow();
    assert.equal(Number(repaid.s), 240_000);
  });

  it('never lets a deal’s repayments and write-offs pass what is owed', async () => {
    const { ctx } = t();
    const w = await cdfiWorld(ctx);
    const deal = await service.createDeal(ctx.db, w.officer.actor, { investor: w.cdfiOrg.id, investee: w.investee.id, title: 'Van', loanPence: 100_000, termMonths: 10, startsOn: daysAgo(400) });
    assert.equal(deal.owedPence, 100_000);
    const { ok } = await settle(Array.from({ length: 8 }, (_, k) => () => (k % 2
      ? service.recordDealRepayment(ctx.db, w.officer.actor, deal.id, { paidOn: daysAgo(1), amountPence: 30_000 })
      : service.writeOff(ctx.db, w.officer.actor, deal.id, { on: daysAgo(1), amountPence: 30_000, reason: 'Shop closed' }))));
    assert.equal(ok.length, 3);
    const detail = await service.getDeal(ctx.db, w.officer.actor, deal.id);
    assert.equal(detail.position.repaidPence + detail.position.writtenOffPence, 90_000);
  });
});
