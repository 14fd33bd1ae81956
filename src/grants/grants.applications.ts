// Applications to a grant programme (issue 19): save and return, check your answers, co-applicants invited by
// email, an equality-monitoring section kept apart, a receipt by email. Applying before a programme opens or
// after it closes is refused. Nothing of an application is public: the applicant and co-applicants see it, the
// funder's staff, the programme's assessors and its panel chair (never its equality-monitoring answers).
import type { AppContext } from '../platform/module.ts';
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { holdsRoleIn } from '../platform/auth/policy.ts';
import { normaliseEmail } from '../platform/email.ts';
import { enqueueEmail } from '../platform/outbox.repository.ts';
import { notifyWork, roleHolderIds } from '../platform/inbox.ts';
import { getOrganisation } from '../organisations/organisations.service.ts';
import { placesOf } from '../places/places.service.ts';
import * as repo from './grants.programmes.repository.ts';
import { applicationFiles, mayDownloadFiles, type UploadedFileView } from './grants.application-files.ts';
import { PROGRAMME_ROLES, poundsText, recipientTypeLabels, runsProgramme, stateOf, today, type Question, type RecipientType } from './grants.programmes.ts';

export const SCREEN_KIND = 'grants.application-to-screen';

const LEGAL_FORM_TYPES: Record<string, RecipientType> = {
  'registered-charity': 'charity', 'charitable-incorporated-organisation': 'charity', 'charitable-company': 'charity',
  'cic-guarantee': 'community-interest-company', 'cic-shares': 'community-interest-company',
  'community-benefit-society': 'community-benefit-society', 'co-operative-society': 'community-benefit-society',
  'company-limited-by-guarantee': 'company', 'community-group': 'unregistered-group',
};

/** The equality-monitoring questions: optional, kept apart, never shown to assessors. */
export const EQUALITY_QUESTIONS = [
  { key: 'ledBy', label: 'Is your group led by the people it serves?', choices: ['Yes', 'Partly', 'No', 'Prefer not to say'] },
  { key: 'communities', label: 'Which communities does your group mainly serve?', choices: ['Black, Asian and minority ethnic communities', 'Disabled people', 'LGBTQ+ people', 'Older people', 'Young people', 'Women and girls', 'Everyone in the area', 'Prefer not to say'] },
  { key: 'disabledLed', label: 'Is your group led by disabled people?', choices: ['Yes', 'No', 'Prefer not to say'] },
] as const;

const POSTCODE = /^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$/;
export const tidyPostcode = (s: string) => {
  const c = s.toUpperCase().replace(/\s+/g, '');
  return c.length >= 5 ? `${c.slice(0, -3)} ${c.slice(-3)}` : c;
};

type AppRow = NonNullable<Awaited<ReturnType<typeof repo.findApplication>>>;
type ProgrammeRow = NonNullable<Awaited<ReturnType<typeof repo.findProgramme>>>;

export type ApplicationRole = 'applicant' | 'co-applicant' | 'funder' | 'assessor' | 'panel-chair';

async function emailOf(db: Db, userId: string): Promise<string> {
  return (await repo.userName(db, userId))?.email ?? '';
}

/** What the actor is to this application; 404 for anybody else (nothing of an application is public). */
export async function roleIn(db: Db, actor: Actor, app: AppRow, p: ProgrammeRow): Promise<ApplicationRole> {
  if (actor.userId === app.applicant_id) return 'applicant';
  if (actor.userId && await repo.isCoApplicant(db, app.id, await emailOf(db, actor.userId))) return 'co-applicant';
  if (app.status !== 'draft') {
    if (await runsProgramme(db, actor, p)) return 'funder';
    if (actor.userId && p.panel_chair_id === actor.userId) return 'panel-chair';
    if (actor.userId && await repo.isAssessor(db, p.organisation_id, p.id, actor.userId)) return 'assessor';
  }
  throw new AppError('not_found', 'No such application');
}

