// Commissioning's kinds of work for the platform inbox: bids to score, and the results of bids (below). A bid waits for an evaluator from the
// moment a commissioner assigns it to them (they are emailed then) until they have scored it or declared a
// conflict of interest, while the opportunity is still being evaluated. Before the deadline the bid is sealed:
// it shows, with the date scoring opens.
import { listInvitations } from './commissioning.service.ts';
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import { notifyWork, type WorkItem, type WorkKind, type WorkPerson } from '../platform/inbox.ts';
import { organisationNames } from '../organisations/organisations.service.ts';
import { financialYearDates, kpiRatingPeriodsDue, kpiRatingsDue } from './commissioning.kpi-ratings.ts';
import { roleHolderIds } from '../platform/inbox.ts';
import type { AppContext } from '../platform/module.ts';
import * as repo from './commissioning.repository.ts';

export const scoreKind = 'commissioning.bid-to-score';

async function toScore(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  const rows = await sql<{ process_id: string; title: string; bid_deadline: Date; assigned_at: Date; lead_organisation_id: string }>`
    SELECT e.process_id, p.title, p.bid_deadline, e.assigned_at, b.lead_organisation_id
      FROM commissioning_evaluators e
      JOIN commissioning_processes p ON p.organisation_id = e.organisation_id AND p.id = e.process_id
      JOIN commissioning_bids b ON b.organisation_id = e.organisation_id AND b.process_id = e.process_id AND b.id = e.bid_id
      JOIN memberships m ON m.organisation_id = e.organisation_id AND m.user_id = e.user_id AND m.role = 'evaluator'
     WHERE e.user_id = ${person.id} AND NOT e.conflict_declared AND p.status = 'active' AND b.status = 'submitted'
       AND NOT EXISTS (SELECT 1 FROM commissioning_scores s
                        WHERE s.organisation_id = e.organisation_id AND s.process_id = e.process_id AND s.bid_id = e.bid_id
                          AND s.user_id = e.user_id AND s.kind = 'evaluation')
     ORDER BY p.bid_deadline, e.assigned_at
     LIMIT 100`.execute(db);
  const names = await organisationNames(db, [...new Set(rows.rows.map((r) => r.lead_organisation_id))]);
  const now = Date.now();
  return rows.rows.map((r) => {
    const open = r.bid_deadline.getTime() <= now;
    return {
      title: `Score the bid from ${names.get(r.lead_organisation_id)?.name ?? 'a bidder'} for “${r.title}”`,
      href: `/commissioning/opportunities/${r.process_id}/evaluation`,
      date: open ? r.bid_deadline : r.assigned_at,
      detail: open ? 'Scoring is open' : `Sealed until the deadline; scoring opens ${r.bid_deadline.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    };
  });
}

export const resultKind = 'commissioning.bid-result';

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * The results of bids made or joined by organisations the person acts for (administrator or staff): from the
 * award of their lot until its standstill period ends (the time in which a bidder may question the decision),
 * each links to the bid's read-back with its scores and feedback.
 */
async function bidResults(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  const rows = await sql<{ bid_id: string; title: string; lot_number: number; lot_title: string; won: boolean; decided_at: Date; standstill_ends: Date }>`
    SELECT DISTINCT b.id AS bid_id, p.title, l.number AS lot_number, l.title AS lot_title, (a.bid_id = b.id) AS won, a.decided_at, a.standstill_ends
      FROM commissioning_bids b
      JOIN commissioning_bid_members bm ON bm.bid_id = b.id AND bm.consent = 'accepted'
      JOIN memberships m ON m.organisation_id = bm.member_organisation_id AND m.user_id = ${person.id} AND m.role IN ('admin', 'staff')
      JOIN commissioning_awards a ON a.organisation_id = b.organisation_id AND a.process_id = b.process_id AND a.lot_id = b.lot_id
      JOIN commissioning_processes p ON p.organisation_id = b.organisation_id AND p.id = b.process_id
      JOIN commissioning_lots l ON l.organisation_id = b.organisation_id AND l.id = b.lot_id
     WHERE b.status = 'submitted' AND a.standstill_ends > now()
     ORDER BY a.decided_at
     LIMIT 100`.execute(db);
  return rows.rows.map((r) => ({
    title: `Read the result of your bid for “${r.title}”, lot ${r.lot_number}: ${r.won ? 'you won' : 'not chosen'}`,
    href: `/commissioning/bids/${r.bid_id}`,
    date: r.decided_at,
    detail: `${r.lot_title}. Your scores and feedback are on the bid; the standstill period ends ${utc(r.standstill_ends)}`,
  }));
}

/**
 * Tells every bidder for an awarded lot the result, in the awarding transaction: the winner that they won, the
 * others that they were not chosen and who was; each with the link to their scores and feedback.
 */
export async function noticeBidResults(trx: Db, x: {
  processTitle: string; lot: { number: number; title: string }; winner: string; standstillEnds: Date; decidedBy: string | null;
  bids: { bidId: string; won: boolean; userIds: string[] }[];
}, baseUrl: string): Promise<number> {
  let sent = 0;
  const what = `“${x.processTitle}”, lot ${x.lot.number}: ${x.lot.title}`;
  for (const b of x.bids) {
    sent += await notifyWork(trx, {
      kind: resultKind, userIds: b.userIds, except: x.decidedBy, baseUrl, href: `/commissioning/bids/${b.bidId}`,
      subject: b.won ? `Your bid has won: ${x.processTitle}, lot ${x.lot.number}` : `The result of your bid: ${x.processTitle}, lot ${x.lot.number}`,
      text: [
        b.won ? `Your bid for ${what} has been chosen.` : `Your bid for ${what} was not chosen. The lot was awarded to ${x.winner}.`,
        'Your scores for each criterion, with the evaluators’ reasons, are on your bid’s page.',
        `The standstill period ends ${utc(x.standstillEnds)}. ${b.won ? 'The contract can be signed after it.' : 'If you want to question the decision, contact the buyer before then.'}`,
      ].join('\n'),
    });
  }
  return sent;
}

export const kpiRatingKind = 'commissioning.kpi-rating-due';

/** A contract's KPIs to rate for a financial year that has ended or is in its last month (commissioning.kpi-ratings.ts). */
async function kpiRatings(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  return (await kpiRatingsDue(db, person.id)).map((k) => {
    const { starts, ends } = financialYearDates(k.period);
    return {
      title: `Rate the KPI “${k.kpiTitle}” of “${k.contractTitle}” for ${k.period}`,
      href: k.href,
      date: new Date(`${ends.slice(0, 4)}-03-01T00:00:00Z`),
      detail: `Financial year ${starts.slice(0, 4)}–${ends.slice(0, 4)}, on the Procurement Act 2023 scale`,
    };
  });
}

/**
 * Emails each buyer's commissioners, once per contract and due year (`kpiRatingPeriodsDue`), that the contract's
 * KPIs wait for their rating; safe in several processes at once (the reminder's row is claimed in the sending
 * transaction, migration 0048). Run hourly by every app process; `on` is today's date unless given.
 */
export async function sendKpiRatingReminders(ctx: AppContext, options: { on?: string; limit?: number } = {}): Promise<{ reminders: number; emails: number }> {
  const on = options.on ?? new Date().toISOString().slice(0, 10);
  let reminders = 0;
  let emails = 0;
  for (const period of kpiRatingPeriodsDue(on)) {
    const year = { period, ...financialYearDates(period) };
    for (const c of await repo.contractsAwaitingKpiReminder(ctx.db, year, options.limit ?? 500)) {
      const sent = await ctx.db.transaction().execute(async (trx) => {
        const key = { organisation_id: c.organisation_id, contract_id: c.id, period };
        const kpis = await repo.unratedKpisOf(trx, c.organisation_id, c.id, period);
        if (!kpis.length || !(await repo.claimKpiReminder(trx, key))) return null;
        const n = await notifyWork(trx, {
          kind: kpiRatingKind, userIds: await roleHolderIds(trx, [c.organisation_id], ['commissioner']), baseUrl: ctx.config.baseUrl,
          href: `/commissioning/contracts/${c.id}/kpis/${kpis[0]!.id}/rating?period=${period}`,
          subject: `Rate the KPIs of “${c.title}” for ${period}`,
          text: [
            `The financial year ${year.starts.slice(0, 4)}–${year.ends.slice(0, 4)} ${on > year.ends ? 'has ended' : 'is in its last month'}. These KPIs of “${c.title}” have no rating for it yet:`,
            ...kpis.map((k) => `- ${k.title}`),
            '', 'Rate each on the Procurement Act 2023 scale: good, approaching target, requires improvement or inadequate.',
          ].join('\n'),
        });
        await repo.setKpiReminderRecipients(trx, key, n);
        return n;
      });
      if (sent === null) continue;
      reminders++;
      emails += sent;
    }
  }
  return { reminders, emails };
}

export const commissioningWork: WorkKind[] = [
  { kind: resultKind, label: 'Results of your bids', emailHint: 'When a lot you bid for is awarded, won or not', list: bidResults },
  { kind: scoreKind, label: 'Bids to score', emailHint: 'When a commissioner assigns a bid to you to evaluate', list: toScore },
  { kind: kpiRatingKind, label: 'Contract KPIs to rate', emailHint: 'Once for each contract and financial year, from 1 March (the year’s last month), when a KPI of your organisation’s contract has no rating for it', list: kpiRatings },
  {
    // Answered on /commissioning/invitations; the invitation email itself is sent when the bid names the member.
    kind: 'commissioning.consortium-invitation', label: 'Consortium invitations to answer',
    emailHint: 'Always emailed to the member’s administrators when a bid names their organisation',
    list: async (db, person) => (await listInvitations(db, { userId: person.id, tokenId: null, isAdmin: false, via: 'session' }))
      .filter((i) => i.open)
      .map((i) => ({
        title: `Answer ${i.lead.name}’s invitation: ${i.opportunity.title}, lot ${i.lot.number}`,
        href: '/commissioning/invitations', date: new Date(i.invitedAt),
        detail: `${i.memberOrganisation.name}, ${i.sharePercent}% share; bids close ${i.opportunity.bidDeadline.slice(0, 16).replace('T', ' ')}`,
      })),
  },
];

/** Tells an evaluator a bid is theirs to score (in the assigning transaction). */
export async function noticeBidToScore(trx: Db, x: { userId: string; processId: string; processTitle: string; bidder: string; deadline: Date; assignedBy: string | null }, baseUrl: string): Promise<void> {
  const open = x.deadline.getTime() <= Date.now();
  await notifyWork(trx, {
    kind: scoreKind, userIds: [x.userId], except: x.assignedBy, baseUrl, href: `/commissioning/opportunities/${x.processId}/evaluation`,
    subject: `A bid to score: ${x.processTitle}`,
    text: [
      `You have been asked to evaluate the bid from ${x.bidder} for “${x.processTitle}”.`,
      open ? 'The deadline has passed, so you can score it now.' : `Bids are sealed until the deadline, ${x.deadline.toISOString().slice(0, 16).replace('T', ' ')} UTC; you can score it after that.`,
      'Score each criterion independently, with a reason, or declare a conflict of interest if you have one.',
    ].join('\n'),
  });
}
