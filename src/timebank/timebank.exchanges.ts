// Offers and requests, and exchanges recorded by one side and confirmed by the other (or recorded by a
// coordinator on someone's behalf). A confirmed exchange is a transfer from the person helped to the person who
// helped, written through the ledger's one write path with the exchange's id, so confirming twice is a replay.
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { enqueueEmail } from '../platform/outbox.repository.ts';
import { findUserById } from '../platform/auth/auth.repository.ts';
import { notifyWork } from '../platform/inbox.ts';
import { confirmKind, durationText } from './timebank.work.ts';
import { inTransaction } from '../platform/transaction.ts';
import * as repo from './timebank.repository.ts';
import * as listings from './timebank.exchanges.repository.ts';
import { applyTransfers, authenticated, isCoordinator, readMinutes, readUuid, requireBank, uuidPattern, type TransferView } from './timebank.service.ts';

/** Categories of help (a fixed list, so impact by category adds up). */
export const categories = [
  { value: 'practical', text: 'Practical help and DIY' },
  { value: 'transport', text: 'Lifts and transport' },
  { value: 'company', text: 'Company and befriending' },
  { value: 'garden', text: 'Gardening' },
  { value: 'food', text: 'Cooking and shopping' },
  { value: 'learning', text: 'Learning and skills' },
  { value: 'technology', text: 'Computers and phones' },
  { value: 'wellbeing', text: 'Health and wellbeing' },
  { value: 'children', text: 'Children and families' },
  { value: 'arts', text: 'Arts and culture' },
  { value: 'community', text: 'Community events and volunteering' },
  { value: 'other', text: 'Other' },
] as const;

export function categoryLabel(value: string | null): string {
  return categories.find((c) => c.value === value)?.text ?? 'Not categorised';
}

export function readCategory(check: Checker, input: unknown, field = 'category'): string {
  if (typeof input === 'string' && categories.some((c) => c.value === input)) return input;
  check.fail(field, 'Choose a category');
  return '';
}

export interface ListingView {
  id: string; bankId: string; accountId: string; accountName: string; kind: 'offer' | 'request'; category: string; categoryLabel: string;
  title: string; description: string; area: string; status: 'open' | 'closed'; createdAt: string;
}

function presentListing(l: listings.ListingWithName): ListingView {
  return {
    id: l.id, bankId: l.bank_id, accountId: l.account_id, accountName: l.account_name, kind: l.kind, category: l.category,
    categoryLabel: categoryLabel(l.category), title: l.title, description: l.description, area: l.area, status: l.status,
    createdAt: new Date(l.created_at).toISOString(),
  };
}

export interface ExchangeView {
  id: string; bankId: string; listingId: string | null; provider: { id: string; name: string }; receiver: { id: string; name: string };
  minutes: number; category: string; categoryLabel: string; description: string; proposedBy: string | null; onBehalf: boolean;
  status: 'pending' | 'confirmed' | 'declined'; transferId: string | null; createdAt: string;
}

function presentExchange(e: listings.ExchangeWithNames): ExchangeView {
  return {
    id: e.id, bankId: e.bank_id, listingId: e.listing_id, provider: { id: e.provider_account_id, name: e.provider_name },
    receiver: { id: e.receiver_account_id, name: e.receiver_name }, minutes: Number(e.minutes), category: e.category,
    categoryLabel: categoryLabel(e.category), description: e.description, proposedBy: e.proposed_by_account_id, onBehalf: e.on_behalf,
    status: e.status, transferId: e.transfer_id, createdAt: new Date(e.created_at).toISOString(),
  };
}

/** Who the person is in a bank: their active member account, and whether they coordinate it. */
async function standing(db: Db, actor: Actor, bank: repo.BankRow) {
  const account = actor.userId ? await repo.findMemberAccount(db, bank, actor.userId) : null;
  const coordinator = await isCoordinator(db, actor, bank.organisation_id);
  return { account: account && account.status === 'active' ? account : null, coordinator };
}

