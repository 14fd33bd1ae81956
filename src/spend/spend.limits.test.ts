import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { eachEngine, userWithToken } from '../platform/testing.ts';
import { cliActor, type Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { loadConfig } from '../platform/config.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { addMember, getOrganisation } from '../organisations/organisations.service.ts';
import { importSpendFile } from './spend.import.ts';
import { importLimitsFor, setImportLimits } from './spend.limits.ts';
import type { AppContext } from '../platform/module.ts';

const dataset = (name: string): Buffer => readFileSync(new URL(`../../datasets/spend/${name}`, import.meta.url));

/** A small gzip that inflates to `lines` spend lines. */
function bomb(lines: number): Buffer {
  const row = '01/02/2020,Acme Ltd,600.00,Books\n';
  return gzipSync(Buffer.from(`Date,Supplier Name,Amount,Expense Type\n${row.repeat(lines)}`), { level: 9 });
}

async function nothingWritten(ctx: AppContext, publisherId: string) {
  assert.equal((await ctx.db.selectFrom('spend_files').select('id').where('organisation_id', '=', publisherId).execute()).length, 0, 'no file recorded');
  const lines = await ctx.db.selectFrom('spend_lines').select(sql<number>`count(*)::int`.as('n')).where('organisation_id', '=', publisherId).executeTakeFirstOrThrow();
  assert.equal(lines.n, 0, 'no lines');
  assert.equal((await ctx.db.selectFrom('audit_log').select('id').where('action', 'like', 'spend.file.%').where('organisation_id', '=', publisherId).execute()).length, 0, 'no audit row');
}

const rejects = (code: string, pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof AppError, String(e));
  assert.equal(e.code, code, e.message);
  assert.match(e.message, pattern);
  return true;
};

eachEngine('spend import limits', (t) => {
  it('a gzip that inflates past the publisher’s line or size limit is refused by name, in the thread and in a worker; nothing is written', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const net = await getOrganisation(ctx.db, 'GB-LAE-NET');
    const file = bomb(200_000); // ~7 MB of text in a gzip of a few kilobytes
    assert.ok(file.length < 100_000, `${file.length} bytes`);

    const staff = { userId: null, tokenId: null, isAdmin: false, via: 'token' } as Actor;
    await assert.rejects(setImportLimits(ctx.db, ctx.config, staff, 'GB-LAE-NET', { maxLines: '1000' }), rejects('forbidden', /site administrators/));
    await assert.rejects(setImportLimits(ctx.db, ctx.config, cliActor, 'GB-LAE-NET', { maxLines: '-3' }), (e: unknown) => e instanceof AppError && e.fieldErrors[0]?.field === 'maxLines');
    const set = await setImportLimits(ctx.db, ctx.config, cliActor, 'GB-LAE-NET', { maxLines: '150,000' });
    assert.equal(set.maxLines, 150_000);
    assert.equal(set.maxBytes, 2 * 1024 ** 3, 'the global size limit still applies');
    for (const readInWorker of [false, true]) {
      await assert.rejects(importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NET', source: { bytes: file }, readInWorker }), rejects('payload_too_large', /more than 150,000 lines/));
    }
    await setImportLimits(ctx.db, ctx.config, cliActor, 'GB-LAE-NET', { maxMegabytes: '2' });
    for (const readInWorker of [false, true]) {
      await assert.rejects(importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NET', source: { bytes: file }, readInWorker }), rejects('payload_too_large', /larger than 2 MB once decompressed/));
    }
    await nothingWritten(ctx, net.id);
    const audit = await ctx.db.selectFrom('audit_log').select(['action']).where('action', '=', 'spend.import_limits.changed').execute();
    assert.equal(audit.length, 2);

    // Cleared, the global limits apply and the same file imports.
    await setImportLimits(ctx.db, ctx.config, cliActor, 'GB-LAE-NET', { maxMegabytes: '', maxLines: '' });
    assert.deepEqual((await importLimitsFor(ctx.db, ctx.config, net.id)).own, { maxBytes: null, maxLines: null });
    const result = await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NET', source: { bytes: file } });
    assert.equal(result.rowsImported, 200_000);
  });

  it('the global limits come from COMMONWEAL_IMPORT_MAX_BYTES and COMMONWEAL_IMPORT_MAX_LINES', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.importMaxBytes, 2 * 1024 ** 3);
    assert.equal(defaults.importMaxLines, 5_000_000);
    const set = loadConfig({ COMMONWEAL_IMPORT_MAX_BYTES: '1048576', COMMONWEAL_IMPORT_MAX_LINES: '1000' });
    assert.equal(set.importMaxBytes, 1_048_576);
    assert.equal(set.importMaxLines, 1000);
    assert.throws(() => loadConfig({ COMMONWEAL_IMPORT_MAX_LINES: 'lots' }), /COMMONWEAL_IMPORT_MAX_LINES/);
  });

  it('stops and writes nothing when its signal is aborted, while reading or after (just before it would commit)', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const lds = await getOrganisation(ctx.db, 'GB-LAE-LDS');
    const bytes = dataset('leeds-2011-04.csv');
    for (const readInWorker of [false, true]) {
      const reading = new AbortController();
      await assert.rejects(importSpendFile(ctx, cliActor, {
        publisher: 'GB-LAE-LDS', source: { bytes }, readInWorker, signal: reading.signal,
        onProgress: (read) => { if (read > 0) reading.abort(); },
      }), rejects('bad_request', /stopped before it finished.*nothing was written/));
    }
    for (const stage of ['finding identical lines', 'adding up the totals', 'updating the supplier register']) {
      const after = new AbortController();
      await assert.rejects(importSpendFile(ctx, cliActor, {
        publisher: 'GB-LAE-LDS', source: { bytes }, signal: after.signal, onStage: (s) => { if (s === stage) after.abort(); },
      }), rejects('bad_request', /nothing was written/), stage);
    }
    await nothingWritten(ctx, lds.id);
    assert.equal((await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-LDS', source: { bytes } })).outcome, 'imported');
  });

  it('an API upload whose client disconnects is rolled back', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    const cld = await getOrganisation(ctx.db, 'GB-LAE-CLD');
    const staff = await userWithToken(ctx.db, 'finance@calderdale.example');
    await addMember(ctx.db, cliActor, cld.id, { email: 'finance@calderdale.example', role: 'finance' });
    const bytes = dataset('calderdale-2015-06.csv');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const path = '/api/v1/spend/files?publisher=GB-LAE-CLD&filename=calderdale.csv';
    // The import is held (a lock on a table it reads first) until the client has sent the whole file and hung
    // up, so the server cannot finish before it learns the client has gone: no race with the machine's speed.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = ctx.db.transaction().execute(async (trx) => {
      await sql`LOCK TABLE spend_import_limits IN ACCESS EXCLUSIVE MODE`.execute(trx);
      locked();
      await held;
    });
    await isLocked;
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...staff.auth, 'content-type': 'text/csv', 'content-length': bytes.length } });
      const hangUp = () => { req.destroy(); resolve(); };
      req.on('error', () => resolve());
      req.end(bytes, () => setTimeout(hangUp, 100));
      setTimeout(hangUp, 1_000); // a server blocked before reading the body may not take it all: hang up anyway
    });
    await new Promise((r) => setTimeout(r, 300));
    release();
    await holding;
    // The same file again, waited for: were the first import to have gone on, this would be "unchanged" (or
    // lose the race with 409); it is a new import.
    const again = await app.inject({ method: 'POST', url: path, headers: { ...staff.auth, 'content-type': 'text/csv' }, payload: bytes });
    assert.equal(again.statusCode, 201, again.body);
    const draft = again.json();
    assert.equal(draft.state, 'draft', 'a new draft, not the first upload’s');
    assert.equal((await ctx.db.selectFrom('platform_drafts').select('id').where('organisation_id', '=', cld.id).execute()).length, 1, 'the abandoned upload left no draft');
    const published = await app.inject({ method: 'POST', url: `/api/v1/spend/drafts/${draft.id}/publish`, headers: staff.auth, payload: { acknowledge: draft.check.warnings.map((w: { code: string }) => w.code) } });
    assert.equal(published.statusCode, 201, published.body);
    assert.equal(published.json().outcome, 'imported');
    assert.equal((await ctx.db.selectFrom('spend_files').select('id').where('organisation_id', '=', cld.id).execute()).length, 1);
  });
});

