// Rough edges of evaluation and open data, on both engines: a score starts unchosen (never a 0 already
// selected), a criterion left unchosen is not scored, and the OCDS after an award of one lot leaves the other
// lot and the tender active.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, signedInAgent as signedIn } from '../platform/testing.ts';
import * as service from './commissioning.service.ts';
import * as repo from './commissioning.repository.ts';
import { assertValidOcds, cast, opportunityBody, waitUntil } from './commissioning.test-support.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';
import { cliActor } from '../platform/actor.ts';
import { seedPlaces } from '../places/places.demo.ts';

eachEngine('commissioning rough edges', (t) => {
  it('scores start unchosen; one lot awarded leaves the other lot and the tender active in the OCDS', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 30_000);
    const { id, ocid } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    const lots = await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id });
    const first = await service.submitBid(ctx.db, c.charityAdmin.actor, id, { lotId: lots[0]!.id, organisation: c.charity.id, pricePence: 9_000_000, approach: 'Befriending', socialValue: 'Local volunteers' });
    await service.submitBid(ctx.db, c.companyAdmin.actor, id, { lotId: lots[1]!.id, organisation: c.company.id, pricePence: 19_000_000, approach: 'A phone line', socialValue: 'Jobs' });
    await service.assignEvaluator(ctx.db, c.commissioner.actor, first.bidId, { email: c.evaluator1.email }, { baseUrl: 'http://localhost:3000' });
    await waitUntil(deadline);

    const evaluator = await signedIn(app, c.evaluator1.email, '10.71.0.1');
    const page = await evaluator.get(`/commissioning/opportunities/${id}/evaluation`);
    assert.equal(page.statusCode, 200);
    const criteria = await repo.listCriteria(ctx.db, { organisation_id: c.buyer.id, id });
    for (const cr of criteria) {
      const select = new RegExp(`<select class="govuk-select" id="score-${cr.id}-${first.bidId}" name="score-${cr.id}">\\s*<option value="" selected>Choose a score</option>\\s*<option value="0">0</option>`);
      assert.match(page.body, select, `the ${cr.title} score starts unchosen`);
    }
    assert.doesNotMatch(page.body, /<option value="0" selected>/);
    const form: Record<string, string> = { bidId: first.bidId };
    for (const cr of criteria) { form[`score-${cr.id}`] = ''; form[`reason-${cr.id}`] = ''; }
    const nothing = await evaluator.post(`/commissioning/opportunities/${id}/evaluation/scores`, form);
    assert.equal(nothing.statusCode, 400, 'nothing chosen is not a score of 0');
    form[`score-${criteria[0]!.id}`] = '8'; form[`reason-${criteria[0]!.id}`] = 'Strong local links';
    assert.equal((await evaluator.post(`/commissioning/opportunities/${id}/evaluation/scores`, form)).statusCode, 303);
    const results = await service.evaluationResults(ctx.db, c.commissioner.actor, id);
    const mine = results.ranked.find((r) => r.bidId === first.bidId)!;
    assert.deepEqual(mine.criteria.map((cr) => cr.evaluatorScores.map((s) => s.score)), [[8], [], []], 'only the chosen criterion is scored');

    await service.awardLot(ctx.db, c.commissioner.actor, id, { bidId: first.bidId, rationale: 'Best for the wards' });
    const pkg = (await app.inject({ method: 'GET', url: `/api/v1/commissioning/ocds/releases/${ocid}.json` })).json();
    assertValidOcds(pkg);
    const latest = pkg.releases.at(-1) as { tag: string[]; tender: { status: string; lots: { status: string }[] }; awards: { relatedLots: string[] }[] };
    assert.deepEqual(latest.tag, ['award']);
    assert.equal(latest.tender.status, 'active', 'the tender stays active while a lot is still to be awarded');
    assert.deepEqual(latest.tender.lots.map((l) => l.status), ['complete', 'active']);
    assert.equal(latest.awards.length, 1);

    // The bidders read back what they sent; the one whose lot is awarded also reads its scores and the reasons.
    const charity = await signedIn(app, c.charityAdmin.email, '10.71.0.2');
    const own = await charity.get(`/commissioning/opportunities/${id}`);
    assert.match(own.body, /Your bid for Lot 1: Neighbourhood befriending/);
    assert.match(own.body, /£90,000/);
    assert.match(own.body, /Local volunteers/);
    assert.match(own.body, /Your bid won this lot/);
    assert.match(own.body, /Your weighted total is 40\.00 out of 100, ranked 1 of 1\. The reason for the award: Best for the wards/);
    assert.match(own.body, /Strong local links/);
    assert.match(own.body, /Not scored/);
    assert.doesNotMatch(own.body, /A phone line/, 'not another bidder’s bid');
    const company = await signedIn(app, c.companyAdmin.email, '10.71.0.3');
    const theirs = await company.get(`/commissioning/opportunities/${id}`);
    assert.match(theirs.body, /Your bid for Lot 2: City-wide telephone line/);
    assert.doesNotMatch(theirs.body, /Your scores and the reasons|Strong local links/, 'no scores before its own lot is awarded, nor another bid’s');
    const readback = await service.myBidReadback(ctx.db, c.companyAdmin.actor, id);
    assert.equal(readback[0]!.feedback, null);
    assert.deepEqual(await service.myBidReadback(ctx.db, c.cicAdmin.actor, id), [], 'nothing for an organisation that did not bid');
  });

  it('a consortium member is named by its registered name, with a choice when several organisations match', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, new Date(Date.now() + 3_600_000)));
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    const lotId = (await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id }))[0]!.id;
    const twin = `Byker Community Trust ${Date.now()}`;
    const a = await createOrganisation(ctx.db, cliActor, { name: twin, legalForm: 'charitable-company' });
    const b = await createOrganisation(ctx.db, cliActor, { name: twin, legalForm: 'community-group' });
    const agent = await signedIn(app, c.charityAdmin.email, '10.71.1.1');
    const page = await agent.get(`/commissioning/opportunities/${id}`);
    assert.doesNotMatch(page.body, /org-id identifier|address on this site/);
    const bid = { lotId, organisation: c.charity.id, price: '90,000', approach: 'Befriending', socialValue: 'Volunteers', leadSharePercent: '60', member0Share: '40' };
    const ask = await agent.post(`/commissioning/opportunities/${id}/bids`, { ...bid, member0: twin.toLowerCase() });
    assert.equal(ask.statusCode, 400);
    assert.match(ask.body, /2 organisations match member 1/);
    assert.match(ask.body, /Which organisation is member 1\?/);
    assert.ok(ask.body.includes(`value="${a.id}"`) && ask.body.includes(`value="${b.id}"`));
    assert.match(ask.body, /value="Befriending"|>Befriending</, 'what was typed is kept');
    const chose = await agent.post(`/commissioning/opportunities/${id}/bids`, { ...bid, member0: twin, member0Choice: b.id });
    assert.equal(chose.statusCode, 303, chose.body);
    const members = await repo.bidMembers(ctx.db, (await repo.listBids(ctx.db, { organisation_id: c.buyer.id, id })).map((x) => x.id));
    assert.ok(members.some((m) => m.member_organisation_id === b.id && !m.is_lead));
    // An exact registered name, in any case, is enough when it is the only one.
    const byName = await service.memberChoices(ctx.db, c.cic.name.toUpperCase());
    assert.deepEqual(byName.map((o) => o.id), [c.cic.id]);
    const none = await agent.post(`/commissioning/opportunities/${id}/bids`, { ...bid, member0: 'Nobody Registered By This Name' });
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /No organisation called “Nobody Registered By This Name” is registered \(member 1\)/);
  });

  it('a draft is edited until it is published, through the same form filled with what it holds; then only amended', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, new Date(Date.now() + 86_400_000)));
    const commissioner = await signedIn(app, c.commissioner.email, '10.71.2.1');
    const draft = await commissioner.get(`/commissioning/opportunities/${id}`);
    assert.match(draft.body, new RegExp(`href="/commissioning/opportunities/${id}/edit">Edit the draft`));
    const form = await commissioner.get(`/commissioning/opportunities/${id}/edit`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Edit the draft opportunity/);
    assert.match(form.body, /name="title" type="text" value="Reducing loneliness among older people"/);
    assert.match(form.body, /name="lot1Title" type="text" value="City-wide telephone line"/);
    assert.match(form.body, /name="value" type="text" value="300000"/);
    const fields: Record<string, string> = {};
    for (const m of form.body.matchAll(/<input\s+class="govuk-input[^"]*" id="[^"]+" name="([^"]+)" type="text"(?: [a-z]+="[^"]*")* value="([^"]*)"/g)) fields[m[1]!] = m[2]!.replace(/&amp;/g, '&');
    for (const m of form.body.matchAll(/<textarea\s+class="govuk-textarea" id="[^"]+" name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g)) fields[m[1]!] = m[2]!.trim();
    for (const m of form.body.matchAll(/<select\s+class="govuk-select[^"]*" id="[^"]+" name="([^"]+)">([\s\S]*?)<\/select>/g)) fields[m[1]!] = /<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? '';
    for (const m of form.body.matchAll(/<input\s+class="govuk-checkboxes__input" id="[^"]+" name="([^"]+)" type="checkbox" value="yes" checked>/g)) fields[m[1]!] = 'yes';
    assert.equal(fields.lot0Sme, 'yes');
    // The dates are GOV.UK date inputs, filled with the draft's dates.
    assert.deepEqual([fields['contractStart-day'], fields['contractStart-month'], fields['contractStart-year']], ['1', '4', '2027']);
    assert.equal(fields.contractStart, undefined);
    assert.equal(fields.criterion1Kind, 'social-value');
    const bad = await commissioner.post(`/commissioning/opportunities/${id}/edit`, { ...fields, criterion0Weight: '60' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /The weights must add up to 100; they add up to 110/);
    const notReal = await commissioner.post(`/commissioning/opportunities/${id}/edit`, { ...fields, 'contractEnd-day': '31', 'contractEnd-month': '2', 'contractEnd-year': '2029' });
    assert.equal(notReal.statusCode, 400);
    assert.match(notReal.body, /The contract end date must be a real date, like 28 11 2026 or 28\/11\/2026/);
    assert.match(notReal.body, /href="#contractEnd"/);
    const saved = await commissioner.post(`/commissioning/opportunities/${id}/edit`, { ...fields, title: 'Fewer lonely older people', lot1Title: '', lot1Value: '', lot0Value: '120000', 'contractEnd-day': '30', 'contractEnd-month': 'June', 'contractEnd-year': '2029' });
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 2000));
    const o = await service.getOpportunity(ctx.db, c.commissioner.actor, id);
    assert.equal(o.title, 'Fewer lonely older people');
    assert.deepEqual(o.lots.map((l) => [l.title, l.valuePence]), [['Neighbourhood befriending', 12_000_000]]);
    assert.equal(o.criteria.length, 3);
    assert.equal(o.contractEnd, '2029-06-30', 'the date input’s parts, read by the shared parser');
    assert.equal(o.status, 'draft');
    // Not for anyone else; not after publishing.
    const other = await signedIn(app, c.charityAdmin.email, '10.71.2.2');
    assert.equal((await other.get(`/commissioning/opportunities/${id}/edit`)).statusCode, 404);
    assert.equal((await other.post(`/commissioning/opportunities/${id}/edit`, { ...fields })).statusCode, 404, 'a draft is not even visible to others');
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    assert.equal((await commissioner.get(`/commissioning/opportunities/${id}/edit`)).statusCode, 409);
    const late = await commissioner.post(`/commissioning/opportunities/${id}/edit`, { ...fields, title: 'Changed after publishing' });
    assert.equal(late.statusCode, 409);
    assert.equal((await service.getOpportunity(ctx.db, c.commissioner.actor, id)).title, 'Fewer lonely older people', 'nothing changed');
  });

  it('a need’s local authority is given by its name or a postcode in it, never its code', async () => {
    const { app, ctx } = t();
    await seedPlaces(ctx);
    const c = await cast(ctx);
    const commissioner = await signedIn(app, c.commissioner.email, '10.71.3.1');
    const form = await commissioner.get('/commissioning/needs/new');
    assert.doesNotMatch(form.body, /GSS code/);
    const need = { organisation: c.buyer.id, title: 'Isolation', description: 'People are isolated.', outcomes: 'Fewer people isolated', decisionType: 'technical', measures: 'Isolation score | 10% lower | national survey' };
    const unknown = await commissioner.post('/commissioning/needs', { ...need, laCode: 'Atlantis' });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.body, /No local authority is called “Atlantis”/);
    const byName = await commissioner.post('/commissioning/needs', { ...need, laCode: 'sunderland' });
    assert.equal(byName.statusCode, 303, byName.body.slice(0, 1500));
    const byPostcode = await commissioner.post('/commissioning/needs', { ...need, title: 'Isolation 2', laCode: 'SR1 1AE' });
    assert.equal(byPostcode.statusCode, 303);
    const codes = (await service.listNeeds(ctx.db, c.buyer.id)).map((n) => n.laCode);
    assert.deepEqual(codes.sort(), ['E08000024', 'E08000024']);
  });
});
