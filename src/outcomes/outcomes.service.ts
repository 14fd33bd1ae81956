// Outcomes contracts: rate cards, payers, claims and their validation, payments, caps, comparison-group results
// and social investment. Named verbs; each change writes its audit row in the same transaction.
//
// Who may do what (organisation roles; site administrators and the command line may do everything):
// - the commissioner's organisation (the contract's organisation_id): `commissioner` or `admin` set up the
//   contract, its rate card, prices, payers, investors and comparison results; `finance` or `commissioner`
//   record payments.
// - the provider: `staff` or `admin` claim outcomes with evidence.
// - validation: `evaluator` in the metric's validator organisation (the commissioner's organisation when the
//   metric names none). A validator is independent: nobody in the provider may validate, nor anyone their own
//   claim. (Evaluator is the platform's role for judging evidence; it is kept apart from the paying role.)
// - investment cash flows: `admin` or `finance` of the provider (who draws and repays) or of the investor.
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { holdsRoleIn, requireOrganisationRole } from '../platform/auth/policy.ts';
import { organisationBadges, organisationNames, organisationsNamed, requireVerifiedPublicBody } from '../organisations/organisations.service.ts';
import { getContractSummary } from '../commissioning/commissioning.service.ts';
import * as repo from './outcomes.repository.ts';
import { publishOcdsRelease } from './outcomes.ocds.ts';
import { noticeClaimToValidate } from './outcomes.work.ts';
import { comparisonTrigger, splitByShares, xirr, poundsText, type CashFlow } from './outcomes.compute.ts';
import { checkDateOrder, readDate, readInteger, readParticipantRef, readPence, readUuid, uuidPattern } from './outcomes.input.ts';

const managers = ['admin', 'commissioner'] as const;
const payersRoles = ['finance', 'commissioner'] as const;
const claimants = ['admin', 'staff'] as const;
const validators = ['evaluator'] as const;
const money = ['admin', 'finance'] as const;

function authenticated(actor: Actor): void {
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
}

async function resolveOrganisation(db: Db, check: Checker, input: unknown, field: string, label: string, optional = false): Promise<string | null> {
  const ref = typeof input === 'string' ? input.trim() : '';
  if (!ref) {
    if (!optional) check.fail(field, `Enter ${label}’s registered name`);
    return null;
  }
  if (ref.length > 200) {
    check.fail(field, `${label.charAt(0).toUpperCase()}${label.slice(1)} must be 200 characters or fewer`);
    return null;
  }
  // By name (a form), or by id, identifier or address (the API and CLI); several of the same name are a choice.
  const found = await organisationsNamed(db, ref);
  if (found.exact) return found.exact.id;
  if (found.choices.length === 0) check.fail(field, `No organisation is registered as “${ref}”: check the name, or ask them to register`);
  else check.fail(field, `Several organisations match “${ref}”: choose one`);
  return null;
}

async function getContractRow(db: Db, id: string): Promise<repo.ContractRow> {
  const c = uuidPattern.test(id) ? await repo.findContract(db, id.toLowerCase()) : null;
  if (!c) throw new AppError('not_found', `No outcomes contract has the id ${id}`);
  return c;
}

/** True when the actor may see a contract's claims (participant references): its parties and validators. */
export async function isContractParty(db: Db, actor: Actor, contractId: string): Promise<boolean> {
  if (actor.isAdmin) return true;
  if (!actor.userId) return false;
  const c = await getContractRow(db, contractId);
  const metrics = await repo.metricsOf(db, c);
  const investors = await repo.investmentsOf(db, c);
  const orgs = [c.organisation_id, c.provider_organisation_id, ...metrics.flatMap((m) => (m.validator_organisation_id ? [m.validator_organisation_id] : [])), ...investors.map((i) => i.investor_organisation_id)];
  return holdsRoleIn(db, actor.userId, [...new Set(orgs)], ['admin', 'staff', 'commissioner', 'evaluator', 'finance']);
}

// ---- Presenters: the fields that leave ----

export interface ContractView {
  id: string; organisationId: string; title: string; description: string; targetPopulation: string;
  providerOrganisationId: string; commissioningContractId: string | null; startDate: string; endDate: string;
  capPence: number; personCapPence: number | null; validatedPence: number; paidPence: number;
}

export function presentContract(c: repo.ContractRow): ContractView {
  return {
    id: c.id, organisationId: c.organisation_id, title: c.title, description: c.description, targetPopulation: c.target_population,
    providerOrganisationId: c.provider_organisation_id, commissioningContractId: c.commissioning_contract_id, startDate: c.start_date, endDate: c.end_date,
    capPence: c.cap_pence, personCapPence: c.person_cap_pence, validatedPence: c.validated_pence, paidPence: c.paid_pence,
  };
}

export interface MetricView {
  id: string; code: string; name: string; definition: string; targetPopulation: string; validationMethod: string;
  evidenceRequired: string; validatorOrganisationId: string | null; resultType: 'interim' | 'final'; targetCount: number | null;
  /** The linked commissioning contract's milestone this outcome's payments meet, if any. */
  commissioningMilestoneId: string | null;
  prices: { effectiveFrom: string; pricePence: number; note: string }[];
}

function presentMetric(m: repo.MetricRow, prices: repo.PriceRow[]): MetricView {
  return {
    id: m.id, code: m.code, name: m.name, definition: m.definition, targetPopulation: m.target_population, validationMethod: m.validation_method,
    evidenceRequired: m.evidence_required, validatorOrganisationId: m.validator_organisation_id, resultType: m.result_type, targetCount: m.target_count,
    commissioningMilestoneId: m.commissioning_milestone_id,
    prices: prices.filter((p) => p.metric_id === m.id).map((p) => ({ effectiveFrom: p.effective_from, pricePence: p.price_pence, note: p.note })),
  };
}

