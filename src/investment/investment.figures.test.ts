// The CDFI's page works its figures out in the database (investment.repository.ts: ledgerFigures, fundOn,
// each investor's totals). A checker rebuilds them independently from the ledger's rows with the pure arithmetic of
// investment.compute.ts (reliefByYear, repaymentCap, onwardTests) over a seeded random ledger — loans with
// repayments in years 3 to 5, shares, certified and not, late and due, a 29 February and a 31st — on several
// days, and they must agree to the penny. Both engines.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import * as calc from './investment.compute.ts';
import * as repo from './investment.repository.ts';
import * as service from './investment.service.ts';
import { cdfiWorld, daysAgo } from './investment.test-support.ts';

function random(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

eachEngine('investment: the CDFI page’s figures', (t) => {
  it('ledger figures, the fund on each test day and each investor’s totals agree with the ledger rebuilt row by row', async () => {
    const { ctx } = t();
    const w = await cdfiWorld(ctx);
    const cdfiId = w.cdfi.organisationId;
    const rnd = random(19);
    const today = calc.todayDay();
    const fixed = ['2024-02-29', calc.addMonths(calc.addYears(today, -3), 0).slice(0, 8) + '31'].filter((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d));
    const days = [...fixed, ...Array.from({ length: 22 }, () => daysAgo(Math.floor(rnd() * (365 * 4 - 10))))].filter((d) => d >= w.cdfi.accreditedFrom && d <= today);
    for (const [k, investedOn] of days.entries()) {
      const kind = k < 2 || rnd() < 0.6 ? 'loan' : 'shares';
      const amount = 100_000 + Math.floor(rnd() * 1_400_000);
      const inv = await service.recordCitrInvestment(ctx.db, w.officer.actor, cdfiId, { investor: rnd() < 0.5 ? w.investorA.id : w.investorB.id, kind, amountPence: amount, investedOn });
      const by = calc.addDays(investedOn, 30);
      if (rnd() < 0.75 && (by <= today || rnd() < 0.5)) {
        const issuedOn = calc.addDays(investedOn, Math.floor(rnd() * 30));
        await service.issueCertificate(ctx.db, w.officer.actor, cdfiId, inv.id, { issuedOn: issuedOn <= today ? issuedOn : today });
      }
      if (kind !== 'loan') continue;
      // Repayments in date order, each within its year's cap; some loans repaid in full after year 5.
      let repaid = 0;
      let on = calc.addYears(investedOn, 2);
      while (on <= today) {
        const { capPence } = calc.repaymentCap(amount, investedOn, on);
        const room = capPence - repaid;
        if (room > 0 && rnd() < 0.6) {
          const pay = rnd() < 0.3 ? room : 1 + Math.floor(rnd() * room);
          await service.recordCitrRepayment(ctx.db, w.officer.actor, cdfiId, inv.id, { repaidOn: on, amountPence: pay });
          repaid += pay;
        }
        on = calc.addDays(on, 60 + Math.floor(rnd() * 200));
      }
    }
    const report = await service.cdfiReport(ctx.db, w.officer.actor, cdfiId);
    const views = report.investments!;
    assert.ok(views.length >= 20);
    assert.ok(views.some((v) => v.kind === 'loan' && v.repaidPence > 0 && v.relief.some((y) => y.basePence < v.amountPence && y.basePence > 0)), 'a loan whose average balance fell');
    for (const on of [today, daysAgo(100), daysAgo(400), daysAgo(800)]) {
      const { investors: _, ...f } = await repo.ledgerFigures(ctx.db, cdfiId, on);
      const loans = views.filter((v) => v.kind === 'loan');
      const repaidBy = (v: service.CitrInvestmentView) => v.repayments.reduce((s, r) => s + r.amountPence, 0);
      assert.deepEqual(f, {
        investments: views.length, certified: views.filter((v) => v.certificate).length,
        certifiedPence: views.reduce((s, v) => s + (v.certificate?.amountPence ?? 0), 0),
        late: views.filter((v) => !v.certificate && v.certifyBy < on).length, due: views.filter((v) => !v.certificate && v.certifyBy >= on).length,
        loans: loans.length, loanPence: loans.reduce((s, v) => s + v.amountPence, 0), loanRepaidPence: loans.reduce((s, v) => s + repaidBy(v), 0),
        overCap: loans.filter((v) => repaidBy(v) > calc.repaymentCap(v.amountPence, v.investedOn, on).capPence).length,
        reliefPence: views.reduce((s, v) => s + v.reliefPence, 0), reliefOver: views.filter((v) => v.reliefPence > Math.floor((v.amountPence * 25) / 100)).length,
      }, `figures on ${on}`);
      const held = await repo.fundOn(ctx.db, cdfiId, calc.testDays(w.cdfi.accreditedFrom, on));
      const expected = calc.onwardTests({
        accreditedFrom: w.cdfi.accreditedFrom, today: on,
        investments: views.map((v) => ({ investedOn: v.investedOn, amountPence: v.amountPence, certified: !!v.certificate, repayments: v.repayments.map((r) => ({ on: r.repaidOn, amountPence: r.amountPence })) })),
        onward: [], writeOffs: [],
      });
      assert.deepEqual(calc.onwardTestsOfFund({ accreditedFrom: w.cdfi.accreditedFrom, today: on, heldPence: held, onward: [], writeOffs: [] }), expected, `the fund on ${on}`);
      assert.ok(expected.some((x) => x.fundPence > 0));
    }
    // The relief of each investment, year by year, as the checker works it out.
    for (const v of views) {
      const again = calc.reliefByYear({ kind: v.kind, amountPence: v.amountPence, investedOn: v.investedOn, certified: !!v.certificate }, v.repayments.map((r) => ({ on: r.repaidOn, amountPence: r.amountPence })));
      assert.equal(v.reliefPence, again.reduce((s, y) => s + y.reliefPence, 0));
    }
    const { investors } = await repo.ledgerFigures(ctx.db, cdfiId, today);
    for (const who of [w.investorA.id, w.investorB.id]) {
      const mine = views.filter((v) => v.investorOrganisationId === who);
      const row = investors.find((r) => r.investor === who);
      assert.deepEqual(row && { ...row }, mine.length ? {
        investor: who, investments: mine.length, investedPence: mine.reduce((s, v) => s + v.amountPence, 0), certifiedPence: mine.reduce((s, v) => s + (v.certificate?.amountPence ?? 0), 0),
        repaidPence: mine.reduce((s, v) => s + v.repaidPence, 0), reliefPence: mine.reduce((s, v) => s + v.reliefPence, 0),
      } : undefined);
    }
    // The page: the ledger a page at a time in the ledger's order, the rules from the same figures as the report.
    const page = await service.cdfiPage(ctx.db, w.officer.actor, cdfiId, { page: 2, pageSize: 7 });
    assert.deepEqual(page.ledger!.items.map((i) => i.id), views.slice(7, 14).map((v) => v.id));
    assert.equal(page.ledger!.total, views.length);
    assert.equal(page.ledger!.from, 8);
    assert.deepEqual(page.report.rules, report.rules);
    const last = await service.cdfiPage(ctx.db, w.officer.actor, cdfiId, { page: 999, pageSize: 7 });
    assert.equal(last.ledger!.page, Math.ceil(views.length / 7), 'a page past the last is the last');
    assert.deepEqual(last.ledger!.items.map((i) => i.id), views.slice((last.ledger!.page - 1) * 7).map((v) => v.id));
    const outsider = await service.cdfiPage(ctx.db, w.outsider.actor, cdfiId);
    assert.equal(outsider.ledger, null);
    assert.deepEqual(outsider.report.rules, report.rules, 'the rules and their figures are public');
  });
});