/** Offers and requests are for the bank's members and coordinators to see. */
async function requireInsider(db: Db, actor: Actor, bank: repo.BankRow) {
  authenticated(actor);
  const s = await standing(db, actor, bank);
  if (!s.account && !s.coordinator) throw new AppError('forbidden', 'Only active members and coordinators of this time bank can see its offers and requests');
  return s;
}

/** Open offers and requests of a bank, newest first, filtered by words, kind, category and area. */
/**
 * Open offers and requests of a bank, newest first, filtered by words, kind, category and area. Anyone may look
 * (people deciding whether to join want to see what is offered); only its members and coordinators see who
 * listed each one and what they wrote about it (`insider`), and only they may search by those words.
 */
export async function searchListings(db: Db, actor: Actor, bankId: string, filter: { q?: string; kind?: string; category?: string; area?: string; page?: number }) {
  const bank = await requireBank(db, bankId);
  const s = await standing(db, actor, bank);
  const insider = !!(s.account || s.coordinator);
  const pageSize = 25;
  const page = Math.max(1, Math.min(Number(filter.page) || 1, 1000));
  const { rows, total } = await listings.searchListings(db, bank, {
    q: filter.q?.trim().slice(0, 100) || undefined, titlesOnly: !insider,
    kind: filter.kind === 'offer' || filter.kind === 'request' ? filter.kind : undefined,
    category: categories.some((c) => c.value === filter.category) ? filter.category : undefined,
    area: filter.area?.trim().slice(0, 100) || undefined,
    limit: pageSize, offset: (page - 1) * pageSize,
  });
  return { items: rows.map((r) => (insider ? presentListing(r) : outsiderView(presentListing(r)))), total, page, pageSize, areas: await listings.listingAreas(db, bank), insider };
}

/** What someone who has not joined sees of a listing: what is offered or asked, not who or their own words. */
function outsiderView(l: ListingView): ListingView {
  return { ...l, accountId: '', accountName: '', description: '' };
}

/** A member (or a coordinator, for a member) lists an offer of help or a request for it. */
export async function createListing(db: Db, actor: Actor, bankId: string, input: { accountId?: unknown; kind?: unknown; category?: unknown; title?: unknown; description?: unknown; area?: unknown }): Promise<ListingView> {
  authenticated(actor);
  const check = new Checker();
  const kind = input.kind === 'offer' || input.kind === 'request' ? input.kind : (check.fail('kind', 'Choose whether you are offering help or asking for it'), 'offer' as const);
  const category = readCategory(check, input.category);
  const title = check.text(input.title, 'title', 'a short title', { max: 120 });
  const description = typeof input.description === 'string' ? input.description.trim() : '';
  if (description.length > 2000) check.fail('description', 'Keep the description to 2,000 characters or fewer');
  const area = typeof input.area === 'string' ? input.area.trim() : '';
  if (area.length > 100) check.fail('area', 'Keep the area to 100 characters or fewer');
  check.done();
  return inTransaction(db, async (trx) => {
    const bank = await requireBank(trx, bankId);
    const s = await requireInsider(trx, actor, bank);
    let account = s.account;
    if (typeof input.accountId === 'string' && input.accountId && input.accountId !== account?.id) {
      if (!s.coordinator) throw new AppError('forbidden', 'Only a coordinator can list an offer or request for someone else');
      const other = uuidPattern.test(input.accountId) ? await repo.findAccount(trx, input.accountId.toLowerCase()) : null;
      if (!other || other.bank_id !== bank.id || other.kind !== 'member') throw AppError.validation([{ field: 'accountId', message: 'Choose a member of this time bank' }]);
      account = other;
    }
    if (!account) throw new AppError('forbidden', 'Join the time bank to list an offer or a request');
    const row = await listings.insertListing(trx, { organisation_id: bank.organisation_id, bank_id: bank.id, account_id: account.id, kind, category, title, description, area });
    const view = presentListing({ ...row, account_name: account.name });
    await recordAudit(trx, actor, { action: 'timebank.listing.created', entityType: 'timebank_listing', entityId: row.id, organisationId: bank.organisation_id, after: view });
    return view;
  });
}