export async function loadApplication(db: Db, actor: Actor, id: string, options: { forUpdate?: boolean } = {}) {
  const app = await repo.findApplication(db, id, options);
  if (!app) throw new AppError('not_found', 'No such application');
  const p = (await repo.findProgramme(db, app.programme_id))!;
  return { app, programme: p, role: await roleIn(db, actor, app, p) };
}

const isApplicantSide = (r: ApplicationRole) => r === 'applicant' || r === 'co-applicant';

/** Applying is refused before the programme opens and after it closes (the close date is the last day). */
function requireOpen(p: ProgrammeRow) {
  const s = stateOf(p);
  if (s === 'closed') throw new AppError('unprocessable', `This programme closed on ${p.closes_on}: applications are no longer taken`);
  if (s === 'upcoming') throw new AppError('unprocessable', `This programme opens on ${p.opens_on}: you can apply from then`);
}

export interface StartInput {
  /** The applicant organisation (one the person belongs to), by id, slug, org-id or exact name; or none, for an unregistered group. */
  organisation?: unknown;
  /** For an unregistered group: its name, that it has a bank account, and its two unrelated signatories. */
  groupName?: unknown;
  bankAccount?: unknown;
  signatories?: unknown;
  signatoriesUnrelated?: unknown;
}

/**
 * Starts an application (a draft, saved as it is filled in). The applicant is an organisation the person
 * belongs to, whose legal form the programme takes, or an unregistered group with a bank account and two
 * unrelated signatories, if the programme takes those. Refused when the programme is not open. Audited.
 */
export async function startApplication(ctx: AppContext, actor: Actor, programmeId: string, input: StartInput) {
  if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to apply');
  const p = await repo.findProgramme(ctx.db, programmeId);
  if (!p) throw new AppError('not_found', 'No such grant programme');
  requireOpen(p);
  let name: string;
  let organisationId: string | null = null;
  let type: RecipientType;
  let group: unknown = null;
  if (input.organisation) {
    const org = await getOrganisation(ctx.db, String(input.organisation));
    if (!(await holdsRoleIn(ctx.db, actor.userId, [org.id], ['admin', 'staff', 'finance', 'coordinator', 'commissioner', 'moderator', 'evaluator']))) {
      throw new AppError('forbidden', `You can apply for ${org.name} only if you belong to it`);
    }
    const t = LEGAL_FORM_TYPES[org.legalForm];
    if (!t) throw AppError.validation([{ field: 'organisation', message: `${org.name} is a ${org.legalFormLabel.toLowerCase()}: this programme gives to community and voluntary groups only` }]);
    name = org.name; organisationId = org.id; type = t;
  } else {
    const groupName = typeof input.groupName === 'string' ? input.groupName.trim() : '';
    const signatories = (Array.isArray(input.signatories) ? input.signatories : []).map((s) => String(s).trim()).filter(Boolean);
    const errors: { field: string; message: string }[] = [];
    if (!groupName) errors.push({ field: 'groupName', message: 'Enter your group’s name, or choose the organisation you apply for' });
    else if (groupName.length > 200) errors.push({ field: 'groupName', message: 'The group’s name must be 200 characters or fewer' });
    if (input.bankAccount !== true && input.bankAccount !== 'yes') errors.push({ field: 'bankAccount', message: 'An unregistered group needs a bank account in its own name' });
    if (signatories.length < 2 || new Set(signatories.map((s) => s.toLowerCase())).size < 2) errors.push({ field: 'signatories', message: 'Give the names of two different signatories of the group’s bank account' });
    if (input.signatoriesUnrelated !== true && input.signatoriesUnrelated !== 'yes') errors.push({ field: 'signatoriesUnrelated', message: 'The two signatories must not be related or live at the same address' });
    if (errors.length) throw AppError.validation(errors);
    name = groupName; type = 'unregistered-group'; group = { bankAccount: true, signatories: signatories.slice(0, 2), unrelated: true };
  }
  if (!p.recipient_types.includes(type)) {
    throw AppError.validation([{ field: 'organisation', message: `This programme does not give to ${recipientTypeLabels[type].toLowerCase()}: it gives to ${p.recipient_types.map((t) => recipientTypeLabels[t as RecipientType]?.toLowerCase() ?? t).join('; ')}` }]);
  }
  return ctx.db.transaction().execute(async (trx) => {
    const id = await repo.insertApplication(trx, {
      organisation_id: p.organisation_id, programme_id: p.id, applicant_id: actor.userId!, applicant_organisation_id: organisationId, applicant_name: name,
      recipient_type: type, group_details: group ? JSON.stringify(group) : null,
    });
    await recordAudit(trx, actor, { action: 'grants.application.started', entityType: 'grants_application', entityId: id, organisationId: p.organisation_id, after: { programme: p.id, applicant: name, type } });
    return { id };
  });
}

