// Builds OCDS 1.1.5 releases from a contracting process as it stands. Each release is a full snapshot of what
// is public at that moment; it is stored once and never changed (see commissioning_releases).
import type { OrganisationView } from '../organisations/organisations.service.ts';
import type * as repo from './commissioning.repository.ts';
import { OCDS_VERSION } from './commissioning.ocds.ts';

/** The OCDS extensions whose fields the releases use (lots, bids, suitability for SMEs/VCSOs, enquiries, metrics). */
export const OCDS_EXTENSIONS = [
  'https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json',
  'https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json',
  'https://raw.githubusercontent.com/open-contracting-extensions/ocds_suitability_extension/master/extension.json',
  'https://raw.githubusercontent.com/open-contracting-extensions/ocds_enquiry_extension/v1.1.5/extension.json',
  'https://raw.githubusercontent.com/open-contracting-extensions/ocds_metrics_extension/master/extension.json',
];

export type ReleaseTag = 'planning' | 'tender' | 'tenderAmendment' | 'tenderUpdate' | 'tenderCancellation' | 'award' | 'contract' | 'implementation';

/** Integer pence as an OCDS amount in pounds: built from the digits, never by float division. */
export function amount(pence: number): { amount: number; currency: 'GBP' } {
  const sign = pence < 0 ? '-' : '';
  const p = Math.abs(pence);
  return { amount: Number(`${sign}${Math.trunc(p / 100)}.${String(p % 100).padStart(2, '0')}`), currency: 'GBP' };
}

const dateTime = (d: Date | string | null): string | undefined => {
  if (d === null) return undefined;
  if (typeof d === 'string') return d.length === 10 ? `${d}T00:00:00Z` : new Date(d).toISOString();
  return d.toISOString();
};

/** An organisation's OCDS party id: its first org-id identifier, else a Commonweal-scoped id. */
export function partyId(org: Pick<OrganisationView, 'id' | 'identifiers'>): string {
  return org.identifiers[0] ?? `commonweal-${org.id}`;
}

function party(org: OrganisationView, roles: string[]) {
  const first = org.identifiers[0];
  const cut = first ? first.lastIndexOf('-') : -1;
  return {
    id: partyId(org), name: org.name, roles,
    ...(first && cut > 0 ? { identifier: { scheme: first.slice(0, cut), id: first.slice(cut + 1), legalName: org.name } } : {}),
    ...(org.identifiers.length > 1 ? { additionalIdentifiers: org.identifiers.slice(1).map((i) => ({ scheme: i.slice(0, i.lastIndexOf('-')), id: i.slice(i.lastIndexOf('-') + 1) })) } : {}),
    details: { legalForm: org.legalFormLabel, sector: org.sector, vcse: org.sector === 'vcse' },
  };
}

export interface ProcessSnapshot {
  process: repo.ProcessRow;
  need: repo.NeedRow | null;
  buyer: OrganisationView;
  lots: repo.LotRow[];
  criteria: repo.CriterionRow[];
  documents: repo.DocumentRow[];
  questions: repo.QuestionRow[];
  /** Published amendments so far: each with the release id it amends. */
  amendments: { id: string; date: Date; rationale: string; description: string; amendsReleaseID: string; releaseID: string }[];
  /** Bids are published only once the deadline has passed (their existence and tenderers; never scores). */
  bids: { bid: repo.BidRow; tenderers: OrganisationView[]; pricePence: number | null }[];
  awards: { award: repo.AwardRow; suppliers: OrganisationView[] }[];
  contracts: {
    contract: repo.ContractRow; milestones: repo.MilestoneRow[]; kpis: repo.KpiRow[];
    transactions: { id: string; date: string | null; pence: number; payee: OrganisationView; source: string }[];
  }[];
  /** Evaluation stage reached (the deadline passed). */
  deadlinePassed: boolean;
}

