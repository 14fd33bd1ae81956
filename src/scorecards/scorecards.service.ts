// The scorecard of a service or of a provider organisation for a financial year (issue 18). It joins the public
// service functions of the modules above it and owns no one else's data. A scorecard is a list of sections, each
// built by one function of `scorecardSections` (a registry, so later sections — peer review, flags — are added
// by pushing a function); the service's decision type decides their order.
import type { Db } from '../platform/db.ts';
import { AppError, isAppError } from '../platform/errors.ts';
import { barChart, percent } from '../platform/charts.ts';
import { getOrganisation, type OrganisationView } from '../organisations/organisations.service.ts';
import { getGovernance } from '../organisations/organisations.governance.ts';
import { decilePopulationShares, getLocalAuthority, areaNeed } from '../places/places.service.ts';
import { getSupplier } from '../spend/spend.service.ts';
import { supplierKey, supplierSlug } from '../spend/spend.suppliers.ts';
import { getContract, listContractSummaries } from '../commissioning/commissioning.service.ts';
import { kpiRatingsFor, KPI_RATINGS, KPI_RATING_LABELS } from '../commissioning/commissioning.kpi-ratings.ts';
import { grantsOrganisationSection } from '../grants/grants.received.ts';
import { ledger, listContracts as listOutcomeContracts } from '../outcomes/outcomes.service.ts';
import { listPublicAgreements } from '../outcomes/outcomes.agreements.ts';
import { FFT_CHOICES, getService, listServices, serviceVoiceRecords, type ServiceView, type ServiceVoiceRecord } from '../voice/voice.service.ts';
import type { DecisionType } from '../voice/voice.table.ts';
import { fftSummary, type FftSummary } from './scorecards.fft.ts';
import { slopeIndex } from './scorecards.stats.ts';
import { recentPeriods, type Period } from './scorecards.periods.ts';

export type Subject =
  | { kind: 'service'; service: ServiceView; organisation: OrganisationView }
  | { kind: 'organisation'; organisation: OrganisationView; services: ServiceView[] };

/** One line of a section: a figure, and the page it comes from. */
export interface Figure { key: string; label: string; value: string; href?: string }

export interface Section {
  key: string;
  heading: string;
  /** Plain sentences under the heading. */
  notes?: string[];
  figures: Figure[];
  table?: { caption: string; head: string[]; rows: string[][]; numeric?: number[] };
  /** A server-rendered SVG (see scorecards.chart.ts), always with `table` beside it. */
  chart?: string;
  /** Machine-readable figures for the API and CSV. */
  data?: Record<string, unknown>;
}

export type SectionFunction = (db: Db, subject: Subject, period: Period) => Promise<Section | null>;

const pounds = (pence: number) => `${pence < 0 ? '-' : ''}£${Math.floor(Math.abs(pence) / 100).toLocaleString('en-GB')}.${String(Math.abs(pence) % 100).padStart(2, '0')}`;
const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
const serviceIds = (s: Subject) => (s.kind === 'service' ? [s.service.id] : s.services.map((x) => x.id));
const providerId = (s: Subject) => s.organisation.id;

