// The only place with SQL for the investment module. Functions take the database or a transaction.
import { sql, type Selectable } from 'kysely';
import type { Db } from '../platform/db.ts';
import type {
  CitrKind, InvestmentCdfisTable, InvestmentCitrCertificatesTable, InvestmentCitrInvestmentsTable, InvestmentCitrRepaymentsTable,
  InvestmentDealRepaymentsTable, InvestmentDealsTable, InvestmentDealWriteOffsTable,
} from './investment.table.ts';

export type CdfiRow = Selectable<InvestmentCdfisTable>;
export type CitrInvestmentRow = Selectable<InvestmentCitrInvestmentsTable>;
export type CertificateRow = Selectable<InvestmentCitrCertificatesTable>;
export type CitrRepaymentRow = Selectable<InvestmentCitrRepaymentsTable>;
export type DealRow = Selectable<InvestmentDealsTable>;
export type DealRepaymentRow = Selectable<InvestmentDealRepaymentsTable>;
export type WriteOffRow = Selectable<InvestmentDealWriteOffsTable>;

// ---- CDFIs ----

export function findCdfi(db: Db, organisationId: string): Promise<CdfiRow | undefined> {
  return db.selectFrom('investment_cdfis').selectAll().where('organisation_id', '=', organisationId).executeTakeFirst();
}

/** The CDFI's row, locked until the transaction ends (so its limit is checked against settled figures). */
export function lockCdfi(trx: Db, organisationId: string): Promise<CdfiRow | undefined> {
  return trx.selectFrom('investment_cdfis').selectAll().where('organisation_id', '=', organisationId).forUpdate().executeTakeFirst();
}

export function listCdfis(db: Db): Promise<CdfiRow[]> {
  return db.selectFrom('investment_cdfis').selectAll().orderBy('accredited_from', 'desc').execute();
}

export async function upsertCdfi(trx: Db, row: { organisation_id: string; accredited_from: string; accredited_to: string; application_pence: number; certificate_limit_pence: number }): Promise<CdfiRow> {
  return trx.insertInto('investment_cdfis').values(row)
    .onConflict((oc) => oc.column('organisation_id').doUpdateSet({ accredited_from: row.accredited_from, accredited_to: row.accredited_to, application_pence: row.application_pence, certificate_limit_pence: row.certificate_limit_pence }))
    .returningAll().executeTakeFirstOrThrow();
}

// ---- CITR investments ----

export function insertCitrInvestment(trx: Db, row: { organisation_id: string; investor_organisation_id: string; kind: CitrKind; amount_pence: number; invested_on: string; recorded_by: string | null }): Promise<CitrInvestmentRow> {
  return trx.insertInto('investment_citr_investments').values(row).returningAll().executeTakeFirstOrThrow();
}

export function findCitrInvestment(db: Db, cdfiId: string, id: string): Promise<CitrInvestmentRow | undefined> {
  return db.selectFrom('investment_citr_investments').selectAll().where('organisation_id', '=', cdfiId).where('id', '=', id).executeTakeFirst();
}

/** An investment, read once its CDFI's row is locked (its own table is append-only: rows cannot be locked). */
export async function lockCitrInvestment(trx: Db, cdfiId: string, id: string): Promise<CitrInvestmentRow | undefined> {
  await lockCdfi(trx, cdfiId);
  return findCitrInvestment(trx, cdfiId, id);
}

export function listCitrInvestments(db: Db, cdfiId: string, investorId?: string): Promise<CitrInvestmentRow[]> {
  let q = db.selectFrom('investment_citr_investments').selectAll().where('organisation_id', '=', cdfiId);
  if (investorId) q = q.where('investor_organisation_id', '=', investorId);
  return q.orderBy('invested_on').orderBy('created_at').execute();
}

/** The CDFI's certificates; with `investmentIds`, only theirs. */
export function listCertificates(db: Db, cdfiId: string, investmentIds?: readonly string[]): Promise<CertificateRow[]> {
  let q = db.selectFrom('investment_citr_certificates').selectAll().where('organisation_id', '=', cdfiId);
  if (investmentIds) q = investmentIds.length ? q.where('investment_id', 'in', [...investmentIds]) : q.where(sql<boolean>`false`);
  return q.orderBy('issued_on').execute();
}