export interface AnswersInput { title?: unknown; amountPence?: unknown; postcode?: unknown; answers?: unknown }

/** Checks one answer against its question; returns the stored value or a message. */
function checkAnswer(q: Question, v: unknown): { value: unknown } | { message: string } {
  if (q.kind === 'budget') {
    const rows = (Array.isArray(v) ? v : []).map((r) => ({ item: String((r as { item?: unknown })?.item ?? '').trim(), pence: (r as { pence?: unknown })?.pence })).filter((r) => r.item || r.pence !== undefined && r.pence !== '');
    for (const [i, r] of rows.entries()) {
      if (!r.item) return { message: `${q.label}: row ${i + 1} has an amount but no item` };
      if (typeof r.pence !== 'number' || !Number.isSafeInteger(r.pence) || r.pence <= 0) return { message: `${q.label}: row ${i + 1} (“${r.item.slice(0, 40)}”) needs an amount in pounds, more than £0` };
    }
    return { value: rows.length ? rows : undefined };
  }
  const s = typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
  if (!s) return { value: undefined };
  if (s.length > 10_000) return { message: `${q.label}: the answer must be 10,000 characters or fewer` };
  if (q.kind === 'number' && !/^-?\d+(\.\d+)?$/.test(s.replace(/,/g, ''))) return { message: `${q.label}: enter a number` };
  if (q.kind === 'choice' && !q.choices.includes(s)) return { message: `${q.label}: choose one of the answers given` };
  if (q.kind === 'postcode' && !POSTCODE.test(tidyPostcode(s))) return { message: `${q.label}: enter a real postcode, like NE1 4ST` };
  return { value: q.kind === 'postcode' ? tidyPostcode(s) : q.kind === 'number' ? s.replace(/,/g, '') : s };
}

/**
 * Saves what is filled in so far (save and return): the title, the amount asked for, the postcode where the
 * work happens and the answers. Each answer is checked as it is saved (a wrong one is named and nothing is
 * saved); a missing one is only refused at submission. Applicant and co-applicants, while it is a draft and the
 * programme is open.
 */
