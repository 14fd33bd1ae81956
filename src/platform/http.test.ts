import { it, describe } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, multipartBody, openTestContext, userWithToken } from './testing.ts';
import { buildApp } from './http.ts';
import { AppError } from './errors.ts';
import { deliverOutbox } from './outbox.delivery.ts';
import { enqueueEmail, listOutbox } from './outbox.repository.ts';
import type { CommonwealModule } from './module.ts';
import { startSession } from './auth/auth.service.ts';


eachEngine('the web app', (t) => {
  it('serves the home page with GOV.UK assets, secure headers and no cookie', async () => {
    const { app } = t();
    const res = await app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<main class="govuk-main-wrapper" id="main-content"/);
    assert.match(res.body, /href="\/govuk\/govuk-frontend\.min\.css"/);
    assert.match(res.body, /Accessibility statement/);
    assert.equal(res.headers['set-cookie'], undefined, 'reading a page sets no cookie');
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    const nonce = /script-src 'self' 'nonce-([0-9a-f]+)'/.exec(csp)?.[1];
    assert.ok(nonce && res.body.includes(`nonce="${nonce}"`), 'the inline script carries the CSP nonce');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    const css = await app.inject({ method: 'GET', url: '/govuk/govuk-frontend.min.css' });
    assert.equal(css.statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/govuk/../../package.json' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/govuk/govuk/template.njk' })).statusCode, 404);
  });

  it('answers unknown routes with a GOV.UK 404 page or problem JSON', async () => {
    const { app } = t();
    const page = await app.inject({ method: 'GET', url: '/no/such/page' });
    assert.equal(page.statusCode, 404);
    assert.match(page.body, /Page not found/);
    const api = await app.inject({ method: 'GET', url: '/api/v1/no-such-thing' });
    assert.equal(api.statusCode, 404);
    assert.deepEqual({ code: api.json().code, status: api.json().status }, { code: 'not_found', status: 404 });
  });

  it('refuses oversized and wrongly typed bodies with a clear problem', async () => {
    const { app, ctx } = t();
    const { auth } = await userWithToken(ctx.db, 'bodies@example.org');
    const big = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: { 'content-type': 'application/json', ...auth }, payload: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }) });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'payload_too_large');
    const session = await startSession(ctx.db, null);
    const bigForm = await app.inject({ method: 'POST', url: '/sign-in', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `cw_session=${session.token}` }, payload: `email=${'x'.repeat(300 * 1024)}` });
    assert.equal(bigForm.statusCode, 413);
    assert.match(bigForm.body, /too large/);
    const xml = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: { 'content-type': 'application/xml', ...auth }, payload: '<x/>' });
    assert.equal(xml.statusCode, 415);
    const badJson = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: { 'content-type': 'application/json', authorization: 'Bearer nope' }, payload: '{"name":' });
    assert.equal(badJson.statusCode, 401, 'authentication is checked before the body is read');
  });

  it('reports database reachability at /healthz', async () => {
    const { app, engine } = t();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual({ ...body, primary: { status: body.primary.status } }, { status: 'ok', database: 'reachable', engine, primary: { status: 'reachable' }, replica: { status: 'not configured' } });
  });

  it('publishes an OpenAPI 3 document listing the JSON routes and not the pages', async () => {
    const { app } = t();
    const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.match(doc.openapi, /^3\./);
    assert.ok(doc.paths['/api/v1/organisations'].get);
    assert.ok(doc.paths['/api/v1/organisations'].post.requestBody);
    assert.ok(doc.paths['/api/v1/organisations/{ref}'].patch);
    assert.ok(doc.paths['/api/v1/me'].get);
    assert.equal(doc.paths['/sign-in'], undefined);
    assert.equal(doc.paths['/healthz'], undefined);
    assert.ok(doc.components.securitySchemes.bearer);
  });
});

