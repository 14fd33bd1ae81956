// The time bank's kinds of work for the platform inbox:
// - requests to join, for the bank's coordinators (the `coordinator` role in the bank's organisation, or its
//   administrators while it has no coordinator) until one approves or refuses the request;
// - exchanges to confirm, for the member on the other side of an exchange another member recorded, until
//   they (or a coordinator for them) confirm or decline it.
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import { notifyWork, roleHolderIds, type WorkItem, type WorkKind, type WorkPerson } from '../platform/inbox.ts';
export const joinKind = 'timebank.join-request';
export const confirmKind = 'timebank.exchange-to-confirm';

/** Whole minutes in words: "1 hour 30 minutes", "45 minutes". */
export function durationText(minutes: number): string {
  const m = Math.abs(minutes);
  const h = Math.floor(m / 60);
  const rest = m % 60;
  return [h ? `${h} hour${h === 1 ? '' : 's'}` : '', rest || !h ? `${rest} minute${rest === 1 ? '' : 's'}` : ''].filter(Boolean).join(' ');
}

/** Who hears about a bank's requests to join: its coordinators, or its organisation's administrators while it has none. */
export async function coordinatorIds(db: Db, organisationId: string): Promise<string[]> {
  const coordinators = await roleHolderIds(db, [organisationId], ['coordinator']);
  return coordinators.length ? coordinators : roleHolderIds(db, [organisationId], ['admin']);
}

async function joinRequests(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  const rows = await sql<{ name: string; bank_id: string; bank_name: string; since: Date }>`
    SELECT a.name, a.bank_id, b.name AS bank_name, COALESCE(a.status_changed_at, a.created_at) AS since
      FROM timebank_accounts a
      JOIN timebank_banks b ON b.organisation_id = a.organisation_id AND b.id = a.bank_id
     WHERE a.status = 'pending'
       AND EXISTS (SELECT 1 FROM memberships m WHERE m.organisation_id = a.organisation_id AND m.user_id = ${person.id}
                     AND (m.role = 'coordinator' OR (m.role = 'admin' AND NOT EXISTS (
                          SELECT 1 FROM memberships c WHERE c.organisation_id = a.organisation_id AND c.role = 'coordinator'))))
     ORDER BY since, a.id
     LIMIT 100`.execute(db);
  return rows.rows.map((r) => ({ title: `Approve or refuse ${r.name}’s request to join`, href: `/timebank/banks/${r.bank_id}#pending`, date: r.since, detail: r.bank_name }));
}

async function exchangesToConfirm(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  const rows = await sql<{ account_id: string; proposer: string; minutes: number; description: string; created_at: Date; bank_name: string }>`
    SELECT me.id AS account_id, p.name AS proposer, e.minutes, e.description, e.created_at, b.name AS bank_name
      FROM timebank_exchanges e
      JOIN timebank_accounts me ON me.organisation_id = e.organisation_id AND me.bank_id = e.bank_id
       AND me.id = CASE WHEN e.proposed_by_account_id = e.provider_account_id THEN e.receiver_account_id ELSE e.provider_account_id END
      JOIN timebank_accounts p ON p.organisation_id = e.organisation_id AND p.bank_id = e.bank_id AND p.id = e.proposed_by_account_id
      JOIN timebank_banks b ON b.organisation_id = e.organisation_id AND b.id = e.bank_id
     WHERE e.status = 'pending' AND me.user_id = ${person.id}
     ORDER BY e.created_at
     LIMIT 100`.execute(db);
  return rows.rows.map((r) => ({
    title: `Confirm or decline ${durationText(Number(r.minutes))} with ${r.proposer}: ${r.description}`,
    href: `/timebank/accounts/${r.account_id}#confirm`, date: r.created_at, detail: r.bank_name,
  }));
}

export const timebankWork: WorkKind[] = [
  { kind: joinKind, label: 'Requests to join a time bank', emailHint: 'When someone asks to join a time bank you coordinate', list: joinRequests },
  { kind: confirmKind, label: 'Exchanges to confirm', emailHint: 'When another member records an exchange with you', list: exchangesToConfirm },
];

/** Tells the bank's coordinators someone asks to join (in the joining transaction). */
export async function noticeJoinRequest(trx: Db, x: { organisationId: string; bankId: string; bankName: string; name: string; userId: string }, baseUrl: string): Promise<void> {
  await notifyWork(trx, {
    kind: joinKind, userIds: await coordinatorIds(trx, x.organisationId), except: x.userId, baseUrl, href: `/timebank/banks/${x.bankId}#pending`,
    subject: `${x.name} asks to join ${x.bankName}`,
    text: `${x.name} has asked to join ${x.bankName}. They can neither give nor receive time until a coordinator approves them. You can approve the request, or refuse it with a reason (they are told the reason).`,
  });
}
