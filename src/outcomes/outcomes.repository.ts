// The only place with SQL for outcomes. Functions take the database or a transaction.
import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db } from '../platform/db.ts';
import type * as T from './outcomes.table.ts';

export type AgreementRow = Selectable<T.OutcomeAgreementsTable>;
export type TermRow = Selectable<T.OutcomeAgreementTermsTable>;
export type ProgressRow = Selectable<T.OutcomeAgreementProgressTable>;
export type ReviewRow = Selectable<T.OutcomeAgreementReviewsTable>;
export type ContractRow = Selectable<T.OutcomeContractsTable>;
export type PayerRow = Selectable<T.OutcomePayersTable>;
export type MetricRow = Selectable<T.OutcomeMetricsTable>;
export type PriceRow = Selectable<T.OutcomePricesTable>;
export type ClaimRow = Selectable<T.OutcomeClaimsTable>;
export type PaymentRow = Selectable<T.OutcomePaymentsTable>;
export type ComparisonRow = Selectable<T.OutcomeComparisonsTable>;
export type InvestmentRow = Selectable<T.OutcomeInvestmentsTable>;
export type FlowRow = Selectable<T.OutcomeInvestmentFlowsTable>;

// ---- Agreements ----

export async function insertAgreement(db: Db, a: Insertable<T.OutcomeAgreementsTable>): Promise<AgreementRow> {
  return db.insertInto('outcome_agreements').values(a).returningAll().executeTakeFirstOrThrow();
}

export async function insertTerms(db: Db, terms: Insertable<T.OutcomeAgreementTermsTable>[]): Promise<TermRow[]> {
  if (!terms.length) return [];
  return db.insertInto('outcome_agreement_terms').values(terms).returningAll().execute();
}

