import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { requireOrganisationRole } from '../platform/auth/policy.ts';
import { findUserById, hasRole, listMembershipsOfUser } from '../platform/auth/auth.repository.ts';
import { enqueueEmail } from '../platform/outbox.repository.ts';
import { findUserByEmail, registerUser } from '../platform/auth/auth.service.ts';
import { createOrganisation, getOrganisation } from '../organisations/organisations.service.ts';
import * as repo from './timebank.repository.ts';
import { noticeJoinRequest } from './timebank.work.ts';
import type { AccountStatus, TransferKind } from './timebank.table.ts';

/** The most minutes one transfer may move: 1,000 hours. A typo of extra noughts is refused, not posted. */
export const maxTransferMinutes = 60_000;
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Presenters: the fields that leave the server.

export interface BankView {
  id: string; organisationId: string; name: string; issuerAccountId: string | null; requiresApproval: boolean;
  /** The limit (minutes, ≤ 0) a new member's account opens with: how far below zero they may go to be helped. */
  memberMinBalance: number;
}

export interface AccountView {
  id: string; bankId: string; organisationId: string; kind: 'member' | 'organisation'; name: string;
  userId: string | null; holderOrganisationId: string | null;
  /** Integer minutes. */
  balance: number;
  /** The lowest the balance may go, in minutes; null for an issuer with no limit. */
  minBalance: number | null;
  /** Minutes that can still be spent; null when there is no limit. */
  available: number | null;
  status: AccountStatus;
  /**
   * What the member shows at a partner venue (it spends their credits); null for an organisation, and null
   * unless the viewer is the member, a coordinator of the bank or a site administrator.
   */
  memberCode: string | null;
  /** The member's small area (LSOA or data zone), if they gave it; shown only to those who see the member code. */
  areaCode: string | null;
  /** An organisation's part: an earn partner issues credits, a spend partner accepts them. */
  partnerRole: 'earn' | 'spend' | null;
}

/**
 * An account as it leaves the service. `seesPrivate` says whether the viewer is the account's holder, a
 * coordinator of its bank or a site administrator (see `seesPrivateFields`): only they get the member code
 * (which spends the member's credits at a partner) and the home area; every other viewer gets null for both.
 * It has no default, so every caller decides.
 */
export function presentAccount(a: repo.AccountRow, seesPrivate: boolean): AccountView {
  const view: AccountView = {
    id: a.id, bankId: a.bank_id, organisationId: a.organisation_id, kind: a.kind, name: a.name, userId: a.user_id,
    holderOrganisationId: a.holder_organisation_id, balance: a.balance, minBalance: a.min_balance,
    available: a.min_balance === null ? null : a.balance - a.min_balance, status: a.status,
    memberCode: seesPrivate ? a.member_code : null, areaCode: seesPrivate ? a.area_code : null, partnerRole: a.partner_role,
  };
  return view;
}

/** Whether the viewer may see an account's member code and home area: its holder, the bank's coordinators, site administrators. */
export async function seesPrivateFields(db: Db, actor: Actor, account: repo.AccountRow): Promise<boolean> {
  return actor.isAdmin || (await holds(db, actor, account)) || (await isCoordinator(db, actor, account.organisation_id));
}

export interface TransferView {
  id: string; bankId: string; from: string; to: string; minutes: number; reason: string;
  reverses: string | null; groupId: string | null; onBehalf: boolean; recordedBy: string | null; recordedAt: string;
  kind: TransferKind; category: string | null;
}

export function presentTransfer(t: repo.TransferRow): TransferView {
  return {
    id: t.id, bankId: t.bank_id, from: t.from_account_id, to: t.to_account_id, minutes: Number(t.minutes), reason: t.reason,
    reverses: t.reverses, groupId: t.group_id, onBehalf: t.on_behalf, recordedBy: t.recorded_by,
    recordedAt: new Date(t.created_at).toISOString(), kind: t.kind, category: t.category,
  };
}

export function readUuid(check: Checker, input: unknown, field: string, label: string): string {
  if (typeof input === 'string' && uuidPattern.test(input.trim())) return input.trim().toLowerCase();
  check.fail(field, `Give ${label} as a UUID`);
  return '';
}

export function readMinutes(check: Checker, input: unknown, field = 'minutes'): number {
  const n = typeof input === 'string' && /^\s*\d+\s*$/.test(input) ? Number(input) : input;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) check.fail(field, 'Give the time as a whole number of minutes, 1 or more');
  else if (n > maxTransferMinutes) check.fail(field, `One transfer may move at most ${maxTransferMinutes} minutes`);
  return typeof n === 'number' ? n : 0;
}

// Banks and members

const codeAlphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A member code: eight characters without look-alikes (no 0/O, 1/I), e.g. "K7Q2-9XMD". */
export function newMemberCode(): string {
  const bytes = randomBytes(8);
  const chars = [...bytes].map((b) => codeAlphabet[b % codeAlphabet.length]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

/** A code as someone types it: any case, spaces or no hyphen. */
export function normaliseMemberCode(input: string): string {
  const s = input.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return s.length === 8 ? `${s.slice(0, 4)}-${s.slice(4)}` : s;
}

async function uniqueMemberCode(db: Db, bank: repo.BankRow): Promise<string> {
  for (;;) {
    const code = newMemberCode();
    if (!(await repo.memberCodeTaken(db, bank, code))) return code;
  }
}

/** Reads an optional small-area code (English LSOA or Scottish data zone), e.g. E01008372. */
export function readAreaCode(check: Checker, input: unknown, field = 'areaCode'): string | null {
  if (input === undefined || input === null || (typeof input === 'string' && input.trim() === '')) return null;
  const code = typeof input === 'string' ? input.trim().toUpperCase() : '';
  if (!/^[ES]0[0-9]{7}$/.test(code)) {
    check.fail(field, 'Give the area as an LSOA code (E01 and six digits) or a data zone code (S01 and six digits), or leave it empty');
    return null;
  }
  return code;
}

export async function requireBank(db: Db, id: string): Promise<repo.BankRow> {
  const bank = uuidPattern.test(id) ? await repo.findBank(db, id.toLowerCase()) : null;
  if (!bank) throw new AppError('not_found', `No time bank has the id ${id}`);
  return bank;
}

/** Every bank, with how many accounts it holds. */
export async function listBanks(db: Db) {
  return (await repo.listBanks(db)).map((b) => ({ id: b.id, organisationId: b.organisation_id, name: b.name, accounts: b.accounts }));
}

export async function getBank(db: Db, id: string): Promise<BankView> {
  const bank = await requireBank(db, id);
  const issuer = await repo.findOrganisationAccount(db, bank, bank.organisation_id);
  return { id: bank.id, organisationId: bank.organisation_id, name: bank.name, issuerAccountId: issuer?.id ?? null, requiresApproval: bank.requires_approval, memberMinBalance: Number(bank.member_min_balance) };
}

/**
 * The platform's default limit for a bank's new members: 5 hours below zero, so a newcomer can be helped before
 * they have given. The form that opens a bank offers it, and migration 0028 gave it to the banks left at 0
 * without a coordinator choosing it. (The API and CLI open a bank with the limit they are given, 0 if none.)
 */
export const TIMEBANK_DEFAULT_MEMBER_LIMIT_MINUTES = -300;

/**
 * Opens a time bank run by an organisation (a new community group of the same name when none is given).
 * The organisation gets the bank's issuing account, which has no limit: its negative balance is the credits
 * it has issued that are still outstanding. Its administrators and coordinators may.
 */
export async function createBank(db: Db, actor: Actor, input: { name?: unknown; organisation?: unknown; requiresApproval?: unknown; memberLimitHours?: unknown }): Promise<BankView> {
  const check = new Checker();
  const name = check.text(input.name, 'name', 'the time bank’s name', { max: 200 });
  const requiresApproval = input.requiresApproval === true || input.requiresApproval === 'true' || input.requiresApproval === 'yes';
  const memberMinBalance = input.memberLimitHours === undefined ? 0 : readLimitHours(check, input.memberLimitHours, 'memberLimitHours');
  check.done();
  return inTransaction(db, async (trx) => {
    const org = typeof input.organisation === 'string' && input.organisation.trim()
      ? await getOrganisation(trx, input.organisation)
      : await createOrganisation(trx, actor, { name, legalForm: 'community-group' });
    await requireOrganisationRole(trx, actor, org.id, ['admin', 'coordinator']);
    const bank = await repo.insertBank(trx, { organisationId: org.id, name, requiresApproval, memberMinBalance: memberMinBalance ?? 0 });
    const issuer = await repo.insertAccount(trx, {
      organisationId: org.id, bankId: bank.id, kind: 'organisation', userId: null, holderOrganisationId: org.id, name: org.name, minBalance: null,
    });
    const view = { id: bank.id, organisationId: org.id, name, issuerAccountId: issuer.id, requiresApproval, memberMinBalance: memberMinBalance ?? 0 };
    await recordAudit(trx, actor, { action: 'timebank.bank.created', entityType: 'timebank_bank', entityId: bank.id, organisationId: org.id, after: view });
    return view;
  });
}

/**
 * Opens a member's account in a bank, registering the person (with no password: they set one by resetting
 * it) when no one has their email address yet. Coordinators and administrators of the bank's organisation may.
 * Adding someone who already has an account there answers with that account.
 */
export async function addMember(db: Db, actor: Actor, bankId: string, input: { email?: unknown; name?: unknown; minBalance?: unknown; areaCode?: unknown }) {
  const check = new Checker();
  const areaCode = readAreaCode(check, input.areaCode);
  const email = check.email(input.email);
  const name = check.text(input.name, 'name', 'the member’s name', { max: 200 });
  // Without a limit given, the account opens with the bank's default for new members.
  let minBalance: number | null = null;
  if (input.minBalance !== undefined && input.minBalance !== null && input.minBalance !== '') {
    const n = typeof input.minBalance === 'string' ? Number(input.minBalance.trim()) : input.minBalance;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n > 0) check.fail('minBalance', 'Give the lowest balance as a whole number of minutes, 0 or less (for example -600 allows 10 hours in debit)');
    else minBalance = n;
  }
  check.done();
  return inTransaction(db, async (trx) => {
    const bank = await requireBank(trx, bankId);
    minBalance ??= Number(bank.member_min_balance);
    await requireOrganisationRole(trx, actor, bank.organisation_id, ['admin', 'coordinator']);
    const user = (await findUserByEmail(trx, email)) ?? (await registerUser(trx, actor, { email, name, password: null }));
    const existing = await repo.findMemberAccount(trx, bank, user.id);
    if (existing) return { accountId: existing.id, userId: user.id, bankId: bank.id, added: false };
    const account = await repo.insertAccount(trx, {
      organisationId: bank.organisation_id, bankId: bank.id, kind: 'member', userId: user.id, holderOrganisationId: null, name, minBalance,
      memberCode: await uniqueMemberCode(trx, bank), areaCode,
    });
    await recordAudit(trx, actor, { action: 'timebank.member.added', entityType: 'timebank_account', entityId: account.id, organisationId: bank.organisation_id, after: presentAccount(account, true) });
    return { accountId: account.id, userId: user.id, bankId: bank.id, added: true };
  });
}

/**
 * Opens an account for a partner organisation in a bank: an earn partner gives credits for hours volunteered
 * (its balance goes below zero by what it has issued, down to `minBalance`, no limit when null); a spend
 * partner accepts credits for its activities. The organisation's administrators and staff move time from it.
 */
export async function addPartner(db: Db, actor: Actor, bankId: string, input: { organisation?: unknown; minBalance?: unknown; role?: unknown }) {
  const check = new Checker();
  const ref = check.text(input.organisation, 'organisation', 'the partner organisation', { max: 200 });
  let role: 'earn' | 'spend' | null = null;
  if (input.role === 'earn' || input.role === 'spend') role = input.role;
  else if (input.role !== undefined && input.role !== null && input.role !== '') check.fail('role', 'Give the partner’s role as earn (issues credits) or spend (accepts credits)');
  let minBalance: number | null = 0;
  if (input.minBalance === 'none' || input.minBalance === null) minBalance = null;
  else if (input.minBalance !== undefined && input.minBalance !== '') {
    const n = typeof input.minBalance === 'string' ? Number(input.minBalance.trim()) : input.minBalance;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n > 0) check.fail('minBalance', 'Give the lowest balance as a whole number of minutes, 0 or less, or "none" for no limit');
    else minBalance = n;
  }
  check.done();
  return inTransaction(db, async (trx) => {
    const bank = await requireBank(trx, bankId);
    await requireOrganisationRole(trx, actor, bank.organisation_id, ['admin', 'coordinator']);
    const org = await getOrganisation(trx, ref);
    const existing = await repo.findOrganisationAccount(trx, bank, org.id);
    if (existing) return { accountId: existing.id, organisationId: org.id, bankId: bank.id, added: false };
    const account = await repo.insertAccount(trx, {
      organisationId: bank.organisation_id, bankId: bank.id, kind: 'organisation', userId: null, holderOrganisationId: org.id, name: org.name, minBalance,
      partnerRole: role,
    });
    await recordAudit(trx, actor, { action: 'timebank.partner.added', entityType: 'timebank_account', entityId: account.id, organisationId: bank.organisation_id, after: presentAccount(account, true) });
    return { accountId: account.id, organisationId: org.id, bankId: bank.id, added: true };
  });
}