function duration(minutes: number): string {
  if (minutes < 60) return count(minutes, 'minute');
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1)} hours`;
  return `${(minutes / 1440).toFixed(1)} days`;
}

// ---------------------------------------------------------------------------------------------------------
// Voice

function sumRecords(records: ServiceVoiceRecord[]) {
  const ratings = { 'very-good': 0, good: 0, neither: 0, poor: 0, 'very-poor': 0, 'dont-know': 0 } as ServiceVoiceRecord['ratings'];
  let stories = 0, answered = 0, changesClaimed = 0, changesConfirmed = 0;
  for (const r of records) {
    stories += r.stories; answered += r.answered; changesClaimed += r.changesClaimed; changesConfirmed += r.changesConfirmed;
    for (const k of Object.keys(ratings) as (keyof typeof ratings)[]) ratings[k] += r.ratings[k];
  }
  return { stories, answered, changesClaimed, changesConfirmed, ratings };
}

export const voiceSection: SectionFunction = async (db, subject, period) => {
  const records = await serviceVoiceRecords(db, { serviceIds: serviceIds(subject), from: period.from, to: period.to });
  const sum = sumRecords(records);
  const governance = await getGovernance(db, providerId(subject));
  const fft: FftSummary = fftSummary(sum.ratings);
  const storiesHref = subject.kind === 'service' ? `/voice?service=${subject.service.id}` : `/voice/organisations/${subject.organisation.slug}`;
  const median = subject.kind === 'service' ? records[0]?.medianMinutesToFirstResponse ?? null : null;
  const targetMinutes = governance?.responseTargetDays ? governance.responseTargetDays * 1440 : null;
  const figures: Figure[] = [
    { key: 'stories', label: 'Stories published', value: count(sum.stories, 'story', 'stories'), href: storiesHref },
    { key: 'shareAnswered', label: 'Share answered by the provider', value: sum.stories ? `${percent(sum.answered / sum.stories)} (${sum.answered.toLocaleString('en-GB')} of ${sum.stories.toLocaleString('en-GB')})` : 'No stories', href: storiesHref },
  ];
  if (subject.kind === 'service') {
    figures.push({
      key: 'medianFirstResponse', label: 'Median time to a first answer',
      value: median === null ? 'No answers yet' : `${duration(median)}${targetMinutes === null ? ' (the provider has published no target)' : median <= targetMinutes ? `, within its published target of ${count(governance!.responseTargetDays!, 'day')}` : `, slower than its published target of ${count(governance!.responseTargetDays!, 'day')}`}`,
      href: storiesHref,
    });
  }
  figures.push({ key: 'changes', label: 'Changes claimed in answers, and confirmed by the story’s author', value: `${sum.changesClaimed.toLocaleString('en-GB')} claimed, ${sum.changesConfirmed.toLocaleString('en-GB')} confirmed`, href: storiesHref });
  figures.push({
    key: 'fftPositive', label: 'Friends and Family Test: % positive (very good or good), with 95% interval',
    value: fft.positive ? `${percent(fft.positive.share)} (${percent(fft.positive.lower95)} to ${percent(fft.positive.upper95)}) of ${count(fft.responses!, 'answer')}` : sum.ratings && Object.values(sum.ratings).some((n) => n > 0) ? 'Fewer than 5 answers: not shown, to protect the people who answered' : 'No answers',
    href: storiesHref,
  });
  const rows = FFT_CHOICES.map((c) => {
    const n = fft.counts.find((x) => x.rating === c.value)!.count;
    return [c.text, n === null ? 'Suppressed' : n.toLocaleString('en-GB')];
  });
  return {
    key: 'voice', heading: 'What its users say', figures,
    notes: ['Published (moderated) stories only. Answers counted are the provider’s own published answers. Friends and Family Test counts of 1 to 4 are suppressed, with a second count where one alone would show it (NHS England’s method).'],
    table: { caption: 'Friends and Family Test answers', head: ['Answer', 'Count'], rows, numeric: [1] },
    data: {
      stories: sum.stories, answered: sum.answered, shareAnswered: sum.stories ? sum.answered / sum.stories : null, medianMinutesToFirstResponse: median,
      responseTargetDays: governance?.responseTargetDays ?? null, changesClaimed: sum.changesClaimed, changesConfirmed: sum.changesConfirmed,
      fft: { responses: fft.responses, positive: fft.positive, negative: fft.negative, counts: Object.fromEntries(fft.counts.map((c) => [c.rating, c.count])) },
    },
  };
};

// ---------------------------------------------------------------------------------------------------------
// Money and outcomes

// Several sections read the provider's contracts: read once per scorecard (the subject object is the key).
const contractsMemo = new WeakMap<Subject, Promise<Awaited<ReturnType<typeof listContractSummaries>>>>();
const outcomeContractsMemo = new WeakMap<Subject, ReturnType<typeof listOutcomeContracts>>();
const outcomeContractsOf = (db: Db, subject: Subject) => {
  let p = outcomeContractsMemo.get(subject);
  if (!p) outcomeContractsMemo.set(subject, (p = listOutcomeContracts(db, { providerOrganisationId: providerId(subject) })));
  return p;
};

async function contractsOf(db: Db, subject: Subject, period: Period) {
  let p = contractsMemo.get(subject);
  if (!p) contractsMemo.set(subject, (p = listContractSummaries(db, { supplierOrganisationId: providerId(subject) })));
  return (await p).filter((c) => (c.startDate ?? '0000') <= period.lastDay && (c.endDate ?? '9999') >= period.fromDay);
}

// Each decile's share of the nation's population changes only when places data is loaded: kept ten minutes.
type NationalShares = Awaited<ReturnType<typeof decilePopulationShares>>;
const nationalMemo = new WeakMap<object, Map<string, { at: number; value: Promise<NationalShares> }>>();
function nationalShares(db: Db, index: 'imd2019' | 'simd2020'): Promise<NationalShares> {
  const byIndex = nationalMemo.get(db) ?? new Map<string, { at: number; value: Promise<NationalShares> }>();
  nationalMemo.set(db, byIndex);
  const hit = byIndex.get(index);
  if (hit && Date.now() - hit.at < 600_000) return hit.value;
  const value = decilePopulationShares(db, index);
  byIndex.set(index, { at: Date.now(), value });
  // Not loaded yet: ask again next time.
  void value.then((v) => { if (!v) byIndex.delete(index); }, () => byIndex.delete(index));
  return value;
}

export const moneySection: SectionFunction = async (db, subject, period) => {
  const org = subject.organisation;
  const figures: Figure[] = [];
  const table: string[][] = [];
  let spendPence = 0;
  const key = supplierKey(org.name);
  if (key) {
    const slug = supplierSlug(key);
    try {
      const supplier = await getSupplier(db, slug);
      const range = `${period.fromDay.slice(0, 7)}..${period.lastDay.slice(0, 7)}`;
      for (const p of supplier.publishers) {
        const months = p.byMonth.filter((m) => m.month !== null && m.month >= period.fromDay.slice(0, 7) && m.month <= period.lastDay.slice(0, 7));
        const pence = months.reduce((s, m) => s + m.netTotalPence, 0);
        const lines = months.reduce((s, m) => s + m.lines, 0);
        if (lines === 0) continue;
        spendPence += pence;
        figures.push({ key: 'spend', label: `Paid by ${p.name} (published spending over £500)`, value: `${pounds(pence)} in ${count(lines, 'payment')}`, href: `/spend/${encodeURIComponent(p.slug)}/lines?supplier=${encodeURIComponent(slug)}&period=${range}` });
        table.push([`Spending: ${p.name}`, pounds(pence)]);
      }
    } catch (error) {
      if (!(isAppError(error) && error.code === 'not_found')) throw error;
    }
  }
  let agreedPence = 0, paidPence = 0;
  for (const c of await contractsOf(db, subject, period)) {
    const detail = await getContract(db, c.id);
    agreedPence += detail.valuePence; paidPence += detail.payments.paidPence;
    figures.push({ key: 'contract', label: `Contract: ${detail.title} (from ${detail.buyer.name})`, value: `${pounds(detail.payments.paidPence)} paid of ${pounds(detail.valuePence)} agreed, over the contract`, href: c.href });
    table.push([`Contract: ${detail.title}`, `${pounds(detail.payments.paidPence)} of ${pounds(detail.valuePence)}`]);
  }
  const grants = await grantsOrganisationSection(db, org.id);
  if (grants) {
    const inPounds = grants.rows.find((r) => r.key === 'In pounds');
    figures.push({ key: 'grants', label: 'Grants received (all years, as funders published them in 360Giving)', value: `${inPounds?.value ?? ''} — ${grants.rows[0]?.value ?? ''}`, href: grants.link?.href });
  }
  let outcomePaidPence = 0, outcomesValidated = 0;
  for (const oc of await outcomeContractsOf(db, subject)) {
    const l = await ledger(db, oc.id);
    outcomePaidPence += l.paidPence;
    outcomesValidated += l.byMetric.reduce((s, m) => s + m.accepted, 0);
  }
  if (outcomePaidPence || outcomesValidated) {
    figures.push({ key: 'outcomePayments', label: 'Outcome payments received (all years)', value: pounds(outcomePaidPence), href: `/outcomes?provider=${org.slug}` });
    if (outcomesValidated) figures.push({ key: 'costPerOutcome', label: 'Cost per validated outcome (outcome payments ÷ outcomes validated)', value: `${pounds(Math.round(outcomePaidPence / outcomesValidated))} (${count(outcomesValidated, 'outcome')})` });
  }
  if (figures.length === 0) return { key: 'money', heading: 'Money', figures: [], notes: [`No published spending, contract, grant or outcome payment to ${org.name} in ${period.label}.`], data: { spendPence: 0, agreedPence: 0, paidPence: 0, outcomePaidPence: 0, outcomesValidated: 0 } };
  return {
    key: 'money', heading: 'Money', figures,
    notes: [`Money paid to ${org.name}, the provider. Spending is matched by the supplier’s name as councils published it; a payment under another name is not counted.`],
    table: table.length ? { caption: `Money to ${org.name}, ${period.label}`, head: ['Source', 'Amount'], rows: table, numeric: [1] } : undefined,
    data: { spendPence, agreedPence, paidPence, outcomePaidPence, outcomesValidated, costPerOutcomePence: outcomesValidated ? Math.round(outcomePaidPence / outcomesValidated) : null },
  };
};

export const outcomesSection: SectionFunction = async (db, subject, period) => {
  const org = subject.organisation;
  const figures: Figure[] = [];
  const rows: string[][] = [];
  for (const oc of await outcomeContractsOf(db, subject)) {
    const l = await ledger(db, oc.id);
    for (const m of l.byMetric) {
      rows.push([`${oc.title}: ${m.name}`, m.accepted.toLocaleString('en-GB'), m.targetCount === null ? 'No target' : m.targetCount.toLocaleString('en-GB'), m.targetCount ? percent(m.accepted / m.targetCount, 0) : '']);
    }
    figures.push({ key: 'outcomeClaims', label: `Outcome claims: ${oc.title}`, value: `${count(l.claims, 'claim')}, ${pounds(l.validatedPence)} validated`, href: `/outcomes/contracts/${oc.id}` });
  }
  const agreements = (await listPublicAgreements(db, { organisationId: org.id })).filter((a) => subject.kind === 'organisation' || a.serviceName === subject.service.name);
  let serviceKept = 0, serviceTerms = 0, citizenKept = 0, citizenTerms = 0;
  for (const a of agreements) for (const t of a.terms) {
    if (t.side === 'service') { serviceTerms++; if (t.serviceStatus === 'achieved' || t.serviceStatus === 'on-track') serviceKept++; }
    else { citizenTerms++; if (t.citizenStatus === 'achieved' || t.citizenStatus === 'on-track') citizenKept++; }
  }
  if (agreements.length) {
    figures.push({ key: 'agreements', label: 'Outcome agreements: commitments achieved or on track', value: `the service’s ${serviceKept} of ${serviceTerms}; the citizens’ ${citizenKept} of ${citizenTerms} (${count(agreements.length, 'agreement')})`, href: `/outcomes/agreements/${agreements[0]!.id}` });
  }
  const contracts = await contractsOf(db, subject, period);
  const ratings = await kpiRatingsFor(db, contracts.map((c) => c.id), period.name);
  const byRating = Object.fromEntries(KPI_RATINGS.map((r) => [r, ratings.filter((x) => x.rating === r).length]));
  if (ratings.length) {
    figures.push({ key: 'kpis', label: `Contract KPIs rated for ${period.name} (Procurement Act 2023 scale)`, value: KPI_RATINGS.filter((r) => byRating[r]).map((r) => `${byRating[r]} ${KPI_RATING_LABELS[r].toLowerCase()}`).join(', '), href: `/commissioning/contracts/${ratings[0]!.contractId}` });
    for (const r of ratings) rows.push([`KPI: ${r.kpiTitle} (target ${r.target.toLocaleString('en-GB')} ${r.unit})`, r.ratingLabel, '', '']);
  }
  if (figures.length === 0) return { key: 'outcomes', heading: 'Outcomes and KPIs', figures: [], notes: [`No outcome contract, outcome agreement or rated KPI for ${period.label}.`], data: { kpiRatings: byRating, agreements: 0 } };
  return {
    key: 'outcomes', heading: 'Outcomes and KPIs', figures,
    table: rows.length ? { caption: 'Outcomes validated against targets, and KPI ratings', head: ['Measure', 'Validated or rating', 'Target', 'Share of target'], rows, numeric: [1, 2, 3] } : undefined,
    data: { kpiRatings: byRating, agreements: agreements.length, serviceCommitments: { kept: serviceKept, of: serviceTerms }, citizenCommitments: { kept: citizenKept, of: citizenTerms } },
  };
};

// ---------------------------------------------------------------------------------------------------------
// Fairness: the people in the areas a service covers, by national deprivation decile, against the nation.

export const fairnessSection: SectionFunction = async (db, subject) => {
  const services = subject.kind === 'service' ? [subject.service] : subject.services;
  const areas = services.flatMap((s) => s.areas);
  const covered = new Array<number>(10).fill(0);
  const seen = new Set<string>();
  let index: 'imd2019' | 'simd2020' = 'imd2019';
  for (const a of areas) {
    if (seen.has(a.code)) continue;
    seen.add(a.code);
    if (a.code.startsWith('S')) index = 'simd2020';
    if (a.kind === 'small-area') {
      const n = await areaNeed(db, a.code);
      if (n) covered[n.decile - 1]! += n.population;
    } else {
      try {
        const la = await getLocalAuthority(db, a.code);
        for (const d of la.byDecile) covered[d.decile - 1]! += d.population;
      } catch (error) { if (!isAppError(error)) throw error; }
    }
  }
  const total = covered.reduce((a, b) => a + b, 0);
  const national = total === 0 ? null : await nationalShares(db, index);
  if (!national || total === 0) return { key: 'fairness', heading: 'Who it reaches', figures: [], notes: ['The areas it covers are not matched to deprivation data yet.'], data: { deciles: null, sii: null } };
  const groups = national.map((d, i) => ({ count: covered[i]!, population: d.population }));
  const sii = slopeIndex(groups, { multiplier: 100, seed: 18 });
  const rows = national.map((d, i) => [String(d.decile), covered[i]!.toLocaleString('en-GB'), percent(covered[i]! / total), percent(d.populationShare)]);
  const chart = barChartOf(covered.map((c) => c / total), national.map((d) => d.populationShare));
  return {
    key: 'fairness', heading: 'Who it reaches',
    notes: [
      `The people living in the areas it covers (${total.toLocaleString('en-GB')}), by the national deprivation decile of their small area (${index === 'imd2019' ? 'IMD 2019' : 'SIMD 2020'}), against the whole nation's population. Decile 1 is the most deprived 10%.`,
      'The slope index of inequality is the difference in the share of each decile’s people covered between the least and the most deprived ends: below zero, coverage leans towards the most deprived.',
    ],
    figures: [
      { key: 'mostDeprived20', label: 'Share of the people covered living in the most deprived 20% of areas', value: `${percent((covered[0]! + covered[1]!) / total)} (nationally ${percent(national[0]!.populationShare + national[1]!.populationShare)})`, href: subject.kind === 'service' ? `/voice/services/${subject.service.id}` : undefined },
      { key: 'sii', label: 'Slope index of inequality (percentage points of each decile covered), 95% interval', value: `${sii.sii.toFixed(2)} (${sii.lower95.toFixed(2)} to ${sii.upper95.toFixed(2)})` },
    ],
    chart,
    table: { caption: 'People covered by deprivation decile, against the nation', head: ['Decile (1 = most deprived)', 'People covered', 'Share covered', 'Share nationally'], rows, numeric: [1, 2, 3] },
    data: { index, people: total, deciles: national.map((d, i) => ({ decile: d.decile, people: covered[i]!, share: covered[i]! / total, populationShare: d.populationShare })), sii },
  };
};


