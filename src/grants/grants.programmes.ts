// Grant programmes (issue 19): a funder or community foundation opens a programme and groups apply to it
// (grants.applications.ts), assessors score (grants.assessment.ts), a panel decides and awards are made
// (grants.awards.ts), each award a 360Giving grant of the funder from the moment it is made.
//
// Who may open one: the staff, finance officers and administrators of a verified organisation (as for
// publishing grants, grants.service.ts), or a site administrator. A programme is public from the moment it is
// made: its purpose, where and to whom it gives, its amounts, dates, questions and criteria; so are its
// decisions and awards. Nothing of an application is.
import type { AppContext } from '../platform/module.ts';
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { holdsRoleIn, requireOrganisationRole } from '../platform/auth/policy.ts';
import { emailsTurnedOff } from '../platform/inbox.ts';
import { enqueueEmail } from '../platform/outbox.repository.ts';
import { getOrganisation, requireVerifiedOrganisation } from '../organisations/organisations.service.ts';
import { listLocalAuthorities } from '../places/places.service.ts';
import { potsReceived } from './grants.chains.ts';
import * as repo from './grants.programmes.repository.ts';

export const PROGRAMME_ROLES = ['admin', 'staff', 'finance'] as const;

export const RECIPIENT_TYPES = ['charity', 'company', 'community-interest-company', 'community-benefit-society', 'unregistered-group'] as const;
export type RecipientType = (typeof RECIPIENT_TYPES)[number];
export const recipientTypeLabels: Record<RecipientType, string> = {
  charity: 'Registered charities (including CIOs)',
  company: 'Companies limited by guarantee',
  'community-interest-company': 'Community interest companies',
  'community-benefit-society': 'Community benefit societies and co-operatives',
  'unregistered-group': 'Unregistered groups with a bank account and two unrelated signatories',
};

export const QUESTION_KINDS = ['text', 'number', 'choice', 'file', 'budget', 'postcode'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];
export const questionKindLabels: Record<QuestionKind, string> = { text: 'Text', number: 'Number', choice: 'Choice', file: 'File', budget: 'Budget table', postcode: 'Postcode' };

export interface Question { key: string; label: string; kind: QuestionKind; required: boolean; choices: string[] }
export interface Criterion { key: string; label: string; weight: number }

export const ALERT_KIND = 'grants.programme-alert';

/** Today as YYYY-MM-DD (UTC). */
export const today = (now: Date = new Date()) => now.toISOString().slice(0, 10);
export function addMonths(day: string, months: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(d.getUTCDate(), last))).toISOString().slice(0, 10);
}
export function poundsText(pence: number): string {
  return `£${(pence / 100).toLocaleString('en-GB', { minimumFractionDigits: pence % 100 ? 2 : 0, maximumFractionDigits: 2 })}`;
}

const ISO = /^\d{4}-\d{2}-\d{2}$/;
const isDay = (v: unknown): v is string => typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
const str = (v: unknown, max: number) => (typeof v === 'string' ? v.trim().slice(0, max + 1) : '');
const slugKey = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'q';

export interface ProgrammeInput {
  funder?: unknown; title?: unknown; purpose?: unknown; areas?: unknown; recipientTypes?: unknown;
  minPence?: unknown; maxPence?: unknown; budgetPence?: unknown; opensOn?: unknown; closesOn?: unknown;
  questions?: unknown; criteria?: unknown; panelChair?: unknown; pot?: unknown;
}

function isPence(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 && v <= 100_000_000_000;
}

