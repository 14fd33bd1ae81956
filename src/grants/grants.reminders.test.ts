// Report reminders on both engines: each reminder (due soon, overdue) goes once, to the applicant and the
// co-applicants with an account, through the outbox, even when two runners (two app processes) run at once;
// none for a report already sent, nor for someone who turned the emails off; the app runs it periodically.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import { anonymous } from '../platform/actor.ts';
import { listOutbox } from '../platform/outbox.repository.ts';
import { setEmailSettings } from '../platform/inbox.ts';
import { startPeriodic } from '../platform/periodic.ts';
import * as assessment from './grants.assessment.ts';
import * as awards from './grants.awards.ts';
import { REPORT_DUE_KIND } from './grants.programmes.work.ts';
import { REMINDER_DAYS_BEFORE, sendReportReminders } from './grants.reminders.ts';
import { grantsModule } from './grants.module.ts';
import { person, programmeWorld, submittedApplication } from './grants.programmes.test-support.ts';

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

eachEngine('grants report reminders', (t) => {
  async function awarded() {
    const { ctx } = t();
    const w = await programmeWorld(ctx);
    const id = await submittedApplication(ctx, w);
    const [need, plan] = w.programme.criteria;
    await assessment.scoreApplication(ctx, w.assessorA.actor, id, { scores: { [need!.key]: 4, [plan!.key]: 4 }, recommendation: 'yes' });
    const { award } = await awards.decideApplication(ctx, w.chair.actor, id, { decision: 'award', amountPence: 200_000, reasons: 'Good plan', months: 12 });
    const co = await person(ctx, 'co-applicant');
    await ctx.db.insertInto('grants_application_people').values({ organisation_id: w.funder.id, application_id: id, email: co.email, user_id: co.user.id, invited_by: w.applicant.user.id }).execute();
    const view = await awards.getAward(ctx.db, w.applicant.actor, award!.id);
    return { w, co, award: view };
  }
  const reminders = async (to: string) => (await listOutbox(t().ctx.db, { to })).filter((m) => m.kind === REPORT_DUE_KIND);

  it('sends each reminder once, even with two runners at once, and none once the report is in', async () => {
    const { ctx } = t();
    const { w, co, award } = await awarded();
    const [first, end] = award.reports;
    assert.equal(first!.kind, 'monitoring');
    // Too early: nothing.
    assert.equal((await sendReportReminders(ctx, { on: addDays(first!.dueOn, -REMINDER_DAYS_BEFORE - 1) })).reminders, 0);
    // Due soon: two runners at once, one reminder, one email to each of the two people.
    const soon = addDays(first!.dueOn, -REMINDER_DAYS_BEFORE);
    const runs = await Promise.all([sendReportReminders(ctx, { on: soon }), sendReportReminders(ctx, { on: soon })]);
    assert.equal(runs[0].reminders + runs[1].reminders, 1, 'one of the two runners sends it');
    assert.equal(runs[0].emails + runs[1].emails, 2);
    for (const to of [w.applicant.email, co.email]) {
      const got = await reminders(to);
      assert.equal(got.length, 1, `one reminder to ${to}`);
      assert.match(got[0]!.subject, new RegExp(`due on ${first!.dueOn}`));
      assert.match(got[0]!.text, new RegExp(`/grants/awards/${award.id}`));
    }
    assert.equal((await reminders(w.staff.email)).length, 0, 'the funder is not reminded');
    // The next days before it is due: nothing more.
    assert.equal((await sendReportReminders(ctx, { on: addDays(soon, 3) })).reminders, 0);
    // Overdue: once, again with two runners.
    const late = addDays(first!.dueOn, 1);
    const lateRuns = await Promise.all([sendReportReminders(ctx, { on: late }), sendReportReminders(ctx, { on: late })]);
    assert.equal(lateRuns[0].reminders + lateRuns[1].reminders, 1);
    assert.equal((await sendReportReminders(ctx, { on: addDays(late, 7) })).reminders, 0);
    const got = await reminders(w.applicant.email);
    assert.equal(got.length, 2);
    assert.match(got.map((m) => m.subject).join('\n'), /Overdue: the monitoring report/);
    const rows = await ctx.db.selectFrom('grants_award_report_reminders').selectAll().where('award_id', '=', award.id).orderBy('sent_at').execute();
    assert.deepEqual(rows.map((r) => [r.number, r.stage, r.recipients]), [[1, 'due-soon', 2], [1, 'overdue', 2]]);
    // The award's page tells the funder and the recipient which reminders went; the public, not.
    assert.deepEqual((await awards.getAward(ctx.db, w.staff.actor, award.id)).reports[0]!.reminders.map((m) => m.stage), ['due-soon', 'overdue']);
    assert.deepEqual((await awards.getAward(ctx.db, anonymous, award.id)).reports[0]!.reminders, []);
    // The end-of-grant report sent early: no reminder for it, ever.
    await awards.submitReport(ctx, w.applicant.actor, award.id, end!.number, { text: 'We ran 48 lunches.' });
    for (const on of [addDays(end!.dueOn, -REMINDER_DAYS_BEFORE), addDays(end!.dueOn, 1)]) assert.equal((await sendReportReminders(ctx, { on })).reminders, 0);
    assert.equal((await reminders(w.applicant.email)).length, 2);
  });

  it('claims the reminder but emails no one who turned these emails off', async () => {
    const { ctx } = t();
    const { w, co, award } = await awarded();
    await setEmailSettings(ctx.db, co.actor, [{ kind: REPORT_DUE_KIND, label: '', emailHint: '', list: async () => [] }], []);
    const done = await sendReportReminders(ctx, { on: addDays(award.reports[0]!.dueOn, -2) });
    assert.deepEqual(done, { reminders: 1, emails: 1 });
    assert.equal((await reminders(co.email)).length, 0);
    assert.equal((await reminders(w.applicant.email)).length, 1);
  });

  it('is run by the command line too, refusing a bad date by name', async () => {
    const { ctx } = t();
    const { award } = await awarded();
    const command = grantsModule.commands!.find((c) => c.name.join(' ') === 'grants reminders send')!;
    await assert.rejects(command.run(ctx, { values: { on: '07/12/2026' }, positionals: [], stdin: async () => '' }), (e) => (e as { fieldErrors?: { field: string }[] }).fieldErrors?.[0]?.field === 'on');
    const done = await command.run(ctx, { values: { on: addDays(award.reports[0]!.dueOn, -1) }, positionals: [], stdin: async () => '' }) as { reminders: number };
    assert.ok(done.reminders >= 1);
  });

  it('runs in every app process as the grants module’s periodic job', async () => {
    const { ctx } = t();
    assert.ok(grantsModule.periodic?.some((j) => j.name === 'report-reminders'));
    const stop = startPeriodic(ctx, [grantsModule]);
    await stop();
  });
});
