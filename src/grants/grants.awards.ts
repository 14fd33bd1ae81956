// Panel decisions and awards of a grant programme (issue 19).
//
// The panel chair (or, when the programme has none, the funder's staff) decides an eligible application with
// reasons and feedback for the applicant. One decision per application: the application row is locked and the
// decision's primary key is the application, so of two decisions sent at once one wins and the other is refused
// (409), nothing of it written. An award is never more than the budget left: checked here with a clear message,
// and by the database whatever process writes (migration 0040).
//
// Every award is a 360Giving grant of the funder from the moment it is made: published in the same transaction
// through the grants service (publishProgrammeGrant), with the programme and the beneficiary's small area, so
// it appears in /grants/search, exports and the fairness lens at once. A programme drawing on a pot names the
// pot in the grant's relatedActivity, so the award is the pot's onward grant (grants.chains.ts).
//
// After the award: payments in instalments (recorded as paid by the funder), monitoring reports and an
// end-of-grant report due on dates (in the recipient's inbox from 30 days before), variations with reasons,
// and closing once every payment is made and the end-of-grant report is in.
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../platform/module.ts';
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { enqueueEmail } from '../platform/outbox.repository.ts';
import { getOrganisation } from '../organisations/organisations.service.ts';
import { publishProgrammeGrant } from './grants.service.ts';
import { publishGrantPayment } from '../spend/spend.grantpayments.ts';
import * as repo from './grants.programmes.repository.ts';
import { loadApplication } from './grants.applications.ts';
import { addMonths, poundsText, runsProgramme, today } from './grants.programmes.ts';

export interface DecisionInput {
  decision?: unknown; amountPence?: unknown; reasons?: unknown; feedback?: unknown;
  conditions?: unknown; instalments?: unknown; months?: unknown;
}

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** The 360Giving id of an award's grant: the prefix 360G- and Commonweal's own, then the award's id. */
export const grantIdOf = (awardId: string) => `360G-commonweal-${awardId}`;

function checkDecision(input: DecisionInput) {
  const errors: { field: string; message: string }[] = [];
  const decision = String(input.decision ?? '');
  if (decision !== 'award' && decision !== 'decline') errors.push({ field: 'decision', message: 'Choose whether to award a grant or decline' });
  const reasons = text(input.reasons);
  if (!reasons) errors.push({ field: 'reasons', message: 'Give the panel’s reasons: they are published with the decision' });
  else if (reasons.length > 5000) errors.push({ field: 'reasons', message: 'The reasons must be 5,000 characters or fewer' });
  const feedback = text(input.feedback);
  if (feedback.length > 5000) errors.push({ field: 'feedback', message: 'The feedback must be 5,000 characters or fewer' });
  const conditions = text(input.conditions);
  if (conditions.length > 5000) errors.push({ field: 'conditions', message: 'The conditions must be 5,000 characters or fewer' });
  let amount: number | null = null;
  let instalments = 1;
  let months = 12;
  if (decision === 'award') {
    if (typeof input.amountPence !== 'number' || !Number.isSafeInteger(input.amountPence) || input.amountPence <= 0) errors.push({ field: 'amountPence', message: 'Enter the amount awarded, in pounds, more than £0' });
    else amount = input.amountPence;
    if (input.instalments !== undefined && input.instalments !== '') {
      instalments = Number(input.instalments);
      if (!Number.isInteger(instalments) || instalments < 1 || instalments > 12) errors.push({ field: 'instalments', message: 'Pay it in 1 to 12 instalments' });
    }
    if (input.months !== undefined && input.months !== '') {
      months = Number(input.months);
      if (!Number.isInteger(months) || months < 1 || months > 60) errors.push({ field: 'months', message: 'The grant lasts 1 to 60 months' });
    }
  }
  if (errors.length) throw AppError.validation(errors);
  return { decision: decision as 'award' | 'decline', reasons, feedback, conditions, amount, instalments, months };
}

