// The scorecard of a service and of a provider (issue 18): figures computed from seeded stories, answers, a
// contract's rated KPI and published governance; suppression; a service and a year with no data; bad periods;
// wrong roles and bad input on the edit pages; the CSV and the API; the recompute cache and the list.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { addMember } from '../organisations/organisations.service.ts';
import * as voice from '../voice/voice.service.ts';
import * as voiceRepo from '../voice/voice.repository.ts';
import { baseUrl, loadPlaces, password, voiceWorld } from '../voice/voice.test-support.ts';
import * as commissioning from '../commissioning/commissioning.service.ts';
import { rateKpi } from '../commissioning/commissioning.kpi-ratings.ts';
import { cast, opportunityBody, waitUntil } from '../commissioning/commissioning.test-support.ts';
import { setGovernance } from '../organisations/organisations.governance.ts';
import { wilson } from './scorecards.stats.ts';
import { periodOf, recentPeriods } from './scorecards.periods.ts';
import { recomputeScorecards } from './scorecards.recompute.ts';
import * as scorecardsRepo from './scorecards.repository.ts';

const opts = { baseUrl };
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

eachEngine('the scorecard of a service and of a provider', (t) => {
  type World = Awaited<ReturnType<typeof voiceWorld>>;
  let world: Promise<World> | null = null;
  let n = 0;
  const story = async (w: World, serviceId: string, rating?: string) => {
    n++;
    const s = await voice.submitStory(t().ctx.db, cliActor, { title: `Card ${n}`, body: `How it went, ${n}.`, pseudonym: `Teller ${n}`, email: `card${n}@example.org`, services: [serviceId], rating }, opts);
    await voice.moderateStory(t().ctx.db, w.actors.moderator, s.id, { decision: 'publish' }, opts);
    return s.id;
  };
  // Home care: 9 rated stories (5 very good, 2 good, 1 neither, 1 poor) and one unrated; two answered, 2 and 4 hours
  // after publication (median 3 hours), one claiming a change. Libraries: 3 rated stories (suppressed). Bins: none.
  const setup = () => (world ??= (async () => {
    await loadPlaces(t().ctx);
    const w = await voiceWorld(t().ctx, 'card');
    const { db } = t().ctx;
    const ids: string[] = [];
    for (const r of ['very-good', 'very-good', 'very-good', 'very-good', 'very-good', 'good', 'good', 'neither', 'poor', undefined]) ids.push(await story(w, w.services.homeCare.id, r));
    for (const r of ['good', 'poor', 'very-good']) await story(w, w.services.libraries.id, r);
    for (const [i, hours, change] of [[0, 2, false], [8, 4, true]] as const) {
      const r = await voice.respondToStory(db, w.actors.newcastleStaff, ids[i]!, { body: 'Thank you, we have read this.', claimsChange: change ? 'yes' : undefined }, opts);
      await voice.moderateResponse(db, w.actors.moderator, r.id, { decision: 'publish' }, opts);
      const published = (await db.selectFrom('voice_stories').select('published_at').where('id', '=', ids[i]!).executeTakeFirstOrThrow()).published_at!;
      await voiceRepo.setResponseTimes(db, r.id, { createdAt: published, publishedAt: new Date(published.getTime() + hours * 3_600_000) });
    }
    return w;
  })());
  const signIn = async (agent: TestAgent, email: string) => {
    await agent.get('/sign-in');
    const r = await agent.post('/sign-in', { email, password });
    assert.equal(r.statusCode, 303, r.body.slice(0, 300));
  };

  it('shows a service’s voice figures for the latest year with stories, each linked to its source, voice first for an involvement service', async () => {
    const w = await setup();
    const agent = new TestAgent(t().app);
    const res = await agent.get(`/scorecards/services/${w.services.homeCare.id}`);
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    const now = periodOf(new Date());
    assert.match(res.body, new RegExp(`<option value="${now.name}" selected>`));
    assert.match(res.body, /<h1 class="govuk-heading-l">Scorecard: Home care<\/h1>/);
    assert.equal(res.body.match(/<h1/g)?.length, 1);
    // Voice leads an involvement service.
    const order = [...res.body.matchAll(/<h2 class="govuk-heading-m" id="(\w+)"/g)].map((m) => m[1]);
    assert.equal(order[0], 'voice');
    assert.match(res.body, new RegExp(`href="/voice\\?service=${w.services.homeCare.id}">10 stories</a>`));
    assert.match(res.body, /20\.0% \(2 of 10\)/);
    assert.match(res.body, /3\.0 hours \(the provider has published no target\)/);
    assert.match(res.body, /1 claimed, 0 confirmed/);
    const ci = wilson(7, 9);
    assert.match(res.body, new RegExp(`${pct(7 / 9)} \\(${pct(ci.lower)} to ${pct(ci.upper)}\\) of 9 answers`));
    // Counts of 1 to 4 (good, neither, poor) are suppressed; 5 is shown, and the zeros.
    assert.match(res.body, /Very good<\/td>\s*<td class="govuk-table__cell govuk-table__cell--numeric">5</);
    assert.match(res.body, />Good<\/td>\s*<td class="govuk-table__cell govuk-table__cell--numeric">Suppressed</);
    assert.match(res.body, /Very poor<\/td>\s*<td class="govuk-table__cell govuk-table__cell--numeric">0</);
    assert.match(res.body, /Neither good nor poor<\/td>\s*<td class="govuk-table__cell govuk-table__cell--numeric">Suppressed</);
    assert.match(res.body, /Poor<\/td>\s*<td class="govuk-table__cell govuk-table__cell--numeric">Suppressed</);
    // Fairness: Newcastle's three small areas of 1,500 people each, as a chart and a table.
    assert.match(res.body, /<svg[^>]+aria-labelledby="fairness-chart-title/);
    assert.match(res.body, /The people living in the areas it covers \(4,500\)/);
    assert.match(res.body, /Slope index of inequality/);
    // Governance of the provider.
    assert.match(res.body, /Legal form/);
    // The service page links to it.
    const servicePage = await agent.get(`/voice/services/${w.services.homeCare.id}`);
    assert.match(servicePage.body, new RegExp(`href="/scorecards/services/${w.services.homeCare.id}">Scorecard</a>`));
  });

  it('suppresses fewer than 5 answers, and shows a service with no data and a year with no data plainly', async () => {
    const w = await setup();
    const agent = new TestAgent(t().app);
    const libs = await agent.get(`/scorecards/services/${w.services.libraries.id}`);
    assert.equal(libs.statusCode, 200);
    assert.match(libs.body, /Fewer than 5 answers: not shown, to protect the people who answered/);
    assert.doesNotMatch(libs.body, /govuk-table__cell--numeric">[1-4]</);
    const bins = await agent.get(`/scorecards/services/${w.services.bins.id}`);
    assert.equal(bins.statusCode, 200);
    assert.match(bins.body, />0 stories</);
    assert.match(bins.body, /No answers/);
    // Bins is a technical service: outcomes and money lead.
    assert.equal([...bins.body.matchAll(/<h2 class="govuk-heading-m" id="(\w+)"/g)][0]![1], 'outcomes');
    const old = recentPeriods().at(-1)!;
    const empty = await agent.get(`/scorecards/services/${w.services.homeCare.id}?period=${old.name}`);
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, />0 stories</);
    assert.match(empty.body, new RegExp(`<option value="${old.name}" selected>`));
  });

  it('refuses a bad or unoffered period, naming the field, on the page and the API; an unknown service is 404', async () => {
    const w = await setup();
    const agent = new TestAgent(t().app);
    for (const period of ['2024', '2024-26', 'last year', '1999-00']) {
      const page = await agent.get(`/scorecards/services/${w.services.homeCare.id}?period=${encodeURIComponent(period)}`);
      assert.equal(page.statusCode, 400, period);
      const api = await t().app.inject({ url: `/api/v1/scorecards/services/${w.services.homeCare.id}?period=${encodeURIComponent(period)}` });
      assert.equal(api.statusCode, 400, period);
      assert.equal(api.json().errors[0].field, 'period');
    }
    assert.equal((await agent.get('/scorecards/services/00000000-0000-4000-8000-000000000000')).statusCode, 404);
    assert.equal((await t().app.inject({ url: '/api/v1/scorecards/services/not-a-service' })).statusCode, 404);
    assert.equal((await t().app.inject({ url: '/api/v1/scorecards/organisations/no-such-org' })).statusCode, 404);
  });

  it('gives the same figures as JSON and CSV, for a service and for its provider', async () => {
    const w = await setup();
    const period = periodOf(new Date()).name;
    const api = await t().app.inject({ url: `/api/v1/scorecards/services/${w.services.homeCare.id}?period=${period}` });
    assert.equal(api.statusCode, 200, api.body);
    const body = api.json();
    assert.equal(body.subject.name, 'Home care');
    assert.equal(body.period.name, period);
    const v = body.sections.find((s: { key: string }) => s.key === 'voice').data;
    assert.equal(v.stories, 10);
    assert.equal(v.answered, 2);
    assert.equal(v.medianMinutesToFirstResponse, 180);
    assert.equal(v.fft.responses, 9);
    assert.equal(v.fft.counts.neither, null);
    assert.equal(v.fft.counts['very-good'], 5);
    assert.equal(v.fft.counts.good, null);
    assert.ok(Math.abs(v.fft.positive.share - 7 / 9) < 1e-12);
    const csv = await t().app.inject({ url: `/scorecards/services/${w.services.homeCare.id}/scorecard.csv?period=${period}` });
    assert.equal(csv.statusCode, 200);
    assert.match(csv.headers['content-type'] as string, /text\/csv/);
    assert.match(csv.headers['content-disposition'] as string, new RegExp(`scorecard-home-care-${period}\\.csv`));
    assert.match(csv.body, /^period,section,figure,value,source\r?\n/);
    assert.match(csv.body, new RegExp(`${period},What its users say,Stories published,10 stories,http://localhost:3000/voice\\?service=${w.services.homeCare.id}`));
    // The provider (Newcastle) counts both its services: 10 stories.
    const org = await t().app.inject({ url: `/api/v1/scorecards/organisations/${w.newcastle.slug}?period=${period}` });
    assert.equal(org.statusCode, 200, org.body);
    assert.equal(org.json().sections.find((s: { key: string }) => s.key === 'voice').data.stories, 10);
    const orgPage = await new TestAgent(t().app).get(`/organisations/${w.newcastle.slug}`);
    assert.match(orgPage.body, new RegExp(`href="/scorecards/organisations/${w.newcastle.id}">Scorecard</a>`));
  });

  it('lets only the provider’s administrators publish governance, refuses bad input naming the field, and shows it', async () => {
    const w = await setup();
    const { db } = t().ctx;
    await addMember(db, cliActor, w.newcastle.id, { email: w.people.outsider.email, role: 'admin' });
    // Staff are not administrators.
    await assert.rejects(setGovernance(db, w.actors.newcastleStaff, w.newcastle.id, { profitUse: 'no-profit' }), (e: unknown) => isAppError(e) && e.code === 'forbidden');
    const staff = new TestAgent(t().app);
    await signIn(staff, w.people.newcastleStaff.email);
    assert.equal((await staff.get(`/organisations/${w.newcastle.slug}/governance`)).statusCode, 403);
    const admin = new TestAgent(t().app);
    await signIn(admin, w.people.outsider.email);
    const form = await admin.get(`/organisations/${w.newcastle.slug}/governance`);
    assert.equal(form.statusCode, 200);
    const bad = await admin.post(`/organisations/${w.newcastle.slug}/governance`, { profitUse: 'dividends', distributed: 'lots', distributedYear: '2025', payMultiple: '0.5', boardSize: '-2', responseTargetDays: '2' });
    assert.equal(bad.statusCode, 400);
    for (const field of ['distributed', 'distributedYear', 'payMultiple', 'boardSize']) assert.match(bad.body, new RegExp(`href="#${field}"`), field);
    assert.equal(await db.selectFrom('organisation_governance').select('organisation_id').where('organisation_id', '=', w.newcastle.id).executeTakeFirst(), undefined);
    const ok = await admin.post(`/organisations/${w.newcastle.slug}/governance`, { profitUse: 'no-profit', payMultiple: '6.5', highestPayBand: '£180,000 to £184,999', boardSize: '9', responseTargetDays: '1' });
    assert.equal(ok.statusCode, 303, ok.body.slice(0, 400));
    const card = await admin.get(`/scorecards/services/${w.services.homeCare.id}`);
    assert.match(card.body, /6\.5:1/);
    assert.match(card.body, /£180,000 to £184,999/);
    assert.match(card.body, /9 members/);
    // Its own published target of 1 day: a 3-hour median is within it.
    assert.match(card.body, /3\.0 hours, within its published target of 1 day/);
  });

  it('recomputes every service’s headline figures into the cache the list of scorecards shows, with a search by name', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const result = await recomputeScorecards(db, recentPeriods(2));
    assert.equal(result.rows, result.services * 2);
    const row = await db.selectFrom('scorecard_service_periods').selectAll().where('service_id', '=', w.services.homeCare.id).where('period', '=', periodOf(new Date()).name).executeTakeFirstOrThrow();
    assert.deepEqual([row.stories, row.rated, row.positive, row.negative, row.answered, row.median_minutes], [10, 9, 7, 1, 2, 180]);
    // Recomputing again replaces, never duplicates; with nothing new it writes nothing, yet the year's time of
    // recompute (shown on the list) moves on.
    const before = await scorecardsRepo.lastComputed(db, row.period);
    assert.ok(before);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal((await recomputeScorecards(db, recentPeriods(2))).written, 0);
    assert.equal(Number((await db.selectFrom('scorecard_service_periods').select((e) => e.fn.countAll().as('n')).where('service_id', '=', w.services.homeCare.id).executeTakeFirstOrThrow()).n), 2);
    assert.ok((await scorecardsRepo.lastComputed(db, row.period))!.getTime() > before.getTime());
    // A stale figure (one field, and a median that was null) is rewritten, and a cached row no service has
    // (a service gone) is deleted; nothing else is touched.
    await db.updateTable('scorecard_service_periods').set({ answered: 99 }).where('service_id', '=', w.services.homeCare.id).where('period', '=', row.period).execute();
    await db.updateTable('scorecard_service_periods').set({ median_minutes: 7 }).where('service_id', '=', w.services.bins.id).where('period', '=', row.period).execute();
    await db.insertInto('scorecard_service_periods').values({ ...row, service_id: '00000000-0000-4000-8000-000000000018', computed_at: undefined }).execute();
    assert.equal((await recomputeScorecards(db, recentPeriods(2))).written, 3);
    const again = await db.selectFrom('scorecard_service_periods').selectAll().where('period', '=', row.period).where('service_id', 'in', [w.services.homeCare.id, w.services.bins.id, '00000000-0000-4000-8000-000000000018']).orderBy('stories', 'desc').execute();
    assert.deepEqual(again.map((r) => [r.stories, r.answered, r.median_minutes]), [[10, 2, 180], [0, 0, null]]);
    const agent = new TestAgent(t().app);
    const list = await agent.get('/scorecards?q=home');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, new RegExp(`href="/scorecards/services/${w.services.homeCare.id}">Home care</a>`));
    assert.match(list.body, /78%/);
    assert.doesNotMatch(list.body, />Libraries</);
  });

  it('pages the list of scorecards 50 at a time, with GOV.UK pagination, whatever the size of the directory', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const org = w.services.homeCare.organisationId;
    await db.insertInto('voice_services').values(Array.from({ length: 120 }, (_, i) => ({ organisation_id: org, name: `Paged service ${String(i + 1).padStart(3, '0')}`, decision_type: 'technical' as const }))).execute();
    const page = async (query: string) => {
      const r = await t().app.inject({ url: `/scorecards?${query}` });
      assert.equal(r.statusCode, 200, r.body.slice(0, 300));
      return { body: r.body, names: [...r.body.matchAll(/>(Paged service \d{3})</g)].map((m) => m[1]) };
    };
    const first = await page('q=paged');
    assert.equal(first.names.length, 50);
    assert.equal(first.names[0], 'Paged service 001');
    assert.match(first.body, /120 services matching/);
    assert.match(first.body, /Showing 1 to 50 of 120/);
    assert.match(first.body, /govuk-pagination/);
    assert.match(first.body, /href="\/scorecards\?q=paged&amp;page=2"/);
    const last = await page('q=paged&page=3');
    assert.deepEqual([last.names.length, last.names[0], last.names.at(-1)], [20, 'Paged service 101', 'Paged service 120']);
    assert.match(last.body, /Showing 101 to 120 of 120/);
    // Past the end (a stale link): the last page. Not a number: refused by the platform, naming the field.
    assert.deepEqual((await page('q=paged&page=99')).names, last.names);
    const bad = await t().app.inject({ url: '/scorecards?q=paged&page=abc' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /page/i);
    // A search that finds few services has no pagination.
    assert.doesNotMatch((await page('q=home')).body, /govuk-pagination/);
  });

  it('rates a contract KPI on the Procurement Act 2023 scale, commissioners only, and shows it on the supplier’s scorecard', async () => {
    const { ctx } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 6000);
    const { id } = await commissioning.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline, { contractStart: '2026-04-01', contractEnd: '2028-03-31' }));
    await commissioning.publishProcess(ctx.db, c.commissioner.actor, id);
    const opportunity = await commissioning.getOpportunity(ctx.db, cliActor, id) as unknown as { lots: { id: string }[] };
    const receipt = await commissioning.submitBid(ctx.db, c.charityAdmin.actor, id, { lotId: opportunity.lots[0]!.id, organisation: c.charity.id, pricePence: 9_000_000, approach: 'Befriending', socialValue: 'Local volunteers' });
    await waitUntil(deadline);
    const award = await commissioning.awardLot(ctx.db, c.commissioner.actor, id, { bidId: receipt.bidId, rationale: 'Only bid' });
    const signed = await commissioning.signContract(ctx.db, c.commissioner.actor, award.awardId, { startDate: '2026-04-01', endDate: '2028-03-31', kpis: [{ title: 'People befriended', target: 200, unit: 'people' }] }) as { contractId?: string; id?: string };
    const contractId = (signed.contractId ?? signed.id)!;
    const contract = await commissioning.getContract(ctx.db, contractId);
    const kpiId = contract.kpis[0]!.id;
    const period = periodOf(new Date()).name;
    // The supplier cannot rate its own KPI; an off-scale rating or a bad year is refused, nothing written.
    await assert.rejects(rateKpi(ctx.db, c.charityAdmin.actor, contractId, kpiId, { period, rating: 'good' }), (e: unknown) => isAppError(e) && e.code === 'forbidden');
    await assert.rejects(rateKpi(ctx.db, c.commissioner.actor, contractId, kpiId, { period: '2026', rating: 'excellent' }), (e: unknown) => {
      assert.ok(isAppError(e) && e.code === 'validation_failed');
      assert.deepEqual(e.fieldErrors.map((f) => f.field).sort(), ['period', 'rating']);
      return true;
    });
    assert.equal((await ctx.db.selectFrom('commissioning_kpi_ratings').selectAll().where('kpi_id', '=', kpiId).execute()).length, 0);
    await assert.rejects(ctx.db.insertInto('commissioning_kpi_ratings').values({ organisation_id: c.buyer.id, contract_id: contractId, kpi_id: kpiId, period, rating: 'superb' as never }).execute(), /commissioning_kpi_ratings_scale/);
    await rateKpi(ctx.db, c.commissioner.actor, contractId, kpiId, { period, rating: 'approaching-target' });
    await rateKpi(ctx.db, c.commissioner.actor, contractId, kpiId, { period, rating: 'requires-improvement', note: 'Fewer referrals than planned' });
    const api = await t().app.inject({ url: `/api/v1/scorecards/organisations/${c.charity.slug}?period=${period}` });
    assert.equal(api.statusCode, 200, api.body);
    const outcomes = api.json().sections.find((s: { key: string }) => s.key === 'outcomes');
    assert.deepEqual(outcomes.data.kpiRatings, { good: 0, 'approaching-target': 0, 'requires-improvement': 1, inadequate: 0 });
    const money = api.json().sections.find((s: { key: string }) => s.key === 'money');
    assert.equal(money.data.agreedPence, contract.valuePence);
    const page = await t().app.inject({ url: `/commissioning/contracts/${contractId}` });
    assert.match(page.body, new RegExp(`Requires improvement \\(${period}\\)`));
  });
});