export interface ClaimView {
  id: string; contractId: string; metricId: string; participantRef: string; achievedOn: string; evidence: string; amountPence: number;
  status: 'claimed' | 'accepted' | 'rejected'; claimedAt: string; decidedAt: string | null; decisionReason: string | null; paymentId: string | null;
}

export function presentClaim(c: repo.ClaimRow): ClaimView {
  return {
    id: c.id, contractId: c.contract_id, metricId: c.metric_id, participantRef: c.participant_ref, achievedOn: c.achieved_on, evidence: c.evidence,
    amountPence: c.amount_pence, status: c.status, claimedAt: c.claimed_at.toISOString(), decidedAt: c.decided_at?.toISOString() ?? null,
    decisionReason: c.decision_reason, paymentId: c.payment_id,
  };
}

export interface PaymentView {
  id: string; contractId: string; paidOn: string; amountPence: number; reference: string; claimIds: string[];
  byPayer: { payerOrganisationId: string; pence: number }[];
}

// ---- Contracts ----

export interface ContractInput {
  organisation?: unknown; provider?: unknown; title?: unknown; description?: unknown; targetPopulation?: unknown;
  startDate?: unknown; endDate?: unknown; capPence?: unknown; personCapPence?: unknown; commissioningContractId?: unknown;
  /** The caps in pounds as people type them ("250,000" or "1,250.50"), instead of pence (the page sends these). */
  capPounds?: unknown; personCapPounds?: unknown;
}

/**
 * Opens an outcomes contract for a commissioner (`commissioner` or `admin` of `organisation`). It stands alone;
 * `commissioningContractId` optionally links it to a commissioning contract (no foreign key: read through
 * commissioning's public functions). The contract cap and the per-person cap are in integer pence.
 */
export async function createContract(db: Db, actor: Actor, input: ContractInput): Promise<ContractView> {
  authenticated(actor);
  const check = new Checker();
  const organisationId = await resolveOrganisation(db, check, input.organisation, 'organisation', 'the commissioning organisation');
  const providerId = await resolveOrganisation(db, check, input.provider, 'provider', 'the provider');
  const title = check.text(input.title, 'title', 'a title', { max: 200 });
  const description = check.text(input.description, 'description', 'a description', { max: 4000, optional: true });
  const targetPopulation = check.text(input.targetPopulation, 'targetPopulation', 'the target population', { max: 1000, optional: true });
  const startDate = readDate(check, input.startDate, 'startDate', 'the start date');
  const endDate = readDate(check, input.endDate, 'endDate', 'the end date');
  checkDateOrder(check, startDate, endDate, 'endDate', 'The end date must be on or after the start date');
  const capPence = input.capPounds !== undefined
    ? readPence(check, input.capPounds, 'capPounds', 'the contract cap', { pounds: true })
    : readPence(check, input.capPence, 'capPence', 'the contract cap');
  const personCapPence = input.personCapPounds !== undefined
    ? readPence(check, input.personCapPounds, 'personCapPounds', 'the cap per person', { optional: true, pounds: true })
    : readPence(check, input.personCapPence, 'personCapPence', 'the cap per person', { optional: true });
  const commissioningContractId = readUuid(check, input.commissioningContractId, 'commissioningContractId', 'the commissioning contract', { optional: true });
  if (organisationId && providerId && organisationId === providerId) check.fail('provider', 'The provider must be another organisation than the commissioner');
  if (capPence && personCapPence && personCapPence > capPence) check.fail(input.personCapPounds !== undefined ? 'personCapPounds' : 'personCapPence', 'The cap per person cannot be more than the contract cap');
  if (commissioningContractId && !(await getContractSummary(db, commissioningContractId))) check.fail('commissioningContractId', 'No commissioning contract has that id');
  check.done();
  return inTransaction(db, async (trx) => {
    await requireOrganisationRole(trx, actor, organisationId!, managers);
    // An outcomes contract is public in its commissioner's name: only a verified public body opens one.
    await requireVerifiedPublicBody(trx, organisationId!, 'publish outcomes contracts');
    const row = await repo.insertContract(trx, {
      organisation_id: organisationId!, provider_organisation_id: providerId!, title, description, target_population: targetPopulation,
      start_date: startDate!, end_date: endDate!, cap_pence: capPence!, person_cap_pence: personCapPence, commissioning_contract_id: commissioningContractId,
      created_by: actor.userId,
    });
    // The commissioner pays all until payers are set.
    await repo.replacePayers(trx, row, [{ payerOrganisationId: row.organisation_id, shareBasisPoints: 10000 }]);
    const view = presentContract(row);
    const releaseId = await publishOcdsRelease(trx, row);
    await recordAudit(trx, actor, { action: 'outcomes.contract.created', entityType: 'outcome_contract', entityId: row.id, organisationId: row.organisation_id, after: { ...view, releaseId } });
    return view;
  });
}

export async function getContract(db: Db, id: string): Promise<ContractView> {
  return presentContract(await getContractRow(db, id));
}

export async function listContracts(db: Db, filter: { organisationId?: string; providerOrganisationId?: string; commissioningContractId?: string } = {}): Promise<ContractView[]> {
  return (await repo.listContracts(db, filter)).map(presentContract);
}

/** Links (or unlinks, with null) a commissioning contract; the commissioner's managers may. */
export async function linkCommissioningContract(db: Db, actor: Actor, contractId: string, commissioningContractId: unknown): Promise<ContractView> {
  authenticated(actor);
  const check = new Checker();
  const link = readUuid(check, commissioningContractId, 'commissioningContractId', 'the commissioning contract', { optional: true });
  if (link && !(await getContractSummary(db, link))) check.fail('commissioningContractId', 'No commissioning contract has that id');
  check.done();
  return inTransaction(db, async (trx) => {
    const c = await getContractRow(trx, contractId);
    await requireOrganisationRole(trx, actor, c.organisation_id, managers);
    // Locked first: the release minted below takes this lock, and taking it after writing rows that reference
    // the contract (which hold a key-share lock on it) could deadlock two writers.
    await repo.lockContract(trx, c);
    const row = await repo.setCommissioningLink(trx, c, link);
    const releaseId = await publishOcdsRelease(trx, row);
    await recordAudit(trx, actor, { action: 'outcomes.contract.linked', entityType: 'outcome_contract', entityId: c.id, organisationId: c.organisation_id, before: { commissioningContractId: c.commissioning_contract_id }, after: { commissioningContractId: link, releaseId } });
    return presentContract(row);
  });
}