/** Instalments, the remainder in the first: monthly from the award date. */
export function instalmentsOf(amount: number, n: number, from: string) {
  const each = Math.floor(amount / n);
  return Array.from({ length: n }, (_, i) => ({ number: i + 1, due_on: addMonths(from, i), amount_pence: i === 0 ? amount - each * (n - 1) : each }));
}

/** Monitoring reports every six months of the grant, then the end-of-grant report at its end. */
export function reportsOf(months: number, from: string) {
  const out: { number: number; kind: 'monitoring' | 'end'; due_on: string }[] = [];
  for (let m = 6; m < months; m += 6) out.push({ number: out.length + 1, kind: 'monitoring', due_on: addMonths(from, m) });
  out.push({ number: out.length + 1, kind: 'end', due_on: addMonths(from, months) });
  return out;
}

/** Whether the actor may decide this programme's applications: its panel chair, or its staff when it has none. */
async function mayDecide(db: Db, actor: Actor, p: { organisation_id: string; panel_chair_id: string | null }) {
  if (p.panel_chair_id) return actor.userId === p.panel_chair_id || actor.isAdmin;
  return runsProgramme(db, actor, p);
}

/**
 * The panel decides an eligible application: award (with the amount, conditions, instalments and length) or
 * decline, with reasons (public) and feedback (for the applicant). An award is made and published as a
 * 360Giving grant in the same transaction. The applicant is told by email with the feedback. Audited.
 */