// ---------------------------------------------------------------------------------------------------------
// Governance and partners

export const governanceSection: SectionFunction = async (db, subject) => {
  const org = subject.organisation;
  const g = await getGovernance(db, org.id);
  const figures: Figure[] = [
    { key: 'legalForm', label: 'Legal form', value: org.legalFormLabel, href: `/organisations/${org.slug}` },
    { key: 'profit', label: 'Profit', value: g ? g.profitUseLabel + (g.distributedPence !== null ? `: ${pounds(g.distributedPence)} distributed in ${g.distributedYear}` : '') : org.distributesProfit ? 'Its legal form may distribute profit; it has not published how much' : 'Its legal form does not distribute profit', href: `/organisations/${org.slug}` },
    { key: 'payMultiple', label: 'Pay multiple (highest paid ÷ median)', value: g?.payMultiple ? `${g.payMultiple}:1` : 'Not published' },
    { key: 'highestPayBand', label: 'Highest pay band', value: g?.highestPayBand ?? 'Not published' },
    { key: 'boardSize', label: 'Board size', value: g?.boardSize === null || g?.boardSize === undefined ? 'Not published' : count(g.boardSize, 'member') },
  ];
  return { key: 'governance', heading: 'Governance', figures, data: { legalForm: org.legalForm, distributesProfit: org.distributesProfit, governance: g } };
};