/**
 * Sets the contract's outcome payers and their shares in basis points (all at once; they must add up to
 * 10000, e.g. the council 8000 and a central top-up fund 2000).
 */
export async function setPayers(db: Db, actor: Actor, contractId: string, input: { payers?: unknown }): Promise<{ payerOrganisationId: string; shareBasisPoints: number }[]> {
  authenticated(actor);
  const check = new Checker();
  const list = Array.isArray(input.payers) ? input.payers : [];
  if (list.length < 1 || list.length > 20) check.fail('payers', 'Give between 1 and 20 payers');
  const payers: { payerOrganisationId: string; shareBasisPoints: number }[] = [];
  for (const [i, p] of list.entries()) {
    const x = (p ?? {}) as { organisation?: unknown; shareBasisPoints?: unknown };
    const id = await resolveOrganisation(db, check, x.organisation, `payers.${i}.organisation`, `payer ${i + 1}`);
    const share = readInteger(check, x.shareBasisPoints, `payers.${i}.shareBasisPoints`, `payer ${i + 1}’s share in basis points`, { min: 1, max: 10000 });
    if (id && share) payers.push({ payerOrganisationId: id, shareBasisPoints: share });
  }
  if (new Set(payers.map((p) => p.payerOrganisationId)).size !== payers.length) check.fail('payers', 'Name each payer once');
  if (payers.length === list.length && list.length && payers.reduce((s, p) => s + p.shareBasisPoints, 0) !== 10000) {
    check.fail('payers', `The payers’ shares must add up to 10000 basis points (100%); they add up to ${payers.reduce((s, p) => s + p.shareBasisPoints, 0)}`);
  }
  check.done();
  return inTransaction(db, async (trx) => {
    const c = await getContractRow(trx, contractId);
    await requireOrganisationRole(trx, actor, c.organisation_id, managers);
    await repo.lockContract(trx, c); // before the writes: see linkCommissioningContract
    const before = await repo.payersOf(trx, c);
    await repo.replacePayers(trx, c, payers);
    const releaseId = await publishOcdsRelease(trx, c);
    await recordAudit(trx, actor, { action: 'outcomes.payers.set', entityType: 'outcome_contract', entityId: c.id, organisationId: c.organisation_id, before, after: { payers, releaseId } });
    return payers;
  });
}

export interface MetricInput {
  code?: unknown; name?: unknown; definition?: unknown; targetPopulation?: unknown; validationMethod?: unknown;
  evidenceRequired?: unknown; validator?: unknown; resultType?: unknown; targetCount?: unknown; pricePence?: unknown; priceFrom?: unknown;
  commissioningMilestoneId?: unknown;
}

/** Adds an outcome metric to the rate card with its first price (in effect from `priceFrom`, default the start). */
export async function addMetric(db: Db, actor: Actor, contractId: string, input: MetricInput): Promise<MetricView> {
  authenticated(actor);
  const c = await getContractRow(db, contractId);
  const check = new Checker();
  const code = check.text(input.code, 'code', 'a short code for the outcome, like O1', { max: 20 });
  if (code && !/^[A-Za-z0-9._-]{1,20}$/.test(code)) check.fail('code', 'The code must be letters, digits, dots, dashes or underscores');
  const name = check.text(input.name, 'name', 'the outcome’s name', { max: 200 });
  const definition = check.text(input.definition, 'definition', 'when the outcome counts as achieved', { max: 2000 });
  const targetPopulation = check.text(input.targetPopulation, 'targetPopulation', 'the target population', { max: 1000, optional: true });
  const validationMethod = check.text(input.validationMethod, 'validationMethod', 'how the outcome is validated', { max: 1000 });
  const evidenceRequired = check.text(input.evidenceRequired, 'evidenceRequired', 'the evidence required', { max: 1000 });
  const validatorId = await resolveOrganisation(db, check, input.validator, 'validator', 'the validating organisation', true);
  const resultType = check.oneOf(input.resultType ?? 'final', 'resultType', 'interim or final', ['interim', 'final'] as const);
  const targetCount = readInteger(check, input.targetCount, 'targetCount', 'the target number of outcomes', { min: 0, max: 10_000_000, optional: true });
  const pricePence = readPence(check, input.pricePence, 'pricePence', 'the price per outcome');
  const priceFrom = readDate(check, input.priceFrom, 'priceFrom', 'the date the price applies from', { optional: true }) ?? c.start_date;
  const milestone = check.text(input.commissioningMilestoneId, 'commissioningMilestoneId', 'the commissioning milestone', { max: 100, optional: true }) || null;
  if (validatorId && validatorId === c.provider_organisation_id) check.fail('validator', 'The provider cannot validate its own outcomes: choose an independent organisation');
  check.done();
  return inTransaction(db, async (trx) => {
    await requireOrganisationRole(trx, actor, c.organisation_id, managers);
    await repo.lockContract(trx, c); // before the writes: see linkCommissioningContract
    if (await repo.findMetric(trx, c, code)) throw AppError.validation([{ field: 'code', message: `This contract already has an outcome with the code ${code}` }]);
    const m = await repo.insertMetric(trx, {
      organisation_id: c.organisation_id, contract_id: c.id, code, name, definition, target_population: targetPopulation,
      validation_method: validationMethod, evidence_required: evidenceRequired, validator_organisation_id: validatorId, result_type: resultType, target_count: targetCount,
      commissioning_milestone_id: milestone,
    });
    const price = await repo.upsertPrice(trx, { organisation_id: c.organisation_id, contract_id: c.id, metric_id: m.id, effective_from: priceFrom, price_pence: pricePence!, note: 'Price at contract award', agreed_by: actor.userId });
    const view = presentMetric(m, [price]);
    const releaseId = await publishOcdsRelease(trx, c);
    await recordAudit(trx, actor, { action: 'outcomes.metric.added', entityType: 'outcome_metric', entityId: m.id, organisationId: c.organisation_id, after: { ...view, releaseId } });
    return view;
  });
}