export async function getListing(db: Db, actor: Actor, id: string): Promise<ListingView & { insider: boolean }> {
  const l = uuidPattern.test(id) ? await listings.findListing(db, id.toLowerCase()) : null;
  if (!l) throw new AppError('not_found', `No offer or request has the id ${id}`);
  const bank = (await repo.findBank(db, l.bank_id))!;
  const s = await standing(db, actor, bank);
  const insider = !!(s.account || s.coordinator);
  // Someone who has not joined sees an open listing without its member; a closed one is the members' record.
  if (!insider && l.status !== 'open') throw new AppError('not_found', `No offer or request has the id ${id}`);
  return { ...(insider ? presentListing(l) : outsiderView(presentListing(l))), insider };
}

/** Its member or a coordinator closes an offer or request (it stays on record, out of the search). */
export async function closeListing(db: Db, actor: Actor, id: string): Promise<ListingView> {
  authenticated(actor);
  return inTransaction(db, async (trx) => {
    const l = uuidPattern.test(id) ? await listings.findListing(trx, id.toLowerCase()) : null;
    if (!l) throw new AppError('not_found', `No offer or request has the id ${id}`);
    const bank = (await repo.findBank(trx, l.bank_id))!;
    const s = await requireInsider(trx, actor, bank);
    if (s.account?.id !== l.account_id && !s.coordinator) throw new AppError('forbidden', 'Only the member who listed it or a coordinator can close it');
    if (l.status === 'closed') return presentListing(l);
    await listings.closeListing(trx, l);
    await recordAudit(trx, actor, { action: 'timebank.listing.closed', entityType: 'timebank_listing', entityId: l.id, organisationId: l.organisation_id, before: { status: 'open' }, after: { status: 'closed' } });
    return presentListing({ ...l, status: 'closed' });
  });
}

/**
 * Records an exchange. From a listing, the two sides are its member and the other party (the person recording
 * it, or, when its member records it, `with`); an offer's member gave the help, a request's member received
 * it. Without a listing, `role` says whether the recorder gave or received help, and `with` is the other
 * side. The recorder is one side and the other side confirms it; a coordinator who is neither side records it
 * for two members (`provider`, `receiver`) and it is confirmed at once, marked as recorded on their behalf.
 * The id is the client's: the same exchange sent again answers with the stored one.
 */
