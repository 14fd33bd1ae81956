// Commissioning for outcomes: named verbs for every step from a need to a contract, each re-checking who may
// act and writing its audit row in the same transaction. The public functions other modules call are
// `getContractSummary` and `listContractSummaries` (outcomes publishes payments against their ocids).
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { parseDateText, dateMessage } from '../platform/dates.ts';
import { AppError, isAppError } from '../platform/errors.ts';
import { Checker, isWebAddress } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { requireOrganisationRole, type Role } from '../platform/auth/policy.ts';
import { findUserById, hasRole, listMembershipsOfOrganisation, listMembershipsOfUser } from '../platform/auth/auth.repository.ts';
import { enqueueEmail } from '../platform/outbox.repository.ts';
import { findUserByEmail } from '../platform/auth/auth.service.ts';
import { findOrganisation, getOrganisation, organisationNames, organisationsNamed, requireVerifiedPublicBody, searchOrganisations, type OrganisationView } from '../organisations/organisations.service.ts';
import { areaNeed, type AreaNeedView } from '../places/places.service.ts';
import { publisherLines } from '../spend/spend.service.ts';
import { supplierKey, supplierSlug } from '../spend/spend.suppliers.ts';
import type { CriterionKind, DecisionType } from './commissioning.table.ts';
import { ocidPrefix, validateReleasePackage } from './commissioning.ocds.ts';
import { buildRelease, releasePackage, type ProcessSnapshot, type ReleaseTag } from './commissioning.releases.ts';
import * as repo from './commissioning.repository.ts';
import { noticeBidResults, noticeBidToScore } from './commissioning.work.ts';
import { roleHolderIds } from '../platform/inbox.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (s: unknown): s is string => typeof s === 'string' && uuidPattern.test(s);

export const decisionTypes: Record<DecisionType, { label: string; hint: string }> = {
  involvement: { label: 'Involvement-based', hint: 'Outcomes negotiated with the people who use the service (an outcome agreement).' },
  'joined-up': { label: 'Joined-up', hint: 'Several organisations’ services aligned, with a named lead and shared outcomes.' },
  technical: { label: 'Technical', hint: 'A specification with hard performance measures and benchmarks.' },
  framework: { label: 'Framework', hint: 'A political choice between priorities, recorded with who decided and the fairness evidence.' },
};
export const criterionKinds: Record<CriterionKind, string> = { price: 'Price', quality: 'Quality', 'social-value': 'Social value' };

/** The most an opportunity may be worth: £1 billion, in pence. A slip of extra noughts is refused. */
export const maxValuePence = 100_000_000_000;
/** Scores run from 0 to this. */
export const maxScore = 10;

// ---------------------------------------------------------------------------------------------------------
// Reading untrusted input

function readPence(check: Checker, input: unknown, field: string, label: string): number {
  if (typeof input === 'number') {
    if (Number.isSafeInteger(input) && input >= 0 && input <= maxValuePence) return input;
    check.fail(field, `Give ${label} as a whole number of pence, 0 to ${maxValuePence}`);
    return 0;
  }
  const text = typeof input === 'string' ? input.trim().replace(/^£/, '').replace(/,/g, '') : '';
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) { check.fail(field, `Enter ${label} in pounds, like 25000 or 1,250.50`); return 0; }
  const pence = Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
  if (pence > maxValuePence) { check.fail(field, `${label[0]!.toUpperCase()}${label.slice(1)} must be £1 billion or less`); return 0; }
  return pence;
}

function readDate(check: Checker, input: unknown, field: string, label: string, optional = true): string | null {
  const text = typeof input === 'string' ? input.trim() : '';
  if (text === '') { if (!optional) check.fail(field, `Enter ${label}`); return null; }
  // The platform's one reader of typed dates: "2027-04-01", "1/4/2027", "1 April 2027" are the same date.
  const iso = parseDateText(text);
  if (!iso) { check.fail(field, dateMessage(label)); return null; }
  return iso;
}

function readDateTime(check: Checker, input: unknown, field: string, label: string): Date | null {
  const text = typeof input === 'string' ? input.trim() : '';
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text) || Number.isNaN(new Date(text).getTime())) {
    check.fail(field, `Enter ${label} as a date and time with a zone, like 2027-01-15T12:00:00Z`);
    return null;
  }
  return new Date(text);
}

function readList(input: unknown): string[] {
  const list = Array.isArray(input) ? input : typeof input === 'string' ? input.split(/\r?\n/) : [];
  return list.filter((x): x is string => typeof x === 'string').map((x) => x.trim()).filter((x) => x !== '');
}

function readInt(check: Checker, input: unknown, field: string, label: string, min: number, max: number): number {
  const n = typeof input === 'string' && /^\s*-?\d+\s*$/.test(input) ? Number(input) : input;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) { check.fail(field, `Give ${label} as a whole number from ${min} to ${max}`); return min; }
  return n;
}

function readBool(input: unknown): boolean {
  return input === true || input === 'true' || input === 'yes' || input === 'on' || input === '1';
}

/** Turns a database refusal (a trigger guarding a rule) into the error a person understands. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isAppError(error)) throw error;
    const message = (error as { message?: string }).message ?? '';
    if (/deadline for bids .* has passed|not open for bids/.test(message)) throw new AppError('unprocessable', 'Bids for this opportunity are closed: the deadline has passed.', { cause: error });
    if (/cannot be brought forward|has passed and cannot be changed/.test(message)) throw new AppError('unprocessable', 'A published deadline can only be extended, and only before it passes.', { cause: error });
    if (/append-only/.test(message)) throw new AppError('forbidden', 'Published records are never changed: publish an amendment instead.', { cause: error });
    if ((error as { code?: string }).code === '23505') throw new AppError('conflict', 'That has already been recorded.', { cause: error });
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Who may do what

async function requireCommissioner(db: Db, actor: Actor, organisationId: string): Promise<void> {
  await requireOrganisationRole(db, actor, organisationId, ['commissioner']);
}

async function isCommissioner(db: Db, actor: Actor, organisationId: string): Promise<boolean> {
  if (actor.isAdmin) return true;
  return !!actor.userId && hasRole(db, actor.userId, organisationId, ['commissioner']);
}

/** The organisations a person may bid, register interest or propose for: where they are administrator or staff. */
async function actingOrganisations(db: Db, actor: Actor): Promise<string[]> {
  if (!actor.userId) return [];
  return [...new Set((await listMembershipsOfUser(db, actor.userId)).filter((m) => m.role === 'admin' || m.role === 'staff').map((m) => m.organisationId))];
}

async function requireProvider(db: Db, actor: Actor, organisationId: string): Promise<void> {
  await requireOrganisationRole(db, actor, organisationId, ['admin', 'staff'] as Role[]);
}

// ---------------------------------------------------------------------------------------------------------
// Needs

export interface NeedView {
  id: string; organisationId: string; title: string; description: string; outcomes: string[];
  decisionType: DecisionType; decisionTypeLabel: string; laCode: string | null; areaCodes: string[];
  decision: Record<string, unknown>; createdAt: string; href: string;
}

function presentNeed(n: repo.NeedRow): NeedView {
  return {
    id: n.id, organisationId: n.organisation_id, title: n.title, description: n.description, outcomes: n.outcomes as string[],
    decisionType: n.decision_type, decisionTypeLabel: decisionTypes[n.decision_type].label, laCode: n.la_code, areaCodes: n.area_codes as string[],
    decision: n.decision as Record<string, unknown>, createdAt: n.created_at.toISOString(), href: `/commissioning/needs/${n.id}`,
  };
}

export interface NeedInput {
  organisation?: unknown; title?: unknown; description?: unknown; outcomes?: unknown; decisionType?: unknown; laCode?: unknown; areaCodes?: unknown;
  /** involvement: the outcome agreement (link or reference) the outcomes were negotiated in. */
  outcomeAgreement?: unknown;
  /** joined-up: the lead organisation and partners. */
  leadOrganisation?: unknown; partnerOrganisations?: unknown; sharedOutcomes?: unknown;
  /** technical: one measure a line, "measure | target | benchmark". */
  measures?: unknown;
  /** framework: who decided, when, the priorities weighed and the choice made. */
  decidedBy?: unknown; decidedOn?: unknown; priorities?: unknown; rationale?: unknown;
}

/** Need by decile for a set of small areas: the fairness evidence a framework decision records. */
export interface DecileEvidence { decile: number; areas: number; population: number }

async function decileEvidence(db: Db, areas: AreaNeedView[]): Promise<DecileEvidence[]> {
  const rows = Array.from({ length: 10 }, (_, i) => ({ decile: i + 1, areas: 0, population: 0 }));
  for (const a of areas) { const r = rows[a.decile - 1]; if (r) { r.areas++; r.population += a.population; } }
  void db;
  return rows;
}

/** Records a need for a place: its areas (with their deprivation), the outcomes sought and the decision type. */
export async function createNeed(db: Db, actor: Actor, input: NeedInput): Promise<NeedView> {
  const check = new Checker();
  const orgRef = check.text(input.organisation, 'organisation', 'the commissioning organisation', { max: 200 });
  const title = check.text(input.title, 'title', 'a title for the need', { max: 200 });
  const description = check.text(input.description, 'description', 'a description of the need', { max: 5000 });
  const outcomes = readList(input.outcomes);
  if (outcomes.length === 0) check.fail('outcomes', 'Enter at least one outcome sought, one a line');
  if (outcomes.length > 30 || outcomes.some((o) => o.length > 300)) check.fail('outcomes', 'Enter at most 30 outcomes of 300 characters or fewer each');
  const decisionType = check.oneOf(input.decisionType, 'decisionType', 'the type of decision', Object.keys(decisionTypes) as DecisionType[]);
  const laCode = typeof input.laCode === 'string' && input.laCode.trim() ? input.laCode.trim().toUpperCase() : null;
  if (laCode && !/^[ESWN]\d{8}$/.test(laCode)) check.fail('laCode', 'Enter the local authority’s GSS code, like E08000021');
  const areaCodes = [...new Set(readList(typeof input.areaCodes === 'string' ? input.areaCodes.replace(/[,\s]+/g, '\n') : input.areaCodes).map((c) => c.toUpperCase()))];
  if (areaCodes.length > 500) check.fail('areaCodes', 'Enter at most 500 small areas');
  const bad = areaCodes.find((c) => !/^[ES]\d{8}$/.test(c));
  if (bad) check.fail('areaCodes', `“${bad.slice(0, 20)}” is not a small-area code (an LSOA like E01008397 or a data zone like S01006506)`);
  const decision: Record<string, unknown> = {};
  if (decisionType === 'involvement') {
    decision.outcomeAgreement = check.text(input.outcomeAgreement, 'outcomeAgreement', 'the outcome agreement the outcomes were negotiated in (a link or reference)', { max: 500 });
  } else if (decisionType === 'joined-up') {
    decision.leadOrganisation = check.text(input.leadOrganisation, 'leadOrganisation', 'the lead organisation', { max: 200 });
    decision.partnerOrganisations = readList(typeof input.partnerOrganisations === 'string' ? input.partnerOrganisations.replace(/,/g, '\n') : input.partnerOrganisations).slice(0, 30);
    decision.sharedOutcomes = readList(input.sharedOutcomes).slice(0, 30);
    if ((decision.sharedOutcomes as string[]).length === 0) check.fail('sharedOutcomes', 'Enter the outcomes the organisations share, one a line');
  } else if (decisionType === 'technical') {
    const measures = readList(input.measures).map((line) => { const [measure, target, benchmark] = line.split('|').map((x) => x.trim()); return { measure: measure ?? '', target: target ?? '', benchmark: benchmark ?? '' }; });
    if (measures.length === 0 || measures.some((m) => !m.measure || !m.target)) check.fail('measures', 'Enter each performance measure on its own line as “measure | target | benchmark”');
    decision.measures = measures.slice(0, 50);
  } else {
    decision.decidedBy = check.text(input.decidedBy, 'decidedBy', 'who decided (for example the Cabinet, or a named portfolio holder)', { max: 200 });
    decision.decidedOn = readDate(check, input.decidedOn, 'decidedOn', 'the date of the decision', false);
    decision.priorities = readList(input.priorities).slice(0, 20);
    if ((decision.priorities as string[]).length === 0) check.fail('priorities', 'Enter the priorities that were weighed, one a line');
    decision.rationale = check.text(input.rationale, 'rationale', 'the reason for the choice', { max: 3000 });
    if (areaCodes.length === 0) check.fail('areaCodes', 'A framework decision records the fairness evidence: enter the small areas it affects');
  }
  check.done();
  return inTransaction(db, async (trx) => {
    const org = await getOrganisation(trx, orgRef);
    await requireCommissioner(trx, actor, org.id);
    if (decisionType === 'joined-up') {
      // By registered name (or id, identifier or address); several that match are a choice (leadOrganisationChoices).
      const typed = String(decision.leadOrganisation);
      const found = await organisationsNamed(trx, typed);
      if (!found.exact) {
        throw AppError.validation([{ field: 'leadOrganisation', message: found.choices.length ? `Several organisations match “${typed}”: choose one` : `No organisation is registered as “${typed}”: check its registered name, or register it first` }]);
      }
      decision.leadOrganisation = { id: found.exact.id, name: found.exact.name };
    }
    const areas: AreaNeedView[] = [];
    for (const code of areaCodes) {
      const a = await areaNeed(trx, code);
      if (!a) throw AppError.validation([{ field: 'areaCodes', message: `No small area has the code ${code}` }]);
      areas.push(a);
    }
    if (decisionType === 'framework') decision.fairness = await decileEvidence(trx, areas);
    const row = await repo.insertNeed(trx, { organisationId: org.id, title, description, outcomes, decisionType, laCode, areaCodes, decision, createdBy: actor.userId });
    const view = presentNeed(row);
    await recordAudit(trx, actor, { action: 'commissioning.need.recorded', entityType: 'commissioning_need', entityId: row.id, organisationId: org.id, after: view });
    return view;
  });
}

