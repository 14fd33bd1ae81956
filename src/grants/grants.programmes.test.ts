// Grant programmes end to end on both engines: open → apply → screen → assess → decide → award as a 360Giving
// grant; and the bad input: applying after the close date, a conflicted assessor, an award above the
// budget left, two panel decisions at once; wrong roles; nothing of an application public.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine } from '../platform/testing.ts';
import { anonymous, cliActor } from '../platform/actor.ts';
import { listOutbox } from '../platform/outbox.repository.ts';
import { verifiedOrganisation } from '../organisations/organisations.test-support.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';
import { importGrantsFile, publisherGrants } from './grants.service.ts';
import { potsReceived } from './grants.chains.ts';
import * as programmes from './grants.programmes.ts';
import * as applications from './grants.applications.ts';
import * as assessment from './grants.assessment.ts';
import * as awards from './grants.awards.ts';
import { seedProgrammes, demoProgrammeTitle } from './grants.programmes.demo.ts';
import { day, person, placesWithPostcodes, programmeWorld, submittedApplication, type ProgrammeWorld } from './grants.programmes.test-support.ts';

const code = (e: unknown) => (e as { code?: string }).code;

async function scored(ctx: Parameters<typeof submittedApplication>[0], w: ProgrammeWorld, id: string) {
  const [need, plan] = w.programme.criteria;
  await assessment.scoreApplication(ctx, w.assessorB.actor, id, { scores: { [need!.key]: 4, [plan!.key]: 3 }, comments: { [need!.key]: 'Real need' }, recommendation: 'yes' });
}