export async function isCoordinator(db: Db, actor: Actor, organisationId: string): Promise<boolean> {
  return actor.isAdmin || (!!actor.userId && (await hasRole(db, actor.userId, organisationId, ['coordinator'])));
}

/** Whether the person holds the account: its member, or an administrator or staff of its organisation. */
export async function holds(db: Db, actor: Actor, account: repo.AccountRow): Promise<boolean> {
  if (!actor.userId) return false;
  if (account.user_id) return account.user_id === actor.userId;
  return hasRole(db, actor.userId, account.holder_organisation_id!, ['admin', 'staff']);
}

/** One account; its holder, coordinators of its bank and members of the same bank may see it. */
export async function getAccount(db: Db, actor: Actor, id: string): Promise<AccountView> {
  const account = uuidPattern.test(id) ? await repo.findAccount(db, id.toLowerCase()) : null;
  if (!account) throw new AppError('not_found', `No time-bank account has the id ${id}`);
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  const seesPrivate = await seesPrivateFields(db, actor, account);
  if (!seesPrivate) {
    const bank = (await repo.findBank(db, account.bank_id))!;
    if (!(actor.userId && (await repo.findMemberAccount(db, bank, actor.userId)))) {
      throw new AppError('forbidden', 'Only members and coordinators of this time bank can see its accounts');
    }
  }
  // Another member of the bank sees the account (its name and balance), never its member code or area.
  return presentAccount(account, seesPrivate);
}

/** An account's postings, newest first, with the balance after each; its holder and coordinators may. */
export async function accountStatement(db: Db, actor: Actor, id: string, options: { limit?: number } = {}) {
  const account = uuidPattern.test(id) ? await repo.findAccount(db, id.toLowerCase()) : null;
  if (!account) throw new AppError('not_found', `No time-bank account has the id ${id}`);
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  if (!(await holds(db, actor, account)) && !(await isCoordinator(db, actor, account.organisation_id))) {
    throw new AppError('forbidden', 'Only the account holder and the bank’s coordinators can see its statement');
  }
  const lines = await repo.statement(db, account, Math.min(Math.max(options.limit ?? 100, 1), 100_000));
  return {
    account: presentAccount(account, true),
    postings: lines.map((l) => ({
      transferId: l.transfer_id, minutes: l.minutes, balanceAfter: l.balance_after, reason: l.reason,
      counterparty: { id: l.counterparty_id, name: l.counterparty_name }, onBehalf: l.on_behalf,
      reverses: l.reverses, reversedBy: l.reversed_by, at: new Date(l.created_at).toISOString(), kind: l.kind, category: l.category,
    })),
  };
}