export async function findAgreement(db: Db, id: string): Promise<AgreementRow | null> {
  return (await db.selectFrom('outcome_agreements').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function lockAgreement(db: Db, id: string): Promise<AgreementRow | null> {
  return (await db.selectFrom('outcome_agreements').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()) ?? null;
}

export async function listAgreements(db: Db, filter: { organisationId?: string; partyUserId?: string } = {}): Promise<AgreementRow[]> {
  let q = db.selectFrom('outcome_agreements').selectAll();
  if (filter.organisationId) q = q.where('organisation_id', '=', filter.organisationId);
  if (filter.partyUserId) q = q.where('party_user_id', '=', filter.partyUserId);
  return q.orderBy('created_at', 'desc').orderBy('id').limit(200).execute();
}

export async function termsOf(db: Db, a: AgreementRow): Promise<TermRow[]> {
  return db.selectFrom('outcome_agreement_terms').selectAll().where('organisation_id', '=', a.organisation_id)
    .where('agreement_id', '=', a.id).orderBy('position').execute();
}

export async function insertProgress(db: Db, p: Insertable<T.OutcomeAgreementProgressTable>): Promise<ProgressRow> {
  return db.insertInto('outcome_agreement_progress').values(p).returningAll().executeTakeFirstOrThrow();
}

export async function progressOf(db: Db, a: AgreementRow): Promise<ProgressRow[]> {
  return db.selectFrom('outcome_agreement_progress').selectAll().where('organisation_id', '=', a.organisation_id)
    .where('agreement_id', '=', a.id).orderBy('recorded_at').orderBy('id').execute();
}

export async function insertReview(db: Db, r: Insertable<T.OutcomeAgreementReviewsTable>): Promise<ReviewRow> {
  return db.insertInto('outcome_agreement_reviews').values(r).returningAll().executeTakeFirstOrThrow();
}

export async function reviewsOf(db: Db, a: AgreementRow): Promise<ReviewRow[]> {
  return db.selectFrom('outcome_agreement_reviews').selectAll().where('organisation_id', '=', a.organisation_id)
    .where('agreement_id', '=', a.id).orderBy('held_on', 'desc').orderBy('created_at', 'desc').execute();
}

export async function signAgreement(db: Db, a: AgreementRow, side: T.Side, userId: string | null): Promise<AgreementRow> {
  const q = db.updateTable('outcome_agreements').where('organisation_id', '=', a.organisation_id).where('id', '=', a.id);
  const set = side === 'service' ? { service_signed_at: new Date(), service_signed_by: userId } : { party_signed_at: new Date() };
  return q.set(set).returningAll().executeTakeFirstOrThrow();
}

export async function setNextReview(db: Db, a: AgreementRow, on: string | null): Promise<void> {
  await db.updateTable('outcome_agreements').set({ next_review_on: on }).where('organisation_id', '=', a.organisation_id).where('id', '=', a.id).execute();
}

// ---- Contracts ----

export async function insertContract(db: Db, c: Insertable<T.OutcomeContractsTable>): Promise<ContractRow> {
  return db.insertInto('outcome_contracts').values(c).returningAll().executeTakeFirstOrThrow();
}

export async function findContract(db: Db, id: string): Promise<ContractRow | null> {
  return (await db.selectFrom('outcome_contracts').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Locks the contract row for the rest of the transaction: every change to its totals queues behind it. */
export async function lockContract(db: Db, c: ContractRow): Promise<ContractRow> {
  return db.selectFrom('outcome_contracts').selectAll().where('organisation_id', '=', c.organisation_id).where('id', '=', c.id)
    .forUpdate().executeTakeFirstOrThrow();
}

export async function listContracts(db: Db, filter: { organisationId?: string; providerOrganisationId?: string; commissioningContractId?: string } = {}): Promise<ContractRow[]> {
  let q = db.selectFrom('outcome_contracts').selectAll();
  if (filter.organisationId) q = q.where('organisation_id', '=', filter.organisationId);
  if (filter.providerOrganisationId) q = q.where('provider_organisation_id', '=', filter.providerOrganisationId);
  if (filter.commissioningContractId) q = q.where('commissioning_contract_id', '=', filter.commissioningContractId);
  return q.orderBy('start_date', 'desc').orderBy('title').limit(500).execute();
}

export async function setCommissioningLink(db: Db, c: ContractRow, commissioningContractId: string | null): Promise<ContractRow> {
  return db.updateTable('outcome_contracts').set({ commissioning_contract_id: commissioningContractId })
    .where('organisation_id', '=', c.organisation_id).where('id', '=', c.id).returningAll().executeTakeFirstOrThrow();
}

export async function addToContractTotals(db: Db, c: ContractRow, delta: { validated?: number; paid?: number }): Promise<void> {
  await db.updateTable('outcome_contracts')
    .set((eb) => ({ validated_pence: eb('validated_pence', '+', delta.validated ?? 0), paid_pence: eb('paid_pence', '+', delta.paid ?? 0) }))
    .where('organisation_id', '=', c.organisation_id).where('id', '=', c.id).execute();
}

export async function payersOf(db: Db, c: ContractRow): Promise<PayerRow[]> {
  return db.selectFrom('outcome_payers').selectAll().where('organisation_id', '=', c.organisation_id).where('contract_id', '=', c.id)
    .orderBy('share_basis_points', 'desc').orderBy('payer_organisation_id').execute();
}

export async function replacePayers(db: Db, c: ContractRow, payers: { payerOrganisationId: string; shareBasisPoints: number }[]): Promise<void> {
  await db.deleteFrom('outcome_payers').where('organisation_id', '=', c.organisation_id).where('contract_id', '=', c.id).execute();
  if (payers.length) {
    await db.insertInto('outcome_payers').values(payers.map((p) => ({
      organisation_id: c.organisation_id, contract_id: c.id, payer_organisation_id: p.payerOrganisationId, share_basis_points: p.shareBasisPoints,
    }))).execute();
  }
}

export async function insertMetric(db: Db, m: Insertable<T.OutcomeMetricsTable>): Promise<MetricRow> {
  return db.insertInto('outcome_metrics').values(m).returningAll().executeTakeFirstOrThrow();
}

export async function findMetric(db: Db, c: ContractRow, idOrCode: string): Promise<MetricRow | null> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrCode);
  return (await db.selectFrom('outcome_metrics').selectAll().where('organisation_id', '=', c.organisation_id).where('contract_id', '=', c.id)
    .where(uuid ? 'id' : 'code', '=', uuid ? idOrCode.toLowerCase() : idOrCode).executeTakeFirst()) ?? null;
}

export async function metricsOf(db: Db, c: ContractRow): Promise<MetricRow[]> {
  return db.selectFrom('outcome_metrics').selectAll().where('organisation_id', '=', c.organisation_id).where('contract_id', '=', c.id)
    .orderBy('code').execute();
}

export async function upsertPrice(db: Db, p: Insertable<T.OutcomePricesTable>): Promise<PriceRow> {
  return db.insertInto('outcome_prices').values(p)
    .onConflict((oc) => oc.columns(['organisation_id', 'contract_id', 'metric_id', 'effective_from']).doUpdateSet({ price_pence: p.price_pence, note: p.note ?? '', agreed_by: p.agreed_by ?? null }))
    .returningAll().executeTakeFirstOrThrow();
}

export async function pricesOf(db: Db, c: ContractRow): Promise<PriceRow[]> {
  return db.selectFrom('outcome_prices').selectAll().where('organisation_id', '=', c.organisation_id).where('contract_id', '=', c.id)
    .orderBy('metric_id').orderBy('effective_from').execute();
}

/** The price in effect on `on`: the latest agreed with effective_from on or before it. */
export async function priceOn(db: Db, m: MetricRow, on: string): Promise<PriceRow | null> {
  return (await db.selectFrom('outcome_prices').selectAll().where('organisation_id', '=', m.organisation_id).where('contract_id', '=', m.contract_id)
    .where('metric_id', '=', m.id).where('effective_from', '<=', on).orderBy('effective_from', 'desc').limit(1).executeTakeFirst()) ?? null;
}

export async function insertClaim(db: Db, c: Insertable<T.OutcomeClaimsTable>): Promise<ClaimRow> {
  return db.insertInto('outcome_claims').values(c).returningAll().executeTakeFirstOrThrow();
}

export async function findClaim(db: Db, id: string): Promise<ClaimRow | null> {
  return (await db.selectFrom('outcome_claims').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function lockClaim(db: Db, claim: ClaimRow): Promise<ClaimRow> {
  return db.selectFrom('outcome_claims').selectAll().where('organisation_id', '=', claim.organisation_id).where('contract_id', '=', claim.contract_id)
    .where('id', '=', claim.id).forUpdate().executeTakeFirstOrThrow();
}

export async function claimsOf(db: Db, c: ContractRow, filter: { status?: T.ClaimStatus; paymentId?: string; limit?: number } = {}): Promise<ClaimRow[]> {
  let q = db.selectFrom('outcome_claims').selectAll().where('organisation_id', '=', c.organisation_id).where('contract_id', '=', c.id);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.paymentId) q = q.where('payment_id', '=', filter.paymentId);
  return q.orderBy('claimed_at', 'desc').orderBy('id').limit(filter.limit ?? 1000).execute();
}

/** The named claims of a contract that are accepted and not yet paid (in chunks: a payment may pay thousands). */
export async function dueClaimsByIds(db: Db, c: ContractRow, ids: string[]): Promise<ClaimRow[]> {
  const out: ClaimRow[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    out.push(...await db.selectFrom('outcome_claims').selectAll().where('organisation_id', '=', c.organisation_id).where('contract_id', '=', c.id)
      .where('id', 'in', ids.slice(i, i + 1000)).where('status', '=', 'accepted').where('payment_id', 'is', null).execute());
  }
  return out;
}

export async function decideClaim(db: Db, claim: ClaimRow, d: { status: 'accepted' | 'rejected'; decidedBy: string | null; reason: string | null }): Promise<ClaimRow> {
  return db.updateTable('outcome_claims').set({ status: d.status, decided_by: d.decidedBy, decided_at: new Date(), decision_reason: d.reason })
    .where('organisation_id', '=', claim.organisation_id).where('contract_id', '=', claim.contract_id).where('id', '=', claim.id)
    .returningAll().executeTakeFirstOrThrow();
}

/** Adds to a participant's validated total; the row's CHECK refuses a total above their cap. */
export async function addToParticipant(db: Db, c: ContractRow, participantRef: string, pence: number): Promise<void> {
  await sql`
    INSERT INTO outcome_participant_totals (organisation_id, contract_id, participant_ref, validated_pence, cap_pence)
    VALUES (${c.organisation_id}, ${c.id}, ${participantRef}, ${pence}, ${c.person_cap_pence})
    ON CONFLICT (organisation_id, contract_id, participant_ref)
    DO UPDATE SET validated_pence = outcome_participant_totals.validated_pence + EXCLUDED.validated_pence`.execute(db);
}

export async function participantTotal(db: Db, c: ContractRow, participantRef: string): Promise<number> {
  const r = await db.selectFrom('outcome_participant_totals').select('validated_pence').where('organisation_id', '=', c.organisation_id)
    .where('contract_id', '=', c.id).where('participant_ref', '=', participantRef).executeTakeFirst();
  return r?.validated_pence ?? 0;
}

/** Sums by status for the ledger, straight from the claims. */
export async function claimSums(db: Db, c: ContractRow): Promise<{ claimed: number; pending: number; accepted: number; rejected: number; paid: number; claims: number }> {
  const r = await sql<{ claimed: number; pending: number; accepted: number; rejected: number; paid: number; claims: number }>`
    SELECT coalesce(sum(amount_pence) FILTER (WHERE status <> 'rejected'), 0)::bigint AS claimed,
           coalesce(sum(amount_pence) FILTER (WHERE status = 'claimed'), 0)::bigint AS pending,
           coalesce(sum(amount_pence) FILTER (WHERE status = 'accepted'), 0)::bigint AS accepted,
           coalesce(sum(amount_pence) FILTER (WHERE status = 'rejected'), 0)::bigint AS rejected,
           coalesce(sum(amount_pence) FILTER (WHERE payment_id IS NOT NULL), 0)::bigint AS paid,
           count(*)::int AS claims
      FROM outcome_claims WHERE organisation_id = ${c.organisation_id} AND contract_id = ${c.id}`.execute(db);
  return r.rows[0]!;
}

/** Per metric: how many outcomes claimed, accepted and paid, and their pence. */
export async function resultsByMetric(db: Db, c: ContractRow): Promise<{ metric_id: string; claimed: number; accepted: number; paid: number; accepted_pence: number; paid_pence: number }[]> {
  const r = await sql<{ metric_id: string; claimed: number; accepted: number; paid: number; accepted_pence: number; paid_pence: number }>`
    SELECT metric_id, count(*) FILTER (WHERE status <> 'rejected')::int AS claimed, count(*) FILTER (WHERE status = 'accepted')::int AS accepted,
           count(*) FILTER (WHERE payment_id IS NOT NULL)::int AS paid,
           coalesce(sum(amount_pence) FILTER (WHERE status = 'accepted'), 0)::bigint AS accepted_pence,
           coalesce(sum(amount_pence) FILTER (WHERE payment_id IS NOT NULL), 0)::bigint AS paid_pence
      FROM outcome_claims WHERE organisation_id = ${c.organisation_id} AND contract_id = ${c.id} GROUP BY metric_id`.execute(db);
  return r.rows;
}

export async function insertPayment(db: Db, p: Insertable<T.OutcomePaymentsTable>): Promise<PaymentRow> {
  return db.insertInto('outcome_payments').values(p).returningAll().executeTakeFirstOrThrow();
}

export async function findPayment(db: Db, id: string): Promise<PaymentRow | null> {
  return (await db.selectFrom('outcome_payments').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function markPaid(db: Db, c: ContractRow, claimIds: string[], paymentId: string): Promise<number> {
  let n = 0;
  for (let i = 0; i < claimIds.length; i += 1000) {
    const r = await db.updateTable('outcome_claims').set({ payment_id: paymentId })
      .where('organisation_id', '=', c.organisation_id).where('contract_id', '=', c.id).where('id', 'in', claimIds.slice(i, i + 1000))
      .where('status', '=', 'accepted').where('payment_id', 'is', null).executeTakeFirst();
    n += Number(r.numUpdatedRows);
  }
  return n;
}

export async function paymentsOf(db: Db, c: ContractRow): Promise<PaymentRow[]> {
  return db.selectFrom('outcome_payments').selectAll().where('organisation_id', '=', c.organisation_id).where('contract_id', '=', c.id)
    .orderBy('paid_on').orderBy('created_at').execute();
}

/** Each payment with the ids of the claims it pays. */
export async function paymentClaimIds(db: Db, c: ContractRow): Promise<Map<string, string[]>> {
  const rows = await db.selectFrom('outcome_claims').select(['payment_id', 'id']).where('organisation_id', '=', c.organisation_id)
    .where('contract_id', '=', c.id).where('payment_id', 'is not', null).orderBy('id').execute();
  const map = new Map<string, string[]>();
  for (const r of rows) map.set(r.payment_id!, [...(map.get(r.payment_id!) ?? []), r.id]);
  return map;
}

export async function insertComparison(db: Db, c: Insertable<T.OutcomeComparisonsTable>): Promise<ComparisonRow> {
  return db.insertInto('outcome_comparisons').values(c).returningAll().executeTakeFirstOrThrow();
}

export async function comparisonsOf(db: Db, c: ContractRow): Promise<ComparisonRow[]> {
  return db.selectFrom('outcome_comparisons').selectAll().where('organisation_id', '=', c.organisation_id).where('contract_id', '=', c.id)
    .orderBy('period_end').orderBy('created_at').execute();
}

// ---- Investment ----

export async function insertInvestment(db: Db, i: Insertable<T.OutcomeInvestmentsTable>): Promise<InvestmentRow> {
  return db.insertInto('outcome_investments').values(i).returningAll().executeTakeFirstOrThrow();
}

export async function findInvestment(db: Db, id: string): Promise<InvestmentRow | null> {
  return (await db.selectFrom('outcome_investments').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function investmentsOf(db: Db, c: ContractRow): Promise<InvestmentRow[]> {
  return db.selectFrom('outcome_investments').selectAll().where('organisation_id', '=', c.organisation_id).where('contract_id', '=', c.id)
    .orderBy('committed_pence', 'desc').orderBy('id').execute();
}

/** Adds a drawdown to the investment's drawn total; the row's CHECK refuses going past the commitment. */
export async function addDrawn(db: Db, i: InvestmentRow, pence: number): Promise<void> {
  await db.updateTable('outcome_investments').set((eb) => ({ drawn_pence: eb('drawn_pence', '+', pence) }))
    .where('organisation_id', '=', i.organisation_id).where('contract_id', '=', i.contract_id).where('id', '=', i.id).execute();
}

export async function insertFlow(db: Db, f: Insertable<T.OutcomeInvestmentFlowsTable>): Promise<FlowRow> {
  return db.insertInto('outcome_investment_flows').values(f).returningAll().executeTakeFirstOrThrow();
}

export async function flowsOf(db: Db, c: ContractRow): Promise<FlowRow[]> {
  return db.selectFrom('outcome_investment_flows').selectAll().where('organisation_id', '=', c.organisation_id).where('contract_id', '=', c.id)
    .orderBy('flow_on').orderBy('created_at').execute();
}


// ---- OCDS releases (append-only) ----

export type ReleaseRow = Selectable<T.OutcomeReleasesTable>;

/** A contract's releases under one ocid, oldest first. */
export async function releasesOf(db: Db, c: ContractRow, ocid: string): Promise<ReleaseRow[]> {
  return db.selectFrom('outcome_releases').selectAll().where('organisation_id', '=', c.organisation_id).where('contract_id', '=', c.id)
    .where('ocid', '=', ocid).orderBy('seq').execute();
}

/** The highest release number the contract has used, under any ocid (0 when none). */
export async function lastReleaseSeq(db: Db, c: ContractRow): Promise<number> {
  const row = await db.selectFrom('outcome_releases').select((eb) => eb.fn.max('seq').as('seq'))
    .where('organisation_id', '=', c.organisation_id).where('contract_id', '=', c.id).executeTakeFirst();
  return Number(row?.seq ?? 0);
}

export async function insertRelease(db: Db, r: { contract: ContractRow; seq: number; ocid: string; releaseId: string; contentSha256: string; release: Record<string, unknown>; publishedAt: Date }): Promise<ReleaseRow> {
  return db.insertInto('outcome_releases').values({
    organisation_id: r.contract.organisation_id, contract_id: r.contract.id, seq: r.seq, ocid: r.ocid, release_id: r.releaseId,
    content_sha256: r.contentSha256, release: JSON.stringify(r.release), published_at: r.publishedAt,
  }).returningAll().executeTakeFirstOrThrow();
}

/**
 * The latest moment the contract's own records say something a release describes changed: its creation, an
 * outcome added, a payment recorded. Dates a first release minted for a contract linked before releases were
 * stored, so that whoever reads it first mints the same release.
 */
export async function latestRecordedChange(db: Db, c: ContractRow): Promise<Date> {
  const row = await sql<{ at: Date | string }>`
    SELECT greatest(
      (SELECT created_at FROM outcome_contracts WHERE organisation_id = ${c.organisation_id} AND id = ${c.id}),
      (SELECT max(created_at) FROM outcome_metrics WHERE organisation_id = ${c.organisation_id} AND contract_id = ${c.id}),
      (SELECT max(created_at) FROM outcome_payments WHERE organisation_id = ${c.organisation_id} AND contract_id = ${c.id})
    ) AS at`.execute(db);
  return new Date(row.rows[0]!.at);
}

/** Outcome payments made to an organisation as provider, by contract, for its page in the registry. */
export async function outcomePaymentsTo(db: Db, organisationId: string): Promise<{ id: string; title: string; commissioner_id: string; payments: number; paid_pence: number; first: string | null; last: string | null }[]> {
  const rows = (await sql<{ id: string; title: string; commissioner_id: string; payments: number; paid_pence: number; first: string | null; last: string | null }>`
    SELECT c.id, c.title, c.organisation_id AS commissioner_id, count(p.id)::int AS payments, coalesce(sum(p.amount_pence), 0)::bigint AS paid_pence,
      min(p.paid_on)::text AS first, max(p.paid_on)::text AS last
    FROM outcome_contracts c JOIN outcome_payments p ON p.organisation_id = c.organisation_id AND p.contract_id = c.id
    WHERE c.provider_organisation_id = ${organisationId}
    GROUP BY 1, 2, 3 ORDER BY max(p.paid_on) DESC LIMIT 50`.execute(db)).rows;
  return rows.map((r) => ({ ...r, paid_pence: Number(r.paid_pence) }));
}