/** Records a price change agreed over time: outcomes achieved on or after `effectiveFrom` are paid at it. */
export async function agreePrice(db: Db, actor: Actor, contractId: string, metricRef: string, input: { pricePence?: unknown; effectiveFrom?: unknown; note?: unknown }): Promise<MetricView> {
  authenticated(actor);
  const c = await getContractRow(db, contractId);
  const check = new Checker();
  const pricePence = readPence(check, input.pricePence, 'pricePence', 'the new price per outcome');
  const effectiveFrom = readDate(check, input.effectiveFrom, 'effectiveFrom', 'the date the price applies from');
  const note = check.text(input.note, 'note', 'why the price changed', { max: 500 });
  check.done();
  return inTransaction(db, async (trx) => {
    await requireOrganisationRole(trx, actor, c.organisation_id, managers);
    const m = await repo.findMetric(trx, c, metricRef);
    if (!m) throw new AppError('not_found', `This contract has no outcome ${metricRef}`);
    await repo.upsertPrice(trx, { organisation_id: c.organisation_id, contract_id: c.id, metric_id: m.id, effective_from: effectiveFrom!, price_pence: pricePence!, note, agreed_by: actor.userId });
    const view = presentMetric(m, await repo.pricesOf(trx, c));
    await recordAudit(trx, actor, { action: 'outcomes.price.agreed', entityType: 'outcome_metric', entityId: m.id, organisationId: c.organisation_id, after: { effectiveFrom, pricePence, note } });
    return view;
  });
}

export async function rateCard(db: Db, contractId: string): Promise<MetricView[]> {
  const c = await getContractRow(db, contractId);
  const prices = await repo.pricesOf(db, c);
  return (await repo.metricsOf(db, c)).map((m) => presentMetric(m, prices));
}

// ---- Claims and validation ----

/**
 * The provider claims an outcome for a participant (a pseudonymous reference), with evidence. The amount is
 * the price in effect on the day it was achieved. Refused: a participant already claimed (and not rejected)
 * or paid for that outcome (409); an outcome outside the contract's dates, or one the caps leave no room for (422).
 */
export async function claimOutcome(db: Db, actor: Actor, contractId: string, input: { metric?: unknown; participantRef?: unknown; achievedOn?: unknown; evidence?: unknown }, options: { baseUrl?: string } = {}): Promise<ClaimView> {
  authenticated(actor);
  const c = await getContractRow(db, contractId);
  const check = new Checker();
  const metricRef = check.text(input.metric, 'metric', 'the outcome claimed', { max: 40 });
  const participantRef = readParticipantRef(check, input.participantRef);
  const achievedOn = readDate(check, input.achievedOn, 'achievedOn', 'the date the outcome was achieved');
  const evidence = check.text(input.evidence, 'evidence', 'the evidence', { max: 2000 });
  if (achievedOn && (achievedOn < c.start_date || achievedOn > c.end_date)) check.fail('achievedOn', `The outcome must be achieved within the contract, ${c.start_date} to ${c.end_date}`);
  check.done();
  try {
    return await inTransaction(db, async (trx) => {
      await requireOrganisationRole(trx, actor, c.provider_organisation_id, claimants);
      const m = await repo.findMetric(trx, c, metricRef);
      if (!m) throw AppError.validation([{ field: 'metric', message: `This contract has no outcome ${metricRef}` }]);
      const price = await repo.priceOn(trx, m, achievedOn!);
      if (!price) throw AppError.validation([{ field: 'achievedOn', message: `No price for ${m.code} was in effect on ${achievedOn}` }]);
      const room = c.cap_pence - c.validated_pence;
      if (price.price_pence > room) throw new AppError('unprocessable', `The contract cap leaves ${poundsText(Math.max(0, room))}; this outcome is priced ${poundsText(price.price_pence)}`);
      if (c.person_cap_pence !== null) {
        const left = c.person_cap_pence - (await repo.participantTotal(trx, c, participantRef));
        if (price.price_pence > left) throw new AppError('unprocessable', `The cap per person leaves ${poundsText(Math.max(0, left))} for ${participantRef}; this outcome is priced ${poundsText(price.price_pence)}`);
      }
      const row = await repo.insertClaim(trx, {
        organisation_id: c.organisation_id, contract_id: c.id, metric_id: m.id, participant_ref: participantRef, achieved_on: achievedOn!,
        evidence, amount_pence: price.price_pence, claimed_by: actor.userId, payment_id: null, decided_by: null, decided_at: null, decision_reason: null,
      });
      const view = presentClaim(row);
      await recordAudit(trx, actor, { action: 'outcomes.claim.made', entityType: 'outcome_claim', entityId: row.id, organisationId: c.organisation_id, after: view });
      await noticeClaimToValidate(trx, {
        contractId: c.id, contractTitle: c.title, providerOrganisationId: c.provider_organisation_id, validatorOrganisationId: m.validator_organisation_id ?? c.organisation_id,
        code: m.code, participantRef, claimedBy: actor.userId,
      }, options.baseUrl ?? '');
      return view;
    });
  } catch (error) {
    const e = error as { code?: string; constraint?: string; message?: string };
    if (e.code === '23505' && /outcome_claims_once/.test(`${e.constraint ?? ''} ${e.message ?? ''}`)) {
      throw new AppError('conflict', `${participantRef} has already been claimed for ${metricRef} on this contract (a claim is refused while an earlier one is pending, accepted or paid)`, { cause: error });
    }
    throw error;
  }
}