/** The accounts the person holds, in every bank. */
export async function myAccounts(db: Db, actor: Actor) {
  if (!actor.userId) return [];
  return (await repo.accountsOfUser(db, actor.userId)).map((a) => ({ ...presentAccount(a, true), bankName: a.bank_name }));
}

/**
 * What the "record an exchange" form needs for an account: the accounts of its bank that time can go to. Its
 * holder and the bank's coordinators may; null for anyone else.
 */
export async function exchangeChoices(db: Db, actor: Actor, accountId: string): Promise<{ id: string; name: string }[] | null> {
  const account = uuidPattern.test(accountId) ? await repo.findAccount(db, accountId.toLowerCase()) : null;
  if (!account || (!actor.userId && !actor.isAdmin)) return null;
  if (!(await holds(db, actor, account)) && !(await isCoordinator(db, actor, account.organisation_id))) return null;
  const bank = (await repo.findBank(db, account.bank_id))!;
  return (await repo.listAccounts(db, bank)).filter((a) => a.id !== account.id && a.status === 'active').map((a) => ({ id: a.id, name: a.name }));
}

/** Whether the person coordinates the bank (to show coordinator tools). */
export async function coordinates(db: Db, actor: Actor, bankId: string): Promise<boolean> {
  const bank = await requireBank(db, bankId);
  return isCoordinator(db, actor, bank.organisation_id);
}

export async function listAccounts(db: Db, actor: Actor, bankId: string): Promise<AccountView[]> {
  const bank = await requireBank(db, bankId);
  if (!(await isCoordinator(db, actor, bank.organisation_id))) throw new AppError('forbidden', 'Only the bank’s coordinators can list its accounts');
  return (await repo.listAccounts(db, bank)).map((a) => presentAccount(a, true));
}

// The ledger

export interface TransferRequest {
  id: string; from: string; to: string; minutes: number; reason: string; reverses: string | null; groupId: string | null;
  kind?: TransferKind; category?: string | null;
}

/** What makes two requests with one id "the same": everything the client chose. */
function requestHash(r: TransferRequest): string {
  return createHash('sha256').update(JSON.stringify([r.from, r.to, r.minutes, r.reason, r.reverses, r.groupId])).digest('base64url');
}

export interface TransferOutcome { transfer: TransferView; replayed: boolean }

/**
 * Who may move time from an account. `default`: its holder (a member; an organisation's administrators and
 * staff) or a coordinator of the bank (then recorded as on someone's behalf). `coordinator`: only a
 * coordinator. `{ onBehalf }`: the caller has already decided (an exchange confirmed by the other side, a member
 * code presented at a partner venue).
 */
export type Authority = 'default' | 'coordinator' | { onBehalf: boolean };

/**
 * Everything about a transfer that does not depend on balances, checked before the write so that the locks
 * are held only inside the database. Order of answers: unknown account 404, not allowed 403, then (in the
 * write) replay 200 / same id with different content 409, refusal 422.
 */
async function authorise(db: Db, actor: Actor, r: TransferRequest, authority: Authority): Promise<{ onBehalf: boolean }> {
  const accounts = await repo.findAccountIdentities(db, [r.from, r.to]);
  const from = accounts.get(r.from);
  if (!from) throw new AppError('not_found', `No time-bank account has the id ${r.from}`);
  if (!accounts.get(r.to)) throw new AppError('not_found', `No time-bank account has the id ${r.to}`);
  if (typeof authority === 'object') return authority;
  // One look-up of the person's roles answers both questions when the account is an organisation's.
  const roles = actor.userId && !from.user_id ? await listMembershipsOfUser(db, actor.userId) : null;
  const hasRoleIn = (orgId: string, allowed: string[]) => !!roles?.some((m) => m.organisationId === orgId && allowed.includes(m.role));
  const own = authority === 'default' && !!actor.userId
    && (from.user_id ? from.user_id === actor.userId : hasRoleIn(from.holder_organisation_id!, ['admin', 'staff']));
  const coordinator = actor.isAdmin || (roles ? hasRoleIn(from.organisation_id, ['coordinator']) : !own && (await isCoordinator(db, actor, from.organisation_id)));
  if (!own && !coordinator) {
    throw new AppError('forbidden', authority === 'coordinator'
      ? 'Only a coordinator of this time bank can reverse a transfer'
      : 'You can move time only from your own account, unless you coordinate this time bank');
  }
  return { onBehalf: !own };
}

async function checkReversal(db: Db, r: TransferRequest): Promise<void> {
  if (!r.reverses) return;
  const original = await repo.findTransfer(db, r.reverses);
  if (!original) throw new AppError('not_found', `No transfer has the id ${r.reverses}`);
  if (original.reverses) throw new AppError('unprocessable', 'That transfer is itself a reversal; record a new transfer instead');
  const reversal = await repo.findReversalOf(db, r.reverses);
  if (reversal && reversal.id !== r.id) throw new AppError('conflict', `Transfer ${r.reverses} was already reversed by ${reversal.id}`);
}