export async function recordExchange(db: Db, actor: Actor, input: {
  id?: unknown; listingId?: unknown; with?: unknown; role?: unknown; provider?: unknown; receiver?: unknown; minutes?: unknown; category?: unknown; description?: unknown; bankId?: unknown;
}, options: NoticeOptions = {}): Promise<{ exchange: ExchangeView; transfer: TransferView | null; replayed: boolean }> {
  authenticated(actor);
  const check = new Checker();
  const id = readUuid(check, input.id, 'id', 'the exchange’s id');
  const minutes = readMinutes(check, input.minutes);
  const description = check.text(input.description, 'description', 'what the help was', { max: 500 });
  const listingId = input.listingId ? readUuid(check, input.listingId, 'listingId', 'the offer or request') : null;
  check.done();
  const result = await inTransaction(db, async (trx) => {
    const existing = await listings.findExchange(trx, id);
    if (existing) return { existing };
    const listing = listingId ? await listings.findListing(trx, listingId) : null;
    if (listingId && !listing) throw new AppError('not_found', `No offer or request has the id ${listingId}`);
    if (listing && listing.status !== 'open') throw new AppError('unprocessable', 'That offer or request is closed');
    const bankRef = listing?.bank_id ?? (typeof input.bankId === 'string' ? input.bankId : null);
    if (!bankRef) throw AppError.validation([{ field: 'bankId', message: 'Say which time bank the exchange is in' }]);
    const bank = await requireBank(trx, bankRef);
    const s = await requireInsider(trx, actor, bank);
    const member = async (ref: unknown, field: string) => {
      const a = typeof ref === 'string' && uuidPattern.test(ref) ? await repo.findAccount(trx, ref.toLowerCase()) : null;
      if (!a || a.bank_id !== bank.id) throw AppError.validation([{ field, message: 'Choose a member of this time bank' }]);
      return a;
    };
    const v = new Checker();
    const category = listing ? listing.category : readCategory(v, input.category);
    v.done();
    let provider: repo.AccountRow;
    let receiver: repo.AccountRow;
    let proposer: repo.AccountRow | null = s.account;
    if (listing) {
      const owner = (await repo.findAccount(trx, listing.account_id))!;
      const other = s.account && s.account.id !== owner.id ? s.account : await member(input.with, 'with');
      if (other.id === owner.id) throw AppError.validation([{ field: 'with', message: 'Choose the other member of the exchange' }]);
      [provider, receiver] = listing.kind === 'offer' ? [owner, other] : [other, owner];
    } else if (s.account && (input.role === 'gave' || input.role === 'received')) {
      const other = await member(input.with, 'with');
      if (other.id === s.account.id) throw AppError.validation([{ field: 'with', message: 'Choose the other member of the exchange' }]);
      [provider, receiver] = input.role === 'gave' ? [s.account, other] : [other, s.account];
    } else if (s.coordinator) {
      provider = await member(input.provider, 'provider');
      receiver = await member(input.receiver, 'receiver');
      if (provider.id === receiver.id) throw AppError.validation([{ field: 'receiver', message: 'Choose two different members' }]);
      proposer = null;
    } else {
      throw AppError.validation([{ field: 'role', message: 'Say whether you gave the help or received it' }]);
    }
    const party = proposer && (proposer.id === provider.id || proposer.id === receiver.id);
    if (!party && !s.coordinator) throw new AppError('forbidden', 'You can record an exchange only if you took part in it');
    const onBehalf = !party;
    const row = await listings.insertExchange(trx, {
      organisation_id: bank.organisation_id, bank_id: bank.id, id, listing_id: listing?.id ?? null, provider_account_id: provider.id,
      receiver_account_id: receiver.id, minutes, category, description, proposed_by_account_id: party ? proposer!.id : null,
      recorded_by: actor.userId, on_behalf: onBehalf,
    });
    await recordAudit(trx, actor, { action: 'timebank.exchange.recorded', entityType: 'timebank_exchange', entityId: id, organisationId: bank.organisation_id, after: { provider: provider.id, receiver: receiver.id, minutes, category, description, listingId: listing?.id ?? null, onBehalf } });
    // A coordinator's record needs no confirmation: the transfer is written now, in this transaction.
    const transfer = onBehalf ? await settle(trx, actor, row, true) : null;
    // The emails go in the same transaction: they are sent only if the exchange is recorded.
    await noticeRecorded(trx, actor, { bank, exchange: row, provider, receiver, proposer: party ? proposer : null }, options);
    return { created: row, transfer };
  });
  if ('existing' in result) {
    const e = result.existing!;
    const same = Number(e.minutes) === minutes && e.description === description && (e.listing_id ?? null) === listingId;
    if (!same) throw new AppError('conflict', `Exchange ${id} was already recorded with different details; choose a new id for a new exchange`);
    return { exchange: presentExchange(e), transfer: null, replayed: true };
  }
  return { exchange: presentExchange((await listings.findExchange(db, id))!), transfer: result.transfer, replayed: false };
}

