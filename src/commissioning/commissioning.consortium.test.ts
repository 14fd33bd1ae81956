// A consortium member joins a bid only by accepting (issue 15, defect 13). Until every member has accepted the
// bid is lodged and sealed but not submitted: the member cannot read it, it is not evaluated, published or
// awardable, and it is void at the deadline. Only the member's administrators answer, once.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import type { App, AppContext } from '../platform/module.ts';
import * as service from './commissioning.service.ts';
import * as repo from './commissioning.repository.ts';
import { cast, opportunityBody, person, waitUntil } from './commissioning.test-support.ts';

const post = (app: App, url: string, headers: Record<string, string>, payload: unknown) => app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });
const get = (app: App, url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

async function opened(ctx: AppContext, c: Awaited<ReturnType<typeof cast>>, deadline: Date) {
  const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
  await service.publishProcess(ctx.db, c.commissioner.actor, id);
  const lots = await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id });
  return { id, lot1: lots[0]!.id, lot2: lots[1]!.id };
}

const bidBody = (lotId: string, lead: string, members: { organisation: string; sharePercent: number }[], leadShare: number) => ({
  lotId, organisation: lead, pricePence: 5_000_000, approach: 'Walking groups in every ward', socialValue: 'Local leaders', leadSharePercent: leadShare, members,
});

async function emailsTo(ctx: AppContext, to: string, kind: string) {
  return ctx.db.selectFrom('outbox').select(['subject', 'body_text']).where('to_address', '=', to).where('kind', '=', kind).execute();
}