/** Checks a programme's fields, naming each that is wrong. Areas are local authority codes (the page finds them by name). */
export async function checkProgrammeInput(db: Db, input: ProgrammeInput) {
  const errors: { field: string; message: string }[] = [];
  const title = str(input.title, 200);
  if (!title) errors.push({ field: 'title', message: 'Enter the programme’s name' });
  else if (title.length > 200) errors.push({ field: 'title', message: 'The name must be 200 characters or fewer' });
  const purpose = str(input.purpose, 5000);
  if (!purpose) errors.push({ field: 'purpose', message: 'Say what the programme is for' });
  else if (purpose.length > 5000) errors.push({ field: 'purpose', message: 'The purpose must be 5,000 characters or fewer' });
  const areas = Array.isArray(input.areas) ? [...new Set(input.areas.map((a) => String(a).trim().toUpperCase()).filter(Boolean))] : [];
  if (areas.length) {
    const known = new Set((await listLocalAuthorities(db)).map((l) => l.code));
    const unknown = areas.filter((a) => !known.has(a));
    if (unknown.length) errors.push({ field: 'areas', message: `No local authority has the code ${unknown.join(', ')}` });
  }
  const types = Array.isArray(input.recipientTypes) ? [...new Set(input.recipientTypes.map(String))] : [];
  if (!types.length) errors.push({ field: 'recipientTypes', message: 'Choose who can apply' });
  else if (types.some((t) => !(RECIPIENT_TYPES as readonly string[]).includes(t))) errors.push({ field: 'recipientTypes', message: `Who can apply must be among: ${RECIPIENT_TYPES.join(', ')}` });
  const { minPence, maxPence, budgetPence } = input;
  if (!isPence(minPence)) errors.push({ field: 'minPence', message: 'Enter the smallest grant, in pounds, more than £0' });
  if (!isPence(maxPence)) errors.push({ field: 'maxPence', message: 'Enter the largest grant, in pounds, more than £0' });
  if (!isPence(budgetPence)) errors.push({ field: 'budgetPence', message: 'Enter the programme’s budget, in pounds, more than £0' });
  if (isPence(minPence) && isPence(maxPence) && minPence > maxPence) errors.push({ field: 'maxPence', message: 'The largest grant must be at least the smallest' });
  if (isPence(maxPence) && isPence(budgetPence) && maxPence > budgetPence) errors.push({ field: 'budgetPence', message: 'The budget must be at least the largest grant' });
  const { opensOn, closesOn } = input;
  if (!isDay(opensOn)) errors.push({ field: 'opensOn', message: 'The date it opens must be a real date, like 28 11 2026' });
  if (!isDay(closesOn)) errors.push({ field: 'closesOn', message: 'The date it closes must be a real date, like 28 11 2026' });
  if (isDay(opensOn) && isDay(closesOn) && closesOn < opensOn) errors.push({ field: 'closesOn', message: 'The date it closes must be on or after the date it opens' });
  const questions: Question[] = [];
  for (const [i, q] of (Array.isArray(input.questions) ? input.questions : []).entries()) {
    const o = (q ?? {}) as Record<string, unknown>;
    const label = str(o.label, 500);
    const kind = String(o.kind ?? 'text') as QuestionKind;
    if (!label) { errors.push({ field: 'questions', message: `Question ${i + 1} has no wording` }); continue; }
    if (!QUESTION_KINDS.includes(kind)) { errors.push({ field: 'questions', message: `Question ${i + 1} (“${label.slice(0, 40)}”): its kind must be one of ${QUESTION_KINDS.join(', ')}` }); continue; }
    const choices = Array.isArray(o.choices) ? o.choices.map((c) => String(c).trim()).filter(Boolean) : [];
    if (kind === 'choice' && choices.length < 2) { errors.push({ field: 'questions', message: `Question ${i + 1} (“${label.slice(0, 40)}”) is a choice: give at least two answers to choose from` }); continue; }
    let key = slugKey(label);
    while (questions.some((x) => x.key === key)) key = `${key}-${i + 1}`;
    questions.push({ key, label, kind, required: o.required !== false, choices });
  }
  if (questions.length > 50) errors.push({ field: 'questions', message: 'A programme may ask at most 50 questions' });
  const criteria: Criterion[] = [];
  for (const [i, c] of (Array.isArray(input.criteria) ? input.criteria : []).entries()) {
    const o = (c ?? {}) as Record<string, unknown>;
    const label = str(o.label, 300);
    const weight = Number(o.weight);
    if (!label) { errors.push({ field: 'criteria', message: `Criterion ${i + 1} has no wording` }); continue; }
    if (!Number.isInteger(weight) || weight < 1 || weight > 100) { errors.push({ field: 'criteria', message: `Criterion ${i + 1} (“${label.slice(0, 40)}”): its weight must be a whole number from 1 to 100` }); continue; }
    let key = slugKey(label);
    while (criteria.some((x) => x.key === key)) key = `${key}-${i + 1}`;
    criteria.push({ key, label, weight });
  }
  if (!criteria.length) errors.push({ field: 'criteria', message: 'Give at least one assessment criterion with its weight' });
  if (errors.length) throw AppError.validation(errors);
  return { title, purpose, areas, recipientTypes: types, minPence: minPence as number, maxPence: maxPence as number, budgetPence: budgetPence as number, opensOn: opensOn as string, closesOn: closesOn as string, questions, criteria };
}

