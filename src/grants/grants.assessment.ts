// Assessing applications to a grant programme (issue 19): the funder's staff screen each for eligibility;
// the programme's assessors (chosen by name from the funder's people) declare any conflict of interest, which
// blocks them from scoring that application, or score each criterion 0–5 with comments and recommend yes,
// maybe or no. The panel chair sees the weighted scores beside the recommendations (never the equality
// answers) and decides (grants.awards.ts).
import type { AppContext } from '../platform/module.ts';
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { notifyWork } from '../platform/inbox.ts';
import { enqueueEmail } from '../platform/outbox.repository.ts';
import * as repo from './grants.programmes.repository.ts';
import { loadApplication } from './grants.applications.ts';
import type { Criterion } from './grants.programmes.ts';

export const ASSESS_KIND = 'grants.application-to-assess';
export const DECIDE_KIND = 'grants.application-to-decide';

/** Screens a submitted application: eligible (it goes to the assessors) or not (the applicant is told why). Funder staff. */
export async function screenApplication(ctx: AppContext, actor: Actor, id: string, input: { eligible?: unknown; reason?: unknown }) {
  const eligible = input.eligible === true || input.eligible === 'yes';
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (input.eligible === undefined || input.eligible === '') throw AppError.validation([{ field: 'eligible', message: 'Say whether the application is eligible' }]);
  if (!eligible && !reason) throw AppError.validation([{ field: 'reason', message: 'Say why the application is not eligible: the applicant is told' }]);
  if (reason.length > 2000) throw AppError.validation([{ field: 'reason', message: 'The reason must be 2,000 characters or fewer' }]);
  return ctx.db.transaction().execute(async (trx) => {
    const { app, programme: p, role } = await loadApplication(trx, actor, id, { forUpdate: true });
    if (role !== 'funder') throw new AppError('forbidden', 'Only the funder’s staff screen applications');
    if (app.status !== 'submitted') throw new AppError('conflict', `This application was screened already (${app.status})`);
    await repo.updateApplication(trx, app.organisation_id, app.id, { status: eligible ? 'eligible' : 'ineligible', screening_reason: reason || null, screened_by: actor.userId });
    if (eligible) {
      await notifyWork(trx, {
        kind: ASSESS_KIND, userIds: (await repo.assessorsOf(trx, p.organisation_id, p.id)).map((a) => a.id), except: actor.userId, baseUrl: ctx.config.baseUrl,
        href: `/grants/applications/${app.id}/assess`, subject: `An application to assess: ${app.title}`,
        text: `${app.applicant_name}’s application to “${p.title}” is eligible. Declare any conflict of interest, or score it against the programme’s criteria.`,
      });
    } else {
      const applicant = await repo.userName(trx, app.applicant_id);
      if (applicant) await enqueueEmail(trx, { to: applicant.email, kind: 'grants.application-ineligible', subject: `Your application to ${p.title} is not eligible`, text: `${app.applicant_name}’s application “${app.title}” is not eligible for “${p.title}”.\n\nWhy: ${reason}\n` });
    }
    await recordAudit(trx, actor, { action: 'grants.application.screened', entityType: 'grants_application', entityId: app.id, organisationId: app.organisation_id, after: { eligible, reason } });
    return { id: app.id, status: eligible ? 'eligible' : 'ineligible' };
  });
}

async function requireAssessor(db: Db, actor: Actor, id: string, options: { forUpdate?: boolean } = {}) {
  const loaded = await loadApplication(db, actor, id, options);
  if (!actor.userId || !(await repo.isAssessor(db, loaded.programme.organisation_id, loaded.programme.id, actor.userId))) throw new AppError('forbidden', 'Only the programme’s assessors assess its applications');
  if (loaded.app.status !== 'eligible') throw new AppError('conflict', loaded.app.status === 'submitted' ? 'This application has not been screened yet' : 'This application is no longer being assessed');
  return loaded;
}

/** Declares a conflict of interest: the assessor cannot score this application (any score they gave is removed). */
export async function declareConflict(ctx: AppContext, actor: Actor, id: string, reasonInput: unknown) {
  const reason = typeof reasonInput === 'string' ? reasonInput.trim() : '';
  if (!reason) throw AppError.validation([{ field: 'reason', message: 'Say what the conflict of interest is' }]);
  if (reason.length > 2000) throw AppError.validation([{ field: 'reason', message: 'The reason must be 2,000 characters or fewer' }]);
  return ctx.db.transaction().execute(async (trx) => {
    const { app } = await requireAssessor(trx, actor, id, { forUpdate: true });
    await repo.declareConflict(trx, { organisation_id: app.organisation_id, application_id: app.id, assessor_id: actor.userId!, reason });
    await recordAudit(trx, actor, { action: 'grants.assessment.conflict-declared', entityType: 'grants_application', entityId: app.id, organisationId: app.organisation_id, after: { reason } });
    return { conflict: true };
  });
}

export interface ScoreInput { scores?: unknown; comments?: unknown; recommendation?: unknown }