/** A need with its areas' deprivation and the need by decile. */
export async function getNeed(db: Db, id: string) {
  const row = isUuid(id) ? await repo.findNeed(db, id.toLowerCase()) : null;
  if (!row) throw new AppError('not_found', 'No need has that id');
  const need = presentNeed(row);
  const areas = (await Promise.all(need.areaCodes.map((c) => areaNeed(db, c)))).filter((a): a is AreaNeedView => a !== null).sort((a, b) => a.rank - b.rank);
  const byDecile = await decileEvidence(db, areas);
  const org = await getOrganisation(db, need.organisationId);
  const leadRef = need.decision.leadOrganisation as { id?: string } | undefined;
  const lead = leadRef?.id ? await findOrganisation(db, leadRef.id) : null;
  const processes = (await repo.listProcesses(db, { needId: row.id })).filter((p) => p.status !== 'draft').map((p) => ({ id: p.id, title: p.title, href: `/commissioning/opportunities/${p.id}` }));
  return { need, organisation: badgeOf(org, org.id), lead: lead ? badgeOf(lead, lead.id) : null, areas, byDecile, processes };
}

export async function listNeeds(db: Db, organisationId?: string): Promise<NeedView[]> {
  return (await repo.listNeeds(db, organisationId)).map(presentNeed);
}

// ---------------------------------------------------------------------------------------------------------
// Opportunities (contracting processes)

export interface LotView {
  id: string; number: number; title: string; description: string; valuePence: number;
  suitableForSme: boolean; suitableForVcse: boolean; unsuitableReason: string | null;
}
export interface CriterionView { id: string; kind: CriterionKind; kindLabel: string; title: string; weight: number }

function presentLot(l: repo.LotRow): LotView {
  return { id: l.id, number: l.number, title: l.title, description: l.description, valuePence: l.value_pence, suitableForSme: l.suitable_sme, suitableForVcse: l.suitable_vcse, unsuitableReason: l.unsuitable_reason };
}
function presentCriterion(c: repo.CriterionRow): CriterionView {
  return { id: c.id, kind: c.kind, kindLabel: criterionKinds[c.kind], title: c.title, weight: c.weight };
}

export interface OpportunitySummary {
  id: string; ocid: string; organisationId: string; organisationName: string; organisationVerified: boolean; organisationIdentifier: string | null; title: string; status: string; statusLabel: string;
  valuePence: number; bidDeadline: string; publishedAt: string | null; lots: number; lotsForSmallProviders: number; href: string;
}

function statusOf(p: repo.ProcessRow, now = new Date()): { status: string; label: string } {
  if (p.status === 'draft') return { status: 'draft', label: 'Draft (not published)' };
  if (p.status === 'cancelled') return { status: 'cancelled', label: 'Cancelled' };
  if (p.status === 'awarded') return { status: 'awarded', label: 'Awarded' };
  return p.bid_deadline.getTime() > now.getTime() ? { status: 'open', label: 'Open for bids' } : { status: 'evaluation', label: 'Closed: bids being evaluated' };
}

export interface LotInput { title?: unknown; description?: unknown; value?: unknown; valuePence?: unknown; suitableForSme?: unknown; suitableForVcse?: unknown; unsuitableReason?: unknown }
export interface CriterionInput { kind?: unknown; title?: unknown; weight?: unknown }
export interface ProcessInput {
  organisation?: unknown; needId?: unknown; title?: unknown; description?: unknown; value?: unknown; valuePence?: unknown;
  bidDeadline?: unknown; contractStart?: unknown; contractEnd?: unknown; standstillDays?: unknown;
  lots?: LotInput[]; criteria?: CriterionInput[]; documents?: { title?: unknown; url?: unknown }[];
}

/** Reads and checks an opportunity as a commissioner gives it (to create a draft or to edit one). */
function readProcessInput(input: ProcessInput) {
  const check = new Checker();
  const orgRef = check.text(input.organisation, 'organisation', 'the commissioning organisation', { max: 200 });
  const title = check.text(input.title, 'title', 'a title', { max: 200 });
  const description = check.text(input.description, 'description', 'a description', { max: 5000 });
  const valuePence = input.valuePence !== undefined ? readPence(check, input.valuePence, 'valuePence', 'the total value') : readPence(check, input.value, 'value', 'the total value');
  const bidDeadline = readDateTime(check, input.bidDeadline, 'bidDeadline', 'the deadline for bids');
  if (bidDeadline && bidDeadline.getTime() <= Date.now()) check.fail('bidDeadline', 'The deadline for bids must be in the future');
  const contractStart = readDate(check, input.contractStart, 'contractStart', 'the contract start date');
  const contractEnd = readDate(check, input.contractEnd, 'contractEnd', 'the contract end date');
  if (contractStart && contractEnd && contractEnd < contractStart) check.fail('contractEnd', 'The contract must end after it starts');
  const standstillDays = input.standstillDays === undefined || input.standstillDays === '' ? 8 : readInt(check, input.standstillDays, 'standstillDays', 'the standstill period in days', 0, 60);
  const needId = typeof input.needId === 'string' && input.needId.trim() ? input.needId.trim().toLowerCase() : null;
  if (needId && !isUuid(needId)) check.fail('needId', 'Choose a need recorded here');
  const lotsIn = Array.isArray(input.lots) ? input.lots : [];
  if (lotsIn.length === 0) check.fail('lots', 'Divide the work into at least one lot');
  if (lotsIn.length > 50) check.fail('lots', 'An opportunity may have at most 50 lots');
  const lots = lotsIn.slice(0, 50).map((l, i) => {
    const f = `lots[${i}]`;
    const sme = readBool(l.suitableForSme);
    const vcse = readBool(l.suitableForVcse);
    const reason = typeof l.unsuitableReason === 'string' ? l.unsuitableReason.trim().slice(0, 1001) : '';
    if (reason.length > 1000) check.fail(`${f}.unsuitableReason`, `Lot ${i + 1}: the reason must be 1,000 characters or fewer`);
    if ((!sme || !vcse) && !reason) check.fail(`${f}.unsuitableReason`, `Lot ${i + 1}: say why it is not suitable for ${!sme && !vcse ? 'small businesses or voluntary and community organisations' : !sme ? 'small businesses' : 'voluntary and community organisations'}`);
    return {
      number: i + 1, title: check.text(l.title, `${f}.title`, `a title for lot ${i + 1}`, { max: 200 }),
      description: check.text(l.description, `${f}.description`, `a description for lot ${i + 1}`, { max: 2000, optional: true }),
      valuePence: l.valuePence !== undefined ? readPence(check, l.valuePence, `${f}.valuePence`, `the value of lot ${i + 1}`) : readPence(check, l.value, `${f}.value`, `the value of lot ${i + 1}`),
      suitableSme: sme, suitableVcse: vcse, unsuitableReason: sme && vcse ? null : reason || null,
    };
  });
  const lotsTotal = lots.reduce((s, l) => s + l.valuePence, 0);
  if (lots.length && lotsTotal > valuePence) check.fail('lots', 'The lots add up to more than the total value');
  const critIn = Array.isArray(input.criteria) ? input.criteria : [];
  const criteria = critIn.slice(0, 20).map((c, i) => ({
    kind: check.oneOf(c.kind, `criteria[${i}].kind`, `what criterion ${i + 1} weighs (price, quality or social value)`, Object.keys(criterionKinds) as CriterionKind[]),
    title: check.text(c.title, `criteria[${i}].title`, `a title for criterion ${i + 1}`, { max: 200 }),
    weight: readInt(check, c.weight, `criteria[${i}].weight`, `the weight of criterion ${i + 1}`, 1, 100),
  }));
  if (criteria.length === 0) check.fail('criteria', 'Give the award criteria with their weights');
  else if (criteria.reduce((s, c) => s + c.weight, 0) !== 100) check.fail('criteria', `The weights must add up to 100; they add up to ${criteria.reduce((s, c) => s + c.weight, 0)}`);
  else if (!criteria.some((c) => c.kind === 'social-value')) check.fail('criteria', 'Include social value among the award criteria');
  const docs = (Array.isArray(input.documents) ? input.documents : []).slice(0, 20).map((d, i) => {
    const url = check.text(d.url, `documents[${i}].url`, `the address of document ${i + 1}`, { max: 2000 });
    if (url && !isWebAddress(url)) check.fail(`documents[${i}].url`, `Document ${i + 1}: give a web address starting https://`);
    return { title: check.text(d.title, `documents[${i}].title`, `a title for document ${i + 1}`, { max: 200 }), url };
  });
  check.done();
  return { orgRef, title, description, valuePence, bidDeadline: bidDeadline!, contractStart, contractEnd, standstillDays, needId, lots, criteria, docs };
}

/** Creates a draft opportunity with its lots, weighted award criteria (summing to 100) and documents. */
export async function createProcess(db: Db, actor: Actor, input: ProcessInput, options: { fromProposalId?: string } = {}) {
  const { orgRef, title, description, valuePence, bidDeadline, contractStart, contractEnd, standstillDays, needId, lots, criteria, docs } = readProcessInput(input);
  return inTransaction(db, async (trx) => {
    const org = await getOrganisation(trx, orgRef);
    await requireCommissioner(trx, actor, org.id);
    if (needId) {
      const need = await repo.findNeed(trx, needId);
      if (!need || need.organisation_id !== org.id) throw AppError.validation([{ field: 'needId', message: 'That need was not recorded by this organisation' }]);
    }
    const id = randomUUID();
    const process = await repo.insertProcess(trx, {
      organisationId: org.id, id, ocid: `${ocidPrefix()}-${id}`, needId, title, description, valuePence, bidDeadline,
      contractStart, contractEnd, standstillDays, createdBy: actor.userId,
    });
    for (const l of lots) await repo.insertLot(trx, { organisationId: org.id, processId: id, ...l });
    let position = 0;
    for (const c of criteria) await repo.insertCriterion(trx, { organisationId: org.id, processId: id, ...c, position: position++ });
    for (const d of docs) await repo.insertDocument(trx, { organisationId: org.id, processId: id, ...d });
    if (options.fromProposalId) {
      const proposal = await repo.findProposal(trx, options.fromProposalId);
      if (proposal && proposal.organisation_id === org.id) await repo.linkProposal(trx, proposal, id);
    }
    await recordAudit(trx, actor, { action: 'commissioning.process.created', entityType: 'commissioning_process', entityId: id, organisationId: org.id, after: { ocid: process.ocid, title, valuePence, lots, criteria } });
    return { id, ocid: process.ocid, status: 'draft', href: `/commissioning/opportunities/${id}` };
  });
}

/**
 * Edits a draft opportunity: everything it was created with, checked the same way; its lots, criteria and
 * documents are replaced. Once published it can only be amended (a new release), never edited: 409.
 */
export async function updateDraftProcess(db: Db, actor: Actor, id: string, input: ProcessInput) {
  const v = readProcessInput(input);
  return inTransaction(db, async (trx) => {
    const found = await requireProcess(trx, id);
    await requireVisible(trx, actor, found);
    await requireCommissioner(trx, actor, found.organisation_id);
    const p = await repo.lockProcess(trx, found);
    if (p.status !== 'draft') throw new AppError('conflict', 'This opportunity is published: amend it instead (an amendment is published as a new release)');
    const org = await getOrganisation(trx, v.orgRef);
    if (org.id !== p.organisation_id) throw AppError.validation([{ field: 'organisation', message: 'A draft stays with the organisation that created it' }]);
    if (v.needId) {
      const need = await repo.findNeed(trx, v.needId);
      if (!need || need.organisation_id !== org.id) throw AppError.validation([{ field: 'needId', message: 'That need was not recorded by this organisation' }]);
    }
    const before = { title: p.title, valuePence: p.value_pence, lots: (await repo.listLots(trx, p)).map(presentLot), criteria: (await repo.listCriteria(trx, p)).map(presentCriterion) };
    await repo.updateDraft(trx, p, { needId: v.needId, title: v.title, description: v.description, valuePence: v.valuePence, bidDeadline: v.bidDeadline, contractStart: v.contractStart, contractEnd: v.contractEnd, standstillDays: v.standstillDays });
    await repo.deleteDraftParts(trx, p);
    for (const l of v.lots) await repo.insertLot(trx, { organisationId: org.id, processId: p.id, ...l });
    let position = 0;
    for (const c of v.criteria) await repo.insertCriterion(trx, { organisationId: org.id, processId: p.id, ...c, position: position++ });
    for (const d of v.docs) await repo.insertDocument(trx, { organisationId: org.id, processId: p.id, ...d });
    await recordAudit(trx, actor, { action: 'commissioning.process.edited', entityType: 'commissioning_process', entityId: p.id, organisationId: org.id, before, after: { title: v.title, valuePence: v.valuePence, lots: v.lots, criteria: v.criteria } });
    return { id: p.id, ocid: p.ocid, status: 'draft', href: `/commissioning/opportunities/${p.id}` };
  });
}