/** Writes the exchange's transfer (receiver → provider) and marks it confirmed, in the caller's transaction. */
async function settle(trx: Db, actor: Actor, e: repo.ExchangeRow, onBehalf: boolean): Promise<TransferView> {
  const [outcome] = await applyTransfers(trx, actor, [{
    id: e.id, from: e.receiver_account_id, to: e.provider_account_id, minutes: Number(e.minutes), reason: e.description,
    reverses: null, groupId: null, kind: 'exchange', category: e.category,
  }], { onBehalf });
  await listings.markExchange(trx, e, { status: 'confirmed', transferId: e.id, decidedBy: actor.userId });
  return outcome!.transfer;
}

/**
 * The other side confirms (the minutes move: refused with 422 and nothing changed if the person helped would go
 * below their limit) or declines an exchange. A coordinator may confirm or decline for them (marked as such).
 */
export async function decideExchange(db: Db, actor: Actor, id: string, decision: 'confirm' | 'decline', options: NoticeOptions = {}): Promise<{ exchange: ExchangeView; transfer: TransferView | null }> {
  authenticated(actor);
  const transfer = await inTransaction(db, async (trx) => {
    const e = uuidPattern.test(id) ? await listings.lockExchange(trx, id.toLowerCase()) : null;
    if (!e) throw new AppError('not_found', `No exchange has the id ${id}`);
    const bank = (await repo.findBank(trx, e.bank_id))!;
    const s = await standing(trx, actor, bank);
    const otherSide = e.proposed_by_account_id === e.provider_account_id ? e.receiver_account_id : e.provider_account_id;
    const mine = !!s.account && s.account.id === otherSide;
    if (!mine && !s.coordinator) {
      throw new AppError('forbidden', s.account && s.account.id === e.proposed_by_account_id
        ? 'The other member confirms an exchange you recorded'
        : 'Only the other member of the exchange or a coordinator can confirm it');
    }
    if (e.status !== 'pending') {
      if ((e.status === 'confirmed') === (decision === 'confirm')) return null;
      throw new AppError('conflict', `That exchange is already ${e.status}`);
    }
    await recordAudit(trx, actor, { action: `timebank.exchange.${decision === 'confirm' ? 'confirmed' : 'declined'}`, entityType: 'timebank_exchange', entityId: e.id, organisationId: e.organisation_id, before: { status: 'pending' }, after: { status: decision === 'confirm' ? 'confirmed' : 'declined', onBehalf: !mine } });
    let settled: TransferView | null = null;
    if (decision === 'decline') await listings.markExchange(trx, e, { status: 'declined', transferId: null, decidedBy: actor.userId });
    else settled = await settle(trx, actor, e, !mine);
    await noticeDecided(trx, actor, { bank, exchange: (await listings.findExchange(trx, e.id))!, decision, onBehalf: !mine }, options);
    return settled;
  });
  return { exchange: presentExchange((await listings.findExchange(db, id.toLowerCase()))!), transfer };
}

/** Exchanges an account is part of that wait for confirmation: those it must confirm, and those it recorded. */
export async function pendingExchanges(db: Db, actor: Actor, accountId: string) {
  const account = uuidPattern.test(accountId) ? await repo.findAccount(db, accountId.toLowerCase()) : null;
  if (!account) return { toConfirm: [], awaiting: [] };
  const coordinator = await isCoordinator(db, actor, account.organisation_id);
  if (account.user_id !== actor.userId && !coordinator) return { toConfirm: [], awaiting: [] };
  const rows = (await listings.pendingExchangesOf(db, account)).map(presentExchange);
  return { toConfirm: rows.filter((e) => e.proposedBy !== account.id), awaiting: rows.filter((e) => e.proposedBy === account.id) };
}

/** The members of a bank someone may record an exchange with (for the forms): active members but themselves. */
export async function exchangePartners(db: Db, actor: Actor, bankId: string): Promise<{ id: string; name: string }[]> {
  const bank = await requireBank(db, bankId);
  const s = await requireInsider(db, actor, bank);
  return (await repo.listAccounts(db, bank)).filter((a) => a.kind === 'member' && a.status === 'active' && a.id !== s.account?.id).map((a) => ({ id: a.id, name: a.name }));
}