/** Why a decision on a claim may not be taken by this person; null if they may. */
async function validatorProblem(db: Db, actor: Actor, c: repo.ContractRow, m: repo.MetricRow, claim: repo.ClaimRow): Promise<void> {
  if (actor.isAdmin) return;
  if (claim.claimed_by && claim.claimed_by === actor.userId) throw new AppError('forbidden', 'You made this claim: someone independent must validate it');
  if (await holdsRoleIn(db, actor.userId!, [c.provider_organisation_id], ['admin', 'staff', 'commissioner', 'evaluator', 'finance'])) {
    throw new AppError('forbidden', 'Nobody in the provider may validate its own claims');
  }
  await requireOrganisationRole(db, actor, m.validator_organisation_id ?? c.organisation_id, validators);
}

/**
 * A validator accepts or rejects a claim, with a reason (required to reject). Accepting makes it a payment due
 * and adds it to the contract's and the participant's validated totals, under a lock on the contract, so the
 * caps hold however many validators act at once; the database's CHECK constraints refuse any excess too.
 */
export async function decideClaim(db: Db, actor: Actor, claimId: string, input: { decision?: unknown; reason?: unknown }): Promise<ClaimView> {
  authenticated(actor);
  const check = new Checker();
  const decision = check.oneOf(input.decision, 'decision', 'accept or reject', ['accept', 'reject'] as const);
  const reason = check.text(input.reason, 'reason', 'the reason for the decision', { max: 1000, optional: decision === 'accept' });
  check.done();
  const found = uuidPattern.test(claimId) ? await repo.findClaim(db, claimId.toLowerCase()) : null;
  if (!found) throw new AppError('not_found', `No claim has the id ${claimId}`);
  try {
    return await inTransaction(db, async (trx) => {
      // Who may decide is settled before the lock is taken, so the contract's lock is held only for the write.
      const unlocked = (await repo.findContract(trx, found.contract_id))!;
      await validatorProblem(trx, actor, unlocked, (await repo.findMetric(trx, unlocked, found.metric_id))!, found);
      const c = await repo.lockContract(trx, unlocked);
      const claim = await repo.lockClaim(trx, found);
      if (claim.status !== 'claimed') throw new AppError('conflict', `This claim was already ${claim.status}`);
      if (decision === 'accept') {
        const room = c.cap_pence - c.validated_pence;
        if (claim.amount_pence > room) throw new AppError('unprocessable', `Accepting would exceed the contract cap: ${poundsText(Math.max(0, room))} left, the claim is ${poundsText(claim.amount_pence)}. Reject it with that reason.`);
        if (c.person_cap_pence !== null) {
          const left = c.person_cap_pence - (await repo.participantTotal(trx, c, claim.participant_ref));
          if (claim.amount_pence > left) throw new AppError('unprocessable', `Accepting would exceed the cap per person for ${claim.participant_ref}: ${poundsText(Math.max(0, left))} left. Reject it with that reason.`);
        }
        await repo.addToContractTotals(trx, c, { validated: claim.amount_pence });
        await repo.addToParticipant(trx, c, claim.participant_ref, claim.amount_pence);
      }
      const row = await repo.decideClaim(trx, claim, { status: decision === 'accept' ? 'accepted' : 'rejected', decidedBy: actor.userId, reason: reason || null });
      const view = presentClaim(row);
      await recordAudit(trx, actor, { action: `outcomes.claim.${row.status}`, entityType: 'outcome_claim', entityId: row.id, organisationId: c.organisation_id, before: { status: claim.status }, after: { status: row.status, reason: row.decision_reason } });
      return view;
    });
  } catch (error) {
    const e = error as { code?: string; constraint?: string; message?: string };
    if (e.code === '23514' && /within_cap/.test(`${e.constraint ?? ''} ${e.message ?? ''}`)) {
      // The database's own cap check: unreachable while the lock holds, kept as a refusal if it ever did not.
      throw new AppError('unprocessable', 'Accepting would exceed a cap', { cause: error });
    }
    throw error;
  }
}

export async function listClaims(db: Db, actor: Actor, contractId: string, filter: { status?: unknown } = {}): Promise<ClaimView[]> {
  const c = await getContractRow(db, contractId);
  if (!(await isContractParty(db, actor, c.id))) {
    throw new AppError(actor.userId ? 'forbidden' : 'unauthenticated', 'Only the contract’s parties and validators can see its claims');
  }
  const status = ['claimed', 'accepted', 'rejected'].includes(String(filter.status)) ? (filter.status as 'claimed' | 'accepted' | 'rejected') : undefined;
  return (await repo.claimsOf(db, c, { status })).map(presentClaim);
}

// ---- Payments ----

async function presentPayments(db: Db, c: repo.ContractRow, rows: repo.PaymentRow[]): Promise<PaymentView[]> {
  const claims = await repo.paymentClaimIds(db, c);
  const payers = (await repo.payersOf(db, c)).map((p) => ({ payerOrganisationId: p.payer_organisation_id, shareBasisPoints: p.share_basis_points }));
  return rows.map((p) => ({
    id: p.id, contractId: p.contract_id, paidOn: p.paid_on, amountPence: p.amount_pence, reference: p.reference, claimIds: claims.get(p.id) ?? [],
    byPayer: splitByShares(p.amount_pence, payers).map((x) => ({ payerOrganisationId: x.payerOrganisationId, pence: x.pence })),
  }));
}

/**
 * Records a payment of accepted claims (`finance` or `commissioner` of the commissioner). Its amount is the sum
 * of those claims, each paid once; the database checks at commit that a payment equals the claims it pays.
 */