/**
 * Everything `openProgramme` checks, writing nothing: who may open it for this funder, that the funder is
 * verified, every field, the panel chair and the pot. Returns what would be opened, with the names a person
 * checks before opening it (the page's check-your-answers step).
 */
export async function prepareProgramme(db: Db, actor: Actor, input: ProgrammeInput) {
  const funder = await getOrganisation(db, String(input.funder ?? ''));
  await requireOrganisationRole(db, actor, funder.id, PROGRAMME_ROLES);
  await requireVerifiedOrganisation(db, funder.id, 'open a grant programme');
  const p = await checkProgrammeInput(db, input);
  let panelChair: string | null = null;
  let panelChairName: string | null = null;
  if (input.panelChair) {
    const members = await repo.membersOf(db, funder.id);
    const chair = members.find((m) => m.id === input.panelChair);
    if (!chair) throw AppError.validation([{ field: 'panelChair', message: `The panel chair must be one of ${funder.name}’s people` }]);
    panelChair = chair.id; panelChairName = chair.name;
  }
  let pot: { organisationId: string; grantId: string } | null = null;
  let potTitle: string | null = null;
  if (input.pot) {
    const found = (await potsReceived(db, funder.id)).find((x) => x.key === input.pot);
    if (!found) throw AppError.validation([{ field: 'pot', message: `${funder.name} did not receive that pot: choose one of the pots it received` }]);
    if (found.currency !== 'GBP' || p.budgetPence > found.amountMinor) throw AppError.validation([{ field: 'budgetPence', message: `The budget cannot be more than the pot it draws on (${poundsText(found.amountMinor)})` }]);
    pot = { organisationId: found.publisher.id, grantId: found.grantId };
    potTitle = `${found.title} (${found.funder}, ${poundsText(found.amountMinor)})`;
  }
  return { funder, programme: p, panelChair, panelChairName, pot, potTitle };
}

/**
 * Opens a programme for a verified funder: its staff, finance officers or administrators. The panel chair
 * must be one of the funder's people. A pot (by its key from `potsReceived`) must be one the funder received,
 * and the budget cannot be more than the pot. People whose saved searches it matches are emailed. Audited.
 */
export async function openProgramme(ctx: AppContext, actor: Actor, input: ProgrammeInput): Promise<ProgrammeView> {
  const { funder, programme: p, panelChair, pot } = await prepareProgramme(ctx.db, actor, input);
  const id = await ctx.db.transaction().execute(async (trx) => {
    const id = await repo.insertProgramme(trx, {
      organisation_id: funder.id, title: p.title, purpose: p.purpose, area_codes: p.areas, recipient_types: p.recipientTypes, min_pence: p.minPence, max_pence: p.maxPence,
      budget_pence: p.budgetPence, opens_on: p.opensOn, closes_on: p.closesOn, questions: JSON.stringify(p.questions), criteria: JSON.stringify(p.criteria),
      panel_chair_id: panelChair, pot_organisation_id: pot?.organisationId ?? null, pot_grant_id: pot?.grantId ?? null, created_by: actor.userId,
    });
    await recordAudit(trx, actor, { action: 'grants.programme.opened', entityType: 'grants_programme', entityId: id, organisationId: funder.id, after: { ...p, panelChair, pot } });
    await emailAlerts(trx, ctx.config.baseUrl, actor, { id, title: p.title, purpose: p.purpose, areas: p.areas, funder: funder.name, minPence: p.minPence, maxPence: p.maxPence, opensOn: p.opensOn, closesOn: p.closesOn });
    return id;
  });
  return getProgramme(ctx.db, id);
}

export interface AreaView { code: string; name: string; areas: number; population: number; inDecile1: number; shareInDecile1: number }