export async function decideApplication(ctx: AppContext, actor: Actor, id: string, input: DecisionInput) {
  const d = checkDecision(input);
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const { app, programme: p } = await loadApplication(trx, actor, id, { forUpdate: true });
      if (!(await mayDecide(trx, actor, p))) throw new AppError('forbidden', 'Only the programme’s panel chair records its decisions');
      if (app.status === 'awarded' || app.status === 'declined') throw new AppError('conflict', `This application was decided already (${app.status}): a second decision is refused`);
      if (app.status !== 'eligible') throw new AppError('conflict', 'Only an eligible application can be decided');
      const assessed = (await repo.assessmentsOf(trx, app.organisation_id, app.id)).some((a) => a.submitted_at);
      if (!assessed) throw new AppError('unprocessable', 'No assessor has scored this application yet: the panel decides on assessments');
      const on = today();
      let award: { id: string; grantId: string } | null = null;
      if (d.decision === 'award') {
        const amount = d.amount!;
        if (amount > p.max_pence) throw AppError.validation([{ field: 'amountPence', message: `The largest grant of this programme is ${poundsText(p.max_pence)}` }]);
        // Serialise awards of the programme, then check the budget left (the trigger checks it again).
        await repo.findProgramme(trx, p.id, { forUpdate: true });
        const left = p.budget_pence - await repo.awardedPence(trx, p.organisation_id, p.id);
        if (amount > left) throw new AppError('unprocessable', `An award of ${poundsText(amount)} is more than the ${poundsText(left)} left of the programme’s budget`, { fieldErrors: [{ field: 'amountPence', message: `Only ${poundsText(left)} of the budget is left` }] });
        const decided = await repo.insertDecision(trx, { organisation_id: app.organisation_id, application_id: app.id, decision: 'award', amount_pence: amount, reasons: d.reasons, feedback: d.feedback, decided_by: actor.userId });
        if (!decided) throw new AppError('conflict', 'This application was decided already: a second decision is refused');
        const awardId = randomUUID();
        const grantId = grantIdOf(awardId);
        await repo.insertAward(trx, { id: awardId, organisation_id: app.organisation_id, programme_id: p.id, application_id: app.id, grant_id: grantId, amount_pence: amount, conditions: d.conditions, awarded_on: on });
        await repo.insertPayments(trx, instalmentsOf(amount, d.instalments, on).map((x) => ({ ...x, organisation_id: app.organisation_id, award_id: awardId, paid_by: null })));
        await repo.insertReports(trx, reportsOf(d.months, on).map((x) => ({ ...x, organisation_id: app.organisation_id, award_id: awardId, submitted_by: null })));
        const funder = await getOrganisation(trx, p.organisation_id);
        const recipient = app.applicant_organisation_id ? await getOrganisation(trx, app.applicant_organisation_id) : null;
        const grant: Record<string, unknown> = {
          id: grantId, title: app.title, description: `${p.title}: ${p.purpose}`.slice(0, 2000), currency: 'GBP', amountAwarded: amount / 100, awardDate: on,
          recipientOrganization: [{ id: recipient?.identifiers[0] ?? `360G-commonweal-group-${app.id}`, name: app.applicant_name, ...(app.postcode ? { postalCode: app.postcode } : {}) }],
          fundingOrganization: [{ id: funder.identifiers[0] ?? `360G-commonweal-${funder.slug}`, name: funder.name }],
          grantProgramme: [{ code: p.id, title: p.title }],
          plannedDates: [{ startDate: on, endDate: addMonths(on, d.months), duration: d.months }],
          ...(app.area_code ? { beneficiaryLocation: [{ geoCode: app.area_code, geoCodeType: app.area_code.startsWith('S01') ? 'DZ' : 'LSOA' }] }
            : app.la_code ? { beneficiaryLocation: [{ geoCode: app.la_code, geoCodeType: 'LAD' }] } : {}),
          ...(p.pot_grant_id ? { relatedActivity: [p.pot_grant_id] } : {}),
        };
        await publishProgrammeGrant(trx, actor, p.organisation_id, grant);
        award = { id: awardId, grantId };
      } else {
        const decided = await repo.insertDecision(trx, { organisation_id: app.organisation_id, application_id: app.id, decision: 'decline', amount_pence: null, reasons: d.reasons, feedback: d.feedback, decided_by: actor.userId });
        if (!decided) throw new AppError('conflict', 'This application was decided already: a second decision is refused');
      }
      await repo.updateApplication(trx, app.organisation_id, app.id, { status: d.decision === 'award' ? 'awarded' : 'declined' });
      for (const to of await recipientEmails(trx, app)) {
        await enqueueEmail(trx, {
          to, kind: 'grants.application-decided',
          subject: d.decision === 'award' ? `${p.title}: you are awarded ${poundsText(d.amount!)}` : `${p.title}: the panel’s decision on your application`,
          text: [
            d.decision === 'award' ? `The panel awarded ${app.applicant_name} ${poundsText(d.amount!)} for “${app.title}”.` : `The panel did not award a grant to ${app.applicant_name} for “${app.title}”.`,
            '', `The panel’s reasons: ${d.reasons}`, ...(d.feedback ? ['', `Feedback for you: ${d.feedback}`] : []),
            ...(award ? ['', ...(d.conditions ? [`Conditions of the grant: ${d.conditions}`, ''] : []), `Your grant agreement, payments and reports: ${ctx.config.baseUrl}/grants/awards/${award.id}`] : []),
          ].join('\n') + '\n',
        });
      }
      await recordAudit(trx, actor, { action: 'grants.application.decided', entityType: 'grants_application', entityId: app.id, organisationId: app.organisation_id, after: { decision: d.decision, amountPence: d.amount, reasons: d.reasons, award } });
      return { decision: d.decision, amountPence: d.amount, award };
    });
  } catch (error) {
    // The database's own rules, met by a writer that raced this one: the same answers as the checks above.
    const e = error as { code?: string; message?: string };
    if (e.code === '23505' && /grants_decisions/.test(e.message ?? '')) throw new AppError('conflict', 'This application was decided already: a second decision is refused');
    if (e.code === '23514' && /budget/.test(e.message ?? '')) throw new AppError('unprocessable', 'The award is more than the budget left of the programme');
    throw error;
  }
}

