// "The worst 10%" decided on evidence, never on noise (issue 18). For a kind of service and an indicator, a
// service is STATISTICALLY FLAGGED only when, in the period and in the one before it, it had at least
// MIN_RESPONSES responses and either its risk-adjusted figure is below the 99.8% limit after overdispersion,
// or it is in the bottom decile of its peer group in at least 90% of the rank simulations. It becomes a
// CANDIDATE for the bottom decile only when a published peer review of it confirms the concern about that
// indicator. A candidate opens a framework decision record (improve with a plan, re-commission through
// commissioning, or decommission), made by a commissioner of the commissioning organisation named on the
// review, with the fairness evidence (who the service reaches by deprivation decile). Flags and decisions are
// public.
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { notifyWork, roleHolderIds } from '../platform/inbox.ts';
import { holdsRoleIn, rolesByOrganisation } from '../platform/auth/policy.ts';
import { findUserById } from '../platform/auth/auth.repository.ts';
import { organisationNames } from '../organisations/organisations.service.ts';
import { getService } from '../voice/voice.service.ts';
import { compareServices, INDICATOR_LABELS, previousPeriod, type Comparison, type CompareUnit } from './scorecards.compare.ts';
import * as repo from './scorecards.peer-review.repository.ts';
import * as cache from './scorecards.repository.ts';
import { COMMISSIONER_ROLES, DECISIONS, INDICATORS, SERVICE_KINDS, type Decision, type Indicator, type ServiceKind } from './scorecards.peer-review.table.ts';

/** Fewer responses than this in either period and a service is never flagged: its figure is too uncertain. */
export const MIN_RESPONSES = 30;
/** The bottom-decile probability (by rank simulation) at which a service is flagged. */
export const BOTTOM_DECILE_PROBABILITY = 0.9;

export const DECISION_LABELS: Record<Decision, string> = {
  improve: 'Improve, with a plan',
  recommission: 'Re-commission through commissioning',
  decommission: 'Decommission',
};

export const flagToDecideKind = 'scorecards.flag-to-decide';

export type FlagState = 'awaiting-peer-review' | 'candidate' | 'decided';

export interface Flag {
  serviceId: string; service: string; organisation: string; kind: ServiceKind; indicator: Indicator; indicatorLabel: string; period: string;
  state: FlagState; stateLabel: string;
  /** The figures that flagged it, this period and the one before. */
  evidence: { period: string; numerator: number; denominator: number; value: number; adjustedRatio: number; adjustedSignificance: string; bottomDecileProbability: number; rank: number; rankLower95: number; rankUpper95: number }[];
  /** Who the service reached by deprivation decile in the period (responses). */
  fairness: { decile: number | null; responses: number }[];
  review: { id: string; publishedAt: string | null } | null;
  commissioner: { id: string; name: string } | null;
  decision: { id: string; decision: Decision; decisionLabel: string; reason: string; decidedBy: string; decidedAt: string } | null;
}

const STATE_LABELS: Record<FlagState, string> = {
  'awaiting-peer-review': 'Statistically flagged, awaiting peer review',
  candidate: 'Candidate for the bottom 10%: confirmed by peer review, awaiting a decision',
  decided: 'Decided',
};

/** Does one period's figure meet the statistical test? */
export function statisticallyLow(u: CompareUnit): boolean {
  return u.denominator >= MIN_RESPONSES && (u.adjusted.significance === 'low-99.8' || u.rank.bottomDecileProbability >= BOTTOM_DECILE_PROBABILITY);
}

function evidenceOf(period: string, u: CompareUnit) {
  return {
    period, numerator: u.numerator, denominator: u.denominator, value: u.value, adjustedRatio: u.adjusted.ratio, adjustedSignificance: u.adjusted.significance,
    bottomDecileProbability: u.rank.bottomDecileProbability, rank: u.rank.rank, rankLower95: u.rank.lower95, rankUpper95: u.rank.upper95,
  };
}

