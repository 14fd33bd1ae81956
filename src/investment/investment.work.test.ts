// The overdue-loans inbox reads every loan of the person's organisations in one query and keeps each deal's
// schedule once worked out: it must still list exactly the loans in arrears, with the arrears and oldest unpaid
// instalment each deal's own page shows (worked out there from the full schedule and every repayment).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import { inboxFor } from '../platform/inbox.ts';
import { poundsText } from './investment.compute.ts';
import { cdfiWorld, daysAgo, person } from './investment.test-support.ts';
import { repaymentOverdueKind, investmentWork } from './investment.work.ts';
import * as service from './investment.service.ts';

eachEngine('investment overdue-loans inbox', (t) => {
  it('lists exactly the loans in arrears on the day asked, as each deal’s page works them out', async () => {
    const { ctx } = t();
    const w = await cdfiWorld(ctx);
    const actor = w.officer.actor;
    const deal = (title: string, startsAgo: number, extra: Record<string, unknown> = {}) =>
      service.createDeal(ctx.db, actor, { investor: w.cdfiOrg.id, investee: w.investee.id, title, loanPence: 60_000, interestBasisPoints: 500, termMonths: 6, startsOn: daysAgo(startsAgo), ...extra });
    const late = await deal('Nothing paid', 100);
    const paidUp = await deal('Paid up', 100);
    const partly = await deal('Half paid', 160);
    const notYet = await deal('Holiday not over', 10, { termMonths: 12, holidayMonths: 3 });
    const writtenOff = await deal('Written off', 130);
    const grantOnly = await service.createDeal(ctx.db, actor, { investor: w.cdfiOrg.id, investee: w.investee.id, title: 'Grant only', grantPence: 10_000, startsOn: daysAgo(100) });
    const dueToday = async (id: string) => (await service.getDeal(ctx.db, actor, id)).position.duePence;
    await service.recordDealRepayment(ctx.db, actor, paidUp.id, { paidOn: daysAgo(0), amountPence: await dueToday(paidUp.id) });
    await service.recordDealRepayment(ctx.db, actor, partly.id, { paidOn: daysAgo(1), amountPence: Math.floor((await dueToday(partly.id)) / 2) });
    await service.writeOff(ctx.db, actor, writtenOff.id, { on: daysAgo(0), amountPence: 60_000, reason: 'The shop closed' });
    // Another investor's loan in arrears: not this officer's to chase.
    const other = await person(ctx, 'other-investor', [[w.investorB.id, 'finance']]);
    await service.createDeal(ctx.db, other.actor, { investor: w.investorB.id, investee: w.investee.id, title: 'Someone else’s', loanPence: 60_000, termMonths: 6, startsOn: daysAgo(100) });

    const all = [late, paidUp, partly, notYet, writtenOff, grantOnly];
    for (const on of [daysAgo(0), daysAgo(30)]) {
      const expected = [];
      for (const d of all) {
        const detail = await service.getDeal(ctx.db, actor, d.id, on);
        if (detail.position.arrearsPence > 0) expected.push({ id: d.id, arrears: detail.position.arrearsPence, oldest: detail.position.oldestUnpaidDueOn });
      }
      const listed = (await service.overdueLoans(ctx.db, w.officer.user.id, on)).map((o) => ({ id: o.deal.id, arrears: o.position.arrearsPence, oldest: o.position.oldestUnpaidDueOn }));
      const oldestFirst = listed.map((o) => o.oldest ?? '');
      assert.deepEqual(oldestFirst, [...oldestFirst].sort(), 'oldest unpaid instalment first');
      // Loans whose oldest unpaid instalments fall on the same day may come in either order.
      const byDayThenId = (a: { id: string; oldest: string | null }, b: { id: string; oldest: string | null }) => (a.oldest ?? '').localeCompare(b.oldest ?? '') || (a.id < b.id ? -1 : 1);
      assert.deepEqual(listed.sort(byDayThenId), expected.sort(byDayThenId), `on ${on}`);
      if (on === daysAgo(0)) assert.deepEqual(expected.map((e) => e.id).sort(), [late.id, partly.id].sort(), 'today: the unpaid and the half-paid loans');
      else assert.ok(expected.some((e) => e.id === paidUp.id), 'a month ago the loan repaid today was behind');
    }

    // The inbox shows the same loans, with their arrears, and only to officers of the lending organisation.
    const inbox = await inboxFor(ctx.db, investmentWork, { id: w.officer.user.id, isAdmin: false });
    const items = inbox.groups.find((g) => g.kind === repaymentOverdueKind)!.items;
    assert.deepEqual(items.map((i) => i.href).sort(), [late.id, partly.id].map((id) => `/investment/deals/${id}/repayments`).sort());
    const lateArrears = (await service.getDeal(ctx.db, actor, late.id)).position.arrearsPence;
    assert.ok(items.some((i) => i.title === `${poundsText(lateArrears)} overdue from ${late.investee} on “Nothing paid”`));
    const staffInbox = await inboxFor(ctx.db, investmentWork, { id: w.staff.user.id, isAdmin: false });
    assert.equal(staffInbox.groups.find((g) => g.kind === repaymentOverdueKind), undefined);
    const otherItems = (await inboxFor(ctx.db, investmentWork, { id: other.user.id, isAdmin: false })).groups.find((g) => g.kind === repaymentOverdueKind)!.items;
    assert.deepEqual(otherItems.map((i) => i.title.replace(/^.* on /, '')), ['“Someone else’s”']);

    // A repayment recorded now takes the loan out of the inbox at once (nothing stale is kept).
    await service.recordDealRepayment(ctx.db, actor, partly.id, { paidOn: daysAgo(0), amountPence: (await service.getDeal(ctx.db, actor, partly.id)).position.arrearsPence });
    assert.deepEqual((await service.overdueLoans(ctx.db, w.officer.user.id)).map((o) => o.deal.id), [late.id]);
  });
});