/** Writes one authorised transfer through the database's one write path and turns its answer into ours. */
async function post(db: Db, actor: Actor, r: TransferRequest, onBehalf: boolean): Promise<TransferOutcome> {
  const hash = requestHash(r);
  const kind = r.kind ?? 'transfer';
  const category = r.category ?? null;
  const audit = JSON.stringify({ id: r.id, from: r.from, to: r.to, minutes: r.minutes, reason: r.reason, reverses: r.reverses, groupId: r.groupId, kind, category, onBehalf });
  const result = await repo.postTransfer(db, {
    id: r.id, from: r.from, to: r.to, minutes: r.minutes, reason: r.reason, hash, reverses: r.reverses, groupId: r.groupId,
    recordedBy: actor.userId, via: actor.via, onBehalf, kind, category, tokenId: actor.tokenId,
    action: r.reverses ? 'timebank.transfer.reversed' : 'timebank.transfer.recorded', audit,
  });
  switch (result.outcome) {
    case 'written':
      return {
        replayed: false,
        transfer: presentTransfer({
          organisation_id: result.organisationId, bank_id: result.bankId, id: r.id, from_account_id: r.from, to_account_id: r.to,
          minutes: r.minutes, reason: r.reason, request_hash: hash, reverses: r.reverses, group_id: r.groupId, recorded_by: actor.userId,
          recorded_via: actor.via, on_behalf: onBehalf, kind, category, created_at: result.at,
        }),
      };
    case 'replay': return { transfer: presentTransfer((await repo.findTransfer(db, r.id))!), replayed: true };
    case 'conflict': throw new AppError('conflict', `Transfer ${r.id} was already recorded with different details; choose a new id for a new transfer`);
    case 'missing': throw new AppError('not_found', `No time-bank account has the id ${result.accountId}`);
    case 'other_bank': throw new AppError('unprocessable', 'Time can move only between two accounts of the same time bank');
    case 'inactive': throw new AppError('unprocessable', `The account of ${result.name} is not active (suspended, or waiting for a coordinator’s approval)`);
    case 'limit': throw new AppError('unprocessable', `${result.name} has ${result.balance} minutes and may not go below ${result.minBalance}: ${r.minutes} minutes is more than the ${result.balance - result.minBalance} available`);
  }
}

/**
 * Authorises and writes transfers. One transfer is one statement (its own transaction unless `db` is one);
 * several (a group) are one transaction that first locks every account involved in id order, so groups that
 * share accounts cannot deadlock, and that writes every leg or none.
 */
export async function applyTransfers(db: Db, actor: Actor, requests: TransferRequest[], authority: Authority): Promise<TransferOutcome[]> {
  if (requests.length === 1) {
    const r = requests[0]!;
    const { onBehalf } = await authorise(db, actor, r, authority);
    return [await answeringRaces(db, async (d) => {
      await checkReversal(d, r);
      return post(d, actor, r, onBehalf);
    })];
  }
  return answeringRaces(db, (d) => inTransaction(d, async (trx) => {
    const decided = [];
    for (const r of requests) {
      decided.push((await authorise(trx, actor, r, authority)).onBehalf);
      await checkReversal(trx, r);
    }
    await repo.lockAccounts(trx, requests.flatMap((r) => [r.from, r.to]));
    const outcomes: TransferOutcome[] = [];
    for (const [i, r] of requests.entries()) outcomes.push(await post(trx, actor, r, decided[i]!));
    return outcomes;
  }));
}

/**
 * Runs `work`. If it loses a race on a unique key (the same transfer id, or a second reversal, committed by a
 * concurrent request after this one looked), it runs once more: now it sees the winner, and answers as a
 * replay (same content), a conflict (different content) or "already reversed".
 */
async function answeringRaces<T>(db: Db, work: (db: Db) => Promise<T>): Promise<T> {
  try {
    return await work(db);
  } catch (error) {
    const e = error as { code?: string; constraint?: string; message?: string };
    if (e.code === '23514' && /within_limit/.test(`${e.constraint ?? ''} ${e.message ?? ''}`)) {
      // The database's own limit check: unreachable while the locks hold, kept as a refusal if they ever did not.
      throw new AppError('unprocessable', 'That would take an account below its limit', { cause: error });
    }
    // 23505: a unique key (the id, a second reversal); 40P01: a deadlock between a group and a twin of one of
    // its legs. Once more, the loser sees the winner.
    if ((e.code !== '23505' && e.code !== '40P01') || db.isTransaction) throw error;
    return work(db);
  }
}


function readTransfer(input: Record<string, unknown>, check: Checker, prefix = ''): Omit<TransferRequest, 'reverses' | 'groupId'> {
  const id = readUuid(check, input.id, `${prefix}id`, 'the transfer’s id');
  const from = readUuid(check, input.from, `${prefix}from`, 'the account to move time from');
  const to = readUuid(check, input.to, `${prefix}to`, 'the account to move time to');
  const minutes = readMinutes(check, input.minutes, `${prefix}minutes`);
  if (from && from === to) check.fail(`${prefix}to`, 'Choose two different accounts');
  const reason = prefix ? '' : check.text(input.reason, 'reason', 'what the time was for', { max: 500 });
  return { id, from, to, minutes, reason };
}