export function findCertificate(db: Db, cdfiId: string, investmentId: string): Promise<CertificateRow | undefined> {
  return db.selectFrom('investment_citr_certificates').selectAll().where('organisation_id', '=', cdfiId).where('investment_id', '=', investmentId).executeTakeFirst();
}

export async function certifiedTotal(db: Db, cdfiId: string): Promise<number> {
  const r = await db.selectFrom('investment_citr_certificates').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_pence'), eb.lit(0)).as('total')).where('organisation_id', '=', cdfiId).executeTakeFirstOrThrow();
  return Number(r.total);
}

/** What the CDFI's certificates cover so far, and how many there are: one sum over its certificates. */
export async function certifiedSoFar(db: Db, cdfiId: string): Promise<{ pence: number; count: number }> {
  const r = await db.selectFrom('investment_citr_certificates')
    .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('amount_pence'), eb.lit(0)).as('total'), eb.fn.countAll<number>().as('n')])
    .where('organisation_id', '=', cdfiId).executeTakeFirstOrThrow();
  return { pence: Number(r.total), count: Number(r.n) };
}

export function insertCertificate(trx: Db, row: { organisation_id: string; investment_id: string; reference: string; issued_on: string; amount_pence: number; issued_by: string | null }): Promise<CertificateRow> {
  return trx.insertInto('investment_citr_certificates').values(row).returningAll().executeTakeFirstOrThrow();
}

/** The CDFI's repayments of investors' loans; with `investmentIds`, only theirs. */
export function listCitrRepayments(db: Db, cdfiId: string, investmentIds?: readonly string[]): Promise<CitrRepaymentRow[]> {
  let q = db.selectFrom('investment_citr_repayments').selectAll().where('organisation_id', '=', cdfiId);
  if (investmentIds) q = investmentIds.length ? q.where('investment_id', 'in', [...investmentIds]) : q.where(sql<boolean>`false`);
  return q.orderBy('repaid_on').execute();
}

export function insertCitrRepayment(trx: Db, row: { organisation_id: string; investment_id: string; repaid_on: string; amount_pence: number; recorded_by: string | null }): Promise<CitrRepaymentRow> {
  return trx.insertInto('investment_citr_repayments').values(row).returningAll().executeTakeFirstOrThrow();
}

// ---- Deals ----

export function insertDeal(trx: Db, row: Omit<DealRow, 'id' | 'created_at'>): Promise<DealRow> {
  return trx.insertInto('investment_deals').values(row).returningAll().executeTakeFirstOrThrow();
}

export function findDeal(db: Db, id: string): Promise<DealRow | undefined> {
  return db.selectFrom('investment_deals').selectAll().where('id', '=', id).executeTakeFirst();
}

export function lockDeal(trx: Db, organisationId: string, id: string): Promise<DealRow | undefined> {
  return trx.selectFrom('investment_deals').selectAll().where('organisation_id', '=', organisationId).where('id', '=', id).forUpdate().executeTakeFirst();
}

export function listDeals(db: Db, filter: { investorId?: string; investeeId?: string; organisationIds?: string[] } = {}): Promise<DealRow[]> {
  let q = db.selectFrom('investment_deals').selectAll();
  if (filter.investorId) q = q.where('organisation_id', '=', filter.investorId);
  if (filter.investeeId) q = q.where('investee_organisation_id', '=', filter.investeeId);
  if (filter.organisationIds) {
    const ids = filter.organisationIds;
    if (!ids.length) return Promise.resolve([]);
    q = q.where((eb) => eb.or([eb('organisation_id', 'in', ids), eb('investee_organisation_id', 'in', ids)]));
  }
  return q.orderBy('starts_on', 'desc').orderBy('created_at', 'desc').execute();
}