export async function saveAnswers(ctx: AppContext, actor: Actor, id: string, input: AnswersInput) {
  return ctx.db.transaction().execute(async (trx) => {
    const { app, programme: p, role } = await loadApplication(trx, actor, id, { forUpdate: true });
    if (!isApplicantSide(role)) throw new AppError('forbidden', 'Only the applicant and co-applicants change an application');
    if (app.status !== 'draft') throw new AppError('conflict', 'This application was submitted already: it cannot be changed');
    requireOpen(p);
    const errors: { field: string; message: string }[] = [];
    const questions = p.questions as Question[];
    const given = (input.answers && typeof input.answers === 'object' ? input.answers : {}) as Record<string, unknown>;
    const answers = { ...(app.answers as Record<string, unknown>) };
    for (const q of questions) {
      if (!(q.key in given)) continue;
      const r = checkAnswer(q, given[q.key]);
      if ('message' in r) errors.push({ field: `answers.${q.key}`, message: r.message });
      else if (r.value === undefined) delete answers[q.key];
      else answers[q.key] = r.value;
    }
    const title = input.title === undefined ? app.title : String(input.title).trim();
    if (title.length > 200) errors.push({ field: 'title', message: 'The title must be 200 characters or fewer' });
    let amount = app.amount_pence;
    if (input.amountPence !== undefined && input.amountPence !== null && input.amountPence !== '') {
      if (typeof input.amountPence !== 'number' || !Number.isSafeInteger(input.amountPence) || input.amountPence <= 0) errors.push({ field: 'amountPence', message: 'Enter the amount you ask for, in pounds, more than £0' });
      else if (input.amountPence < p.min_pence || input.amountPence > p.max_pence) errors.push({ field: 'amountPence', message: `Ask for between ${poundsText(p.min_pence)} and ${poundsText(p.max_pence)}` });
      else amount = input.amountPence;
    } else if (input.amountPence === '' || input.amountPence === null) amount = null;
    let postcode = app.postcode;
    let area = app.area_code;
    let la = app.la_code;
    if (input.postcode !== undefined) {
      const s = String(input.postcode ?? '').trim();
      if (!s) { postcode = null; area = null; la = null; } else if (!POSTCODE.test(tidyPostcode(s))) errors.push({ field: 'postcode', message: 'Enter the postcode where the work happens, like NE1 4ST' });
      else {
        postcode = tidyPostcode(s);
        const found = (await placesOf(trx, { postcodes: [postcode], areaCodes: [] })).postcodes.get(postcode);
        area = found?.areaCode ?? null; la = found?.laCode ?? null;
        if (p.area_codes.length && la && !p.area_codes.includes(la)) errors.push({ field: 'postcode', message: `${postcode} is outside the areas this programme gives in` });
      }
    }
    if (errors.length) throw AppError.validation(errors);
    await repo.updateApplication(trx, app.organisation_id, app.id, { title, amount_pence: amount, postcode, area_code: area, la_code: la, answers: JSON.stringify(answers) });
    await recordAudit(trx, actor, { action: 'grants.application.saved', entityType: 'grants_application', entityId: app.id, organisationId: app.organisation_id, after: { fields: Object.keys(given).length } });
    return { id: app.id };
  });
}

/** What is missing before the application can be submitted, each naming its field. */
export function missingOf(app: AppRow, p: ProgrammeRow, fileKeys: ReadonlySet<string>): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  if (!app.title) out.push({ field: 'title', message: 'Give your project a title' });
  if (!app.amount_pence) out.push({ field: 'amountPence', message: `Say how much you ask for (${poundsText(p.min_pence)} to ${poundsText(p.max_pence)})` });
  if (!app.postcode) out.push({ field: 'postcode', message: 'Give the postcode where the work happens' });
  const answers = app.answers as Record<string, unknown>;
  for (const q of p.questions as Question[]) {
    if (q.required && q.kind === 'file' && !fileKeys.has(q.key)) out.push({ field: `answers.${q.key}`, message: `Upload a file for “${q.label}”` });
    else if (q.required && q.kind !== 'file' && answers[q.key] === undefined) out.push({ field: `answers.${q.key}`, message: `Answer “${q.label}”` });
  }
  return out;
}

/** The questions of an application that have a file. */
async function fileKeysOf(db: Db, app: AppRow): Promise<Set<string>> {
  return new Set((await repo.filesOf(db, app.organisation_id, app.id)).map((f) => f.question_key));
}

/** Saves the equality-monitoring answers (optional), apart from the application. Applicant and co-applicants only. */
export async function saveEquality(ctx: AppContext, actor: Actor, id: string, input: Record<string, unknown>) {
  return ctx.db.transaction().execute(async (trx) => {
    const { app, role } = await loadApplication(trx, actor, id);
    if (!isApplicantSide(role)) throw new AppError('not_found', 'No such application');
    const answers: Record<string, string> = {};
    for (const q of EQUALITY_QUESTIONS) {
      const v = typeof input[q.key] === 'string' ? (input[q.key] as string).trim() : '';
      if (!v) continue;
      if (!(q.choices as readonly string[]).includes(v)) throw AppError.validation([{ field: q.key, message: `${q.label}: choose one of the answers given` }]);
      answers[q.key] = v;
    }
    await repo.saveEquality(trx, app.organisation_id, app.id, JSON.stringify(answers));
    await recordAudit(trx, actor, { action: 'grants.application.equality-saved', entityType: 'grants_application', entityId: app.id, organisationId: app.organisation_id });
    return answers;
  });
}

