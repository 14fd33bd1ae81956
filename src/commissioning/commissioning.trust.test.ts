// Issues 14 and 16 in commissioning: organisations are named with their identifier and a "Not verified" tag
// (verified first); a bidder reads back its own bid at any time (the seal binds the buyer), and its scores and
// feedback after the award; a need's places and lead organisation are chosen by name, never by code.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine, signedInAgent as signedIn, TestAgent } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';
import { seedPlaces } from '../places/places.demo.ts';
import * as service from './commissioning.service.ts';
import * as repo from './commissioning.repository.ts';
import { cast, opportunityBody, person, waitUntil } from './commissioning.test-support.ts';

eachEngine('commissioning: trust in who is named, bids read back, places by name', (t) => {
  before(async () => {
    await seedPlaces(t().ctx);
  });

  it('a bidder reads its own bid back before the deadline; the buyer, another bidder and strangers cannot; after the award, its scores and feedback', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 20_000);
    const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    const lotId = (await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id }))[0]!.id;
    const receipt = await service.submitBid(ctx.db, c.charityAdmin.actor, id, { lotId, organisation: c.charity.id, price: '90000', approach: 'Befriending <b>in every ward</b>', socialValue: 'Local volunteers' });
    await service.submitBid(ctx.db, c.cicAdmin.actor, id, { lotId, organisation: c.cic.id, price: '99000', approach: 'Walks and talks', socialValue: 'Green spaces' });

    const bidder = await signedIn(app, c.charityAdmin.email, '10.31.0.1');
    const list = await bidder.get('/commissioning/bids');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, new RegExp(`href="/commissioning/bids/${receipt.bidId}"`));
    const account = await bidder.get('/account');
    assert.match(account.body, /href="\/commissioning\/bids"/);
    const own = await bidder.get(`/commissioning/bids/${receipt.bidId}`);
    assert.equal(own.statusCode, 200);
    assert.match(own.body, /Befriending &lt;b&gt;in every ward&lt;\/b&gt;/, 'read back before the deadline, escaped');
    assert.match(own.body, /£90,000/);
    assert.match(own.body, /This bid is sealed until/);
    assert.match(own.body, /shown here once the lot is awarded/);
    assert.ok(own.body.includes(receipt.receipt));

    // Nobody else reads it: the buyer's commissioner and administrator, the rival bidder (403); signed out (sign in); unknown (404).
    for (const [who, ip] of [[c.commissioner, '10.31.0.2'], [c.buyerAdmin, '10.31.0.3'], [c.cicAdmin, '10.31.0.4']] as const) {
      const other = await signedIn(app, who.email, ip);
      const r = await other.get(`/commissioning/bids/${receipt.bidId}`);
      assert.equal(r.statusCode, 403, who.email);
      assert.doesNotMatch(r.body, /Befriending/);
    }
    const anonymous = await new TestAgent(app, '10.31.0.5').get(`/commissioning/bids/${receipt.bidId}`);
    assert.equal(anonymous.statusCode, 303);
    assert.equal((await bidder.get('/commissioning/bids/00000000-0000-4000-8000-000000000000')).statusCode, 404);

    // The database itself: before the deadline no content is readable without naming a member organisation,
    // nor by naming one that is not a member of the bid (the buyer's own, a rival's).
    assert.equal((await repo.unsealedContents(ctx.db, c.buyer.id, id, [receipt.bidId])).length, 0);
    for (const org of [c.buyer.id, c.cic.id]) {
      const rows = await ctx.db.transaction().execute((trx) => repo.ownBidContents(trx, { organisation_id: c.buyer.id, id }, [receipt.bidId], org));
      assert.equal(rows.length, 0, `not readable as ${org}`);
    }
    if (ctx.handle.engine === 'postgres') {
      // The app's role is bound by row-level security: naming nobody, it reads no rows, whatever the query.
      const direct = await ctx.db.transaction().execute(async (trx) => {
        await sql`SELECT set_config('commonweal.bidder_organisation', ${c.cic.id}, true)`.execute(trx);
        return trx.selectFrom('commissioning_bid_contents').select('bid_id').where('bid_id', '=', receipt.bidId).execute();
      });
      assert.equal(direct.length, 0, 'a rival named in the setting reads nothing');
    }

    // After the deadline: scored, awarded to the rival; the bidder reads its scores and the reasons.
    await waitUntil(deadline);
    for (const bidId of [receipt.bidId]) await service.assignEvaluator(ctx.db, c.commissioner.actor, bidId, { email: c.evaluator1.email });
    const cicBid = (await repo.listBids(ctx.db, { organisation_id: c.buyer.id, id })).find((b) => b.lead_organisation_id === c.cic.id)!;
    await service.assignEvaluator(ctx.db, c.commissioner.actor, cicBid.id, { email: c.evaluator1.email });
    const criteria = await repo.listCriteria(ctx.db, { organisation_id: c.buyer.id, id });
    await service.scoreBid(ctx.db, c.evaluator1.actor, receipt.bidId, { scores: criteria.map((cr) => ({ criterionId: cr.id, score: 5, reason: `Middling on ${cr.title}` })) });
    await service.scoreBid(ctx.db, c.evaluator1.actor, cicBid.id, { scores: criteria.map((cr) => ({ criterionId: cr.id, score: 8, reason: `Strong on ${cr.title}` })) });
    await service.awardLot(ctx.db, c.commissioner.actor, id, { bidId: cicBid.id, rationale: 'Highest score' });
    const after = await bidder.get(`/commissioning/bids/${receipt.bidId}`);
    assert.equal(after.statusCode, 200);
    assert.match(after.body, /This lot was awarded to another bid/);
    assert.match(after.body, /ranked 2 of 2/);
    assert.match(after.body, /Middling on Quality of approach/);
    assert.doesNotMatch(after.body, /Strong on/, 'another bid’s feedback is not shown');
    assert.doesNotMatch(after.body, /This bid is sealed until/);
    assert.match((await bidder.get('/commissioning/bids')).body, /Scores and feedback ready/);
  });

  it('names every organisation with its identifier and a Not verified tag, the verified listed first', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 60_000);
    const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    // Two providers called the same: the real one verified (with its charity number), a look-alike not.
    const real = await createOrganisation(ctx.db, cliActor, { name: 'Heaton Good Neighbours', legalForm: 'charitable-company', identifiers: ['GB-CHC-1188001'], verified: true });
    const fake = await createOrganisation(ctx.db, cliActor, { name: 'Heaton Good Neighbours', legalForm: 'community-group' });
    const fakeAdmin = await person(ctx, 'fake-admin', [[fake.id, 'admin']]);
    const realAdmin = await person(ctx, 'real-admin', [[real.id, 'admin']]);
    // The look-alike registers interest first.
    await service.registerInterest(ctx.db, fakeAdmin.actor, id, { organisation: fake.id, note: 'We can help' });
    await service.registerInterest(ctx.db, realAdmin.actor, id, { organisation: real.id, note: 'Since 1998' });
    const page = await new TestAgent(app, '10.31.1.1').get(`/commissioning/opportunities/${id}`);
    assert.equal(page.statusCode, 200);
    const table = page.body.slice(page.body.indexOf('id="interest"'));
    const realAt = table.indexOf(`href="/organisations/${real.slug}"`);
    const fakeAt = table.indexOf(`href="/organisations/${fake.slug}"`);
    assert.ok(realAt > 0 && fakeAt > realAt, 'the verified one first');
    assert.match(table.slice(realAt, fakeAt), /\(GB-CHC-1188001\)/);
    assert.doesNotMatch(table.slice(realAt, fakeAt), /Not verified/);
    assert.match(table.slice(fakeAt, fakeAt + 400), /Not verified/);
    // The buyer (verified) is named with its identifier; an unverified bidder in the list of invitations is tagged.
    assert.ok(c.buyer.identifiers[0] && page.body.includes(`(${c.buyer.identifiers[0]})`));
    const index = await new TestAgent(app, '10.31.1.2').get('/commissioning');
    assert.ok(index.body.includes(`(${c.buyer.identifiers[0]})`));
    // A consortium member named by a shared name: a choice, the verified first, the other tagged.
    const lotId = (await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id }))[0]!.id;
    const bidder = await signedIn(app, c.charityAdmin.email, '10.31.1.3');
    await bidder.get(`/commissioning/opportunities/${id}`);
    const ambiguous = await bidder.post(`/commissioning/opportunities/${id}/bids`, { lotId, organisation: c.charity.id, price: '1000', approach: 'Together', socialValue: 'Local', leadSharePercent: '60', member0: 'Heaton Good Neighbours', member0Share: '40' });
    assert.equal(ambiguous.statusCode, 400);
    const radios = ambiguous.body.slice(ambiguous.body.indexOf('Which organisation is member 1?'));
    assert.ok(radios.indexOf(real.id) > 0 && radios.indexOf(real.id) < radios.indexOf(fake.id), 'verified first');
    assert.match(radios.slice(radios.indexOf(fake.id), radios.indexOf(fake.id) + 600), /Not verified/);
  });

  it('a need takes its places as postcodes and ward names (a choice when several match) and its lead by registered name', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const lead = await createOrganisation(ctx.db, cliActor, { name: 'East End Partnership', legalForm: 'charitable-company', identifiers: ['GB-CHC-1188002'], verified: true });
    await createOrganisation(ctx.db, cliActor, { name: 'East End Partnership', legalForm: 'community-group' });
    const agent = await signedIn(app, c.commissioner.email, '10.31.2.1');
    await agent.get('/commissioning/needs/new');
    const form = {
      organisation: c.buyer.id, title: 'Older people in the east end', description: 'Isolation after the bus cuts', outcomes: 'Fewer people lonely often',
      decisionType: 'joined-up', leadOrganisation: 'East End Partnership', sharedOutcomes: 'Fewer lonely', areaPlaces: 'SR1 1AE\nWalker',
    };
    const first = await agent.post('/commissioning/needs', form);
    assert.equal(first.statusCode, 400);
    assert.equal((first.body.match(/<div class="govuk-error-summary"/g) ?? []).length, 1);
    assert.match(first.body, /Several places are called “Walker”: choose which you mean/);
    assert.match(first.body, /name="areaPlace1Choice"/);
    assert.doesNotMatch(first.body, /LSOA|data zone codes/, 'nobody is asked for a code');
    const walker = /<input[^>]*name="areaPlace1Choice"[^>]*value="([^"]+)"[^>]*>\s*<label[^>]*>\s*Walker,/.exec(first.body)?.[1]
      ?? /value="([^"]+)"[^>]*>\s*<label[^>]*>\s*Walker, Newcastle/.exec(first.body)?.[1];
    assert.ok(walker, 'the Walker ward is offered');
    const second = await agent.post('/commissioning/needs', { ...form, areaPlace1Choice: walker });
    assert.equal(second.statusCode, 400, 'now the lead organisation is the question');
    assert.match(second.body, /Several organisations match “East End Partnership”: choose one/);
    assert.match(second.body, /name="leadOrganisationChoice"/);
    const done = await agent.post('/commissioning/needs', { ...form, areaPlace1Choice: walker, leadOrganisationChoice: lead.id });
    assert.equal(done.statusCode, 303, done.body);
    const needId = String(done.headers.location).split('/').pop()!;
    const need = await service.getNeed(ctx.db, needId);
    assert.ok(need.need.areaCodes.includes('E01008836'), 'the postcode’s small area');
    assert.equal(need.need.areaCodes.length, 8, 'one from the postcode and the seven of Walker ward');
    assert.equal((need.need.decision.leadOrganisation as { id: string }).id, lead.id);
    const page = await agent.get(`/commissioning/needs/${needId}`);
    assert.match(page.body, /East End Partnership<\/a> <span class="cw-org-identifier">\(GB-CHC-1188002\)<\/span>/);
    // A line that is not a place names the line.
    const bad = await agent.post('/commissioning/needs', { ...form, areaPlaces: 'NE6 1A', leadOrganisationChoice: lead.id });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Line 1: Enter a full postcode/);
  });
});
