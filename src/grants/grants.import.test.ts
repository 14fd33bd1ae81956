// Import: the XLSX layout end to end, what a replacing file changes, withdrawing a file, and bad input — on both
// engines.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { eachEngine, TestAgent, userWithToken } from '../platform/testing.ts';
import { cliActor, type Actor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { addMember } from '../organisations/organisations.service.ts';
import { verifiedOrganisation } from '../organisations/organisations.test-support.ts';
import type { AppContext } from '../platform/module.ts';
import * as service from './grants.service.ts';
import { XLSX_TYPE } from './grants.api.ts';
import { dataset, pkg, grant } from './grants.test-support.ts';


async function counts(ctx: AppContext, organisationId?: string) {
  const org = organisationId ?? '00000000-0000-0000-0000-000000000000';
  const { rows } = await sql<{ files: number; grants: number; drafts: number; current: number }>`SELECT (SELECT count(*)::int FROM grants_files) AS files,
    (SELECT count(*)::int FROM grants_grants) AS grants, (SELECT count(*)::int FROM platform_drafts WHERE kind = 'grants.file') AS drafts,
    (SELECT count(*)::int FROM grants_grants WHERE organisation_id = ${org}::uuid AND is_current) AS current`.execute(ctx.db);
  return rows[0]!;
}

async function refusedWith(p: Promise<unknown>, code: string, pattern: RegExp) {
  await assert.rejects(p, (e: unknown) => isAppError(e) && e.code === code && pattern.test(`${e.message} ${e.fieldErrors.map((f) => f.message).join(' ')}`));
}

let n = 0;
async function funder(ctx: AppContext, role = 'staff') {
  n++;
  const org = await verifiedOrganisation(ctx.db, `Import Trust ${n} ${Date.now()}`, 'registered-charity');
  const { user, auth } = await userWithToken(ctx.db, `grants-import-${n}-${Date.now()}@example.org`);
  await addMember(ctx.db, cliActor, org.id, { email: user.email, role });
  const actor: Actor = { userId: user.id, tokenId: null, isAdmin: false, via: 'session' };
  return { org, user, auth, actor };
}

eachEngine('grants: import of XLSX, replacement, withdrawal and bad input', (t) => {
  it('takes the community foundations’ XLSX workbook through the API as a draft and publishes the same grants as its JSON', async () => {
    const { ctx, app } = t();
    const { org, auth } = await funder(ctx);
    const up = await app.inject({ method: 'POST', url: `/api/v1/grants/files?publisher=${org.id}&filename=community.xlsx`, headers: { ...auth, 'content-type': XLSX_TYPE }, payload: dataset('community-foundations-regrants.xlsx') });
    assert.equal(up.statusCode, 201, up.body);
    const draft = up.json();
    assert.equal(draft.check.format, 'xlsx');
    assert.equal(draft.check.grantsImported, 154);
    assert.equal(draft.check.difference.added.count, 154);
    const pub = await app.inject({ method: 'POST', url: `/api/v1/grants/drafts/${draft.id}/publish`, headers: auth });
    assert.equal(pub.statusCode, 201, pub.body);
    const view = await app.inject({ method: 'GET', url: `/api/v1/grants/publishers/${org.slug}` });
    assert.equal(view.json().totals.grants, 154);
    assert.equal(view.json().totals.gbpPence, 1658936149, 'the same pounds as the JSON file');
    const format = await ctx.db.selectFrom('grants_files').select('format').where('organisation_id', '=', org.id).executeTakeFirstOrThrow();
    assert.equal(format.format, 'xlsx');
    // The JSON of the same grants changes nothing but what the workbook cannot say (its extra fields).
    const json = await service.createGrantsDraft(ctx, cliActor, { publisher: org.id, source: { bytes: dataset('community-foundations-regrants.json') } });
    assert.equal(json.draft.check.changes.new, 0);
    assert.equal(json.draft.check.difference!.notInFile.count, 0);
  });

  it('shows what a replacing file changes, grant by grant, on the draft and on the published file’s page; the same bytes again change nothing', async () => {
    const { ctx, app } = t();
    const { org, actor, user } = await funder(ctx);
    const first = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: pkg([grant('a'), grant('b'), grant('k')]) } });
    const bytes = pkg([grant('a', { amountAwarded: 2500, title: 'A bigger grant' }), grant('b'), grant('c')]);
    const { draft } = await service.createGrantsDraft(ctx, actor, { publisher: org.id, source: { bytes }, filename: 'second.json' });
    const d = draft.check.difference!;
    assert.deepEqual(d.added, { count: 1, ids: ['c'] });
    assert.deepEqual(d.changed, { count: 1, grants: [{ id: 'a', fields: ['amountAwarded', 'title'] }] });
    assert.deepEqual(d.unchanged, { count: 1 });
    assert.deepEqual(d.notInFile, { count: 1, ids: ['k'] });
    const agent = new TestAgent(app, '10.35.0.1');
    await agent.get('/sign-in');
    await agent.post('/sign-in', { email: user.email, password: 'a long enough password' });
    const check = await agent.get(draft.link);
    assert.equal(check.statusCode, 200);
    assert.match(check.body, /What this file changes/);
    assert.match(check.body, /amountAwarded, title/);
    assert.match(check.body, /Grants not in this file, kept/);
    const published = await service.publishGrantsDraft(ctx, actor, draft.id);
    const page = await app.inject({ method: 'GET', url: `/grants/${org.slug}/files/${published.fileId}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /amountAwarded, title/);
    assert.match(page.body, /second\.json/);
    // 'k' was not in the second file: kept, still counted.
    assert.equal((await service.publisherGrants(ctx.db, org.slug)).totals.grants, 4);
    const before = await counts(ctx, org.id);
    const again = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes } });
    assert.equal(again.outcome, 'unchanged');
    assert.deepEqual(await counts(ctx, org.id), before);
    const old = await app.inject({ method: 'GET', url: `/grants/${org.slug}/files/${first.fileId}` });
    assert.equal(old.statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: `/grants/${org.slug}/files/not-a-file` })).statusCode, 404);
  });

  it('withdraws a file with a reason: its grants leave the totals at once, the versions it replaced count again, the public sees why; audited', async () => {
    const { ctx, app } = t();
    const { org, actor } = await funder(ctx, 'finance');
    const first = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: pkg([grant('a'), grant('b')]) } });
    const second = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: pkg([grant('a', { amountAwarded: 9000 }), grant('c', { amountAwarded: 50 })]) }, filename: 'wrong.json' });
    assert.equal((await service.publisherGrants(ctx.db, org.slug)).totals.gbpPence, 900000 + 100000 + 5000);
    await refusedWith(service.withdrawGrantsFile(ctx, actor, org.id, second.fileId, '   '), 'validation_failed', /Say why/);
    const out = await service.withdrawGrantsFile(ctx, actor, org.slug, second.fileId, 'Sent  the wrong programme’s grants');
    assert.equal(out.reason, 'Sent the wrong programme’s grants');
    assert.deepEqual([out.grantsWithdrawn, out.grantsRestored], [2, 1]);
    const after = await service.publisherGrants(ctx.db, org.slug);
    assert.equal(after.totals.grants, 2);
    assert.equal(after.totals.gbpPence, 200000, 'a is back at its first version; c is gone');
    const rows = await ctx.db.selectFrom('grants_grants').select(['grant_id', 'version', 'is_current', 'withdrawn_at']).where('organisation_id', '=', org.id).orderBy('grant_id').orderBy('version').execute();
    assert.deepEqual(rows.map((r) => [r.grant_id, r.version, r.is_current, r.withdrawn_at !== null]), [['a', 1, true, false], ['a', 2, false, true], ['b', 1, true, false], ['c', 1, false, true]]);
    await refusedWith(service.withdrawGrantsFile(ctx, actor, org.id, second.fileId, 'again'), 'conflict', /already withdrawn/);
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'after']).where('entity_id', '=', second.fileId).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['grants.file.imported', 'grants.file.withdrawn']);
    const page = await app.inject({ method: 'GET', url: `/grants/${org.slug}/files/${second.fileId}` });
    assert.match(page.body, /Withdrawn on .*Sent the wrong programme’s grants/);
    const list = await app.inject({ method: 'GET', url: `/grants/${org.slug}` });
    assert.match(list.body, /Withdrawn<\/strong> Sent the wrong programme’s grants/);
    // Someone else's file: refused, nothing changes.
    const other = await funder(ctx);
    await refusedWith(service.withdrawGrantsFile(ctx, other.actor, org.id, first.fileId, 'not mine'), 'forbidden', /./);
    const otherFile = await service.importGrantsFile(ctx, other.actor, { publisher: other.org.id, source: { bytes: pkg([grant('z')]) } });
    await refusedWith(service.withdrawGrantsFile(ctx, actor, org.id, otherFile.fileId, 'wrong publisher'), 'not_found', /No such grants file/);
    assert.equal((await service.publisherGrants(ctx.db, other.org.slug)).totals.grants, 1);
  });

  it('withdraws through the page and the API, for the publisher’s staff only', async () => {
    const { ctx, app } = t();
    const { org, user, auth, actor } = await funder(ctx);
    const a = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: pkg([grant('p1')]) } });
    const b = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: pkg([grant('p2')]) } });
    const stranger = await userWithToken(ctx.db, `stranger-${Date.now()}@example.org`);
    const refused = await app.inject({ method: 'POST', url: `/api/v1/grants/publishers/${org.id}/files/${a.fileId}/withdraw`, headers: { ...stranger.auth, 'content-type': 'application/json' }, payload: { reason: 'x' } });
    assert.equal(refused.statusCode, 403);
    const api = await app.inject({ method: 'POST', url: `/api/v1/grants/publishers/${org.id}/files/${a.fileId}/withdraw`, headers: { ...auth, 'content-type': 'application/json' }, payload: { reason: 'Duplicate' } });
    assert.equal(api.statusCode, 200, api.body);
    assert.equal(api.json().grantsWithdrawn, 1);
    const agent = new TestAgent(app, '10.35.0.2');
    await agent.get('/sign-in');
    await agent.post('/sign-in', { email: user.email, password: 'a long enough password' });
    const form = await agent.get(`/grants/${org.slug}/files/${b.fileId}/withdraw`);
    assert.equal(form.statusCode, 200);
    const empty = await agent.post(`/grants/${org.slug}/files/${b.fileId}/withdraw`, { reason: '' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /Say why the file is withdrawn/);
    const done = await agent.post(`/grants/${org.slug}/files/${b.fileId}/withdraw`, { reason: 'Published twice' });
    assert.equal(done.statusCode, 303);
    const shown = await agent.get(done.headers.location as string);
    assert.match(shown.body, /The file was withdrawn/);
    assert.equal((await service.publisherGrants(ctx.db, org.slug)).totals.grants, 0);
  });

  it('refuses bad input whole and writes nothing: a gzip bomb, an XLSX bomb, duplicate ids reported, 1e308, “ten”, an unknown currency', async () => {
    const { ctx, app } = t();
    const { org, actor, auth } = await funder(ctx);
    const before = await counts(ctx);
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 200_000);
    const limited = { ...ctx, config: { ...ctx.config, importMaxBytes: 16 * 1024 * 1024 } } as AppContext;
    await refusedWith(service.createGrantsDraft(limited, actor, { publisher: org.id, source: { bytes: bomb } }), 'validation_failed', /decompresses to more than 16 MB/);
    const viaApi = await app.inject({ method: 'POST', url: `/api/v1/grants/files?publisher=${org.id}`, headers: { ...auth, 'content-type': 'application/gzip' }, payload: gzipSync(Buffer.from('{"grants": [1, 2')) });
    assert.equal(viaApi.statusCode, 400);
    assert.match(viaApi.json().errors[0].message, /not JSON/);
    const dup = await service.createGrantsDraft(ctx, actor, { publisher: org.id, source: { bytes: pkg([grant('d'), grant('e', { amountAwarded: 1e308 }), grant('f', { amountAwarded: 'ten' }), grant('g', { currency: 'ZZZ' }), grant('d')]) } });
    assert.deepEqual(dup.draft.check.rejected.map((r) => [r.index, r.id]), [[1, 'e'], [2, 'f'], [3, 'g'], [4, 'd']]);
    assert.equal((await counts(ctx)).grants, before.grants);
    assert.equal((await counts(ctx)).files, before.files);
  });

  it('refuses a 200 MB single-line file at the limit, and answers other pages while a large file is read', async () => {
    const { ctx, app } = t();
    const { org, auth } = await funder(ctx);
    const before = await counts(ctx);
    const huge = Buffer.alloc(200 * 1024 * 1024 + 1, 0x20);
    huge.write('{"grants":[', 0);
    const tooBig = await app.inject({ method: 'POST', url: `/api/v1/grants/files?publisher=${org.id}`, headers: { ...auth, 'content-type': 'application/json' }, payload: huge });
    assert.equal(tooBig.statusCode, 413);
    // A large single-line package (about 12 MB, 16,000 grants) is read in a worker: another page answers meanwhile.
    const big = pkg(Array.from({ length: 16_000 }, (_v, i) => grant(`big-${i}`, { description: `For a project of ${'x'.repeat(400)}` })));
    assert.ok(big.length > 8 * 1024 * 1024 && !big.includes(0x0a));
    const order: string[] = [];
    const upload = app.inject({ method: 'POST', url: `/api/v1/grants/files?publisher=${org.id}`, headers: { ...auth, 'content-type': 'application/json' }, payload: big }).then((r) => { order.push('upload'); return r; });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const other = await app.inject({ method: 'GET', url: '/grants/check' });
    order.push('other page');
    assert.equal(other.statusCode, 200);
    const up = await upload;
    assert.equal(up.statusCode, 201, up.body);
    assert.equal(up.json().check.grantsImported, 16_000);
    assert.deepEqual(order, ['other page', 'upload']);
    assert.equal((await counts(ctx)).grants, before.grants, 'a draft: nothing published');
  });
});