/** Reads `period` (a calendar year) and optional `kind`, naming the field at fault. */
export function readFlagsQuery(input: { kind?: unknown; period?: unknown }): { kind: ServiceKind | null; period: string } {
  const check = new Checker();
  let kind: ServiceKind | null = null;
  if (input.kind !== undefined && input.kind !== '') kind = check.oneOf(input.kind, 'kind', 'the kind of service (involvement, joined-up, technical or framework)', SERVICE_KINDS);
  const period = typeof input.period === 'string' && input.period.trim() ? input.period.trim() : String(new Date().getUTCFullYear());
  if (!/^\d{4}$/.test(period)) check.fail('period', 'Enter the year as four digits, like 2026');
  check.done();
  return { kind, period };
}

type Evidence = Flag['evidence'][number];
type Fairness = Flag['fairness'];

/**
 * The statistical flags of a calendar year, computed from the stories (every peer group compared in the year
 * and the one before, with its rank simulation): what `commonweal scorecards recompute` stores. Costly at scale
 * (a few seconds a peer group of thousands), so never run by a page view.
 */
export async function computeFlags(db: Db, period: string, kinds: readonly ServiceKind[] = SERVICE_KINDS): Promise<{ serviceId: string; organisationId: string; kind: ServiceKind; indicator: Indicator; evidence: Evidence[]; fairness: Fairness }[]> {
  const out = [];
  for (const kind of kinds) {
    for (const indicator of INDICATORS) {
      const now: Comparison = await compareServices(db, { kind, indicator, period });
      if (!now.units.some(statisticallyLow)) continue;
      const before = await compareServices(db, { kind, indicator, period: previousPeriod(period) });
      for (const u of now.units) {
        const b = before.units.find((x) => x.serviceId === u.serviceId);
        if (!b || !statisticallyLow(u) || !statisticallyLow(b)) continue;
        out.push({
          serviceId: u.serviceId, organisationId: u.organisationId, kind, indicator,
          evidence: [evidenceOf(previousPeriod(period), b), evidenceOf(period, u)],
          fairness: u.byDecile.map((x) => ({ decile: x.decile, responses: x.denominator })),
        });
      }
    }
  }
  return out;
}

/** Computes and stores the flags of these calendar years (one transaction a year, under the recompute's lock). */
export async function recomputeFlags(db: Db, periods: string[]): Promise<{ periods: string[]; flags: number; ms: number }> {
  const t0 = performance.now();
  let n = 0;
  for (const period of periods) {
    await inTransaction(db, async (trx) => {
      await cache.lockRecompute(trx, 'flags');
      const rows = await computeFlags(trx, period);
      n += rows.length;
      await cache.replaceFlags(trx, period, rows.map((r) => ({ organisation_id: r.organisationId, service_id: r.serviceId, indicator: r.indicator, service_kind: r.kind, evidence: r.evidence, fairness: r.fairness })));
    });
  }
  return { periods, flags: n, ms: Math.round(performance.now() - t0) };
}

/** The calendar years whose flags a recompute computes: this one and the last, or the two a financial year spans. */
export function flagYears(period: { fromDay: string } | null, now = new Date()): string[] {
  const start = period ? Number(period.fromDay.slice(0, 4)) : now.getUTCFullYear() - 1;
  return [String(start), String(start + 1)];
}

/** When the year's flags were last computed (null: never; the flags page says so). */
export async function flagsComputedAt(db: Db, period: string): Promise<Date | null> {
  return cache.flagsComputedAt(db, period);
}

/**
 * Every flag for the period (of one kind, or all, or of one service), as the last recompute stored it, each with
 * its state read now: a published peer review confirming the concern makes it a candidate, a decision decides it.
 */
