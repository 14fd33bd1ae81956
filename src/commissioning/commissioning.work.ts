// Commissioning's kind of work for the platform inbox: bids to score. A bid waits for an evaluator from the
// moment a commissioner assigns it to them (they are emailed then) until they have scored it or declared a
// conflict of interest, while the opportunity is still being evaluated. Before the deadline the bid is sealed:
// it shows, with the date scoring opens.
import { listInvitations } from './commissioning.service.ts';
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import { notifyWork, type WorkItem, type WorkKind, type WorkPerson } from '../platform/inbox.ts';
import { organisationNames } from '../organisations/organisations.service.ts';

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

export const commissioningWork: WorkKind[] = [
  { kind: scoreKind, label: 'Bids to score', emailHint: 'When a commissioner assigns a bid to you to evaluate', list: toScore },
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
