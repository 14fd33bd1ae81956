import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import type { App } from '../platform/module.ts';
import * as service from './commissioning.service.ts';
import * as repo from './commissioning.repository.ts';
import { assertValidOcds, cast, opportunityBody, person, waitUntil } from './commissioning.test-support.ts';
import { importSpendFile } from '../spend/spend.import.ts';

async function post(app: App, url: string, auth: { authorization: string } | undefined, payload: unknown = {}) {
  return app.inject({ method: 'POST', url, headers: auth ?? {}, payload: payload as Record<string, unknown> });
}
async function get(app: App, url: string, auth?: { authorization: string }) {
  return app.inject({ method: 'GET', url, headers: auth ?? {} });
}

eachEngine('commissioning', (t) => {
  it('runs a process end to end through the API: need, opportunity, sealed bids, evaluation, award, contract, valid OCDS', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const admin = await person(ctx, 'site-admin');
    await ctx.db.updateTable('users').set({ is_admin: true }).where('id', '=', admin.userId).execute();

    const need = await post(app, '/api/v1/commissioning/needs', c.commissioner.auth, {
      organisation: c.buyer.id, title: 'Loneliness in later life', description: 'Older people in the east of the city report loneliness.',
      outcomes: ['Fewer people feel lonely often', 'More people take part in community life'], decisionType: 'technical',
      measures: ['UCLA loneliness score | 10% lower | Campaign to End Loneliness measure'],
    });
    assert.equal(need.statusCode, 201, need.body);

    const deadline = new Date(Date.now() + 30_000);
    const body = opportunityBody(c.buyer.id, deadline, { needId: need.json().id });
    // Only the buyer's commissioners run a process: its own administrator and outsiders are refused.
    for (const who of [c.buyerAdmin, c.charityAdmin]) {
      const refused = await post(app, '/api/v1/commissioning/opportunities', who.auth, body);
      assert.equal(refused.statusCode, 403, refused.body);
    }
    const anonymous = await post(app, '/api/v1/commissioning/opportunities', undefined, body);
    assert.ok([401, 403].includes(anonymous.statusCode), anonymous.body);
    const created = await post(app, '/api/v1/commissioning/opportunities', c.commissioner.auth, body);
    assert.equal(created.statusCode, 201, created.body);
    const { id, ocid } = created.json();
    assert.match(ocid, /^ocds-[a-z0-9]{6}-/);
    // A draft is invisible to the public.
    assert.equal((await get(app, `/api/v1/commissioning/opportunities/${id}`)).statusCode, 404);
    assert.equal((await post(app, `/api/v1/commissioning/opportunities/${id}/publish`, c.evaluator1.auth)).statusCode, 403);
    const published = await post(app, `/api/v1/commissioning/opportunities/${id}/publish`, c.commissioner.auth);
    assert.equal(published.statusCode, 200, published.body);
    assert.equal(published.json().releaseId, `${ocid}-0001`);

    const opp = (await get(app, `/api/v1/commissioning/opportunities/${id}`)).json();
    assert.equal(opp.status, 'open');
    const [lot1, lot2] = opp.lots;
    assert.equal(lot1.suitableForVcse, true);
    assert.equal(lot2.unsuitableReason, 'Needs a regulated 24-hour call centre');

    // Bids: the charity alone; the CIC leading a consortium with the company.
    const bidA = await post(app, `/api/v1/commissioning/opportunities/${id}/bids`, c.charityAdmin.auth, { lotId: lot1.id, organisation: c.charity.id, pricePence: 9_500_000, approach: 'Volunteer befrienders in every ward', socialValue: 'Local volunteers, local jobs' });
    assert.equal(bidA.statusCode, 201, bidA.body);
    const bidB = await post(app, `/api/v1/commissioning/opportunities/${id}/bids`, c.cicAdmin.auth, {
      lotId: lot1.id, organisation: c.cic.id, pricePence: 8_000_000, approach: 'Walking groups', socialValue: 'Green spaces used more',
      leadSharePercent: 60, members: [{ organisation: c.company.id, sharePercent: 40 }],
    });
    assert.equal(bidB.statusCode, 201, bidB.body);
    assert.equal(bidB.json().status, 'awaiting-partners');
    // The company joins the CIC's consortium by accepting; then the bid is submitted.
    const joined = await post(app, `/api/v1/commissioning/bids/${bidB.json().bidId}/consent`, c.companyAdmin.auth, { organisation: c.company.id, decision: 'accept' });
    assert.equal(joined.statusCode, 200, joined.body);
    assert.equal(joined.json().bidStatus, 'submitted');
    // Someone who does not act for the lead cannot bid in its name.
    assert.equal((await post(app, `/api/v1/commissioning/opportunities/${id}/bids`, c.companyAdmin.auth, { lotId: lot1.id, organisation: c.charity.id, pricePence: 1, approach: 'x', socialValue: 'y' })).statusCode, 403);
    const a = bidA.json().bidId as string;
    const b = bidB.json().bidId as string;
    assert.match(bidA.json().receipt, /^[0-9a-f]{64}$/);

    // Sealed: nobody reads content before the deadline — not the bidder, the commissioner, nor a site administrator.
    for (const who of [c.charityAdmin, c.commissioner, admin]) {
      const seen = await get(app, `/api/v1/commissioning/bids/${a}`, who.auth);
      assert.equal(seen.statusCode, 200, seen.body);
      assert.equal(seen.json().sealed, true);
      assert.equal(seen.json().content, null);
      assert.doesNotMatch(seen.body, /Volunteer befrienders/);
    }
    assert.equal((await get(app, `/api/v1/commissioning/opportunities/${id}`, c.companyAdmin.auth)).json().bidCount, null, 'competitors do not learn how many bids there are');
    assert.equal((await get(app, `/api/v1/commissioning/opportunities/${id}`, c.commissioner.auth)).json().bidCount, 2);
    const sealedList = await get(app, `/api/v1/commissioning/opportunities/${id}/bids`, admin.auth);
    assert.doesNotMatch(sealedList.body, /Volunteer befrienders|Walking groups/);
    assert.deepEqual(await repo.unsealedContents(ctx.db, c.buyer.id, id, [a, b]), [], 'the database view gives nothing before the deadline');
    // The audit log never holds the sealed content either.
    const audit = await ctx.db.selectFrom('audit_log').select('after').where('entity_id', 'in', [a, b]).execute();
    assert.doesNotMatch(JSON.stringify(audit), /Volunteer befrienders|Walking groups|9500000/);

    // Evaluators see only the bids assigned to them.
    assert.equal((await post(app, `/api/v1/commissioning/bids/${a}/evaluators`, c.charityAdmin.auth, { email: c.evaluator1.email })).statusCode, 403);
    assert.equal((await post(app, `/api/v1/commissioning/bids/${a}/evaluators`, c.commissioner.auth, { email: c.charityAdmin.email })).statusCode, 400, 'only people with the evaluator role can be assigned');
    assert.equal((await post(app, `/api/v1/commissioning/bids/${a}/evaluators`, c.commissioner.auth, { email: c.evaluator1.email })).statusCode, 200);
    assert.equal((await post(app, `/api/v1/commissioning/bids/${a}/evaluators`, c.commissioner.auth, { email: c.evaluator2.email })).statusCode, 200);
    assert.equal((await post(app, `/api/v1/commissioning/bids/${b}/evaluators`, c.commissioner.auth, { email: c.evaluator2.email })).statusCode, 200);
    const e1List = (await get(app, `/api/v1/commissioning/opportunities/${id}/bids`, c.evaluator1.auth)).json();
    assert.equal(e1List.role, 'evaluator');
    assert.deepEqual(e1List.bids.map((x: { id: string }) => x.id), [a]);
    assert.equal((await get(app, `/api/v1/commissioning/bids/${b}`, c.evaluator1.auth)).statusCode, 403);
    const criteria = opp.criteria as { id: string; kind: string }[];
    const early = await post(app, `/api/v1/commissioning/bids/${a}/scores`, c.evaluator1.auth, { scores: [{ criterionId: criteria[0]!.id, score: 7, reason: 'Good' }] });
    assert.equal(early.statusCode, 422, 'no scoring while sealed');
    assert.equal((await post(app, `/api/v1/commissioning/opportunities/${id}/awards`, c.commissioner.auth, { bidId: a, rationale: 'early' })).statusCode, 422);

    await waitUntil(deadline);
    const late = await post(app, `/api/v1/commissioning/opportunities/${id}/bids`, c.companyAdmin.auth, { lotId: lot1.id, organisation: c.company.id, pricePence: 1, approach: 'late', socialValue: 'late' });
    assert.equal(late.statusCode, 422, late.body);
    const opened = (await get(app, `/api/v1/commissioning/bids/${a}`, c.evaluator1.auth)).json();
    assert.equal(opened.sealed, false);
    assert.equal(opened.content.pricePence, 9_500_000);
    assert.equal((await get(app, `/api/v1/commissioning/bids/${b}`, c.evaluator1.auth)).statusCode, 403, 'still only the assigned bids after the deadline');

    // Independent scores, a declared conflict (its scores set aside), moderation, weighted totals and ranks.
    const score = (who: { authorization: string }, bid: string, s: number[]) => post(app, `/api/v1/commissioning/bids/${bid}/scores`, who, { scores: criteria.map((cr, i) => ({ criterionId: cr.id, score: s[i], reason: `Reason ${i}` })) });
    assert.equal((await score(c.evaluator1.auth, a, [8, 6, 5])).statusCode, 200);
    assert.equal((await score(c.evaluator2.auth, a, [6, 6, 5])).statusCode, 200);
    assert.equal((await score(c.evaluator2.auth, b, [10, 10, 10])).statusCode, 200);
    assert.equal((await post(app, `/api/v1/commissioning/bids/${b}/conflict`, c.evaluator2.auth, { note: 'My sister chairs Walk and Talk' })).statusCode, 200);
    assert.equal((await score(c.evaluator2.auth, b, [10, 10, 10])).statusCode, 403, 'no scoring after declaring a conflict');
    assert.equal((await post(app, `/api/v1/commissioning/bids/${b}/moderation`, c.commissioner.auth, { criterionId: criteria[0]!.id, score: 5, reason: 'Agreed at moderation' })).statusCode, 200);
    const evaluation = (await get(app, `/api/v1/commissioning/opportunities/${id}/evaluation`, c.commissioner.auth)).json();
    assert.equal((await get(app, `/api/v1/commissioning/opportunities/${id}/evaluation`, c.evaluator1.auth)).statusCode, 403);
    const rankedA = evaluation.ranked.find((r: { bidId: string }) => r.bidId === a);
    const rankedB = evaluation.ranked.find((r: { bidId: string }) => r.bidId === b);
    // A: quality mean 7 ×50, social value 6 ×30, price 5 ×20 → (350 + 180 + 100) / 10 = 63.00.
    assert.equal(rankedA.totalHundredths, 6300);
    assert.equal(rankedA.rank, 1);
    // B: only the moderated quality score counts (5 ×50 = 25.00); the conflicted evaluator's scores are kept but set aside.
    assert.equal(rankedB.totalHundredths, 2500);
    assert.equal(rankedB.complete, false);
    assert.equal(rankedB.conflicts[0].note, 'My sister chairs Walk and Talk');
    assert.deepEqual(rankedB.criteria[0].evaluatorScores.map((x: { score: number; conflict: boolean; kind: string }) => [x.score, x.conflict, x.kind]), [[10, true, 'evaluation'], [5, false, 'moderation']], 'every score is kept, the conflicted one flagged');
    assert.equal(rankedA.criteria[0].evaluatorScores.length, 2);

    // Award lot 1, then lot 2 has no bids: the process stays active. Sign the contract (no standstill here).
    const award = await post(app, `/api/v1/commissioning/opportunities/${id}/awards`, c.commissioner.auth, { bidId: a, rationale: 'Highest weighted score' });
    assert.equal(award.statusCode, 201, award.body);
    assert.equal(award.json().valuePence, 9_500_000);
    const again = await post(app, `/api/v1/commissioning/opportunities/${id}/awards`, c.commissioner.auth, { bidId: b, rationale: 'second' });
    assert.equal(again.statusCode, 409);
    const contract = await post(app, `/api/v1/commissioning/awards/${award.json().awardId}/contract`, c.commissioner.auth, {
      milestones: [{ title: 'Befriending service live', dueDate: '2027-06-30' }], kpis: [{ title: 'People befriended', target: 400, unit: 'people' }],
    });
    assert.equal(contract.statusCode, 201, contract.body);
    const contractId = contract.json().contractId;
    const page = (await get(app, `/api/v1/commissioning/contracts/${contractId}`)).json();
    assert.equal(page.valuePence, 9_500_000);
    assert.equal(page.payments.paidPence, 0);
    assert.equal(page.suppliers[0].id, c.charity.id);
    const milestoneId = page.milestones[0].id;
    assert.equal((await post(app, `/api/v1/commissioning/contracts/${contractId}/milestones/${milestoneId}`, c.commissioner.auth, { status: 'met', dateMet: '2027-06-20' })).statusCode, 200);

    // The summaries other modules read.
    const summary = await service.getContractSummary(ctx.db, contractId);
    assert.equal(summary?.ocid, ocid);
    assert.deepEqual(summary?.supplierOrganisationIds, [c.charity.id]);
    assert.equal(summary?.milestones[0]?.title, 'Befriending service live');
    assert.equal((await service.listContractSummaries(ctx.db, { supplierOrganisationId: c.charity.id })).length, 1);
    assert.equal((await service.listContractSummaries(ctx.db, { supplierOrganisationId: c.company.id })).length, 0);

    // Open data: every release valid, tagged through the stages, ids stable across requests.
    const pkg = await get(app, `/api/v1/commissioning/ocds/releases/${ocid}.json`);
    assert.equal(pkg.statusCode, 200);
    assertValidOcds(pkg.json());
    const releases = pkg.json().releases as { id: string; tag: string[]; awards?: { suppliers: { name: string }[] }[]; bids?: { details: unknown[] }; tender: { lots: { suitability: { sme: boolean; vcso: boolean } }[] }; contracts?: { implementation: unknown; milestones: { status: string }[] }[] }[];
    assert.deepEqual(releases.map((r) => r.tag.join('+')), ['planning+tender', 'award', 'contract', 'implementation']);
    assert.deepEqual(releases.map((r) => r.id), [1, 2, 3, 4].map((n) => `${ocid}-000${n}`));
    assert.equal(releases[0]!.bids, undefined, 'nothing about bids is published before the deadline');
    assert.deepEqual(releases[0]!.tender.lots.map((l) => l.suitability), [{ sme: true, vcso: true }, { sme: true, vcso: false }]);
    assert.equal(releases[1]!.bids!.details.length, 2);
    assert.equal(releases[3]!.contracts![0]!.milestones[0]!.status, 'met');
    const again2 = (await get(app, `/api/v1/commissioning/ocds/releases/${ocid}.json`)).json();
    assert.deepEqual(again2.releases, pkg.json().releases);
    const publisherPkg = await get(app, `/api/v1/commissioning/ocds/publishers/${c.buyer.slug}/releases.json`);
    assertValidOcds(publisherPkg.json());
    assert.equal(publisherPkg.json().releases.length, 4, JSON.stringify(publisherPkg.json().releases.map((r: { id: string }) => r.id)));
    assert.equal((await get(app, '/api/v1/commissioning/ocds/releases/ocds-nope00-x.json')).statusCode, 404);
  });

  it('publishes amendments as new releases; the first release, and a deadline, are never silently changed', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 3_600_000);
    const { id, ocid } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    const before = (await get(app, `/api/v1/commissioning/ocds/releases/${ocid}.json`)).json().releases[0];
    const amended = await post(app, `/api/v1/commissioning/opportunities/${id}/amendments`, c.commissioner.auth, { rationale: 'Clarified the outcome measure', description: 'Outcomes: fewer people report feeling lonely (UCLA 3-item scale).' });
    assert.equal(amended.statusCode, 200, amended.body);
    assert.equal(amended.json().releaseId, `${ocid}-0002`);
    const earlier = await post(app, `/api/v1/commissioning/opportunities/${id}/amendments`, c.commissioner.auth, { rationale: 'Sooner', bidDeadline: new Date(deadline.getTime() - 60_000).toISOString() });
    assert.equal(earlier.statusCode, 400, 'a deadline is never brought forward');
    assert.equal((await post(app, `/api/v1/commissioning/opportunities/${id}/amendments`, c.charityAdmin.auth, { rationale: 'x', description: 'y' })).statusCode, 403);
    const pkg = (await get(app, `/api/v1/commissioning/ocds/releases/${ocid}.json`)).json();
    assertValidOcds(pkg);
    assert.deepEqual(pkg.releases[0], before, 'the first release is exactly as published');
    assert.deepEqual(pkg.releases[1].tag, ['tenderAmendment']);
    assert.equal(pkg.releases[1].tender.amendments[0].amendsReleaseID, `${ocid}-0001`);
    assert.equal(pkg.releases[1].tender.amendments[0].rationale, 'Clarified the outcome measure');
    // The database refuses to edit or delete a release, and to bring a published deadline forward.
    await assert.rejects(sql`UPDATE commissioning_releases SET release = '{}'::jsonb WHERE ocid = ${ocid}`.execute(ctx.db), /append-only|permission denied/);
    await assert.rejects(sql`DELETE FROM commissioning_releases WHERE ocid = ${ocid}`.execute(ctx.db), /append-only|permission denied/);
    await assert.rejects(sql`UPDATE commissioning_processes SET bid_deadline = now() - interval '1 minute' WHERE id = ${id}`.execute(ctx.db), /brought forward/);
    // Answers to questions are published as updates, without the asker.
    const q = await post(app, `/api/v1/commissioning/opportunities/${id}/questions`, c.charityAdmin.auth, { question: 'Can volunteers’ expenses be included?' });
    assert.equal(q.statusCode, 201);
    assert.equal((await post(app, `/api/v1/commissioning/questions/${q.json().id}/answer`, c.charityAdmin.auth, { answer: 'Yes' })).statusCode, 403);
    assert.equal((await post(app, `/api/v1/commissioning/questions/${q.json().id}/answer`, c.commissioner.auth, { answer: 'Yes, within the price.' })).statusCode, 200);
    assert.equal((await post(app, `/api/v1/commissioning/questions/${q.json().id}/answer`, c.commissioner.auth, { answer: 'Changed' })).statusCode, 409);
    const last = (await get(app, `/api/v1/commissioning/ocds/releases/${ocid}.json`)).json();
    assertValidOcds(last);
    assert.equal(last.releases[2].tender.enquiries[0].answer, 'Yes, within the price.');
    assert.equal(last.releases[2].tender.amendments.length, 1, 'an update carries the amendments made so far');
  });

  it('seals bid content in the database itself: a non-superuser role reading the table sees no rows before the deadline', async () => {
    const { ctx, engine } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 3_600_000);
    const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    const lot = (await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id }))[0]!;
    await service.submitBid(ctx.db, c.charityAdmin.actor, id, { lotId: lot.id, organisation: c.charity.id, pricePence: 100, approach: 'Sealed approach', socialValue: 'Sealed value' });
    const direct = (db: typeof ctx.db) => sql<{ n: number }>`SELECT count(*)::int AS n FROM commissioning_bid_contents WHERE process_id = ${id}`.execute(db);
    const asView = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM commissioning_unsealed_bid_contents WHERE process_id = ${id}`.execute(ctx.db)).rows[0]!.n;
    if (engine === 'postgres') {
      // On a server the app itself runs as an ordinary role (platform/roles.ts): the policy binds its own reads.
      assert.equal((await direct(ctx.db)).rows[0]!.n, 0, 'row-level security hides sealed content from a direct read');
      assert.equal(await asView(), 0, 'the view the application reads gives nothing before the deadline');
      await assert.rejects(sql`UPDATE commissioning_bid_contents SET price_pence = 1`.execute(ctx.db), /permission denied|append-only/);
      return;
    }
    // PGlite has one user, a superuser: an ordinary role of its own shows what the policy does.
    const role = `cw_reader_${engine}_${Date.now()}`;
    await sql.raw(`CREATE ROLE ${role} NOLOGIN`).execute(ctx.db);
    try {
      // The policies read the process (its deadline) and the bid's members (migration 0031's bidder policy).
      await sql.raw(`GRANT SELECT ON commissioning_bid_contents, commissioning_processes, commissioning_bid_members TO ${role}`).execute(ctx.db);
      const seenAs = (bidder: string | null) => ctx.db.transaction().execute(async (trx) => {
        await sql.raw(`SET LOCAL ROLE ${role}`).execute(trx);
        if (bidder) await sql`SELECT set_config('commonweal.bidder_organisation', ${bidder}, true)`.execute(trx);
        return (await direct(trx)).rows[0]!.n;
      });
      assert.equal(await seenAs(null), 0, 'row-level security hides sealed content from a direct read');
      assert.equal(await seenAs(c.buyer.id), 0, 'naming the buyer shows nothing: it is not a member of the bid');
      assert.equal(await seenAs(c.cic.id), 0, 'nor naming another organisation');
      assert.equal(await seenAs(c.charity.id), 1, 'naming the bidder shows the bidder its own bid');
      assert.equal(await asView(), 0, 'the view the application reads gives nothing before the deadline');
      await assert.rejects(sql`UPDATE commissioning_bid_contents SET price_pence = 1`.execute(ctx.db), /append-only/);
    } finally {
      await sql.raw(`REVOKE ALL ON commissioning_bid_contents, commissioning_processes, commissioning_bid_members FROM ${role}`).execute(ctx.db);
      await sql.raw(`DROP ROLE ${role}`).execute(ctx.db);
    }
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 3_600_000);
    const count = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM commissioning_processes WHERE organisation_id = ${c.buyer.id}`.execute(ctx.db)).rows[0]!.n;
    const weights = await post(app, '/api/v1/commissioning/opportunities', c.commissioner.auth, opportunityBody(c.buyer.id, deadline, { criteria: [{ kind: 'price', title: 'Price', weight: 60 }, { kind: 'social-value', title: 'Social value', weight: 30 }] }));
    assert.equal(weights.statusCode, 400);
    assert.equal(weights.json().errors[0].field, 'criteria');
    assert.match(weights.json().errors[0].message, /add up to 100; they add up to 90/);
    const reason = await post(app, '/api/v1/commissioning/opportunities', c.commissioner.auth, opportunityBody(c.buyer.id, deadline, { lots: [{ title: 'Big lot', valuePence: 100, suitableForSme: false, suitableForVcse: false }] }));
    assert.equal(reason.statusCode, 400);
    assert.equal(reason.json().errors[0].field, 'lots[0].unsuitableReason');
    const past = await post(app, '/api/v1/commissioning/opportunities', c.commissioner.auth, opportunityBody(c.buyer.id, new Date(Date.now() - 1000)));
    assert.equal(past.statusCode, 400);
    assert.equal(past.json().errors[0].field, 'bidDeadline');
    const tooMuch = await post(app, '/api/v1/commissioning/opportunities', c.commissioner.auth, opportunityBody(c.buyer.id, deadline, { valuePence: 100 }));
    assert.equal(tooMuch.statusCode, 400);
    assert.equal(await count(), 0);
    const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    const lot = (await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id }))[0]!;
    const shares = await post(app, `/api/v1/commissioning/opportunities/${id}/bids`, c.cicAdmin.auth, { lotId: lot.id, organisation: c.cic.id, pricePence: 100, approach: 'a', socialValue: 'b', leadSharePercent: 50, members: [{ organisation: c.charity.id, sharePercent: 40 }] });
    assert.equal(shares.statusCode, 400);
    assert.equal(shares.json().errors[0].field, 'leadSharePercent');
    const own = await post(app, `/api/v1/commissioning/opportunities/${id}/bids`, c.cicAdmin.auth, { lotId: lot.id, organisation: c.cic.id, pricePence: 100, approach: 'a', socialValue: 'b', leadSharePercent: 50, members: [{ organisation: c.buyer.id, sharePercent: 50 }] });
    assert.equal(own.statusCode, 400);
    assert.equal((await repo.listBids(ctx.db, { organisation_id: c.buyer.id, id })).length, 0, 'nothing half-written');
  });

  it('serialises concurrent writers: simultaneous resubmissions make one bid with every version; two awards of one lot, one wins', async () => {
    const { ctx } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 8000);
    const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    const lot = (await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id }))[0]!;
    const bid = (price: number) => service.submitBid(ctx.db, c.charityAdmin.actor, id, { lotId: lot.id, organisation: c.charity.id, pricePence: price, approach: `Version at ${price}`, socialValue: 'v' });
    const results = await Promise.allSettled([bid(100), bid(200), bid(300), bid(400)]);
    const ok = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<service.BidReceipt>[];
    assert.ok(ok.length >= 1);
    const bids = await repo.listBids(ctx.db, { organisation_id: c.buyer.id, id });
    assert.equal(bids.length, 1, 'one bid per lead and lot');
    assert.equal(bids[0]!.versions, ok.length);
    const other = await service.submitBid(ctx.db, c.cicAdmin.actor, id, { lotId: lot.id, organisation: c.cic.id, pricePence: 50, approach: 'Other', socialValue: 'v' });
    await waitUntil(deadline);
    const last = ok.map((r) => r.value).sort((x, y) => x.version - y.version).at(-1)!;
    const content = (await repo.unsealedContents(ctx.db, c.buyer.id, id, [bids[0]!.id]))[0]!;
    assert.equal(content.version, last.version, 'the latest version counts');
    const awards = await Promise.allSettled([
      service.awardLot(ctx.db, c.commissioner.actor, id, { bidId: bids[0]!.id, rationale: 'first' }),
      service.awardLot(ctx.db, c.commissioner.actor, id, { bidId: other.bidId, rationale: 'second' }),
    ]);
    assert.equal(awards.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal((await repo.listAwards(ctx.db, { organisation_id: c.buyer.id, id })).length, 1);
    const rejected = awards.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal(rejected.reason.code, 'conflict');
  });

  it('holds the contract until the standstill period ends, and turns an open-call proposal into a draft opportunity', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 6000);
    const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline, { standstillDays: 8 }));
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    const lot = (await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id }))[0]!;
    const receipt = await service.submitBid(ctx.db, c.charityAdmin.actor, id, { lotId: lot.id, organisation: c.charity.id, pricePence: 100, approach: 'a', socialValue: 'b' });
    await waitUntil(deadline);
    const award = await service.awardLot(ctx.db, c.commissioner.actor, id, { bidId: receipt.bidId, rationale: 'Only bid' });
    const early = await post(app, `/api/v1/commissioning/awards/${award.awardId}/contract`, c.commissioner.auth, {});
    assert.equal(early.statusCode, 422);
    assert.match(early.json().detail, /standstill/);

    const call = await post(app, '/api/v1/commissioning/open-calls', c.commissioner.auth, { organisation: c.buyer.id, title: 'Ideas for young people', description: 'Tell us what is missing' });
    assert.equal(call.statusCode, 201, call.body);
    assert.equal((await post(app, '/api/v1/commissioning/open-calls', c.charityAdmin.auth, { organisation: c.buyer.id, title: 'x', description: 'y' })).statusCode, 403);
    const proposal = await post(app, `/api/v1/commissioning/open-calls/${call.json().id}/proposals`, c.cicAdmin.auth, { organisation: c.cic.id, title: 'Skate-park mentoring', need: 'Teenagers with nowhere to go', proposal: 'Mentors at the skate park' });
    assert.equal(proposal.statusCode, 201, proposal.body);
    const opened = await post(app, `/api/v1/commissioning/proposals/${proposal.json().id}/opportunity`, c.commissioner.auth, { valuePence: 2_000_000, bidDeadline: new Date(Date.now() + 86_400_000).toISOString() });
    assert.equal(opened.statusCode, 201, opened.body);
    const view = await service.getOpenCall(ctx.db, cliActor, call.json().id);
    assert.equal(view.proposals[0]!.processHref, opened.json().href);
    assert.equal((await post(app, `/api/v1/commissioning/proposals/${proposal.json().id}/opportunity`, c.commissioner.auth, { valuePence: 1, bidDeadline: new Date(Date.now() + 86_400_000).toISOString() })).statusCode, 409);
  });

  it('shows what has been paid: the buyer’s published spend lines to the supplier, within the contract period, also as OCDS transactions', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 6000);
    const { id, ocid } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
    await service.publishProcess(ctx.db, c.commissioner.actor, id);
    const lot = (await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id }))[0]!;
    const bid = await service.submitBid(ctx.db, c.charityAdmin.actor, id, { lotId: lot.id, organisation: c.charity.id, pricePence: 10_000_000, approach: 'a', socialValue: 'b' });
    await waitUntil(deadline);
    const award = await service.awardLot(ctx.db, c.commissioner.actor, id, { bidId: bid.bidId, rationale: 'Only bid' });
    const contract = await service.signContract(ctx.db, c.commissioner.actor, award.awardId, { startDate: '2027-04-01', endDate: '2028-03-31', milestones: [{ title: 'Live', dueDate: '2027-05-01' }] });
    const csv = [
      'Date,Supplier Name,Amount,Expense Type',
      `2027-04-15,${c.charity.name.toUpperCase()},"1,200.50",Services`,
      `2027-05-15,The ${c.charity.name.toLowerCase()}.,800.00,Services`,
      `2027-03-15,${c.charity.name},999.00,Services`,
      `2027-04-20,${c.company.name},5000.00,Services`,
    ].join('\n');
    await importSpendFile(ctx, cliActor, { publisher: c.buyer.id, source: { bytes: Buffer.from(csv) }, filename: 'spend.csv', period: '2027-03..2027-05' });
    const page = (await get(app, `/api/v1/commissioning/contracts/${contract.contractId}`)).json();
    assert.equal(page.payments.paidPence, 200_050, 'two lines in the period, matched by the spend module’s supplier key (case, punctuation, a leading “The”)');
    assert.equal(page.payments.remainingPence, 10_000_000 - 200_050);
    assert.deepEqual(page.payments.lines.map((l: { date: string }) => l.date), ['2027-04-15', '2027-05-15']);
    const milestoneId = page.milestones[0].id;
    await service.updateMilestone(ctx.db, c.commissioner.actor, contract.contractId, milestoneId, { status: 'met', dateMet: '2027-05-01' });
    const pkg = (await get(app, `/api/v1/commissioning/ocds/releases/${ocid}.json`)).json();
    assertValidOcds(pkg);
    const last = pkg.releases.at(-1);
    assert.deepEqual(last.tag, ['implementation']);
    assert.deepEqual(last.contracts[0].implementation.transactions.map((t: { value: { amount: number } }) => t.value.amount), [1200.5, 800]);
  });
});