// Emails to the members of an exchange, written to the platform outbox in the transaction that makes the
// change (so nothing is sent for a change that is refused or rolled back). Plain text, no HTML. A member whose
// account has no login (kept by a coordinator) has no address and gets none; nobody is emailed about
// something they did themselves.

export interface NoticeOptions {
  /** The site's public address (config.baseUrl), for the link in the email; without it the email says where to go. */
  baseUrl?: string;
}

export { durationText };

function accountLink(options: NoticeOptions, bank: repo.BankRow, accountId: string): string {
  return options.baseUrl
    ? `${options.baseUrl}/timebank/accounts/${accountId}`
    : `Sign in to Commonweal, choose "Time credits" and open your account in ${bank.name}.`;
}

async function send(trx: Db, actor: Actor, accountId: string, email: { kind: string; subject: string; text: string }): Promise<void> {
  const to = (await listings.memberEmails(trx, [accountId])).get(accountId);
  if (!to || to.userId === actor.userId) return;
  await enqueueEmail(trx, { to: to.email, ...email });
}

async function noticeRecorded(trx: Db, actor: Actor, x: {
  bank: repo.BankRow; exchange: repo.ExchangeRow; provider: repo.AccountRow; receiver: repo.AccountRow; proposer: repo.AccountRow | null;
}, options: NoticeOptions): Promise<void> {
  const { bank, exchange, provider, receiver, proposer } = x;
  const time = durationText(Number(exchange.minutes));
  if (!proposer) {
    // Recorded by a coordinator for two members: confirmed at once, so both are told it was done for them.
    for (const [me, other, gave] of [[provider, receiver, true], [receiver, provider, false]] as const) {
      await send(trx, actor, me.id, {
        kind: 'timebank-exchange-on-behalf',
        subject: `An exchange was recorded for you in ${bank.name}`,
        text: [
          `Hello ${me.name},`, '',
          `A coordinator of ${bank.name} has recorded an exchange on your behalf:`, '',
          `${gave ? `You helped ${other.name}` : `${other.name} helped you`}: ${exchange.description}`,
          `Time: ${time}`, '',
          `The time has moved ${gave ? `to your account from ${other.name}’s` : `from your account to ${other.name}’s`}. It shows on your statement, marked as recorded on your behalf:`, '',
          accountLink(options, bank, me.id), '',
          'If anything is not right, please tell a coordinator of the time bank.',
        ].join('\n') + '\n',
      });
    }
    return;
  }
  const other = proposer.id === provider.id ? receiver : provider;
  const theyGave = proposer.id === provider.id;
  // Work for the other member: it waits in their inbox too, and they may turn these emails off.
  if (!other.user_id) return;
  await notifyWork(trx, {
    kind: confirmKind, userIds: [other.user_id], except: actor.userId, baseUrl: options.baseUrl ?? '', href: `/timebank/accounts/${other.id}#confirm`,
    subject: `Please confirm an exchange with ${proposer.name}`,
    text: [
      `${proposer.name} has recorded an exchange with you in ${bank.name}:`, '',
      `${theyGave ? `${proposer.name} helped you` : `You helped ${proposer.name}`}: ${exchange.description}`,
      `Time: ${time}`, '',
      `No time moves until you confirm it. If it is right, please confirm it; if it is not, you can decline it. You can do either on your account page.`, '',
      ...(options.baseUrl ? [] : [accountLink(options, bank, other.id), '']),
      `Thank you for being part of ${bank.name}.`,
    ].join('\n'),
  });
}