export const partnersSection: SectionFunction = async (db, subject, period) => {
  const partners = new Map<string, { name: string; slug: string; contracts: string[] }>();
  for (const c of await contractsOf(db, subject, period)) {
    const d = await getContract(db, c.id);
    for (const s of d.suppliers) if (s.id !== subject.organisation.id) {
      const p = partners.get(s.id) ?? { name: s.name, slug: s.slug, contracts: [] };
      p.contracts.push(d.title);
      partners.set(s.id, p);
    }
  }
  const siblings = subject.kind === 'service' ? (await listServices(db, { organisation: subject.organisation.id })).filter((s) => s.id !== subject.service.id) : [];
  const figures: Figure[] = [...partners.values()].map((p) => ({ key: 'partner', label: `Consortium partner: ${p.name}`, value: `shares ${p.contracts.join(', ')}`, href: `/organisations/${p.slug}` }));
  for (const s of siblings.slice(0, 10)) figures.push({ key: 'sibling', label: `Another service of ${subject.organisation.name}`, value: s.name, href: `/scorecards/services/${s.id}` });
  if (figures.length === 0) return null;
  return { key: 'partners', heading: 'Partners', figures, data: { partners: [...partners.values()].map((p) => ({ name: p.name, contracts: p.contracts })) } };
};

