// The only place with SQL for grant programmes, applications, assessment and awards (migration 0040).
import { sql, type Insertable } from 'kysely';
import type { Db } from '../platform/db.ts';
import type {
  ApplicationStatus, GrantsApplicationsTable, GrantsAwardPaymentsTable, GrantsAwardReportsTable, GrantsAwardsTable, GrantsProgrammesTable,
} from './grants.programmes.table.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

// ---- programmes ----

export async function insertProgramme(trx: Db, row: Insertable<GrantsProgrammesTable>): Promise<string> {
  return (await trx.insertInto('grants_programmes').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

export async function findProgramme(db: Db, id: string, options: { forUpdate?: boolean } = {}) {
  if (!isUuid(id)) return undefined;
  let q = db.selectFrom('grants_programmes').selectAll().where('id', '=', id.toLowerCase());
  if (options.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function listProgrammes(db: Db, filter: { q?: string | null; laCode?: string | null; organisationId?: string | null; openOn?: string | null; limit?: number }) {
  let q = db.selectFrom('grants_programmes').selectAll();
  if (filter.q) q = q.where((eb) => eb.or([eb('title', 'ilike', `%${filter.q}%`), eb('purpose', 'ilike', `%${filter.q}%`)]));
  if (filter.laCode) q = q.where((eb) => eb.or([sql<boolean>`${filter.laCode} = ANY(area_codes)`, sql<boolean>`cardinality(area_codes) = 0`]));
  if (filter.organisationId) q = q.where('organisation_id', '=', filter.organisationId);
  if (filter.openOn) q = q.where('opens_on', '<=', filter.openOn).where('closes_on', '>=', filter.openOn);
  return q.orderBy('closes_on', 'desc').orderBy('created_at', 'desc').limit(filter.limit ?? 200).execute();
}

export async function awardedPence(db: Db, organisationId: string, programmeId: string): Promise<number> {
  const r = await db.selectFrom('grants_awards').select(sql<number>`coalesce(sum(amount_pence), 0)`.as('s')).where('organisation_id', '=', organisationId).where('programme_id', '=', programmeId).executeTakeFirstOrThrow();
  return Number(r.s);
}

export async function addAssessor(trx: Db, row: { organisation_id: string; programme_id: string; user_id: string; added_by: string | null }) {
  return trx.insertInto('grants_programme_assessors').values(row).onConflict((oc) => oc.doNothing()).returning('user_id').executeTakeFirst();
}

export async function assessorsOf(db: Db, organisationId: string, programmeId: string) {
  return db.selectFrom('grants_programme_assessors as a').innerJoin('users as u', 'u.id', 'a.user_id').select(['u.id', 'u.name', 'u.email'])
    .where('a.organisation_id', '=', organisationId).where('a.programme_id', '=', programmeId).orderBy('u.name').execute();
}

export async function isAssessor(db: Db, organisationId: string, programmeId: string, userId: string): Promise<boolean> {
  return !!(await db.selectFrom('grants_programme_assessors').select('user_id').where('organisation_id', '=', organisationId).where('programme_id', '=', programmeId).where('user_id', '=', userId).executeTakeFirst());
}

/** The people of an organisation (any role), by name: those a funder may choose as assessors or panel chair. */
export async function membersOf(db: Db, organisationId: string) {
  return db.selectFrom('memberships as m').innerJoin('users as u', 'u.id', 'm.user_id').select(['u.id', 'u.name', 'u.email']).distinct()
    .where('m.organisation_id', '=', organisationId).orderBy('u.name').execute();
}

export async function userName(db: Db, id: string | null) {
  if (!id) return null;
  return (await db.selectFrom('users').select(['id', 'name', 'email']).where('id', '=', id).executeTakeFirst()) ?? null;
}

// ---- applications ----

export async function insertApplication(trx: Db, row: Insertable<GrantsApplicationsTable>): Promise<string> {
  return (await trx.insertInto('grants_applications').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

export async function findApplication(db: Db, id: string, options: { forUpdate?: boolean } = {}) {
  if (!isUuid(id)) return undefined;
  let q = db.selectFrom('grants_applications').selectAll().where('id', '=', id.toLowerCase());
  if (options.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function updateApplication(trx: Db, organisationId: string, id: string, set: Partial<{ title: string; amount_pence: number | null; postcode: string | null; area_code: string | null; la_code: string | null; answers: string; status: ApplicationStatus; submitted_at: Date; screening_reason: string | null; screened_by: string | null }>) {
  await trx.updateTable('grants_applications').set({ ...set, updated_at: new Date() }).where('organisation_id', '=', organisationId).where('id', '=', id).execute();
}

export async function applicationsOfProgramme(db: Db, organisationId: string, programmeId: string) {
  return db.selectFrom('grants_applications').selectAll().where('organisation_id', '=', organisationId).where('programme_id', '=', programmeId)
    .where('status', '<>', 'draft').orderBy('submitted_at').execute();
}

export async function applicationsOfPerson(db: Db, userId: string, email: string) {
  return db.selectFrom('grants_applications as a').innerJoin('grants_programmes as p', (j) => j.onRef('p.organisation_id', '=', 'a.organisation_id').onRef('p.id', '=', 'a.programme_id'))
    .select(['a.id', 'a.title', 'a.status', 'a.applicant_name', 'a.updated_at', 'p.title as programme_title', 'p.closes_on', 'p.id as programme_id'])
    .where((eb) => eb.or([eb('a.applicant_id', '=', userId), eb.exists(eb.selectFrom('grants_application_people as x').select('x.email').whereRef('x.application_id', '=', 'a.id').where('x.email', '=', email))]))
    .orderBy('a.updated_at', 'desc').execute();
}

export async function peopleOf(db: Db, organisationId: string, applicationId: string) {
  return db.selectFrom('grants_application_people').selectAll().where('organisation_id', '=', organisationId).where('application_id', '=', applicationId).orderBy('invited_at').execute();
}

export async function addPerson(trx: Db, row: { organisation_id: string; application_id: string; email: string; user_id: string | null; invited_by: string | null }) {
  return trx.insertInto('grants_application_people').values(row).onConflict((oc) => oc.doNothing()).returning('email').executeTakeFirst();
}

export async function isCoApplicant(db: Db, applicationId: string, email: string): Promise<boolean> {
  return !!(await db.selectFrom('grants_application_people').select('email').where('application_id', '=', applicationId).where('email', '=', email).executeTakeFirst());
}

export async function saveEquality(trx: Db, organisationId: string, applicationId: string, answers: string) {
  await trx.insertInto('grants_application_equality').values({ organisation_id: organisationId, application_id: applicationId, answers, saved_at: new Date() })
    .onConflict((oc) => oc.columns(['organisation_id', 'application_id']).doUpdateSet({ answers, saved_at: new Date() })).execute();
}

export async function equalityOf(db: Db, organisationId: string, applicationId: string) {
  return db.selectFrom('grants_application_equality').select(['answers', 'saved_at']).where('organisation_id', '=', organisationId).where('application_id', '=', applicationId).executeTakeFirst();
}

// ---- assessment ----

export async function assessmentOf(db: Db, organisationId: string, applicationId: string, assessorId: string, options: { forUpdate?: boolean } = {}) {
  let q = db.selectFrom('grants_assessments').selectAll().where('organisation_id', '=', organisationId).where('application_id', '=', applicationId).where('assessor_id', '=', assessorId);
  if (options.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function assessmentsOf(db: Db, organisationId: string, applicationId: string) {
  return db.selectFrom('grants_assessments as s').innerJoin('users as u', 'u.id', 's.assessor_id').selectAll('s').select('u.name as assessor_name')
    .where('s.organisation_id', '=', organisationId).where('s.application_id', '=', applicationId).orderBy('u.name').execute();
}

export async function declareConflict(trx: Db, row: { organisation_id: string; application_id: string; assessor_id: string; reason: string }) {
  await trx.insertInto('grants_assessments').values({ organisation_id: row.organisation_id, application_id: row.application_id, assessor_id: row.assessor_id, conflict: true, conflict_reason: row.reason })
    .onConflict((oc) => oc.columns(['organisation_id', 'application_id', 'assessor_id']).doUpdateSet({ conflict: true, conflict_reason: row.reason, scores: null, recommendation: null, comments: null, submitted_at: null })).execute();
}

export async function saveScores(trx: Db, row: { organisation_id: string; application_id: string; assessor_id: string; scores: string; recommendation: 'yes' | 'maybe' | 'no'; comments: string }) {
  await trx.insertInto('grants_assessments').values({ ...row, submitted_at: new Date() })
    .onConflict((oc) => oc.columns(['organisation_id', 'application_id', 'assessor_id']).doUpdateSet({ scores: row.scores, recommendation: row.recommendation, comments: row.comments, submitted_at: new Date() })).execute();
}

/** Eligible applications of the programmes this person assesses, with no assessment of theirs submitted or conflicted. */
export async function toAssess(db: Db, userId: string) {
  return db.selectFrom('grants_applications as a').innerJoin('grants_programme_assessors as x', (j) => j.onRef('x.organisation_id', '=', 'a.organisation_id').onRef('x.programme_id', '=', 'a.programme_id'))
    .innerJoin('grants_programmes as p', (j) => j.onRef('p.organisation_id', '=', 'a.organisation_id').onRef('p.id', '=', 'a.programme_id'))
    .select(['a.id', 'a.title', 'a.applicant_name', 'a.updated_at', 'p.title as programme_title'])
    .where('x.user_id', '=', userId).where('a.status', '=', 'eligible')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('grants_assessments as s').select('s.assessor_id').whereRef('s.organisation_id', '=', 'a.organisation_id').whereRef('s.application_id', '=', 'a.id')
      .where('s.assessor_id', '=', userId).where((e) => e.or([e('s.conflict', '=', true), e('s.submitted_at', 'is not', null)])))))
    .orderBy('a.updated_at').limit(100).execute();
}

/** Eligible applications with at least one assessment submitted, of the programmes this person chairs the panel of. */
export async function toDecide(db: Db, userId: string) {
  return db.selectFrom('grants_applications as a').innerJoin('grants_programmes as p', (j) => j.onRef('p.organisation_id', '=', 'a.organisation_id').onRef('p.id', '=', 'a.programme_id'))
    .select(['a.id', 'a.title', 'a.applicant_name', 'a.updated_at', 'p.title as programme_title'])
    .where('p.panel_chair_id', '=', userId).where('a.status', '=', 'eligible')
    .where((eb) => eb.exists(eb.selectFrom('grants_assessments as s').select('s.assessor_id').whereRef('s.organisation_id', '=', 'a.organisation_id').whereRef('s.application_id', '=', 'a.id').where('s.submitted_at', 'is not', null)))
    .orderBy('a.updated_at').limit(100).execute();
}

/** Submitted applications waiting for eligibility screening, in programmes of these organisations. */
export async function toScreen(db: Db, organisationIds: readonly string[]) {
  if (!organisationIds.length) return [];
  return db.selectFrom('grants_applications as a').innerJoin('grants_programmes as p', (j) => j.onRef('p.organisation_id', '=', 'a.organisation_id').onRef('p.id', '=', 'a.programme_id'))
    .select(['a.id', 'a.title', 'a.applicant_name', 'a.submitted_at', 'p.title as programme_title'])
    .where('a.organisation_id', 'in', [...organisationIds]).where('a.status', '=', 'submitted').orderBy('a.submitted_at').limit(100).execute();
}

// ---- decisions and awards ----

export async function insertDecision(trx: Db, row: { organisation_id: string; application_id: string; decision: 'award' | 'decline'; amount_pence: number | null; reasons: string; feedback: string; decided_by: string | null }) {
  return trx.insertInto('grants_decisions').values(row).onConflict((oc) => oc.columns(['organisation_id', 'application_id']).doNothing()).returning('decided_at').executeTakeFirst();
}

export async function decisionOf(db: Db, organisationId: string, applicationId: string) {
  return db.selectFrom('grants_decisions').selectAll().where('organisation_id', '=', organisationId).where('application_id', '=', applicationId).executeTakeFirst();
}

export async function decisionsOfProgramme(db: Db, organisationId: string, programmeId: string) {
  return db.selectFrom('grants_decisions as d').innerJoin('grants_applications as a', (j) => j.onRef('a.organisation_id', '=', 'd.organisation_id').onRef('a.id', '=', 'd.application_id'))
    .leftJoin('grants_awards as w', (j) => j.onRef('w.organisation_id', '=', 'd.organisation_id').onRef('w.application_id', '=', 'd.application_id'))
    .select(['d.decision', 'd.amount_pence', 'd.reasons', 'd.decided_at', 'a.applicant_name', 'a.title', 'a.la_code', 'w.id as award_id', 'w.grant_id'])
    .where('d.organisation_id', '=', organisationId).where('a.programme_id', '=', programmeId).orderBy('d.decided_at').execute();
}

export async function insertAward(trx: Db, row: Insertable<GrantsAwardsTable>): Promise<string> {
  return (await trx.insertInto('grants_awards').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

export async function findAward(db: Db, id: string, options: { forUpdate?: boolean } = {}) {
  if (!isUuid(id)) return undefined;
  let q = db.selectFrom('grants_awards').selectAll().where('id', '=', id.toLowerCase());
  if (options.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function awardsOfProgramme(db: Db, organisationId: string, programmeId: string) {
  return db.selectFrom('grants_awards as w').innerJoin('grants_applications as a', (j) => j.onRef('a.organisation_id', '=', 'w.organisation_id').onRef('a.id', '=', 'w.application_id'))
    .select(['w.id', 'w.grant_id', 'w.amount_pence', 'w.awarded_on', 'w.status', 'a.applicant_name', 'a.title', 'a.la_code'])
    .where('w.organisation_id', '=', organisationId).where('w.programme_id', '=', programmeId).orderBy('w.awarded_on').orderBy('w.created_at').execute();
}

export async function setAwardStatus(trx: Db, organisationId: string, id: string, set: { status?: 'active' | 'closed'; closed_at?: Date | null; conditions?: string }) {
  await trx.updateTable('grants_awards').set(set).where('organisation_id', '=', organisationId).where('id', '=', id).execute();
}

export async function insertPayments(trx: Db, rows: Insertable<GrantsAwardPaymentsTable>[]) {
  if (rows.length) await trx.insertInto('grants_award_payments').values(rows).execute();
}

export async function paymentsOf(db: Db, organisationId: string, awardId: string) {
  return db.selectFrom('grants_award_payments').selectAll().where('organisation_id', '=', organisationId).where('award_id', '=', awardId).orderBy('number').execute();
}

export async function markPaid(trx: Db, organisationId: string, awardId: string, number: number, paidOn: string, by: string | null) {
  return trx.updateTable('grants_award_payments').set({ paid_on: paidOn, paid_by: by }).where('organisation_id', '=', organisationId).where('award_id', '=', awardId)
    .where('number', '=', number).where('paid_on', 'is', null).returning(['number', 'amount_pence']).executeTakeFirst();
}

/** The spending line a paid instalment was published as (spend.grantpayments.ts). */
export async function setPaymentSpendLine(trx: Db, organisationId: string, awardId: string, number: number, fileId: string, line: number) {
  await trx.updateTable('grants_award_payments').set({ spend_file_id: fileId, spend_line: line }).where('organisation_id', '=', organisationId)
    .where('award_id', '=', awardId).where('number', '=', number).execute();
}

export async function insertReports(trx: Db, rows: Insertable<GrantsAwardReportsTable>[]) {
  if (rows.length) await trx.insertInto('grants_award_reports').values(rows).execute();
}

export async function reportsOf(db: Db, organisationId: string, awardId: string) {
  return db.selectFrom('grants_award_reports').selectAll().where('organisation_id', '=', organisationId).where('award_id', '=', awardId).orderBy('number').execute();
}

export async function submitReport(trx: Db, organisationId: string, awardId: string, number: number, text: string, by: string | null) {
  return trx.updateTable('grants_award_reports').set({ text, submitted_at: new Date(), submitted_by: by }).where('organisation_id', '=', organisationId).where('award_id', '=', awardId)
    .where('number', '=', number).where('submitted_at', 'is', null).returning('number').executeTakeFirst();
}

/** Reports not yet sent, due by `until`, of awards whose application this person made or was invited to. */
export async function reportsDueFor(db: Db, userId: string, email: string, until: string) {
  return db.selectFrom('grants_award_reports as r').innerJoin('grants_awards as w', (j) => j.onRef('w.organisation_id', '=', 'r.organisation_id').onRef('w.id', '=', 'r.award_id'))
    .innerJoin('grants_applications as a', (j) => j.onRef('a.organisation_id', '=', 'w.organisation_id').onRef('a.id', '=', 'w.application_id'))
    .select(['r.award_id', 'r.number', 'r.kind', 'r.due_on', 'a.title'])
    .where('r.submitted_at', 'is', null).where('r.due_on', '<=', until).where('w.status', '=', 'active')
    .where((eb) => eb.or([eb('a.applicant_id', '=', userId), eb.exists(eb.selectFrom('grants_application_people as x').select('x.email').whereRef('x.application_id', '=', 'a.id').where('x.email', '=', email))]))
    .orderBy('r.due_on').limit(100).execute();
}

export async function insertVariation(trx: Db, row: { organisation_id: string; award_id: string; reason: string; conditions: string | null; made_by: string | null }) {
  await trx.insertInto('grants_award_variations').values(row).execute();
}

export async function variationsOf(db: Db, organisationId: string, awardId: string) {
  return db.selectFrom('grants_award_variations').selectAll().where('organisation_id', '=', organisationId).where('award_id', '=', awardId).orderBy('made_at').execute();
}

// ---- alerts ----

export async function insertAlert(trx: Db, row: { user_id: string; words: string | null; la_code: string | null }) {
  return (await trx.insertInto('grants_programme_alerts').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

export async function alertsOf(db: Db, userId: string) {
  return db.selectFrom('grants_programme_alerts').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
}

export async function deleteAlert(trx: Db, userId: string, id: string) {
  if (!isUuid(id)) return 0;
  return Number((await trx.deleteFrom('grants_programme_alerts').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst()).numDeletedRows);
}

/** The saved searches a new programme matches: its words in the title or purpose, and its areas (or no areas: anywhere). */
export async function alertsMatching(db: Db, p: { title: string; purpose: string; area_codes: string[] }) {
  const text = `${p.title} ${p.purpose}`;
  return db.selectFrom('grants_programme_alerts').select(['user_id', 'id', 'words', 'la_code', 'unsubscribe_token'])
    .where((eb) => eb.and([
      eb.or([eb('words', 'is', null), sql<boolean>`position(lower(words) in lower(${text})) > 0`]),
      eb.or([eb('la_code', 'is', null), sql<boolean>`cardinality(${sql.val(p.area_codes)}::text[]) = 0`, sql<boolean>`la_code = ANY(${sql.val(p.area_codes)}::text[])`]),
    ])).execute();
}

// ---- report reminders (migration 0043) ----

/**
 * Reports not yet in, of active awards, due by `until`, that have not had the reminder of their stage on `on`
 * (overdue when due before `on`, else due soon): the candidates for a reminder run.
 */
export async function remindersToSend(db: Db, on: string, until: string, limit: number) {
  return db.selectFrom('grants_award_reports as r')
    .innerJoin('grants_awards as w', (j) => j.onRef('w.organisation_id', '=', 'r.organisation_id').onRef('w.id', '=', 'r.award_id'))
    .innerJoin('grants_applications as a', (j) => j.onRef('a.organisation_id', '=', 'w.organisation_id').onRef('a.id', '=', 'w.application_id'))
    .innerJoin('grants_programmes as p', (j) => j.onRef('p.organisation_id', '=', 'w.organisation_id').onRef('p.id', '=', 'w.programme_id'))
    .select(['r.organisation_id', 'r.award_id', 'r.number', 'r.kind', 'r.due_on', 'a.id as application_id', 'a.title', 'a.applicant_id', 'p.title as programme_title'])
    .where('r.submitted_at', 'is', null).where('w.status', '=', 'active').where('r.due_on', '<=', until)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('grants_award_report_reminders as m').select('m.number')
      .whereRef('m.organisation_id', '=', 'r.organisation_id').whereRef('m.award_id', '=', 'r.award_id').whereRef('m.number', '=', 'r.number')
      .where(sql<boolean>`m.stage = CASE WHEN r.due_on < ${on}::date THEN 'overdue' ELSE 'due-soon' END`))))
    .orderBy('r.due_on').orderBy('r.award_id').orderBy('r.number').limit(limit).execute();
}

/** Whether the report is still waiting (not sent, the award active), read under a lock on the report's row. */
export async function reportWaiting(trx: Db, organisationId: string, awardId: string, number: number) {
  const row = await trx.selectFrom('grants_award_reports as r')
    .innerJoin('grants_awards as w', (j) => j.onRef('w.organisation_id', '=', 'r.organisation_id').onRef('w.id', '=', 'r.award_id'))
    .select(['r.submitted_at', 'w.status']).where('r.organisation_id', '=', organisationId).where('r.award_id', '=', awardId).where('r.number', '=', number)
    .forUpdate('r').executeTakeFirst();
  return !!row && row.submitted_at === null && row.status === 'active';
}

/**
 * Claims a reminder: true for the one caller whose row goes in, false for every other (it was sent already,
 * or another process is sending it now: the key makes that one wait, then find the row).
 */
export async function claimReminder(trx: Db, row: { organisation_id: string; award_id: string; number: number; stage: 'due-soon' | 'overdue'; due_on: string }) {
  const added = await trx.insertInto('grants_award_report_reminders').values(row).onConflict((oc) => oc.doNothing()).returning('number').executeTakeFirst();
  return !!added;
}

export async function setReminderRecipients(trx: Db, row: { organisation_id: string; award_id: string; number: number; stage: 'due-soon' | 'overdue' }, recipients: number) {
  await trx.updateTable('grants_award_report_reminders').set({ recipients })
    .where('organisation_id', '=', row.organisation_id).where('award_id', '=', row.award_id).where('number', '=', row.number).where('stage', '=', row.stage).execute();
}

export async function remindersOf(db: Db, organisationId: string, awardId: string) {
  return db.selectFrom('grants_award_report_reminders').selectAll().where('organisation_id', '=', organisationId).where('award_id', '=', awardId).orderBy('number').orderBy('sent_at').execute();
}

/** The people who send an application's reports: its applicant, and its co-applicants who have an account. */
export async function reportSenderIds(db: Db, applicationId: string, applicantId: string) {
  const rows = await db.selectFrom('grants_application_people as x').innerJoin('users as u', 'u.email', 'x.email')
    .select('u.id').where('x.application_id', '=', applicationId).execute();
  return [...new Set([applicantId, ...rows.map((r) => r.id)])];
}

// ---- alerts: one-click unsubscribe (migration 0043) ----

export async function alertByToken(db: Db, token: string) {
  return db.selectFrom('grants_programme_alerts as a').innerJoin('users as u', 'u.id', 'a.user_id')
    .select(['a.user_id', 'a.id', 'a.words', 'a.la_code', 'u.email']).where('a.unsubscribe_token', '=', token).executeTakeFirst();
}

export async function deleteAlertByToken(trx: Db, token: string) {
  return trx.deleteFrom('grants_programme_alerts').where('unsubscribe_token', '=', token).returning(['user_id', 'id', 'words', 'la_code']).executeTakeFirst();
}

export async function usersByIds(db: Db, ids: string[]) {
  if (!ids.length) return [];
  return db.selectFrom('users').select(['id', 'email', 'name']).where('id', 'in', ids).orderBy('email').execute();
}

// ---- the files of `file` questions (migration 0046) ----

/** The files of an application, without their bytes. */
export async function filesOf(db: Db, organisationId: string, applicationId: string) {
  return db.selectFrom('grants_application_files').select(['question_key', 'filename', 'content_type', 'size_bytes', 'sha256', 'uploaded_at'])
    .where('organisation_id', '=', organisationId).where('application_id', '=', applicationId).execute();
}

/** One file, with its bytes. */
export async function fileWithBytes(db: Db, organisationId: string, applicationId: string, questionKey: string) {
  return db.selectFrom('grants_application_files').selectAll().where('organisation_id', '=', organisationId).where('application_id', '=', applicationId)
    .where('question_key', '=', questionKey).executeTakeFirst();
}

/** Keeps a question's file, replacing the one it had. */
export async function putFile(trx: Db, row: { organisation_id: string; application_id: string; question_key: string; filename: string; content_type: string; size_bytes: number; sha256: string; data: Uint8Array; uploaded_by: string | null }) {
  const at = new Date();
  await trx.insertInto('grants_application_files').values({ ...row, uploaded_at: at })
    .onConflict((oc) => oc.columns(['organisation_id', 'application_id', 'question_key']).doUpdateSet({
      filename: row.filename, content_type: row.content_type, size_bytes: row.size_bytes, sha256: row.sha256, data: row.data, uploaded_by: row.uploaded_by, uploaded_at: at,
    })).execute();
}

/** Renames a kept file (the same bytes sent again under another name). */
export async function renameFile(trx: Db, organisationId: string, applicationId: string, questionKey: string, filename: string) {
  await trx.updateTable('grants_application_files').set({ filename }).where('organisation_id', '=', organisationId).where('application_id', '=', applicationId).where('question_key', '=', questionKey).execute();
}

export async function deleteFile(trx: Db, organisationId: string, applicationId: string, questionKey: string): Promise<boolean> {
  const r = await trx.deleteFrom('grants_application_files').where('organisation_id', '=', organisationId).where('application_id', '=', applicationId).where('question_key', '=', questionKey).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