export async function recordPayment(db: Db, actor: Actor, contractId: string, input: { claimIds?: unknown; paidOn?: unknown; reference?: unknown }): Promise<PaymentView> {
  authenticated(actor);
  const check = new Checker();
  const ids = Array.isArray(input.claimIds) ? input.claimIds : typeof input.claimIds === 'string' ? [input.claimIds] : [];
  if (ids.length < 1 || ids.length > 5000) check.fail('claimIds', 'Choose between 1 and 5000 accepted claims to pay');
  const claimIds = [...new Set(ids.map((x, i) => readUuid(check, x, `claimIds.${i}`, `claim ${i + 1}`)).filter((x): x is string => !!x))];
  const paidOn = readDate(check, input.paidOn, 'paidOn', 'the date paid');
  const reference = check.text(input.reference, 'reference', 'the payment reference', { max: 200, optional: true });
  check.done();
  return inTransaction(db, async (trx) => {
    const c = await repo.lockContract(trx, await getContractRow(trx, contractId));
    await requireOrganisationRole(trx, actor, c.organisation_id, payersRoles);
    const due = new Map((await repo.dueClaimsByIds(trx, c, claimIds)).map((x) => [x.id, x]));
    const missing = claimIds.filter((id) => !due.has(id));
    if (missing.length) throw new AppError('conflict', `Not accepted and unpaid on this contract: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
    const amount = claimIds.reduce((s, id) => s + due.get(id)!.amount_pence, 0);
    const p = await repo.insertPayment(trx, { organisation_id: c.organisation_id, contract_id: c.id, paid_on: paidOn!, amount_pence: amount, reference, recorded_by: actor.userId });
    const marked = await repo.markPaid(trx, c, claimIds, p.id);
    if (marked !== claimIds.length) throw new AppError('conflict', 'Some of those claims were paid meanwhile: try again');
    await repo.addToContractTotals(trx, c, { paid: amount });
    const [view] = await presentPayments(trx, c, [p]);
    const releaseId = await publishOcdsRelease(trx, c);
    await recordAudit(trx, actor, { action: 'outcomes.payment.recorded', entityType: 'outcome_payment', entityId: p.id, organisationId: c.organisation_id, after: { ...view, releaseId } });
    return view!;
  });
}

export async function listPayments(db: Db, contractId: string): Promise<PaymentView[]> {
  const c = await getContractRow(db, contractId);
  return presentPayments(db, c, await repo.paymentsOf(db, c));
}

export interface LedgerView {
  contractId: string; capPence: number; personCapPence: number | null;
  claimedPence: number; pendingPence: number; validatedPence: number; rejectedPence: number; paidPence: number; duePence: number; capLeftPence: number;
  claims: number;
  byMetric: { metricId: string; code: string; name: string; resultType: string; targetCount: number | null; claimed: number; accepted: number; paid: number; acceptedPence: number; paidPence: number }[];
  byPayer: { payerOrganisationId: string; shareBasisPoints: number; paidPence: number }[];
}

/** The contract's payment ledger: claimed, validated, paid, due and the cap left, read from the claims. */
export async function ledger(db: Db, contractId: string): Promise<LedgerView> {
  const c = await getContractRow(db, contractId);
  const [sums, byMetric, metrics, payers] = [await repo.claimSums(db, c), await repo.resultsByMetric(db, c), await repo.metricsOf(db, c), await repo.payersOf(db, c)];
  const counts = new Map(byMetric.map((r) => [r.metric_id, r]));
  const split = splitByShares(sums.paid, payers.map((p) => ({ payerOrganisationId: p.payer_organisation_id, shareBasisPoints: p.share_basis_points })));
  return {
    contractId: c.id, capPence: c.cap_pence, personCapPence: c.person_cap_pence,
    claimedPence: sums.claimed, pendingPence: sums.pending, validatedPence: sums.accepted, rejectedPence: sums.rejected, paidPence: sums.paid,
    duePence: sums.accepted - sums.paid, capLeftPence: c.cap_pence - sums.accepted, claims: sums.claims,
    byMetric: metrics.map((m) => {
      const r = counts.get(m.id);
      return { metricId: m.id, code: m.code, name: m.name, resultType: m.result_type, targetCount: m.target_count, claimed: r?.claimed ?? 0, accepted: r?.accepted ?? 0, paid: r?.paid ?? 0, acceptedPence: r?.accepted_pence ?? 0, paidPence: r?.paid_pence ?? 0 };
    }),
    byPayer: split.map((p) => ({ payerOrganisationId: p.payerOrganisationId, shareBasisPoints: p.shareBasisPoints, paidPence: p.pence })),
  };
}

// ---- Comparison groups ----

export interface ComparisonView {
  id: string; measure: string; periodStart: string; periodEnd: string; cohortSize: number; cohortEvents: number; comparisonSize: number; comparisonEvents: number;
  better: 'lower' | 'higher'; thresholdBasisPoints: number; source: string;
  cohortRateBasisPoints: number; comparisonRateBasisPoints: number; improvementBasisPoints: number | null; triggerMet: boolean;
}

function presentComparison(r: repo.ComparisonRow): ComparisonView {
  const result = comparisonTrigger({ cohortSize: r.cohort_size, cohortEvents: r.cohort_events, comparisonSize: r.comparison_size, comparisonEvents: r.comparison_events, better: r.better, thresholdBasisPoints: r.threshold_basis_points });
  return {
    id: r.id, measure: r.measure, periodStart: r.period_start, periodEnd: r.period_end, cohortSize: r.cohort_size, cohortEvents: r.cohort_events,
    comparisonSize: r.comparison_size, comparisonEvents: r.comparison_events, better: r.better, thresholdBasisPoints: r.threshold_basis_points, source: r.source, ...result,
  };
}

/**
 * Records a cohort's and its comparison group's figures for one period (e.g. reconvictions among 1,000 people
 * released, against a matched group) and computes whether the payment trigger is met. `commissioner`,
 * `evaluator` or `admin` of the commissioner.
 */
export async function recordComparison(db: Db, actor: Actor, contractId: string, input: Record<string, unknown>): Promise<ComparisonView> {
  authenticated(actor);
  const check = new Checker();
  const measure = check.text(input.measure, 'measure', 'what is measured, like “reconviction events”', { max: 200 });
  const periodStart = readDate(check, input.periodStart, 'periodStart', 'the start of the period');
  const periodEnd = readDate(check, input.periodEnd, 'periodEnd', 'the end of the period');
  checkDateOrder(check, periodStart, periodEnd, 'periodEnd', 'The period must end on or after it starts');
  const big = { min: 1, max: 100_000_000 };
  const cohortSize = readInteger(check, input.cohortSize, 'cohortSize', 'the cohort’s size', big);
  const cohortEvents = readInteger(check, input.cohortEvents, 'cohortEvents', 'the cohort’s count', { min: 0, max: 100_000_000 });
  const comparisonSize = readInteger(check, input.comparisonSize, 'comparisonSize', 'the comparison group’s size', big);
  const comparisonEvents = readInteger(check, input.comparisonEvents, 'comparisonEvents', 'the comparison group’s count', { min: 0, max: 100_000_000 });
  const better = check.oneOf(input.better, 'better', 'whether lower or higher is better', ['lower', 'higher'] as const);
  const threshold = readInteger(check, input.thresholdBasisPoints, 'thresholdBasisPoints', 'the improvement required, in basis points', { min: 0, max: 10000 });
  const source = check.text(input.source, 'source', 'the source', { max: 500, optional: true });
  if (cohortSize !== null && cohortEvents !== null && cohortEvents > cohortSize) check.fail('cohortEvents', 'The cohort’s count cannot be more than its size');
  if (comparisonSize !== null && comparisonEvents !== null && comparisonEvents > comparisonSize) check.fail('comparisonEvents', 'The comparison group’s count cannot be more than its size');
  check.done();
  return inTransaction(db, async (trx) => {
    const c = await getContractRow(trx, contractId);
    await requireOrganisationRole(trx, actor, c.organisation_id, ['admin', 'commissioner', 'evaluator']);
    const row = await repo.insertComparison(trx, {
      organisation_id: c.organisation_id, contract_id: c.id, measure, period_start: periodStart!, period_end: periodEnd!, cohort_size: cohortSize!, cohort_events: cohortEvents!,
      comparison_size: comparisonSize!, comparison_events: comparisonEvents!, better, threshold_basis_points: threshold!, source, recorded_by: actor.userId,
    });
    const view = presentComparison(row);
    await recordAudit(trx, actor, { action: 'outcomes.comparison.recorded', entityType: 'outcome_comparison', entityId: row.id, organisationId: c.organisation_id, after: view });
    return view;
  });
}

export async function listComparisons(db: Db, contractId: string): Promise<ComparisonView[]> {
  const c = await getContractRow(db, contractId);
  return (await repo.comparisonsOf(db, c)).map(presentComparison);
}

// ---- Social investment ----

export interface InvestmentView {
  id: string; investorOrganisationId: string; investmentType: string; committedPence: number; drawnPence: number; repaidPence: number;
  /** Annual IRR from the investor's dated flows (drawdowns out, repayments in); null until there is one. */
  irr: number | null;
}

/** Adds an investor and their commitment (`commissioner` or `admin` of the commissioner records the deal). */
export async function addInvestment(db: Db, actor: Actor, contractId: string, input: { investor?: unknown; committedPence?: unknown; investmentType?: unknown }): Promise<InvestmentView> {
  authenticated(actor);
  const check = new Checker();
  const investorId = await resolveOrganisation(db, check, input.investor, 'investor', 'the investor');
  const committed = readPence(check, input.committedPence, 'committedPence', 'the amount committed');
  const type = check.oneOf(input.investmentType ?? 'debt', 'investmentType', 'debt, equity or a combination', ['debt', 'equity', 'combination'] as const);
  check.done();
  try {
    return await inTransaction(db, async (trx) => {
      const c = await getContractRow(trx, contractId);
      await requireOrganisationRole(trx, actor, c.organisation_id, managers);
      const row = await repo.insertInvestment(trx, { organisation_id: c.organisation_id, contract_id: c.id, investor_organisation_id: investorId!, committed_pence: committed!, investment_type: type });
      const view: InvestmentView = { id: row.id, investorOrganisationId: row.investor_organisation_id, investmentType: row.investment_type, committedPence: row.committed_pence, drawnPence: 0, repaidPence: 0, irr: null };
      await recordAudit(trx, actor, { action: 'outcomes.investment.added', entityType: 'outcome_investment', entityId: row.id, organisationId: c.organisation_id, after: view });
      return view;
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new AppError('conflict', 'That investor already has a commitment on this contract', { cause: error });
    throw error;
  }
}

/**
 * Records money moving between an investor and the project: a drawdown (investor to project, never beyond the
 * commitment: checked under a lock and by the database) or a repayment (project to investor, from outcome
 * payments). `admin` or `finance` of the provider or of the investor.
 */
export async function recordInvestmentFlow(db: Db, actor: Actor, investmentId: string, input: { kind?: unknown; on?: unknown; amountPence?: unknown; note?: unknown }): Promise<{ id: string; investmentId: string; kind: string; on: string; amountPence: number; note: string }> {
  authenticated(actor);
  const check = new Checker();
  const kind = check.oneOf(input.kind, 'kind', 'drawdown or repayment', ['drawdown', 'repayment'] as const);
  const on = readDate(check, input.on, 'on', 'the date');
  const amount = readPence(check, input.amountPence, 'amountPence', 'the amount');
  const note = check.text(input.note, 'note', 'a note', { max: 500, optional: true });
  check.done();
  const found = uuidPattern.test(investmentId) ? await repo.findInvestment(db, investmentId.toLowerCase()) : null;
  if (!found) throw new AppError('not_found', `No investment has the id ${investmentId}`);
  try {
    return await inTransaction(db, async (trx) => {
      const c = await repo.lockContract(trx, (await repo.findContract(trx, found.contract_id))!);
      if (!actor.isAdmin && !(await holdsRoleIn(trx, actor.userId!, [c.provider_organisation_id, found.investor_organisation_id], money))) {
        throw new AppError('forbidden', 'You need to be an administrator or finance officer of the provider or of the investor');
      }
      const inv = (await repo.findInvestment(trx, found.id))!;
      if (kind === 'drawdown') {
        if (inv.drawn_pence + amount! > inv.committed_pence) throw new AppError('unprocessable', `That would draw beyond the commitment: ${poundsText(inv.committed_pence - inv.drawn_pence)} undrawn`);
        await repo.addDrawn(trx, inv, amount!);
      }
      const row = await repo.insertFlow(trx, { organisation_id: c.organisation_id, contract_id: c.id, investment_id: inv.id, kind, flow_on: on!, amount_pence: amount!, note, recorded_by: actor.userId });
      const view = { id: row.id, investmentId: inv.id, kind: row.kind, on: row.flow_on, amountPence: row.amount_pence, note: row.note };
      await recordAudit(trx, actor, { action: `outcomes.investment.${kind}`, entityType: 'outcome_investment', entityId: inv.id, organisationId: c.organisation_id, after: view });
      return view;
    });
  } catch (error) {
    const e = error as { code?: string; constraint?: string; message?: string };
    if (e.code === '23514' && /within_commitment/.test(`${e.constraint ?? ''} ${e.message ?? ''}`)) throw new AppError('unprocessable', 'That would draw beyond the commitment', { cause: error });
    throw error;
  }
}

export interface InvestorView {
  contractId: string;
  investments: InvestmentView[];
  totals: { committedPence: number; drawnPence: number; repaidPence: number; outcomePaymentsPence: number; irr: number | null };
  /** Every dated movement, oldest first: drawdowns, outcome payments into the project, repayments. */
  timeline: { on: string; kind: 'drawdown' | 'repayment' | 'outcome-payment'; investorOrganisationId: string | null; amountPence: number }[];
}

/** The investor view: commitments, drawdowns, outcome payments flowing in, repayments and IRR. Public. */
export async function investorView(db: Db, contractId: string): Promise<InvestorView> {
  const c = await getContractRow(db, contractId);
  const [investments, flows, payments] = [await repo.investmentsOf(db, c), await repo.flowsOf(db, c), await repo.paymentsOf(db, c)];
  const cash = (f: repo.FlowRow): CashFlow => ({ on: f.flow_on, pence: f.kind === 'drawdown' ? -f.amount_pence : f.amount_pence });
  const views = investments.map((i): InvestmentView => {
    const mine = flows.filter((f) => f.investment_id === i.id);
    return {
      id: i.id, investorOrganisationId: i.investor_organisation_id, investmentType: i.investment_type, committedPence: i.committed_pence,
      drawnPence: mine.filter((f) => f.kind === 'drawdown').reduce((s, f) => s + f.amount_pence, 0),
      repaidPence: mine.filter((f) => f.kind === 'repayment').reduce((s, f) => s + f.amount_pence, 0),
      irr: xirr(mine.map(cash)),
    };
  });
  const investorOf = new Map(investments.map((i) => [i.id, i.investor_organisation_id]));
  const timeline = [
    ...flows.map((f) => ({ on: f.flow_on, kind: f.kind, investorOrganisationId: investorOf.get(f.investment_id) ?? null, amountPence: f.amount_pence })),
    ...payments.map((p) => ({ on: p.paid_on, kind: 'outcome-payment' as const, investorOrganisationId: null, amountPence: p.amount_pence })),
  ].sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
  return {
    contractId: c.id, investments: views,
    totals: {
      committedPence: views.reduce((s, v) => s + v.committedPence, 0), drawnPence: views.reduce((s, v) => s + v.drawnPence, 0),
      repaidPence: views.reduce((s, v) => s + v.repaidPence, 0), outcomePaymentsPence: payments.reduce((s, p) => s + p.amount_pence, 0),
      irr: xirr(flows.map(cash)),
    },
    timeline,
  };
}

/** Names (and slugs, for links) of the organisations a contract mentions, for pages and exports. */
/** The organisations' names for pages, each with its identifier and whether it is verified (the others are tagged). */
export async function namesFor(db: Db, ids: (string | null)[]): Promise<Map<string, { name: string; slug: string; identifier: string | null; verified: boolean }>> {
  return organisationBadges(db, [...new Set(ids.filter((x): x is string => !!x))]);
}

/** What the actor may do on a contract, so pages offer only the forms that would be accepted (services re-check). */
export async function contractPermissions(db: Db, actor: Actor, contractId: string): Promise<{ see: boolean; claim: boolean; validateMetricIds: string[]; pay: boolean; manage: boolean }> {
  const c = await getContractRow(db, contractId);
  const metrics = await repo.metricsOf(db, c);
  if (actor.isAdmin) return { see: true, claim: true, validateMetricIds: metrics.map((m) => m.id), pay: true, manage: true };
  if (!actor.userId) return { see: false, claim: false, validateMetricIds: [], pay: false, manage: false };
  const u = actor.userId;
  const inProvider = await holdsRoleIn(db, u, [c.provider_organisation_id], ['admin', 'staff', 'commissioner', 'evaluator', 'finance']);
  const validateMetricIds: string[] = [];
  if (!inProvider) {
    for (const m of metrics) if (await holdsRoleIn(db, u, [m.validator_organisation_id ?? c.organisation_id], validators)) validateMetricIds.push(m.id);
  }
  return {
    see: await isContractParty(db, actor, c.id),
    claim: await holdsRoleIn(db, u, [c.provider_organisation_id], claimants),
    validateMetricIds,
    pay: await holdsRoleIn(db, u, [c.organisation_id], payersRoles),
    manage: await holdsRoleIn(db, u, [c.organisation_id], managers),
  };
}
