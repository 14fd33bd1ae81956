// Grant programmes' kinds of work for the platform inbox: applications to screen (the funder's staff), to
// assess (the programme's assessors, until they score it or declare a conflict), to decide (the panel chair,
// once an assessor has scored it), and reports due within 30 days or overdue (the recipient). Each leaves the
// inbox when the job is done. Reports are also emailed about before they are due and when overdue (grants.reminders.ts). Alerts for new programmes are emails only (saved searches).
import type { Db } from '../platform/db.ts';
import type { WorkItem, WorkKind, WorkPerson } from '../platform/inbox.ts';
import { rolesByOrganisation } from '../platform/auth/policy.ts';
import * as repo from './grants.programmes.repository.ts';
import { ALERT_KIND, PROGRAMME_ROLES, today } from './grants.programmes.ts';
import { SCREEN_KIND } from './grants.applications.ts';
import { ASSESS_KIND, DECIDE_KIND } from './grants.assessment.ts';

export const REPORT_DUE_KIND = 'grants.report-due';

async function screenItems(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  const held = await rolesByOrganisation(db, person.id);
  const orgs = [...held.entries()].filter(([, roles]) => roles.some((r) => (PROGRAMME_ROLES as readonly string[]).includes(r))).map(([id]) => id);
  return (await repo.toScreen(db, orgs)).map((r) => ({ title: `Screen “${r.title}” from ${r.applicant_name}`, href: `/grants/applications/${r.id}/screen`, date: new Date(r.submitted_at ?? Date.now()), detail: r.programme_title }));
}

async function assessItems(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  return (await repo.toAssess(db, person.id)).map((r) => ({ title: `Assess “${r.title}” from ${r.applicant_name}`, href: `/grants/applications/${r.id}/assess`, date: new Date(r.updated_at), detail: r.programme_title }));
}

async function decideItems(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  return (await repo.toDecide(db, person.id)).map((r) => ({ title: `Decide “${r.title}” from ${r.applicant_name}`, href: `/grants/applications/${r.id}/decide`, date: new Date(r.updated_at), detail: r.programme_title }));
}

async function reportItems(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  const email = (await repo.userName(db, person.id))?.email ?? '';
  const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  return (await repo.reportsDueFor(db, person.id, email, until)).map((r) => ({
    title: `${r.kind === 'end' ? 'End-of-grant report' : 'Monitoring report'} for “${r.title}” due ${r.due_on}${r.due_on < today() ? ' (overdue)' : ''}`,
    href: `/grants/awards/${r.award_id}`, date: new Date(`${r.due_on}T00:00:00Z`),
  }));
}

export const programmesWork: WorkKind[] = [
  { kind: SCREEN_KIND, label: 'Grant applications to screen', emailHint: 'When an application to a programme you run is submitted', list: screenItems },
  { kind: ASSESS_KIND, label: 'Grant applications to assess', emailHint: 'When an application to a programme you assess is found eligible', list: assessItems },
  { kind: DECIDE_KIND, label: 'Grant applications for the panel to decide', emailHint: 'When an assessor scores an application to a programme whose panel you chair', list: decideItems },
  { kind: REPORT_DUE_KIND, label: 'Grant reports due', emailHint: 'Shown in your inbox from 30 days before a report on your grant is due; emailed 14 days before, and once if it is overdue', list: reportItems },
  { kind: ALERT_KIND, label: 'New grant programmes you asked to hear about', emailHint: 'When a programme matching a search you saved opens', list: async () => [] },
];