export function authenticated(actor: Actor) {
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
}

/**
 * Moves minutes from one account to another: the one way time moves. The client chooses the id; sending the
 * same request again answers with the stored transfer (`replayed`), and the same id with other details is a
 * conflict. A member may move time only from their own account; a coordinator of the bank between any two
 * of its accounts (recorded as on their behalf). Refused (422, nothing written) if the sender would go below
 * their limit.
 */
export async function recordTransfer(db: Db, actor: Actor, input: { id?: unknown; from?: unknown; to?: unknown; minutes?: unknown; reason?: unknown }): Promise<TransferOutcome> {
  authenticated(actor);
  const check = new Checker();
  const r: TransferRequest = { ...readTransfer(input, check), reverses: null, groupId: null };
  check.done();
  return (await applyTransfers(db, actor, [r], 'default'))[0]!;
}

/**
 * Reverses a transfer with a reason: a new transfer of the same minutes back the other way, linked to the
 * original. A transfer is reversed once; a reversal is not reversed. Coordinators of the bank may.
 */
export async function reverseTransfer(db: Db, actor: Actor, originalId: string, input: { id?: unknown; reason?: unknown }): Promise<TransferOutcome> {
  authenticated(actor);
  const check = new Checker();
  const id = readUuid(check, input.id, 'id', 'the reversal’s id');
  const reason = check.text(input.reason, 'reason', 'why the transfer is reversed', { max: 500 });
  check.done();
  const original = uuidPattern.test(originalId) ? await repo.findTransfer(db, originalId.toLowerCase()) : null;
  if (!original) throw new AppError('not_found', `No transfer has the id ${originalId}`);
  const r: TransferRequest = { id, from: original.to_account_id, to: original.from_account_id, minutes: Number(original.minutes), reason, reverses: original.id, groupId: null };
  return (await applyTransfers(db, actor, [r], 'coordinator'))[0]!;
}

/**
 * A group exchange (one to many, many to one): every leg is applied or none is. Each leg has its own id; the
 * group's id links them. Replaying the whole group answers with the stored legs.
 */
export async function recordGroupExchange(db: Db, actor: Actor, input: { id?: unknown; reason?: unknown; transfers?: unknown }): Promise<{ id: string; transfers: TransferView[]; replayed: boolean }> {
  authenticated(actor);
  const check = new Checker();
  const groupId = readUuid(check, input.id, 'id', 'the group’s id');
  const reason = check.text(input.reason, 'reason', 'what the time was for', { max: 500 });
  const legs = Array.isArray(input.transfers) ? input.transfers : [];
  if (legs.length < 1 || legs.length > 100) check.fail('transfers', 'Give between 1 and 100 transfers');
  const requests = legs.map((leg, i) => ({ ...readTransfer((leg ?? {}) as Record<string, unknown>, check, `transfers.${i}.`), reason, reverses: null, groupId }));
  if (new Set(requests.map((r) => r.id)).size !== requests.length) check.fail('transfers', 'Give each transfer its own id');
  check.done();
  const outcomes = await applyTransfers(db, actor, requests, 'default');
  return { id: groupId, transfers: outcomes.map((o) => o.transfer), replayed: outcomes.every((o) => o.replayed) };
}

export async function getTransfer(db: Db, actor: Actor, id: string): Promise<TransferView> {
  const t = uuidPattern.test(id) ? await repo.findTransfer(db, id.toLowerCase()) : null;
  if (!t) throw new AppError('not_found', `No transfer has the id ${id}`);
  authenticated(actor);
  const [from, to] = await Promise.all([repo.findAccount(db, t.from_account_id), repo.findAccount(db, t.to_account_id)]);
  if (from!.user_id !== actor.userId && to!.user_id !== actor.userId && !(await isCoordinator(db, actor, t.organisation_id))) {
    throw new AppError('forbidden', 'Only the two account holders and the bank’s coordinators can see a transfer');
  }
  return presentTransfer(t);
}

// Joining, approval and suspension

/**
 * A signed-in person asks to join a bank. Where the bank requires approval the account waits ('pending') and
 * can neither give nor receive time until a coordinator approves it; otherwise it is active at once. Joining
 * again answers with the account already there.
 */
export async function joinBank(db: Db, actor: Actor, bankId: string, input: { name?: unknown; areaCode?: unknown }, options: { baseUrl?: string } = {}) {
  if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to join a time bank');
  const check = new Checker();
  const name = check.text(input.name, 'name', 'your name as other members will see it', { max: 200 });
  const areaCode = readAreaCode(check, input.areaCode);
  check.done();
  return inTransaction(db, async (trx) => {
    const bank = await requireBank(trx, bankId);
    const status = bank.requires_approval ? 'pending' : 'active';
    const existing = await repo.findMemberAccount(trx, bank, actor.userId!);
    let account: repo.AccountRow;
    if (existing && existing.status === 'refused') {
      // Asking again after a refusal: the same account waits for a coordinator again.
      account = await repo.reopenAccount(trx, existing, { name, areaCode, status, minBalance: Number(bank.member_min_balance) });
      await recordAudit(trx, actor, { action: 'timebank.member.rejoined', entityType: 'timebank_account', entityId: account.id, organisationId: bank.organisation_id, before: { status: existing.status, reason: existing.status_reason }, after: presentAccount(account, true) });
    } else if (existing) {
      return { account: presentAccount(existing, true), joined: false };
    } else {
      // A new member opens with the bank's default limit, so they can be helped before they have given.
      account = await repo.insertAccount(trx, {
        organisationId: bank.organisation_id, bankId: bank.id, kind: 'member', userId: actor.userId, holderOrganisationId: null, name, minBalance: Number(bank.member_min_balance),
        status, memberCode: await uniqueMemberCode(trx, bank), areaCode,
      });
      await recordAudit(trx, actor, { action: 'timebank.member.joined', entityType: 'timebank_account', entityId: account.id, organisationId: bank.organisation_id, after: presentAccount(account, true) });
    }
    if (account.status === 'pending') {
      await noticeJoinRequest(trx, { organisationId: bank.organisation_id, bankId: bank.id, bankName: bank.name, name, userId: actor.userId! }, options.baseUrl ?? '');
    }
    return { account: presentAccount(account, true), joined: true };
  });
}

