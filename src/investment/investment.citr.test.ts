// The CITR ledger's rules: through the service (clear refusals, nothing written) and against the database
// directly (the rules hold even for a writer that skips the service).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine } from '../platform/testing.ts';
import { AppError } from '../platform/errors.ts';
import { cliActor } from '../platform/actor.ts';
import * as service from './investment.service.ts';
import { cdfiWorld, daysAgo } from './investment.test-support.ts';

async function refused(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AppError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

async function counts(ctx: { db: import('kysely').Kysely<import('../database.ts').Database> }) {
  const one = async (t: 'investment_citr_investments' | 'investment_citr_certificates' | 'investment_citr_repayments' | 'audit_log') => Number((await ctx.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { investments: await one('investment_citr_investments'), certificates: await one('investment_citr_certificates'), repayments: await one('investment_citr_repayments'), audit: await one('audit_log') };
}

eachEngine('investment: the CITR ledger', (t) => {
  it('records an investment and issues its one certificate within 30 days, audited', async () => {
    const { ctx } = t();
    const w = await cdfiWorld(ctx);
    const inv = await service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorA.name, kind: 'shares', amountPence: 2_000_000, investedOn: daysAgo(10) });
    assert.equal(inv.investor, w.investorA.name, 'the investor is found by name');
    assert.equal(inv.certificate, null);
    const certified = await service.issueCertificate(ctx.db, w.officer.actor, w.cdfi.organisationId, inv.id, {});
    assert.ok(certified.certificate);
    assert.equal(certified.certificate.amountPence, 2_000_000);
    assert.equal(certified.reliefPence, 500_000, '5% a year for five years: 25%');
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', inv.id).execute();
    assert.deepEqual(audit.map((a) => a.action).sort(), ['investment.citr.certified', 'investment.citr.invested']);
  });

  it('refuses a second certificate, one after 30 days, one over the limit, and wrong people — changing nothing', async () => {
    const { ctx } = t();
    const w = await cdfiWorld(ctx, { limitPence: 3_000_000 });
    const a = await service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorA.id, kind: 'loan', amountPence: 2_000_000, investedOn: daysAgo(5) });
    const late = await service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorB.id, kind: 'shares', amountPence: 500_000, investedOn: daysAgo(31) });
    const big = await service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorB.id, kind: 'shares', amountPence: 1_500_000, investedOn: daysAgo(2) });
    await service.issueCertificate(ctx.db, w.officer.actor, w.cdfi.organisationId, a.id, {});
    const before = await counts(ctx);
    await refused(service.issueCertificate(ctx.db, w.officer.actor, w.cdfi.organisationId, a.id, {}), 'conflict', /already has its tax relief certificate/);
    await refused(service.issueCertificate(ctx.db, w.officer.actor, w.cdfi.organisationId, late.id, {}), 'unprocessable', /30 days to issue this certificate ran out on/);
    await refused(service.issueCertificate(ctx.db, w.officer.actor, w.cdfi.organisationId, big.id, {}), 'unprocessable', /past its limit of £30,000 \(£20,000 certified\)/);
    await refused(service.issueCertificate(ctx.db, w.staff.actor, w.cdfi.organisationId, big.id, {}), 'forbidden', /administrator or finance/);
    await refused(service.issueCertificate(ctx.db, w.outsider.actor, w.cdfi.organisationId, big.id, {}), 'forbidden', /.+/);
    await refused(service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorA.id, kind: 'loan', amountPence: -5, investedOn: daysAgo(1) }), 'validation_failed', /cannot be negative/);
    await refused(service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: 'Nobody Of That Name', kind: 'loan', amountPence: 5, investedOn: daysAgo(1) }), 'validation_failed', /No organisation is registered as/);
    await refused(service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorA.id, kind: 'loan', amountPence: 500, investedOn: daysAgo(365 * 5) }), 'validation_failed', /does not qualify/);
    assert.deepEqual(await counts(ctx), before, 'nothing written, not even an audit row');
  });

  it('holds the certificate rules in the database for a writer that skips the service', async () => {
    const { ctx } = t();
    const w = await cdfiWorld(ctx, { limitPence: 1_000_000 });
    const a = await service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorA.id, kind: 'shares', amountPence: 800_000, investedOn: daysAgo(40) });
    const b = await service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorA.id, kind: 'shares', amountPence: 800_000, investedOn: daysAgo(3) });
    const insert = (investmentId: string, issuedOn: string, amount: number, reference: string) => ctx.db.insertInto('investment_citr_certificates').values({ organisation_id: w.cdfi.organisationId, investment_id: investmentId, issued_on: issuedOn, amount_pence: amount, reference, issued_by: null }).execute();
    await assert.rejects(insert(a.id, daysAgo(1), 800_000, 'X-1'), /within 30 days/);
    await assert.rejects(insert(b.id, daysAgo(1), 700_000, 'X-2'), /whole investment/);
    await insert(b.id, daysAgo(1), 800_000, 'X-3');
    await assert.rejects(insert(b.id, daysAgo(1), 800_000, 'X-4'), (e: { code?: string }) => e.code === '23505');
    const c = await service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorB.id, kind: 'shares', amountPence: 300_000, investedOn: daysAgo(1) });
    await assert.rejects(insert(c.id, daysAgo(0), 300_000, 'X-5'), /past its limit/);
    await assert.rejects(sql`UPDATE investment_citr_certificates SET issued_on = issued_on - 1`.execute(ctx.db), /append-only|permission denied/);
    await assert.rejects(sql`DELETE FROM investment_citr_investments`.execute(ctx.db), /append-only|permission denied/);
  });

  it('refuses loan repayments in years 1–2 and past 25/50/75% by years 3/4/5, in the service and the database', async () => {
    const { ctx } = t();
    const w = await cdfiWorld(ctx);
    const young = await service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorA.id, kind: 'loan', amountPence: 1_000_000, investedOn: daysAgo(400) });
    await refused(service.recordCitrRepayment(ctx.db, w.officer.actor, w.cdfi.organisationId, young.id, { repaidOn: daysAgo(0), amountPence: 1 }), 'unprocessable', /No capital may be repaid in years 1 and 2/);
    const old = await service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorB.id, kind: 'loan', amountPence: 1_000_000, investedOn: daysAgo(365 * 2 + 60) });
    const ok = await service.recordCitrRepayment(ctx.db, w.officer.actor, w.cdfi.organisationId, old.id, { repaidOn: daysAgo(0), amountPence: 200_000 });
    assert.equal(ok.repaidPence, 200_000);
    assert.deepEqual(ok.repaymentCap, { year: 3, capPence: 250_000 });
    const before = await counts(ctx);
    await refused(service.recordCitrRepayment(ctx.db, w.officer.actor, w.cdfi.organisationId, old.id, { repaidOn: daysAgo(0), amountPence: 50_001 }), 'unprocessable', /past the £2,500 \(25% of the loan\) allowed by the end of year 3/);
    await refused(service.recordCitrRepayment(ctx.db, w.officer.actor, w.cdfi.organisationId, old.id, { repaidOn: daysAgo(0), amountPence: 0 }), 'validation_failed', /more than £0/);
    assert.deepEqual(await counts(ctx), before);
    await assert.rejects(ctx.db.insertInto('investment_citr_repayments').values({ organisation_id: w.cdfi.organisationId, investment_id: old.id, repaid_on: daysAgo(0), amount_pence: 50_001, recorded_by: null }).execute(), /past the 250000 pence allowed/);
    await ctx.db.insertInto('investment_citr_repayments').values({ organisation_id: w.cdfi.organisationId, investment_id: old.id, repaid_on: daysAgo(0), amount_pence: 50_000, recorded_by: null }).execute();
    const shares = await service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorB.id, kind: 'shares', amountPence: 1_000_000, investedOn: daysAgo(365 * 3) });
    await refused(service.recordCitrRepayment(ctx.db, w.officer.actor, w.cdfi.organisationId, shares.id, { repaidOn: daysAgo(0), amountPence: 10 }), 'unprocessable', /Only a loan is repaid/);
  });

  it('states each rule on the CDFI’s report with its figures, and shows the ledger only to the CDFI', async () => {
    const { ctx } = t();
    const w = await cdfiWorld(ctx);
    const inv = await service.recordCitrInvestment(ctx.db, w.officer.actor, w.cdfi.organisationId, { investor: w.investorA.id, kind: 'loan', amountPence: 4_000_000, investedOn: daysAgo(365 * 3 + 200) });
    await ctx.db.insertInto('investment_citr_certificates').values({ organisation_id: w.cdfi.organisationId, investment_id: inv.id, issued_on: daysAgo(365 * 3 + 195), amount_pence: 4_000_000, reference: 'OLD-1', issued_by: null }).execute();
    await service.createDeal(ctx.db, w.officer.actor, { investor: w.cdfiOrg.id, investee: w.investee.name, title: 'Shop refit', loanPence: 2_500_000, interestBasisPoints: 700, termMonths: 36, startsOn: daysAgo(365 * 2 + 30), qualifying: true });
    const report = await service.cdfiReport(ctx.db, w.officer.actor, w.cdfi.organisationId);
    const rule = (k: string) => report.rules.find((r) => r.key === k)!;
    assert.match(rule('limit').figures, /£40,000 certified of a £500,000 limit/);
    assert.match(rule('onward-1').figures, /Fund £40,000; invested in qualifying enterprises £0 \(0\.0%\); £10,000 needed\. Breach/);
    assert.equal(rule('onward-1').status, 'breach');
    assert.equal(rule('onward-2').status, 'met');
    assert.match(rule('certificate').figures, /1 certified/);
    assert.ok(report.investments?.length === 1);
    const publicView = await service.cdfiReport(ctx.db, w.outsider.actor, w.cdfi.organisationId);
    assert.equal(publicView.investments, null, 'investors and amounts are the CDFI’s to see');
    assert.equal(publicView.rules.length, report.rules.length, 'the rules and their figures are for everyone');
    const statement = await service.investorStatement(ctx.db, w.investorPerson.actor, w.cdfi.organisationId, w.investorA.id);
    assert.equal(statement.totals.investedPence, 4_000_000);
    await refused(service.investorStatement(ctx.db, w.outsider.actor, w.cdfi.organisationId, w.investorA.id), 'forbidden', /.+/);
  });

  it('only a site administrator records an accreditation', async () => {
    const { ctx } = t();
    const w = await cdfiWorld(ctx);
    await refused(service.accreditCdfi(ctx.db, w.officer.actor, { organisation: w.cdfiOrg.id, accreditedFrom: daysAgo(1), applicationPence: 100 }), 'forbidden', /site administrator/);
    const renewed = await service.accreditCdfi(ctx.db, cliActor, { organisation: w.cdfiOrg.name, accreditedFrom: '2026-01-01', applicationPence: 100_000 });
    assert.equal(renewed.accreditedTo, '2028-12-31', 'three years by default');
    assert.equal(renewed.certificateLimitPence, 125_000, '125% of the application');
  });
});