export interface AwardView {
  id: string; grantId: string; status: 'active' | 'closed'; awardedOn: string; amountPence: number; conditions: string;
  programme: { id: string; title: string };
  funder: { id: string; name: string; slug: string };
  recipient: string; title: string; laCode: string | null;
  reasons: string | null;
  /** `spend`: the spending line a paid instalment was published as (the funder is a verified public body), with its page. */
  payments: { number: number; dueOn: string; amountPence: number; paidOn: string | null; spend: { fileId: string; line: number; url: string } | null }[];
  /** `reminders`: the reminder emails sent about the report (grants.reminders.ts), for the funder and the recipient. */
  reports: { number: number; kind: 'monitoring' | 'end'; dueOn: string; submittedAt: string | null; text: string | null; reminders: { stage: 'due-soon' | 'overdue'; sentAt: string }[] }[];
  variations: { reason: string; conditions: string | null; madeAt: string }[];
  paidPence: number;
  /** What the actor may do: the funder manages payments, variations and closing; the recipient sends reports. */
  canManage: boolean; isRecipient: boolean;
}

async function loadAward(db: Db, id: string, options: { forUpdate?: boolean } = {}) {
  const w = await repo.findAward(db, id, options);
  if (!w) throw new AppError('not_found', 'No such award');
  const app = (await repo.findApplication(db, w.application_id))!;
  const p = (await repo.findProgramme(db, w.programme_id))!;
  return { w, app, p };
}

/** The applicant and the co-applicants: who hears about the decision, the payments and any variation. */
async function recipientEmails(db: Db, app: { id: string; organisation_id: string; applicant_id: string }): Promise<string[]> {
  const people = [(await repo.userName(db, app.applicant_id))?.email, ...(await repo.peopleOf(db, app.organisation_id, app.id)).map((x) => x.email)].filter((x): x is string => !!x);
  return [...new Set(people)];
}

async function isRecipientSide(db: Db, actor: Actor, app: { id: string; applicant_id: string }) {
  if (!actor.userId) return false;
  if (actor.userId === app.applicant_id) return true;
  const email = (await repo.userName(db, actor.userId))?.email ?? '';
  return repo.isCoApplicant(db, app.id, email);
}

/** An award (public: awards are), with what the actor may do. Report texts are shown to the funder and the recipient only. */
export async function getAward(db: Db, actor: Actor, id: string): Promise<AwardView> {
  const { w, app, p } = await loadAward(db, id);
  const [funder, payments, reports, variations, decision, canManage, isRecipient, reminders] = await Promise.all([
    getOrganisation(db, w.organisation_id), repo.paymentsOf(db, w.organisation_id, w.id), repo.reportsOf(db, w.organisation_id, w.id), repo.variationsOf(db, w.organisation_id, w.id),
    repo.decisionOf(db, w.organisation_id, app.id), runsProgramme(db, actor, p), isRecipientSide(db, actor, app), repo.remindersOf(db, w.organisation_id, w.id),
  ]);
  const privy = canManage || isRecipient;
  return {
    id: w.id, grantId: w.grant_id, status: w.status, awardedOn: w.awarded_on, amountPence: w.amount_pence, conditions: w.conditions,
    programme: { id: p.id, title: p.title }, funder: { id: funder.id, name: funder.name, slug: funder.slug },
    recipient: app.applicant_name, title: app.title, laCode: app.la_code, reasons: decision?.reasons ?? null,
    payments: payments.map((x) => ({
      number: x.number, dueOn: x.due_on, amountPence: x.amount_pence, paidOn: x.paid_on,
      spend: x.spend_file_id && x.spend_line ? { fileId: x.spend_file_id, line: x.spend_line, url: `/spend/${funder.slug}/files/${x.spend_file_id}` } : null,
    })),
    reports: reports.map((r) => ({
      number: r.number, kind: r.kind, dueOn: r.due_on, submittedAt: r.submitted_at ? new Date(r.submitted_at).toISOString() : null, text: privy ? r.text : null,
      reminders: privy ? reminders.filter((m) => m.number === r.number).map((m) => ({ stage: m.stage, sentAt: new Date(m.sent_at).toISOString() })) : [],
    })),
    variations: variations.map((v) => ({ reason: v.reason, conditions: v.conditions, madeAt: new Date(v.made_at).toISOString() })),
    paidPence: payments.filter((x) => x.paid_on).reduce((s, x) => s + x.amount_pence, 0), canManage, isRecipient,
  };
}

