// Fair comparison of a peer group (issue 18): the services of one kind (voice_services.decision_type), one
// indicator, one calendar year. Each unit gets its funnel limits at 95% and 99.8% with overdispersion
// (Spiegelhalter 2005), a risk-adjusted figure by the deprivation of the people it heard from (indirect
// standardisation by national deprivation decile, the stories' authors' postcodes read through places), and a
// rank with its 95% interval by simulation (seeded, so the same data always give the same answer).
// Method and sources: src/scorecards/README.md.
import type { Db } from '../platform/db.ts';
import { Checker } from '../platform/validate.ts';
import { decileOf, placesOf } from '../places/places.service.ts';
import { listServices, serviceVoiceByPostcode } from '../voice/voice.service.ts';
import { funnel, rankIntervals, type FunnelInput, type Significance } from './scorecards.stats.ts';
import { INDICATORS, SERVICE_KINDS, type Indicator, type ServiceKind } from './scorecards.peer-review.table.ts';

export const INDICATOR_LABELS: Record<Indicator, string> = {
  'fft-positive': 'Friends and Family Test: share positive (very good or good)',
  'share-answered': 'Share of stories the service answered',
};

export const KIND_LABELS: Record<ServiceKind, string> = {
  involvement: 'Involvement-based services',
  'joined-up': 'Joined-up services',
  technical: 'Technical services',
  framework: 'Framework services',
};

/** The seed of every rank simulation: the same figures always give the same ranks and probabilities. */
export const RANK_SEED = 18;
export const RANK_SIMULATIONS = 2000;

export interface CompareQuery { kind: ServiceKind; indicator: Indicator; period: string }

/** Reads a comparison's kind, indicator and period (a calendar year), naming each field at fault. */
export function readCompareQuery(input: { kind?: unknown; indicator?: unknown; period?: unknown }): CompareQuery {
  const check = new Checker();
  const kind = check.oneOf(input.kind, 'kind', 'the kind of service to compare', SERVICE_KINDS);
  const indicator = check.oneOf(input.indicator, 'indicator', 'the figure to compare', INDICATORS);
  const period = typeof input.period === 'string' ? input.period.trim() : '';
  if (!/^\d{4}$/.test(period) || Number(period) < 2000 || Number(period) > 2100) check.fail('period', 'Enter the year to compare as four digits, like 2026');
  check.done();
  return { kind, indicator, period };
}

export function previousPeriod(period: string): string {
  return String(Number(period) - 1);
}

function periodRange(period: string): { from: Date; to: Date } {
  const y = Number(period);
  return { from: new Date(Date.UTC(y, 0, 1)), to: new Date(Date.UTC(y + 1, 0, 1)) };
}

export interface CompareUnit {
  serviceId: string; service: string; organisationId: string; organisation: string;
  numerator: number; denominator: number; value: number;
  lower95: number; upper95: number; lower998: number; upper998: number; significance: Significance;
  /** Indirectly standardised for deprivation: observed, expected from the peer group's decile rates, O/E. */
  adjusted: { observed: number; expected: number; ratio: number; value: number; lower998: number; upper998: number; significance: Significance };
  rank: { rank: number; lower95: number; upper95: number; bottomDecileProbability: number };
  /** The people it heard from by national deprivation decile (1 = most deprived; null = no postcode or not known). */
  byDecile: { decile: number | null; denominator: number }[];
}

export interface Comparison extends CompareQuery {
  kindLabel: string; indicatorLabel: string;
  target: number; phi: number | null; tau2: number | null; adjustedTau2: number | null;
  units: CompareUnit[];
  /** Services of the kind with nothing to count in the period. */
  without: { serviceId: string; service: string; organisation: string }[];
}