async function noticeDecided(trx: Db, actor: Actor, x: {
  bank: repo.BankRow; exchange: listings.ExchangeWithNames; decision: 'confirm' | 'decline'; onBehalf: boolean;
}, options: NoticeOptions): Promise<void> {
  const { bank, exchange: e, decision, onBehalf } = x;
  if (!e.proposed_by_account_id) return;
  const recorderIsProvider = e.proposed_by_account_id === e.provider_account_id;
  const recorder = recorderIsProvider ? { id: e.provider_account_id, name: e.provider_name } : { id: e.receiver_account_id, name: e.receiver_name };
  const other = recorderIsProvider ? { id: e.receiver_account_id, name: e.receiver_name } : { id: e.provider_account_id, name: e.provider_name };
  const time = durationText(Number(e.minutes));
  const who = onBehalf ? `A coordinator of ${bank.name}, for ${other.name},` : other.name;
  const what = `${recorderIsProvider ? `You helped ${other.name}` : `${other.name} helped you`}: ${e.description}`;
  await send(trx, actor, recorder.id, decision === 'confirm'
    ? {
      kind: 'timebank-exchange-confirmed',
      subject: `Your exchange with ${other.name} is confirmed`,
      text: [
        `Hello ${recorder.name},`, '',
        `${who} has confirmed the exchange you recorded in ${bank.name}:`, '',
        what, `Time: ${time}`, '',
        `The time has moved ${recorderIsProvider ? `to your account from ${other.name}’s` : `from your account to ${other.name}’s`}. You can see it on your statement:`, '',
        accountLink(options, bank, recorder.id), '',
        'Thank you for your part in it.',
      ].join('\n') + '\n',
    }
    : {
      kind: 'timebank-exchange-declined',
      subject: `Your exchange with ${other.name} was declined`,
      text: [
        `Hello ${recorder.name},`, '',
        `${who} has declined the exchange you recorded in ${bank.name}:`, '',
        what, `Time: ${time}`, '',
        `No time has moved. It may be that a detail was not quite right: you could talk to ${other.name}, or to a coordinator of the time bank, and record it again if you both agree. Your account:`, '',
        accountLink(options, bank, recorder.id),
      ].join('\n') + '\n',
    });
  if (onBehalf) {
    // The member a coordinator decided for is told too: it is their time.
    await send(trx, actor, other.id, {
      kind: `timebank-exchange-${decision === 'confirm' ? 'confirmed' : 'declined'}-for-you`,
      subject: `An exchange with ${recorder.name} was ${decision === 'confirm' ? 'confirmed' : 'declined'} for you`,
      text: [
        `Hello ${other.name},`, '',
        `A coordinator of ${bank.name} has ${decision === 'confirm' ? 'confirmed' : 'declined'}, on your behalf, the exchange ${recorder.name} recorded with you:`, '',
        `${recorderIsProvider ? `${recorder.name} helped you` : `You helped ${recorder.name}`}: ${e.description}`, `Time: ${time}`, '',
        decision === 'confirm' ? 'The time has moved. It shows on your statement, marked as confirmed on your behalf:' : 'No time has moved. Your account:', '',
        accountLink(options, bank, other.id), '',
        'If anything is not right, please tell a coordinator of the time bank.',
      ].join('\n') + '\n',
    });
  }
}

// Messages: a member writes to the member behind an offer or request. The platform carries the message (an
// email to the recipient with a link back to it, never either address), and the recipient answers on the page.

export interface MessageView {
  id: string; listingId: string; fromName: string; toName: string; mine: boolean; inReplyTo: string | null; body: string; createdAt: string;
}

/** Messages one account may send in a day, so the platform is not a way to spam a bank's members. */
export const messagesPerDay = 30;

/** The messages about a listing that the actor's account sent or received, oldest first (none for outsiders). */
export async function listingMessages(db: Db, actor: Actor, listingId: string): Promise<MessageView[]> {
  if (!actor.userId || !uuidPattern.test(listingId)) return [];
  const l = await listings.findListing(db, listingId.toLowerCase());
  if (!l) return [];
  const bank = (await repo.findBank(db, l.bank_id))!;
  const s = await standing(db, actor, bank);
  if (!s.account) return [];
  return (await listings.messagesOf(db, l, s.account.id)).map((m) => ({
    id: m.id, listingId: m.listing_id, fromName: m.from_name, toName: m.to_name, mine: m.from_account_id === s.account!.id,
    inReplyTo: m.in_reply_to, body: m.body, createdAt: new Date(m.created_at).toISOString(),
  }));
}