export async function flags(db: Db, q: { kind?: ServiceKind | null; period: string; serviceId?: string }): Promise<Flag[]> {
  const stored = await cache.storedFlags(db, q);
  if (!stored.length) return [];
  const out: Flag[] = [];
  const published = await repo.reviewsWhere(db, { status: 'published' });
  const decided = await repo.decisions(db, { periods: [q.period] });
  const orgIds = new Set<string>();
  const services = new Map((await Promise.all([...new Set(stored.map((f) => f.service_id))].map((id) => getService(db, id).catch(() => null))))
    .filter((s) => s !== null).map((s) => [s.id, s]));
  for (const p of stored) {
    const service = services.get(p.service_id);
    if (!service) continue;
    const review = published.filter((r) => r.service_id === p.service_id && r.concern_indicator === p.indicator)
      .sort((a, b) => (b.published_at?.getTime() ?? 0) - (a.published_at?.getTime() ?? 0))[0];
    if (review?.commissioner_organisation_id) orgIds.add(review.commissioner_organisation_id);
    const d = decided.find((x) => x.service_id === p.service_id && x.indicator === p.indicator);
    const state: FlagState = d ? 'decided' : review ? 'candidate' : 'awaiting-peer-review';
    out.push({
      serviceId: p.service_id, service: service.name, organisation: service.organisationName, kind: p.service_kind, indicator: p.indicator, indicatorLabel: INDICATOR_LABELS[p.indicator], period: q.period,
      state, stateLabel: STATE_LABELS[state],
      evidence: p.evidence as Evidence[],
      fairness: p.fairness as Fairness,
      review: review ? { id: review.id, publishedAt: review.published_at?.toISOString() ?? null } : null,
      commissioner: review?.commissioner_organisation_id ? { id: review.commissioner_organisation_id, name: '' } : null,
      decision: d ? { id: d.id, decision: d.decision, decisionLabel: DECISION_LABELS[d.decision], reason: d.reason, decidedBy: d.decided_by, decidedAt: d.decided_at.toISOString() } : null,
    });
  }
  const names = await organisationNames(db, [...orgIds]);
  const people = new Map<string, string>();
  for (const f of out) if (f.decision && !people.has(f.decision.decidedBy)) people.set(f.decision.decidedBy, (await findUserById(db, f.decision.decidedBy))?.name ?? '');
  for (const f of out) {
    if (f.commissioner) f.commissioner.name = names.get(f.commissioner.id)?.name ?? '';
    if (f.decision) f.decision.decidedBy = people.get(f.decision.decidedBy) ?? '';
  }
  return out.sort((a, b) => a.service.localeCompare(b.service) || a.indicator.localeCompare(b.indicator));
}

/**
 * A service's flags for the period (this calendar year unless given), for its scorecard page: none, or each
 * indicator it is flagged on with its state ("statistically flagged, awaiting peer review", candidate, decided).
 */
export async function flagStatus(db: Db, serviceId: string, period = String(new Date().getUTCFullYear())): Promise<Flag[]> {
  const service = await getService(db, serviceId);
  return flags(db, { period, serviceId: service.id });
}

/**
 * Candidates waiting for a decision by a commissioner of the person's organisations. Cheap for everyone else
 * (the inbox asks on every page): only a commissioner named on a published review that confirms a concern has
 * any, and only those services' peer groups are compared.
 */
export async function flagsToDecide(db: Db, userId: string, period = String(new Date().getUTCFullYear())): Promise<Flag[]> {
  const held = await rolesByOrganisation(db, userId);
  const mine = new Set([...held.entries()].filter(([, roles]) => roles.some((r) => (COMMISSIONER_ROLES as readonly string[]).includes(r))).map(([id]) => id));
  if (!mine.size) return [];
  const confirming = (await repo.reviewsWhere(db, { status: 'published' })).filter((r) => r.concern_indicator && r.commissioner_organisation_id && mine.has(r.commissioner_organisation_id));
  if (!confirming.length) return [];
  const out: Flag[] = [];
  for (const id of new Set(confirming.map((r) => r.service_id))) {
    for (const f of await flags(db, { period, serviceId: id })) if (f.state === 'candidate' && f.commissioner && mine.has(f.commissioner.id)) out.push(f);
  }
  return out;
}

/**
 * A commissioner of the commissioning organisation named on the confirming review records the framework
 * decision for a candidate, with the reason; the fairness evidence is stored with it. Once per service,
 * indicator and period.
 */
