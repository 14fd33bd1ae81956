// The inbox (/inbox and GET /api/v1/me/inbox) and the email settings page (/account/notifications).
import Type from 'typebox';
import type { App, AppContext } from './module.ts';
import { AppError, isAppError } from './errors.ts';
import { problemSchema } from './http.ts';
import { emailSettings, inboxFor, setEmailSettings } from './inbox.ts';

export function inboxPages(app: App, ctx: AppContext): void {
  const { db } = ctx;
  const kinds = () => ctx.lookups.work ?? [];

  app.get('/inbox', { config: { access: 'signed-in' } }, async (request, reply) => {
    const inbox = await inboxFor(db, kinds(), request.user!);
    return reply.page('platform/views/inbox.njk', { inbox });
  });

  app.get('/api/v1/me/inbox', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['accounts'], summary: 'What waits for you: each kind of work with its items (title, link, date)', security: [{ bearer: [] }],
      response: {
        200: Type.Object({
          total: Type.Integer(),
          kinds: Type.Array(Type.Object({
            kind: Type.String(), label: Type.String(), count: Type.Integer(),
            items: Type.Array(Type.Object({ title: Type.String(), href: Type.String(), url: Type.String(), date: Type.String({ format: 'date-time' }), detail: Type.Union([Type.String(), Type.Null()]) })),
          })),
        }),
        401: problemSchema,
      },
    },
  }, async (request) => {
    if (!request.user) throw new AppError('unauthenticated');
    const inbox = await inboxFor(db, kinds(), request.user);
    return {
      total: inbox.total,
      kinds: inbox.groups.map((g) => ({
        kind: g.kind, label: g.label, count: g.items.length,
        items: g.items.map((i) => ({ title: i.title, href: i.href, url: `${ctx.config.baseUrl}${i.href}`, date: i.date.toISOString(), detail: i.detail ?? null })),
      })),
    };
  });

  const notices: Record<string, string> = { saved: 'Your email settings are saved.' };

  app.get('/account/notifications', { config: { access: 'signed-in' } }, async (request, reply) => {
    const settings = await emailSettings(db, kinds(), request.user!.id);
    return reply.page('platform/views/notifications.njk', { settings, notice: notices[(request.query as Record<string, string>).notice ?? ''] });
  });

  app.post('/account/notifications', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, unknown>;
    try {
      await setEmailSettings(db, request.actor, kinds(), form.email);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        const settings = await emailSettings(db, kinds(), request.user!.id);
        return reply.page('platform/views/notifications.njk', { settings, errors: error.fieldErrors }, { status: error.status });
      }
      throw error;
    }
    return reply.redirect('/account/notifications?notice=saved', 303);
  });
}