/**
 * An active member writes to the member behind a listing, or answers a message they received about it. The
 * recipient is emailed the message with a link to answer it here; neither sees the other's email address.
 */
export async function sendMessage(db: Db, actor: Actor, listingId: string, input: { body?: unknown; inReplyTo?: unknown }, options: { baseUrl?: string } = {}): Promise<{ id: string }> {
  authenticated(actor);
  const check = new Checker();
  const body = check.text(input.body, 'body', 'your message', { max: 2000 });
  const replyTo = input.inReplyTo === undefined || input.inReplyTo === '' ? null : readUuid(check, input.inReplyTo, 'inReplyTo', 'the message you are answering');
  check.done();
  return inTransaction(db, async (trx) => {
    const l = uuidPattern.test(listingId) ? await listings.findListing(trx, listingId.toLowerCase()) : null;
    if (!l) throw new AppError('not_found', `No offer or request has the id ${listingId}`);
    const bank = (await repo.findBank(trx, l.bank_id))!;
    const s = await standing(trx, actor, bank);
    if (!s.account) throw new AppError('forbidden', 'Only active members of this time bank can send messages to its members: join it first');
    let toAccountId = l.account_id;
    if (replyTo) {
      const m = await listings.findMessage(trx, replyTo);
      if (!m || m.listing_id !== l.id || m.to_account_id !== s.account.id) throw AppError.validation([{ field: 'inReplyTo', message: 'You can only answer a message that was sent to you about this listing' }]);
      toAccountId = m.from_account_id;
    } else {
      if (l.account_id === s.account.id) throw new AppError('unprocessable', 'This is your own listing: answer the messages you received about it instead');
      if (l.status !== 'open') throw new AppError('unprocessable', 'This listing is closed: its member is no longer taking messages about it');
    }
    const to = await repo.findAccount(trx, toAccountId);
    if (!to || to.status !== 'active' || !to.user_id) throw new AppError('unprocessable', 'That member cannot receive messages now');
    const since = new Date(Date.now() - 86_400_000);
    if ((await listings.countMessagesFrom(trx, bank, s.account.id, since)) >= messagesPerDay) {
      throw new AppError('rate_limited', `You have sent ${messagesPerDay} messages today: try again tomorrow`);
    }
    const row = await listings.insertMessage(trx, { organisation_id: l.organisation_id, bank_id: l.bank_id, listing_id: l.id, from_account_id: s.account.id, to_account_id: to.id, in_reply_to: replyTo, body });
    const user = await findUserById(trx, to.user_id);
    if (user) {
      const link = `${options.baseUrl ?? ''}/timebank/listings/${l.id}#message-${row.id}`;
      await enqueueEmail(trx, {
        to: user.email, kind: 'timebank-message',
        subject: replyTo ? `${s.account.name} answered you about “${l.title.slice(0, 80)}”` : `${s.account.name} wrote about “${l.title.slice(0, 80)}”`,
        text: `${s.account.name}, a member of ${bank.name}, wrote to you about “${l.title}”:\n\n${body}\n\nAnswer them through Commonweal (they do not see your email address, and you do not see theirs):\n${link}\n`,
      });
    }
    // The audit records who wrote to whom about what, not what they wrote.
    await recordAudit(trx, actor, { action: 'timebank.message.sent', entityType: 'timebank_message', entityId: row.id, organisationId: l.organisation_id, after: { listingId: l.id, from: s.account.id, to: to.id, inReplyTo: replyTo } });
    return { id: row.id };
  });
}
