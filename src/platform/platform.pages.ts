import type { App, AppContext } from './module.ts';
import { AppError } from './errors.ts';
import { listAudit } from './audit.repository.ts';
import { getOutboxEmail, listOutbox } from './outbox.repository.ts';
import { listUsers } from './auth/auth.service.ts';
import { own } from './sanitise.ts';
import { isAppError } from './errors.ts';
import { feedbackPage, latestFeedback, submitFeedback } from './feedback.ts';

/** Site-wide pages (home, statements) and the administrator's views of users, outbox and audit log. */
export function platformPages(app: App, ctx: AppContext, home: { moduleCards: () => { href: string; text: string }[]; counts: () => Promise<Record<string, number>> }): void {
  const { db } = ctx;
  const notices: Record<string, string> = { 'signed-out': 'You have signed out.' };

  app.get('/', async (request, reply) => {
    const notice = own(notices, (request.query as Record<string, string>).notice);
    return reply.page('platform/views/home.njk', {
      title: 'Public services for a place, on trust backed by evidence',
      place: { name: 'Newcastle upon Tyne' },
      counts: await home.counts(),
      moduleCards: home.moduleCards(),
      notice,
    });
  });
  app.get('/accessibility', async (_request, reply) => reply.page('platform/views/accessibility.njk'));
  app.get('/cookies', async (_request, reply) => reply.page('platform/views/cookies.njk'));
  app.get('/about-the-data', async (_request, reply) => reply.page('platform/views/about-the-data.njk'));

  // Feedback, from the phase banner's link on every page.
  app.get('/feedback', async (request, reply) => {
    const from = feedbackPage((request.query as Record<string, string>).from);
    return reply.page('platform/views/feedback.njk', { values: { page: from } }, { form: true });
  });
  app.post('/feedback', { config: { access: 'public', rateLimit: { max: 10, timeWindow: '10 minutes' } } }, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string>;
    try {
      await submitFeedback(db, request.actor, { body: form.body, email: form.email, page: form.page }, { baseUrl: ctx.config.baseUrl });
      return reply.page('platform/views/feedback-sent.njk', { back: feedbackPage(form.page) || '/' });
    } catch (error) {
      if (!isAppError(error) || error.code !== 'validation_failed') throw error;
      return reply.page('platform/views/feedback.njk', { values: { ...form, page: feedbackPage(form.page) }, errors: error.fieldErrors }, { status: 400, form: true });
    }
  });
  app.get('/admin/feedback', { config: { access: 'admin' } }, async (_request, reply) => reply.page('platform/admin/feedback.njk', { feedback: await latestFeedback(db) }));

  app.get('/admin', { config: { access: 'admin' } }, async (_request, reply) => {
    const [users, emails, audit] = await Promise.all([listUsers(db, { userId: null, tokenId: null, isAdmin: true, via: 'system' }), listOutbox(db, { limit: 5 }), listAudit(db, { limit: 10 })]);
    return reply.page('platform/admin/admin.njk', { users, emails, audit });
  });
  app.get('/admin/outbox', { config: { access: 'admin' } }, async (_request, reply) => {
    return reply.page('platform/admin/outbox.njk', { emails: await listOutbox(db, { limit: 200 }), delivering: !!ctx.config.smtpUrl });
  });
  app.get('/admin/outbox/:id', { config: { access: 'admin' } }, async (request, reply) => {
    const id = Number((request.params as { id: string }).id);
    const email = Number.isSafeInteger(id) ? await getOutboxEmail(db, id) : null;
    if (!email) throw new AppError('not_found', 'No email with that number is in the outbox');
    return reply.page('platform/admin/outbox-email.njk', { email });
  });
  app.get('/admin/audit', { config: { access: 'admin' } }, async (request, reply) => {
    const q = request.query as Record<string, string>;
    const beforeId = q.before ? Number(q.before) : undefined;
    const rows = await listAudit(db, { limit: 100, beforeId: Number.isSafeInteger(beforeId) ? beforeId : undefined, entityType: q.entity || undefined });
    return reply.page('platform/admin/audit.njk', { rows, nextBefore: rows.length === 100 ? rows.at(-1)!.id : null });
  });
}
