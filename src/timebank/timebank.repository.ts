import { sql, type Selectable } from 'kysely';
import type { Db } from '../platform/db.ts';
import type {
  AccountStatus, TimebankAccountsTable, TimebankActivitiesTable, TimebankBanksTable, TimebankExchangesTable, TimebankListingsTable,
  TimebankTransfersTable, TransferKind,
} from './timebank.table.ts';

export type BankRow = Selectable<TimebankBanksTable>;
export type AccountRow = Selectable<TimebankAccountsTable>;
export type TransferRow = Selectable<TimebankTransfersTable>;
export type ListingRow = Selectable<TimebankListingsTable>;
export type ExchangeRow = Selectable<TimebankExchangesTable>;
export type ActivityRow = Selectable<TimebankActivitiesTable>;

export async function insertBank(db: Db, bank: { organisationId: string; name: string; requiresApproval?: boolean; memberMinBalance?: number }): Promise<BankRow> {
  return db.insertInto('timebank_banks').values({ organisation_id: bank.organisationId, name: bank.name, requires_approval: bank.requiresApproval ?? false, member_min_balance: bank.memberMinBalance ?? 0 })
    .returningAll().executeTakeFirstOrThrow();
}

export async function findBank(db: Db, id: string): Promise<BankRow | null> {
  return (await db.selectFrom('timebank_banks').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function listBanks(db: Db): Promise<(BankRow & { accounts: number })[]> {
  const rows = await db.selectFrom('timebank_banks as b')
    .select(['b.organisation_id', 'b.id', 'b.name', 'b.requires_approval', 'b.member_min_balance', 'b.created_at'])
    .select((eb) => eb.selectFrom('timebank_accounts as a').whereRef('a.organisation_id', '=', 'b.organisation_id')
      .whereRef('a.bank_id', '=', 'b.id').select((e) => e.fn.countAll<number>().as('n')).as('accounts'))
    .orderBy('b.name').execute();
  return rows.map((r) => ({ ...r, accounts: Number(r.accounts ?? 0) }));
}

export async function findBankByName(db: Db, organisationId: string, name: string): Promise<BankRow | null> {
  return (await db.selectFrom('timebank_banks').selectAll().where('organisation_id', '=', organisationId).where('name', '=', name).executeTakeFirst()) ?? null;
}

export async function insertAccount(db: Db, a: {
  organisationId: string; bankId: string; kind: 'member' | 'organisation'; userId: string | null;
  holderOrganisationId: string | null; name: string; minBalance: number | null;
  status?: AccountStatus; memberCode?: string | null; areaCode?: string | null; partnerRole?: 'earn' | 'spend' | null;
}): Promise<AccountRow> {
  return db.insertInto('timebank_accounts').values({
    organisation_id: a.organisationId, bank_id: a.bankId, kind: a.kind, user_id: a.userId,
    holder_organisation_id: a.holderOrganisationId, name: a.name, min_balance: a.minBalance,
    status: a.status ?? 'active', member_code: a.memberCode ?? null, area_code: a.areaCode ?? null, partner_role: a.partnerRole ?? null,
    joined_at: (a.status ?? 'active') === 'active' ? new Date() : null,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function setAccountStatus(db: Db, account: AccountRow, status: AccountStatus, reason: string | null = null): Promise<AccountRow> {
  return db.updateTable('timebank_accounts').set({ status, status_reason: reason, status_changed_at: new Date(), ...(status === 'active' && !account.joined_at ? { joined_at: new Date() } : {}) })
    .where('organisation_id', '=', account.organisation_id).where('bank_id', '=', account.bank_id).where('id', '=', account.id)
    .returningAll().executeTakeFirstOrThrow();
}

/** A refused request to join, made again: the account waits again (or opens, where no approval is needed). */
export async function reopenAccount(db: Db, account: AccountRow, x: { name: string; areaCode: string | null; status: AccountStatus; minBalance: number }): Promise<AccountRow> {
  return db.updateTable('timebank_accounts').set({
    name: x.name, area_code: x.areaCode, status: x.status, status_reason: null, status_changed_at: new Date(), min_balance: x.minBalance,
    ...(x.status === 'active' && !account.joined_at ? { joined_at: new Date() } : {}),
  }).where('organisation_id', '=', account.organisation_id).where('bank_id', '=', account.bank_id).where('id', '=', account.id)
    .returningAll().executeTakeFirstOrThrow();
}

export async function setAccountMinBalance(db: Db, account: AccountRow, minBalance: number): Promise<AccountRow> {
  return db.updateTable('timebank_accounts').set({ min_balance: minBalance })
    .where('organisation_id', '=', account.organisation_id).where('bank_id', '=', account.bank_id).where('id', '=', account.id)
    .returningAll().executeTakeFirstOrThrow();
}

export async function setMemberMinBalance(db: Db, bank: BankRow, minBalance: number): Promise<void> {
  await db.updateTable('timebank_banks').set({ member_min_balance: minBalance }).where('organisation_id', '=', bank.organisation_id).where('id', '=', bank.id).execute();
}

export async function setRequiresApproval(db: Db, bank: BankRow, requiresApproval: boolean): Promise<void> {
  await db.updateTable('timebank_banks').set({ requires_approval: requiresApproval }).where('organisation_id', '=', bank.organisation_id).where('id', '=', bank.id).execute();
}

export async function findByMemberCode(db: Db, bank: { organisation_id: string; id: string }, code: string): Promise<AccountRow | null> {
  return (await db.selectFrom('timebank_accounts').selectAll().where('organisation_id', '=', bank.organisation_id)
    .where('bank_id', '=', bank.id).where('member_code', '=', code).executeTakeFirst()) ?? null;
}

export async function memberCodeTaken(db: Db, bank: BankRow, code: string): Promise<boolean> {
  return !!(await findByMemberCode(db, bank, code));
}

export async function findAccount(db: Db, id: string): Promise<AccountRow | null> {
  return (await db.selectFrom('timebank_accounts').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function findMemberAccount(db: Db, bank: BankRow, userId: string): Promise<AccountRow | null> {
  return (await db.selectFrom('timebank_accounts').selectAll().where('organisation_id', '=', bank.organisation_id)
    .where('bank_id', '=', bank.id).where('user_id', '=', userId).executeTakeFirst()) ?? null;
}

export async function findOrganisationAccount(db: Db, bank: BankRow, holderOrganisationId: string): Promise<AccountRow | null> {
  return (await db.selectFrom('timebank_accounts').selectAll().where('organisation_id', '=', bank.organisation_id)
    .where('bank_id', '=', bank.id).where('holder_organisation_id', '=', holderOrganisationId).executeTakeFirst()) ?? null;
}

export async function listAccounts(db: Db, bank: BankRow): Promise<AccountRow[]> {
  return db.selectFrom('timebank_accounts').selectAll().where('organisation_id', '=', bank.organisation_id)
    .where('bank_id', '=', bank.id).orderBy('kind', 'desc').orderBy('name').orderBy('id').execute();
}

export async function accountsOfUser(db: Db, userId: string): Promise<(AccountRow & { bank_name: string })[]> {
  return db.selectFrom('timebank_accounts as a').innerJoin('timebank_banks as b', (j) => j.onRef('b.organisation_id', '=', 'a.organisation_id').onRef('b.id', '=', 'a.bank_id'))
    .selectAll('a').select('b.name as bank_name').where('a.user_id', '=', userId).orderBy('b.name').execute();
}

/** Reads accounts without locking them (to authorise and validate before the locks are taken). */
/** What never changes about an account once it is opened (the database refuses such an update: migration 0015). */
export type AccountIdentity = Pick<AccountRow, 'organisation_id' | 'bank_id' | 'id' | 'kind' | 'user_id' | 'holder_organisation_id'>;

const identityLimit = 100_000;
const identities = new WeakMap<object, Map<string, AccountIdentity>>();

/**
 * The identities of accounts, for deciding who may move time from them: from memory when this database has
 * been asked before, else read. Safe to keep because an identity is immutable and accounts are never deleted;
 * balances, status and limits, which do change, are read by the write itself. Kept per database handle, the
 * most recently read 100,000.
 */
export async function findAccountIdentities(db: Db, ids: string[]): Promise<Map<string, AccountIdentity>> {
  let cache = identities.get(db);
  if (!cache) identities.set(db, (cache = new Map()));
  const found = new Map<string, AccountIdentity>();
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    const known = cache.get(id);
    if (known) found.set(id, known);
    else missing.push(id);
  }
  if (missing.length) {
    const rows = await db.selectFrom('timebank_accounts')
      .select(['organisation_id', 'bank_id', 'id', 'kind', 'user_id', 'holder_organisation_id'])
      .where('id', 'in', missing).execute();
    for (const r of rows) {
      found.set(r.id, r);
      if (cache.size >= identityLimit) cache.delete(cache.keys().next().value!);
      cache.set(r.id, r);
    }
  }
  return found;
}

/**
 * Locks the accounts for the rest of the transaction, always in the order of their ids, so two transfers
 * that touch the same pair in opposite directions cannot deadlock.
 */
export async function lockAccounts(db: Db, ids: string[]): Promise<Map<string, AccountRow>> {
  const sorted = [...new Set(ids)].sort();
  const rows = await db.selectFrom('timebank_accounts').selectAll().where('id', 'in', sorted).orderBy('id').forUpdate().execute();
  return new Map(rows.map((r) => [r.id, r]));
}

export async function findTransfer(db: Db, id: string): Promise<TransferRow | null> {
  return (await db.selectFrom('timebank_transfers').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function findReversalOf(db: Db, transferId: string): Promise<TransferRow | null> {
  return (await db.selectFrom('timebank_transfers').selectAll().where('reverses', '=', transferId).executeTakeFirst()) ?? null;
}

export interface PostTransfer {
  id: string; from: string; to: string; minutes: number; reason: string; hash: string; reverses: string | null; groupId: string | null;
  recordedBy: string | null; via: string; onBehalf: boolean; kind: TransferKind; category: string | null;
  tokenId: string | null; action: string; audit: string;
}

export type PostOutcome =
  | { outcome: 'written'; organisationId: string; bankId: string; at: Date }
  | { outcome: 'replay' | 'conflict'; at: Date }
  | { outcome: 'missing'; accountId: string }
  | { outcome: 'other_bank' }
  | { outcome: 'inactive'; name: string }
  | { outcome: 'limit'; name: string; balance: number; minBalance: number };

/**
 * The ledger's one write (the database function timebank_post_transfer, migration 0009): answers a replay or
 * conflict if the id is already taken, refuses (writing nothing) an account that is missing, in another bank,
 * not active or would go below its limit, and otherwise writes the transfer, its two postings, the audit row
 * and, last (locking the two accounts in id order), both balances. One round trip; on its own it is its own
 * transaction. Inside a caller's transaction a refusal leaves that transaction aborted: the caller rolls back.
 */
export async function postTransfer(db: Db, p: PostTransfer): Promise<PostOutcome> {
  let row: { outcome: string; detail: string | null; at: Date | null };
  try {
    const r = await sql<{ outcome: string; detail: string | null; at: Date | null }>`
      SELECT outcome, detail, at FROM timebank_post_transfer(${p.id}::uuid, ${p.from}::uuid, ${p.to}::uuid, ${p.minutes}::bigint, ${p.reason},
        ${p.hash}, ${p.reverses}::uuid, ${p.groupId}::uuid, ${p.recordedBy}::uuid, ${p.via}, ${p.onBehalf}, ${p.kind}, ${p.category},
        ${p.tokenId}::uuid, ${p.action}, ${p.audit}::jsonb)`.execute(db);
    row = r.rows[0]!;
  } catch (error) {
    // A refusal is raised by the function (so that nothing it wrote survives) and read back here.
    const m = /timebank:(limit|inactive):(\{.*\})/.exec((error as Error).message ?? '');
    if ((error as { code?: string }).code !== 'P0001' || !m) throw error;
    const d = JSON.parse(m[2]!) as { name: string; balance?: number; minBalance?: number };
    if (m[1] === 'inactive') return { outcome: 'inactive', name: d.name };
    return { outcome: 'limit', name: d.name, balance: Number(d.balance), minBalance: Number(d.minBalance) };
  }
  switch (row.outcome) {
    case 'written': {
      const [organisationId, bankId] = row.detail!.split(' ');
      return { outcome: 'written', organisationId: organisationId!, bankId: bankId!, at: new Date(row.at!) };
    }
    case 'replay': case 'conflict': return { outcome: row.outcome, at: new Date(row.at!) };
    case 'missing': return { outcome: 'missing', accountId: row.detail! };
    case 'other_bank': return { outcome: 'other_bank' };
    default: throw new Error(`timebank_post_transfer answered ${row.outcome}`);
  }
}

export interface StatementLine {
  transfer_id: string; minutes: number; created_at: Date; reason: string; reverses: string | null; on_behalf: boolean;
  kind: TransferKind; category: string | null;
  counterparty_id: string; counterparty_name: string; balance_after: number; reversed_by: string | null;
}

/** An account's postings, newest first, with the balance after each (from the stored balance backwards). */
export async function statement(db: Db, account: AccountRow, limit: number): Promise<StatementLine[]> {
  const result = await sql<StatementLine>`
    SELECT p.transfer_id, p.minutes, p.created_at, t.reason, t.reverses, t.on_behalf, t.kind, t.category,
           other.id AS counterparty_id, other.name AS counterparty_name,
           ${account.balance}::bigint - coalesce(sum(p.minutes) OVER (ORDER BY p.created_at DESC, p.transfer_id DESC
             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS balance_after,
           (SELECT r.id FROM timebank_transfers r WHERE r.reverses = t.id) AS reversed_by
      FROM timebank_postings p
      JOIN timebank_transfers t ON t.organisation_id = p.organisation_id AND t.bank_id = p.bank_id AND t.id = p.transfer_id
      JOIN timebank_accounts other ON other.organisation_id = p.organisation_id AND other.bank_id = p.bank_id
           AND other.id = CASE WHEN t.from_account_id = p.account_id THEN t.to_account_id ELSE t.from_account_id END
     WHERE p.organisation_id = ${account.organisation_id} AND p.account_id = ${account.id}
     ORDER BY p.created_at DESC, p.transfer_id DESC
     LIMIT ${limit}`.execute(db);
  return result.rows.map((r) => ({ ...r, minutes: Number(r.minutes), balance_after: Number(r.balance_after) }));
}

// The ledger's invariants, read straight from the tables (see timebank.check.ts).

export async function unbalancedTransfers(db: Db): Promise<{ id: string; postings: number; sum: number }[]> {
  const r = await sql<{ id: string; postings: number; sum: number }>`
    SELECT t.id, count(p.transfer_id)::int AS postings, coalesce(sum(p.minutes), 0)::bigint AS sum
      FROM timebank_transfers t
      LEFT JOIN timebank_postings p ON p.transfer_id = t.id
      LEFT JOIN timebank_accounts a ON a.id = p.account_id
     GROUP BY t.id, t.bank_id, t.minutes, t.from_account_id, t.to_account_id
    HAVING count(p.transfer_id) <> 2
        OR coalesce(sum(p.minutes), 0) <> 0
        OR count(*) FILTER (WHERE p.account_id = t.from_account_id AND p.minutes = -t.minutes) <> 1
        OR count(*) FILTER (WHERE p.account_id = t.to_account_id AND p.minutes = t.minutes) <> 1
        OR bool_or(p.bank_id <> t.bank_id OR a.bank_id <> t.bank_id)
     LIMIT 100`.execute(db);
  return r.rows;
}

export async function orphanPostings(db: Db): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM timebank_postings p
     WHERE NOT EXISTS (SELECT 1 FROM timebank_transfers t WHERE t.id = p.transfer_id)`.execute(db);
  return r.rows[0]!.n;
}

export async function bankSums(db: Db): Promise<{ bank_id: string; accounts: number; balances: number; postings: number }[]> {
  const r = await sql<{ bank_id: string; accounts: number; balances: number; postings: number }>`
    SELECT b.id AS bank_id,
           (SELECT count(*)::int FROM timebank_accounts a WHERE a.bank_id = b.id) AS accounts,
           (SELECT coalesce(sum(a.balance), 0)::bigint FROM timebank_accounts a WHERE a.bank_id = b.id) AS balances,
           (SELECT coalesce(sum(p.minutes), 0)::bigint FROM timebank_postings p WHERE p.bank_id = b.id) AS postings
      FROM timebank_banks b ORDER BY b.id`.execute(db);
  return r.rows.map((x) => ({ ...x, balances: Number(x.balances), postings: Number(x.postings) }));
}

export async function driftedBalances(db: Db): Promise<{ id: string; balance: number; postings: number }[]> {
  const r = await sql<{ id: string; balance: number; postings: number }>`
    SELECT a.id, a.balance, coalesce(s.total, 0)::bigint AS postings
      FROM timebank_accounts a
      LEFT JOIN (SELECT account_id, sum(minutes) AS total FROM timebank_postings GROUP BY account_id) s ON s.account_id = a.id
     WHERE a.balance <> coalesce(s.total, 0)
     LIMIT 100`.execute(db);
  return r.rows.map((x) => ({ ...x, postings: Number(x.postings) }));
}

export async function accountsBeyondLimit(db: Db): Promise<{ id: string; balance: number; min_balance: number }[]> {
  return db.selectFrom('timebank_accounts').select(['id', 'balance', 'min_balance'])
    .where('min_balance', 'is not', null).where(sql<boolean>`balance < min_balance`).limit(100).execute() as Promise<{ id: string; balance: number; min_balance: number }[]>;
}

export async function badReversals(db: Db): Promise<{ id: string; problem: string }[]> {
  const r = await sql<{ id: string; problem: string }>`
    SELECT r.id, CASE WHEN o.id IS NULL THEN 'reverses a missing transfer'
                      WHEN o.reverses IS NOT NULL THEN 'reverses a reversal'
                      ELSE 'does not mirror its original' END AS problem
      FROM timebank_transfers r LEFT JOIN timebank_transfers o ON o.id = r.reverses
     WHERE r.reverses IS NOT NULL AND (o.id IS NULL OR o.reverses IS NOT NULL OR o.from_account_id <> r.to_account_id
           OR o.to_account_id <> r.from_account_id OR o.minutes <> r.minutes)
    UNION ALL
    SELECT reverses, 'reversed ' || count(*) || ' times' FROM timebank_transfers WHERE reverses IS NOT NULL
     GROUP BY reverses HAVING count(*) > 1
    LIMIT 100`.execute(db);
  return r.rows;
}

/** The triggers that make the ledger append-only, as the database reports them. */
export async function appendOnlyTriggers(db: Db): Promise<{ table: string; trigger: string; enabled: boolean }[]> {
  const r = await sql<{ table: string; trigger: string; enabled: boolean }>`
    SELECT c.relname AS table, t.tgname AS trigger, t.tgenabled <> 'D' AS enabled
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relname IN ('timebank_postings', 'timebank_transfers') AND NOT t.tgisinternal
     ORDER BY 1, 2`.execute(db);
  return r.rows;
}

export async function counts(db: Db): Promise<{ banks: number; accounts: number; transfers: number; postings: number }> {
  const r = await sql<{ banks: number; accounts: number; transfers: number; postings: number }>`
    SELECT (SELECT count(*)::int FROM timebank_banks) AS banks, (SELECT count(*)::int FROM timebank_accounts) AS accounts,
           (SELECT count(*)::int FROM timebank_transfers) AS transfers, (SELECT count(*)::int FROM timebank_postings) AS postings`.execute(db);
  return r.rows[0]!;
}

// Impact, computed from the ledger. Hours are the transfers for help given (exchanges, credits for
// volunteering, plain transfers), not credits spent at partner venues; a reversed transfer and its reversal
// count for nothing.

const hoursTransfers = (bank: BankRow) => sql`
  SELECT t.* FROM timebank_transfers t
   WHERE t.organisation_id = ${bank.organisation_id} AND t.bank_id = ${bank.id}
     AND t.kind <> 'redemption' AND t.reverses IS NULL
     AND NOT EXISTS (SELECT 1 FROM timebank_transfers r WHERE r.reverses = t.id)`;

export async function impactByCategory(db: Db, bank: BankRow): Promise<{ category: string | null; minutes: number; transfers: number }[]> {
  const r = await sql<{ category: string | null; minutes: number; transfers: number }>`
    SELECT h.category, sum(h.minutes)::bigint AS minutes, count(*)::int AS transfers FROM (${hoursTransfers(bank)}) h
     GROUP BY h.category ORDER BY 2 DESC, 1`.execute(db);
  return r.rows.map((x) => ({ ...x, minutes: Number(x.minutes) }));
}

export async function impactByMonth(db: Db, bank: BankRow): Promise<{ month: string; minutes: number; transfers: number }[]> {
  const r = await sql<{ month: string; minutes: number; transfers: number }>`
    SELECT to_char(h.created_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, sum(h.minutes)::bigint AS minutes, count(*)::int AS transfers
      FROM (${hoursTransfers(bank)}) h GROUP BY 1 ORDER BY 1`.execute(db);
  return r.rows.map((x) => ({ ...x, minutes: Number(x.minutes) }));
}

/** Each member (an anonymous key: the account id) and the months in which they gave or received time. */
export async function participantMonths(db: Db, bank: BankRow): Promise<{ account_id: string; month: string }[]> {
  const r = await sql<{ account_id: string; month: string }>`
    SELECT DISTINCT s.account_id, to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month
      FROM (SELECT h.from_account_id AS account_id, h.created_at FROM (${hoursTransfers(bank)}) h
            UNION ALL SELECT h.to_account_id, h.created_at FROM (${hoursTransfers(bank)}) h) s
      JOIN timebank_accounts a ON a.id = s.account_id AND a.kind = 'member'
     ORDER BY 2, 1`.execute(db);
  return r.rows;
}

/** Minutes of help given (received as credits) by members, by the member's small area (null: not given). */
export async function impactByArea(db: Db, bank: BankRow): Promise<{ area_code: string | null; minutes: number; members: number }[]> {
  const r = await sql<{ area_code: string | null; minutes: number; members: number }>`
    SELECT a.area_code, sum(h.minutes)::bigint AS minutes, count(DISTINCT a.id)::int AS members
      FROM (${hoursTransfers(bank)}) h JOIN timebank_accounts a ON a.id = h.to_account_id AND a.kind = 'member'
     GROUP BY a.area_code ORDER BY 1`.execute(db);
  return r.rows.map((x) => ({ ...x, minutes: Number(x.minutes) }));
}
