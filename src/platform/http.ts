import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import { foldDateParts } from './dates.ts';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { Actor } from './actor.ts';
import { anonymous } from './actor.ts';
import { AppError, errorCodes, isAppError, type ErrorCode, type FieldError } from './errors.ts';
import type { App, AppContext, CommonwealModule } from './module.ts';
import { createViewEnvironment } from './views.ts';
import { authenticateApiToken, loadSession, startSession, type PublicUser } from './auth/auth.service.ts';
import { authorise, type Access } from './auth/policy.ts';
import { safeEqual } from './auth/secrets.ts';
import { listenForAuthChanges, TokenCache } from './auth/token-cache.ts';
import { inboxCount } from './inbox.ts';
import { isUnavailable } from './db.ts';
import pg from 'pg';
import { replicaReads } from './replica.ts';
import { answerMetricsCalls, observeRequest, renderMetrics, watchPool } from './metrics.ts';
import { postgresRateLimitStore } from './rate-limit-store.ts';
import { removeAbandonedUploads, RequestUploads, UploadSlots } from './uploads.ts';
import { redactUrl } from './redact.ts';
import { checkBodyText, checkPathAndQuery } from './sanitise.ts';

export const sessionCookie = 'cw_session';
const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The name a multipart form's file had on the sender's computer (no path), or null. */
export function uploadedFilename(request: FastifyRequest, field = 'file'): string | null {
  const name = (request as unknown as { uploadedFilenames?: Record<string, string> }).uploadedFilenames?.[field];
  return name ? name.replace(/^.*[\\/]/, '').slice(0, 200) || null : null;
}

/** The largest file a multipart form may carry. */
export const uploadLimitBytes = 10 * 1024 * 1024;
const govukDist = fileURLToPath(new URL('../../node_modules/govuk-frontend/dist/govuk/', import.meta.url));
const publicDir = fileURLToPath(new URL('./public/', import.meta.url));

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
    user: PublicUser | null;
    /** Hash of the session cookie's token, when the request carries a live session. */
    sessionHash: string | null;
    csrfToken: string | null;
    /** Set when a cookie-authenticated change still has to show its CSRF token in the body (a form field). */
    csrfPending: boolean;
    /** This request's upload slot and temporary files (see uploads.ts). */
    uploads: RequestUploads;
  }
  interface FastifyReply {
    /** Renders a GOV.UK page. `form: true` makes sure there is a session to carry the CSRF token. */
    page(template: string, data?: Record<string, unknown>, options?: { status?: number; form?: boolean }): Promise<FastifyReply>;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

/** The session cookie: HttpOnly, SameSite=Lax, Secure when the site is served over https. */
export function sessionCookieOptions(secure: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure };
}

function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

function isApi(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/');
}

function csrfFailed(): AppError {
  return new AppError('csrf_failed', 'Your form has expired or did not come from this site. Go back, reload the page and try again.');
}

function wantsJson(request: FastifyRequest): boolean {
  if (request.url.startsWith('/api/')) return true;
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** Maps Fastify's own errors (validation, body limits, media types) onto the AppError vocabulary. */
function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const e = error as { code?: string; statusCode?: number; validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[]; validationContext?: string; message?: string };
  if (e.validation) {
    const fieldErrors: FieldError[] = e.validation.map((v) => {
      const missing = v.params?.missingProperty as string | undefined;
      const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      const field = missing ? (path ? `${path}.${missing}` : missing) : path || (e.validationContext ?? 'body');
      return { field, message: `${field} ${v.message ?? 'is not valid'}` };
    });
    return new AppError('validation_failed', fieldErrors.map((f) => f.message).join('; '), { fieldErrors });
  }
  const map: Record<string, ErrorCode> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
    FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
    FST_ERR_BAD_URL: 'bad_request',
  };
  if (e.code === 'FST_REQ_FILE_TOO_LARGE') return new AppError('payload_too_large', `The file is too large: upload a file of ${uploadLimitBytes / 1024 / 1024} MB or less.`, { cause: error });
  if (e.code === 'FST_FILES_LIMIT') return new AppError('payload_too_large', 'Upload one file at a time.', { cause: error });
  if (e.code === 'FST_FIELDS_LIMIT' || e.code === 'FST_PARTS_LIMIT') return new AppError('payload_too_large', 'The form has too many fields.', { cause: error });
  if (e.code && map[e.code]) return new AppError(map[e.code]!, e.message, { cause: error });
  if (e.statusCode === 429) return new AppError('rate_limited', 'Too many attempts. Wait a minute and try again.', { cause: error });
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 400 && e instanceof SyntaxError) return new AppError('bad_request', 'The request body is not valid JSON', { cause: error });
    const code = (Object.keys(errorCodes) as ErrorCode[]).find((c) => errorCodes[c].status === e.statusCode) ?? 'bad_request';
    return new AppError(code, e.message, { cause: error });
  }
  if (isUnavailable(error)) return new AppError('unavailable', 'The service cannot reach its database just now: try again in a minute.', { cause: error });
  return new AppError('internal', undefined, { cause: error });
}

