// Work finds its people, in commissioning: an evaluator is emailed when a commissioner assigns them a bid,
// sees it in their inbox (sealed until the deadline), follows the email's link once the deadline has passed,
// scores it, and it leaves the inbox. A conflict of interest also ends the job; wrong roles are refused.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import { emailsOf, inboxOf, jobLink, signInAs } from '../platform/inbox.test-support.ts';
import * as service from './commissioning.service.ts';
import * as repo from './commissioning.repository.ts';
import { cast, opportunityBody, waitUntil } from './commissioning.test-support.ts';
import { scoreKind } from './commissioning.work.ts';

eachEngine('commissioning work in the inbox', (t) => {
  it('walks an evaluator from the assignment email to the scored bid, which then leaves the inbox', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    // Long enough for the bids and the assignments to happen before it, on a slow shared machine too.
    const deadline = new Date(Date.now() + 30_000);
    const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    const lots = await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id });
    const bidA = await service.submitBid(ctx.db, c.charityAdmin.actor, id, { lotId: lots[0]!.id, organisation: c.charity.id, pricePence: 9_000_000, approach: 'Befrienders in every ward', socialValue: 'Local volunteers' });
    const bidB = await service.submitBid(ctx.db, c.cicAdmin.actor, id, { lotId: lots[0]!.id, organisation: c.cic.id, pricePence: 8_000_000, approach: 'Walking groups', socialValue: 'Local jobs' });

    // Assigning, in the page: refused to a bidder (403) and to someone without the evaluator role (a clear error).
    const bidder = await signInAs(app, c.charityAdmin.email);
    await bidder.get(`/commissioning/opportunities/${id}`);
    assert.equal((await bidder.post(`/commissioning/opportunities/${id}/evaluation/evaluators`, { bidId: bidA.bidId, email: c.evaluator1.email })).statusCode, 403);
    const commissioner = await signInAs(app, c.commissioner.email);
    await commissioner.get(`/commissioning/opportunities/${id}/evaluation`);
    assert.equal((await commissioner.post(`/commissioning/opportunities/${id}/evaluation/evaluators`, { bidId: bidA.bidId, email: c.charityAdmin.email })).statusCode, 400);
    assert.equal((await emailsOf(ctx, c.charityAdmin.email, scoreKind)).length, 0);
    assert.equal((await commissioner.post(`/commissioning/opportunities/${id}/evaluation/evaluators`, { bidId: bidA.bidId, email: c.evaluator1.email })).statusCode, 303);
    assert.equal((await commissioner.post(`/commissioning/opportunities/${id}/evaluation/evaluators`, { bidId: bidB.bidId, email: c.evaluator1.email })).statusCode, 303);
    assert.equal((await commissioner.post(`/commissioning/opportunities/${id}/evaluation/evaluators`, { bidId: bidA.bidId, email: c.evaluator1.email })).statusCode, 303, 'assigned again');
    const mails = await emailsOf(ctx, c.evaluator1.email, scoreKind);
    assert.equal(mails.length, 2, 'one email per bid assigned; assigning again sends nothing');
    assert.match(mails[0]!.body_text, /sealed until the deadline/);
    assert.equal((await emailsOf(ctx, c.evaluator2.email, scoreKind)).length, 0);

    const evaluator = await signInAs(app, c.evaluator1.email);
    const before = (await inboxOf(evaluator))[scoreKind]!;
    assert.equal(before.length, 2);
    assert.ok(before.every((x) => x.includes('Reducing loneliness among older people')));
    const api = (await evaluator.get('/api/v1/me/inbox')).json() as { kinds: { kind: string; items: { detail: string | null; url: string }[] }[] };
    const item = api.kinds.find((k) => k.kind === scoreKind)!.items[0]!;
    assert.match(item.detail!, /Sealed until the deadline/);
    assert.equal(item.url, `${ctx.config.baseUrl}/commissioning/opportunities/${id}/evaluation`);

    await waitUntil(deadline);
    const link = jobLink(ctx, mails[0]!);
    const page = await evaluator.get(link);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Befrienders in every ward/);
    const criteria = await repo.listCriteria(ctx.db, { organisation_id: c.buyer.id, id });
    const form: Record<string, string> = { bidId: bidA.bidId };
    for (const cr of criteria) { form[`score-${cr.id}`] = '8'; form[`reason-${cr.id}`] = `Strong on ${cr.title}`; }
    assert.equal((await evaluator.post(`${link}/scores`, form)).statusCode, 303);
    assert.equal((await inboxOf(evaluator))[scoreKind]!.length, 1, 'the scored bid has left the inbox');

    // Declaring a conflict of interest ends the job too.
    assert.equal((await evaluator.post(`${link}/conflicts`, { bidId: bidB.bidId, note: 'My sister runs it' })).statusCode, 303);
    assert.equal((await inboxOf(evaluator))[scoreKind], undefined);
  });

  it('sends no assignment email to an evaluator who turned those emails off; the bid still waits in their inbox', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, new Date(Date.now() + 3_600_000)));
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    const lots = await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id });
    const bid = await service.submitBid(ctx.db, c.charityAdmin.actor, id, { lotId: lots[0]!.id, organisation: c.charity.id, pricePence: 9_000_000, approach: 'a', socialValue: 'b' });
    const evaluator = await signInAs(app, c.evaluator2.email);
    await evaluator.get('/account/notifications');
    assert.equal((await evaluator.post('/account/notifications', {})).statusCode, 303, 'every box unticked');
    await service.assignEvaluator(ctx.db, c.commissioner.actor, bid.bidId, { email: c.evaluator2.email }, { baseUrl: ctx.config.baseUrl });
    assert.equal((await emailsOf(ctx, c.evaluator2.email, scoreKind)).length, 0);
    assert.equal((await inboxOf(evaluator))[scoreKind]!.length, 1, 'the work is still in the inbox');
  });
});