/** The equality answers, for the applicant side only. */
export async function equalityAnswers(db: Db, actor: Actor, id: string): Promise<Record<string, string>> {
  const { app, role } = await loadApplication(db, actor, id);
  if (!isApplicantSide(role)) throw new AppError('not_found', 'No such application');
  return ((await repo.equalityOf(db, app.organisation_id, app.id))?.answers ?? {}) as Record<string, string>;
}

/** Invites a co-applicant by email: they can open and fill in the application when they sign in with that address. */
export async function inviteCoApplicant(ctx: AppContext, actor: Actor, id: string, emailInput: unknown) {
  const email = normaliseEmail(String(emailInput ?? ''));
  if (!email) throw AppError.validation([{ field: 'email', message: 'Enter the co-applicant’s email address, like name@example.org' }]);
  return ctx.db.transaction().execute(async (trx) => {
    const { app, programme: p, role } = await loadApplication(trx, actor, id);
    if (role !== 'applicant') throw new AppError('forbidden', 'Only the applicant invites co-applicants');
    if (app.status !== 'draft') throw new AppError('conflict', 'This application was submitted already');
    const user = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
    const added = await repo.addPerson(trx, { organisation_id: app.organisation_id, application_id: app.id, email, user_id: user?.id ?? null, invited_by: actor.userId });
    if (!added) throw new AppError('conflict', `${email} was invited already`);
    const inviter = await repo.userName(trx, actor.userId);
    await enqueueEmail(trx, {
      to: email, kind: 'grants.co-applicant', subject: `You are invited to apply with ${app.applicant_name} to ${p.title}`,
      text: `${inviter?.name ?? 'Someone'} invited you to help write ${app.applicant_name}’s application to “${p.title}”.\n\nSign in (or register) with this email address and open: ${ctx.config.baseUrl}/grants/applications/${app.id}\n\nApplications close on ${p.closes_on}.\n`,
    });
    await recordAudit(trx, actor, { action: 'grants.application.co-applicant-invited', entityType: 'grants_application', entityId: app.id, organisationId: app.organisation_id, after: { email } });
    return { email };
  });
}

/**
 * Submits the application: only while the programme is open (after the close date it is refused, and nothing
 * changes), only when nothing is missing. A receipt is emailed to the applicant and co-applicants, and the
 * funder's staff hear there is an application to screen. Audited.
 */
export async function submitApplication(ctx: AppContext, actor: Actor, id: string) {
  return ctx.db.transaction().execute(async (trx) => {
    const { app, programme: p, role } = await loadApplication(trx, actor, id, { forUpdate: true });
    if (!isApplicantSide(role)) throw new AppError('forbidden', 'Only the applicant and co-applicants submit an application');
    if (app.status !== 'draft') throw new AppError('conflict', 'This application was submitted already');
    requireOpen(p);
    const missing = missingOf(app, p, await fileKeysOf(trx, app));
    if (missing.length) throw AppError.validation(missing, 'The application is not complete');
    const at = new Date();
    await repo.updateApplication(trx, app.organisation_id, app.id, { status: 'submitted', submitted_at: at });
    const reference = app.id.slice(0, 8).toUpperCase();
    const people = [await emailOf(trx, app.applicant_id), ...(await repo.peopleOf(trx, app.organisation_id, app.id)).map((x) => x.email)].filter(Boolean);
    for (const to of new Set(people)) {
      await enqueueEmail(trx, {
        to, kind: 'grants.application-receipt', subject: `We have your application to ${p.title} (reference ${reference})`,
        text: `${app.applicant_name}’s application “${app.title}” for ${poundsText(app.amount_pence ?? 0)} to “${p.title}” was submitted on ${at.toISOString().slice(0, 10)}.\n\nReference: ${reference}\n\nThe funder checks it is eligible, then assessors score it and a panel decides. You will be told by email. See it here: ${ctx.config.baseUrl}/grants/applications/${app.id}\n`,
      });
    }
    await notifyWork(trx, {
      kind: SCREEN_KIND, userIds: await roleHolderIds(trx, [p.organisation_id], PROGRAMME_ROLES), except: actor.userId, baseUrl: ctx.config.baseUrl,
      href: `/grants/applications/${app.id}/screen`, subject: `An application to screen: ${app.title}`,
      text: `${app.applicant_name} applied to “${p.title}” for ${poundsText(app.amount_pence ?? 0)}. Check it is eligible before it goes to the assessors.`,
    });
    await recordAudit(trx, actor, { action: 'grants.application.submitted', entityType: 'grants_application', entityId: app.id, organisationId: app.organisation_id, after: { reference } });
    return { id: app.id, reference, submittedAt: at.toISOString() };
  });
}