export interface ProgrammeView {
  id: string;
  funder: { id: string; name: string; slug: string };
  title: string; purpose: string;
  areas: AreaView[];
  recipientTypes: { value: string; label: string }[];
  minPence: number; maxPence: number; budgetPence: number; awardedPence: number; leftPence: number;
  opensOn: string; closesOn: string; state: 'upcoming' | 'open' | 'closed';
  questions: Question[]; criteria: Criterion[];
  panelChair: { id: string; name: string } | null;
  pot: { organisationId: string; grantId: string } | null;
  createdAt: string;
}

type ProgrammeRow = NonNullable<Awaited<ReturnType<typeof repo.findProgramme>>>;

export function stateOf(p: { opens_on: string; closes_on: string }, on = today()): ProgrammeView['state'] {
  return on < p.opens_on ? 'upcoming' : on > p.closes_on ? 'closed' : 'open';
}

async function present(db: Db, p: ProgrammeRow, las?: Awaited<ReturnType<typeof listLocalAuthorities>>): Promise<ProgrammeView> {
  const [funder, awarded, chair, all] = await Promise.all([getOrganisation(db, p.organisation_id), repo.awardedPence(db, p.organisation_id, p.id), repo.userName(db, p.panel_chair_id), las ?? listLocalAuthorities(db)]);
  const byCode = new Map(all.map((l) => [l.code, l]));
  return {
    id: p.id, funder: { id: funder.id, name: funder.name, slug: funder.slug }, title: p.title, purpose: p.purpose,
    areas: p.area_codes.map((c) => {
      const l = byCode.get(c);
      return { code: c, name: l?.name ?? c, areas: l?.areas ?? 0, population: l?.population ?? 0, inDecile1: l?.inDecile1 ?? 0, shareInDecile1: l && l.areas ? l.inDecile1 / l.areas : 0 };
    }),
    recipientTypes: p.recipient_types.map((t) => ({ value: t, label: recipientTypeLabels[t as RecipientType] ?? t })),
    minPence: p.min_pence, maxPence: p.max_pence, budgetPence: p.budget_pence, awardedPence: awarded, leftPence: p.budget_pence - awarded,
    opensOn: p.opens_on, closesOn: p.closes_on, state: stateOf(p), questions: p.questions as Question[], criteria: p.criteria as Criterion[],
    panelChair: chair ? { id: chair.id, name: chair.name } : null,
    pot: p.pot_organisation_id && p.pot_grant_id ? { organisationId: p.pot_organisation_id, grantId: p.pot_grant_id } : null,
    createdAt: new Date(p.created_at).toISOString(),
  };
}

/** A programme (public). */
export async function getProgramme(db: Db, id: string): Promise<ProgrammeView> {
  const p = await repo.findProgramme(db, id);
  if (!p) throw new AppError('not_found', 'No such grant programme');
  return present(db, p);
}

/** Programmes (public), newest closing first; `open` only those open today; `laCode` those that give there (or anywhere). */
export async function listProgrammes(db: Db, filter: { q?: string | null; laCode?: string | null; open?: boolean; funder?: string | null } = {}): Promise<ProgrammeView[]> {
  const organisationId = filter.funder ? (await getOrganisation(db, filter.funder)).id : null;
  const rows = await repo.listProgrammes(db, { q: filter.q?.trim().slice(0, 200) || null, laCode: filter.laCode?.trim().toUpperCase() || null, organisationId, openOn: filter.open ? today() : null });
  const las = await listLocalAuthorities(db);
  return Promise.all(rows.map((r) => present(db, r, las)));
}

/** Whether the actor runs this programme (the funder's staff, finance officers, administrators; a site administrator). */
export async function runsProgramme(db: Db, actor: Actor, p: { organisation_id: string }): Promise<boolean> {
  if (actor.isAdmin) return true;
  if (!actor.userId) return false;
  return holdsRoleIn(db, actor.userId, [p.organisation_id], PROGRAMME_ROLES);
}

export async function requireRunsProgramme(db: Db, actor: Actor, programmeId: string) {
  const p = await repo.findProgramme(db, programmeId);
  if (!p) throw new AppError('not_found', 'No such grant programme');
  if (!(await runsProgramme(db, actor, p))) throw new AppError(actor.userId ? 'forbidden' : 'unauthenticated', 'Only the funder’s staff run this programme');
  return p;
}