export async function decideFlag(db: Db, actor: Actor, input: { service?: unknown; indicator?: unknown; period?: unknown; decision?: unknown; reason?: unknown }): Promise<Flag> {
  if (!actor.userId) throw new AppError('unauthenticated');
  const check = new Checker();
  const indicator = check.oneOf(input.indicator, 'indicator', 'the figure the service is flagged on', INDICATORS);
  const decision = check.oneOf(input.decision, 'decision', 'the decision: improve with a plan, re-commission or decommission', DECISIONS);
  const reason = check.text(input.reason, 'reason', 'the reason for the decision', { max: 4000 });
  const period = typeof input.period === 'string' && /^\d{4}$/.test(input.period.trim()) ? input.period.trim() : '';
  if (!period) check.fail('period', 'Enter the year the service is flagged in, like 2026');
  check.done();
  const service = typeof input.service === 'string' ? await getService(db, input.service) : null;
  if (!service) throw new AppError('not_found', 'No such service');
  const flag = (await flags(db, { period, serviceId: service.id })).find((f) => f.serviceId === service.id && f.indicator === indicator);
  if (!flag) throw new AppError('not_found', `${service.name} is not flagged on that figure in ${period}`);
  if (!flag.commissioner || !(await holdsRoleIn(db, actor.userId, [flag.commissioner.id], COMMISSIONER_ROLES))) {
    throw new AppError('forbidden', flag.commissioner ? `Only a commissioner of ${flag.commissioner.name} can decide` : 'Only a commissioner of the commissioning organisation can decide');
  }
  if (flag.state === 'awaiting-peer-review') throw new AppError('unprocessable', 'A decision waits for a published peer review that confirms the concern');
  if (flag.state === 'decided') throw new AppError('conflict', 'This flag is already decided', { fieldErrors: [{ field: 'decision', message: 'This flag is already decided' }] });
  return inTransaction(db, async (trx) => {
    const row = await repo.insertDecision(trx, {
      organisation_id: flag.commissioner!.id, service_id: service.id, service_kind: service.decisionType, indicator, period, review_id: flag.review!.id,
      decision, reason, fairness: { byDecile: flag.fairness, evidence: flag.evidence }, decided_by: actor.userId!,
    }).catch((error: unknown) => {
      if ((error as { code?: string }).code === '23505') throw new AppError('conflict', 'This flag is already decided', { fieldErrors: [{ field: 'decision', message: 'This flag is already decided' }] });
      throw error;
    });
    await recordAudit(trx, actor, { action: 'scorecards.flag.decided', entityType: 'scorecards_flag_decision', entityId: row.id, organisationId: row.organisation_id, after: { serviceId: service.id, indicator, period, decision, reason } });
    const name = (await findUserById(trx, actor.userId!))?.name ?? '';
    return { ...flag, state: 'decided' as const, stateLabel: STATE_LABELS.decided, decision: { id: row.id, decision, decisionLabel: DECISION_LABELS[decision], reason, decidedBy: name, decidedAt: row.decided_at.toISOString() } };
  });
}

/** When a published review confirms a concern on a flagged service, the commissioners hear of it. */
export async function noticeFlagConfirmed(trx: Db, x: { serviceId: string; indicator: Indicator; commissionerId: string | null; baseUrl: string; except: string | null; period?: string }): Promise<void> {
  if (!x.commissionerId) return;
  const period = x.period ?? String(new Date().getUTCFullYear());
  const f = (await flagStatus(trx, x.serviceId, period)).find((y) => y.indicator === x.indicator);
  if (!f || f.state !== 'candidate') return;
  await notifyWork(trx, {
    kind: flagToDecideKind, userIds: await roleHolderIds(trx, [x.commissionerId], COMMISSIONER_ROLES), except: x.except, baseUrl: x.baseUrl,
    href: `/scorecards/flags/decide?service=${f.serviceId}&indicator=${f.indicator}&period=${period}`,
    subject: `${f.service} is a candidate for the bottom 10%: a decision is yours`,
    text: `${f.service} (${f.organisation}) was below its peer group on “${f.indicatorLabel}” in ${f.evidence[0]!.period} and ${period}, and a published peer review confirms the concern. Record the framework decision: improve with a plan, re-commission or decommission.`,
  });
}
