// GOV.UK pages for peer-reviewer sign-up: the public list of registered reviewer organisations by kind, an
// organisation administrator's request, and the request's page, where a site administrator approves or declines it.
import type { FastifyReply } from 'fastify';
import type { App, AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { own } from '../platform/sanitise.ts';
import * as signup from './scorecards.peer-reviewer-requests.ts';
import { KIND_LABELS } from './scorecards.compare.ts';
import { SERVICE_KINDS } from './scorecards.peer-review.table.ts';

type Form = Record<string, string | string[] | undefined>;
type FieldErrors = { field: string; message: string }[];
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const many = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function formErrors(error: unknown, field: string): { errors: FieldErrors; status: number } {
  if (!isAppError(error) || !['validation_failed', 'conflict'].includes(error.code)) throw error;
  return { errors: error.fieldErrors.length ? error.fieldErrors : [{ field, message: error.message }], status: error.status };
}

const notices: Record<string, string> = {
  sent: 'Your request is sent to the site administrators. You will be told in your inbox and by email when they decide.',
  approved: 'The request is approved: the organisation is registered for these kinds, and the requester has been told.',
  declined: 'The request is declined, and the requester has been told.',
};

export function peerReviewerRequestPages(app: App, ctx: AppContext): void {
  const { db } = ctx;
  const baseUrl = ctx.config.baseUrl;
  const signedIn = { config: { access: 'signed-in' as const } };

  app.get('/scorecards/peer-reviewers', async (request, reply) => {
    const [kinds, mine] = await Promise.all([signup.reviewersByKind(db), signup.requestableOrganisations(db, request.actor)]);
    return reply.page('scorecards/views/peer-reviewers.njk', { kinds, canAsk: mine.length > 0 || !request.actor.userId });
  });

  async function requestPage(reply: FastifyReply, actor: Actor, extra: { values?: Form; errors?: FieldErrors; status?: number } = {}) {
    const organisations = await signup.requestableOrganisations(db, actor);
    const values = extra.values ?? {};
    const chosenRef = one(values.organisation);
    const chosen = organisations.find((o) => o.id === chosenRef || o.slug === chosenRef) ?? (organisations.length === 1 ? organisations[0] : undefined);
    const kinds = many(values.kinds);
    return reply.page('scorecards/views/peer-reviewer-request.njk', {
      organisations, values: { statement: one(values.statement) }, errors: extra.errors,
      organisationItems: organisations.map((o) => ({ value: o.id, text: o.name, checked: chosen?.id === o.id, hint: o.registered.length ? { text: `Already reviews: ${o.registered.map((k) => KIND_LABELS[k].toLowerCase()).join(', ')}` } : undefined })),
      kindItems: SERVICE_KINDS.map((k) => ({ value: k, text: KIND_LABELS[k], checked: kinds.includes(k), disabled: !!chosen?.registered.includes(k), hint: chosen?.registered.includes(k) ? { text: 'Already registered' } : undefined })),
    }, { status: extra.status, form: true });
  }

  app.get('/scorecards/peer-reviewers/request', signedIn, async (request, reply) => requestPage(reply, request.actor, { values: { organisation: one((request.query as Form).organisation) } }));

  app.post('/scorecards/peer-reviewers/requests', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const r = await signup.requestPeerReviewerScope(db, request.actor, { organisation: one(form.organisation), kinds: many(form.kinds), statement: one(form.statement) }, { baseUrl });
      return reply.redirect(`${signup.requestPath(r.id)}?notice=sent`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'organisation');
      return requestPage(reply, request.actor, { values: form, errors, status });
    }
  });

  async function viewPage(reply: FastifyReply, actor: Actor, id: string, extra: { values?: Form; errors?: FieldErrors; status?: number; notice?: string } = {}) {
    const { request, canDecide } = await signup.getRequest(db, actor, id);
    return reply.page('scorecards/views/peer-reviewer-request-view.njk', { request, canDecide, notice: extra.notice, values: extra.values ?? {}, errors: extra.errors }, { status: extra.status, form: canDecide });
  }

  app.get('/scorecards/peer-reviewers/requests/:id', signedIn, async (request, reply) => viewPage(reply, request.actor, (request.params as { id: string }).id, { notice: own(notices, one((request.query as Form).notice)) }));

  app.post('/scorecards/peer-reviewers/requests/:id/decision', signedIn, async (request, reply) => {
    const { id } = request.params as { id: string };
    const form = (request.body ?? {}) as Form;
    try {
      const r = await signup.decidePeerReviewerRequest(db, request.actor, id, { decision: one(form.decision), note: one(form.note) }, { baseUrl });
      return reply.redirect(`${signup.requestPath(r.id)}?notice=${r.status}`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'decision');
      return viewPage(reply, request.actor, id, { values: form, errors, status });
    }
  });
}