const statusChanges = {
  approve: { from: ['pending'], to: 'active', action: 'timebank.member.approved' },
  suspend: { from: ['active', 'pending'], to: 'suspended', action: 'timebank.member.suspended' },
  reinstate: { from: ['suspended'], to: 'active', action: 'timebank.member.reinstated' },
  refuse: { from: ['pending'], to: 'refused', action: 'timebank.member.refused' },
} as const;

/**
 * A coordinator approves a pending member, suspends an account (it can neither give nor receive time; its
 * history and balance stay) or reinstates it. The bank's own issuing account cannot be suspended.
 */
export async function changeAccountStatus(db: Db, actor: Actor, accountId: string, change: keyof typeof statusChanges, input: { reason?: unknown } = {}, options: { baseUrl?: string } = {}): Promise<AccountView> {
  authenticated(actor);
  const rule = statusChanges[change];
  if (!rule) throw new AppError('not_found', `No such change: ${change}`);
  const check = new Checker();
  const reason = change === 'suspend' ? check.text(input.reason, 'reason', 'why the account is suspended', { max: 500 })
    : change === 'refuse' ? check.text(input.reason, 'reason', 'why the request to join is refused (the person is told)', { max: 500 }) : null;
  check.done();
  return inTransaction(db, async (trx) => {
    const found = uuidPattern.test(accountId) ? await repo.findAccount(trx, accountId.toLowerCase()) : null;
    if (!found) throw new AppError('not_found', `No time-bank account has the id ${accountId}`);
    await requireOrganisationRole(trx, actor, found.organisation_id, ['admin', 'coordinator']);
    const [account] = [...(await repo.lockAccounts(trx, [found.id])).values()];
    if (account!.holder_organisation_id === account!.organisation_id) throw new AppError('unprocessable', 'The bank’s own issuing account cannot be suspended');
    if (!(rule.from as readonly string[]).includes(account!.status)) {
      throw new AppError('unprocessable', `The account of ${account!.name} is ${account!.status}, so it cannot be ${{ approve: 'approved', suspend: 'suspended', reinstate: 'reinstated', refuse: 'refused' }[change]}`);
    }
    // Only a refusal's reason is kept on the account (the person is shown it); a suspension's is in the audit log.
    const after = await repo.setAccountStatus(trx, account!, rule.to, change === 'refuse' ? reason : null);
    await recordAudit(trx, actor, {
      action: rule.action, entityType: 'timebank_account', entityId: account!.id, organisationId: account!.organisation_id,
      before: { status: account!.status }, after: { status: after.status, reason },
    });
    if (change === 'refuse' && account!.user_id) {
      const bank = (await repo.findBank(trx, account!.bank_id))!;
      const user = await findUserById(trx, account!.user_id);
      if (user) {
        await enqueueEmail(trx, {
          to: user.email, kind: 'timebank-join-refused', subject: `Your request to join ${bank.name}`,
          text: [
            `Hello ${account!.name},`, '',
            `A coordinator of ${bank.name} has not accepted your request to join, for this reason:`, '',
            reason!, '',
            `If something has changed, you can ask again on the time bank's page: ${options.baseUrl ?? ''}/timebank/banks/${bank.id}`,
          ].join('\n') + '\n',
        });
      }
    }
    return presentAccount(after, true);
  });
}

/** Whether new members wait for a coordinator's approval. The bank's administrators and coordinators may. */
export async function setRequiresApproval(db: Db, actor: Actor, bankId: string, requiresApproval: boolean): Promise<BankView> {
  authenticated(actor);
  return inTransaction(db, async (trx) => {
    const bank = await requireBank(trx, bankId);
    await requireOrganisationRole(trx, actor, bank.organisation_id, ['admin', 'coordinator']);
    await repo.setRequiresApproval(trx, bank, requiresApproval);
    await recordAudit(trx, actor, { action: 'timebank.bank.approval_changed', entityType: 'timebank_bank', entityId: bank.id, organisationId: bank.organisation_id, before: { requiresApproval: bank.requires_approval }, after: { requiresApproval } });
    return getBank(trx, bank.id);
  });
}

/** The person's own account in a bank, if any. */
export async function myAccountIn(db: Db, actor: Actor, bankId: string): Promise<AccountView | null> {
  if (!actor.userId) return null;
  const bank = await requireBank(db, bankId);
  const a = await repo.findMemberAccount(db, bank, actor.userId);
  return a ? presentAccount(a, true) : null;
}