/**
 * The registry of scorecard sections. Each builds one section (or null for none) from the public functions of
 * other modules; add a section by pushing a function here (the peer-review and flag sections are added so).
 */
export const scorecardSections: { key: string; build: SectionFunction }[] = [
  { key: 'voice', build: voiceSection },
  { key: 'money', build: moneySection },
  { key: 'outcomes', build: outcomesSection },
  { key: 'fairness', build: fairnessSection },
  { key: 'partners', build: partnersSection },
  { key: 'governance', build: governanceSection },
];

/** Which sections lead, by the service's decision type; the rest follow in registry order. */
export const LEADS: Record<DecisionType, string[]> = {
  involvement: ['voice'],
  technical: ['outcomes', 'money'],
  'joined-up': ['partners'],
  framework: ['fairness', 'decision'],
};

export interface Scorecard {
  subject: Subject;
  period: Period;
  periods: Period[];
  decisionType: DecisionType | null;
  sections: Section[];
}

/** Resolves a service by its id (as its directory page names it); not_found otherwise. */
export async function serviceSubject(db: Db, id: string): Promise<Subject> {
  const service = await getService(db, id);
  return { kind: 'service', service, organisation: await getOrganisation(db, service.organisationId) };
}

/** Resolves a provider by slug, id or org-id identifier (as organisation pages name it); not_found otherwise. */
export async function organisationSubject(db: Db, ref: string): Promise<Subject> {
  const organisation = await getOrganisation(db, ref);
  return { kind: 'organisation', organisation, services: await listServices(db, { organisation: organisation.id }) };
}