eachEngine('commissioning consortium consent', (t) => {
  it('invites the named member, who cannot read the bid, and submits the bid only when it accepts; answers are final and only its administrators give them', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const { id, lot1 } = await opened(ctx, c, new Date(Date.now() + 3_600_000));
    const companyStaff = await person(ctx, 'company-staff', [[c.company.id, 'staff']]);
    const res = await post(app, `/api/v1/commissioning/opportunities/${id}/bids`, c.cicAdmin.auth, bidBody(lot1, c.cic.id, [{ organisation: c.company.id, sharePercent: 40 }], 60));
    assert.equal(res.statusCode, 201, res.body);
    const bidId = res.json().bidId as string;
    assert.equal(res.json().status, 'awaiting-partners');
    assert.deepEqual(res.json().awaitingConsentFrom.map((x: { id: string }) => x.id), [c.company.id]);
    // Its administrators are told; nobody else in it.
    const mail = await emailsTo(ctx, c.companyAdmin.email, 'commissioning-consortium-invitation');
    assert.equal(mail.length, 1);
    assert.match(mail[0]!.body_text, /40% of the work/);
    assert.equal((await emailsTo(ctx, companyStaff.email, 'commissioning-consortium-invitation')).length, 0);

    // Until it accepts, the member cannot read the bid, nor find it among its bids; the lead can.
    assert.equal((await get(app, `/api/v1/commissioning/bids/${bidId}`, c.companyAdmin.auth)).statusCode, 403);
    assert.deepEqual((await service.myBids(ctx.db, c.companyAdmin.actor)).map((b) => b.id), []);
    const asLead = (await get(app, `/api/v1/commissioning/bids/${bidId}`, c.cicAdmin.auth)).json();
    assert.equal(asLead.status, 'awaiting-partners');
    assert.deepEqual(asLead.members.map((m: { id: string; consent: string }) => [m.id, m.consent]), [[c.cic.id, 'accepted'], [c.company.id, 'invited']]);
    // Not a submitted bid: the commissioners do not count it.
    assert.equal((await get(app, `/api/v1/commissioning/opportunities/${id}`, c.commissioner.auth)).json().bidCount, 0);
    const invitations = await get(app, '/api/v1/commissioning/invitations', c.companyAdmin.auth);
    assert.equal(invitations.statusCode, 200);
    assert.deepEqual(invitations.json().map((i: { bidId: string; sharePercent: number }) => [i.bidId, i.sharePercent]), [[bidId, 40]]);
    assert.deepEqual((await get(app, '/api/v1/commissioning/invitations', companyStaff.auth)).json(), [], 'only administrators answer');
    // The invitation waits in the inbox of the member's administrators (and not of its staff).
    const inboxOf = async (auth: Record<string, string>) => ((await get(app, '/api/v1/me/inbox', auth)).json() as { kinds: { kind: string; items: { href: string }[] }[] })
      .kinds.find((g) => g.kind === 'commissioning.consortium-invitation')?.items.map((i) => i.href) ?? [];
    assert.deepEqual(await inboxOf(c.companyAdmin.auth), ['/commissioning/invitations']);
    assert.deepEqual(await inboxOf(companyStaff.auth), []);

    // The wrong people cannot answer: the lead's administrator, a staff member, another organisation's administrator, someone signed out.
    const consent = (who: Record<string, string>, organisation: string, decision: string) => post(app, `/api/v1/commissioning/bids/${bidId}/consent`, who, { organisation, decision });
    assert.equal((await consent(c.cicAdmin.auth, c.company.id, 'accept')).statusCode, 403);
    assert.equal((await consent(companyStaff.auth, c.company.id, 'accept')).statusCode, 403);
    assert.equal((await consent(c.charityAdmin.auth, c.company.id, 'accept')).statusCode, 403);
    assert.equal((await consent(c.charityAdmin.auth, c.charity.id, 'accept')).statusCode, 404, 'the charity is not named in this bid');
    assert.equal((await consent(c.cicAdmin.auth, c.cic.id, 'decline')).statusCode, 404, 'the lead does not answer its own invitation');
    assert.ok([401, 403].includes((await consent({}, c.company.id, 'accept')).statusCode));
    assert.equal((await consent(c.companyAdmin.auth, c.company.id, 'maybe')).statusCode, 400);
    assert.equal((await repo.bidMembers(ctx.db, [bidId])).find((m) => !m.is_lead)!.consent, 'invited', 'nothing changed');

    const accepted = await consent(c.companyAdmin.auth, c.company.id, 'accept');
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.deepEqual([accepted.json().consent, accepted.json().bidStatus], ['accepted', 'submitted']);
    assert.equal((await emailsTo(ctx, c.cicAdmin.email, 'commissioning-consortium-answer')).length, 1, 'the lead is told');
    // Accepting twice, and declining after accepting, are refused: an answer is final.
    assert.equal((await consent(c.companyAdmin.auth, c.company.id, 'accept')).statusCode, 409);
    assert.equal((await consent(c.companyAdmin.auth, c.company.id, 'decline')).statusCode, 409);
    assert.equal((await get(app, `/api/v1/commissioning/bids/${bidId}`, c.companyAdmin.auth)).statusCode, 200, 'a member who accepted reads the bid (sealed)');
    assert.equal((await get(app, `/api/v1/commissioning/opportunities/${id}`, c.commissioner.auth)).json().bidCount, 1);
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'actor_user_id']).where('entity_id', '=', bidId).where('action', 'like', 'commissioning.consortium.%').execute();
    assert.deepEqual(audit.map((a) => [a.action, a.actor_user_id]), [['commissioning.consortium.accepted', c.companyAdmin.userId]]);

    // Resubmitting with the same share keeps the acceptance; a changed share is a new invitation.
    const same = await post(app, `/api/v1/commissioning/opportunities/${id}/bids`, c.cicAdmin.auth, bidBody(lot1, c.cic.id, [{ organisation: c.company.id, sharePercent: 40 }], 60));
    assert.equal(same.json().status, 'submitted');
    const changed = await post(app, `/api/v1/commissioning/opportunities/${id}/bids`, c.cicAdmin.auth, bidBody(lot1, c.cic.id, [{ organisation: c.company.id, sharePercent: 30 }], 70));
    assert.equal(changed.json().status, 'awaiting-partners');
    assert.equal((await emailsTo(ctx, c.companyAdmin.email, 'commissioning-consortium-invitation')).length, 2);
    assert.equal((await get(app, `/api/v1/commissioning/bids/${bidId}`, c.companyAdmin.auth)).statusCode, 403);
  });

  it('a bid without every member’s consent by the deadline is void: not evaluated, not published, not awardable, and can no longer be joined', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 10_000); // time for three bids and two answers on a busy machine
    const { id, lot1, lot2 } = await opened(ctx, c, deadline);
    const joined = await service.submitBid(ctx.db, c.cicAdmin.actor, id, bidBody(lot1, c.cic.id, [{ organisation: c.company.id, sharePercent: 40 }], 60));
    const declined = await service.submitBid(ctx.db, c.charityAdmin.actor, id, bidBody(lot1, c.charity.id, [{ organisation: c.company.id, sharePercent: 30 }], 70));
    const silent = await service.submitBid(ctx.db, c.charityAdmin.actor, id, bidBody(lot2, c.charity.id, [{ organisation: c.cic.id, sharePercent: 20 }], 80));
    await service.answerInvitation(ctx.db, c.companyAdmin.actor, joined.bidId, { organisation: c.company.id, decision: 'accept' });
    const no = await service.answerInvitation(ctx.db, c.companyAdmin.actor, declined.bidId, { organisation: c.company.id, decision: 'decline' });
    assert.deepEqual([no.consent, no.bidStatus], ['declined', 'awaiting-partners']);
    assert.match((await emailsTo(ctx, c.charityAdmin.email, 'commissioning-consortium-answer'))[0]!.body_text, /not submitted/);
    await waitUntil(deadline);

    const late = await post(app, `/api/v1/commissioning/bids/${silent.bidId}/consent`, c.cicAdmin.auth, { organisation: c.cic.id, decision: 'accept' });
    assert.equal(late.statusCode, 422, late.body);
    const list = (await get(app, `/api/v1/commissioning/opportunities/${id}/bids`, c.commissioner.auth)).json();
    assert.deepEqual(list.bids.map((b: { id: string }) => b.id), [joined.bidId]);
    for (const bidId of [declined.bidId, silent.bidId]) {
      const award = await post(app, `/api/v1/commissioning/opportunities/${id}/awards`, c.commissioner.auth, { bidId, rationale: 'Try' });
      assert.equal(award.statusCode, 400, award.body);
      assert.equal(award.json().errors[0].field, 'bidId');
      assert.match(award.json().errors[0].message, /never submitted/);
    }
    const award = await post(app, `/api/v1/commissioning/opportunities/${id}/awards`, c.commissioner.auth, { bidId: joined.bidId, rationale: 'Best' });
    assert.equal(award.statusCode, 201, award.body);
    // The published record names the consortium that consented, and nothing of the void bids.
    const pkg = (await get(app, `/api/v1/commissioning/ocds/releases/${(await service.getOpportunity(ctx.db, c.commissioner.actor, id)).ocid}.json`)).json();
    const last = pkg.releases.at(-1);
    assert.deepEqual(last.bids.details.map((b: { id: string }) => b.id), [joined.bidId]);
    assert.ok(!last.parties.some((p: { name: string }) => p.name === c.charity.name), 'the lead of void bids is not published as a tenderer');
    const suppliers = last.awards[0].suppliers.map((s: { name: string }) => s.name).sort();
    assert.deepEqual(suppliers, [c.cic.name, c.company.name].sort());
  });

  it('the database itself refuses a submitted bid without every member’s acceptance', async () => {
    const { ctx } = t();
    const c = await cast(ctx);
    const { id, lot1 } = await opened(ctx, c, new Date(Date.now() + 3_600_000));
    const bid = await service.submitBid(ctx.db, c.cicAdmin.actor, id, bidBody(lot1, c.cic.id, [{ organisation: c.company.id, sharePercent: 40 }], 60));
    await assert.rejects(sql`UPDATE commissioning_bids SET status = 'submitted' WHERE id = ${bid.bidId}`.execute(ctx.db), /not every consortium member has accepted/);
    await assert.rejects(sql`UPDATE commissioning_bid_members SET consent = 'accepted', responded_at = NULL WHERE bid_id = ${bid.bidId} AND is_lead`.execute(ctx.db).then(() =>
      sql`UPDATE commissioning_bid_members SET consent = 'invited' WHERE bid_id = ${bid.bidId} AND is_lead`.execute(ctx.db)), /lead_consents/);
    await service.answerInvitation(ctx.db, c.companyAdmin.actor, bid.bidId, { organisation: c.company.id, decision: 'accept' });
    await assert.rejects(sql`UPDATE commissioning_bid_members SET consent = 'invited', responded_at = NULL WHERE bid_id = ${bid.bidId} AND NOT is_lead`.execute(ctx.db), /not every consortium member has accepted/);
    assert.equal((await repo.findBid(ctx.db, bid.bidId))!.status, 'submitted');
  });

  it('two administrators answering at once: one answer counts, the other is refused', async () => {
    const { ctx } = t();
    const c = await cast(ctx);
    const { id, lot1 } = await opened(ctx, c, new Date(Date.now() + 3_600_000));
    const second = await person(ctx, 'company-admin-2', [[c.company.id, 'admin']]);
    const bid = await service.submitBid(ctx.db, c.cicAdmin.actor, id, bidBody(lot1, c.cic.id, [{ organisation: c.company.id, sharePercent: 40 }], 60));
    const results = await Promise.allSettled([
      service.answerInvitation(ctx.db, c.companyAdmin.actor, bid.bidId, { organisation: c.company.id, decision: 'accept' }),
      service.answerInvitation(ctx.db, second.actor, bid.bidId, { organisation: c.company.id, decision: 'decline' }),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal((refused.reason as { code?: string }).code, 'conflict');
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ consent: string; bidStatus: string }>).value;
    const [row] = (await repo.bidMembers(ctx.db, [bid.bidId])).filter((m) => !m.is_lead);
    assert.equal(row!.consent, winner.consent);
    assert.equal((await repo.findBid(ctx.db, bid.bidId))!.status, winner.consent === 'accepted' ? 'submitted' : 'awaiting-partners');
  });

  it('lists invitations on a page where the member’s administrator accepts without JavaScript', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const { id, lot1 } = await opened(ctx, c, new Date(Date.now() + 3_600_000));
    const bid = await service.submitBid(ctx.db, c.cicAdmin.actor, id, bidBody(lot1, c.cic.id, [{ organisation: c.company.id, sharePercent: 40 }], 60));
    const anonymous = new TestAgent(app, '10.9.0.1');
    const out = await anonymous.get('/commissioning/invitations');
    assert.equal(out.statusCode, 303, 'someone signed out is sent to sign in');
    assert.match(String(out.headers.location), /^\/sign-in/);
    const agent = new TestAgent(app, '10.9.0.2');
    await agent.get('/sign-in');
    assert.equal((await agent.post('/sign-in', { email: c.companyAdmin.email, password: 'a long enough password' })).statusCode, 303);
    const page = await agent.get('/commissioning/invitations');
    assert.equal(page.statusCode, 200);
    // Each named with its identifier, and tagged unless verified.
    const title = /<h2 class="govuk-summary-card__title">([\s\S]*?)<\/h2>/.exec(page.body)?.[1] ?? '';
    assert.ok(title.includes(c.cic.name) && title.includes(' invites ') && title.includes(c.company.name), title);
    assert.match(page.body, /40% share/);
    const missing = await agent.post(`/commissioning/bids/${bid.bidId}/consent`, { organisation: c.company.id });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /<title>Error: /);
    assert.ok(missing.body.includes(`href="#decision-${bid.bidId}"`));
    const done = await agent.post(`/commissioning/bids/${bid.bidId}/consent`, { organisation: c.company.id, decision: 'accept' });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/commissioning/invitations?notice=accepted');
    const after = await agent.get('/commissioning/invitations?notice=accepted');
    assert.match(after.body, /You accepted/);
    assert.match(after.body, /No invitations are waiting/);
    assert.equal((await repo.findBid(ctx.db, bid.bidId))!.status, 'submitted');
  });
});
