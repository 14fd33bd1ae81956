// Rating a contract's KPIs (issue 18): the buying organisation's commissioners rate each KPI for a financial year
// on the Procurement Act 2023 scale — good, approaching target, requires improvement, inadequate (the Act's
// section 52 KPIs, as the Procurement Act 2023 contract performance notices report them). Rating a KPI again for
// the same year replaces the rating; the audit log keeps every one. The scorecards module reads them through
// `kpiRatingsFor`. A year's ratings are due from the first day of its last month (1 March) — so the year's
// figures can be judged before it closes — and are chased in the commissioners' inbox until given, for that
// year and the one before it (`kpiRatingsDue`).
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { hasRole } from '../platform/auth/auth.repository.ts';
import { requireOrganisationRole } from '../platform/auth/policy.ts';
import type { KpiRating } from './commissioning.table.ts';
import * as repo from './commissioning.repository.ts';

export const KPI_RATINGS: readonly KpiRating[] = ['good', 'approaching-target', 'requires-improvement', 'inadequate'];

export const KPI_RATING_LABELS: Record<KpiRating, string> = {
  good: 'Good', 'approaching-target': 'Approaching target', 'requires-improvement': 'Requires improvement', inadequate: 'Inadequate',
};

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** A financial year as the scorecards name it, '2024-25' (1 April 2024 to 31 March 2025), or null. */
export function readFinancialYear(text: unknown): string | null {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}$/.test(text)) return null;
  const start = Number(text.slice(0, 4));
  return start >= 2000 && start <= 2100 && (start + 1) % 100 === Number(text.slice(5)) ? text : null;
}

/** The financial year a date falls in. */
export function financialYearOf(day: string): string {
  const y = Number(day.slice(0, 4));
  const start = day.slice(5) >= '04-01' ? y : y - 1;
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
}

export interface KpiRatingView {
  contractId: string; kpiId: string; period: string; rating: KpiRating; ratingLabel: string; note: string; ratedAt: string;
}

const present = (r: repo.KpiRatingRow): KpiRatingView => ({
  contractId: r.contract_id, kpiId: r.kpi_id, period: r.period, rating: r.rating, ratingLabel: KPI_RATING_LABELS[r.rating], note: r.note, ratedAt: r.rated_at.toISOString(),
});

async function contractAndKpi(db: Db, contractId: string, kpiId: string) {
  const contract = isUuid(contractId) ? await repo.findContract(db, contractId.toLowerCase()) : null;
  if (!contract) throw new AppError('not_found', 'No contract has that id');
  const kpi = isUuid(kpiId) ? (await repo.kpisOf(db, [contract.id])).find((k) => k.id === kpiId.toLowerCase()) : undefined;
  if (!kpi) throw new AppError('not_found', 'No such KPI in this contract');
  return { contract, kpi };
}

/** Whether the actor may rate this contract's KPIs (a commissioner of the buyer, or a site administrator). */
export async function canRateKpis(db: Db, actor: Actor, buyerOrganisationId: string): Promise<boolean> {
  if (actor.isAdmin) return true;
  return !!actor.userId && hasRole(db, actor.userId, buyerOrganisationId, ['commissioner']);
}

/** The KPI, its contract and its ratings so far, for the rating page; the buyer's commissioners only. */
export async function kpiForRating(db: Db, actor: Actor, contractId: string, kpiId: string) {
  const { contract, kpi } = await contractAndKpi(db, contractId, kpiId);
  await requireOrganisationRole(db, actor, contract.organisation_id, ['commissioner']);
  const ratings = (await repo.kpiRatingsOf(db, [contract.id])).filter((r) => r.kpi_id === kpi.id).map(present);
  return { contract: { id: contract.id, title: contract.title, organisationId: contract.organisation_id, startDate: contract.start_date, endDate: contract.end_date }, kpi: { id: kpi.id, title: kpi.title, target: kpi.target, unit: kpi.unit }, ratings };
}