export function listDealRepayments(db: Db, organisationId: string, dealIds: string[]): Promise<DealRepaymentRow[]> {
  if (!dealIds.length) return Promise.resolve([]);
  return db.selectFrom('investment_deal_repayments').selectAll().where('organisation_id', '=', organisationId).where('deal_id', 'in', dealIds).orderBy('paid_on').orderBy('created_at').execute();
}

export function listWriteOffs(db: Db, organisationId: string, dealIds: string[]): Promise<WriteOffRow[]> {
  if (!dealIds.length) return Promise.resolve([]);
  return db.selectFrom('investment_deal_write_offs').selectAll().where('organisation_id', '=', organisationId).where('deal_id', 'in', dealIds).orderBy('written_off_on').execute();
}

export function insertDealRepayment(trx: Db, row: { organisation_id: string; deal_id: string; paid_on: string; amount_pence: number; reference: string; recorded_by: string | null }): Promise<DealRepaymentRow> {
  return trx.insertInto('investment_deal_repayments').values(row).returningAll().executeTakeFirstOrThrow();
}

export function insertWriteOff(trx: Db, row: { organisation_id: string; deal_id: string; written_off_on: string; amount_pence: number; reason: string; recorded_by: string | null }): Promise<WriteOffRow> {
  return trx.insertInto('investment_deal_write_offs').values(row).returningAll().executeTakeFirstOrThrow();
}

// ---- Work for the inbox ----

/** Uncertified CITR investments whose 30 days have not run out, in CDFIs where the person is an officer. */
export function certificatesDueFor(db: Db, userId: string, roles: readonly string[], since: string) {
  return db.selectFrom('investment_citr_investments as i')
    .innerJoin('memberships as m', (j) => j.onRef('m.organisation_id', '=', 'i.organisation_id').on('m.user_id', '=', userId).on('m.role', 'in', [...roles]))
    .leftJoin('investment_citr_certificates as c', (j) => j.onRef('c.organisation_id', '=', 'i.organisation_id').onRef('c.investment_id', '=', 'i.id'))
    .innerJoin('organisations as o', 'o.id', 'i.investor_organisation_id')
    .select(['i.organisation_id', 'i.id', 'i.amount_pence', 'i.invested_on', 'o.name as investor'])
    .where('c.investment_id', 'is', null)
    .where('i.invested_on', '>=', since)
    .distinct()
    .orderBy('i.invested_on').limit(100).execute();
}

/** Deals with a loan where the person is an officer of the investor. */
/**
 * The loan deals of organisations where the person holds one of `roles`, each with what was repaid and written
 * off on or before `on`: one query, whatever the number of deals (the inbox's header count asks on every page).
 */
export function loanDealsSettledBy(db: Db, userId: string, roles: readonly string[], on: string) {
  return db.selectFrom('investment_deals as d')
    .where((eb) => eb.exists(eb.selectFrom('memberships as m').select('m.user_id').whereRef('m.organisation_id', '=', 'd.organisation_id').where('m.user_id', '=', userId).where('m.role', 'in', [...roles])))
    .where('d.loan_pence', '>', 0)
    .selectAll('d')
    .select([
      sql<string>`COALESCE((SELECT sum(r.amount_pence) FROM investment_deal_repayments r WHERE r.organisation_id = d.organisation_id AND r.deal_id = d.id AND r.paid_on <= ${on}), 0)`.as('repaid_pence'),
      sql<string>`COALESCE((SELECT sum(w.amount_pence) FROM investment_deal_write_offs w WHERE w.organisation_id = d.organisation_id AND w.deal_id = d.id AND w.written_off_on <= ${on}), 0)`.as('written_off_pence'),
    ])
    .orderBy('d.starts_on').orderBy('d.id')
    .limit(500).execute();
}


// ---- The CDFI's ledger in figures (its page): worked out in the database, not by reading every row ----

/**
 * Each investment of the CDFI with what the page needs of it, worked out here: repaid so far, the certificate's
 * amount, the relief of its five years (CITM6010, CITM6090, CITM6100: 5% of the amount, for a loan of the year's
 * average capital balance, none once a loan is repaid in full before a year's end, none without a certificate)
 * and the most that may be repaid by `on` (CITM7050). The same arithmetic as investment.compute.ts's
 * reliefByYear and repaymentCap, which the tests hold it to.
 */
