// SQL for offers and requests, exchanges awaiting confirmation, and partner activities.
import { sql, type Insertable } from 'kysely';
import type { Db } from '../platform/db.ts';
import type { ActivityRow, BankRow, ExchangeRow, ListingRow, AccountRow } from './timebank.repository.ts';
import type { TimebankActivitiesTable, TimebankExchangesTable, TimebankListingsTable, TimebankMessagesTable } from './timebank.table.ts';
import type { Selectable } from 'kysely';

export type ListingWithName = ListingRow & { account_name: string };
export type ExchangeWithNames = ExchangeRow & { provider_name: string; receiver_name: string };

export async function insertListing(db: Db, l: Insertable<TimebankListingsTable>): Promise<ListingRow> {
  return db.insertInto('timebank_listings').values(l).returningAll().executeTakeFirstOrThrow();
}

function listingsWithNames(db: Db) {
  return db.selectFrom('timebank_listings as l')
    .innerJoin('timebank_accounts as a', (j) => j.onRef('a.organisation_id', '=', 'l.organisation_id').onRef('a.bank_id', '=', 'l.bank_id').onRef('a.id', '=', 'l.account_id'))
    .selectAll('l').select('a.name as account_name');
}

export async function findListing(db: Db, id: string): Promise<ListingWithName | null> {
  return (await listingsWithNames(db).where('l.id', '=', id).executeTakeFirst()) ?? null;
}

/** Escapes % and _ so that words typed into a search match literally. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function searchListings(db: Db, bank: BankRow, f: { q?: string; titlesOnly?: boolean; kind?: 'offer' | 'request'; category?: string; area?: string; limit: number; offset: number }) {
  let q = listingsWithNames(db).where('l.organisation_id', '=', bank.organisation_id).where('l.bank_id', '=', bank.id)
    .where('l.status', '=', 'open').where('a.status', '=', 'active');
  if (f.kind) q = q.where('l.kind', '=', f.kind);
  if (f.category) q = q.where('l.category', '=', f.category);
  if (f.area) q = q.where('l.area', 'ilike', likePattern(f.area));
  if (f.q) {
    for (const word of f.q.split(/\s+/).filter(Boolean).slice(0, 8)) {
      const p = likePattern(word);
      q = f.titlesOnly ? q.where('l.title', 'ilike', p) : q.where((eb) => eb.or([eb('l.title', 'ilike', p), eb('l.description', 'ilike', p), eb('a.name', 'ilike', p)]));
    }
  }
  const [rows, count] = await Promise.all([
    q.orderBy('l.created_at', 'desc').orderBy('l.id').limit(f.limit).offset(f.offset).execute(),
    q.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

export async function bankHasListings(db: Db, bank: BankRow): Promise<boolean> {
  return !!(await db.selectFrom('timebank_listings').select('id').where('organisation_id', '=', bank.organisation_id).where('bank_id', '=', bank.id).limit(1).executeTakeFirst());
}

/** The areas named on a bank's open listings, for the search form. */
export async function listingAreas(db: Db, bank: BankRow): Promise<string[]> {
  const rows = await db.selectFrom('timebank_listings').select('area').distinct().where('organisation_id', '=', bank.organisation_id)
    .where('bank_id', '=', bank.id).where('status', '=', 'open').where('area', '<>', '').orderBy('area').limit(200).execute();
  return rows.map((r) => r.area);
}

export async function closeListing(db: Db, l: ListingRow): Promise<void> {
  await db.updateTable('timebank_listings').set({ status: 'closed' }).where('organisation_id', '=', l.organisation_id)
    .where('bank_id', '=', l.bank_id).where('id', '=', l.id).execute();
}

export async function insertExchange(db: Db, e: Insertable<TimebankExchangesTable>): Promise<ExchangeRow> {
  return db.insertInto('timebank_exchanges').values(e).returningAll().executeTakeFirstOrThrow();
}

function exchangesWithNames(db: Db) {
  return db.selectFrom('timebank_exchanges as e')
    .innerJoin('timebank_accounts as p', 'p.id', 'e.provider_account_id')
    .innerJoin('timebank_accounts as r', 'r.id', 'e.receiver_account_id')
    .selectAll('e').select(['p.name as provider_name', 'r.name as receiver_name']);
}

export async function findExchange(db: Db, id: string): Promise<ExchangeWithNames | null> {
  return (await exchangesWithNames(db).where('e.id', '=', id).executeTakeFirst()) ?? null;
}

/** Locks an exchange for a decision, so two people confirming at once cannot both move the minutes. */
export async function lockExchange(db: Db, id: string): Promise<ExchangeRow | null> {
  return (await db.selectFrom('timebank_exchanges').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()) ?? null;
}

export async function markExchange(db: Db, e: ExchangeRow, d: { status: 'confirmed' | 'declined'; transferId: string | null; decidedBy: string | null }): Promise<void> {
  await db.updateTable('timebank_exchanges').set({ status: d.status, transfer_id: d.transferId, decided_by: d.decidedBy, decided_at: sql<Date>`now()` })
    .where('organisation_id', '=', e.organisation_id).where('bank_id', '=', e.bank_id).where('id', '=', e.id).execute();
}

