// GOV.UK pages for peer review, one for each step: the list of published reviews (and your open ones),
// inviting a review, choosing reviewers by name, declaring conflicts, writing the report, checking it before
// it is published, the published review in full, the provider's action plan, and the progress review.
import type { FastifyReply } from 'fastify';
import type { App, AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError, isAppError } from '../platform/errors.ts';
import { own } from '../platform/sanitise.ts';
import * as review from './scorecards.peer-review.ts';
import { INDICATOR_LABELS } from './scorecards.compare.ts';
import { INDICATORS, KEY_QUESTIONS, PEER_RATINGS } from './scorecards.peer-review.table.ts';

type Form = Record<string, string | undefined>;
type FieldErrors = { field: string; message: string }[];

function formErrors(error: unknown, field: string): { errors: FieldErrors; status: number } {
  if (!isAppError(error) || !['validation_failed', 'unprocessable', 'conflict'].includes(error.code)) throw error;
  return { errors: error.fieldErrors.length ? error.fieldErrors : [{ field, message: error.message }], status: error.status };
}

const notices: Record<string, string> = {
  invited: 'The review is set up. Choose its reviewers: the first one you choose leads it.',
  added: 'The reviewer is added and has been emailed to declare their conflicts.',
  declared: 'Your declaration is recorded.',
  blocked: 'Your conflict is recorded: you will not take part in this review. Whoever chose the reviewers has been told.',
  saved: 'The review is saved. Check it, then publish it.',
  published: 'The review is published in full. The provider has been asked for its action plan.',
  action: 'The action is added to the plan.',
  progress: 'The progress review is recorded.',
};

const ratingItems = (chosen: string | undefined) => PEER_RATINGS.map((r) => ({ value: r, text: review.RATING_LABELS[r], checked: chosen === r }));