/** The funder's people, by name: those who may be chosen as assessors or panel chair. */
export async function funderPeople(db: Db, actor: Actor, programmeId: string) {
  const p = await requireRunsProgramme(db, actor, programmeId);
  return repo.membersOf(db, p.organisation_id);
}

/** A funder's people, for its staff choosing a panel chair before the programme exists. */
export async function funderPeopleOf(db: Db, actor: Actor, funderId: string) {
  await requireOrganisationRole(db, actor, funderId, PROGRAMME_ROLES);
  return repo.membersOf(db, funderId);
}

/** The programme's assessors (for its staff). */
export async function programmeAssessors(db: Db, actor: Actor, programmeId: string) {
  const p = await requireRunsProgramme(db, actor, programmeId);
  return repo.assessorsOf(db, p.organisation_id, p.id);
}

/** Adds an assessor (one of the funder's people, chosen by name on the page). Audited. */
export async function addAssessor(ctx: AppContext, actor: Actor, programmeId: string, userId: unknown) {
  const p = await requireRunsProgramme(ctx.db, actor, programmeId);
  const member = (await repo.membersOf(ctx.db, p.organisation_id)).find((m) => m.id === userId);
  if (!member) throw AppError.validation([{ field: 'assessor', message: 'Choose one of the funder’s people as the assessor' }]);
  return ctx.db.transaction().execute(async (trx) => {
    const added = await repo.addAssessor(trx, { organisation_id: p.organisation_id, programme_id: p.id, user_id: member.id, added_by: actor.userId });
    if (added) await recordAudit(trx, actor, { action: 'grants.programme.assessor-added', entityType: 'grants_programme', entityId: p.id, organisationId: p.organisation_id, after: { assessor: member.id } });
    return { added: !!added, assessor: member };
  });
}

// ---- saved searches (alerts) ----

export async function saveProgrammeAlert(db: Db, actor: Actor, input: { words?: unknown; laCode?: unknown }) {
  if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to save an alert');
  const words = str(input.words, 200) || null;
  const laCode = str(input.laCode, 20).toUpperCase() || null;
  if (!words && !laCode) throw AppError.validation([{ field: 'words', message: 'Enter words to look for, or choose a place' }]);
  if (words && words.length > 200) throw AppError.validation([{ field: 'words', message: 'Words must be 200 characters or fewer' }]);
  if (laCode && !(await listLocalAuthorities(db)).some((l) => l.code === laCode)) throw AppError.validation([{ field: 'laCode', message: `No local authority has the code ${laCode}` }]);
  return db.transaction().execute(async (trx) => {
    const id = await repo.insertAlert(trx, { user_id: actor.userId!, words, la_code: laCode });
    await recordAudit(trx, actor, { action: 'grants.programme-alert.saved', entityType: 'grants_programme_alert', entityId: id, after: { words, laCode } });
    return { id, words, laCode };
  });
}

export async function listProgrammeAlerts(db: Db, actor: Actor) {
  if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to see your alerts');
  return (await repo.alertsOf(db, actor.userId)).map((a) => ({ id: a.id, words: a.words, laCode: a.la_code, createdAt: new Date(a.created_at).toISOString() }));
}

export async function deleteProgrammeAlert(db: Db, actor: Actor, id: string) {
  if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to change your alerts');
  return db.transaction().execute(async (trx) => {
    const n = await repo.deleteAlert(trx, actor.userId!, id);
    if (!n) throw new AppError('not_found', 'No such alert of yours');
    await recordAudit(trx, actor, { action: 'grants.programme-alert.deleted', entityType: 'grants_programme_alert', entityId: id });
  });
}

/** An alert as its page shows it: the words and the place by name. */
export interface AlertView { id: string; words: string | null; laCode: string | null; place: string | null; createdAt: string }

async function presentAlerts(db: Db, rows: { id: string; words: string | null; la_code: string | null; created_at: Date }[]): Promise<AlertView[]> {
  const names = new Map((rows.some((r) => r.la_code) ? await listLocalAuthorities(db) : []).map((l) => [l.code, l.name]));
  return rows.map((a) => ({ id: a.id, words: a.words, laCode: a.la_code, place: a.la_code ? names.get(a.la_code) ?? a.la_code : null, createdAt: new Date(a.created_at).toISOString() }));
}