// Limits

/**
 * Reads how many hours an account may go below zero (0 to 1,000; quarter hours allowed), as the limit in
 * minutes (0 or less).
 */
export function readLimitHours(check: Checker, input: unknown, field: string): number | null {
  const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim() : '';
  if (!/^\d{1,4}(\.\d{1,2})?$/.test(text)) {
    check.fail(field, 'Enter the number of hours, 0 or more, like 5 or 2.5');
    return null;
  }
  const minutes = Number(text) * 60;
  if (Math.abs(minutes - Math.round(minutes)) > 1e-9) {
    check.fail(field, 'Enter hours that make whole minutes, like 1, 1.25, 1.5 or 1.75');
    return null;
  }
  if (minutes > 60_000) {
    check.fail(field, 'Enter 1,000 hours or fewer');
    return null;
  }
  return minutes === 0 ? 0 : -Math.round(minutes);
}

/** Sets the limit new members' accounts open with (existing accounts keep theirs). Coordinators and administrators of the bank. */
export async function setMemberDefaultLimit(db: Db, actor: Actor, bankId: string, input: { hours?: unknown }): Promise<BankView> {
  authenticated(actor);
  const check = new Checker();
  const minBalance = readLimitHours(check, input.hours, 'hours');
  check.done();
  return inTransaction(db, async (trx) => {
    const bank = await requireBank(trx, bankId);
    await requireOrganisationRole(trx, actor, bank.organisation_id, ['admin', 'coordinator']);
    await repo.setMemberMinBalance(trx, bank, minBalance!);
    await recordAudit(trx, actor, { action: 'timebank.bank.default_limit_changed', entityType: 'timebank_bank', entityId: bank.id, organisationId: bank.organisation_id, before: { memberMinBalance: Number(bank.member_min_balance) }, after: { memberMinBalance: minBalance } });
    return getBank(trx, bank.id);
  });
}

/**
 * Sets how far below zero one account may go. Coordinators and administrators of the bank. The bank's own
 * issuing account has no limit and keeps none; a limit above the account's balance now is refused (the
 * balance would already break it), under a lock on the account so a transfer cannot slip between.
 */
export async function setAccountLimit(db: Db, actor: Actor, accountId: string, input: { hours?: unknown }): Promise<AccountView> {
  authenticated(actor);
  const check = new Checker();
  const minBalance = readLimitHours(check, input.hours, 'hours');
  check.done();
  return inTransaction(db, async (trx) => {
    const found = uuidPattern.test(accountId) ? await repo.findAccount(trx, accountId.toLowerCase()) : null;
    if (!found) throw new AppError('not_found', `No time-bank account has the id ${accountId}`);
    await requireOrganisationRole(trx, actor, found.organisation_id, ['admin', 'coordinator']);
    const account = (await repo.lockAccounts(trx, [found.id])).get(found.id)!;
    if (account.holder_organisation_id === account.organisation_id) throw new AppError('unprocessable', 'The bank’s own issuing account has no limit: it issues the credits');
    if (Number(account.balance) < minBalance!) {
      throw AppError.validation([{ field: 'hours', message: `${account.name}’s balance is already ${-Number(account.balance)} minutes below zero, so the limit must allow at least that many` }]);
    }
    const after = await repo.setAccountMinBalance(trx, account, minBalance!);
    await recordAudit(trx, actor, { action: 'timebank.account.limit_changed', entityType: 'timebank_account', entityId: account.id, organisationId: account.organisation_id, before: { minBalance: account.min_balance === null ? null : Number(account.min_balance) }, after: { minBalance } });
    return presentAccount(after, true);
  });
}

/** The organisation that runs a bank (for routes' access rules); not found when there is no such bank. */
export async function bankOrganisationId(db: Db, bankId: string): Promise<string> {
  return (await requireBank(db, bankId)).organisation_id;
}

/** The organisation whose bank holds an account (for routes' access rules). */
export async function accountOrganisationId(db: Db, accountId: string): Promise<string> {
  const account = uuidPattern.test(accountId) ? await repo.findAccount(db, accountId.toLowerCase()) : null;
  if (!account) throw new AppError('not_found', `No time-bank account has the id ${accountId}`);
  return account.organisation_id;
}

/** One account as its bank's coordinators see it (for their forms). */
export async function accountForCoordinator(db: Db, actor: Actor, accountId: string): Promise<AccountView & { statusReason: string | null }> {
  const account = uuidPattern.test(accountId) ? await repo.findAccount(db, accountId.toLowerCase()) : null;
  if (!account) throw new AppError('not_found', `No time-bank account has the id ${accountId}`);
  await requireOrganisationRole(db, actor, account.organisation_id, ['admin', 'coordinator']);
  return { ...presentAccount(account, true), statusReason: account.status_reason };
}

/** Why the person's own request to join was refused, if it was. */
export async function myRefusalReason(db: Db, actor: Actor, bankId: string): Promise<string | null> {
  if (!actor.userId) return null;
  const bank = await requireBank(db, bankId);
  const a = await repo.findMemberAccount(db, bank, actor.userId);
  return a?.status === 'refused' ? a.status_reason : null;
}
