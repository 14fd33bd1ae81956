// Social investment: deals (grant, loan and equity parts; schedule, repayments, arrears, write-offs, the
// investee's outcomes) and the CITR ledger of an accredited CDFI. Named verbs; each change is one transaction
// with its audit row. The database enforces the CITR rules itself (migration 0037); the service checks them
// first, under the same locks, so a person gets a clear message, and turns the database's refusal into the same
// message if another process got there first.
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { requireOrganisationRole, holdsRoleIn } from '../platform/auth/policy.ts';
import { findOrganisation, searchOrganisations, organisationNames } from '../organisations/organisations.service.ts';
import { decileOf, placesOf } from '../places/places.service.ts';
import { listContracts, ledger as outcomesLedger } from '../outcomes/outcomes.service.ts';
import * as repo from './investment.repository.ts';
import * as calc from './investment.compute.ts';
import { readBasisPoints, readBoolean, readDay, readPence, readWhole, uuidPattern } from './investment.input.ts';
import type { CitrKind } from './investment.table.ts';
import { noticeCertificateDue } from './investment.work.ts';

/** Who runs a CDFI's ledger and an investor's deals: its administrators and finance officers. */
export const OFFICER_ROLES = ['admin', 'finance'] as const;
export const citrKinds: readonly CitrKind[] = ['loan', 'shares', 'securities'];
export const citrKindLabels: Record<CitrKind, string> = { loan: 'Loan', shares: 'Shares', securities: 'Securities' };

function today(): string {
  return calc.todayDay();
}

function id(input: unknown, what: string): string {
  if (typeof input !== 'string' || !uuidPattern.test(input)) throw new AppError('not_found', `There is no ${what} with that reference`);
  return input.toLowerCase();
}

/** Turns the database's refusal of a CITR or deal rule into the message the person reads. */
function ruleError(error: unknown, field: string): never {
  const e = error as { code?: string; message?: string };
  if (e.code === '23514' && typeof e.message === 'string' && e.message.startsWith('investment: ')) {
    const message = e.message.slice('investment: '.length);
    throw new AppError('unprocessable', message.charAt(0).toUpperCase() + message.slice(1), { fieldErrors: [{ field, message: message.charAt(0).toUpperCase() + message.slice(1) }] });
  }
  throw error;
}

async function isOfficer(db: Db, actor: Actor, organisationId: string): Promise<boolean> {
  if (actor.isAdmin) return true;
  if (!actor.userId) return false;
  return holdsRoleIn(db, actor.userId, [organisationId], OFFICER_ROLES);
}

/** Whether the actor records the CDFI's investments and certificates (its administrators and finance officers). */
export async function managesCdfi(db: Db, actor: Actor, cdfiId: string): Promise<boolean> {
  return isOfficer(db, actor, (await getCdfi(db, cdfiId)).organisationId);
}

async function isMember(db: Db, actor: Actor, organisationIds: string[]): Promise<boolean> {
  if (actor.isAdmin) return true;
  if (!actor.userId) return false;
  return holdsRoleIn(db, actor.userId, organisationIds, ['admin', 'staff', 'commissioner', 'moderator', 'coordinator', 'evaluator', 'finance']);
}

/**
 * Finds the organisation a person named: its exact name (any case), or its id, org-id identifier or slug.
 * Two organisations of the same name must be told apart by identifier.
 */
