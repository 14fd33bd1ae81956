import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, AppContext } from '../module.ts';
import { AppError, isAppError } from '../errors.ts';
import { sessionCookie, sessionCookieOptions } from '../http.ts';
import * as auth from './auth.service.ts';
import { roleLabels, rolesByOrganisation } from './policy.ts';
import { own } from '../sanitise.ts';

type Form = Record<string, string | undefined>;

/** Only same-site paths are followed after sign-in, so the link cannot send people elsewhere. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?!\/)[^\s\\]*$/.test(next) ? next : '/account';
}

/** Re-renders a form with its errors when the service refused the input; anything else propagates. */
async function formFailure(reply: FastifyReply, error: unknown, template: string, values: Form, status = 400) {
  if (isAppError(error) && error.fieldErrors.length > 0) {
    const title = error.code === 'invalid_credentials' || error.code === 'email_taken' ? error.message : undefined;
    return reply.page(template, { values, errors: error.fieldErrors, problem: title }, { status: error.status === 500 ? status : error.status, form: true });
  }
  throw error;
}

const authRateLimit = { max: 10, timeWindow: '1 minute' };

/**
 * Runs work that takes a different path for a known address than for an unknown one, and answers no sooner
 * than `floorMs`, so the time taken does not tell them apart (both paths already do like work; the floor covers
 * what remains, a few milliseconds of database round trips). A validation error is not delayed: it says nothing.
 */
export async function sameTime<T>(work: () => Promise<T>, floorMs = 300): Promise<T> {
  const floor = new Promise((resolve) => setTimeout(resolve, floorMs));
  try {
    const result = await work();
    await floor;
    return result;
  } catch (error) {
    if (!(isAppError(error) && error.code === 'validation_failed')) await floor;
    throw error;
  }
}

/** A form or query value as one line of text (a repeated field gives its first value). */
function oneLine(value: unknown): string {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : '';
}

