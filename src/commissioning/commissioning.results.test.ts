// After an award every bidder for the lot hears the result (email and inbox, won or not, with the link to their
// scores and feedback), and a commissioner marks a milestone met on a page that asks the date (today by default).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, signedInAgent as signedIn } from '../platform/testing.ts';
import { inboxFor } from '../platform/inbox.ts';
import { listOutbox } from '../platform/outbox.repository.ts';
import * as service from './commissioning.service.ts';
import * as repo from './commissioning.repository.ts';
import { commissioningWork, resultKind } from './commissioning.work.ts';
import { cast, opportunityBody, person, waitUntil } from './commissioning.test-support.ts';

eachEngine('commissioning results', (t) => {
  it('tells every bidder for the lot the result by email and in the inbox, with the link to their scores, and no one else', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const companyStaff = await person(ctx, 'company-staff', [[c.company.id, 'staff']]);
    const deadline = new Date(Date.now() + 20_000); // room for three bids on a busy machine
    const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline, { standstillDays: 10 }));
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    const [lot1, lot2] = await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id });
    const won = await service.submitBid(ctx.db, c.charityAdmin.actor, id, { lotId: lot1!.id, organisation: c.charity.id, pricePence: 9_000_000, approach: 'a', socialValue: 'b' });
    const lost = await service.submitBid(ctx.db, c.companyAdmin.actor, id, { lotId: lot1!.id, organisation: c.company.id, pricePence: 8_000_000, approach: 'c', socialValue: 'd' });
    await service.submitBid(ctx.db, c.cicAdmin.actor, id, { lotId: lot2!.id, organisation: c.cic.id, pricePence: 15_000_000, approach: 'e', socialValue: 'f' });
    await waitUntil(deadline);
    const before = (await listOutbox(ctx.db, { limit: 500 })).length;
    // Through the page, as a commissioner awards.
    const commissioner = await signedIn(app, c.commissioner.email, '10.8.0.1');
    await commissioner.get(`/commissioning/opportunities/${id}/evaluation`);
    const awarded = await commissioner.post(`/commissioning/opportunities/${id}/evaluation/awards`, { bidId: won.bidId, rationale: 'Best quality' });
    assert.equal(awarded.statusCode, 303, awarded.body.slice(0, 400));
    const mail = (await listOutbox(ctx.db, { limit: 500 })).slice(0, -before || undefined).filter((m) => m.kind === resultKind);
    const to = (p: { email: string }) => mail.filter((m) => m.to === p.email);
    assert.equal(to(c.charityAdmin).length, 1);
    assert.match(to(c.charityAdmin)[0]!.subject, /^Your bid has won: Reducing loneliness among older people, lot 1$/);
    assert.match(to(c.charityAdmin)[0]!.text, new RegExp(`/commissioning/bids/${won.bidId}`));
    for (const p of [c.companyAdmin, companyStaff]) {
      assert.equal(to(p).length, 1, `${p.email} is told`);
      assert.match(to(p)[0]!.subject, /^The result of your bid: Reducing loneliness among older people, lot 1$/);
      assert.match(to(p)[0]!.text, new RegExp(`was not chosen\\. The lot was awarded to ${c.charity.name}\\.`));
      assert.match(to(p)[0]!.text, new RegExp(`/commissioning/bids/${lost.bidId}`));
      assert.match(to(p)[0]!.text, /scores for each criterion/);
    }
    assert.equal(to(c.cicAdmin).length, 0, 'lot 2 is not awarded yet');
    assert.equal(to(c.commissioner).length, 0);

    const inbox = async (p: { userId: string }) => (await inboxFor(ctx.db, commissioningWork, { id: p.userId, isAdmin: false })).groups.find((g) => g.kind === resultKind)?.items ?? [];
    assert.deepEqual((await inbox(c.charityAdmin)).map((i) => [i.title, i.href]), [[`Read the result of your bid for “Reducing loneliness among older people”, lot 1: you won`, `/commissioning/bids/${won.bidId}`]]);
    assert.deepEqual((await inbox(companyStaff)).map((i) => i.href), [`/commissioning/bids/${lost.bidId}`]);
    assert.match((await inbox(companyStaff))[0]!.title, /not chosen$/);
    assert.deepEqual(await inbox(c.cicAdmin), []);
    // The link works for the bidder: their own bid, with the award shown.
    const company = await signedIn(app, c.companyAdmin.email, '10.8.0.2');
    const readBack = await company.get(`/commissioning/bids/${lost.bidId}`);
    assert.equal(readBack.statusCode, 200);
    const inboxPage = await company.get('/inbox');
    assert.match(inboxPage.body, /Results of your bids/);
    // When the standstill period ends, the result leaves the inbox.
    await ctx.db.updateTable('commissioning_awards').set({ standstill_ends: new Date(Date.now() - 1000) }).where('bid_id', '=', won.bidId).execute();
    assert.deepEqual(await inbox(c.charityAdmin), []);
  });

  it('marks a milestone met on a page that asks the date met, today unless changed, and names a bad date', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 12_000);
    const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    const lot = (await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id }))[0]!;
    const bid = await service.submitBid(ctx.db, c.charityAdmin.actor, id, { lotId: lot.id, organisation: c.charity.id, pricePence: 9_000_000, approach: 'a', socialValue: 'b' });
    await waitUntil(deadline);
    const award = await service.awardLot(ctx.db, c.commissioner.actor, id, { bidId: bid.bidId, rationale: 'Only bid' });
    const contract = await service.signContract(ctx.db, c.commissioner.actor, award.awardId, { milestones: [{ title: 'Service live', dueDate: '2027-05-01' }, { title: 'First review', dueDate: '2027-08-01' }] });
    const [live, review] = (await service.getContract(ctx.db, contract.contractId)).milestones;
    const agent = await signedIn(app, c.commissioner.email, '10.8.1.1');
    const page = await agent.get(contract.href);
    assert.match(page.body, new RegExp(`href="/commissioning/contracts/${contract.contractId}/milestones/${live!.id}/met">Mark met`));
    const form = await agent.get(`/commissioning/contracts/${contract.contractId}/milestones/${live!.id}/met`);
    assert.equal(form.statusCode, 200);
    const today = new Date().toISOString().slice(0, 10);
    assert.match(form.body, /<h1 class="govuk-heading-l">Mark “Service live” met<\/h1>/);
    assert.match(form.body, new RegExp(`name="dateMet-day" type="text" value="${Number(today.slice(8, 10))}"`), 'today, unless changed');
    assert.match(form.body, new RegExp(`name="dateMet-year" type="text" value="${today.slice(0, 4)}"`));
    const bad = await agent.post(`/commissioning/contracts/${contract.contractId}/milestones`, { milestoneId: live!.id, status: 'met', 'dateMet-day': '30', 'dateMet-month': '2', 'dateMet-year': '2027' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /href="#dateMet">The date it was met must be a real date, like 28 11 2026 or 28\/11\/2026<\/a>/);
    assert.match(bad.body, /name="dateMet-day" type="text" value="30"/);
    const ok = await agent.post(`/commissioning/contracts/${contract.contractId}/milestones`, { milestoneId: live!.id, status: 'met', 'dateMet-day': '28', 'dateMet-month': '5', 'dateMet-year': '2027' });
    assert.equal(ok.statusCode, 303, ok.body.slice(0, 300));
    const after = await service.getContract(ctx.db, contract.contractId);
    assert.equal(after.milestones.find((m) => m.id === live!.id)!.dateMet, '2027-05-28');
    // Without the date field (a program's post), today.
    await agent.post(`/commissioning/contracts/${contract.contractId}/milestones`, { milestoneId: review!.id, status: 'met' });
    assert.equal((await service.getContract(ctx.db, contract.contractId)).milestones.find((m) => m.id === review!.id)!.dateMet, today);
    // Only the buyer's commissioners see the page.
    const provider = await signedIn(app, c.charityAdmin.email, '10.8.1.2');
    assert.equal((await provider.get(`/commissioning/contracts/${contract.contractId}/milestones/${live!.id}/met`)).statusCode, 403);
  });
});