export interface ApplicationView {
  id: string; reference: string; role: ApplicationRole;
  programme: { id: string; title: string; closesOn: string; state: string; questions: Question[]; minPence: number; maxPence: number };
  applicant: { name: string; organisationId: string | null; type: string; typeLabel: string; group: unknown };
  title: string; amountPence: number | null; postcode: string | null; areaCode: string | null; laCode: string | null;
  answers: Record<string, unknown>; status: string; screeningReason: string | null; submittedAt: string | null;
  people: { email: string }[]; missing: { field: string; message: string }[];
  /** The files of its `file` questions, by question key (name, type, size), and whether this person may download them. */
  files: Record<string, UploadedFileView>; mayDownloadFiles: boolean;
}

/** An application, for those who may see it (others: 404). The equality answers are never part of it. */
export async function getApplication(db: Db, actor: Actor, id: string): Promise<ApplicationView> {
  const { app, programme: p, role } = await loadApplication(db, actor, id);
  const files = await applicationFiles(db, app);
  return {
    id: app.id, reference: app.id.slice(0, 8).toUpperCase(), role,
    programme: { id: p.id, title: p.title, closesOn: p.closes_on, state: stateOf(p), questions: p.questions as Question[], minPence: p.min_pence, maxPence: p.max_pence },
    applicant: { name: app.applicant_name, organisationId: app.applicant_organisation_id, type: app.recipient_type, typeLabel: recipientTypeLabels[app.recipient_type as RecipientType] ?? app.recipient_type, group: app.group_details },
    title: app.title, amountPence: app.amount_pence, postcode: app.postcode, areaCode: app.area_code, laCode: app.la_code,
    answers: app.answers as Record<string, unknown>, status: app.status, screeningReason: app.screening_reason,
    submittedAt: app.submitted_at ? new Date(app.submitted_at).toISOString() : null,
    people: isApplicantSide(role) || role === 'funder' ? (await repo.peopleOf(db, app.organisation_id, app.id)).map((x) => ({ email: x.email })) : [],
    missing: missingOf(app, p, new Set(Object.keys(files))),
    files, mayDownloadFiles: await mayDownloadFiles(db, actor, app, role),
  };
}

/** The applications a person made or was invited to. */
export async function myApplications(db: Db, actor: Actor) {
  if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to see your applications');
  const rows = await repo.applicationsOfPerson(db, actor.userId, await emailOf(db, actor.userId));
  return rows.map((r) => ({ id: r.id, title: r.title || 'Untitled application', status: r.status, applicant: r.applicant_name, programme: { id: r.programme_id, title: r.programme_title, closesOn: r.closes_on } }));
}

/** The submitted applications of a programme, for its staff. */
export async function programmeApplications(db: Db, actor: Actor, programmeId: string) {
  const p = await repo.findProgramme(db, programmeId);
  if (!p || !(await runsProgramme(db, actor, p))) throw new AppError(actor.userId ? 'not_found' : 'unauthenticated', 'No such grant programme of yours');
  return (await repo.applicationsOfProgramme(db, p.organisation_id, p.id)).map((a) => ({ id: a.id, title: a.title, applicant: a.applicant_name, amountPence: a.amount_pence, status: a.status, submittedAt: a.submitted_at ? new Date(a.submitted_at).toISOString() : null }));
}

export { today };