/** Problem details (RFC 9457) with our stable `code`. */
export function problem(error: AppError, instance: string) {
  return {
    type: `urn:commonweal:problem:${error.code}`,
    title: error.title,
    status: error.status,
    code: error.code,
    detail: error.message,
    instance,
    ...(error.fieldErrors.length ? { errors: error.fieldErrors } : {}),
  };
}

export const problemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, code: { type: 'string' },
    detail: { type: 'string' }, instance: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
  },
  required: ['type', 'title', 'status', 'code'],
} as const;

/** Builds the whole application from its context and modules. Nothing listens until the caller says so. */
export async function buildApp(ctx: AppContext, modules: CommonwealModule[]): Promise<App> {
  const { config, db } = ctx;
  // Query strings and path parameters arrive as text, so their schemas coerce ("5" → 5, one value ↔ a list of
  // one); a JSON body has types of its own, and `true`, "0x10" or [5] where an integer belongs is refused.
  const ajvPool = AjvCompiler();
  const buildValidator = (externalSchemas: unknown, options: { customOptions: Record<string, unknown> }) => {
    const coercing = ajvPool(externalSchemas as never, options as never);
    const strict = ajvPool(externalSchemas as never, { ...options, customOptions: { ...options.customOptions, coerceTypes: false } } as never);
    return (route: { httpPart?: string }) => (route.httpPart === 'body' ? strict : coercing)(route as never);
  };
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // A list of proxies is checked address by address. A number of hops believes that many hops nearest the app
    // whoever they are, so it is only for an app nobody can reach except through its proxies (README).
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    requestIdHeader: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
    schemaController: { compilersFactory: { buildValidator } } as unknown as FastifyServerOptions['schemaController'],
  }).withTypeProvider<TypeBoxTypeProvider>();
  // An anonymous GET may be answered from the replica (DATABASE_REPLICA_URL; platform/replica.ts): nobody is
  // signed in to expect their own writes, and a page that must write (a form's session) writes to the primary.
  // First of the hooks, so the whole request runs in its scope.
  if (config.databaseReplicaUrl) {
    app.addHook('onRequest', (request, _reply, done) => {
      const anonymous = request.method === 'GET' && request.headers.authorization === undefined && !(request.headers.cookie ?? '').includes(`${sessionCookie}=`);
      if (anonymous) replicaReads(done);
      else done();
    });
  }
  const uploadSlots = new UploadSlots(config.uploadsPerClient, config.uploadsTotal);
  removeAbandonedUploads();

  const views = createViewEnvironment();
  const nav = modules.filter((m) => m.nav).map((m) => m.nav!);
  ctx.lookups.work = modules.flatMap((m) => m.work ?? []);

  // On a PostgreSQL server, API tokens are remembered between requests while this app hears the database's
  // notifications of changes to them (see auth/token-cache.ts).
  const tokenCache = ctx.handle.pool && process.env.COMMONWEAL_TOKEN_CACHE !== '0' ? new TokenCache() : undefined;
  if (tokenCache) {
    const stopListening = listenForAuthChanges(ctx.handle.pool!.options, tokenCache, ctx.log);
    app.addHook('onClose', async () => {
      await stopListening();
      tokenCache.dispose();
    });
  }

  app.decorateRequest('actor', null as unknown as Actor);
  app.decorateRequest('user', null);
  app.decorateRequest('sessionHash', null);
  app.decorateRequest('csrfToken', null);
  app.decorateRequest('csrfPending', false);
  app.decorateRequest('uploads', null as unknown as RequestUploads);

  // Every route that changes data must say who may call it; pages stay out of the OpenAPI document.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((m) => unsafeMethods.has(m)) && !route.config?.access) {
      throw new Error(`Route ${methods.join(',')} ${route.url} does not declare config.access`);
    }
    if (!route.url.startsWith('/api/v1/') || route.url === '/api/v1/openapi.json') {
      route.schema = { ...(route.schema ?? {}), hide: true };
    }
  });

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 256 * 1024 });
  // multipart/form-data (file uploads): the parts are read in the preValidation hook below, which checks the
  // form's `_csrf` field (sent before the file, as the form puts it first) before it reads a byte of the file;
  // a file arrives in the body as a Buffer.
  await app.register(multipart, { limits: { fileSize: uploadLimitBytes, files: 1, fields: 50 } });
  await app.register(helmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        ...(config.secureCookies ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    hsts: config.secureCookies ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
  // Counted in the database, so each limit holds across every app process (platform/rate-limit-store.ts).
  await app.register(rateLimit, {
    global: false,
    store: postgresRateLimitStore(db) as never,
    errorResponseBuilder: () => new AppError('rate_limited', 'Too many attempts. Wait a minute and try again.'),
  });
  await app.register(fastifyStatic, { root: `${govukDist}assets`, prefix: '/assets/', maxAge: '7d', decorateReply: false });
  await app.register(fastifyStatic, {
    root: govukDist, prefix: '/govuk/', maxAge: '1d', decorateReply: false,
    allowedPath: (path) => /^\/govuk-frontend\.min\.(css|js)(\.map)?$/.test(path),
  });
  await app.register(fastifyStatic, { root: publicDir, prefix: '/public/', maxAge: '1d', decorateReply: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Commonweal API',
        version: '1',
        description: 'Public money, outcomes, voice, time credits and need, for a place. Errors are problem details (RFC 9457) with a stable `code`.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (cw_…) from your account page or `commonweal token create`.' } },
      },
      tags: modules.flatMap((m) => m.apiTags ?? []),
    },
  });

  // Everything about who is asking is settled here, before a byte of the body is read: who it is (an API token,
  // a browser session, or nobody), whether a cookie-authenticated change came from this site (CSRF), and whether
  // the route's `config.access` lets them. A refused request never costs the app its body.
  app.addHook('onRequest', async (request, reply) => {
    request.actor = anonymous;
    request.uploads = new RequestUploads(uploadSlots, request.ip);
    // /metrics is for the monitoring system: its own token (not an API token) or the machine itself.
    if (request.routeOptions.url === '/metrics') return;
    const querySchema = (request.routeOptions.schema as { querystring?: { properties?: Record<string, unknown> } } | undefined)?.querystring;
    checkPathAndQuery(request.params, request.query, { query: querySchema?.properties });
    await identify(request, reply);
    const access = request.routeOptions.config.access ?? 'public';
    await authorise(db, request.actor, access, { params: request.params, query: request.query });
    checkOrigin(request);
  });

  async function identify(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match) throw new AppError('invalid_token', 'The Authorization header must be "Bearer <token>"');
      const { actor, user } = await authenticateApiToken(db, match[1]!, tokenCache);
      request.actor = actor;
      request.user = user;
      return;
    }
    const token = request.cookies[sessionCookie];
    if (token) {
      const session = await loadSession(db, token);
      if (session) {
        request.sessionHash = session.idHash;
        request.csrfToken = session.csrfToken;
        request.user = session.user;
        if (session.user) request.actor = { userId: session.user.id, tokenId: null, isAdmin: session.user.isAdmin, via: 'session' };
      } else {
        reply.clearCookie(sessionCookie, { path: '/' });
      }
    }
  }

  // CSRF applies to what a cookie can carry: a change by a browser session (signed in or anonymous), and every
  // form of the pages (a form with no session is refused, so nobody can be signed in by a forged form). It must
  // show the session's token: in the X-CSRF-Token header (checked here), or as the form's `_csrf` field (checked
  // as soon as the form is read, and for a multipart form before its file). An API request with neither cookie
  // nor token is simply anonymous: it may do what is public and gets 401 for the rest. Token clients send no
  // cookie, so a forged cross-site request has nothing to ride on.
  function checkOrigin(request: FastifyRequest): void {
    if (!unsafeMethods.has(request.method) || request.actor.via === 'token') return;
    if (!request.csrfToken && isApi(request)) return;
    if (request.headers['sec-fetch-site'] === 'cross-site' || !request.csrfToken) throw csrfFailed();
    const header = request.headers['x-csrf-token'];
    if (header !== undefined) {
      if (typeof header !== 'string' || !safeEqual(header, request.csrfToken)) throw csrfFailed();
      return;
    }
    // Only a form can carry its token in the body; any other body (a raw file) is refused before it is read.
    const type = (request.headers['content-type'] ?? '').toLowerCase();
    if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) throw csrfFailed();
    request.csrfPending = true;
  }

  app.addHook('preValidation', async (request) => {
    if (request.isMultipart()) request.body = await readMultipartForm(request);
    checkBodyText(request.body);
    if (!request.csrfPending) return;
    const body = request.body as Record<string, unknown> | undefined;
    checkFormToken(request, body);
    // A page's GOV.UK date inputs (start-day, start-month, start-year) reach its route as one field (start).
    if (body && typeof body === 'object') foldDateParts(body);
  });

  function checkFormToken(request: FastifyRequest, body: Record<string, unknown> | undefined): void {
    const sent = typeof body?._csrf === 'string' ? body._csrf : undefined;
    if (!request.csrfToken || sent === undefined || !safeEqual(sent, request.csrfToken)) throw csrfFailed();
    delete body!._csrf;
    request.csrfPending = false;
  }

  /** A multipart form's fields (repeated ones as lists) and its file as a Buffer; the CSRF field must come first. */
  async function readMultipartForm(request: FastifyRequest): Promise<Record<string, unknown>> {
    const body: Record<string, unknown> = {};
    for await (const part of request.parts()) {
      let value: unknown;
      if (part.type === 'file') {
        if (request.csrfPending) checkFormToken(request, body);
        request.uploads.begin();
        // The body keeps only a file's bytes: its name, as the person's computer gave it, is kept on the request.
        const names = ((request as unknown as { uploadedFilenames?: Record<string, string> }).uploadedFilenames ??= {});
        if (part.filename) names[part.fieldname] = part.filename;
        value = await part.toBuffer();
      } else {
        value = part.value;
      }
      const before = body[part.fieldname];
      body[part.fieldname] = before === undefined ? value : ([] as unknown[]).concat(before, value);
    }
    return body;
  }

  // What a signed-in person or a token sees is theirs: no shared cache keeps it. Nor a page carrying a form's token.
  app.addHook('onSend', async (request, reply) => {
    if (request.user || request.actor.via === 'token' || reply.hasHeader('set-cookie')) reply.header('cache-control', 'no-store');
  });

  // Uploads give their slot back and lose their temporary files once the response has gone, or the client has.
  app.addHook('onResponse', async (request) => {
    await request.uploads?.end();
  });
  app.addHook('onRequestAbort', async (request) => {
    await request.uploads?.end();
  });

  const setCookieOptions = sessionCookieOptions(config.secureCookies);

  app.decorateReply('page', async function page(this: FastifyReply, template: string, data: Record<string, unknown> = {}, options: { status?: number; form?: boolean } = {}) {
    const request = this.request;
    if (options.form && !request.csrfToken) {
      // An anonymous visitor about to fill in a form gets a short-lived session to hold the CSRF token.
      const session = await startSession(db, null);
      request.csrfToken = session.csrfToken;
      this.setCookie(sessionCookie, session.token, { ...setCookieOptions, expires: session.expiresAt });
    }
    const path = request.url.split('?')[0] ?? '/';
    // The header's inbox count; a page still renders (without it) if counting fails.
    const inbox = request.user ? await inboxCount(db, ctx.lookups.work ?? [], request.user).catch((err) => {
      request.log.error({ err }, 'inbox count failed');
      return null;
    }) : null;
    const html = views.render(template, {
      inboxCount: inbox,
      ...data,
      serviceName: 'Commonweal',
      currentUser: request.user,
      csrfToken: request.csrfToken,
      cspNonce: this.cspNonce?.script,
      currentPath: path,
      navigation: nav.map((n) => ({ href: n.href, text: n.text, active: path === n.href || path.startsWith(`${n.href}/`) })),
    });
    return this.status(options.status ?? 200).type('text/html; charset=utf-8').send(html);
  });

  app.setErrorHandler(async (error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: appError.code, url: redactUrl(request.url) }, appError.message);
    // A body left unread (refused before it was read) is not read afterwards either: the connection closes.
    if (!request.raw.complete && (request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined)) {
      reply.header('connection', 'close');
    }
    if ((appError.code === 'rate_limited' || appError.code === 'unavailable') && !reply.hasHeader('retry-after')) reply.header('retry-after', '60');
    if (wantsJson(request)) {
      return reply.status(appError.status).type('application/problem+json').send(problem(appError, request.url));
    }
    if (appError.code === 'unauthenticated' && request.method === 'GET') {
      return reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 303);
    }
    // A fault's details stay in the log; "unavailable" (503) is said to people as it is: try again in a minute.
    const hidden = appError.status >= 500 && appError.code !== 'unavailable';
    const template = hidden ? 'platform/views/500.njk' : appError.status === 404 ? 'platform/views/404.njk' : 'platform/views/error.njk';
    return reply.page(template, { error: appError, detail: hidden ? null : appError.message }, { status: appError.status });
  });

  app.setNotFoundHandler(async (request, reply) => {
    const error = new AppError('not_found', `Nothing is at ${request.url.split('?')[0]}`);
    if (wantsJson(request)) return reply.status(404).type('application/problem+json').send(problem(error, request.url));
    return reply.page('platform/views/404.njk', { error }, { status: 404 });
  });

  // Each database is reported on its own: the primary decides the status (503 when it is unreachable); a
  // replica that is down is reported, and the app reads from the primary meanwhile.
  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    const primary = await probe(db);
    const replica = !config.databaseReplicaUrl ? { status: 'not configured' } : await probeReplica(config.databaseReplicaUrl);
    const body = { status: primary.status === 'reachable' ? 'ok' : 'unavailable', engine: ctx.handle.engine, database: primary.status, primary, replica };
    if (primary.status !== 'reachable') return reply.status(503).send(body);
    return body;
  });

  async function probe(target: typeof db): Promise<{ status: string; latencyMs?: number }> {
    const started = performance.now();
    try {
      await sql`select 1`.execute(target);
      return { status: 'reachable', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (error) {
      ctx.log.error({ err: error }, 'health check failed');
      return { status: 'unreachable' };
    }
  }

  async function probeReplica(url: string): Promise<{ status: string; lagSeconds?: number | null; latencyMs?: number }> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000, query_timeout: 2000 });
    const started = performance.now();
    try {
      await client.connect();
      // Lag: none when the standby has replayed everything it has received (an idle primary writes nothing, and
      // the last replayed transaction's age says nothing then); else the age of the last transaction replayed.
      const { rows } = await client.query(`SELECT pg_is_in_recovery() AS standby,
        CASE WHEN NOT pg_is_in_recovery() THEN NULL
             WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
             ELSE greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp()))::float8 END AS lag`);
      return { status: rows[0].standby ? 'reachable' : 'not a standby', lagSeconds: rows[0].lag, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch {
      return { status: 'unreachable' };
    } finally {
      await client.end().catch(() => {});
    }
  }

  // Prometheus metrics (platform/metrics.ts): by route pattern, so ids in URLs do not make series of their own.
  const replicaState = config.databaseReplicaUrl
    ? async () => {
      const r = await probeReplica(config.databaseReplicaUrl!);
      return { reachable: r.status === 'reachable', lagSeconds: r.lagSeconds ?? null };
    }
    : undefined;
  watchPool(ctx.handle, config.databasePoolSize);
  answerMetricsCalls();
  app.addHook('onResponse', async (request, reply) => {
    observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const allowed = config.metricsToken
      ? safeEqual(/^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1] ?? '', config.metricsToken)
      : ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(request.socket.remoteAddress ?? '');
    if (!allowed) {
      return reply.status(config.metricsToken ? 401 : 403).type('text/plain; charset=utf-8')
        .send(config.metricsToken ? 'Send METRICS_TOKEN as a bearer token.\n' : 'Metrics answer only this machine unless METRICS_TOKEN is set.\n');
    }
    return reply.type('text/plain; version=0.0.4; charset=utf-8').header('cache-control', 'no-store').send(await renderMetrics(db, replicaState));
  });

  for (const module of modules) await module.routes?.(app, ctx);

  app.get('/api/v1/openapi.json', async () => app.swagger());
  await app.ready();
  return app;
}