export function authPages(app: App, ctx: AppContext): void {
  const { db, config } = ctx;
  const cookieOptions = sessionCookieOptions(config.secureCookies);

  function setSession(reply: FastifyReply, session: auth.SessionInfo) {
    reply.setCookie(sessionCookie, session.token, { ...cookieOptions, expires: session.expiresAt });
  }

  app.get('/register', async (request, reply) => {
    if (request.user) return reply.redirect('/account', 303);
    return reply.page('platform/auth/views/register.njk', { values: {} }, { form: true });
  });

  // The same answer, after the same work and no sooner than the same time, whether or not the address has an
  // account: the confirmation link (or, for an address with an account, a note to its owner) goes by email.
  app.post('/register', { config: { access: 'public', rateLimit: authRateLimit } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      await sameTime(() => auth.requestRegistration(db, { email: form.email, name: form.name, password: form.password }, config.baseUrl));
      return reply.page('platform/auth/views/register-sent.njk', { email: oneLine(form.email) });
    } catch (error) {
      return formFailure(reply, error, 'platform/auth/views/register.njk', { email: form.email, name: form.name });
    }
  });

  app.get('/register/confirm', async (request, reply) => {
    const token = oneLine((request.query as Form).token);
    if (!(await auth.isRegistrationTokenValid(db, token))) {
      throw new AppError('bad_request', 'This link has expired or has already been used. Register again to get a new one.');
    }
    return reply.page('platform/auth/views/register-confirm.njk', { token }, { form: true });
  });

  app.post('/register/confirm', { config: { access: 'public', rateLimit: authRateLimit } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const user = await auth.confirmRegistration(db, { token: form.token });
    setSession(reply, await auth.signIn(db, request.sessionHash, user));
    return reply.redirect('/account?notice=registered', 303);
  });

  app.get('/sign-in', async (request, reply) => {
    const next = safeNext((request.query as Form).next);
    if (request.user) return reply.redirect(next, 303);
    return reply.page('platform/auth/views/sign-in.njk', { values: {}, next }, { form: true });
  });

  app.post('/sign-in', { config: { access: 'public', rateLimit: authRateLimit } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const next = safeNext(form.next);
    try {
      const user = await auth.authenticate(db, { email: form.email, password: form.password });
      setSession(reply, await auth.signIn(db, request.sessionHash, user));
      return reply.redirect(next, 303);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        return reply.page('platform/auth/views/sign-in.njk', { values: { email: form.email }, next, errors: error.fieldErrors }, { status: error.status, form: true });
      }
      throw error;
    }
  });

  app.post('/sign-out', { config: { access: 'public' } }, async (request, reply) => {
    if (request.sessionHash) await auth.signOut(db, request.sessionHash);
    reply.clearCookie(sessionCookie, { path: '/' });
    return reply.redirect('/?notice=signed-out', 303);
  });

  app.get('/forgot-password', async (_request, reply) => reply.page('platform/auth/views/forgot-password.njk', { values: {} }, { form: true }));

  app.post('/forgot-password', { config: { access: 'public', rateLimit: authRateLimit } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      await sameTime(() => auth.requestPasswordReset(db, { email: form.email }, config.baseUrl));
      return reply.page('platform/auth/views/forgot-password-sent.njk', { email: form.email?.trim() });
    } catch (error) {
      return formFailure(reply, error, 'platform/auth/views/forgot-password.njk', { email: form.email });
    }
  });

  app.get('/reset-password', async (request, reply) => {
    const token = oneLine((request.query as Form).token);
    if (!(await auth.isResetTokenValid(db, token))) {
      throw new AppError('bad_request', 'This password reset link has expired or has already been used. Ask for a new one from the sign-in page.');
    }
    return reply.page('platform/auth/views/reset-password.njk', { token }, { form: true });
  });

  app.post('/reset-password', { config: { access: 'public', rateLimit: authRateLimit } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const user = await auth.resetPassword(db, { token: form.token, password: form.password });
      setSession(reply, await auth.signIn(db, null, user));
      return reply.redirect('/account?notice=password-reset', 303);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        return reply.page('platform/auth/views/reset-password.njk', { token: form.token, errors: error.fieldErrors }, { status: 400, form: true });
      }
      throw error;
    }
  });

  const notices: Record<string, string> = {
    registered: 'Your account has been created and you are signed in.',
    'password-reset': 'Your password has been changed. Every other device has been signed out, your API tokens have been revoked and any other reset link has stopped working.',
    'token-revoked': 'The API token has been revoked.',
  };

  async function accountPage(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const user = request.user!;
    const [tokens, roles] = await Promise.all([auth.listApiTokens(db, user.id), rolesByOrganisation(db, user.id)]);
    const notice = own(notices, (request.query as Form).notice);
    const names = (await ctx.lookups.organisationsById?.([...roles.keys()])) ?? new Map();
    const memberships = [...roles].map(([id, list]) => ({
      name: names.get(id)?.name ?? id, href: names.get(id)?.href ?? null, roles: list.map((r) => roleLabels[r]),
    }));
    return reply.page('platform/auth/views/account.njk', { user, tokens, memberships, notice, ...extra }, { status });
  }

  app.get('/account', { config: { access: 'signed-in' } }, async (request, reply) => accountPage(request, reply));

  app.post('/account/tokens', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const created = await auth.createApiToken(db, request.actor, { userId: request.user!.id, name: form.name || 'API token' });
      return accountPage(request, reply, { newToken: created.token, newTokenName: created.record.name }, 201);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) return accountPage(request, reply, { errors: error.fieldErrors }, 400);
      throw error;
    }
  });

  app.post('/account/tokens/:id/revoke', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new AppError('not_found');
    await auth.revokeApiToken(db, request.actor, id);
    return reply.redirect('/account?notice=token-revoked', 303);
  });
}