// OCDS tenderStatus: a tender stays `active` through evaluation and while any lot is still to be awarded (the
// passing of the deadline does not complete it); `complete` once every lot is awarded, and a lot is `complete`
// once it is awarded while the others stay active.
const tenderStatus = (p: repo.ProcessRow) =>
  p.status === 'cancelled' ? 'cancelled' : p.status === 'awarded' ? 'complete' : p.status === 'draft' ? 'planning' : 'active';

/** One release for the process as it stands, with the given tags. */
export function buildRelease(s: ProcessSnapshot, o: { releaseId: string; date: Date; tags: ReleaseTag[] }): Record<string, unknown> {
  const p = s.process;
  const parties = new Map<string, ReturnType<typeof party>>();
  const addParty = (org: OrganisationView, role: string) => {
    const existing = parties.get(org.id);
    if (existing) { if (!existing.roles.includes(role)) existing.roles.push(role); }
    else parties.set(org.id, party(org, [role]));
  };
  addParty(s.buyer, 'buyer');
  addParty(s.buyer, 'procuringEntity');
  for (const b of s.bids) for (const t of b.tenderers) addParty(t, 'tenderer');
  for (const a of s.awards) for (const t of a.suppliers) addParty(t, 'supplier');
  const ref = (org: OrganisationView) => ({ id: partyId(org), name: org.name });
  const criteriaText = s.criteria.map((c) => `${c.title} (${c.kind}) ${c.weight}%`).join('; ');

  const release: Record<string, unknown> = {
    ocid: p.ocid, id: o.releaseId, date: o.date.toISOString(), tag: o.tags, initiationType: 'tender', language: 'en',
    parties: [...parties.values()],
    buyer: ref(s.buyer),
    planning: {
      rationale: s.need ? `${s.need.title}. ${s.need.description}`.slice(0, 6000) : p.description,
      budget: { amount: amount(p.value_pence), description: 'Estimated total value of the opportunity' },
      ...(s.need ? { outcomes: s.need.outcomes, decisionType: s.need.decision_type } : {}),
    },
    tender: {
      id: p.id, title: p.title, description: p.description, status: tenderStatus(p),
      procuringEntity: ref(s.buyer), value: amount(p.value_pence), procurementMethod: 'open',
      procurementMethodDetails: 'Open procedure for services to people (UK Procurement Act 2023, light-touch regime where it applies)',
      mainProcurementCategory: 'services', awardCriteria: 'ratedCriteria', awardCriteriaDetails: criteriaText,
      submissionMethod: ['electronicSubmission'],
      tenderPeriod: { startDate: dateTime(p.published_at ?? o.date), endDate: dateTime(p.bid_deadline) },
      enquiryPeriod: { startDate: dateTime(p.published_at ?? o.date), endDate: dateTime(p.bid_deadline) },
      ...(p.contract_start ? { contractPeriod: { startDate: dateTime(p.contract_start), ...(p.contract_end ? { endDate: dateTime(p.contract_end) } : {}) } } : {}),
      documents: s.documents.map((d) => ({ id: d.id, title: d.title, url: d.url, documentType: 'tenderNotice', datePublished: dateTime(d.created_at) })),
      lots: s.lots.map((l) => ({
        id: l.id, title: `Lot ${l.number}: ${l.title}`, description: l.description, value: amount(l.value_pence),
        status: s.awards.some((a) => a.award.lot_id === l.id) ? 'complete' : tenderStatus(p),
        suitability: { sme: l.suitable_sme, vcso: l.suitable_vcse },
        ...(l.unsuitable_reason ? { suitabilityDetails: l.unsuitable_reason } : {}),
      })),
      enquiries: s.questions.filter((q) => q.answer !== null).map((q) => ({
        id: q.id, date: dateTime(q.asked_at), description: q.question, answer: q.answer, dateAnswered: dateTime(q.answered_at),
      })),
      hasEnquiries: s.questions.some((q) => q.answer !== null),
      ...(s.amendments.length ? { amendments: s.amendments.map((a) => ({ id: a.id, date: a.date.toISOString(), rationale: a.rationale, description: a.description, amendsReleaseID: a.amendsReleaseID, releaseID: a.releaseID })) } : {}),
      ...(s.deadlinePassed ? { numberOfTenderers: new Set(s.bids.flatMap((b) => b.tenderers.map((t) => t.id))).size, tenderers: [...new Map(s.bids.flatMap((b) => b.tenderers).map((t) => [t.id, ref(t)])).values()] } : {}),
    },
  };
  if (s.deadlinePassed && s.bids.length) {
    release.bids = {
      statistics: s.lots.map((l) => ({ id: `lot-${l.number}-bids`, measure: 'bids', value: s.bids.filter((b) => b.bid.lot_id === l.id && b.bid.status === 'submitted').length, relatedLot: l.id })),
      details: s.bids.map((b) => ({
        id: b.bid.id, date: dateTime(b.bid.submitted_at), status: b.bid.status === 'withdrawn' ? 'withdrawn' : 'valid',
        tenderers: b.tenderers.map(ref), relatedLots: [b.bid.lot_id], ...(b.pricePence !== null ? { value: amount(b.pricePence) } : {}),
      })),
    };
  }
  if (s.awards.length) {
    const now = o.date.getTime();
    release.awards = s.awards.map((a) => ({
      id: a.award.id, title: s.lots.find((l) => l.id === a.award.lot_id)?.title ?? p.title, description: a.award.rationale,
      status: a.award.standstill_ends.getTime() > now && !s.contracts.some((c) => c.contract.award_id === a.award.id) ? 'pending' : 'active',
      date: dateTime(a.award.decided_at), value: amount(a.award.value_pence), suppliers: a.suppliers.map(ref), relatedLots: [a.award.lot_id], relatedBid: a.award.bid_id,
      standstillPeriod: { startDate: dateTime(a.award.decided_at), endDate: dateTime(a.award.standstill_ends) },
    }));
  }
  if (s.contracts.length) {
    release.contracts = s.contracts.map((c) => ({
      id: c.contract.id, awardID: c.contract.award_id, title: c.contract.title, status: 'active',
      period: { ...(c.contract.start_date ? { startDate: dateTime(c.contract.start_date) } : {}), ...(c.contract.end_date ? { endDate: dateTime(c.contract.end_date) } : {}) },
      value: amount(c.contract.value_pence), dateSigned: dateTime(c.contract.signed_at),
      milestones: c.milestones.map((m) => ({
        id: m.id, title: m.title, type: 'delivery', status: m.status, ...(m.due_date ? { dueDate: dateTime(m.due_date) } : {}), ...(m.date_met ? { dateMet: dateTime(m.date_met) } : {}),
      })),
      agreedMetrics: c.kpis.map((k) => ({ id: k.id, title: k.title, observations: [{ id: `${k.id}-target`, measure: k.target, unit: { name: k.unit } }] })),
      implementation: {
        transactions: c.transactions.map((t) => ({
          id: t.id, source: t.source, ...(t.date ? { date: dateTime(t.date) } : {}), value: amount(t.pence), payer: ref(s.buyer), payee: ref(t.payee),
        })),
      },
    }));
  }
  return release;
}

/** A release package around stored releases. */
export function releasePackage(o: { uri: string; publisher: OrganisationView | { name: string }; releases: Record<string, unknown>[]; publishedDate?: Date }): Record<string, unknown> {
  const pub = o.publisher as Partial<OrganisationView> & { name: string };
  const first = pub.identifiers?.[0];
  const cut = first ? first.lastIndexOf('-') : -1;
  const dates = o.releases.map((r) => String(r.date)).sort();
  return {
    uri: o.uri, version: OCDS_VERSION, extensions: OCDS_EXTENSIONS,
    publishedDate: (o.publishedDate ?? (dates.length ? new Date(dates[dates.length - 1]!) : new Date())).toISOString(),
    publisher: { name: pub.name, ...(first && cut > 0 ? { scheme: first.slice(0, cut), uid: first.slice(cut + 1) } : {}) },
    license: 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/',
    releases: o.releases,
  };
}