function perInvestment(cdfiId: string, on: string) {
  return sql`
    inv AS (
      SELECT i.id, i.investor_organisation_id, i.kind, i.amount_pence::bigint AS amount, i.invested_on, c.amount_pence::bigint AS cert_pence
      FROM investment_citr_investments i
      LEFT JOIN investment_citr_certificates c ON c.organisation_id = i.organisation_id AND c.investment_id = i.id
      WHERE i.organisation_id = ${cdfiId}
    ), yrs AS (
      SELECT inv.id, inv.kind, inv.amount, inv.cert_pence IS NOT NULL AS certified,
        (inv.invested_on + make_interval(years => y - 1))::date AS a, (inv.invested_on + make_interval(years => y))::date AS b
      FROM inv CROSS JOIN generate_series(1, 5) AS y
    ), yr AS (
      SELECT yrs.id, yrs.kind, yrs.amount, yrs.certified, yrs.a, yrs.b,
        coalesce(sum(r.amount_pence), 0)::bigint AS repaid_before_end,
        coalesce(sum(r.amount_pence * (yrs.b - greatest(r.repaid_on, yrs.a))), 0)::bigint AS balance_days_repaid
      FROM yrs LEFT JOIN investment_citr_repayments r ON r.organisation_id = ${cdfiId} AND r.investment_id = yrs.id AND r.repaid_on < yrs.b
      GROUP BY yrs.id, yrs.kind, yrs.amount, yrs.certified, yrs.a, yrs.b
    ), relief AS (
      SELECT id, sum(CASE WHEN NOT certified OR (kind = 'loan' AND repaid_before_end >= amount) THEN 0
                          ELSE (CASE WHEN kind = 'loan' THEN least(amount, greatest(0, amount * (b - a) - balance_days_repaid) / (b - a)) ELSE amount END) * 5 / 100 END)::bigint AS relief
      FROM yr GROUP BY id
    ), per AS (
      SELECT inv.*, relief.relief, coalesce(rp.repaid, 0)::bigint AS repaid,
        CASE WHEN inv.kind <> 'loan' THEN NULL ELSE (
          SELECT CASE WHEN n <= 2 THEN 0 WHEN n = 3 THEN inv.amount / 4 WHEN n = 4 THEN inv.amount / 2 WHEN n = 5 THEN (inv.amount * 3) / 4 ELSE inv.amount END
          FROM (SELECT 1 + count(*) FILTER (WHERE ${on}::date >= (inv.invested_on + make_interval(years => k))::date) AS n FROM generate_series(1, 5) AS k) AS yearOf
        ) END AS cap
      FROM inv JOIN relief USING (id)
      LEFT JOIN (SELECT investment_id, sum(amount_pence) AS repaid FROM investment_citr_repayments WHERE organisation_id = ${cdfiId} GROUP BY investment_id) rp ON rp.investment_id = inv.id
    )`;
}

export interface LedgerFigures {
  investments: number; certified: number; certifiedPence: number; late: number; due: number;
  loans: number; loanPence: number; loanRepaidPence: number; overCap: number; reliefPence: number; reliefOver: number;
}

/** One investor's totals over its investments in the CDFI. */
export interface InvestorFigures { investor: string; investments: number; investedPence: number; certifiedPence: number; repaidPence: number; reliefPence: number }

/**
 * The figures the CDFI's rules are tested with, over its whole ledger, and each investor's totals (one row an
 * investor): one statement, one pass over the ledger (GROUPING SETS: by investor, and the whole).
 */