async function requireProcess(db: Db, id: string): Promise<repo.ProcessRow> {
  const p = isUuid(id) ? await repo.findProcess(db, id.toLowerCase()) : null;
  if (!p) throw new AppError('not_found', 'No opportunity has that id');
  return p;
}

/** Drafts are seen only by the organisation's commissioners. */
async function requireVisible(db: Db, actor: Actor, p: repo.ProcessRow): Promise<void> {
  if (p.status === 'draft' && !(await isCommissioner(db, actor, p.organisation_id))) throw new AppError('not_found', 'No opportunity has that id');
}

async function orgsById(db: Db, ids: string[]): Promise<Map<string, OrganisationView>> {
  const map = new Map<string, OrganisationView>();
  for (const id of new Set(ids)) { const o = await findOrganisation(db, id); if (o) map.set(id, o); }
  return map;
}

/**
 * An organisation as commissioning names it on pages and in the API: its name, its address on Commonweal, the
 * first identifier it holds or claims, and whether a site administrator verified it (pages tag the others
 * “Not verified”, so two bodies with the same or a confusable name are told apart).
 */
export interface OrganisationBadge { id: string; name: string; slug: string; identifier: string | null; verified: boolean }

function badgeOf(o: OrganisationView | undefined, id: string): OrganisationBadge {
  return { id, name: o?.name ?? '', slug: o?.slug ?? '', identifier: o?.identifiers[0] ?? null, verified: o?.verified ?? false };
}

/** Verified organisations first, then by name: a look-alike never comes before the body it resembles. */
function verifiedFirst<T extends { verified: boolean; name: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => Number(b.verified) - Number(a.verified) || a.name.localeCompare(b.name));
}

/** Everything public about a process as it stands, for a release. */
async function snapshot(db: Db, p: repo.ProcessRow, amendments: ProcessSnapshot['amendments']): Promise<ProcessSnapshot> {
  const now = new Date();
  const deadlinePassed = p.bid_deadline.getTime() <= now.getTime();
  const [lots, criteria, documents, questions, bids, awards] = await Promise.all([
    repo.listLots(db, p), repo.listCriteria(db, p), repo.listDocuments(db, p), repo.listQuestions(db, p), repo.listBids(db, p), repo.listAwards(db, p),
  ]);
  const members = await repo.bidMembers(db, bids.map((b) => b.id));
  const contracts = (await repo.listContracts(db, { organisationId: p.organisation_id, processId: p.id })).reverse();
  const [milestones, kpis] = await Promise.all([repo.milestonesOf(db, contracts.map((c) => c.id)), repo.kpisOf(db, contracts.map((c) => c.id))]);
  const orgs = await orgsById(db, [p.organisation_id, ...members.map((m) => m.member_organisation_id)]);
  const need = p.need_id ? await repo.findNeed(db, p.need_id) : null;
  // Only members who accepted are published; a bid that never had all its members' consent was never submitted.
  const tenderersOf = (bidId: string) => members.filter((m) => m.bid_id === bidId && m.consent === 'accepted').map((m) => orgs.get(m.member_organisation_id)!).filter(Boolean);
  // Prices are published once a lot is awarded; before then only who bid is public.
  const awardedLots = new Set(awards.map((a) => a.lot_id));
  const contents = deadlinePassed ? await repo.unsealedContents(db, p.organisation_id, p.id, bids.filter((b) => awardedLots.has(b.lot_id)).map((b) => b.id)) : [];
  const buyer = orgs.get(p.organisation_id)!;
  const contractViews = [];
  for (const c of contracts) {
    const award = awards.find((a) => a.id === c.award_id)!;
    const suppliers = tenderersOf(award.bid_id);
    contractViews.push({
      contract: c, milestones: milestones.filter((m) => m.contract_id === c.id), kpis: kpis.filter((k) => k.contract_id === c.id),
      transactions: (await contractPayments(db, buyer, suppliers, c)).lines.map((l) => ({ id: `${l.fileId}-${l.line}`, date: l.date, pence: l.netPence, payee: l.payee, source: l.source })),
    });
  }
  return {
    process: p, need, buyer, lots, criteria, documents, questions, amendments, deadlinePassed,
    bids: deadlinePassed ? bids.filter((b) => b.status !== 'awaiting-partners').map((b) => ({ bid: b, tenderers: tenderersOf(b.id), pricePence: contents.find((c) => c.bid_id === b.id)?.price_pence ?? null })) : [],
    awards: awards.map((a) => ({ award: a, suppliers: tenderersOf(a.bid_id) })),
    contracts: contractViews,
  };
}

/**
 * Publishes a new release for the process as it now stands. Releases are never changed: each step adds one,
 * with a stable id (`<ocid>-<seq>`). The release is validated against the OCDS schema before it is stored.
 */
async function publishRelease(trx: Db, p: repo.ProcessRow, tags: ReleaseTag[], amendment?: { rationale: string; description: string }): Promise<string> {
  // Every OCDS release is published in the commissioner's name: only a verified public body's (the transaction rolls back otherwise).
  await requireVerifiedPublicBody(trx, p.organisation_id, 'publish contracts or OCDS releases');
  const previous = await repo.releasesOfOcid(trx, p.ocid);
  const last = previous[previous.length - 1];
  const lastTender = (last?.release as { tender?: { amendments?: ProcessSnapshot['amendments'] } } | undefined)?.tender;
  const amendments: ProcessSnapshot['amendments'] = (lastTender?.amendments ?? []).map((a) => ({ ...a, date: new Date(a.date) }));
  const seq = (last?.seq ?? 0) + 1;
  const releaseId = `${p.ocid}-${String(seq).padStart(4, '0')}`;
  const date = new Date();
  if (amendment && last) amendments.push({ id: `${releaseId}-amendment`, date, rationale: amendment.rationale, description: amendment.description, amendsReleaseID: last.release_id, releaseID: releaseId });
  const release = buildRelease(await snapshot(trx, p, amendments), { releaseId, date, tags });
  const errors = validateReleasePackage(releasePackage({ uri: `https://example.org/${p.ocid}.json`, publisher: { name: 'check' }, releases: [release] }));
  if (errors.length) throw new AppError('internal', `The OCDS release for ${p.ocid} is not valid: ${errors.slice(0, 5).join('; ')}`);
  await repo.insertRelease(trx, { organisationId: p.organisation_id, processId: p.id, seq, releaseId, ocid: p.ocid, tags, release, publishedAt: date });
  return releaseId;
}

/** Publishes a draft: it becomes open for bids, on its page, in the feed and as an OCDS tender release. */
export async function publishProcess(db: Db, actor: Actor, id: string) {
  return inTransaction(db, async (trx) => {
    const found = await requireProcess(trx, id);
    await requireCommissioner(trx, actor, found.organisation_id);
    await requireVerifiedPublicBody(trx, found.organisation_id, 'publish commissioning opportunities');
    const p = await repo.lockProcess(trx, found);
    if (p.status !== 'draft') throw new AppError('conflict', 'This opportunity is already published');
    if (p.bid_deadline.getTime() <= Date.now()) throw new AppError('unprocessable', 'The deadline for bids has passed: create the opportunity again with a later deadline');
    const published = await repo.updateProcess(trx, p, { status: 'active', published_at: new Date() });
    const releaseId = await publishRelease(trx, published, p.need_id ? ['planning', 'tender'] : ['tender']);
    await recordAudit(trx, actor, { action: 'commissioning.process.published', entityType: 'commissioning_process', entityId: p.id, organisationId: p.organisation_id, after: { releaseId } });
    return { id: p.id, ocid: p.ocid, releaseId };
  });
}

/**
 * Amends a published opportunity (its description or a later deadline) with a rationale. The earlier release
 * stays as it was; the amendment is a new release that names the one it amends.
 */
export async function amendProcess(db: Db, actor: Actor, id: string, input: { description?: unknown; bidDeadline?: unknown; rationale?: unknown }) {
  const check = new Checker();
  const rationale = check.text(input.rationale, 'rationale', 'the reason for the amendment', { max: 2000 });
  const description = typeof input.description === 'string' && input.description.trim() ? check.text(input.description, 'description', 'a description', { max: 5000 }) : null;
  const deadline = typeof input.bidDeadline === 'string' && input.bidDeadline.trim() ? readDateTime(check, input.bidDeadline, 'bidDeadline', 'the new deadline') : null;
  if (!description && !deadline) check.fail('description', 'Change the description or the deadline');
  check.done();
  return inTransaction(db, async (trx) => {
    const found = await requireProcess(trx, id);
    await requireCommissioner(trx, actor, found.organisation_id);
    const p = await repo.lockProcess(trx, found);
    if (p.status !== 'active') throw new AppError('unprocessable', 'Only an opportunity open for bids can be amended');
    if (deadline && deadline.getTime() < p.bid_deadline.getTime()) throw AppError.validation([{ field: 'bidDeadline', message: 'A published deadline can only be extended, never brought forward' }]);
    const changes: string[] = [];
    const set: { description?: string; bid_deadline?: Date } = {};
    if (description && description !== p.description) { set.description = description; changes.push('description'); }
    if (deadline && deadline.getTime() !== p.bid_deadline.getTime()) { set.bid_deadline = deadline; changes.push(`deadline extended to ${deadline.toISOString()}`); }
    if (changes.length === 0) throw AppError.validation([{ field: 'description', message: 'Nothing has changed' }]);
    const amended = await guarded(() => repo.updateProcess(trx, p, set));
    const releaseId = await publishRelease(trx, amended, ['tenderAmendment'], { rationale, description: `Changed: ${changes.join('; ')}` });
    await recordAudit(trx, actor, { action: 'commissioning.process.amended', entityType: 'commissioning_process', entityId: p.id, organisationId: p.organisation_id, before: { description: p.description, bidDeadline: p.bid_deadline }, after: { ...set, rationale, releaseId } });
    return { id: p.id, ocid: p.ocid, releaseId };
  });
}

/** The public opportunities (and, for commissioners, their drafts), newest deadline first. */
export async function listOpportunities(db: Db, actor: Actor, filter: { organisationId?: string; status?: string } = {}): Promise<OpportunitySummary[]> {
  const rows = await repo.listProcesses(db, { organisationId: filter.organisationId });
  const out: OpportunitySummary[] = [];
  const names = await orgsById(db, rows.map((r) => r.organisation_id));
  const commissionerOf = new Map<string, boolean>();
  for (const p of rows) {
    if (p.status === 'draft') {
      if (!commissionerOf.has(p.organisation_id)) commissionerOf.set(p.organisation_id, await isCommissioner(db, actor, p.organisation_id));
      if (!commissionerOf.get(p.organisation_id)) continue;
    }
    const s = statusOf(p);
    if (filter.status && s.status !== filter.status) continue;
    const lots = await repo.listLots(db, p);
    out.push({
      id: p.id, ocid: p.ocid, organisationId: p.organisation_id, organisationName: names.get(p.organisation_id)?.name ?? '',
      organisationVerified: names.get(p.organisation_id)?.verified ?? false, organisationIdentifier: names.get(p.organisation_id)?.identifiers[0] ?? null, title: p.title,
      status: s.status, statusLabel: s.label, valuePence: p.value_pence, bidDeadline: p.bid_deadline.toISOString(),
      publishedAt: p.published_at?.toISOString() ?? null, lots: lots.length, lotsForSmallProviders: lots.filter((l) => l.suitable_sme && l.suitable_vcse).length,
      href: `/commissioning/opportunities/${p.id}`,
    });
  }
  return out;
}

