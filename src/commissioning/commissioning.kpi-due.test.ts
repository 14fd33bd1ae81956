// KPI ratings due reach the buyer's commissioners' inbox (issue 18): the year just ended, and from 1 March the
// current year too, for each KPI of a contract that ran in it and has no rating for it; the item links to the
// rating page with the year chosen, and leaves once rated. Nobody else sees it (the supplier, the buyer's
// administrator who is not a commissioner); a contract that ended before the due years is not chased.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { emailsOf, inboxOf, signInAs } from '../platform/inbox.test-support.ts';
import * as commissioning from './commissioning.service.ts';
import { financialYearOf, kpiRatingPeriodsDue, kpiRatingsDue, rateKpi } from './commissioning.kpi-ratings.ts';
import { kpiRatingKind, sendKpiRatingReminders } from './commissioning.work.ts';
import { cast, opportunityBody, waitUntil } from './commissioning.test-support.ts';

it('names the due years: the one just ended, and from 1 March the current one too', () => {
  assert.deepEqual(kpiRatingPeriodsDue('2026-12-07'), ['2025-26']);
  assert.deepEqual(kpiRatingPeriodsDue('2027-02-28'), ['2025-26']);
  assert.deepEqual(kpiRatingPeriodsDue('2027-03-01'), ['2025-26', '2026-27']);
  assert.deepEqual(kpiRatingPeriodsDue('2027-03-31'), ['2025-26', '2026-27']);
  assert.deepEqual(kpiRatingPeriodsDue('2027-04-01'), ['2026-27']);
  assert.deepEqual(kpiRatingPeriodsDue('2000-01-15'), ['1998-99']);
});

eachEngine('KPI ratings due in the commissioners’ inbox', (t) => {
  async function contract(start: string, end: string, kpis: string[]) {
    const { ctx } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 3000);
    const { id } = await commissioning.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline, { contractStart: start, contractEnd: end }));
    await commissioning.publishProcess(ctx.db, c.commissioner.actor, id);
    const opportunity = await commissioning.getOpportunity(ctx.db, cliActor, id) as unknown as { lots: { id: string }[] };
    const receipt = await commissioning.submitBid(ctx.db, c.charityAdmin.actor, id, { lotId: opportunity.lots[0]!.id, organisation: c.charity.id, pricePence: 9_000_000, approach: 'Befriending', socialValue: 'Local volunteers' });
    await waitUntil(deadline);
    const award = await commissioning.awardLot(ctx.db, c.commissioner.actor, id, { bidId: receipt.bidId, rationale: 'Only bid' });
    const signed = await commissioning.signContract(ctx.db, c.commissioner.actor, award.awardId, { startDate: start, endDate: end, kpis: kpis.map((title) => ({ title, target: 100, unit: 'people' })) }) as { contractId?: string; id?: string };
    const contractId = (signed.contractId ?? signed.id)!;
    return { c, contractId, kpis: (await commissioning.getContract(ctx.db, contractId)).kpis };
  }

  it('shows each unrated KPI for each due year to the buyer’s commissioners only, links to its rating page, and drops it once rated', async () => {
    const { app, ctx } = t();
    const today = new Date().toISOString().slice(0, 10);
    const y = Number(financialYearOf(today).slice(0, 4));
    // Running from two years before today's financial year to a year after it: every due year is covered.
    const { c, contractId, kpis } = await contract(`${y - 2}-04-01`, `${y + 1}-03-31`, ['People befriended', 'Visits made']);
    const due = kpiRatingPeriodsDue(today);
    const commissioner = await signInAs(app, c.commissioner.email);
    const items = (await inboxOf(commissioner))[kpiRatingKind]!;
    assert.equal(items.length, 2 * due.length, items.join('\n'));
    assert.ok(items.some((x) => x.includes('People befriended') && x.includes(due[0]!)));

    const [first] = await kpiRatingsDue(ctx.db, c.commissioner.userId, today);
    assert.equal(first!.href, `/commissioning/contracts/${contractId}/kpis/${first!.kpiId}/rating?period=${due[0]}`);
    const page = await commissioner.get(first!.href);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`value="${due[0]}" checked|value="${due[0]}" selected|"${due[0]}"[^>]*checked`), 'the due year is chosen');
    assert.equal((await commissioner.post(first!.href.split('?')[0]!, { period: due[0]!, rating: 'good' })).statusCode, 303);
    assert.equal((await inboxOf(commissioner))[kpiRatingKind]!.length, 2 * due.length - 1, 'the rated KPI has left the inbox');
    // A rating for another year does not answer a due one.
    const other = kpis.find((k) => k.id !== first!.kpiId)!;
    await rateKpi(ctx.db, c.commissioner.actor, contractId, other.id, { period: `${y - 5}-${String((y - 4) % 100).padStart(2, '0')}`, rating: 'good' });
    assert.equal((await kpiRatingsDue(ctx.db, c.commissioner.userId, today)).length, 2 * due.length - 1);

    // The supplier and the buyer's administrator (not a commissioner) have nothing to rate.
    for (const who of [c.charityAdmin, c.buyerAdmin, c.evaluator1]) {
      assert.equal((await inboxOf(await signInAs(app, who.email)))[kpiRatingKind], undefined, who.email);
      assert.equal((await kpiRatingsDue(ctx.db, who.userId, today)).length, 0);
    }
    // The reminder emails: once for each contract and due year with a KPI still unrated, to its commissioners
    // only, even when two processes send at the same moment; a second run sends nothing.
    const runs = await Promise.all([sendKpiRatingReminders(ctx, { on: today }), sendKpiRatingReminders(ctx, { on: today })]);
    assert.equal(runs[0]!.reminders + runs[1]!.reminders, due.length, JSON.stringify(runs));
    const mails = await emailsOf(ctx, c.commissioner.email, kpiRatingKind);
    assert.equal(mails.length, due.length);
    assert.match(mails.find((m) => m.subject.includes(due[0]!))!.body_text, /- Visits made/, 'names the KPI still unrated');
    assert.doesNotMatch(mails.find((m) => m.subject.includes(due[0]!))!.body_text, /- People befriended/, 'not the one rated');
    assert.equal((await sendKpiRatingReminders(ctx, { on: today })).reminders, 0);
    for (const who of [c.charityAdmin, c.buyerAdmin]) assert.equal((await emailsOf(ctx, who.email, kpiRatingKind)).length, 0);
    // Long after the contract ended, its years are no longer chased.
    assert.equal((await kpiRatingsDue(ctx.db, c.commissioner.userId, `${y + 3}-06-01`)).length, 0);
    // Before it began, nothing is due either; in its first year's last month that year is.
    assert.equal((await kpiRatingsDue(ctx.db, c.commissioner.userId, `${y - 2}-06-01`)).length, 0);
    assert.deepEqual((await kpiRatingsDue(ctx.db, c.commissioner.userId, `${y - 1}-03-10`)).map((k) => k.period), [`${y - 2}-${String((y - 1) % 100).padStart(2, '0')}`, `${y - 2}-${String((y - 1) % 100).padStart(2, '0')}`]);
  });
});