/** Public: a programme's decisions (awards with recipient and reasons; declines counted, not named) and its awards. */
export async function programmeDecisions(db: Db, programmeId: string) {
  const p = await repo.findProgramme(db, programmeId);
  if (!p) throw new AppError('not_found', 'No such grant programme');
  const rows = await repo.decisionsOfProgramme(db, p.organisation_id, p.id);
  return {
    awards: rows.filter((r) => r.decision === 'award').map((r) => ({ awardId: r.award_id, grantId: r.grant_id, recipient: r.applicant_name, title: r.title, amountPence: Number(r.amount_pence), reasons: r.reasons, decidedOn: new Date(r.decided_at).toISOString().slice(0, 10), laCode: r.la_code })),
    declined: rows.filter((r) => r.decision === 'decline').length,
  };
}

async function requireFunder(db: Db, actor: Actor, p: { organisation_id: string }) {
  if (!(await runsProgramme(db, actor, p))) throw new AppError(actor.userId ? 'forbidden' : 'unauthenticated', 'Only the funder’s staff manage this award');
}

const isDay = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);

/** Records an instalment as paid (the funder). Paid twice: 409. */
export async function recordPayment(ctx: AppContext, actor: Actor, id: string, number: number, input: { paidOn?: unknown }) {
  const paidOn = input.paidOn === undefined || input.paidOn === '' ? today() : input.paidOn;
  if (!isDay(paidOn)) throw AppError.validation([{ field: 'paidOn', message: 'The date paid must be a real date, like 28 11 2026' }]);
  if (paidOn > today()) throw AppError.validation([{ field: 'paidOn', message: 'The date paid cannot be in the future' }]);
  return ctx.db.transaction().execute(async (trx) => {
    const { w, app, p } = await loadAward(trx, id, { forUpdate: true });
    await requireFunder(trx, actor, p);
    if (w.status === 'closed') throw new AppError('conflict', 'This award is closed');
    const done = await repo.markPaid(trx, w.organisation_id, w.id, number, paidOn, actor.userId);
    if (!done) throw new AppError('conflict', `Instalment ${number} is not due to be paid (paid already, or no such instalment)`);
    // A public body's payment is public spending: one line of the funder's spend data, in this transaction.
    const spend = await publishGrantPayment(trx, actor, {
      publisherId: w.organisation_id, recipientOrganisationId: app.applicant_organisation_id, recipientName: app.applicant_name,
      amountPence: Number(done.amount_pence), paidOn, programmeTitle: p.title, grantId: w.grant_id, instalment: number,
    });
    if (spend) await repo.setPaymentSpendLine(trx, w.organisation_id, w.id, number, spend.fileId, spend.line);
    await recordAudit(trx, actor, { action: 'grants.award.paid', entityType: 'grants_award', entityId: w.id, organisationId: w.organisation_id, after: { number, paidOn, spend } });
    for (const to of await recipientEmails(trx, app)) {
      await enqueueEmail(trx, {
        to, kind: 'grants.award-paid', subject: `${p.title}: instalment ${number} of your grant is paid`,
        text: `${p.title}: the funder recorded instalment ${number} of ${app.applicant_name}’s grant, ${poundsText(Number(done.amount_pence))}, as paid on ${paidOn}.\n\nYour grant agreement, payments and reports: ${ctx.config.baseUrl}/grants/awards/${w.id}\n`,
      });
    }
    return { number, paidOn, spend };
  });
}

