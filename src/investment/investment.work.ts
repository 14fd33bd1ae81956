// Investment's kinds of work for the platform inbox: a CITR investment whose tax relief certificate is due
// (within its 30 days), for the CDFI's administrators and finance officers; and a loan with instalments due and
// not paid, for the investor's. Each item leaves the inbox when the job is done (certificate issued, arrears
// cleared or written off) or, for a certificate, when its 30 days have run out (the CDFI's page then shows it as
// not issued in time).
import type { Db } from '../platform/db.ts';
import { notifyWork, roleHolderIds, type WorkItem, type WorkKind, type WorkPerson } from '../platform/inbox.ts';
import { addDays, poundsText } from './investment.compute.ts';
import { certificatesDue, OFFICER_ROLES, overdueLoans } from './investment.service.ts';

export const certificateDueKind = 'investment.certificate-due';
export const repaymentOverdueKind = 'investment.repayment-overdue';

async function certificateItems(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  const rows = await certificatesDue(db, person.id);
  return rows.map((r) => ({
    title: `Issue the tax relief certificate for ${r.investor}’s ${poundsText(r.amount_pence)} by ${addDays(r.invested_on, 30)}`,
    href: `/investment/cdfis/${r.organisation_id}/investments/${r.id}/certificate`, date: new Date(`${r.invested_on}T00:00:00Z`),
    detail: 'Community Investment Tax Relief: one certificate within 30 days of the investment',
  }));
}

async function overdueItems(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  const rows = await overdueLoans(db, person.id);
  return rows.map(({ deal, position }) => ({
    title: `${poundsText(position.arrearsPence)} overdue from ${deal.investee} on “${deal.title}”`,
    href: `/investment/deals/${deal.id}/repayments`, date: new Date(`${position.oldestUnpaidDueOn ?? deal.startsOn}T00:00:00Z`),
    detail: `Oldest unpaid instalment due ${position.oldestUnpaidDueOn ?? ''}`.trim(),
  }));
}

export const investmentWork: WorkKind[] = [
  { kind: certificateDueKind, label: 'Tax relief certificates to issue', emailHint: 'When an investment in your CDFI is recorded and its certificate is due within 30 days', list: certificateItems },
  { kind: repaymentOverdueKind, label: 'Loan repayments overdue', emailHint: 'Shown in your inbox while a loan your organisation made is in arrears (no email)', list: overdueItems },
];

/** Tells the CDFI's officers a certificate is due (in the transaction that records the investment). */
export async function noticeCertificateDue(trx: Db, x: { cdfiId: string; investmentId: string; investor: string; amountPence: number; investedOn: string; recordedBy: string | null }, baseUrl: string): Promise<void> {
  await notifyWork(trx, {
    kind: certificateDueKind, userIds: await roleHolderIds(trx, [x.cdfiId], OFFICER_ROLES), except: x.recordedBy, baseUrl,
    href: `/investment/cdfis/${x.cdfiId}/investments/${x.investmentId}/certificate`,
    subject: `A tax relief certificate is due by ${addDays(x.investedOn, 30)}`,
    text: `${x.investor} invested ${poundsText(x.amountPence)} on ${x.investedOn}. Its Community Investment Tax Relief certificate must be issued within 30 days, by ${addDays(x.investedOn, 30)}; after that it cannot be (CITM4060).`,
  });
}
