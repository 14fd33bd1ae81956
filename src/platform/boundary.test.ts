// The HTTP boundary: who may send what, and what comes back, whatever is sent.
import { it, describe } from 'node:test';
import assert from 'node:assert/strict';
import Type from 'typebox';
import { eachEngine, openTestContext, testEngines, userWithToken } from './testing.ts';
import { buildApp } from './http.ts';
import { createApp } from '../app.ts';
import { startSession } from './auth/auth.service.ts';
import { trustProxyFrom } from './config.ts';
import type { CommonwealModule } from './module.ts';

const json = { 'content-type': 'application/json' };

eachEngine('the boundary: anonymous API calls, caches', (t) => {
  it('lets an API call with neither cookie nor token do what is public, and answers 401 where access is needed', async () => {
    const { app } = t();
    const fairness = await app.inject({ method: 'POST', url: '/api/v1/places/fairness', headers: json, payload: { amounts: [{ areaCode: 'E01021988', amount: 100 }] } });
    assert.notEqual(fairness.statusCode, 403, fairness.body);
    assert.notEqual(fairness.json().code, 'csrf_failed');
    const unknownPetition = await app.inject({ method: 'POST', url: '/api/v1/voice/petitions/00000000-0000-4000-8000-000000000000/signatures', headers: json, payload: { name: 'A', email: 'a@example.org', postcode: 'NE1 1AA' } });
    assert.equal(unknownPetition.statusCode, 400, `a public route answers on its merits: ${unknownPetition.body}`);
    assert.equal(unknownPetition.json().code, 'validation_failed');
    const needsAccount = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: json, payload: { name: 'Anon' } });
    assert.equal(needsAccount.statusCode, 401);
    assert.equal(needsAccount.json().code, 'unauthenticated');
  });

  it('still asks a cookie session for its CSRF token on the API, and every page form for one', async () => {
    const { app, ctx } = t();
    const { user } = await userWithToken(ctx.db, 'cookie.api@example.org');
    const session = await startSession(ctx.db, user.id);
    const cookie = `cw_session=${session.token}`;
    const forged = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: { ...json, cookie }, payload: { name: 'Forged' } });
    assert.equal(forged.statusCode, 403);
    assert.equal(forged.json().code, 'csrf_failed');
    const crossSite = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: { ...json, cookie, 'x-csrf-token': session.csrfToken, 'sec-fetch-site': 'cross-site' }, payload: { name: 'Cross' } });
    assert.equal(crossSite.json().code, 'csrf_failed');
    const noSessionForm = await app.inject({ method: 'POST', url: '/sign-in', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'email=a%40example.org&password=whatever12' });
    assert.equal(noSessionForm.statusCode, 403, 'a page form without a session cannot sign anyone in (login CSRF)');
  });

  it('answers a NUL byte, a repeated parameter and an odd page number with 400 naming the field', async () => {
    const { app } = t();
    const nul = await app.inject({ method: 'GET', url: '/api/v1/organisations?q=a%00b' });
    assert.equal(nul.statusCode, 400);
    assert.equal(nul.json().errors[0].field, 'q');
    const nulPath = await app.inject({ method: 'GET', url: '/api/v1/organisations/a%00b' });
    assert.equal(nulPath.json().errors[0].field, 'ref');
    const twice = await app.inject({ method: 'GET', url: '/organisations?q=a&q=b' });
    assert.equal(twice.statusCode, 400);
    assert.match(twice.body, /Give q once/);
    for (const page of ['1e309', 'Infinity', '1.999']) {
      const api = await app.inject({ method: 'GET', url: `/api/v1/voice/stories?page=${page}` });
      assert.equal(api.statusCode, 400, `${page}: ${api.body}`);
      assert.equal(api.json().errors[0].field, 'page');
      const html = await app.inject({ method: 'GET', url: `/voice?page=${page}` });
      assert.equal(html.statusCode, 400, page);
    }
    const proto = await app.inject({ method: 'GET', url: '/?notice=constructor' });
    assert.equal(proto.statusCode, 200, 'a notice name on Object.prototype is just unknown');
    const nulBody = await app.inject({ method: 'POST', url: '/api/v1/places/fairness', headers: json, payload: { amounts: [{ areaCode: 'E0\u00001', amount: 1 }] } });
    assert.equal(nulBody.statusCode, 400);
    assert.equal(nulBody.json().errors[0].field, 'amounts.0.areaCode');
  });

  it('marks token and signed-in responses no-store, so no shared cache keeps them', async () => {
    const { app, ctx } = t();
    const { auth, user } = await userWithToken(ctx.db, 'cache@example.org');
    const viaToken = await app.inject({ method: 'GET', url: '/api/v1/me', headers: auth });
    assert.equal(viaToken.statusCode, 200);
    assert.equal(viaToken.headers['cache-control'], 'no-store');
    const feed = await app.inject({ method: 'GET', url: '/api/v1/spend/publishers', headers: auth });
    assert.equal(feed.headers['cache-control'], 'no-store');
    const session = await startSession(ctx.db, user.id);
    const page = await app.inject({ method: 'GET', url: '/', headers: { cookie: `cw_session=${session.token}` } });
    assert.equal(page.headers['cache-control'], 'no-store');
    const form = await app.inject({ method: 'GET', url: '/sign-in' });
    assert.ok(form.headers['set-cookie']);
    assert.equal(form.headers['cache-control'], 'no-store', 'a page that hands out a session and its CSRF token');
    const anonymous = await app.inject({ method: 'GET', url: '/' });
    assert.notEqual(anonymous.headers['cache-control'], 'no-store', 'public pages stay cacheable');
  });
});