/** The figure of each service of a kind for an indicator over a period, and the limits, adjustment and ranks. */
export async function compareServices(db: Db, q: CompareQuery): Promise<Comparison> {
  const services = (await listServices(db)).filter((s) => s.decisionType === q.kind);
  const { from, to } = periodRange(q.period);
  const rows = await serviceVoiceByPostcode(db, { serviceIds: services.map((s) => s.id), from, to });
  // Each author's postcode → small area → national decile (IoD2019 / SIMD2020), through places.
  const postcodes = [...new Set(rows.map((r) => r.postcode).filter((p): p is string => !!p))];
  const found = postcodes.length ? (await placesOf(db, { postcodes, areaCodes: [] })).postcodes : new Map<string, { areaCode: string | null }>();
  const decileOfArea = new Map<string, number | null>();
  for (const p of found.values()) if (p.areaCode && !decileOfArea.has(p.areaCode)) decileOfArea.set(p.areaCode, await decileOf(db, p.areaCode));
  const decileOfPostcode = (p: string | null): number | null => {
    const area = p ? found.get(p)?.areaCode : null;
    return area ? (decileOfArea.get(area) ?? null) : null;
  };
  const num = (r: (typeof rows)[number]) => (q.indicator === 'fft-positive' ? r.positive : r.answered);
  const den = (r: (typeof rows)[number]) => (q.indicator === 'fft-positive' ? r.rated : r.stories);
  // Per service and decile (0 stands for "not known").
  const cells = new Map<string, Map<number, { n: number; d: number }>>();
  for (const r of rows) {
    if (den(r) === 0) continue;
    const k = decileOfPostcode(r.postcode) ?? 0;
    const byService = cells.get(r.serviceId) ?? new Map<number, { n: number; d: number }>();
    const c = byService.get(k) ?? { n: 0, d: 0 };
    c.n += num(r);
    c.d += den(r);
    byService.set(k, c);
    cells.set(r.serviceId, byService);
  }
  const counted = services.filter((s) => cells.has(s.id));
  const without = services.filter((s) => !cells.has(s.id)).map((s) => ({ serviceId: s.id, service: s.name, organisation: s.organisationName }));
  if (counted.length === 0) {
    return { ...q, kindLabel: KIND_LABELS[q.kind], indicatorLabel: INDICATOR_LABELS[q.indicator], target: 0, phi: null, tau2: null, adjustedTau2: null, units: [], without };
  }
  const totals = (id: string) => [...cells.get(id)!.values()].reduce((a, c) => ({ n: a.n + c.n, d: a.d + c.d }), { n: 0, d: 0 });
  const inputs: FunnelInput[] = counted.map((s) => ({ unit: s.id, numerator: totals(s.id).n, denominator: totals(s.id).d }));
  const f = funnel(inputs, { statistic: 'proportion', overdispersion: true });
  // Indirect standardisation: the peer group's rate in each decile × the unit's count in that decile.
  const peer = new Map<number, { n: number; d: number }>();
  for (const byService of cells.values()) for (const [k, c] of byService) {
    const p = peer.get(k) ?? { n: 0, d: 0 };
    p.n += c.n;
    p.d += c.d;
    peer.set(k, p);
  }
  const expected = (id: string) => [...cells.get(id)!.entries()].reduce((e, [k, c]) => e + (peer.get(k)!.n / peer.get(k)!.d) * c.d, 0);
  const ratioInputs: FunnelInput[] = counted.map((s) => ({ unit: s.id, numerator: totals(s.id).n, denominator: Math.max(expected(s.id), 1e-9) }));
  const adjusted = funnel(ratioInputs, { statistic: 'ratio', target: 1, overdispersion: true });
  const ranks = rankIntervals(inputs, 'proportion', { seed: RANK_SEED, simulations: RANK_SIMULATIONS });
  const units = counted.map((s, i) => {
    const r = f.rows[i]!;
    const a = adjusted.rows[i]!;
    const k = ranks[i]!;
    return {
      serviceId: s.id, service: s.name, organisationId: s.organisationId, organisation: s.organisationName,
      numerator: r.numerator, denominator: r.denominator, value: r.value,
      lower95: r.lower95, upper95: r.upper95, lower998: r.lower998, upper998: r.upper998, significance: r.significance,
      adjusted: { observed: a.numerator, expected: a.denominator, ratio: a.value, value: Math.min(1, a.value * f.target), lower998: a.lower998, upper998: a.upper998, significance: a.significance },
      rank: { rank: k.rank, lower95: k.lower95, upper95: k.upper95, bottomDecileProbability: k.bottomDecileProbability },
      byDecile: [...cells.get(s.id)!.entries()].sort(([x], [y]) => (x || 99) - (y || 99)).map(([decile, c]) => ({ decile: decile || null, denominator: c.d })),
    };
  }).sort((x, y) => x.rank.rank - y.rank.rank || x.service.localeCompare(y.service));
  return { ...q, kindLabel: KIND_LABELS[q.kind], indicatorLabel: INDICATOR_LABELS[q.indicator], target: f.target, phi: f.phi, tau2: f.tau2, adjustedTau2: adjusted.tau2, units, without };
}