/**
 * Scores an eligible application: every criterion 0–5 with a comment each, and a recommendation. Refused for an
 * assessor who declared a conflict of interest on it (the database refuses it too). The panel chair hears there
 * is an application to decide. Audited.
 */
export async function scoreApplication(ctx: AppContext, actor: Actor, id: string, input: ScoreInput) {
  return ctx.db.transaction().execute(async (trx) => {
    const { app, programme: p } = await requireAssessor(trx, actor, id, { forUpdate: true });
    const mine = await repo.assessmentOf(trx, app.organisation_id, app.id, actor.userId!, { forUpdate: true });
    if (mine?.conflict) throw new AppError('forbidden', `You declared a conflict of interest on this application (${mine.conflict_reason}): you cannot score it`);
    const criteria = p.criteria as Criterion[];
    const given = (input.scores && typeof input.scores === 'object' ? input.scores : {}) as Record<string, unknown>;
    const comments = (input.comments && typeof input.comments === 'object' ? input.comments : {}) as Record<string, unknown>;
    const errors: { field: string; message: string }[] = [];
    const scores: Record<string, { score: number; comment: string }> = {};
    for (const c of criteria) {
      const raw = given[c.key];
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isInteger(n) || n < 0 || n > 5) { errors.push({ field: `scores.${c.key}`, message: `Score “${c.label}” from 0 to 5` }); continue; }
      const comment = typeof comments[c.key] === 'string' ? (comments[c.key] as string).trim() : '';
      if (comment.length > 5000) { errors.push({ field: `comments.${c.key}`, message: `The comment on “${c.label}” must be 5,000 characters or fewer` }); continue; }
      scores[c.key] = { score: n, comment };
    }
    const rec = String(input.recommendation ?? '');
    if (!['yes', 'maybe', 'no'].includes(rec)) errors.push({ field: 'recommendation', message: 'Recommend yes, maybe or no' });
    if (errors.length) throw AppError.validation(errors);
    await repo.saveScores(trx, { organisation_id: app.organisation_id, application_id: app.id, assessor_id: actor.userId!, scores: JSON.stringify(scores), recommendation: rec as 'yes' | 'maybe' | 'no', comments: '' });
    if (p.panel_chair_id) {
      await notifyWork(trx, {
        kind: DECIDE_KIND, userIds: [p.panel_chair_id], except: actor.userId, baseUrl: ctx.config.baseUrl, href: `/grants/applications/${app.id}/decide`,
        subject: `An assessed application to decide: ${app.title}`, text: `An assessor scored ${app.applicant_name}’s application to “${p.title}”. The panel can decide it.`,
      });
    }
    await recordAudit(trx, actor, { action: 'grants.assessment.scored', entityType: 'grants_application', entityId: app.id, organisationId: app.organisation_id, after: { scores, recommendation: rec } });
    return { weighted: weightedScore(criteria, scores), recommendation: rec };
  });
}

/** The weighted score out of 100: each criterion's 0–5 as a share of 5, weighted. */
export function weightedScore(criteria: readonly Criterion[], scores: Record<string, { score: number }>): number {
  const total = criteria.reduce((s, c) => s + c.weight, 0);
  if (!total) return 0;
  return Math.round((criteria.reduce((s, c) => s + c.weight * (scores[c.key]?.score ?? 0) / 5, 0) / total) * 1000) / 10;
}

/**
 * The assessments of an application, for the funder's staff and the panel chair (weighted scores, comments,
 * recommendations, conflicts); an assessor sees only their own. Never the equality answers.
 */
export async function assessmentsOf(db: Db, actor: Actor, id: string) {
  const { app, programme: p, role } = await loadApplication(db, actor, id);
  if (role === 'applicant' || role === 'co-applicant') throw new AppError('forbidden', 'Assessments are not shown to applicants');
  const criteria = p.criteria as Criterion[];
  const rows = (await repo.assessmentsOf(db, app.organisation_id, app.id)).filter((r) => role !== 'assessor' || r.assessor_id === actor.userId);
  const list = rows.map((r) => ({
    assessorId: r.assessor_id, assessor: r.assessor_name, conflict: r.conflict, conflictReason: r.conflict_reason, recommendation: r.recommendation,
    scores: (r.scores ?? {}) as Record<string, { score: number; comment: string }>, submittedAt: r.submitted_at ? new Date(r.submitted_at).toISOString() : null,
    weighted: r.scores ? weightedScore(criteria, r.scores as Record<string, { score: number }>) : null,
  }));
  const scored = list.filter((a) => a.weighted !== null);
  return {
    criteria, assessments: list,
    meanWeighted: scored.length ? Math.round(scored.reduce((s, a) => s + a.weighted!, 0) / scored.length * 10) / 10 : null,
    recommendations: { yes: list.filter((a) => a.recommendation === 'yes').length, maybe: list.filter((a) => a.recommendation === 'maybe').length, no: list.filter((a) => a.recommendation === 'no').length },
  };
}
