// The pages as a browser without JavaScript uses them: forms, errors, who sees what.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, signedInAgent as signedIn, TestAgent } from '../platform/testing.ts';
import * as service from './commissioning.service.ts';
import * as repo from './commissioning.repository.ts';
import { cast, opportunityBody, waitUntil } from './commissioning.test-support.ts';

eachEngine('commissioning pages', (t) => {
  it('a provider bids through the form: errors name the field, the receipt is shown, the content never is before the deadline', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 45_000);
    const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
    const anonymous = new TestAgent(app, '10.7.0.1');
    assert.equal((await anonymous.get(`/commissioning/opportunities/${id}`)).statusCode, 404, 'a draft is not public');
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    const index = await anonymous.get('/commissioning');
    assert.match(index.body, /Reducing loneliness among older people/);
    const publicPage = await anonymous.get(`/commissioning/opportunities/${id}`);
    assert.equal(publicPage.statusCode, 200);
    assert.match(publicPage.body, /Needs a regulated 24-hour call centre/);
    assert.match(publicPage.body, /<svg[^>]+role="img"/);
    assert.doesNotMatch(publicPage.body, /Seal and send the bid/, 'no bid form for someone signed out');

    const agent = await signedIn(app, c.charityAdmin.email, '10.7.0.2');
    const page = await agent.get(`/commissioning/opportunities/${id}`);
    assert.match(page.body, /Seal and send the bid/);
    const lotId = (await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id }))[0]!.id;
    const missing = await agent.post(`/commissioning/opportunities/${id}/bids`, { lotId, organisation: c.charity.id, price: '95,000', approach: '', socialValue: 'Local volunteers' });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /<title>Error: /);
    assert.match(missing.body, /href="#approach"/);
    const noCsrf = await agent.post(`/commissioning/opportunities/${id}/bids`, { lotId, organisation: c.charity.id, price: '95000', approach: 'x', socialValue: 'y' }, { csrf: null });
    assert.equal(noCsrf.statusCode, 403);
    const sent = await agent.post(`/commissioning/opportunities/${id}/bids`, { lotId, organisation: c.charity.id, price: '95,000.50', approach: 'Befrienders <script>alert(1)</script> in every ward', socialValue: 'Local volunteers' });
    assert.equal(sent.statusCode, 303, sent.body);
    const after = await agent.get(sent.headers.location as string);
    assert.match(after.body, /Your receipt is <code class="cw-code">[0-9a-f]{64}<\/code>/);
    assert.match(after.body, /Befrienders &lt;script&gt;alert\(1\)&lt;\/script&gt; in every ward/, 'the bidder reads its own sealed bid back (escaped)');
    const bid = (await repo.listBids(ctx.db, { organisation_id: c.buyer.id, id }))[0]!;
    assert.match(after.body, /Withdraw<span class="govuk-visually-hidden">/);
    const withdrawn = await agent.post(`/commissioning/opportunities/${id}/withdrawals`, { bidId: bid.id });
    assert.equal(withdrawn.statusCode, 303);
    assert.equal((await repo.findBid(ctx.db, bid.id))!.status, 'withdrawn');
    const resent = await agent.post(`/commissioning/opportunities/${id}/bids`, { lotId, organisation: c.charity.id, price: '95,000.50', approach: 'Befrienders <script>alert(1)</script> in every ward', socialValue: 'Local volunteers' });
    assert.equal(resent.statusCode, 303, 'a withdrawn bid can be sent again before the deadline');
    assert.equal((await repo.findBid(ctx.db, bid.id))!.versions, 2);

    // The evaluation page: refused to the bidder; sealed for the commissioner.
    assert.equal((await agent.get(`/commissioning/opportunities/${id}/evaluation`)).statusCode, 403);
    const commissioner = await signedIn(app, c.commissioner.email, '10.7.0.3');
    const sealed = await commissioner.get(`/commissioning/opportunities/${id}/evaluation`);
    assert.equal(sealed.statusCode, 200);
    assert.match(sealed.body, /Bids are sealed until/);
    assert.doesNotMatch(sealed.body, /Befrienders/);
    const assigned = await commissioner.post(`/commissioning/opportunities/${id}/evaluation/evaluators`, { bidId: bid.id, email: c.evaluator1.email });
    assert.equal(assigned.statusCode, 303);

    await waitUntil(deadline);
    const evaluator = await signedIn(app, c.evaluator1.email, '10.7.0.4');
    const open = await evaluator.get(`/commissioning/opportunities/${id}/evaluation`);
    assert.equal(open.statusCode, 200);
    assert.match(open.body, /Befrienders &lt;script&gt;alert\(1\)&lt;\/script&gt; in every ward/, 'unsealed, and escaped');
    assert.match(open.body, /£95,000.50/);
    const criteria = await repo.listCriteria(ctx.db, { organisation_id: c.buyer.id, id });
    const form: Record<string, string> = { bidId: bid.id };
    for (const cr of criteria) { form[`score-${cr.id}`] = '7'; form[`reason-${cr.id}`] = `Reason for ${cr.title}`; }
    assert.equal((await evaluator.post(`/commissioning/opportunities/${id}/evaluation/scores`, form)).statusCode, 303);
    const ranked = await commissioner.get(`/commissioning/opportunities/${id}/evaluation`);
    assert.match(ranked.body, /70\.00/, 'weighted total of 7 on every criterion');
    const awarded = await commissioner.post(`/commissioning/opportunities/${id}/evaluation/awards`, { bidId: bid.id, rationale: 'Only bid, good scores' });
    assert.equal(awarded.statusCode, 303);
    const withAward = await commissioner.get(`/commissioning/opportunities/${id}`);
    assert.match(withAward.body, /Sign and publish the contract/);
    const awardId = /name="awardId" value="([^"]+)"/.exec(withAward.body)![1]!;
    const signed = await commissioner.post(`/commissioning/opportunities/${id}/contract`, { awardId, startDate: '2027-04-01', endDate: '2028-03-31', milestone0: 'Service live', milestone0Due: '2027-05-01', kpi0: 'People supported', kpi0Target: '200', kpi0Unit: 'people' });
    assert.equal(signed.statusCode, 303, signed.body);
    const contract = await anonymous.get(signed.headers.location as string);
    assert.equal(contract.statusCode, 200);
    assert.match(contract.body, /Paid against agreed/);
    assert.match(contract.body, /£95,000.50/);
    assert.match(contract.body, /Service live/);
  });

  it('a commissioner records a need and creates an opportunity from the forms; others cannot', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const commissioner = await signedIn(app, c.commissioner.email, '10.7.1.1');
    assert.match((await commissioner.get('/commissioning/needs/new')).body, /Record the need/);
    const bad = await commissioner.post('/commissioning/needs', { organisation: c.buyer.id, title: 'Holiday hunger', description: 'Children go hungry in the holidays', outcomes: '', decisionType: 'technical', measures: 'no pipe here' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /href="#outcomes"/);
    assert.match(bad.body, /href="#measures"/);
    const need = await commissioner.post('/commissioning/needs', { organisation: c.buyer.id, title: 'Holiday hunger', description: 'Children go hungry in the holidays', outcomes: 'Children eat a hot meal each day\nChildren stay active', decisionType: 'technical', measures: 'Meals served | 10,000 | Last summer: 6,000' });
    assert.equal(need.statusCode, 303, need.body);
    const needPage = await commissioner.get(need.headers.location as string);
    assert.match(needPage.body, /Last summer: 6,000/);
    const form = {
      organisation: c.buyer.id, needId: (need.headers.location as string).split('/').pop()!, title: 'Holiday activities and food', description: 'Food and fun',
      value: '40,000', deadlineDate: '2030-02-01', deadlineTime: '12:00', standstillDays: '8',
      lot0Title: 'Walker holiday club', lot0Value: '40000', lot0Sme: 'yes',
      criterion0Kind: 'quality', criterion0Title: 'Quality', criterion0Weight: '50', criterion1Kind: 'social-value', criterion1Title: 'Social value', criterion1Weight: '30', criterion2Kind: 'price', criterion2Title: 'Price', criterion2Weight: '20',
    };
    const noReason = await commissioner.post('/commissioning/opportunities', form);
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.body, /href="#lot0Reason"/);
    const created = await commissioner.post('/commissioning/opportunities', { ...form, lot0Vcse: 'yes' });
    assert.equal(created.statusCode, 303, created.body);
    const draft = await commissioner.get(created.headers.location as string);
    assert.match(draft.body, /Publish the opportunity/);

    const badCall = await commissioner.post('/commissioning/open-calls', { organisation: c.buyer.id, title: '', description: 'Tell us', closesOn: '2027-02-30' });
    assert.equal(badCall.statusCode, 400);
    assert.match(badCall.body, /href="#title"/);
    assert.match(badCall.body, /href="#closesOn"/);
    const call = await commissioner.post('/commissioning/open-calls', { organisation: c.buyer.id, title: 'Ideas for Walker', description: 'Tell us what is missing', closesOn: '2030-03-31' });
    assert.equal(call.statusCode, 303, call.body);
    assert.match((await commissioner.get(call.headers.location as string)).body, /Ideas for Walker/);

    const outsider = await signedIn(app, c.charityAdmin.email, '10.7.1.2');
    assert.equal((await outsider.post('/commissioning/open-calls', { organisation: c.buyer.id, title: 'x', description: 'y' })).statusCode, 403);
    const refused = await outsider.post('/commissioning/opportunities', { ...form, lot0Vcse: 'yes' });
    assert.equal(refused.statusCode, 403);
    const id = (created.headers.location as string).split('/').pop()!.split('?')[0]!;
    assert.equal((await outsider.get(`/commissioning/opportunities/${id}`)).statusCode, 404);
    assert.equal((await outsider.post(`/commissioning/opportunities/${id}/publish`, {})).statusCode, 404);
  });
});
