// Reminders about an award's reports (issue 19): the recipient of a grant sees each monitoring and end-of-grant
// report in their inbox from 30 days before it is due (grants.programmes.work.ts), and is emailed twice about
// it: REMINDER_DAYS_BEFORE days before it is due, and once it is overdue. Each email goes once.
//
// Any app process runs the reminders (the manifest's `periodic`, every hour). A reminder is claimed by adding
// its row to grants_award_report_reminders (migration 0043) in the transaction that puts its emails in the
// outbox, so however many processes run at once, one adds the row and sends; another waits on the row's key,
// finds it there and sends nothing. A report sent before its reminder is claimed gets none.
import type { AppContext } from '../platform/module.ts';
import { notifyWork } from '../platform/inbox.ts';
import * as repo from './grants.programmes.repository.ts';
import { today } from './grants.programmes.ts';
import { REPORT_DUE_KIND } from './grants.programmes.work.ts';

/** How many days before a report is due its recipient is emailed (and again once it is overdue). */
export const REMINDER_DAYS_BEFORE = 14;

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/**
 * Sends the reminders due on `on` (today unless told): for each report not yet in, due within
 * REMINDER_DAYS_BEFORE days, the "due soon" reminder, and for each past its day, the "overdue" one; each once.
 * Returns how many reminders it sent (claimed), and to how many people. One transaction a reminder.
 */
export async function sendReportReminders(ctx: AppContext, options: { on?: string; limit?: number } = {}): Promise<{ reminders: number; emails: number }> {
  const on = options.on ?? today();
  const limit = options.limit ?? 500;
  let reminders = 0;
  let emails = 0;
  for (const r of await repo.remindersToSend(ctx.db, on, addDays(on, REMINDER_DAYS_BEFORE), limit)) {
    const stage = r.due_on < on ? 'overdue' as const : 'due-soon' as const;
    const sent = await ctx.db.transaction().execute(async (trx) => {
      if (!(await repo.reportWaiting(trx, r.organisation_id, r.award_id, r.number))) return null;
      const key = { organisation_id: r.organisation_id, award_id: r.award_id, number: r.number, stage };
      if (!(await repo.claimReminder(trx, { ...key, due_on: r.due_on }))) return null;
      const what = r.kind === 'end' ? 'end-of-grant report' : 'monitoring report';
      const n = await notifyWork(trx, {
        kind: REPORT_DUE_KIND, userIds: await repo.reportSenderIds(trx, r.application_id, r.applicant_id), baseUrl: ctx.config.baseUrl, href: `/grants/awards/${r.award_id}`,
        subject: stage === 'overdue' ? `Overdue: the ${what} for “${r.title}”` : `Your ${what} for “${r.title}” is due on ${r.due_on}`,
        text: stage === 'overdue'
          ? `The ${what} for your grant “${r.title}” (${r.programme_title}) was due on ${r.due_on} and has not been sent. Please send it as soon as you can: the funder needs it to keep paying and to close the grant.`
          : `The ${what} for your grant “${r.title}” (${r.programme_title}) is due on ${r.due_on}. You can write and send it on your grant’s page.`,
      });
      await repo.setReminderRecipients(trx, key, n);
      return n;
    });
    if (sent === null) continue;
    reminders++;
    emails += sent;
  }
  return { reminders, emails };
}