/** The person's alerts, with the place named: what `/grants/programmes/alerts` lists. */
export async function myProgrammeAlerts(db: Db, actor: Actor): Promise<AlertView[]> {
  if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to see your alerts');
  return presentAlerts(db, await repo.alertsOf(db, actor.userId));
}

/** What an alert says, in words: "“lunch club” in Newcastle upon Tyne". */
export const alertLabel = (a: { words: string | null; place: string | null }) => [a.words ? `“${a.words}”` : 'any programme', a.place ? `in ${a.place}` : 'anywhere'].join(' ');

const TOKEN = /^[0-9a-f]{64}$/;

/** The alert an unsubscribe link names, for the page with the button (null when the link is not valid). */
export async function alertToUnsubscribe(db: Db, token: unknown): Promise<AlertView | null> {
  if (typeof token !== 'string' || !TOKEN.test(token)) return null;
  const row = await repo.alertByToken(db, token);
  if (!row) return null;
  return (await presentAlerts(db, [{ ...row, created_at: new Date() }]))[0]!;
}

/**
 * One-click unsubscribe from an alert email: the token in the link names the alert, no sign-in is needed, and
 * only this (a POST, the page's button) deletes it; opening the link changes nothing. A link used twice, or not
 * valid, is 404. Audited as the alert's owner's act through the link.
 */
export async function unsubscribeAlert(db: Db, actor: Actor, token: unknown): Promise<AlertView> {
  if (typeof token !== 'string' || !TOKEN.test(token)) throw new AppError('not_found', 'That unsubscribe link is not valid: check you copied the whole link from the email');
  return db.transaction().execute(async (trx) => {
    const row = await repo.deleteAlertByToken(trx, token);
    if (!row) throw new AppError('not_found', 'That alert is not there: it was deleted already, or the link is not valid');
    await recordAudit(trx, actor, { action: 'grants.programme-alert.unsubscribed', entityType: 'grants_programme_alert', entityId: row.id, after: { userId: row.user_id, via: 'email link' } });
    return (await presentAlerts(trx, [{ ...row, created_at: new Date() }]))[0]!;
  });
}

/**
 * Emails the people whose saved searches a new programme matches: one email a person (not the one who opened
 * it, nor anyone who turned these emails off), with a one-click unsubscribe link for each of their alerts it
 * matched and the link to manage them all.
 */
async function emailAlerts(trx: Db, baseUrl: string, actor: Actor, p: { id: string; title: string; purpose: string; areas: string[]; funder: string; minPence: number; maxPence: number; opensOn: string; closesOn: string }) {
  const matching = (await repo.alertsMatching(trx, { title: p.title, purpose: p.purpose, area_codes: p.areas })).filter((m) => m.user_id !== actor.userId);
  if (!matching.length) return;
  const userIds = [...new Set(matching.map((m) => m.user_id))];
  const [people, off, alerts] = await Promise.all([repo.usersByIds(trx, userIds), emailsTurnedOff(trx, userIds, ALERT_KIND), presentAlerts(trx, matching.map((m) => ({ ...m, created_at: new Date() })))]);
  const tokens = new Map(matching.map((m) => [m.id, m.unsubscribe_token]));
  for (const person of people) {
    if (off.has(`${person.id} ${ALERT_KIND}`)) continue;
    const mine = alerts.filter((a) => matching.some((m) => m.id === a.id && m.user_id === person.id));
    await enqueueEmail(trx, {
      to: person.email, kind: ALERT_KIND, subject: `A new grant programme matches your alert: ${p.title}`,
      text: [
        `Hello ${person.name},`, '',
        `${p.funder} opened “${p.title}”: grants of ${poundsText(p.minPence)} to ${poundsText(p.maxPence)}, open from ${p.opensOn} to ${p.closesOn}.`, '',
        `Read it and apply: ${baseUrl}/grants/programmes/${p.id}`, '',
        ...mine.map((a) => `You saved the alert ${alertLabel(a)}. To stop it (no sign-in needed): ${baseUrl}/grants/programmes/alerts/unsubscribe?token=${tokens.get(a.id)}`),
        `Your alerts: ${baseUrl}/grants/programmes/alerts`,
      ].join('\n') + '\n',
    });
  }
}
