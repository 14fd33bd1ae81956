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