describe('the boundary: integers in JSON bodies', () => {
  for (const engine of testEngines()) {
    it(`refuses true, "0x10" and [5] where a body wants an integer, naming the field, and still reads "5" from a query [${engine}]`, async () => {
      const ctx = await openTestContext(engine);
      const numbers: CommonwealModule = {
        name: 'numbers',
        routes(app) {
          app.post('/api/v1/numbers', {
            config: { access: 'public' },
            schema: { body: Type.Object({ count: Type.Integer() }), querystring: Type.Object({ page: Type.Optional(Type.Integer()) }) },
          }, async (request) => ({ count: (request.body as { count: number }).count, page: (request.query as { page?: number }).page ?? null }));
        },
      };
      const app = await buildApp(ctx, [numbers]);
      try {
        for (const count of [true, '0x10', [5], '5', 1.5]) {
          const res = await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: json, payload: { count } });
          assert.equal(res.statusCode, 400, `${JSON.stringify(count)}: ${res.body}`);
          assert.equal(res.json().errors[0].field, 'count');
        }
        const ok = await app.inject({ method: 'POST', url: '/api/v1/numbers?page=5', headers: json, payload: { count: 16 } });
        assert.deepEqual(ok.json(), { count: 16, page: 5 });
        const real = await createApp(ctx);
        try {
          for (const amount of [true, [5]]) {
            const res = await real.inject({ method: 'POST', url: '/api/v1/places/fairness', headers: json, payload: { amounts: [{ areaCode: 'E01021988', amount }] } });
            assert.equal(res.statusCode, 400, res.body);
            assert.match(res.json().errors.map((e: { field: string }) => e.field).join(), /amounts\.0\.amount/);
          }
        } finally {
          await real.close();
        }
      } finally {
        await app.close();
        await ctx.handle.close();
      }
    });

    it(`answers /healthz with 503, never 500, when the database is closed, with or without a session [${engine}]`, async () => {
      const ctx = await openTestContext(engine);
      const app = await createApp(ctx);
      const session = await startSession(ctx.db, null);
      try {
        await ctx.handle.close();
        for (const headers of [{}, { cookie: `cw_session=${session.token}` }, { authorization: `Bearer cw_${'a'.repeat(43)}` }]) {
          const res = await app.inject({ method: 'GET', url: '/healthz', headers });
          assert.equal(res.statusCode, 503, `${JSON.stringify(headers)}: ${res.body}`);
        }
        const page = await app.inject({ method: 'GET', url: '/organisations' });
        assert.equal(page.statusCode, 503, 'any page: the service is unavailable, not broken');
      } finally {
        await app.close();
      }
    });
  }
});