export async function resolveOrganisation(db: Db, check: Checker, input: unknown, field: string, label: string): Promise<{ id: string; name: string } | null> {
  const text = typeof input === 'string' ? input.trim() : '';
  if (!text) { check.fail(field, `Enter the name of ${label}`); return null; }
  if (text.length > 200) { check.fail(field, `The name of ${label} must be 200 characters or fewer`); return null; }
  const byRef = await findOrganisation(db, text);
  if (byRef) return { id: byRef.id, name: byRef.name };
  const found = await searchOrganisations(db, { q: text, pageSize: 20 });
  const exact = found.items.filter((o) => o.name.toLowerCase() === text.toLowerCase());
  if (exact.length === 1) return { id: exact[0]!.id, name: exact[0]!.name };
  if (exact.length > 1) { check.fail(field, `More than one organisation is called “${text}”: give its identifier, like GB-CHC-1234567`); return null; }
  check.fail(field, `No organisation is registered as “${text}”: check the spelling, or register it first`);
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// CDFIs

export interface CdfiView {
  organisationId: string; name: string; accreditedFrom: string; accreditedTo: string;
  applicationPence: number; certificateLimitPence: number;
}

function presentCdfi(c: repo.CdfiRow, name: string): CdfiView {
  return { organisationId: c.organisation_id, name, accreditedFrom: c.accredited_from, accreditedTo: c.accredited_to, applicationPence: c.application_pence, certificateLimitPence: c.certificate_limit_pence };
}

/**
 * Records (or renews) an organisation's accreditation as a CDFI. Accreditation is the Secretary of State's
 * (CITM2010); on Commonweal a site administrator records it. The limit is 125% of the funding the application
 * named unless a higher limit was approved (CITM2070). Accreditation lasts three years (CITM2040).
 */
type AccreditationInput = { organisation?: unknown; accreditedFrom?: unknown; accreditedTo?: unknown; applicationPence?: unknown; certificateLimitPence?: unknown };

/** An accreditation checked but not yet recorded: what would be saved, and the accreditation it would replace. */
export interface AccreditationPreview extends CdfiView {
  /** The period was not given: three years from the first day (CITM2040). */
  periodDefaulted: boolean;
  /** The limit was not given: 125% of the application (CITM2070). */
  limitDefaulted: boolean;
  renews: CdfiView | null;
}

async function checkAccreditation(db: Db, actor: Actor, input: AccreditationInput, options: { pounds?: boolean }) {
  if (!actor.isAdmin) throw new AppError(actor.userId ? 'forbidden' : 'unauthenticated', 'Only a site administrator records a CDFI’s accreditation');
  const check = new Checker();
  const org = await resolveOrganisation(db, check, input.organisation, 'organisation', 'the CDFI');
  const from = readDay(check, input.accreditedFrom, 'accreditedFrom', 'the first day of accreditation');
  const givenTo = readDay(check, input.accreditedTo, 'accreditedTo', 'the last day of accreditation', { optional: true });
  const to = givenTo ?? (from ? calc.addDays(calc.addYears(from, 3), -1) : null);
  const application = readPence(check, input.applicationPence, 'applicationPence', 'the CITR funding the application named', { pounds: options.pounds });
  const limitDefaulted = input.certificateLimitPence === undefined || input.certificateLimitPence === '';
  const limit = limitDefaulted ? Math.floor((application * 125) / 100) : readPence(check, input.certificateLimitPence, 'certificateLimitPence', 'the certificate limit', { pounds: options.pounds });
  if (from && to && to <= from) check.fail('accreditedTo', 'The last day of accreditation must be after the first');
  check.done();
  return { org: org!, from: from!, to: to!, application, limit, periodDefaulted: givenTo === null, limitDefaulted };
}

/** Checks an accreditation as `accreditCdfi` would record it, and records nothing (the check-your-answers page). */
export async function previewAccreditation(db: Db, actor: Actor, input: AccreditationInput, options: { pounds?: boolean } = {}): Promise<AccreditationPreview> {
  const a = await checkAccreditation(db, actor, input, options);
  const before = await repo.findCdfi(db, a.org.id);
  return {
    organisationId: a.org.id, name: a.org.name, accreditedFrom: a.from, accreditedTo: a.to, applicationPence: a.application, certificateLimitPence: a.limit,
    periodDefaulted: a.periodDefaulted, limitDefaulted: a.limitDefaulted, renews: before ? presentCdfi(before, a.org.name) : null,
  };
}

/**
 * Records (or renews) an organisation's accreditation as a CDFI. Accreditation is the Secretary of State's
 * (CITM2010); on Commonweal a site administrator records it. The limit is 125% of the funding the application
 * named unless a higher limit was approved (CITM2070). Accreditation lasts three years (CITM2040).
 */
export async function accreditCdfi(db: Db, actor: Actor, input: AccreditationInput, options: { pounds?: boolean } = {}): Promise<CdfiView> {
  const a = await checkAccreditation(db, actor, input, options);
  return inTransaction(db, async (trx) => {
    const before = await repo.findCdfi(trx, a.org.id);
    const row = await repo.upsertCdfi(trx, { organisation_id: a.org.id, accredited_from: a.from, accredited_to: a.to, application_pence: a.application, certificate_limit_pence: a.limit });
    await recordAudit(trx, actor, { action: before ? 'investment.cdfi.reaccredited' : 'investment.cdfi.accredited', entityType: 'investment_cdfi', entityId: a.org.id, organisationId: a.org.id, before, after: row });
    return presentCdfi(row, a.org.name);
  });
}

export async function getCdfi(db: Db, organisationId: string): Promise<CdfiView> {
  const oid = id(organisationId, 'CDFI');
  const row = await repo.findCdfi(db, oid);
  if (!row) throw new AppError('not_found', 'There is no accredited CDFI with that reference');
  const names = await organisationNames(db, [oid]);
  return presentCdfi(row, names.get(oid)?.name ?? 'CDFI');
}

export async function listCdfis(db: Db): Promise<CdfiView[]> {
  const rows = await repo.listCdfis(db);
  const names = await organisationNames(db, rows.map((r) => r.organisation_id));
  return rows.map((r) => presentCdfi(r, names.get(r.organisation_id)?.name ?? 'CDFI'));
}

// ---------------------------------------------------------------------------------------------------------
// CITR investments, certificates and repayments

export interface CitrInvestmentView {
  id: string; cdfiOrganisationId: string; investorOrganisationId: string; investor: string; kind: CitrKind;
  amountPence: number; investedOn: string;
  /** The last day a certificate may be issued: 30 days after the investment (CITM4060). */
  certifyBy: string;
  certificate: { reference: string; issuedOn: string; amountPence: number } | null;
  repaidPence: number;
  /** Capital still invested. */
  outstandingPence: number;
  relief: calc.ReliefYear[];
  reliefPence: number;
  /** For a loan: the year of the five-year period today falls in, and the most that may be repaid by now. */
  repaymentCap: { year: number; capPence: number } | null;
  repayments: { id: string; repaidOn: string; amountPence: number }[];
}

export async function recordCitrInvestment(db: Db, actor: Actor, cdfiId: string, input: { investor?: unknown; kind?: unknown; amountPence?: unknown; investedOn?: unknown }, options: { pounds?: boolean; baseUrl?: string } = {}): Promise<CitrInvestmentView> {
  const cdfi = await getCdfi(db, cdfiId);
  await requireOrganisationRole(db, actor, cdfi.organisationId, OFFICER_ROLES);
  const check = new Checker();
  const investor = await resolveOrganisation(db, check, input.investor, 'investor', 'the investor');
  const kind = check.oneOf(input.kind, 'kind', 'whether it is a loan, shares or securities', citrKinds);
  const amount = readPence(check, input.amountPence, 'amountPence', 'the amount invested', { pounds: options.pounds });
  const on = readDay(check, input.investedOn, 'investedOn', 'the date of the investment');
  if (investor && investor.id === cdfi.organisationId) check.fail('investor', 'A CDFI cannot invest in itself');
  if (on && on > today()) check.fail('investedOn', 'The date of the investment cannot be in the future');
  if (on && (on < cdfi.accreditedFrom || on > cdfi.accreditedTo)) check.fail('investedOn', `The CDFI was accredited from ${cdfi.accreditedFrom} to ${cdfi.accreditedTo}: an investment on ${on} does not qualify (CITM2040)`);
  check.done();
  return inTransaction(db, async (trx) => {
    const row = await repo.insertCitrInvestment(trx, { organisation_id: cdfi.organisationId, investor_organisation_id: investor!.id, kind, amount_pence: amount, invested_on: on!, recorded_by: actor.userId });
    await recordAudit(trx, actor, { action: 'investment.citr.invested', entityType: 'investment_citr_investment', entityId: row.id, organisationId: cdfi.organisationId, after: row });
    await noticeCertificateDue(trx, { cdfiId: cdfi.organisationId, investmentId: row.id, investor: investor!.name, amountPence: amount, investedOn: on!, recordedBy: actor.userId }, options.baseUrl ?? '');
    return (await citrInvestmentViews(trx, cdfi.organisationId, [row]))[0]!;
  });
}

async function citrInvestmentViews(db: Db, cdfiId: string, rows: repo.CitrInvestmentRow[], on: string = today()): Promise<CitrInvestmentView[]> {
  // A few investments (one just certified or repaid, under the CDFI's lock; an investor's statement): only
  // their certificates and repayments, not the whole ledger's. Many (the CDFI's page): the whole ledger at once.
  const only = rows.length <= 500 ? rows.map((r) => r.id) : undefined;
  const [certs, repayments, names] = await Promise.all([repo.listCertificates(db, cdfiId, only), repo.listCitrRepayments(db, cdfiId, only), organisationNames(db, rows.map((r) => r.investor_organisation_id))]);
  const certOf = new Map(certs.map((c) => [c.investment_id, c]));
  const repaymentsOf = new Map<string, repo.CitrRepaymentRow[]>();
  for (const p of repayments) {
    const list = repaymentsOf.get(p.investment_id);
    if (list) list.push(p);
    else repaymentsOf.set(p.investment_id, [p]);
  }
  return rows.map((r) => {
    const cert = certOf.get(r.id) ?? null;
    const reps = repaymentsOf.get(r.id) ?? [];
    const repaid = reps.reduce((s, p) => s + p.amount_pence, 0);
    const relief = calc.reliefByYear({ kind: r.kind, amountPence: r.amount_pence, investedOn: r.invested_on, certified: !!cert }, reps.map((p) => ({ on: p.repaid_on, amountPence: p.amount_pence })));
    return {
      id: r.id, cdfiOrganisationId: r.organisation_id, investorOrganisationId: r.investor_organisation_id, investor: names.get(r.investor_organisation_id)?.name ?? 'Investor',
      kind: r.kind, amountPence: r.amount_pence, investedOn: r.invested_on, certifyBy: calc.addDays(r.invested_on, 30),
      certificate: cert ? { reference: cert.reference, issuedOn: cert.issued_on, amountPence: cert.amount_pence } : null,
      repaidPence: repaid, outstandingPence: r.amount_pence - repaid, relief, reliefPence: relief.reduce((s, y) => s + y.reliefPence, 0),
      repaymentCap: r.kind === 'loan' ? calc.repaymentCap(r.amount_pence, r.invested_on, on) : null,
      repayments: reps.map((p) => ({ id: p.id, repaidOn: p.repaid_on, amountPence: p.amount_pence })),
    };
  });
}

export async function getCitrInvestment(db: Db, actor: Actor, cdfiId: string, investmentId: string): Promise<CitrInvestmentView> {
  const cdfi = await getCdfi(db, cdfiId);
  const row = await repo.findCitrInvestment(db, cdfi.organisationId, id(investmentId, 'investment'));
  if (!row) throw new AppError('not_found', 'There is no such investment in this CDFI');
  if (!(await isMember(db, actor, [cdfi.organisationId, row.investor_organisation_id]))) throw new AppError(actor.userId || actor.isAdmin ? 'forbidden' : 'unauthenticated', 'Only the CDFI and the investor can see an investment');
  return (await citrInvestmentViews(db, cdfi.organisationId, [row]))[0]!;
}

/**
 * Issues the one tax relief certificate of an investment, within 30 days of it (CITM4060), for its whole
 * amount, within the CDFI's limit (CITM2070). Refused with a clear message, and nothing written, if the
 * investment is already certified, the 30 days have passed or the limit would be passed.
 */
export async function issueCertificate(db: Db, actor: Actor, cdfiId: string, investmentId: string, input: { issuedOn?: unknown; reference?: unknown } = {}): Promise<CitrInvestmentView> {
  const cdfi = await getCdfi(db, cdfiId);
  await requireOrganisationRole(db, actor, cdfi.organisationId, OFFICER_ROLES);
  const check = new Checker();
  const issuedOn = readDay(check, input.issuedOn, 'issuedOn', 'the date of issue', { optional: true }) ?? today();
  const reference = check.text(input.reference, 'reference', 'the certificate reference', { max: 60, optional: true });
  if (issuedOn > today()) check.fail('issuedOn', 'The date of issue cannot be in the future');
  check.done();
  const iid = id(investmentId, 'investment');
  return inTransaction(db, async (trx) => {
    const locked = await repo.lockCdfi(trx, cdfi.organisationId);
    const inv = await repo.findCitrInvestment(trx, cdfi.organisationId, iid);
    if (!locked || !inv) throw new AppError('not_found', 'There is no such investment in this CDFI');
    const existing = await repo.findCertificate(trx, cdfi.organisationId, iid);
    if (existing) throw new AppError('conflict', `This investment already has its tax relief certificate (${existing.reference}, issued on ${existing.issued_on}): only one is issued for each investment`, { fieldErrors: [{ field: 'issuedOn', message: `This investment already has its tax relief certificate (${existing.reference}, issued on ${existing.issued_on})` }] });
    const by = calc.addDays(inv.invested_on, 30);
    const refuse = (message: string) => { throw new AppError('unprocessable', message, { fieldErrors: [{ field: 'issuedOn', message }] }); };
    if (issuedOn > by) refuse(`The 30 days to issue this certificate ran out on ${by}: a certificate cannot be issued after them (CITM4060)`);
    if (issuedOn < inv.invested_on) refuse(`A certificate cannot be dated before the investment (${inv.invested_on})`);
    const certified = await repo.certifiedTotal(trx, cdfi.organisationId);
    if (certified + inv.amount_pence > locked.certificate_limit_pence) refuse(`Certifying ${calc.poundsText(inv.amount_pence)} would take the CDFI past its limit of ${calc.poundsText(locked.certificate_limit_pence)} (${calc.poundsText(certified)} certified): ask for the limit to be raised first (CITM2070)`);
    const ref = reference || `CITR-${inv.invested_on.slice(0, 4)}-${iid.slice(0, 8).toUpperCase()}`;
    let row: repo.CertificateRow;
    try {
      row = await repo.insertCertificate(trx, { organisation_id: cdfi.organisationId, investment_id: iid, reference: ref, issued_on: issuedOn, amount_pence: inv.amount_pence, issued_by: actor.userId });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new AppError('conflict', String((error as { constraint?: string }).constraint ?? '').includes('reference') ? `The reference ${ref} is already on another certificate` : 'This investment already has its tax relief certificate: only one is issued for each investment', { fieldErrors: [{ field: String((error as { constraint?: string }).constraint ?? '').includes('reference') ? 'reference' : 'issuedOn', message: 'Only one certificate is issued for each investment, each with its own reference' }] });
      ruleError(error, 'issuedOn');
    }
    await recordAudit(trx, actor, { action: 'investment.citr.certified', entityType: 'investment_citr_investment', entityId: iid, organisationId: cdfi.organisationId, after: row });
    return (await citrInvestmentViews(trx, cdfi.organisationId, [inv]))[0]!;
  });
}

/**
 * Records the CDFI's repayment of an investor's loan. Refused if it would break the CITR limits: nothing in
 * years 1 and 2, at most 25%, 50% and 75% of the loan repaid by the end of years 3, 4 and 5 (CITM7050).
 */
export async function recordCitrRepayment(db: Db, actor: Actor, cdfiId: string, investmentId: string, input: { repaidOn?: unknown; amountPence?: unknown }, options: { pounds?: boolean } = {}): Promise<CitrInvestmentView> {
  const cdfi = await getCdfi(db, cdfiId);
  await requireOrganisationRole(db, actor, cdfi.organisationId, OFFICER_ROLES);
  const check = new Checker();
  const on = readDay(check, input.repaidOn, 'repaidOn', 'the date of the repayment');
  const amount = readPence(check, input.amountPence, 'amountPence', 'the amount repaid', { pounds: options.pounds });
  if (on && on > today()) check.fail('repaidOn', 'The date of the repayment cannot be in the future');
  check.done();
  const iid = id(investmentId, 'investment');
  return inTransaction(db, async (trx) => {
    const inv = await repo.lockCitrInvestment(trx, cdfi.organisationId, iid);
    if (!inv) throw new AppError('not_found', 'There is no such investment in this CDFI');
    const refuse = (message: string) => { throw new AppError('unprocessable', message, { fieldErrors: [{ field: 'amountPence', message }] }); };
    if (inv.kind !== 'loan') refuse('Only a loan is repaid: shares and securities are not');
    if (on! < inv.invested_on) refuse(`A repayment cannot come before the loan was made (${inv.invested_on})`);
    const repaid = (await repo.listCitrRepayments(trx, cdfi.organisationId, [iid])).reduce((s, r) => s + r.amount_pence, 0);
    const { year, capPence } = calc.repaymentCap(inv.amount_pence, inv.invested_on, on!);
    if (repaid + amount > capPence) {
      refuse(year <= 2
        ? `No capital may be repaid in years 1 and 2 of a CITR loan: ${on} is in year ${year} (CITM7050)`
        : `Repaying ${calc.poundsText(amount)} would bring the total repaid to ${calc.poundsText(repaid + amount)}, past the ${calc.poundsText(capPence)} (${year === 3 ? 25 : year === 4 ? 50 : 75}% of the loan) allowed by the end of year ${year} (CITM7050)`);
    }
    let row: repo.CitrRepaymentRow;
    try {
      row = await repo.insertCitrRepayment(trx, { organisation_id: cdfi.organisationId, investment_id: iid, repaid_on: on!, amount_pence: amount, recorded_by: actor.userId });
    } catch (error) { ruleError(error, 'amountPence'); }
    await recordAudit(trx, actor, { action: 'investment.citr.repaid', entityType: 'investment_citr_investment', entityId: iid, organisationId: cdfi.organisationId, after: row });
    return (await citrInvestmentViews(trx, cdfi.organisationId, [inv]))[0]!;
  });
}

// ---------------------------------------------------------------------------------------------------------
// The CDFI's report: each rule with the figures that test it

export interface RuleView {
  key: string;
  rule: string;
  citation: string;
  figures: string;
  status: 'met' | 'breach' | 'watch' | 'not-yet';
}

export interface DecileRow { decile: number | null; label: string; capitalPence: number; grantPence: number; deals: number }

export interface CdfiReport {
  cdfi: CdfiView;
  today: string;
  accredited: boolean;
  certifiedPence: number;
  limitLeftPence: number;
  onward: calc.OnwardTest[];
  rules: RuleView[];
  byDecile: DecileRow[];
  /** Capital (loan and equity) to qualifying enterprises in the most deprived 30% of areas, and the whole. */
  deprivedSharePence: { deprived: number; total: number };
  /** Null unless the viewer is a member of the CDFI or a site administrator. */
  investments: CitrInvestmentView[] | null;
  canManage: boolean;
}

/**
 * The CDFI's report: each rule with the figures that test it. The figures are worked out in the database over
 * the whole ledger (repo.ledgerFigures, repo.fundOn), not by reading every investment into the process; only
 * `investments` (for the API and the CSV, to the CDFI's members) reads the ledger row by row.
 */
export async function cdfiReport(db: Db, actor: Actor, cdfiId: string, on: string = today()): Promise<CdfiReport> {
  return (await reportOf(db, actor, cdfiId, on, { ledger: true })).report;
}

/** The report without the ledger's rows (`investments` is null): its rules, figures, deciles and who may manage. */
export async function cdfiSummary(db: Db, actor: Actor, cdfiId: string, on: string = today()): Promise<CdfiReport> {
  return (await reportOf(db, actor, cdfiId, on, { ledger: false })).report;
}

async function reportOf(db: Db, actor: Actor, cdfiId: string, on: string, options: { ledger: boolean }): Promise<{ report: CdfiReport; figures: Awaited<ReturnType<typeof repo.ledgerFigures>>; seesLedger: boolean }> {
  const cdfi = await getCdfi(db, cdfiId);
  const org = cdfi.organisationId;
  const [figures, deals, held, seesLedger, canManage] = await Promise.all([
    repo.ledgerFigures(db, org, on), repo.listDeals(db, { investorId: org }), repo.fundOn(db, org, calc.testDays(cdfi.accreditedFrom, on)),
    isMember(db, actor, [org]), isOfficer(db, actor, org),
  ]);
  const writeOffs = await repo.listWriteOffs(db, org, deals.map((d) => d.id));
  const f = figures;
  const certifiedPence = f.certifiedPence;
  const onward = calc.onwardTestsOfFund({
    accreditedFrom: cdfi.accreditedFrom, today: on, heldPence: held,
    onward: deals.map((d) => ({ on: d.starts_on, amountPence: d.loan_pence + d.equity_pence, qualifying: d.qualifying })),
    writeOffs: writeOffs.map((w) => ({ on: w.written_off_on, amountPence: w.amount_pence })),
  });
  const byDecile = await decileRows(db, deals);
  const deprived = byDecile.filter((r) => r.decile !== null && r.decile <= 3).reduce((s, r) => s + r.capitalPence, 0);
  const total = byDecile.reduce((s, r) => s + r.capitalPence, 0);
  const p = calc.poundsText;
  const accredited = on >= cdfi.accreditedFrom && on <= cdfi.accreditedTo;
  const rules: RuleView[] = [
    { key: 'accreditation', rule: 'Investments qualify only while the CDFI is accredited; accreditation lasts three years.', citation: 'CITM2040', figures: `Accredited from ${cdfi.accreditedFrom} to ${cdfi.accreditedTo}; ${accredited ? 'accredited today' : 'not accredited today'}. ${f.investments} investment${f.investments === 1 ? '' : 's'} recorded, all within the period.`, status: accredited ? 'met' : 'watch' },
    { key: 'limit', rule: 'Certified investments stay within the CDFI’s limit: 125% of the funding its application named, unless a higher limit is approved.', citation: 'CITM2070', figures: `${p(certifiedPence)} certified of a ${p(cdfi.certificateLimitPence)} limit (application ${p(cdfi.applicationPence)}); ${p(cdfi.certificateLimitPence - certifiedPence)} left.`, status: certifiedPence <= cdfi.certificateLimitPence ? 'met' : 'breach' },
    { key: 'certificate', rule: 'Each investment gets one tax relief certificate, issued within 30 days of the investment.', citation: 'CITM4060', figures: `${f.certified} certified; ${f.due} waiting within their 30 days; ${f.late} not certified in time (no relief for ${f.late === 1 ? 'it' : 'them'}).`, status: f.late ? 'breach' : f.due ? 'watch' : 'met' },
    { key: 'relief', rule: 'Relief is 5% of the invested amount in each of five years — for a loan, of the year’s average capital balance — so never more than 25% in all.', citation: 'CITM6010, CITM6090', figures: `Relief worked out: ${p(f.reliefPence)} on ${p(certifiedPence)} certified (${certifiedPence ? ((f.reliefPence * 100) / certifiedPence).toFixed(1) : '0.0'}%); ${f.reliefOver} investment${f.reliefOver === 1 ? '' : 's'} over 25%.`, status: f.reliefOver ? 'breach' : 'met' },
    { key: 'repayment', rule: 'An investor’s loan is not repaid in years 1 and 2, and at most 25%, 50% and 75% of it by the end of years 3, 4 and 5; a repayment beyond that is refused. Relief stops once a loan is repaid in full.', citation: 'CITM7050, CITM6100', figures: `${f.loans} loan${f.loans === 1 ? '' : 's'}: ${p(f.loanRepaidPence)} repaid of ${p(f.loanPence)}; ${f.overCap} over the limit for its year.`, status: f.overCap ? 'breach' : 'met' },
    ...onward.map((t): RuleView => ({
      key: `onward-${t.year}`, rule: `By the end of year ${t.year} of accreditation (${t.on}), at least ${t.requiredShare * 100}% of the investment fund is invested in qualifying enterprises.`, citation: 'CITM3005, CITM3010, CITM3020',
      figures: t.status === 'no-fund' ? 'No investment fund yet: no certified investment held three months or more.' : `Fund ${p(t.fundPence)}; invested in qualifying enterprises ${p(t.onwardPence)} (${t.fundPence ? ((t.onwardPence * 100) / t.fundPence).toFixed(1) : '0.0'}%); ${p(t.requiredPence)} needed.${t.status === 'breach' ? ' Breach: the test was failed on its day.' : t.status === 'behind' ? ' Behind at today’s figures.' : ''}`,
      status: t.status === 'met' ? 'met' : t.status === 'breach' ? 'breach' : t.status === 'behind' ? 'watch' : 'not-yet',
    })),
    { key: 'deprivation', rule: 'Qualifying enterprises are in disadvantaged areas (or serve disadvantaged people): where the money goes, by deprivation decile of the small area each enterprise serves.', citation: 'CITM3020', figures: `${p(deprived)} of ${p(total)} capital deployed (${total ? ((deprived * 100) / total).toFixed(1) : '0.0'}%) went to the most deprived 30% of areas (deciles 1–3).`, status: 'met' },
  ];
  const investments = options.ledger && seesLedger ? await citrInvestmentViews(db, org, await repo.listCitrInvestments(db, org), on) : null;
  return {
    report: {
      cdfi, today: on, accredited, certifiedPence, limitLeftPence: cdfi.certificateLimitPence - certifiedPence, onward, rules, byDecile,
      deprivedSharePence: { deprived, total }, investments, canManage,
    },
    figures, seesLedger,
  };
}

/** The certificate limit as a running total (CITM2070): what is certified so far, the limit, what is left. */
export interface LimitView { rule: string; citation: string; limitPence: number; applicationPence: number; certifiedPence: number; certificates: number; leftPence: number }

/** The CDFI's certificate limit and what its certificates use of it, from one sum (not the ledger). */
export async function certificateLimit(db: Db, cdfiId: string): Promise<LimitView> {
  const cdfi = await getCdfi(db, cdfiId);
  const { pence, count } = await repo.certifiedSoFar(db, cdfi.organisationId);
  return {
    rule: 'The CDFI’s certified investments stay within its limit: 125% of the CITR funding its application named, unless a higher limit was approved. A certificate that would pass it is refused.',
    citation: 'CITM2070', limitPence: cdfi.certificateLimitPence, applicationPence: cdfi.applicationPence, certifiedPence: pence, certificates: count, leftPence: cdfi.certificateLimitPence - pence,
  };
}

/** One page of a list: GOV.UK pagination's figures. A page past the last is the last. */
export interface Paged<T> { items: T[]; page: number; pages: number; total: number; pageSize: number; from: number; to: number }
export function pageOf<T>(all: readonly T[], page: number, pageSize: number): Paged<T> {
  const pages = Math.max(1, Math.ceil(all.length / pageSize));
  const p = Math.min(Math.max(1, Number.isSafeInteger(page) ? page : 1), pages);
  const items = all.slice((p - 1) * pageSize, p * pageSize);
  return { items, page: p, pages, total: all.length, pageSize, from: items.length ? (p - 1) * pageSize + 1 : 0, to: (p - 1) * pageSize + items.length };
}

/** An investor in the CDFI, summed over its investments (the CDFI's page, for its members). */
export interface InvestorRow { organisationId: string; name: string; investments: number; investedPence: number; certifiedPence: number; repaidPence: number; reliefPence: number }

export interface CdfiPage {
  report: CdfiReport;
  limit: LimitView;
  /** Each list a page at a time (null unless the viewer belongs to the CDFI): the ledger, its investors, its deals. */
  ledger: Paged<CitrInvestmentView> | null;
  investors: Paged<InvestorRow> | null;
  deals: Paged<DealView> | null;
}

/**
 * The CDFI's page: the report (rules tested over the whole ledger, in the database) with its three lists a page at a time — only the
 * page shown is presented (deals' names and deciles) and drawn, so a CDFI with 10,000 investments renders in
 * the time of fifty rows, not ten thousand.
 */
export async function cdfiPage(db: Db, actor: Actor, cdfiId: string, paging: { page?: number; investorsPage?: number; dealsPage?: number; pageSize?: number } = {}, on: string = today()): Promise<CdfiPage> {
  const size = paging.pageSize ?? 50;
  const [{ report, figures, seesLedger }, limit] = await Promise.all([reportOf(db, actor, cdfiId, on, { ledger: false }), certificateLimit(db, cdfiId)]);
  if (!seesLedger) return { report, limit, ledger: null, investors: null, deals: null };
  const org = report.cdfi.organisationId;
  // The ledger: only the page's investments are read and presented (their certificates and repayments).
  const ledgerAt = pageAt(figures.investments, paging.page ?? 1, size);
  const ledgerRows = await repo.pageOfCitrInvestments(db, org, size, (ledgerAt.page - 1) * size);
  const ledgerItems = await citrInvestmentViews(db, org, ledgerRows, on);
  // Investors: one row each, summed in the database with the figures; sorted by name here (names are the organisations module's).
  const sums = figures.investors;
  const names = await organisationNames(db, sums.map((r) => r.investor));
  const investors: InvestorRow[] = sums.map((r) => ({ organisationId: r.investor, name: names.get(r.investor)?.name ?? 'Investor', investments: r.investments, investedPence: r.investedPence, certifiedPence: r.certifiedPence, repaidPence: r.repaidPence, reliefPence: r.reliefPence }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en-GB') || a.organisationId.localeCompare(b.organisationId));
  const dealRows = await repo.listDeals(db, { investorId: org });
  const dealPage = pageOf(dealRows, paging.dealsPage ?? 1, size);
  return {
    report, limit,
    ledger: { ...ledgerAt, items: ledgerItems, to: ledgerAt.from ? ledgerAt.from + ledgerItems.length - 1 : 0 },
    investors: pageOf(investors, paging.investorsPage ?? 1, size),
    deals: { ...dealPage, items: await presentDeals(db, dealPage.items) },
  };
}

/** Which page of `total` items a page number lands on (past the last is the last), without the items. */
function pageAt(total: number, page: number, pageSize: number): Omit<Paged<never>, 'items'> {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const p = Math.min(Math.max(1, Number.isSafeInteger(page) ? page : 1), pages);
  const count = Math.max(0, Math.min(pageSize, total - (p - 1) * pageSize));
  return { page: p, pages, total, pageSize, from: count ? (p - 1) * pageSize + 1 : 0, to: (p - 1) * pageSize + count };
}

async function decileRows(db: Db, deals: repo.DealRow[]): Promise<DecileRow[]> {
  const rows: DecileRow[] = Array.from({ length: 10 }, (_, i) => ({ decile: i + 1, label: `Decile ${i + 1}${i === 0 ? ' (most deprived)' : i === 9 ? ' (least deprived)' : ''}`, capitalPence: 0, grantPence: 0, deals: 0 }));
  const unknown: DecileRow = { decile: null, label: 'Area not known', capitalPence: 0, grantPence: 0, deals: 0 };
  const cache = new Map<string, number | null>();
  for (const d of deals) {
    let decile: number | null = null;
    if (d.area_code) {
      if (!cache.has(d.area_code)) cache.set(d.area_code, await decileOf(db, d.area_code));
      decile = cache.get(d.area_code) ?? null;
    }
    const row = decile ? rows[decile - 1]! : unknown;
    row.capitalPence += d.loan_pence + d.equity_pence;
    row.grantPence += d.grant_pence;
    row.deals += 1;
  }
  return unknown.deals ? [...rows, unknown] : rows;
}

/** An investor's statement from one CDFI: each investment, its certificate, repayments and relief by year. */
export async function investorStatement(db: Db, actor: Actor, cdfiId: string, investorId: string): Promise<{ cdfi: CdfiView; investor: { id: string; name: string }; investments: CitrInvestmentView[]; totals: { investedPence: number; repaidPence: number; reliefPence: number } }> {
  const cdfi = await getCdfi(db, cdfiId);
  const inv = id(investorId, 'investor');
  if (!(await isMember(db, actor, [cdfi.organisationId, inv]))) throw new AppError(actor.userId || actor.isAdmin ? 'forbidden' : 'unauthenticated', 'Only the CDFI and the investor can see an investor’s statement');
  const rows = await repo.listCitrInvestments(db, cdfi.organisationId, inv);
  const names = await organisationNames(db, [inv]);
  if (!names.get(inv)) throw new AppError('not_found', 'There is no such investor');
  const investments = await citrInvestmentViews(db, cdfi.organisationId, rows);
  return {
    cdfi, investor: { id: inv, name: names.get(inv)!.name }, investments,
    totals: { investedPence: investments.reduce((s, i) => s + i.amountPence, 0), repaidPence: investments.reduce((s, i) => s + i.repaidPence, 0), reliefPence: investments.reduce((s, i) => s + i.reliefPence, 0) },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Deals

export interface DealView {
  id: string; investorOrganisationId: string; investor: string; investeeOrganisationId: string; investee: string;
  title: string; purpose: string; grantPence: number; loanPence: number; equityPence: number; totalPence: number;
  interestBasisPoints: number; termMonths: number | null; holidayMonths: number; startsOn: string;
  areaCode: string | null; decile: number | null; qualifying: boolean; owedPence: number;
  /** Which parts the deal has, e.g. "Loan and grant". */
  shape: string;
}

export interface DealDetail extends DealView {
  schedule: calc.Instalment[];
  position: calc.Position;
  repayments: { id: string; paidOn: string; amountPence: number; reference: string }[];
  writeOffs: { id: string; on: string; amountPence: number; reason: string }[];
  outcomes: { contractId: string; title: string; validatedPence: number; paidPence: number; capPence: number; claims: number }[];
  canManage: boolean;
}

function shapeOf(d: { grant_pence: number; loan_pence: number; equity_pence: number }): string {
  const parts = [d.loan_pence ? 'loan' : '', d.equity_pence ? 'equity' : '', d.grant_pence ? 'grant' : ''].filter(Boolean);
  const text = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0] ?? '';
  return text.charAt(0).toUpperCase() + text.slice(1);
}

async function presentDeals(db: Db, rows: repo.DealRow[]): Promise<DealView[]> {
  const names = await organisationNames(db, rows.flatMap((r) => [r.organisation_id, r.investee_organisation_id]));
  const out: DealView[] = [];
  for (const d of rows) {
    out.push({
      id: d.id, investorOrganisationId: d.organisation_id, investor: names.get(d.organisation_id)?.name ?? 'Investor', investeeOrganisationId: d.investee_organisation_id, investee: names.get(d.investee_organisation_id)?.name ?? 'Investee',
      title: d.title, purpose: d.purpose, grantPence: d.grant_pence, loanPence: d.loan_pence, equityPence: d.equity_pence, totalPence: d.grant_pence + d.loan_pence + d.equity_pence,
      interestBasisPoints: d.interest_basis_points, termMonths: d.term_months, holidayMonths: d.holiday_months, startsOn: d.starts_on,
      areaCode: d.area_code, decile: d.area_code ? await decileOf(db, d.area_code) : null, qualifying: d.qualifying, owedPence: d.owed_pence, shape: shapeOf(d),
    });
  }
  return out;
}

export interface DealInput {
  investor?: unknown; investee?: unknown; title?: unknown; purpose?: unknown;
  grantPence?: unknown; loanPence?: unknown; equityPence?: unknown; interestBasisPoints?: unknown; termMonths?: unknown; holidayMonths?: unknown;
  startsOn?: unknown; area?: unknown; qualifying?: unknown;
}

/**
 * Makes a deal of any mix of grant, loan and equity (a Futurebuilders-style blended deal is a loan and a grant
 * together). The investor's officers make it; the schedule is worked out from the loan's terms and its total
 * (loan plus interest) is what repayments and write-offs may reach.
 */
export async function createDeal(db: Db, actor: Actor, input: DealInput, options: { form?: boolean } = {}): Promise<DealView> {
  const check = new Checker();
  const investor = await resolveOrganisation(db, check, input.investor, 'investor', 'the investor');
  if (investor) await requireOrganisationRole(db, actor, investor.id, OFFICER_ROLES);
  const investee = await resolveOrganisation(db, check, input.investee, 'investee', 'the organisation invested in');
  const title = check.text(input.title, 'title', 'a title for the deal', { max: 200 });
  const purpose = check.text(input.purpose, 'purpose', 'what the money is for', { max: 2000, optional: true });
  const pounds = options.form;
  const grant = readPence(check, input.grantPence, 'grantPence', 'the grant', { pounds, zero: true, optional: true });
  const loan = readPence(check, input.loanPence, 'loanPence', 'the loan', { pounds, zero: true, optional: true });
  const equity = readPence(check, input.equityPence, 'equityPence', 'the equity', { pounds, zero: true, optional: true });
  const bp = readBasisPoints(check, input.interestBasisPoints, 'interestBasisPoints', { percent: options.form });
  const term = loan ? readWhole(check, input.termMonths, 'termMonths', 'the loan’s term in months', 1, 360) : null;
  const holiday = loan ? readWhole(check, input.holidayMonths, 'holidayMonths', 'the repayment holiday in months', 0, 359, { optional: true }) ?? 0 : 0;
  const startsOn = readDay(check, input.startsOn, 'startsOn', 'the date the money is paid out');
  if (!check.errors.some((e) => ['grantPence', 'loanPence', 'equityPence'].includes(e.field)) && grant + loan + equity === 0) check.fail('loanPence', 'Enter at least one of a loan, a grant or equity, more than £0');
  if (grant + loan + equity > 10_000_000_000) check.fail('loanPence', 'A deal may be £100 million or less in all');
  if (term !== null && holiday >= term) check.fail('holidayMonths', 'The repayment holiday must be shorter than the term');
  if (!loan && bp) check.fail('interestBasisPoints', 'Interest is charged on a loan: enter a loan, or leave interest empty');
  if (investor && investee && investor.id === investee.id) check.fail('investee', 'An organisation cannot invest in itself');
  let areaCode: string | null = null;
  const areaText = typeof input.area === 'string' ? input.area.trim() : '';
  if (areaText) {
    if (/^[ES]0[0-9]{7}$/i.test(areaText)) areaCode = areaText.toUpperCase();
    else {
      const found = await placesOf(db, { postcodes: [areaText], areaCodes: [] });
      areaCode = found.postcodes.get(areaText)?.areaCode ?? null;
      if (!areaCode) check.fail('area', 'Enter the postcode the enterprise serves (one Commonweal knows), or its small-area code, like E01008372');
    }
  }
  check.done();
  const schedule = loan ? calc.repaymentSchedule({ principalPence: loan, interestBasisPoints: bp, termMonths: term!, holidayMonths: holiday, startsOn: startsOn! }) : [];
  return inTransaction(db, async (trx) => {
    const row = await repo.insertDeal(trx, {
      organisation_id: investor!.id, investee_organisation_id: investee!.id, title, purpose, grant_pence: grant, loan_pence: loan, equity_pence: equity,
      interest_basis_points: bp, term_months: term, holiday_months: holiday, starts_on: startsOn!, area_code: areaCode, qualifying: readBoolean(input.qualifying),
      owed_pence: calc.totalOwed(schedule), created_by: actor.userId,
    });
    await recordAudit(trx, actor, { action: 'investment.deal.made', entityType: 'investment_deal', entityId: row.id, organisationId: row.organisation_id, after: row });
    return (await presentDeals(trx, [row]))[0]!;
  });
}

async function dealRowFor(db: Db, actor: Actor, dealId: string): Promise<repo.DealRow> {
  const row = await repo.findDeal(db, id(dealId, 'deal'));
  if (!row) throw new AppError('not_found', 'There is no deal with that reference');
  if (!(await isMember(db, actor, [row.organisation_id, row.investee_organisation_id]))) throw new AppError(actor.userId || actor.isAdmin ? 'forbidden' : 'unauthenticated', 'Only the investor and the organisation invested in can see a deal');
  return row;
}

/** A deal with its schedule, where it stands today, its repayments and write-offs, and the investee's outcomes. */
export async function getDeal(db: Db, actor: Actor, dealId: string, on: string = today()): Promise<DealDetail> {
  const row = await dealRowFor(db, actor, dealId);
  const [view] = await presentDeals(db, [row]);
  const [repayments, writeOffs] = await Promise.all([repo.listDealRepayments(db, row.organisation_id, [row.id]), repo.listWriteOffs(db, row.organisation_id, [row.id])]);
  const schedule = row.loan_pence ? calc.repaymentSchedule({ principalPence: row.loan_pence, interestBasisPoints: row.interest_basis_points, termMonths: row.term_months!, holidayMonths: row.holiday_months, startsOn: row.starts_on }) : [];
  const outcomes = [];
  for (const c of await listContracts(db, { providerOrganisationId: row.investee_organisation_id })) {
    const l = await outcomesLedger(db, c.id);
    outcomes.push({ contractId: c.id, title: c.title, validatedPence: l.validatedPence, paidPence: l.paidPence, capPence: l.capPence, claims: l.claims });
  }
  return {
    ...view!, schedule,
    position: calc.position(schedule, repayments.map((r) => ({ paidOn: r.paid_on, amountPence: r.amount_pence })), writeOffs.map((w) => ({ on: w.written_off_on, amountPence: w.amount_pence })), on),
    repayments: repayments.map((r) => ({ id: r.id, paidOn: r.paid_on, amountPence: r.amount_pence, reference: r.reference })),
    writeOffs: writeOffs.map((w) => ({ id: w.id, on: w.written_off_on, amountPence: w.amount_pence, reason: w.reason })),
    outcomes, canManage: await isOfficer(db, actor, row.organisation_id),
  };
}

/** The deals a person may see: those of organisations they belong to, as investor or investee (all for a site administrator). */
export async function dealsFor(db: Db, actor: Actor, organisationIds: string[]): Promise<DealView[]> {
  if (!actor.userId && !actor.isAdmin) return [];
  return presentDeals(db, await repo.listDeals(db, actor.isAdmin ? {} : { organisationIds }));
}

export async function recordDealRepayment(db: Db, actor: Actor, dealId: string, input: { paidOn?: unknown; amountPence?: unknown; reference?: unknown }, options: { pounds?: boolean } = {}): Promise<DealDetail> {
  const row = await dealRowFor(db, actor, dealId);
  await requireOrganisationRole(db, actor, row.organisation_id, OFFICER_ROLES);
  const check = new Checker();
  const on = readDay(check, input.paidOn, 'paidOn', 'the date it was paid');
  const amount = readPence(check, input.amountPence, 'amountPence', 'the amount repaid', { pounds: options.pounds });
  const reference = check.text(input.reference, 'reference', 'the payment reference', { max: 200, optional: true });
  if (on && on > today()) check.fail('paidOn', 'The date it was paid cannot be in the future');
  if (on && on < row.starts_on) check.fail('paidOn', `A repayment cannot come before the money was paid out (${row.starts_on})`);
  if (!row.loan_pence) check.fail('amountPence', 'This deal has no loan to repay');
  check.done();
  await inTransaction(db, async (trx) => {
    await settleWithin(trx, row, amount, 'amountPence');
    let r: repo.DealRepaymentRow;
    try {
      r = await repo.insertDealRepayment(trx, { organisation_id: row.organisation_id, deal_id: row.id, paid_on: on!, amount_pence: amount, reference, recorded_by: actor.userId });
    } catch (error) { ruleError(error, 'amountPence'); }
    await recordAudit(trx, actor, { action: 'investment.deal.repaid', entityType: 'investment_deal', entityId: row.id, organisationId: row.organisation_id, after: r });
  });
  return getDeal(db, actor, row.id);
}

async function settleWithin(trx: Db, row: repo.DealRow, amount: number, field: string): Promise<void> {
  const locked = await repo.lockDeal(trx, row.organisation_id, row.id);
  const [reps, offs] = await Promise.all([repo.listDealRepayments(trx, row.organisation_id, [row.id]), repo.listWriteOffs(trx, row.organisation_id, [row.id])]);
  const settled = reps.reduce((s, r) => s + r.amount_pence, 0) + offs.reduce((s, w) => s + w.amount_pence, 0);
  if (settled + amount > locked!.owed_pence) {
    const message = `${calc.poundsText(amount)} is more than the ${calc.poundsText(locked!.owed_pence - settled)} still owed on this loan`;
    throw new AppError('unprocessable', message, { fieldErrors: [{ field, message }] });
  }
}

/** Writes off part or all of what is owed, with a reason (a loss the investor takes; CITM3010's “C”). */
export async function writeOff(db: Db, actor: Actor, dealId: string, input: { on?: unknown; amountPence?: unknown; reason?: unknown }, options: { pounds?: boolean } = {}): Promise<DealDetail> {
  const row = await dealRowFor(db, actor, dealId);
  await requireOrganisationRole(db, actor, row.organisation_id, OFFICER_ROLES);
  const check = new Checker();
  const on = readDay(check, input.on, 'on', 'the date of the write-off');
  const amount = readPence(check, input.amountPence, 'amountPence', 'the amount written off', { pounds: options.pounds });
  const reason = check.text(input.reason, 'reason', 'why it is written off', { max: 1000 });
  if (on && on > today()) check.fail('on', 'The date of the write-off cannot be in the future');
  if (!row.loan_pence) check.fail('amountPence', 'This deal has no loan to write off');
  check.done();
  await inTransaction(db, async (trx) => {
    await settleWithin(trx, row, amount, 'amountPence');
    let w: repo.WriteOffRow;
    try {
      w = await repo.insertWriteOff(trx, { organisation_id: row.organisation_id, deal_id: row.id, written_off_on: on!, amount_pence: amount, reason, recorded_by: actor.userId });
    } catch (error) { ruleError(error, 'amountPence'); }
    await recordAudit(trx, actor, { action: 'investment.deal.written_off', entityType: 'investment_deal', entityId: row.id, organisationId: row.organisation_id, after: w });
  });
  return getDeal(db, actor, row.id);
}

// ---------------------------------------------------------------------------------------------------------
// Work

export async function certificatesDue(db: Db, userId: string, on: string = today()) {
  return repo.certificatesDueFor(db, userId, OFFICER_ROLES, calc.addDays(on, -30));
}

/** Loans of the person's investing organisations with instalments due and not paid, oldest first. */
export async function overdueLoans(db: Db, userId: string, on: string = today()): Promise<{ deal: DealView; position: calc.Position }[]> {
  // One query for the person's loans with what was settled by `on`; a loan's schedule is fixed with its terms
  // (a trigger refuses changing them), so it is worked out once per deal and kept.
  const rows = await repo.loanDealsSettledBy(db, userId, OFFICER_ROLES, on);
  const overdue: { row: repo.DealRow; position: calc.Position }[] = [];
  for (const row of rows) {
    const pos = calc.position(scheduleOf(row), [{ paidOn: on, amountPence: Number(row.repaid_pence) }], [{ on, amountPence: Number(row.written_off_pence) }], on);
    if (pos.arrearsPence > 0) overdue.push({ row, position: pos });
  }
  overdue.sort((a, b) => (a.position.oldestUnpaidDueOn ?? '').localeCompare(b.position.oldestUnpaidDueOn ?? ''));
  const listed = overdue.slice(0, 100);
  const deals = await presentDeals(db, listed.map((o) => o.row));
  return listed.map((o, i) => ({ deal: deals[i]!, position: o.position }));
}

const schedules = new Map<string, calc.Instalment[]>();
const schedulesKept = 10_000;

/** A loan deal's repayment schedule, worked out once per deal (its terms never change) and kept for the next ask. */
function scheduleOf(row: repo.DealRow): calc.Instalment[] {
  const key = `${row.id} ${row.loan_pence} ${row.interest_basis_points} ${row.term_months} ${row.holiday_months} ${row.starts_on}`;
  let schedule = schedules.get(key);
  if (!schedule) {
    schedule = calc.repaymentSchedule({ principalPence: row.loan_pence, interestBasisPoints: row.interest_basis_points, termMonths: row.term_months!, holidayMonths: row.holiday_months, startsOn: row.starts_on });
    if (schedules.size >= schedulesKept) schedules.delete(schedules.keys().next().value!);
    schedules.set(key, schedule);
  }
  return schedule;
}