/** The recipient sends a monitoring or end-of-grant report. Sent twice: 409. */
export async function submitReport(ctx: AppContext, actor: Actor, id: string, number: number, input: { text?: unknown }) {
  const body = text(input.text);
  if (!body) throw AppError.validation([{ field: 'text', message: 'Write the report: what you did, for whom, and what changed' }]);
  if (body.length > 20_000) throw AppError.validation([{ field: 'text', message: 'The report must be 20,000 characters or fewer' }]);
  return ctx.db.transaction().execute(async (trx) => {
    const { w, app } = await loadAward(trx, id, { forUpdate: true });
    if (!(await isRecipientSide(trx, actor, app))) throw new AppError(actor.userId ? 'forbidden' : 'unauthenticated', 'Only the grant’s recipient sends its reports');
    if (w.status === 'closed') throw new AppError('conflict', 'This award is closed');
    const done = await repo.submitReport(trx, w.organisation_id, w.id, number, body, actor.userId);
    if (!done) throw new AppError('conflict', `Report ${number} was sent already, or there is no such report`);
    await recordAudit(trx, actor, { action: 'grants.award.reported', entityType: 'grants_award', entityId: w.id, organisationId: w.organisation_id, after: { number } });
    return { number };
  });
}

/** A variation of the award (the funder): a reason, and the conditions as they now stand. */
export async function varyAward(ctx: AppContext, actor: Actor, id: string, input: { reason?: unknown; conditions?: unknown }) {
  const reason = text(input.reason);
  const conditions = input.conditions === undefined ? null : text(input.conditions);
  if (!reason) throw AppError.validation([{ field: 'reason', message: 'Say why the grant is varied' }]);
  if (reason.length > 2000) throw AppError.validation([{ field: 'reason', message: 'The reason must be 2,000 characters or fewer' }]);
  if (conditions && conditions.length > 5000) throw AppError.validation([{ field: 'conditions', message: 'The conditions must be 5,000 characters or fewer' }]);
  return ctx.db.transaction().execute(async (trx) => {
    const { w, app, p } = await loadAward(trx, id, { forUpdate: true });
    await requireFunder(trx, actor, p);
    if (w.status === 'closed') throw new AppError('conflict', 'This award is closed');
    await repo.insertVariation(trx, { organisation_id: w.organisation_id, award_id: w.id, reason, conditions, made_by: actor.userId });
    if (conditions !== null) await repo.setAwardStatus(trx, w.organisation_id, w.id, { conditions });
    await recordAudit(trx, actor, { action: 'grants.award.varied', entityType: 'grants_award', entityId: w.id, organisationId: w.organisation_id, before: { conditions: w.conditions }, after: { reason, conditions } });
    // The recipient is told of any change to its grant agreement, with the reason and the conditions now.
    for (const to of await recipientEmails(trx, app)) {
      await enqueueEmail(trx, {
        to, kind: 'grants.award-varied', subject: `${p.title}: your grant agreement was varied`,
        text: [`${p.title}: the funder varied ${app.applicant_name}’s grant.`, '', `Why: ${reason}`, ...(conditions !== null ? ['', `The conditions of the grant are now: ${conditions || 'none'}`] : []),
          '', `Your grant agreement, payments and reports: ${ctx.config.baseUrl}/grants/awards/${w.id}`].join('\n') + '\n',
      });
    }
    return { reason, conditions };
  });
}

/** Closes the award (the funder) once every instalment is paid and the end-of-grant report is in. */
export async function closeAward(ctx: AppContext, actor: Actor, id: string) {
  return ctx.db.transaction().execute(async (trx) => {
    const { w, p } = await loadAward(trx, id, { forUpdate: true });
    await requireFunder(trx, actor, p);
    if (w.status === 'closed') throw new AppError('conflict', 'This award is closed already');
    const unpaid = (await repo.paymentsOf(trx, w.organisation_id, w.id)).filter((x) => !x.paid_on);
    const end = (await repo.reportsOf(trx, w.organisation_id, w.id)).find((r) => r.kind === 'end');
    if (unpaid.length) throw new AppError('unprocessable', `${unpaid.length === 1 ? 'An instalment is' : `${unpaid.length} instalments are`} not paid yet: pay them before closing the grant`);
    if (end && !end.submitted_at) throw new AppError('unprocessable', 'The end-of-grant report is not in yet');
    await repo.setAwardStatus(trx, w.organisation_id, w.id, { status: 'closed', closed_at: new Date() });
    await recordAudit(trx, actor, { action: 'grants.award.closed', entityType: 'grants_award', entityId: w.id, organisationId: w.organisation_id });
    return { status: 'closed' as const };
  });
}