/** The latest of the offered financial years in which the subject has stories, or else the current one. */
export async function defaultPeriod(db: Db, subject: Subject, periods = recentPeriods()): Promise<Period> {
  const ids = serviceIds(subject);
  if (ids.length) {
    for (const p of periods) {
      if ((await serviceVoiceRecords(db, { serviceIds: ids, from: p.from, to: p.to })).some((r) => r.stories > 0)) return p;
    }
  }
  return periods[0]!;
}

export async function buildScorecard(db: Db, subject: Subject, period: Period, periods = recentPeriods()): Promise<Scorecard> {
  const decisionType = subject.kind === 'service' ? subject.service.decisionType : null;
  const built = await Promise.all(scorecardSections.map(async (s) => ({ key: s.key, section: await s.build(db, subject, period) })));
  const lead = decisionType ? LEADS[decisionType] : [];
  const rank = (key: string) => (lead.includes(key) ? lead.indexOf(key) : lead.length + scorecardSections.findIndex((s) => s.key === key));
  const sections = built.filter((b) => b.section !== null).sort((a, b) => rank(a.key) - rank(b.key)).map((b) => b.section!);
  return { subject, period, periods, decisionType, sections };
}

/** The scorecard's figures as rows for CSV: section, figure, value, source. */
export function scorecardRows(card: Scorecard, baseUrl: string): string[][] {
  const rows: string[][] = [];
  for (const s of card.sections) {
    for (const f of s.figures) rows.push([card.period.name, s.heading, f.label, f.value, f.href ? new URL(f.href, baseUrl).href : '']);
    if (s.table) for (const r of s.table.rows) rows.push([card.period.name, s.heading, `${s.table.caption}: ${r[0]}`, r.slice(1).filter((x) => x !== '').join('; '), '']);
  }
  return rows;
}

export function assertPeriodOffered(period: Period, periods: Period[]): void {
  if (!periods.some((p) => p.name === period.name)) {
    throw AppError.validation([{ field: 'period', message: `Choose a financial year from ${periods.at(-1)!.name} to ${periods[0]!.name}` }]);
  }
}

function barChartOf(shares: number[], national: number[]): string {
  return barChart({
    id: 'fairness-chart', title: 'Share of the people covered in each deprivation decile, against the nation',
    description: 'Decile 1 is the most deprived 10% of small areas. The table below gives every figure.',
    categories: shares.map((_, i) => `Decile ${i + 1}`),
    series: [{ name: 'People covered', values: shares.map((s) => Math.round(s * 1000) / 10) }, { name: 'Nationally', values: national.map((s) => Math.round(s * 1000) / 10) }],
    format: (v) => `${v.toFixed(1)}%`,
  });
}