/** Rates a KPI for a financial year (replacing an earlier rating for that year); the buyer's commissioners only. */
export async function rateKpi(db: Db, actor: Actor, contractId: string, kpiId: string, input: { period?: unknown; rating?: unknown; note?: unknown }): Promise<KpiRatingView> {
  const { contract, kpi } = await contractAndKpi(db, contractId, kpiId);
  await requireOrganisationRole(db, actor, contract.organisation_id, ['commissioner']);
  const check = new Checker();
  const period = readFinancialYear(input.period);
  if (!period) check.fail('period', 'Select the financial year the rating is for, like 2024-25');
  if (!(typeof input.rating === 'string' && (KPI_RATINGS as readonly string[]).includes(input.rating))) {
    check.fail('rating', 'Select a rating: good, approaching target, requires improvement or inadequate');
  }
  const note = check.text(input.note, 'note', 'a note', { max: 2000, optional: true });
  check.done();
  return inTransaction(db, async (trx) => {
    const before = (await repo.kpiRatingsOf(trx, [contract.id], period!)).find((r) => r.kpi_id === kpi.id);
    const row = await repo.upsertKpiRating(trx, { kpi, period: period!, rating: input.rating as KpiRating, note, ratedBy: actor.userId });
    await recordAudit(trx, actor, {
      action: 'commissioning.kpi.rated', entityType: 'commissioning_contract', entityId: contract.id, organisationId: contract.organisation_id,
      before: before ? { rating: before.rating, note: before.note } : undefined, after: { kpiId: kpi.id, period, rating: row.rating, note },
    });
    return present(row);
  });
}

/** Every rating of these contracts' KPIs (for one financial year when given), with each KPI's title. Public. */
export async function kpiRatingsFor(db: Db, contractIds: string[], period?: string): Promise<(KpiRatingView & { kpiTitle: string; target: number; unit: string })[]> {
  const ids = contractIds.filter(isUuid).map((s) => s.toLowerCase());
  const [ratings, kpis] = await Promise.all([repo.kpiRatingsOf(db, ids, period), repo.kpisOf(db, ids)]);
  const byId = new Map(kpis.map((k) => [k.id, k]));
  return ratings.map((r) => ({ ...present(r), kpiTitle: byId.get(r.kpi_id)?.title ?? '', target: byId.get(r.kpi_id)?.target ?? 0, unit: byId.get(r.kpi_id)?.unit ?? '' }));
}

/** 1 April and 31 March of a financial year named like '2024-25'. */
export function financialYearDates(period: string): { starts: string; ends: string } {
  const y = Number(period.slice(0, 4));
  return { starts: `${y}-04-01`, ends: `${y + 1}-03-31` };
}

/**
 * The financial years whose KPI ratings are due on `today` (ISO date): the year just ended (the one before
 * today's) and, from 1 March, today's year too, as it is in its last month. Older years are no longer chased.
 */
export function kpiRatingPeriodsDue(today: string): string[] {
  const current = financialYearOf(today);
  const y = Number(current.slice(0, 4));
  const previous = `${y - 1}-${String(y % 100).padStart(2, '0')}`;
  return today.slice(5, 7) === '03' ? [previous, current] : [previous];
}

export interface KpiRatingDue { contractId: string; contractTitle: string; kpiId: string; kpiTitle: string; period: string; href: string }

/**
 * The KPIs the person must rate now: those of contracts bought by an organisation they are a commissioner of,
 * that ran during a due year (`kpiRatingPeriodsDue`) and have no rating for it. Each leaves once rated.
 */
export async function kpiRatingsDue(db: Db, userId: string, today = new Date().toISOString().slice(0, 10)): Promise<KpiRatingDue[]> {
  const out: KpiRatingDue[] = [];
  for (const period of kpiRatingPeriodsDue(today)) {
    for (const r of await repo.kpisAwaitingRating(db, userId, { period, ...financialYearDates(period) })) {
      out.push({ contractId: r.contract_id, contractTitle: r.contract_title, kpiId: r.kpi_id, kpiTitle: r.kpi_title, period, href: `/commissioning/contracts/${r.contract_id}/kpis/${r.kpi_id}/rating?period=${period}` });
    }
  }
  return out.slice(0, 100);
}