/** One opportunity as the public (and the actor) may see it. */
export async function getOpportunity(db: Db, actor: Actor, id: string) {
  const p = await requireProcess(db, id);
  await requireVisible(db, actor, p);
  const [lots, criteria, documents, questions, interests, bids, awards, releases] = await Promise.all([
    repo.listLots(db, p), repo.listCriteria(db, p), repo.listDocuments(db, p), repo.listQuestions(db, p), repo.listInterests(db, p),
    repo.listBids(db, p), repo.listAwards(db, p), repo.releasesOfOcid(db, p.ocid),
  ]);
  const commissioner = await isCommissioner(db, actor, p.organisation_id);
  const mine = new Set(await actingOrganisations(db, actor));
  const members = await repo.bidMembers(db, bids.map((b) => b.id));
  // Full records only for the few organisations shown with their sector; names for award suppliers in one query.
  const orgs = await orgsById(db, [p.organisation_id, ...interests.map((i) => i.provider_organisation_id)]);
  const awardedBids = new Set(awards.map((a) => a.bid_id));
  const supplierNames = await orgsById(db, members.filter((m) => awardedBids.has(m.bid_id)).map((m) => m.member_organisation_id));
  const need = p.need_id ? await repo.findNeed(db, p.need_id) : null;
  const contracts = await repo.listContracts(db, { organisationId: p.organisation_id, processId: p.id });
  const s = statusOf(p);
  const myBids = bids.filter((b) => members.some((m) => m.bid_id === b.id && m.consent === 'accepted' && mine.has(m.member_organisation_id)));
  return {
    id: p.id, ocid: p.ocid, title: p.title, description: p.description, status: s.status, statusLabel: s.label,
    organisation: badgeOf(orgs.get(p.organisation_id), p.organisation_id),
    need: need ? { id: need.id, title: need.title, href: `/commissioning/needs/${need.id}`, decisionTypeLabel: decisionTypes[need.decision_type].label } : null,
    valuePence: p.value_pence, bidDeadline: p.bid_deadline.toISOString(), contractStart: p.contract_start, contractEnd: p.contract_end,
    standstillDays: p.standstill_days, publishedAt: p.published_at?.toISOString() ?? null,
    lots: lots.map(presentLot), criteria: criteria.map(presentCriterion), documents: documents.map((d) => ({ id: d.id, title: d.title, url: d.url })),
    questions: questions.filter((q) => q.answer !== null || commissioner).map((q) => ({ id: q.id, question: q.question, answer: q.answer, askedAt: q.asked_at.toISOString(), answeredAt: q.answered_at?.toISOString() ?? null })),
    interests: verifiedFirst(interests.map((i) => ({ ...badgeOf(orgs.get(i.provider_organisation_id), i.provider_organisation_id), organisationId: i.provider_organisation_id, sector: orgs.get(i.provider_organisation_id)?.sector ?? 'private', seekingPartners: i.seeking_partners, note: i.note }))),
    // How many bids there are is for the commissioners until the deadline: competitors should not learn it early.
    bidCount: commissioner || s.status !== 'open' ? bids.filter((b) => b.status === 'submitted').length : null,
    myBids: myBids.map((b) => ({ id: b.id, lotId: b.lot_id, status: b.status, submittedAt: b.submitted_at.toISOString(), receipt: b.content_sha256, versions: b.versions })),
    awards: awards.map((a) => ({ id: a.id, lotId: a.lot_id, valuePence: a.value_pence, decidedAt: a.decided_at.toISOString(), standstillEnds: a.standstill_ends.toISOString(), suppliers: members.filter((m) => m.bid_id === a.bid_id).map((m) => badgeOf(supplierNames.get(m.member_organisation_id), m.member_organisation_id)) })),
    contracts: contracts.map((c) => ({ id: c.id, title: c.title, href: `/commissioning/contracts/${c.id}` })),
    releases: releases.map((r) => ({ id: r.release_id, tags: r.tags as string[], publishedAt: r.published_at.toISOString() })),
    you: { commissioner, actingOrganisations: [...mine], signedIn: !!actor.userId },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Questions, interest, partners

export async function askQuestion(db: Db, actor: Actor, processId: string, input: { question?: unknown }) {
  const check = new Checker();
  const question = check.text(input.question, 'question', 'your question', { max: 2000 });
  check.done();
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  return inTransaction(db, async (trx) => {
    const p = await requireProcess(trx, processId);
    if (statusOf(p).status !== 'open') throw new AppError('unprocessable', 'Questions can be asked only while the opportunity is open for bids');
    const q = await repo.insertQuestion(trx, { organisationId: p.organisation_id, processId: p.id, question, askedBy: actor.userId });
    await recordAudit(trx, actor, { action: 'commissioning.question.asked', entityType: 'commissioning_question', entityId: q.id, organisationId: p.organisation_id, after: { question } });
    return { id: q.id };
  });
}

/** Answers a question; the answer is published to everyone (without the asker's name) as a new release. */
export async function answerQuestion(db: Db, actor: Actor, questionId: string, input: { answer?: unknown }) {
  const check = new Checker();
  const answer = check.text(input.answer, 'answer', 'the answer', { max: 5000 });
  check.done();
  return inTransaction(db, async (trx) => {
    const q = isUuid(questionId) ? await repo.findQuestion(trx, questionId.toLowerCase()) : null;
    if (!q) throw new AppError('not_found', 'No question has that id');
    await requireCommissioner(trx, actor, q.organisation_id);
    if (q.answer !== null) throw new AppError('conflict', 'This question is already answered; published answers are not changed');
    const p = await repo.lockProcess(trx, { organisation_id: q.organisation_id, id: q.process_id });
    await repo.answerQuestion(trx, q, answer, actor.userId);
    const releaseId = await publishRelease(trx, p, ['tenderUpdate']);
    await recordAudit(trx, actor, { action: 'commissioning.question.answered', entityType: 'commissioning_question', entityId: q.id, organisationId: q.organisation_id, after: { answer, releaseId } });
    return { id: q.id, releaseId };
  });
}

/** A provider registers interest, saying whether it is looking for partners to bid with. */
export async function registerInterest(db: Db, actor: Actor, processId: string, input: { organisation?: unknown; seekingPartners?: unknown; note?: unknown }) {
  const check = new Checker();
  const orgRef = check.text(input.organisation, 'organisation', 'your organisation', { max: 200 });
  const note = check.text(input.note, 'note', 'a note', { max: 1000, optional: true });
  check.done();
  return inTransaction(db, async (trx) => {
    const p = await requireProcess(trx, processId);
    if (statusOf(p).status !== 'open') throw new AppError('unprocessable', 'Interest can be registered only while the opportunity is open for bids');
    const org = await getOrganisation(trx, orgRef);
    await requireProvider(trx, actor, org.id);
    if (org.id === p.organisation_id) throw new AppError('unprocessable', 'The commissioning organisation cannot bid for its own opportunity');
    await repo.upsertInterest(trx, { organisationId: p.organisation_id, processId: p.id, providerId: org.id, seekingPartners: readBool(input.seekingPartners), note, registeredBy: actor.userId });
    await recordAudit(trx, actor, { action: 'commissioning.interest.registered', entityType: 'commissioning_process', entityId: p.id, organisationId: p.organisation_id, after: { provider: org.id, seekingPartners: readBool(input.seekingPartners) } });
    return { processId: p.id, organisationId: org.id };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Bids: sealed until the deadline

export interface BidInput {
  lotId?: unknown; organisation?: unknown; pricePence?: unknown; price?: unknown; approach?: unknown; socialValue?: unknown;
  /** Consortium members other than the lead, each with their share of the work in percent. */
  members?: { organisation?: unknown; sharePercent?: unknown }[];
  leadSharePercent?: unknown;
}

export interface BidReceipt {
  bidId: string; processId: string; lotId: string; version: number; receipt: string; submittedAt: string;
  /** `awaiting-partners` until every consortium member has accepted; only then is the bid submitted. */
  status: 'awaiting-partners' | 'submitted';
  /** The members whose acceptance the bid still waits for (their administrators have been emailed). */
  awaitingConsentFrom: { id: string; name: string }[];
}

/**
 * Submits (or, before the deadline, replaces) a bid for a lot, alone or as a consortium with a lead and each
 * member's share. The content is sealed from the buyer until the deadline (the bidder reads it back, readMyBid); they get a
 * receipt (a SHA-256 of what they sent) instead.
 *
 * A consortium member joins only by accepting: each member named (or named with a different share) is invited,
 * and its administrators are emailed. Until every member has accepted, the bid is `awaiting-partners` — lodged
 * and sealed, but not submitted: not evaluated, counted, published or awardable, and void if the deadline comes
 * first. A member who accepted keeps its acceptance when the lead resubmits with the same share.
 */
/**
 * The registered organisations a consortium member may be, from what a bidder typed: its registered name (any
 * case), or the identifier or address it is registered under. One exact name wins over names that merely
 * contain the text; several are a choice for the bidder (at most 10).
 */
export async function memberChoices(db: Db, ref: string): Promise<OrganisationView[]> {
  const text = ref.trim();
  if (!text) return [];
  const exact = await findOrganisation(db, text);
  if (exact) return [exact];
  const items = (await searchOrganisations(db, { q: text, pageSize: 10 })).items;
  const named = items.filter((o) => o.name.toLowerCase() === text.toLowerCase());
  return verifiedFirst(named.length ? named : items);
}

export async function submitBid(db: Db, actor: Actor, processId: string, input: BidInput): Promise<BidReceipt> {
  const check = new Checker();
  const lotId = typeof input.lotId === 'string' && isUuid(input.lotId.trim()) ? input.lotId.trim().toLowerCase() : '';
  if (!lotId) check.fail('lotId', 'Choose the lot you are bidding for');
  const leadRef = check.text(input.organisation, 'organisation', 'the organisation bidding (the lead)', { max: 200 });
  const pricePence = input.pricePence !== undefined ? readPence(check, input.pricePence, 'pricePence', 'your price') : readPence(check, input.price, 'price', 'your price');
  const approach = check.text(input.approach, 'approach', 'how you will achieve the outcomes', { max: 20000 });
  const socialValue = check.text(input.socialValue, 'socialValue', 'the social value you will add', { max: 10000 });
  const membersIn = (Array.isArray(input.members) ? input.members : []).filter((m) => typeof m.organisation === 'string' && m.organisation.trim() !== '');
  if (membersIn.length > 20) check.fail('members', 'A consortium may have at most 20 members besides the lead');
  const members = membersIn.slice(0, 20).map((m, i) => ({ ref: String(m.organisation).trim().slice(0, 200), share: readInt(check, m.sharePercent, `members[${i}].sharePercent`, `member ${i + 1}’s share in percent`, 1, 99) }));
  const leadShare = members.length ? readInt(check, input.leadSharePercent, 'leadSharePercent', 'the lead’s share in percent', 1, 100) : 100;
  if (members.length && leadShare + members.reduce((s, m) => s + m.share, 0) !== 100) check.fail('leadSharePercent', 'The lead’s and members’ shares must add up to 100');
  check.done();
  const sha256 = createHash('sha256').update(JSON.stringify({ lotId, pricePence, approach, socialValue })).digest('hex');
  return guarded(() => inTransaction(db, async (trx) => {
    const found = await requireProcess(trx, processId);
    const lead = await getOrganisation(trx, leadRef);
    await requireProvider(trx, actor, lead.id);
    const p = await repo.lockProcess(trx, found);
    if (p.status !== 'active') throw new AppError('unprocessable', 'This opportunity is not open for bids');
    if (p.bid_deadline.getTime() <= Date.now()) throw new AppError('unprocessable', 'Bids for this opportunity are closed: the deadline has passed.');
    if (lead.id === p.organisation_id) throw new AppError('unprocessable', 'The commissioning organisation cannot bid for its own opportunity');
    if (!(await repo.listLots(trx, p)).some((l) => l.id === lotId)) throw AppError.validation([{ field: 'lotId', message: 'That lot is not part of this opportunity' }]);
    const existing = await repo.findBidByLead(trx, p, lotId, lead.id);
    const before = existing ? await repo.bidMembers(trx, [existing.id]) : [];
    const now = new Date();
    const memberOrgs: repo.MemberInput[] = [{ organisationId: lead.id, isLead: true, sharePercent: leadShare, consent: 'accepted', invitedAt: now, respondedBy: actor.userId, respondedAt: now }];
    const invited: OrganisationView[] = [];
    for (const [i, m] of members.entries()) {
      const found = await memberChoices(trx, m.ref);
      if (found.length > 1) throw AppError.validation([{ field: `members[${i}].organisation`, message: `${found.length} organisations match member ${i + 1} (“${m.ref}”): choose one` }]);
      const org = found[0];
      if (!org) throw AppError.validation([{ field: `members[${i}].organisation`, message: `No organisation called “${m.ref}” is registered (member ${i + 1}): check its registered name` }]);
      if (memberOrgs.some((x) => x.organisationId === org.id)) throw AppError.validation([{ field: `members[${i}].organisation`, message: `${org.name} is named twice` }]);
      if (org.id === p.organisation_id) throw AppError.validation([{ field: `members[${i}].organisation`, message: 'The commissioning organisation cannot be a member of a bid' }]);
      // An acceptance holds for the share it was given: a changed share is a new invitation.
      const kept = before.find((b) => !b.is_lead && b.member_organisation_id === org.id && b.share_percent === m.share && b.consent !== 'declined');
      if (kept) memberOrgs.push({ organisationId: org.id, isLead: false, sharePercent: m.share, consent: kept.consent, invitedAt: kept.invited_at, respondedBy: kept.responded_by, respondedAt: kept.responded_at });
      else { memberOrgs.push({ organisationId: org.id, isLead: false, sharePercent: m.share, consent: 'invited', invitedAt: now, respondedBy: null, respondedAt: null }); invited.push(org); }
    }
    const bid = existing ? await repo.resubmitBid(trx, existing, sha256, actor.userId) : await repo.insertBid(trx, { organisationId: p.organisation_id, processId: p.id, lotId, leadId: lead.id, submittedBy: actor.userId, sha256 });
    await repo.replaceBidMembers(trx, bid, memberOrgs);
    await repo.insertBidContent(trx, bid, { pricePence, approach, socialValue });
    const status = memberOrgs.every((m) => m.consent === 'accepted') ? 'submitted' as const : 'awaiting-partners' as const;
    if (bid.status !== status) await repo.setBidStatus(trx, bid, status);
    const lot = (await repo.listLots(trx, p)).find((l) => l.id === lotId)!;
    for (const org of invited) await inviteMember(trx, { process: p, lot, lead, member: org, sharePercent: memberOrgs.find((m) => m.organisationId === org.id)!.sharePercent });
    // The audit records that a bid was made and its receipt, never its sealed content.
    await recordAudit(trx, actor, { action: existing ? 'commissioning.bid.resubmitted' : 'commissioning.bid.submitted', entityType: 'commissioning_bid', entityId: bid.id, organisationId: p.organisation_id, after: { lotId, lead: lead.id, members: memberOrgs.map((m) => ({ organisationId: m.organisationId, isLead: m.isLead, sharePercent: m.sharePercent, consent: m.consent })), status, receipt: sha256, version: bid.versions } });
    const waiting = memberOrgs.filter((m) => m.consent !== 'accepted').map((m) => m.organisationId);
    const names = await organisationNames(trx, waiting);
    return { bidId: bid.id, processId: p.id, lotId, version: bid.versions, receipt: sha256, submittedAt: bid.submitted_at.toISOString(), status, awaitingConsentFrom: waiting.map((id) => ({ id, name: names.get(id)?.name ?? '' })) };
  }));
}

/** Withdraws a bid before the deadline (its lead's administrators or staff). */
export async function withdrawBid(db: Db, actor: Actor, bidId: string) {
  return inTransaction(db, async (trx) => {
    const bid = isUuid(bidId) ? await repo.findBid(trx, bidId.toLowerCase()) : null;
    if (!bid) throw new AppError('not_found', 'No bid has that id');
    await requireProvider(trx, actor, bid.lead_organisation_id);
    const p = await repo.lockProcess(trx, { organisation_id: bid.organisation_id, id: bid.process_id });
    if (p.bid_deadline.getTime() <= Date.now()) throw new AppError('unprocessable', 'The deadline has passed: a bid can no longer be withdrawn');
    await repo.setBidStatus(trx, bid, 'withdrawn');
    await recordAudit(trx, actor, { action: 'commissioning.bid.withdrawn', entityType: 'commissioning_bid', entityId: bid.id, organisationId: bid.organisation_id });
    return { bidId: bid.id, status: 'withdrawn' as const };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Consortium consent

/** Emails each administrator of an invited member: who asks, for what, the share, and where to answer. */
async function inviteMember(trx: Db, o: { process: repo.ProcessRow; lot: repo.LotRow; lead: OrganisationView; member: OrganisationView; sharePercent: number }) {
  const admins = (await listMembershipsOfOrganisation(trx, o.member.id)).filter((m) => m.role === 'admin');
  for (const a of admins) {
    await enqueueEmail(trx, {
      to: a.email, kind: 'commissioning-consortium-invitation',
      subject: `${o.lead.name} names ${o.member.name} in a consortium bid: accept or decline`,
      text: `${o.lead.name} has named ${o.member.name} as a member of its consortium bid for “${o.process.title}”, lot ${o.lot.number}: ${o.lot.title}, with ${o.sharePercent}% of the work.\n\n`
        + `${o.member.name} joins the bid only if one of its administrators accepts. Until then the bid is not submitted, ${o.member.name} cannot see it, and it is not published with your name. `
        + `If nobody accepts before the deadline (${o.process.bid_deadline.toISOString()}), the bid is void.\n\nAccept or decline: /commissioning/invitations\n`,
    });
  }
}

export interface InvitationView {
  bidId: string; memberOrganisation: OrganisationBadge; lead: OrganisationBadge; sharePercent: number;
  opportunity: { id: string; title: string; href: string; bidDeadline: string }; lot: { id: string; number: number; title: string };
  invitedAt: string; open: boolean;
}

/** Invitations waiting for an answer from organisations the person administers (only administrators may answer). */
export async function listInvitations(db: Db, actor: Actor): Promise<InvitationView[]> {
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  const orgs = actor.userId ? [...new Set((await listMembershipsOfUser(db, actor.userId)).filter((m) => m.role === 'admin').map((m) => m.organisationId))] : [];
  const rows = await repo.pendingInvitations(db, orgs);
  const out: InvitationView[] = [];
  for (const m of rows) {
    const bid = (await repo.findBid(db, m.bid_id))!;
    const p = (await repo.findProcess(db, m.process_id))!;
    const lot = (await repo.listLots(db, p)).find((l) => l.id === bid.lot_id)!;
    const names = await orgsById(db, [m.member_organisation_id, bid.lead_organisation_id]);
    out.push({
      bidId: bid.id, memberOrganisation: badgeOf(names.get(m.member_organisation_id), m.member_organisation_id),
      lead: badgeOf(names.get(bid.lead_organisation_id), bid.lead_organisation_id), sharePercent: m.share_percent,
      opportunity: { id: p.id, title: p.title, href: `/commissioning/opportunities/${p.id}`, bidDeadline: p.bid_deadline.toISOString() },
      lot: { id: lot.id, number: lot.number, title: lot.title }, invitedAt: m.invited_at.toISOString(), open: p.status === 'active' && p.bid_deadline.getTime() > Date.now(),
    });
  }
  return out;
}

/**
 * An administrator of a named member accepts or declines its place in a consortium bid, before the deadline.
 * An answer is final: accepting or declining twice, or declining after accepting, is refused (409); the lead
 * may invite again by resubmitting. When the last member accepts, the bid is submitted. The lead's submitter is
 * emailed the answer.
 */
export async function answerInvitation(db: Db, actor: Actor, bidId: string, input: { organisation?: unknown; decision?: unknown }) {
  const check = new Checker();
  const orgRef = check.text(input.organisation, 'organisation', 'the member organisation answering', { max: 200 });
  const decision = check.oneOf(input.decision, 'decision', 'accept or decline', ['accept', 'decline'] as const);
  check.done();
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  return guarded(() => inTransaction(db, async (trx) => {
    const found = isUuid(bidId) ? await repo.findBid(trx, bidId.toLowerCase()) : null;
    if (!found) throw new AppError('not_found', 'No bid has that id');
    const org = await getOrganisation(trx, orgRef);
    await requireOrganisationRole(trx, actor, org.id, ['admin']);
    const p = await repo.lockProcess(trx, { organisation_id: found.organisation_id, id: found.process_id });
    const member = await repo.lockBidMember(trx, found, org.id);
    if (!member || member.is_lead) throw new AppError('not_found', `${org.name} is not invited to this bid`);
    const bid = (await repo.findBid(trx, found.id))!;
    if (member.consent !== 'invited') throw new AppError('conflict', `${org.name} has already ${member.consent} this invitation; an answer is final (the lead can invite again by resubmitting the bid)`);
    if (bid.status === 'withdrawn') throw new AppError('unprocessable', 'The lead has withdrawn this bid');
    if (p.status !== 'active' || p.bid_deadline.getTime() <= Date.now()) throw new AppError('unprocessable', 'The deadline has passed: the bid can no longer be joined, and it was not submitted');
    const answered = await repo.setMemberConsent(trx, member, decision === 'accept' ? 'accepted' : 'declined', actor.userId);
    const all = await repo.bidMembers(trx, [bid.id]);
    const status = all.every((m) => m.consent === 'accepted') ? 'submitted' as const : 'awaiting-partners' as const;
    if (status !== bid.status) await repo.setBidStatus(trx, bid, status);
    await recordAudit(trx, actor, { action: `commissioning.consortium.${answered.consent}`, entityType: 'commissioning_bid', entityId: bid.id, organisationId: bid.organisation_id, before: { member: org.id, consent: member.consent, status: bid.status }, after: { member: org.id, consent: answered.consent, status } });
    const submitter = bid.submitted_by ? await findUserById(trx, bid.submitted_by) : null;
    if (submitter) {
      await enqueueEmail(trx, {
        to: submitter.email, kind: 'commissioning-consortium-answer',
        subject: `${org.name} ${answered.consent} your consortium bid for “${p.title}”`,
        text: `${org.name} has ${answered.consent} its place (${member.share_percent}%) in your consortium bid for “${p.title}”.\n\n`
          + (status === 'submitted' ? 'Every member has now accepted: your bid is submitted.\n'
            : answered.consent === 'declined' ? 'The bid is not submitted. Resubmit it before the deadline without them, or with another partner.\n'
            : 'The bid waits for the other members to accept.\n'),
      });
    }
    return { bidId: bid.id, organisationId: org.id, consent: answered.consent, bidStatus: status };
  }));
}

export interface BidView {
  id: string; processId: string; lotId: string; status: 'awaiting-partners' | 'submitted' | 'withdrawn'; submittedAt: string; receipt: string; versions: number;
  lead: OrganisationBadge;
  members: (OrganisationBadge & { sector: string; isLead: boolean; sharePercent: number; consent: 'invited' | 'accepted' | 'declined' })[];
  sealed: boolean;
  /** Null while sealed: the database gives no content before the deadline, whoever asks. */
  content: { pricePence: number; approach: string; socialValue: string; version: number } | null;
}

async function presentBids(db: Db, p: repo.ProcessRow, bids: repo.BidRow[]): Promise<BidView[]> {
  const members = await repo.bidMembers(db, bids.map((b) => b.id));
  const orgs = await orgsById(db, members.map((m) => m.member_organisation_id));
  const contents = await repo.unsealedContents(db, p.organisation_id, p.id, bids.map((b) => b.id));
  return bids.map((b) => {
    const c = contents.find((x) => x.bid_id === b.id);
    return {
      id: b.id, processId: b.process_id, lotId: b.lot_id, status: b.status, submittedAt: b.submitted_at.toISOString(), receipt: b.content_sha256, versions: b.versions,
      lead: badgeOf(orgs.get(b.lead_organisation_id), b.lead_organisation_id),
      members: members.filter((m) => m.bid_id === b.id).map((m) => ({ ...badgeOf(orgs.get(m.member_organisation_id), m.member_organisation_id), sector: orgs.get(m.member_organisation_id)?.sector ?? 'private', isLead: m.is_lead, sharePercent: m.share_percent, consent: m.consent })),
      sealed: !c, content: c ? { pricePence: c.price_pence, approach: c.approach, socialValue: c.social_value, version: c.version } : null,
    };
  });
}

/**
 * One bid. Its bidders may see it (sealed until the deadline), the commissioners of the buying organisation
 * once the deadline has passed, and evaluators only the bids assigned to them.
 */
export async function getBid(db: Db, actor: Actor, bidId: string): Promise<BidView> {
  const bid = isUuid(bidId) ? await repo.findBid(db, bidId.toLowerCase()) : null;
  if (!bid) throw new AppError('not_found', 'No bid has that id');
  const p = (await repo.findProcess(db, bid.process_id))!;
  const members = await repo.bidMembers(db, [bid.id]);
  const mine = await actingOrganisations(db, actor);
  // A member named but not (yet) accepted is not a bidder: it sees its invitation, never the bid.
  const isBidder = members.some((m) => m.consent === 'accepted' && mine.includes(m.member_organisation_id));
  const isAssigned = !!actor.userId && !!(await repo.findAssignment(db, bid, actor.userId));
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  if (!isBidder && !isAssigned && !(await isCommissioner(db, actor, p.organisation_id))) {
    throw new AppError('forbidden', 'Only the bidders, the commissioners and the evaluators assigned to this bid can see it');
  }
  return (await presentBids(db, p, [bid]))[0]!;
}

/** The bids a person may see for a process: all of them for commissioners, only their assigned ones for evaluators. */
export async function listBidsForEvaluation(db: Db, actor: Actor, processId: string): Promise<{ role: 'commissioner' | 'evaluator'; bids: BidView[]; sealed: boolean }> {
  const p = await requireProcess(db, processId);
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  const bids = (await repo.listBids(db, p)).filter((b) => b.status === 'submitted');
  const sealed = p.bid_deadline.getTime() > Date.now();
  if (await isCommissioner(db, actor, p.organisation_id)) return { role: 'commissioner', bids: await presentBids(db, p, bids), sealed };
  await requireOrganisationRole(db, actor, p.organisation_id, ['evaluator']);
  const assigned = new Set((await repo.evaluatorsOf(db, p)).filter((e) => e.user_id === actor.userId).map((e) => e.bid_id));
  return { role: 'evaluator', bids: await presentBids(db, p, bids.filter((b) => assigned.has(b.id))), sealed };
}

/** Bids that organisations the person acts for have made or joined. */
export async function myBids(db: Db, actor: Actor) {
  const mine = await actingOrganisations(db, actor);
  const bids = await repo.listBidsOfOrganisations(db, mine);
  const out = [];
  for (const b of bids) {
    const p = (await repo.findProcess(db, b.process_id))!;
    out.push({ id: b.id, processId: p.id, processTitle: p.title, href: `/commissioning/opportunities/${p.id}`, readBackHref: `/commissioning/bids/${b.id}`, status: b.status, submittedAt: b.submitted_at.toISOString(), receipt: b.content_sha256, deadline: p.bid_deadline.toISOString(), awarded: (await repo.listAwards(db, p)).some((a) => a.lot_id === b.lot_id) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation

/** Assigns an evaluator (who holds the evaluator role in the buying organisation) to a bid. */
export async function assignEvaluator(db: Db, actor: Actor, bidId: string, input: { email?: unknown }, options: { baseUrl?: string } = {}) {
  const check = new Checker();
  const email = check.email(input.email);
  check.done();
  return inTransaction(db, async (trx) => {
    const bid = isUuid(bidId) ? await repo.findBid(trx, bidId.toLowerCase()) : null;
    if (!bid) throw new AppError('not_found', 'No bid has that id');
    await requireCommissioner(trx, actor, bid.organisation_id);
    const user = await findUserByEmail(trx, email);
    if (!user || !(await hasRole(trx, user.id, bid.organisation_id, ['evaluator']))) {
      throw AppError.validation([{ field: 'email', message: 'That person is not an evaluator in this organisation: give them the evaluator role first' }]);
    }
    const added = await repo.assignEvaluator(trx, bid, user.id, actor.userId);
    if (added) {
      await recordAudit(trx, actor, { action: 'commissioning.evaluator.assigned', entityType: 'commissioning_bid', entityId: bid.id, organisationId: bid.organisation_id, after: { userId: user.id } });
      const p = (await repo.findProcess(trx, bid.process_id))!;
      const bidder = (await organisationNames(trx, [bid.lead_organisation_id])).get(bid.lead_organisation_id)?.name ?? 'a bidder';
      await noticeBidToScore(trx, { userId: user.id, processId: p.id, processTitle: p.title, bidder, deadline: p.bid_deadline, assignedBy: actor.userId }, options.baseUrl ?? '');
    }
    return { bidId: bid.id, userId: user.id, added };
  });
}

async function requireAssignment(db: Db, actor: Actor, bidId: string) {
  const bid = isUuid(bidId) ? await repo.findBid(db, bidId.toLowerCase()) : null;
  if (!bid) throw new AppError('not_found', 'No bid has that id');
  if (!actor.userId) throw new AppError('forbidden', 'Only an evaluator assigned to this bid can do this');
  const assignment = await repo.findAssignment(db, bid, actor.userId);
  if (!assignment) throw new AppError('forbidden', 'Only an evaluator assigned to this bid can do this');
  await requireOrganisationRole(db, actor, bid.organisation_id, ['evaluator']);
  return { bid, assignment };
}

/** An evaluator declares a conflict of interest with a bid: it is flagged, and their scores for it are set aside. */
export async function declareConflict(db: Db, actor: Actor, bidId: string, input: { note?: unknown }) {
  const check = new Checker();
  const note = check.text(input.note, 'note', 'the nature of the conflict of interest', { max: 1000 });
  check.done();
  return inTransaction(db, async (trx) => {
    const { bid, assignment } = await requireAssignment(trx, actor, bidId);
    await repo.declareConflict(trx, assignment, note);
    await recordAudit(trx, actor, { action: 'commissioning.conflict.declared', entityType: 'commissioning_bid', entityId: bid.id, organisationId: bid.organisation_id, after: { note } });
    return { bidId: bid.id, conflictDeclared: true };
  });
}

/** An assigned evaluator scores a bid on each criterion (0–10) with a reason, independently, after the deadline. */
export async function scoreBid(db: Db, actor: Actor, bidId: string, input: { scores?: { criterionId?: unknown; score?: unknown; reason?: unknown }[] }) {
  const check = new Checker();
  const scores = (Array.isArray(input.scores) ? input.scores : []).slice(0, 20).map((s, i) => ({
    criterionId: typeof s.criterionId === 'string' ? s.criterionId.trim().toLowerCase() : '',
    score: readInt(check, s.score, `scores[${i}].score`, `score ${i + 1}`, 0, maxScore),
    reason: check.text(s.reason, `scores[${i}].reason`, `the reason for score ${i + 1}`, { max: 5000 }),
  }));
  if (scores.length === 0) check.fail('scores', 'Give a score and a reason for at least one criterion');
  check.done();
  return inTransaction(db, async (trx) => {
    const { bid, assignment } = await requireAssignment(trx, actor, bidId);
    if (assignment.conflict_declared) throw new AppError('forbidden', 'You declared a conflict of interest with this bid, so you cannot score it');
    const p = await repo.lockProcess(trx, { organisation_id: bid.organisation_id, id: bid.process_id });
    if (p.bid_deadline.getTime() > Date.now()) throw new AppError('unprocessable', 'Bids are sealed until the deadline: scoring starts after it');
    if (p.status !== 'active') throw new AppError('unprocessable', 'Evaluation of this opportunity is over');
    const criteria = await repo.listCriteria(trx, p);
    for (const [i, s] of scores.entries()) {
      if (!criteria.some((c) => c.id === s.criterionId)) throw AppError.validation([{ field: `scores[${i}].criterionId`, message: `Score ${i + 1} is not for one of this opportunity’s criteria` }]);
      await repo.insertScore(trx, { organisationId: p.organisation_id, processId: p.id, bidId: bid.id, criterionId: s.criterionId, userId: actor.userId, kind: 'evaluation', score: s.score, reason: s.reason });
    }
    await recordAudit(trx, actor, { action: 'commissioning.bid.scored', entityType: 'commissioning_bid', entityId: bid.id, organisationId: p.organisation_id, after: { scores } });
    return { bidId: bid.id, recorded: scores.length };
  });
}

/** A commissioner moderates: records the agreed score for a criterion, with the reason, over the evaluators'. */
export async function moderateScore(db: Db, actor: Actor, bidId: string, input: { criterionId?: unknown; score?: unknown; reason?: unknown }) {
  const check = new Checker();
  const score = readInt(check, input.score, 'score', 'the moderated score', 0, maxScore);
  const reason = check.text(input.reason, 'reason', 'the reason for the moderated score', { max: 5000 });
  const criterionId = typeof input.criterionId === 'string' ? input.criterionId.trim().toLowerCase() : '';
  check.done();
  return inTransaction(db, async (trx) => {
    const bid = isUuid(bidId) ? await repo.findBid(trx, bidId.toLowerCase()) : null;
    if (!bid) throw new AppError('not_found', 'No bid has that id');
    await requireCommissioner(trx, actor, bid.organisation_id);
    const p = await repo.lockProcess(trx, { organisation_id: bid.organisation_id, id: bid.process_id });
    if (p.bid_deadline.getTime() > Date.now()) throw new AppError('unprocessable', 'Bids are sealed until the deadline');
    if (p.status !== 'active') throw new AppError('unprocessable', 'Evaluation of this opportunity is over');
    if (!(await repo.listCriteria(trx, p)).some((c) => c.id === criterionId)) throw AppError.validation([{ field: 'criterionId', message: 'Choose one of this opportunity’s criteria' }]);
    await repo.insertScore(trx, { organisationId: p.organisation_id, processId: p.id, bidId: bid.id, criterionId, userId: actor.userId, kind: 'moderation', score, reason });
    await recordAudit(trx, actor, { action: 'commissioning.score.moderated', entityType: 'commissioning_bid', entityId: bid.id, organisationId: p.organisation_id, after: { criterionId, score, reason } });
    return { bidId: bid.id, criterionId, score };
  });
}

export interface RankedBid {
  bidId: string; lotId: string; lead: string; rank: number;
  /** Weighted total out of 100, in hundredths (8625 is 86.25). */
  totalHundredths: number;
  complete: boolean;
  criteria: { criterionId: string; title: string; weight: number; agreed: number | null; moderated: boolean; evaluatorScores: { userId: string | null; score: number; reason: string; conflict: boolean; kind: string }[] }[];
  conflicts: { userId: string; note: string | null }[];
}

/**
 * Weighted totals and ranks per lot. For each criterion the agreed score is the latest moderated score, else
 * the mean of each unconflicted evaluator's latest score; the weighted total is Σ weight × agreed ÷ 10.
 * Computed in integer hundredths. Every score ever given, with its reason, is kept and listed.
 */
export function rankBids(criteria: { id: string; title: string; weight: number }[], bids: { id: string; lotId: string; lead: string }[], scores: repo.ScoreRow[], evaluators: repo.EvaluatorRow[]): RankedBid[] {
  const out: RankedBid[] = bids.map((b) => {
    const conflicted = new Set(evaluators.filter((e) => e.bid_id === b.id && e.conflict_declared).map((e) => e.user_id));
    let total = 0;
    let complete = true;
    const perCriterion = criteria.map((c) => {
      const mine = scores.filter((s) => s.bid_id === b.id && s.criterion_id === c.id);
      const moderated = mine.filter((s) => s.kind === 'moderation').at(-1);
      const latest = new Map<string | null, repo.ScoreRow>();
      for (const s of mine.filter((x) => x.kind === 'evaluation')) latest.set(s.user_id, s);
      const counted = [...latest.values()].filter((s) => !conflicted.has(s.user_id ?? ''));
      let agreedTimes10: number | null = moderated ? moderated.score * 10 : null;
      let part = 0;
      if (moderated) part = c.weight * moderated.score * 10;
      else if (counted.length) part = Math.round((c.weight * counted.reduce((s, x) => s + x.score, 0) * 10) / counted.length);
      else complete = false;
      if (!moderated && counted.length) agreedTimes10 = Math.round((counted.reduce((s, x) => s + x.score, 0) * 10) / counted.length);
      total += part;
      return {
        criterionId: c.id, title: c.title, weight: c.weight, agreed: agreedTimes10 === null ? null : agreedTimes10 / 10, moderated: !!moderated,
        evaluatorScores: mine.map((s) => ({ userId: s.user_id, score: s.score, reason: s.reason, conflict: conflicted.has(s.user_id ?? ''), kind: s.kind })),
      };
    });
    return {
      bidId: b.id, lotId: b.lotId, lead: b.lead, rank: 0, totalHundredths: total, complete, criteria: perCriterion,
      conflicts: evaluators.filter((e) => e.bid_id === b.id && e.conflict_declared).map((e) => ({ userId: e.user_id, note: e.conflict_note })),
    };
  });
  for (const lot of new Set(out.map((r) => r.lotId))) {
    const inLot = out.filter((r) => r.lotId === lot).sort((a, b) => b.totalHundredths - a.totalHundredths);
    inLot.forEach((r, i) => { r.rank = i > 0 && inLot[i - 1]!.totalHundredths === r.totalHundredths ? inLot[i - 1]!.rank : i + 1; });
  }
  return out.sort((a, b) => (a.lotId === b.lotId ? a.rank - b.rank : a.lotId.localeCompare(b.lotId)));
}

export interface BidReadback {
  bidId: string; lotId: string; status: string;
  /** Before the deadline the bid is sealed to the buyer (the bidder still reads it back here). */
  sealed: boolean;
  submittedAt: string; receipt: string; versions: number;
  lead: OrganisationBadge;
  members: (OrganisationBadge & { isLead: boolean; sharePercent: number; consent: 'invited' | 'accepted' | 'declined' })[];
  /** What the bid said (its latest version), at any time: it is the bidder's own. */
  content: { pricePence: number; approach: string; socialValue: string; version: number } | null;
  /** Once its lot is awarded: this bid's agreed scores with the reasons, its weighted total and rank, and whether it won. */
  feedback: {
    won: boolean; rank: number; of: number; totalHundredths: number; awardRationale: string | null;
    criteria: { title: string; weight: number; agreed: number | null; reasons: string[] }[];
  } | null;
}

/**
 * A bidder's own bids on a process, read back: the content at any time (the seal keeps it from the buyer until
 * the deadline, not from the bidder), and once the lot is awarded, the bid's scores and the reasons given (the
 * moderated reason where there is one, else each evaluator's, without who gave it), its total and rank. For
 * the administrators and staff of the bid's accepted members only; everyone else gets an empty list.
 */
export async function myBidReadback(db: Db, actor: Actor, processId: string, onlyBidId?: string): Promise<BidReadback[]> {
  const p = await requireProcess(db, processId);
  await requireVisible(db, actor, p);
  const mine = new Set(await actingOrganisations(db, actor));
  if (mine.size === 0) return [];
  const bids = await repo.listBids(db, p);
  const members = await repo.bidMembers(db, bids.map((b) => b.id));
  const memberOf = (bidId: string) => members.find((m) => m.bid_id === bidId && m.consent === 'accepted' && mine.has(m.member_organisation_id));
  const myBids = bids.filter((b) => memberOf(b.id) && (!onlyBidId || b.id === onlyBidId));
  if (myBids.length === 0) return [];
  // Each bid read as the member organisation the person acts for (the database checks that it is a member).
  const contents = await inTransaction(db, async (trx) => {
    const out: repo.ContentRow[] = [];
    for (const b of myBids) out.push(...await repo.ownBidContents(trx, p, [b.id], memberOf(b.id)!.member_organisation_id));
    return out;
  });
  const orgs = await orgsById(db, members.filter((m) => myBids.some((b) => b.id === m.bid_id)).map((m) => m.member_organisation_id));
  const awards = await repo.listAwards(db, p);
  const awardedLots = new Set(awards.map((a) => a.lot_id));
  let ranked: RankedBid[] = [];
  if (myBids.some((b) => awardedLots.has(b.lot_id))) {
    const [criteria, scores, evaluators] = await Promise.all([repo.listCriteria(db, p), repo.scoresOf(db, p), repo.evaluatorsOf(db, p)]);
    ranked = rankBids(criteria, bids.filter((b) => b.status === 'submitted').map((b) => ({ id: b.id, lotId: b.lot_id, lead: '' })), scores, evaluators);
  }
  const sealed = p.bid_deadline.getTime() > Date.now();
  return myBids.map((b) => {
    const c = contents.find((x) => x.bid_id === b.id);
    const r = awardedLots.has(b.lot_id) ? ranked.find((x) => x.bidId === b.id) : undefined;
    const award = awards.find((a) => a.lot_id === b.lot_id);
    return {
      bidId: b.id, lotId: b.lot_id, status: b.status, sealed, submittedAt: b.submitted_at.toISOString(), receipt: b.content_sha256, versions: b.versions,
      lead: badgeOf(orgs.get(b.lead_organisation_id), b.lead_organisation_id),
      members: members.filter((m) => m.bid_id === b.id).map((m) => ({ ...badgeOf(orgs.get(m.member_organisation_id), m.member_organisation_id), isLead: m.is_lead, sharePercent: m.share_percent, consent: m.consent })),
      content: c ? { pricePence: Number(c.price_pence), approach: c.approach, socialValue: c.social_value, version: c.version } : null,
      feedback: r && award ? {
        won: award.bid_id === b.id, rank: r.rank, of: ranked.filter((x) => x.lotId === b.lot_id).length, totalHundredths: r.totalHundredths,
        awardRationale: award.bid_id === b.id ? award.rationale : null,
        criteria: r.criteria.map((cr) => {
          const moderation = cr.evaluatorScores.filter((x) => x.kind === 'moderation').at(-1);
          const reasons = moderation ? [moderation.reason] : cr.evaluatorScores.filter((x) => x.kind === 'evaluation' && !x.conflict).map((x) => x.reason);
          return { title: cr.title, weight: cr.weight, agreed: cr.agreed, reasons: [...new Set(reasons.filter(Boolean))] };
        }),
      } : null,
    };
  });
}

/**
 * One of the person's own bids, read back (see myBidReadback), with its opportunity and lot. Not found for an
 * unknown bid; forbidden for anyone who does not act for one of its accepted members — the buyer included.
 */
export async function readMyBid(db: Db, actor: Actor, bidId: string): Promise<BidReadback & { opportunity: { id: string; title: string; href: string; bidDeadline: string; organisation: OrganisationBadge }; lot: { id: string; number: number; title: string } }> {
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  const bid = isUuid(bidId) ? await repo.findBid(db, bidId.toLowerCase()) : null;
  if (!bid) throw new AppError('not_found', 'No bid has that id');
  const p = (await repo.findProcess(db, bid.process_id))!;
  const [read] = await myBidReadback(db, actor, p.id, bid.id);
  if (!read) throw new AppError('forbidden', 'Only the administrators and staff of the organisations that made this bid can read it back');
  const lot = (await repo.listLots(db, p)).find((l) => l.id === bid.lot_id)!;
  const buyer = await findOrganisation(db, p.organisation_id);
  return {
    ...read, lot: { id: lot.id, number: lot.number, title: lot.title },
    opportunity: { id: p.id, title: p.title, href: `/commissioning/opportunities/${p.id}`, bidDeadline: p.bid_deadline.toISOString(), organisation: badgeOf(buyer ?? undefined, p.organisation_id) },
  };
}

/** The evaluation of a process for its commissioners: ranks, totals, every score and every conflict. */
export async function evaluationResults(db: Db, actor: Actor, processId: string) {
  const p = await requireProcess(db, processId);
  await requireCommissioner(db, actor, p.organisation_id);
  if (p.bid_deadline.getTime() > Date.now()) throw new AppError('unprocessable', 'Bids are sealed until the deadline');
  const [criteria, bids, scores, evaluators, lots] = await Promise.all([repo.listCriteria(db, p), repo.listBids(db, p), repo.scoresOf(db, p), repo.evaluatorsOf(db, p), repo.listLots(db, p)]);
  const orgs = await organisationNames(db, bids.map((b) => b.lead_organisation_id));
  const ranked = rankBids(criteria, bids.filter((b) => b.status === 'submitted').map((b) => ({ id: b.id, lotId: b.lot_id, lead: orgs.get(b.lead_organisation_id)?.name ?? '' })), scores, evaluators);
  return { processId: p.id, lots: lots.map(presentLot), criteria: criteria.map(presentCriterion), ranked, evaluators: evaluators.map((e) => ({ bidId: e.bid_id, userId: e.user_id, conflictDeclared: e.conflict_declared, conflictNote: e.conflict_note })) };
}

// ---------------------------------------------------------------------------------------------------------
// Award and contract

/** Awards a lot to a bid, with a rationale; a standstill period follows before the contract can be signed. */
/**
 * Awards a lot to one submitted bid. Every bidder for the lot (the people who act for each accepted member of
 * every submitted bid) is told the result in the same transaction: an email and an inbox item, won or not, with
 * a link to their bid's scores and feedback (noticeBidResults).
 */
export async function awardLot(db: Db, actor: Actor, processId: string, input: { bidId?: unknown; rationale?: unknown; valuePence?: unknown }, options: { baseUrl?: string } = {}) {
  const check = new Checker();
  const bidId = typeof input.bidId === 'string' && isUuid(input.bidId.trim()) ? input.bidId.trim().toLowerCase() : '';
  if (!bidId) check.fail('bidId', 'Choose the winning bid');
  const rationale = check.text(input.rationale, 'rationale', 'the reason for the award', { max: 5000 });
  const valueGiven = input.valuePence !== undefined && input.valuePence !== '' ? readPence(check, input.valuePence, 'valuePence', 'the award value') : null;
  check.done();
  return inTransaction(db, async (trx) => {
    const found = await requireProcess(trx, processId);
    await requireCommissioner(trx, actor, found.organisation_id);
    await requireVerifiedPublicBody(trx, found.organisation_id, 'award contracts');
    const p = await repo.lockProcess(trx, found);
    if (p.status !== 'active') throw new AppError('unprocessable', 'This opportunity is not being evaluated');
    if (p.bid_deadline.getTime() > Date.now()) throw new AppError('unprocessable', 'Bids are sealed until the deadline: nothing can be awarded before it');
    const bid = await repo.findBid(trx, bidId);
    if (bid && bid.process_id === p.id && bid.status === 'awaiting-partners') throw AppError.validation([{ field: 'bidId', message: 'This bid was never submitted: not every consortium member accepted before the deadline' }]);
    if (!bid || bid.process_id !== p.id || bid.status !== 'submitted') throw AppError.validation([{ field: 'bidId', message: 'Choose a submitted bid for this opportunity' }]);
    // The database's rows, not only the status, must show every member's consent.
    if ((await repo.bidMembers(trx, [bid.id])).some((m) => m.consent !== 'accepted')) throw AppError.validation([{ field: 'bidId', message: 'Not every member of this consortium has accepted: it cannot be awarded' }]);
    const awards = await repo.listAwards(trx, p);
    if (awards.some((a) => a.lot_id === bid.lot_id)) throw new AppError('conflict', 'This lot has already been awarded');
    const content = (await repo.unsealedContents(trx, p.organisation_id, p.id, [bid.id]))[0];
    const valuePence = valueGiven ?? content?.price_pence ?? 0;
    const standstillEnds = new Date(Date.now() + p.standstill_days * 24 * 3600 * 1000);
    const award = await repo.insertAward(trx, { organisationId: p.organisation_id, processId: p.id, lotId: bid.lot_id, bidId: bid.id, valuePence, rationale, decidedBy: actor.userId, standstillEnds });
    const lots = await repo.listLots(trx, p);
    const current = awards.length + 1 === lots.length ? await repo.updateProcess(trx, p, { status: 'awarded' }) : p;
    const releaseId = await publishRelease(trx, current, ['award']);
    await recordAudit(trx, actor, { action: 'commissioning.lot.awarded', entityType: 'commissioning_award', entityId: award.id, organisationId: p.organisation_id, after: { lotId: bid.lot_id, bidId: bid.id, valuePence, rationale, standstillEnds, releaseId } });
    const lot = lots.find((l) => l.id === bid.lot_id)!;
    const forLot = (await repo.listBids(trx, p)).filter((b) => b.lot_id === bid.lot_id && b.status === 'submitted');
    const members = await repo.bidMembers(trx, forLot.map((b) => b.id));
    const names = await organisationNames(trx, [bid.lead_organisation_id]);
    await noticeBidResults(trx, {
      processTitle: p.title, lot: { number: lot.number, title: lot.title }, winner: names.get(bid.lead_organisation_id)?.name ?? 'another bidder', standstillEnds, decidedBy: actor.userId,
      bids: await Promise.all(forLot.map(async (b) => ({
        bidId: b.id, won: b.id === bid.id,
        userIds: await roleHolderIds(trx, members.filter((m) => m.bid_id === b.id && m.consent === 'accepted').map((m) => m.member_organisation_id), ['admin', 'staff']),
      }))),
    }, options.baseUrl ?? '');
    return { awardId: award.id, lotId: bid.lot_id, bidId: bid.id, valuePence, standstillEnds: standstillEnds.toISOString(), releaseId };
  });
}

/** Signs the contract for an award, once its standstill has ended, with milestones and KPIs (agreed metrics). */
export async function signContract(db: Db, actor: Actor, awardId: string, input: {
  title?: unknown; startDate?: unknown; endDate?: unknown; milestones?: { title?: unknown; dueDate?: unknown }[]; kpis?: { title?: unknown; target?: unknown; unit?: unknown }[];
}) {
  const check = new Checker();
  const title = check.text(input.title, 'title', 'the contract’s title', { max: 200, optional: true });
  const startDate = readDate(check, input.startDate, 'startDate', 'the start date');
  const endDate = readDate(check, input.endDate, 'endDate', 'the end date');
  if (startDate && endDate && endDate < startDate) check.fail('endDate', 'The contract must end after it starts');
  const milestones = (Array.isArray(input.milestones) ? input.milestones : []).filter((m) => typeof m.title === 'string' && m.title.trim()).slice(0, 50)
    .map((m, i) => ({ title: check.text(m.title, `milestones[${i}].title`, `milestone ${i + 1}`, { max: 200 }), dueDate: readDate(check, m.dueDate, `milestones[${i}].dueDate`, `milestone ${i + 1}’s due date`) }));
  const kpis = (Array.isArray(input.kpis) ? input.kpis : []).filter((k) => typeof k.title === 'string' && k.title.trim()).slice(0, 50)
    .map((k, i) => ({ title: check.text(k.title, `kpis[${i}].title`, `KPI ${i + 1}`, { max: 200 }), target: readInt(check, k.target, `kpis[${i}].target`, `KPI ${i + 1}’s target`, 0, 1_000_000_000), unit: check.text(k.unit, `kpis[${i}].unit`, `KPI ${i + 1}’s unit`, { max: 50 }) }));
  check.done();
  return inTransaction(db, async (trx) => {
    const award = isUuid(awardId) ? await repo.findAward(trx, awardId.toLowerCase()) : null;
    if (!award) throw new AppError('not_found', 'No award has that id');
    await requireCommissioner(trx, actor, award.organisation_id);
    const p = await repo.lockProcess(trx, { organisation_id: award.organisation_id, id: award.process_id });
    if (award.standstill_ends.getTime() > Date.now()) throw new AppError('unprocessable', `The standstill period runs until ${award.standstill_ends.toISOString()}: the contract can be signed after it`);
    const existing = await repo.listContracts(trx, { organisationId: p.organisation_id, processId: p.id });
    if (existing.some((c) => c.award_id === award.id)) throw new AppError('conflict', 'The contract for this award is already signed');
    const lot = (await repo.listLots(trx, p)).find((l) => l.id === award.lot_id)!;
    const contract = await repo.insertContract(trx, {
      organisationId: p.organisation_id, processId: p.id, awardId: award.id, title: title || `${p.title}: lot ${lot.number}, ${lot.title}`,
      valuePence: award.value_pence, startDate: startDate ?? p.contract_start, endDate: endDate ?? p.contract_end, signedBy: actor.userId,
    });
    let position = 0;
    for (const m of milestones) await repo.insertMilestone(trx, { contract, ...m, position: position++ });
    position = 0;
    for (const k of kpis) await repo.insertKpi(trx, { contract, ...k, position: position++ });
    const releaseId = await publishRelease(trx, p, ['contract']);
    await recordAudit(trx, actor, { action: 'commissioning.contract.signed', entityType: 'commissioning_contract', entityId: contract.id, organisationId: p.organisation_id, after: { awardId: award.id, milestones, kpis, releaseId } });
    return { contractId: contract.id, href: `/commissioning/contracts/${contract.id}`, releaseId };
  });
}

/** Marks a milestone met or not met; published as an implementation release (with payments so far). */
export async function updateMilestone(db: Db, actor: Actor, contractId: string, milestoneId: string, input: { status?: unknown; dateMet?: unknown }) {
  const check = new Checker();
  const status = check.oneOf(input.status, 'status', 'whether the milestone was met', ['met', 'notMet', 'scheduled'] as const);
  const dateMet = status === 'met' ? readDate(check, input.dateMet, 'dateMet', 'the date it was met', false) : null;
  check.done();
  return inTransaction(db, async (trx) => {
    const contract = isUuid(contractId) ? await repo.findContract(trx, contractId.toLowerCase()) : null;
    if (!contract) throw new AppError('not_found', 'No contract has that id');
    await requireCommissioner(trx, actor, contract.organisation_id);
    const milestone = (await repo.milestonesOf(trx, [contract.id])).find((m) => m.id === milestoneId.toLowerCase());
    if (!milestone) throw new AppError('not_found', 'No such milestone in this contract');
    const p = await repo.lockProcess(trx, { organisation_id: contract.organisation_id, id: contract.process_id });
    await repo.setMilestoneStatus(trx, milestone, status, dateMet);
    const releaseId = await publishRelease(trx, p, ['implementation']);
    await recordAudit(trx, actor, { action: 'commissioning.milestone.updated', entityType: 'commissioning_contract', entityId: contract.id, organisationId: contract.organisation_id, before: { status: milestone.status }, after: { milestoneId: milestone.id, status, dateMet, releaseId } });
    return { contractId: contract.id, milestoneId: milestone.id, status, releaseId };
  });
}

/**
 * What the buyer has paid the contract's suppliers, from its published spending: lines whose supplier name
 * matches a supplier organisation's name, within the contract's period (from signing when it has no start).
 */
async function contractPayments(db: Db, buyer: OrganisationView, suppliers: OrganisationView[], c: repo.ContractRow) {
  const from = c.start_date ?? c.signed_at.toISOString().slice(0, 10);
  const period = `${from}..${c.end_date ?? '9999-12-31'}`;
  const lines: { fileId: string; line: number; date: string | null; netPence: number; supplierName: string | null; payee: OrganisationView; source: string }[] = [];
  for (const s of suppliers) {
    const key = supplierKey(s.name);
    if (!key) continue;
    try {
      const result = await publisherLines(db, buyer.id, { supplier: supplierSlug(key), period, pageSize: 500 });
      for (const l of result.items) lines.push({ fileId: l.fileId, line: l.line, date: l.date, netPence: l.netPence, supplierName: l.supplierName, payee: s, source: `urn:commonweal:spend-line:${l.fileId}:${l.line}` });
    } catch (error) {
      if (!isAppError(error)) throw error;
    }
  }
  lines.sort((a, b) => (a.date ?? '').localeCompare(b.date ?? ''));
  return { lines, paidPence: lines.reduce((s, l) => s + l.netPence, 0) };
}

/** A contract's public page: suppliers, value, milestones, KPIs and what has been paid against what was agreed. */
export async function getContract(db: Db, contractId: string) {
  const c = isUuid(contractId) ? await repo.findContract(db, contractId.toLowerCase()) : null;
  if (!c) throw new AppError('not_found', 'No contract has that id');
  const p = (await repo.findProcess(db, c.process_id))!;
  const award = (await repo.findAward(db, c.award_id))!;
  const members = await repo.bidMembers(db, [award.bid_id]);
  const orgs = await orgsById(db, [c.organisation_id, ...members.map((m) => m.member_organisation_id)]);
  const suppliers = members.map((m) => ({ ...orgs.get(m.member_organisation_id)!, isLead: m.is_lead, sharePercent: m.share_percent }));
  const buyer = orgs.get(c.organisation_id)!;
  const [milestones, kpis] = await Promise.all([repo.milestonesOf(db, [c.id]), repo.kpisOf(db, [c.id])]);
  const payments = await contractPayments(db, buyer, suppliers, c);
  const lot = (await repo.listLots(db, p)).find((l) => l.id === award.lot_id);
  return {
    id: c.id, ocid: p.ocid, title: c.title, valuePence: c.value_pence, startDate: c.start_date, endDate: c.end_date, signedAt: c.signed_at.toISOString(),
    buyer: badgeOf(buyer, buyer.id),
    opportunity: { id: p.id, title: p.title, href: `/commissioning/opportunities/${p.id}` },
    lot: lot ? presentLot(lot) : null,
    suppliers: suppliers.map((s) => ({ ...badgeOf(s, s.id), sector: s.sector, legalFormLabel: s.legalFormLabel, isLead: s.isLead, sharePercent: s.sharePercent })),
    milestones: milestones.map((m) => ({ id: m.id, title: m.title, dueDate: m.due_date, status: m.status, dateMet: m.date_met })),
    kpis: kpis.map((k) => ({ id: k.id, title: k.title, target: k.target, unit: k.unit })),
    payments: { paidPence: payments.paidPence, remainingPence: c.value_pence - payments.paidPence, lines: payments.lines.map((l) => ({ date: l.date, netPence: l.netPence, supplierName: l.supplierName, payee: l.payee.name })) },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Open calls and proposals

export async function createOpenCall(db: Db, actor: Actor, input: { organisation?: unknown; title?: unknown; description?: unknown; closesOn?: unknown }) {
  const check = new Checker();
  const orgRef = check.text(input.organisation, 'organisation', 'the commissioning organisation', { max: 200 });
  const title = check.text(input.title, 'title', 'a title', { max: 200 });
  const description = check.text(input.description, 'description', 'what the call is looking for', { max: 5000 });
  const closesOn = readDate(check, input.closesOn, 'closesOn', 'the closing date');
  check.done();
  return inTransaction(db, async (trx) => {
    const org = await getOrganisation(trx, orgRef);
    await requireCommissioner(trx, actor, org.id);
    await requireVerifiedPublicBody(trx, org.id, 'publish an open call');
    const call = await repo.insertOpenCall(trx, { organisationId: org.id, title, description, closesOn, createdBy: actor.userId });
    await recordAudit(trx, actor, { action: 'commissioning.open_call.opened', entityType: 'commissioning_open_call', entityId: call.id, organisationId: org.id, after: { title, closesOn } });
    return { id: call.id, href: `/commissioning/open-calls/${call.id}` };
  });
}

export async function listOpenCalls(db: Db) {
  const calls = await repo.listOpenCalls(db);
  const orgs = await orgsById(db, calls.map((c) => c.organisation_id));
  return calls.map((c) => ({ id: c.id, title: c.title, description: c.description, closesOn: c.closes_on, organisationName: orgs.get(c.organisation_id)?.name ?? '',
    organisationVerified: orgs.get(c.organisation_id)?.verified ?? false, organisationIdentifier: orgs.get(c.organisation_id)?.identifiers[0] ?? null, href: `/commissioning/open-calls/${c.id}` }));
}

/** An open call with its proposals: their titles are public; the full proposals only to its commissioners and proposers. */
export async function getOpenCall(db: Db, actor: Actor, id: string) {
  const call = isUuid(id) ? await repo.findOpenCall(db, id.toLowerCase()) : null;
  if (!call) throw new AppError('not_found', 'No open call has that id');
  const commissioner = await isCommissioner(db, actor, call.organisation_id);
  const mine = new Set(await actingOrganisations(db, actor));
  const proposals = await repo.listProposals(db, call);
  const orgs = await orgsById(db, [call.organisation_id, ...proposals.map((p) => p.proposer_organisation_id)]);
  return {
    id: call.id, title: call.title, description: call.description, closesOn: call.closes_on, open: !call.closes_on || call.closes_on >= new Date().toISOString().slice(0, 10),
    organisation: badgeOf(orgs.get(call.organisation_id), call.organisation_id),
    proposals: proposals.map((p) => {
      const full = commissioner || mine.has(p.proposer_organisation_id);
      return {
        id: p.id, title: p.title, proposer: orgs.get(p.proposer_organisation_id)?.name ?? '', proposerOrganisation: badgeOf(orgs.get(p.proposer_organisation_id), p.proposer_organisation_id), submittedAt: p.submitted_at.toISOString(),
        need: full ? p.need : null, proposal: full ? p.proposal : null, processHref: p.process_id ? `/commissioning/opportunities/${p.process_id}` : null,
      };
    }),
    you: { commissioner, signedIn: !!actor.userId, actingOrganisations: [...mine] },
  };
}

/** An early-stage or grassroots organisation proposes a need nobody has specified, and what it would do. */
export async function submitProposal(db: Db, actor: Actor, callId: string, input: { organisation?: unknown; title?: unknown; need?: unknown; proposal?: unknown }) {
  const check = new Checker();
  const orgRef = check.text(input.organisation, 'organisation', 'your organisation', { max: 200 });
  const title = check.text(input.title, 'title', 'a title', { max: 200 });
  const need = check.text(input.need, 'need', 'the need you have seen', { max: 5000 });
  const proposal = check.text(input.proposal, 'proposal', 'what you propose to do', { max: 5000 });
  check.done();
  return inTransaction(db, async (trx) => {
    const call = isUuid(callId) ? await repo.findOpenCall(trx, callId.toLowerCase()) : null;
    if (!call) throw new AppError('not_found', 'No open call has that id');
    if (call.closes_on && call.closes_on < new Date().toISOString().slice(0, 10)) throw new AppError('unprocessable', 'This open call has closed');
    const org = await getOrganisation(trx, orgRef);
    await requireProvider(trx, actor, org.id);
    const row = await repo.insertProposal(trx, { call, proposerId: org.id, title, need, proposal, submittedBy: actor.userId });
    await recordAudit(trx, actor, { action: 'commissioning.proposal.submitted', entityType: 'commissioning_proposal', entityId: row.id, organisationId: call.organisation_id, after: { title, proposer: org.id } });
    return { id: row.id, openCallId: call.id };
  });
}

/** The commissioner turns a proposal into a draft opportunity (one lot, suitable for small providers). */
export async function convertProposal(db: Db, actor: Actor, proposalId: string, input: { value?: unknown; valuePence?: unknown; bidDeadline?: unknown }) {
  const proposal = isUuid(proposalId) ? await repo.findProposal(db, proposalId.toLowerCase()) : null;
  if (!proposal) throw new AppError('not_found', 'No proposal has that id');
  await requireCommissioner(db, actor, proposal.organisation_id);
  if (proposal.process_id) throw new AppError('conflict', 'This proposal has already become an opportunity');
  return createProcess(db, actor, {
    organisation: proposal.organisation_id, title: proposal.title, description: `${proposal.need}\n\nProposed approach: ${proposal.proposal}`.slice(0, 5000),
    value: input.value, valuePence: input.valuePence, bidDeadline: input.bidDeadline,
    lots: [{ title: proposal.title, description: 'Raised through an open call.', valuePence: input.valuePence, value: input.value, suitableForSme: true, suitableForVcse: true }],
    criteria: [{ kind: 'quality', title: 'Quality of the approach', weight: 50 }, { kind: 'social-value', title: 'Social value', weight: 30 }, { kind: 'price', title: 'Price', weight: 20 }],
  }, { fromProposalId: proposal.id });
}

// ---------------------------------------------------------------------------------------------------------
// Open data

/** All releases for one ocid, as a release package. */
export async function releasePackageForOcid(db: Db, ocid: string, baseUrl: string) {
  const p = await repo.findProcessByOcid(db, ocid);
  const rows = p ? await repo.releasesOfOcid(db, ocid) : [];
  if (!p || rows.length === 0) throw new AppError('not_found', `No published contracting process has the ocid ${ocid}`);
  const publisher = await getOrganisation(db, p.organisation_id);
  return releasePackage({ uri: `${baseUrl}/api/v1/commissioning/ocds/releases/${encodeURIComponent(ocid)}.json`, publisher, releases: rows.map((r) => r.release as Record<string, unknown>) });
}

/** Every release a publisher has made (up to `limit`), oldest first, as one release package. */
export async function releasePackageForPublisher(db: Db, ref: string, baseUrl: string, limit = 10_000) {
  const publisher = await getOrganisation(db, ref);
  const rows = await repo.releasesOfPublisher(db, publisher.id, limit);
  return releasePackage({
    uri: `${baseUrl}/api/v1/commissioning/ocds/publishers/${publisher.slug}/releases.json`, publisher,
    releases: rows.map((r) => r.release as Record<string, unknown>), publishedDate: rows.length ? undefined : new Date(),
  });
}

/** The newest published releases for the feed. */
export async function latestReleases(db: Db, limit = 50) {
  const rows = await repo.latestReleases(db, limit);
  return rows.map((r) => ({ releaseId: r.release_id, organisationId: r.organisation_id, ocid: r.ocid, processId: r.process_id, tags: r.tags as string[], publishedAt: r.published_at, release: r.release as { tender?: { title?: string; description?: string }; buyer?: { name?: string } } }));
}

// ---------------------------------------------------------------------------------------------------------
// What other modules call

/** A contract as other modules see it: buyer, suppliers, value, dates and milestones. */
export interface ContractSummary {
  id: string;
  /** The contracting process's OCDS ocid; outcomes publishes its payments as implementation releases for it. */
  ocid: string;
  /** The buyer (the commissioning organisation). */
  organisationId: string;
  supplierOrganisationIds: string[];
  title: string;
  valuePence: number;
  startDate: string | null;
  endDate: string | null;
  href: string;
  milestones: { id: string; title: string; dueDate: string | null }[];
}

async function summarise(db: Db, contracts: repo.ContractRow[]): Promise<ContractSummary[]> {
  if (contracts.length === 0) return [];
  const milestones = await repo.milestonesOf(db, contracts.map((c) => c.id));
  const out: ContractSummary[] = [];
  for (const c of contracts) {
    const p = (await repo.findProcess(db, c.process_id))!;
    const award = (await repo.findAward(db, c.award_id))!;
    const members = await repo.bidMembers(db, [award.bid_id]);
    out.push({
      id: c.id, ocid: p.ocid, organisationId: c.organisation_id, supplierOrganisationIds: members.map((m) => m.member_organisation_id), title: c.title,
      valuePence: c.value_pence, startDate: c.start_date, endDate: c.end_date, href: `/commissioning/contracts/${c.id}`,
      milestones: milestones.filter((m) => m.contract_id === c.id).map((m) => ({ id: m.id, title: m.title, dueDate: m.due_date })),
    });
  }
  return out;
}

/** One contract's summary, or null when there is none with that id. */
export async function getContractSummary(db: Db, contractId: string): Promise<ContractSummary | null> {
  const c = isUuid(contractId) ? await repo.findContract(db, contractId.toLowerCase()) : null;
  return c ? (await summarise(db, [c]))[0] ?? null : null;
}

/** Contracts for a buyer and/or a supplier (lead or consortium member), newest first. */
export async function listContractSummaries(db: Db, filter: { organisationId?: string; supplierOrganisationId?: string }): Promise<ContractSummary[]> {
  if ((filter.organisationId && !isUuid(filter.organisationId)) || (filter.supplierOrganisationId && !isUuid(filter.supplierOrganisationId))) return [];
  return summarise(db, await repo.listContracts(db, { organisationId: filter.organisationId, supplierOrganisationId: filter.supplierOrganisationId }));
}