eachEngine('grants programmes', (t) => {
  it('runs the whole journey: the award is a 360Giving grant of the funder with the programme and the small area', async () => {
    const { ctx } = t();
    const w = await programmeWorld(ctx);
    assert.equal(w.programme.state, 'open');
    assert.equal(w.programme.areas[0]?.name, 'Newcastle upon Tyne');
    const id = await submittedApplication(ctx, w, { screen: false });
    await applications.inviteCoApplicant(ctx, w.applicant.actor, id, 'helper@example.org').catch((e) => assert.equal(code(e), 'conflict'));
    const receipts = (await listOutbox(ctx.db, { to: w.applicant.email })).filter((m) => m.kind === 'grants.application-receipt');
    assert.equal(receipts.length, 1, 'a receipt by email');
    const screenMail = (await listOutbox(ctx.db, { to: w.staff.email })).filter((m) => m.kind === applications.SCREEN_KIND);
    assert.equal(screenMail.length, 1, 'the funder hears there is an application to screen');
    await assessment.screenApplication(ctx, w.staff.actor, id, { eligible: 'yes' });
    await scored(ctx, w, id);
    const summary = await assessment.assessmentsOf(ctx.db, w.chair.actor, id);
    assert.equal(summary.meanWeighted, Math.round(((3 * 4 / 5 + 2 * 3 / 5) / 5) * 1000) / 10);
    const result = await awards.decideApplication(ctx, w.chair.actor, id, { decision: 'award', amountPence: 250_000, reasons: 'Strong local need', feedback: 'Please count attendance', conditions: 'Acknowledge the Foundation', instalments: 2, months: 12 });
    assert.ok(result.award);
    const grant = await ctx.db.selectFrom('grants_grants').selectAll().where('organisation_id', '=', w.funder.id).where('grant_id', '=', result.award.grantId).where('is_current', '=', true).executeTakeFirstOrThrow();
    assert.equal(Number(grant.amount_minor), 250_000);
    assert.equal(grant.programme, w.programme.title);
    assert.equal(grant.small_area_code, 'E01008300');
    assert.equal(grant.la_code, 'E08000021');
    assert.equal(grant.recipient_name, w.charity.name);
    const published = await publisherGrants(ctx.db, w.funder.id);
    assert.ok(published.grants.some((g) => g.id === result.award!.grantId), 'the award is among the funder’s published grants');
    const award = await awards.getAward(ctx.db, anonymous, result.award.id);
    assert.deepEqual(award.payments.map((p) => p.amountPence), [125_000, 125_000]);
    assert.deepEqual(award.reports.map((r) => r.kind), ['monitoring', 'end']);
    const told = (await listOutbox(ctx.db, { to: w.applicant.email })).find((m) => m.kind === 'grants.application-decided');
    assert.match(told?.text ?? '', /Please count attendance/);
    // After the award: payments, reports, a variation, closing.
    await assert.rejects(awards.closeAward(ctx, w.staff.actor, result.award.id), (e) => code(e) === 'unprocessable');
    await awards.recordPayment(ctx, w.staff.actor, result.award.id, 1, {});
    await assert.rejects(awards.recordPayment(ctx, w.staff.actor, result.award.id, 1, {}), (e) => code(e) === 'conflict');
    await awards.recordPayment(ctx, w.staff.actor, result.award.id, 2, {});
    await assert.rejects(awards.submitReport(ctx, w.staff.actor, result.award.id, 1, { text: 'x' }), (e) => code(e) === 'forbidden');
    await awards.submitReport(ctx, w.applicant.actor, result.award.id, 1, { text: 'Forty people came each week.' });
    await awards.varyAward(ctx, w.staff.actor, result.award.id, { reason: 'Hall moved', conditions: 'Acknowledge the Foundation; new hall' });
    await awards.submitReport(ctx, w.applicant.actor, result.award.id, 2, { text: 'We ran 48 lunches.' });
    await awards.closeAward(ctx, w.staff.actor, result.award.id);
    const closed = await awards.getAward(ctx.db, anonymous, result.award.id);
    assert.equal(closed.status, 'closed');
    assert.equal(closed.reports[0]!.text, null, 'report texts are not public');
    assert.equal(closed.conditions, 'Acknowledge the Foundation; new hall');
  });

  it('refuses applying after the close date, and before it opens, changing nothing', async () => {
    const { ctx } = t();
    const w = await programmeWorld(ctx);
    const { id } = await applications.startApplication(ctx, w.applicant.actor, w.programme.id, { organisation: w.charity.id });
    await ctx.db.updateTable('grants_programmes').set({ opens_on: day(-30), closes_on: day(-1) }).where('id', '=', w.programme.id).execute();
    await assert.rejects(applications.submitApplication(ctx, w.applicant.actor, id), (e) => code(e) === 'unprocessable' && /closed on/.test(String((e as Error).message)));
    await assert.rejects(applications.saveAnswers(ctx, w.applicant.actor, id, { title: 'Late' }), (e) => code(e) === 'unprocessable');
    await assert.rejects(applications.startApplication(ctx, w.applicant.actor, w.programme.id, { organisation: w.charity.id }), (e) => code(e) === 'unprocessable');
    const row = await ctx.db.selectFrom('grants_applications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'draft');
    assert.equal(row.title, '');
    const later = await programmeWorld(ctx, { opensOn: day(5), closesOn: day(30) });
    await assert.rejects(applications.startApplication(ctx, later.applicant.actor, later.programme.id, { organisation: later.charity.id }), (e) => /opens on/.test(String((e as Error).message)));
  });

  it('blocks a conflicted assessor from scoring, in the service and in the database', async () => {
    const { ctx } = t();
    const w = await programmeWorld(ctx);
    const id = await submittedApplication(ctx, w);
    await assessment.declareConflict(ctx, w.assessorA.actor, id, 'My sister runs the lunch club');
    const [need, plan] = w.programme.criteria;
    await assert.rejects(assessment.scoreApplication(ctx, w.assessorA.actor, id, { scores: { [need!.key]: 5, [plan!.key]: 5 }, recommendation: 'yes' }), (e) => code(e) === 'forbidden' && /conflict of interest/.test(String((e as Error).message)));
    await assert.rejects(
      ctx.db.updateTable('grants_assessments').set({ scores: JSON.stringify({}), recommendation: 'yes', submitted_at: new Date() }).where('application_id', '=', id).where('assessor_id', '=', w.assessorA.user.id).execute(),
      /grants_assessments_conflicted_no_scores/,
    );
    const row = await ctx.db.selectFrom('grants_assessments').selectAll().where('application_id', '=', id).where('assessor_id', '=', w.assessorA.user.id).executeTakeFirstOrThrow();
    assert.equal(row.scores, null);
    // Not an assessor of this programme at all; out-of-range scores named.
    await assert.rejects(assessment.scoreApplication(ctx, w.staff.actor, id, { scores: {}, recommendation: 'yes' }), (e) => code(e) === 'forbidden');
    await assert.rejects(assessment.scoreApplication(ctx, w.assessorB.actor, id, { scores: { [need!.key]: 6, [plan!.key]: 2 }, recommendation: 'perhaps' }), (e) => {
      const fields = (e as { fieldErrors: { field: string }[] }).fieldErrors.map((f) => f.field);
      return fields.includes(`scores.${need!.key}`) && fields.includes('recommendation');
    });
  });

  it('refuses an award above the budget left, with nothing written', async () => {
    const { ctx } = t();
    const w = await programmeWorld(ctx, { budgetPence: 600_000 });
    const first = await submittedApplication(ctx, w, { amountPence: 400_000 });
    const second = await submittedApplication(ctx, w, { amountPence: 400_000 });
    await scored(ctx, w, first);
    await scored(ctx, w, second);
    await awards.decideApplication(ctx, w.chair.actor, first, { decision: 'award', amountPence: 400_000, reasons: 'Good' });
    const before = await ctx.db.selectFrom('grants_grants').select(sql<number>`count(*)::int`.as('n')).where('organisation_id', '=', w.funder.id).executeTakeFirstOrThrow();
    await assert.rejects(awards.decideApplication(ctx, w.chair.actor, second, { decision: 'award', amountPence: 400_000, reasons: 'Good too' }),
      (e) => code(e) === 'unprocessable' && /£2,000 left/.test(String((e as Error).message)));
    const after = await ctx.db.selectFrom('grants_grants').select(sql<number>`count(*)::int`.as('n')).where('organisation_id', '=', w.funder.id).executeTakeFirstOrThrow();
    assert.equal(after.n, before.n);
    assert.equal((await ctx.db.selectFrom('grants_decisions').selectAll().where('application_id', '=', second).execute()).length, 0);
    assert.equal((await ctx.db.selectFrom('grants_applications').select('status').where('id', '=', second).executeTakeFirstOrThrow()).status, 'eligible');
    // The database holds the budget too, whatever writes.
    await assert.rejects(ctx.db.insertInto('grants_awards').values({ organisation_id: w.funder.id, programme_id: w.programme.id, application_id: second, grant_id: 'raw', amount_pence: 200_001, awarded_on: day(0) }).execute(), /budget/);
    const within = await awards.decideApplication(ctx, w.chair.actor, second, { decision: 'award', amountPence: 200_000, reasons: 'What is left' });
    assert.ok(within.award);
    assert.equal((await programmes.getProgramme(ctx.db, w.programme.id)).leftPence, 0);
  });

  it('lets one of two panel decisions sent at once win and refuses the other', async () => {
    const { ctx } = t();
    const w = await programmeWorld(ctx);
    const id = await submittedApplication(ctx, w);
    await scored(ctx, w, id);
    const results = await Promise.allSettled([
      awards.decideApplication(ctx, w.chair.actor, id, { decision: 'award', amountPence: 300_000, reasons: 'Yes' }),
      awards.decideApplication(ctx, w.chair.actor, id, { decision: 'decline', reasons: 'No' }),
      awards.decideApplication(ctx, w.chair.actor, id, { decision: 'award', amountPence: 200_000, reasons: 'Some' }),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results.filter((r) => r.status === 'rejected')) assert.equal(code((r as PromiseRejectedResult).reason), 'conflict', String((r as PromiseRejectedResult).reason));
    assert.equal((await ctx.db.selectFrom('grants_decisions').selectAll().where('application_id', '=', id).execute()).length, 1);
    const awardRows = await ctx.db.selectFrom('grants_awards').selectAll().where('application_id', '=', id).execute();
    const grants = await ctx.db.selectFrom('grants_grants').select('grant_id').where('organisation_id', '=', w.funder.id).where('is_current', '=', true).execute();
    assert.equal(grants.length, awardRows.length, 'one grant for each award, none for a refused decision');
  });

  it('keeps applications private and refuses the wrong roles', async () => {
    const { ctx } = t();
    const w = await programmeWorld(ctx);
    const id = await submittedApplication(ctx, w, { screen: false });
    await applications.saveEquality(ctx, w.applicant.actor, id, { ledBy: 'Yes' }).catch((e) => assert.equal(code(e), 'conflict'));
    for (const who of [anonymous, w.outsider.actor]) await assert.rejects(applications.getApplication(ctx.db, who, id), (e) => code(e) === 'not_found');
    await assert.rejects(assessment.screenApplication(ctx, w.applicant.actor, id, { eligible: 'yes' }), (e) => code(e) === 'forbidden');
    await assert.rejects(assessment.screenApplication(ctx, w.outsider.actor, id, { eligible: 'yes' }), (e) => code(e) === 'not_found');
    await assessment.screenApplication(ctx, w.staff.actor, id, { eligible: 'yes' });
    const seen = await applications.getApplication(ctx.db, w.assessorA.actor, id);
    assert.equal(seen.role, 'assessor');
    assert.ok(!JSON.stringify(seen).includes('ledBy'), 'the equality answers are not part of what assessors see');
    await assert.rejects(applications.equalityAnswers(ctx.db, w.assessorA.actor, id), (e) => code(e) === 'not_found');
    await assert.rejects(assessment.assessmentsOf(ctx.db, w.applicant.actor, id), (e) => code(e) === 'forbidden');
    await scored(ctx, w, id);
    await assert.rejects(awards.decideApplication(ctx, w.assessorB.actor, id, { decision: 'decline', reasons: 'x' }), (e) => code(e) === 'forbidden');
    await awards.decideApplication(ctx, w.chair.actor, id, { decision: 'decline', reasons: 'Other groups serve this need', feedback: 'Try the spring round' });
    const publicView = await awards.programmeDecisions(ctx.db, w.programme.id);
    assert.equal(publicView.declined, 1);
    assert.ok(!JSON.stringify(publicView).includes(w.charity.name), 'a declined applicant is not named');
    // Opening a programme: only a verified funder's staff.
    const input = { funder: w.funder.id, title: 'X', purpose: 'Y', recipientTypes: ['charity'], minPence: 100, maxPence: 200, budgetPence: 300, opensOn: day(0), closesOn: day(1), criteria: [{ label: 'Need', weight: 1 }] };
    await assert.rejects(programmes.openProgramme(ctx, w.outsider.actor, input), (e) => code(e) === 'forbidden');
    const unverified = await createOrganisation(ctx.db, cliActor, { name: `Unverified Fund ${w.tag}`, legalForm: 'registered-charity' });
    const unverifiedStaff = await person(ctx, 'unverified', [[unverified.id, 'staff']]);
    await assert.rejects(programmes.openProgramme(ctx, unverifiedStaff.actor, { ...input, funder: unverified.id }), (e) => ['forbidden', 'unprocessable'].includes(code(e) ?? ''));
    await assert.rejects(programmes.openProgramme(ctx, w.staff.actor, { ...input, minPence: 500, closesOn: day(-5), criteria: [] }), (e) => {
      const fields = (e as { fieldErrors: { field: string }[] }).fieldErrors.map((f) => f.field);
      return ['maxPence', 'closesOn', 'criteria'].every((f) => fields.includes(f));
    });
  });

  it('runs a programme from a pot: its awards become the pot’s onward grants', async () => {
    const { ctx } = t();
    const w = await programmeWorld(ctx);
    const national = await verifiedOrganisation(ctx.db, `National Fund ${w.tag}`, 'registered-charity');
    const potId = `360G-national-${w.tag}-pot`;
    await importGrantsFile(ctx, cliActor, { publisher: national.id, filename: 'pot.json', source: { bytes: Buffer.from(JSON.stringify({ grants: [{
      id: potId, title: 'Regranting pot for Tyneside', currency: 'GBP', amountAwarded: 20000, awardDate: day(-60), regrantType: 'FRG010',
      recipientOrganization: [{ id: w.funder.identifiers[0], name: w.funder.name }], fundingOrganization: [{ id: national.identifiers[0], name: national.name }],
    }] })) } });
    const pots = await potsReceived(ctx.db, w.funder.id);
    assert.equal(pots.length, 1);
    const potProgramme = await programmes.openProgramme(ctx, w.staff.actor, {
      funder: w.funder.id, title: `Pot round ${w.tag}`, purpose: 'From the national pot', recipientTypes: ['charity'], minPence: 100_000, maxPence: 500_000, budgetPence: 1_000_000,
      opensOn: day(-1), closesOn: day(10), criteria: [{ label: 'Need', weight: 1 }], panelChair: w.chair.user.id, pot: pots[0]!.key,
    });
    await assert.rejects(programmes.openProgramme(ctx, w.staff.actor, { funder: w.funder.id, title: 'Too big', purpose: 'x', recipientTypes: ['charity'], minPence: 100, maxPence: 200, budgetPence: 3_000_000, opensOn: day(0), closesOn: day(1), criteria: [{ label: 'N', weight: 1 }], pot: pots[0]!.key }),
      (e) => code(e) === 'validation_failed');
    await programmes.addAssessor(ctx, w.staff.actor, potProgramme.id, w.assessorB.user.id);
    const { id } = await applications.startApplication(ctx, w.applicant.actor, potProgramme.id, { organisation: w.charity.id });
    await applications.saveAnswers(ctx, w.applicant.actor, id, { title: 'Pot lunches', amountPence: 200_000, postcode: 'NE1 2BB' });
    await applications.submitApplication(ctx, w.applicant.actor, id);
    await assessment.screenApplication(ctx, w.staff.actor, id, { eligible: 'yes' });
    await assessment.scoreApplication(ctx, w.assessorB.actor, id, { scores: { [potProgramme.criteria[0]!.key]: 5 }, recommendation: 'yes' });
    const made = await awards.decideApplication(ctx, w.chair.actor, id, { decision: 'award', amountPence: 200_000, reasons: 'Yes' });
    const link = await ctx.db.selectFrom('grants_chain_links').selectAll().where('organisation_id', '=', w.funder.id).where('grant_id', '=', made.award!.grantId).executeTakeFirst();
    assert.equal(link?.pot_grant_id, potId);
    assert.equal(link?.pot_organisation_id, national.id);
  });

  it('loads the invented demo programme once, with a decided round', async () => {
    const { ctx } = t();
    await placesWithPostcodes(ctx);
    assert.equal(await seedProgrammes(ctx), true);
    assert.equal(await seedProgrammes(ctx), false, 'seeding again changes nothing');
    const p = (await programmes.listProgrammes(ctx.db, { q: demoProgrammeTitle }))[0]!;
    assert.equal(p.state, 'open');
    const decided = await awards.programmeDecisions(ctx.db, p.id);
    assert.equal(decided.awards.length, 2);
    assert.equal(decided.declined, 1);
    assert.equal(p.awardedPence, 420_000);
    const grants = await ctx.db.selectFrom('grants_grants').select('grant_id').where('organisation_id', '=', p.funder.id).where('is_current', '=', true).execute();
    assert.equal(grants.length, 2, 'both awards are published 360Giving grants');
  });
}, { app: false });