export async function ledgerFigures(db: Db, cdfiId: string, on: string): Promise<LedgerFigures & { investors: InvestorFigures[] }> {
  const rows = (await sql<Record<keyof LedgerFigures | 'whole' | 'investedPence' | 'repaidPence', string | number | null> & { investor: string | null }>`
    WITH ${perInvestment(cdfiId, on)}
    SELECT GROUPING(investor_organisation_id) AS whole, investor_organisation_id AS investor,
      count(*) AS investments, count(cert_pence) AS certified, coalesce(sum(cert_pence), 0) AS "certifiedPence",
      count(*) FILTER (WHERE cert_pence IS NULL AND invested_on + 30 < ${on}::date) AS late,
      count(*) FILTER (WHERE cert_pence IS NULL AND invested_on + 30 >= ${on}::date) AS due,
      count(*) FILTER (WHERE kind = 'loan') AS loans, coalesce(sum(amount) FILTER (WHERE kind = 'loan'), 0) AS "loanPence",
      coalesce(sum(repaid) FILTER (WHERE kind = 'loan'), 0) AS "loanRepaidPence", count(*) FILTER (WHERE kind = 'loan' AND repaid > cap) AS "overCap",
      coalesce(sum(relief), 0) AS "reliefPence", count(*) FILTER (WHERE relief > amount * 25 / 100) AS "reliefOver",
      coalesce(sum(amount), 0) AS "investedPence", coalesce(sum(repaid), 0) AS "repaidPence"
    FROM per GROUP BY GROUPING SETS ((investor_organisation_id), ())`.execute(db)).rows;
  const n = (v: string | number | null | undefined) => Number(v ?? 0);
  const whole = rows.find((r) => n(r.whole) === 1)!;
  const keys: (keyof LedgerFigures)[] = ['investments', 'certified', 'certifiedPence', 'late', 'due', 'loans', 'loanPence', 'loanRepaidPence', 'overCap', 'reliefPence', 'reliefOver'];
  return {
    ...(Object.fromEntries(keys.map((k) => [k, n(whole[k])])) as unknown as LedgerFigures),
    investors: rows.filter((r) => n(r.whole) === 0).map((r) => ({
      investor: r.investor!, investments: n(r.investments), investedPence: n(r.investedPence), certifiedPence: n(r.certifiedPence),
      repaidPence: n(r.repaidPence), reliefPence: n(r.reliefPence),
    })),
  };
}

/**
 * The investment fund on each test day (CITM3010), from the ledger: certified investments made on or before
 * three months before the day, less what was repaid of them by the day. (Write-offs are the deals', taken away
 * by the caller.) `days` are the days the fund is measured on.
 */
export async function fundOn(db: Db, cdfiId: string, days: readonly string[]): Promise<number[]> {
  if (!days.length) return [];
  const rows = (await sql<{ n: number; raised: string; repaid: string }>`
    SELECT d.n, coalesce((SELECT sum(i.amount_pence) FROM investment_citr_investments i
        JOIN investment_citr_certificates c ON c.organisation_id = i.organisation_id AND c.investment_id = i.id
        WHERE i.organisation_id = ${cdfiId} AND i.invested_on <= d.at AND i.invested_on <= (d.at - interval '3 months')::date), 0) AS raised,
      coalesce((SELECT sum(r.amount_pence) FROM investment_citr_repayments r
        JOIN investment_citr_investments i ON i.organisation_id = r.organisation_id AND i.id = r.investment_id
        JOIN investment_citr_certificates c ON c.organisation_id = i.organisation_id AND c.investment_id = i.id
        WHERE r.organisation_id = ${cdfiId} AND r.repaid_on <= d.at AND i.invested_on <= (d.at - interval '3 months')::date), 0) AS repaid
    FROM unnest(${[...days]}::date[]) WITH ORDINALITY AS d(at, n) ORDER BY d.n`.execute(db)).rows;
  return rows.map((r) => Number(r.raised) - Number(r.repaid));
}

/** A page of the CDFI's investments in the ledger's order (the count is ledgerFigures'). */
export function pageOfCitrInvestments(db: Db, cdfiId: string, limit: number, offset: number): Promise<CitrInvestmentRow[]> {
  return db.selectFrom('investment_citr_investments').selectAll().where('organisation_id', '=', cdfiId)
    .orderBy('invested_on').orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute();
}