export async function pendingExchangesOf(db: Db, account: AccountRow): Promise<ExchangeWithNames[]> {
  return exchangesWithNames(db).where('e.organisation_id', '=', account.organisation_id).where('e.bank_id', '=', account.bank_id)
    .where('e.status', '=', 'pending')
    .where((eb) => eb.or([eb('e.provider_account_id', '=', account.id), eb('e.receiver_account_id', '=', account.id)]))
    .orderBy('e.created_at', 'desc').limit(100).execute();
}

/**
 * The email addresses of member accounts that belong to a person with a login (an account a coordinator keeps
 * for someone without one has no user, so no address). Keyed by account id.
 */
export async function memberEmails(db: Db, accountIds: string[]): Promise<Map<string, { email: string; userId: string }>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db.selectFrom('timebank_accounts as a').innerJoin('users as u', 'u.id', 'a.user_id')
    .select(['a.id', 'u.email', 'u.id as user_id']).where('a.id', 'in', accountIds).where('a.kind', '=', 'member').execute();
  return new Map(rows.map((r) => [r.id, { email: r.email, userId: r.user_id }]));
}

// Partner activities

export async function insertActivity(db: Db, a: Insertable<TimebankActivitiesTable>): Promise<ActivityRow> {
  return db.insertInto('timebank_activities').values(a).returningAll().executeTakeFirstOrThrow();
}

export type ActivityWithPartner = ActivityRow & { partner_name: string };

function activitiesWithPartner(db: Db) {
  return db.selectFrom('timebank_activities as x').innerJoin('timebank_accounts as a', 'a.id', 'x.account_id')
    .selectAll('x').select('a.name as partner_name');
}

export async function findActivity(db: Db, id: string): Promise<ActivityWithPartner | null> {
  return (await activitiesWithPartner(db).where('x.id', '=', id).executeTakeFirst()) ?? null;
}

export async function listActivities(db: Db, bank: { organisation_id: string; id: string }, accountId?: string): Promise<ActivityWithPartner[]> {
  let q = activitiesWithPartner(db).where('x.organisation_id', '=', bank.organisation_id).where('x.bank_id', '=', bank.id).where('x.status', '=', 'listed');
  if (accountId) q = q.where('x.account_id', '=', accountId);
  return q.orderBy('a.name').orderBy('x.title').limit(500).execute();
}

export async function withdrawActivity(db: Db, a: ActivityRow): Promise<void> {
  await db.updateTable('timebank_activities').set({ status: 'withdrawn' }).where('organisation_id', '=', a.organisation_id)
    .where('bank_id', '=', a.bank_id).where('id', '=', a.id).execute();
}

export type MessageRow = Selectable<TimebankMessagesTable> & { from_name: string; to_name: string };

export async function insertMessage(db: Db, m: Insertable<TimebankMessagesTable>): Promise<{ id: string }> {
  return db.insertInto('timebank_messages').values(m).returning('id').executeTakeFirstOrThrow();
}

function messagesWithNames(db: Db) {
  return db.selectFrom('timebank_messages as m')
    .innerJoin('timebank_accounts as f', (j) => j.onRef('f.organisation_id', '=', 'm.organisation_id').onRef('f.bank_id', '=', 'm.bank_id').onRef('f.id', '=', 'm.from_account_id'))
    .innerJoin('timebank_accounts as t', (j) => j.onRef('t.organisation_id', '=', 'm.organisation_id').onRef('t.bank_id', '=', 'm.bank_id').onRef('t.id', '=', 'm.to_account_id'))
    .selectAll('m').select(['f.name as from_name', 't.name as to_name']);
}

export async function findMessage(db: Db, id: string): Promise<MessageRow | null> {
  return (await messagesWithNames(db).where('m.id', '=', id).executeTakeFirst()) ?? null;
}

/** The messages about a listing between one account and anyone, oldest first (at most 200). */
export async function messagesOf(db: Db, l: ListingRow, accountId: string): Promise<MessageRow[]> {
  return messagesWithNames(db).where('m.organisation_id', '=', l.organisation_id).where('m.bank_id', '=', l.bank_id).where('m.listing_id', '=', l.id)
    .where((eb) => eb.or([eb('m.from_account_id', '=', accountId), eb('m.to_account_id', '=', accountId)]))
    .orderBy('m.created_at').orderBy('m.id').limit(200).execute();
}

export async function countMessagesFrom(db: Db, bank: BankRow, accountId: string, since: Date): Promise<number> {
  const r = await db.selectFrom('timebank_messages').select((eb) => eb.fn.countAll<number>().as('n')).where('organisation_id', '=', bank.organisation_id)
    .where('bank_id', '=', bank.id).where('from_account_id', '=', accountId).where('created_at', '>=', since).executeTakeFirstOrThrow();
  return Number(r.n);
}