describe('the app’s own guarantees', () => {
  it('refuses to start when a route that changes data does not declare who may call it', async () => {
    const ctx = await openTestContext('pglite');
    try {
      const careless: CommonwealModule = { name: 'careless', routes(app) { app.post('/careless', async () => 'ok'); } };
      await assert.rejects(buildApp(ctx, [careless]), /does not declare config\.access/);
    } finally {
      await ctx.handle.close();
    }
  });

  it('reads multipart forms once, checks their _csrf field, and refuses an oversized file with 413', async () => {
    const ctx = await openTestContext('pglite');
    try {
      const upload: CommonwealModule = {
        name: 'upload',
        routes(app) {
          app.post('/upload', { config: { access: 'public' } }, async (request) => {
            const body = request.body as Record<string, unknown>;
            const file = body.file;
            return { note: body.note, csrfLeft: '_csrf' in body, file: Buffer.isBuffer(file) ? file.toString('utf8') : null };
          });
        },
      };
      const app = await buildApp(ctx, [upload]);
      const session = await startSession(ctx.db, null);
      const cookie = `cw_session=${session.token}`;
      const send = (fields: Record<string, string>, file?: { name: string; filename: string; content: string | Buffer }, withCookie = true) => {
        const { payload, contentType } = multipartBody(fields, file);
        return app.inject({ method: 'POST', url: '/upload', payload, headers: { 'content-type': contentType, ...(withCookie ? { cookie } : {}) } });
      };
      const csv = { name: 'file', filename: 'amounts.csv', content: 'E01021988,100\n' };
      const missing = await send({ note: 'hello' }, csv);
      assert.equal(missing.statusCode, 403, 'no _csrf field');
      assert.match(missing.body, /did not come from this site/);
      const forged = await send({ _csrf: 'forged-token-value', note: 'hello' }, csv);
      assert.equal(forged.statusCode, 403, 'a wrong _csrf field');
      const noCookie = await send({ _csrf: session.csrfToken, note: 'hello' }, csv, false);
      assert.equal(noCookie.statusCode, 403, 'no session');
      const ok = await send({ _csrf: session.csrfToken, note: 'hello' }, csv);
      assert.equal(ok.statusCode, 200);
      assert.deepEqual(ok.json(), { note: 'hello', csrfLeft: false, file: 'E01021988,100\n' });
      const tooBig = await send({ _csrf: session.csrfToken }, { ...csv, content: Buffer.alloc(10 * 1024 * 1024 + 1, 'a') });
      assert.equal(tooBig.statusCode, 413);
      assert.match(tooBig.body, /The file is too large: upload a file of 10 MB or less/);
      await app.close();
    } finally {
      await ctx.handle.close();
    }
  });

  it('renders a 500 page that says nothing was half-saved, and logs the error', async () => {
    const ctx = await openTestContext('pglite');
    try {
      const broken: CommonwealModule = {
        name: 'broken',
        routes(app) {
          app.get('/broken', async () => { throw new Error('secret internal detail'); });
          app.get('/api/v1/broken', async () => { throw new Error('secret internal detail'); });
          app.get('/forbidden', async () => { throw new AppError('forbidden', 'Not for you'); });
        },
      };
      const app = await buildApp(ctx, [broken]);
      const page = await app.inject({ method: 'GET', url: '/broken' });
      assert.equal(page.statusCode, 500);
      assert.match(page.body, /Sorry, there is a problem with the service/);
      assert.ok(!page.body.includes('secret internal detail'));
      const api = await app.inject({ method: 'GET', url: '/api/v1/broken' });
      assert.equal(api.json().code, 'internal');
      assert.ok(!api.body.includes('secret internal detail'));
      const forbidden = await app.inject({ method: 'GET', url: '/forbidden' });
      assert.equal(forbidden.statusCode, 403);
      assert.match(forbidden.body, /Not for you/);
      await app.close();
    } finally {
      await ctx.handle.close();
    }
  });

  it('delivers the outbox through SMTP once, and records failures for a retry', async () => {
    const ctx = await openTestContext('pglite');
    try {
      await enqueueEmail(ctx.db, { to: 'a@example.org', subject: 'One', text: 'Hello', kind: 'test' });
      await enqueueEmail(ctx.db, { to: 'fail@example.org', subject: 'Two', text: 'Hello', kind: 'test' });
      const sent: string[] = [];
      const transport = {
        async sendMail(m: { to?: unknown }) {
          if (m.to === 'fail@example.org') throw new Error('mailbox unavailable');
          sent.push(String(m.to));
          return {};
        },
      };
      assert.deepEqual(await deliverOutbox(ctx.db, transport as never, 'from@example.org'), { sent: 1, failed: 1 });
      assert.deepEqual(await deliverOutbox(ctx.db, transport as never, 'from@example.org'), { sent: 0, failed: 1 });
      assert.deepEqual(sent, ['a@example.org'], 'a sent email is not sent again');
      const rows = await listOutbox(ctx.db);
      const failed = rows.find((r) => r.to === 'fail@example.org')!;
      assert.equal(failed.attempts, 2);
      assert.equal(failed.lastError, 'mailbox unavailable');
      assert.ok(rows.find((r) => r.to === 'a@example.org')!.sentAt);
    } finally {
      await ctx.handle.close();
    }
  });
});