export function peerReviewPages(app: App, ctx: AppContext): void {
  const { db } = ctx;
  const baseUrl = ctx.config.baseUrl;
  const signedIn = { config: { access: 'signed-in' as const } };
  const path = (id: string, rest = '') => `/scorecards/peer-reviews/${id}${rest}`;
  const idOf = (request: { params: unknown }) => (request.params as { id: string }).id;

  app.get('/scorecards/peer-reviews', async (request, reply) => {
    const [published, mine, invitable] = await Promise.all([review.publishedReviews(db), review.myOpenReviews(db, request.actor), review.invitableServices(db, request.actor)]);
    return reply.page('scorecards/views/peer-reviews.njk', { published, mine, canInvite: invitable.length > 0, signedIn: !!request.actor.userId });
  });

  async function newPage(reply: FastifyReply, actor: Actor, extra: { values?: Form; errors?: FieldErrors; status?: number } = {}) {
    const [services, commissions] = await Promise.all([review.invitableServices(db, actor), review.commissioningOrganisationsOf(db, actor)]);
    const values = extra.values ?? {};
    return reply.page('scorecards/views/peer-review-new.njk', {
      values, errors: extra.errors,
      serviceItems: [{ value: '', text: 'Choose the service' }, ...services.map((s) => ({ value: s.id, text: `${s.name} (${s.organisationName})`, selected: values.service === s.id }))],
      commissionItems: commissions.length > 1 ? commissions.map((c) => ({ value: c.id, text: c.name, checked: values.commissioner === c.id })) : null,
      commissions, noServices: services.length === 0,
    }, { status: extra.status, form: true });
  }

  app.get('/scorecards/peer-reviews/new', signedIn, async (request, reply) => newPage(reply, request.actor));

  app.post('/scorecards/peer-reviews', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const r = await review.inviteReview(db, request.actor, form);
      return reply.redirect(`${path(r.id, '/reviewers')}?notice=invited`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'service');
      return newPage(reply, request.actor, { values: form, errors, status });
    }
  });

  app.get('/scorecards/peer-reviews/:id', async (request, reply) => {
    const { review: r, can } = await review.getReview(db, request.actor, idOf(request));
    return reply.page('scorecards/views/peer-review.njk', { r, can, concernLabel: r.concernIndicator ? INDICATOR_LABELS[r.concernIndicator] : null, notice: own(notices, (request.query as Form).notice), values: {} }, { form: can.canRecordProgress });
  });

  async function reviewersPage(reply: FastifyReply, actor: Actor, id: string, extra: { values?: Form; errors?: FieldErrors; status?: number; notice?: string } = {}) {
    const { review: r, can } = await review.getReview(db, actor, id);
    if (!can.canAddReviewers) throw new AppError('forbidden', 'Only the provider, the commissioner or whoever invited the review can choose its reviewers');
    const candidates = await review.reviewerCandidates(db, id);
    const values = extra.values ?? {};
    return reply.page('scorecards/views/peer-review-reviewers.njk', {
      r, values, errors: extra.errors, notice: extra.notice,
      personItems: candidates.map((c) => ({ value: c.userId, text: c.name, hint: { text: c.organisation }, checked: values.person === c.userId })),
      hasLead: r.reviewers.some((p) => p.lead && !p.hasConflict),
    }, { status: extra.status, form: true });
  }

  app.get('/scorecards/peer-reviews/:id/reviewers', signedIn, async (request, reply) => reviewersPage(reply, request.actor, idOf(request), { notice: own(notices, (request.query as Form).notice) }));

  app.post('/scorecards/peer-reviews/:id/reviewers', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      await review.addReviewer(db, request.actor, idOf(request), form, { baseUrl });
      return reply.redirect(`${path(idOf(request), '/reviewers')}?notice=added`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'person');
      return reviewersPage(reply, request.actor, idOf(request), { values: form, errors, status });
    }
  });

  async function conflictsPage(reply: FastifyReply, actor: Actor, id: string, extra: { values?: Form; errors?: FieldErrors; status?: number } = {}) {
    const { review: r, can } = await review.getReview(db, actor, id);
    if (!can.isReviewer) throw new AppError('not_found', 'No such peer review');
    const me = r.reviewers.find((p) => p.userId === actor.userId)!;
    return reply.page('scorecards/views/peer-review-conflicts.njk', { r, me, can, values: extra.values ?? {}, errors: extra.errors }, { status: extra.status, form: true });
  }

  app.get('/scorecards/peer-reviews/:id/conflicts', signedIn, async (request, reply) => conflictsPage(reply, request.actor, idOf(request)));

  app.post('/scorecards/peer-reviews/:id/conflicts', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const r = await review.declareConflicts(db, request.actor, idOf(request), form, { baseUrl });
      const me = r.reviewers.find((p) => p.userId === request.actor.userId);
      if (me?.hasConflict) return reply.redirect(`${path(r.id)}?notice=blocked`, 303);
      return reply.redirect(me?.lead ? path(r.id, '/report') : `${path(r.id)}?notice=declared`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'conflict');
      return conflictsPage(reply, request.actor, idOf(request), { values: form, errors, status });
    }
  });

  async function reportPage(reply: FastifyReply, actor: Actor, id: string, extra: { values?: Form; errors?: FieldErrors; status?: number } = {}) {
    const { review: r, can } = await review.getReview(db, actor, id);
    if (!can.canWrite) throw new AppError('forbidden', 'Only the lead reviewer, having declared no conflict of interest, can write the review');
    const stored: Form = { evidence: r.evidence, findings: r.findings, recommendations: r.recommendations, concern: r.concernIndicator ?? 'none' };
    for (const q of r.ratings) stored[q.question] = q.rating ?? '';
    const values = extra.values ?? stored;
    return reply.page('scorecards/views/peer-review-report.njk', {
      r, values, errors: extra.errors,
      questions: KEY_QUESTIONS.map((q) => ({ name: q, label: review.QUESTION_LABELS[q], items: ratingItems(values[q]) })),
      concernItems: [{ value: 'none', text: 'None of these', selected: !values.concern || values.concern === 'none' }, ...INDICATORS.map((i) => ({ value: i, text: INDICATOR_LABELS[i], selected: values.concern === i }))],
    }, { status: extra.status, form: true });
  }

  app.get('/scorecards/peer-reviews/:id/report', signedIn, async (request, reply) => reportPage(reply, request.actor, idOf(request)));

  app.post('/scorecards/peer-reviews/:id/report', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      await review.writeReport(db, request.actor, idOf(request), form, { publish: false, baseUrl });
      return reply.redirect(`${path(idOf(request), '/report/check')}`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'findings');
      return reportPage(reply, request.actor, idOf(request), { values: form, errors, status });
    }
  });

  app.get('/scorecards/peer-reviews/:id/report/check', signedIn, async (request, reply) => {
    const { review: r, can } = await review.getReview(db, request.actor, idOf(request));
    if (!can.canWrite) throw new AppError('forbidden', 'Only the lead reviewer can publish the review');
    return reply.page('scorecards/views/peer-review-check.njk', { r, concernLabel: r.concernIndicator ? INDICATOR_LABELS[r.concernIndicator] : 'None', notice: notices.saved }, { form: true });
  });

  app.post('/scorecards/peer-reviews/:id/publish', signedIn, async (request, reply) => {
    const id = idOf(request);
    const { review: r } = await review.getReview(db, request.actor, id);
    const input: Form = { evidence: r.evidence, findings: r.findings, recommendations: r.recommendations, concern: r.concernIndicator ?? 'none' };
    for (const q of r.ratings) input[q.question] = q.rating ?? '';
    try {
      await review.writeReport(db, request.actor, id, input, { publish: true, baseUrl });
      return reply.redirect(`${path(id)}?notice=published`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'findings');
      return reportPage(reply, request.actor, id, { values: input, errors, status });
    }
  });

  async function actionsPage(reply: FastifyReply, actor: Actor, id: string, extra: { values?: Form; errors?: FieldErrors; status?: number; notice?: string } = {}) {
    const { review: r, can } = await review.getReview(db, actor, id);
    if (!can.canRespond) throw new AppError(r.status === 'published' ? 'forbidden' : 'unprocessable', r.status === 'published' ? 'Only the provider’s administrators and staff write its action plan' : 'The action plan answers a published review');
    return reply.page('scorecards/views/peer-review-actions.njk', { r, values: extra.values ?? {}, errors: extra.errors, notice: extra.notice }, { status: extra.status, form: true });
  }

  app.get('/scorecards/peer-reviews/:id/actions', signedIn, async (request, reply) => actionsPage(reply, request.actor, idOf(request), { notice: own(notices, (request.query as Form).notice) }));

  app.post('/scorecards/peer-reviews/:id/actions', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      await review.addAction(db, request.actor, idOf(request), form);
      return reply.redirect(`${path(idOf(request), '/actions')}?notice=action`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'action');
      return actionsPage(reply, request.actor, idOf(request), { values: form, errors, status });
    }
  });

  app.post('/scorecards/peer-reviews/:id/progress', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      await review.recordProgress(db, request.actor, idOf(request), form);
      return reply.redirect(`${path(idOf(request))}?notice=progress#progress`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'notes');
      const { review: r, can } = await review.getReview(db, request.actor, idOf(request));
      return reply.page('scorecards/views/peer-review.njk', { r, can, concernLabel: r.concernIndicator ? INDICATOR_LABELS[r.concernIndicator] : null, values: form, errors }, { status, form: true });
    }
  });
}