describe('the boundary: TRUST_PROXY', () => {
  it('takes a number of hops or a list of proxies, and refuses "true"', () => {
    assert.equal(trustProxyFrom(undefined), false);
    assert.equal(trustProxyFrom('1'), 1);
    assert.deepEqual(trustProxyFrom('10.0.0.0/8, ::1'), ['10.0.0.0/8', '::1']);
    assert.throws(() => trustProxyFrom('true'), /number of proxy hops or a comma-separated list/);
    assert.throws(() => trustProxyFrom('10.0.0.0/33'), /10\.0\.0\.0\/33/);
  });

  for (const engine of testEngines()) {
    for (const [setting, proxy] of [['1', '10.0.0.1'], ['10.0.0.0/8', '10.0.0.1']] as const) {
      it(`TRUST_PROXY=${setting}: a rotating X-Forwarded-For does not escape a rate limit, directly or through a proxy that appends [${engine}]`, async () => {
        const ctx = await openTestContext(engine, { TRUST_PROXY: setting });
        const app = await createApp(ctx);
        try {
          const signIn = async (remoteAddress: string, forwarded: string) => {
            const session = await startSession(ctx.db, null);
            const res = await app.inject({
              method: 'POST', url: '/sign-in', remoteAddress,
              headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `cw_session=${session.token}`, 'x-forwarded-for': forwarded },
              payload: `email=nobody%40example.org&password=wrong-password&_csrf=${session.csrfToken}`,
            });
            return res.statusCode;
          };
          // Through the proxy, which appends the address it saw (the real client's) to what the client sent.
          const viaProxy: number[] = [];
          for (let i = 0; i < 12; i++) viaProxy.push(await signIn(proxy, `203.0.113.${i}, 198.51.100.7`));
          assert.equal(viaProxy.at(-1), 429, `through the proxy: ${viaProxy.join(' ')}`);
          if (setting !== '1') {
            // Straight to the app, not through a listed proxy: the header is not believed at all.
            const direct: number[] = [];
            for (let i = 0; i < 12; i++) direct.push(await signIn('198.51.100.99', `203.0.113.${i}`));
            assert.equal(direct.at(-1), 429, `directly: ${direct.join(' ')}`);
          }
          assert.equal(await signIn(proxy, '192.0.2.44'), 401, 'another real client is not limited by the first');
        } finally {
          await app.close();
          await ctx.handle.close();
        }
      });
    }
  }
});

describe('the boundary: secrets in URLs stay out of the logs', () => {
  it('redacts reset, confirmation and API tokens from every request log line', async () => {
    const { redactUrl } = await import('./redact.ts');
    const secret = 'Zq3xY_9-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
    assert.equal(redactUrl(`/reset-password?token=${secret}&x=1`), '/reset-password?token=[redacted]&x=1');
    assert.equal(redactUrl('/voice/petitions/confirm?token=short'), '/voice/petitions/confirm?token=[redacted]');
    assert.equal(redactUrl(`/things/${secret.slice(0, 43)}/x`), '/things/[redacted]/x', 'a path segment that is a secret');
    assert.equal(redactUrl('/spend/newcastle?q=parking'), '/spend/newcastle?q=parking');
    for (const engine of testEngines()) {
      const ctx = await openTestContext(engine);
      const lines: string[] = [];
      const { createLogger } = await import('../app.ts');
      const app = await createApp({ ...ctx, log: createLogger({ logLevel: 'info' }, { write: (line: string) => void lines.push(line) }) });
      try {
        const token = 'k'.repeat(43);
        await app.inject({ method: 'GET', url: `/reset-password?token=${token}` });
        await app.inject({ method: 'GET', url: `/register/confirm?token=${token}` });
        await app.inject({ method: 'GET', url: `/voice/petitions/confirm?token=${token}` });
        await app.inject({ method: 'GET', url: `/voice/responses/confirm?token=${token}` });
        await app.inject({ method: 'GET', url: `/api/v1/me?access_token=cw_${token}` });
        assert.ok(lines.length >= 5, `logged ${lines.length} lines`);
        assert.ok(lines.some((l) => l.includes('[redacted]')), 'the URL is logged, redacted');
        const leaked = lines.filter((l) => l.includes(token));
        assert.deepEqual(leaked, [], `[${engine}] a secret reached the log`);
      } finally {
        await app.close();
        await ctx.handle.close();
      }
    }
  });
});
