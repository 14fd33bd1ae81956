// Every GET page and API route in the app's route table, sent the values that used to answer 500 with a stack
// trace (issue 15, defect 9): a NUL byte, a repeated parameter, numbers JavaScript reads oddly, and names that
// exist on every plain object. Nothing may answer 500; a bad value is a 400 that names its field. (503 is a
// page whose data is not loaded in this test's database, such as the deprivation indices.)
import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { RouteOptions } from 'fastify';
import { eachEngine } from './testing.ts';
import { buildApp } from './http.ts';
import { allModules } from '../modules.ts';
import type { CommonwealModule } from './module.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';

const fuzz = ['a\u0000b', '1e309', 'Infinity', '-Infinity', 'NaN', '1.999', '-1', 'constructor', '__proto__', 'toString', 'hasOwnProperty', '%', ''];
const names = ['q', 'page', 'pageSize', 'period', 'area', 'organisation', 'service', 'tag', 'state', 'format', 'asAt', 'min', 'max', 'department', 'purpose',
  'supplier', 'next', 'token', 'notice', 'year', 'measure', 'by', 'status', 'sort', 'limit', 'offset', 'from', 'to', 'code', 'lad', 'decile', 'kind', 'bank', 'provider'];
const samples: Record<string, string> = { publisher: 'newcastle-city-council', slug: 'newcastle-city-council', ref: 'newcastle-city-council', code: 'E01021988', by: 'supplier', tag: 'housing' };

eachEngine('no 500s at the boundary', (t) => {
  it('answers every GET route, fuzzed in its path and query, without a 500', { timeout: 600_000 }, async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const routes: RouteOptions[] = [];
    const recorder: CommonwealModule = { name: 'recorder', routes(app) { app.addHook('onRoute', (r) => void routes.push(r as RouteOptions)); } };
    const app = await buildApp(ctx, [recorder, ...allModules(ctx)]);
    try {
      const gets = routes.filter((r) => ([] as string[]).concat(r.method).includes('GET') && !/^\/(assets|govuk|public)\//.test(r.url) && !r.url.includes('*'));
      assert.ok(gets.length > 50, `only ${gets.length} GET routes found`);
      const failures: string[] = [];
      const send = async (url: string) => {
        const res = await app.inject({ method: 'GET', url });
        if (res.statusCode >= 500 && res.statusCode !== 503) failures.push(`${res.statusCode} ${url}: ${res.body.slice(0, 200)}`);
        else if (res.statusCode === 400 && url.startsWith('/api/') && !res.json().code) failures.push(`400 without a problem document: ${url}`);
      };
      for (const route of gets) {
        const params = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
        const path = (values: Record<string, string>) => route.url.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(values[name] ?? samples[name] ?? '00000000-0000-4000-8000-000000000000'));
        const base = path({});
        const schemaNames = Object.keys(((route.schema as { querystring?: { properties?: object } } | undefined)?.querystring?.properties) ?? {});
        const queryNames = [...new Set([...schemaNames, ...names])];
        for (const value of fuzz) {
          const v = encodeURIComponent(value);
          await send(`${base}?${queryNames.map((n) => `${n}=${v}`).join('&')}`);
          for (const name of params) await send(path({ [name]: value === '' ? ' ' : value }));
        }
        await send(`${base}?${queryNames.map((n) => `${n}=a&${n}=b`).join('&')}`);
        // One parameter at a time too, so that an early refusal of one cannot hide another's 500.
        for (const name of new Set([...schemaNames, 'page', 'pageSize', 'notice', 'q', 'by', 'format', 'period'])) {
          for (const value of ['1e309', 'Infinity', '1.999', 'a\u0000b', 'constructor']) await send(`${base}?${name}=${encodeURIComponent(value)}`);
        }
      }
      assert.deepEqual(failures, []);
    } finally {
      await app.close();
    }
  });
});

eachEngine('document addresses a release could not publish', (t) => {
  it('refuses at creation a document address the OCDS schema would refuse at publication, naming the field', async () => {
    const { ctx } = t();
    const { cast, opportunityBody } = await import('../commissioning/commissioning.test-support.ts');
    const service = await import('../commissioning/commissioning.service.ts');
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 7 * 24 * 3600_000);
    for (const url of ['https://example.org/a|b', 'https://example.org/%zz', 'https://example.org/"x"']) {
      await assert.rejects(service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline, { documents: [{ title: 'Spec', url }] })),
        (error: { code?: string; fieldErrors?: { field: string }[] }) => error.code === 'validation_failed' && error.fieldErrors?.[0]?.field === 'documents[0].url', url);
    }
    const fine = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
    assert.ok(fine.id);
  });
});