eachEngine('spend import limits page', (t) => {
  it('a site administrator sets a publisher’s limits on a page; nobody else may', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    const { TestAgent } = await import('../platform/testing.ts');
    const { registerUser, setAdministrator } = await import('../platform/auth/auth.service.ts');
    const password = 'a long enough password';
    await registerUser(ctx.db, cliActor, { email: 'limits-admin@example.org', name: 'Admin', password });
    await setAdministrator(ctx.db, cliActor, 'limits-admin@example.org', true);
    await registerUser(ctx.db, cliActor, { email: 'limits-user@example.org', name: 'User', password });
    const signIn = async (email: string) => {
      const a = new TestAgent(app, '10.40.0.1');
      await a.get('/sign-in');
      await a.post('/sign-in', { email, password });
      return a;
    };
    const user = await signIn('limits-user@example.org');
    assert.equal((await user.get('/spend/GB-LAE-NET/limits')).statusCode, 403);
    assert.equal((await user.post('/spend/GB-LAE-NET/limits', { maxLines: '10' })).statusCode, 403);
    const admin = await signIn('limits-admin@example.org');
    const page = await admin.get('/spend/GB-LAE-NET/limits');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /2,048 MB and 5,000,000 lines/);
    const bad = await admin.post('/spend/GB-LAE-NET/limits', { maxMegabytes: 'lots', maxLines: '' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Error: /);
    assert.match(bad.body, /whole number of megabytes/);
    const saved = await admin.post('/spend/GB-LAE-NET/limits', { maxMegabytes: '100', maxLines: '250000' });
    assert.equal(saved.statusCode, 303);
    const net = await getOrganisation(ctx.db, 'GB-LAE-NET');
    assert.deepEqual((await importLimitsFor(ctx.db, ctx.config, net.id)).own, { maxBytes: 100 * 1024 ** 2, maxLines: 250_000 });
    assert.match((await admin.get('/spend/newcastle-city-council/limits?saved=1')).body, /100 MB and 250,000 lines/);
  });
});
