import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { eachEngine, describeCli, TestAgent, userWithToken } from '../platform/testing.ts';
import { cliActor, type Actor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { findDraft } from '../platform/drafts.ts';
import { addMember, createOrganisation } from '../organisations/organisations.service.ts';
import { verifiedOrganisation } from '../organisations/organisations.test-support.ts';
import { importPostcodes } from '../places/places.lookups.ts';
import { loadPlaces } from '../voice/voice.test-support.ts';
import type { AppContext } from '../platform/module.ts';
import * as service from './grants.service.ts';
import { seedGrants } from './grants.demo.ts';
import { pkg, grant } from './grants.test-support.ts';

const datasetPath = (name: string) => new URL(`../../datasets/grants/${name}`, import.meta.url).pathname;
const dataset = (name: string): Buffer => readFileSync(datasetPath(name));

async function counts(ctx: AppContext) {
  const { rows } = await sql<{ files: number; grants: number; drafts: number }>`SELECT (SELECT count(*)::int FROM grants_files) AS files,
    (SELECT count(*)::int FROM grants_grants) AS grants, (SELECT count(*)::int FROM platform_drafts WHERE kind = 'grants.file') AS drafts`.execute(ctx.db);
  return rows[0]!;
}

async function refusedWith(p: Promise<unknown>, code: string, pattern: RegExp) {
  await assert.rejects(p, (e: unknown) => isAppError(e) && e.code === code && pattern.test(`${e.message} ${e.fieldErrors.map((f) => f.message).join(' ')}`));
}

let n = 0;
async function funder(ctx: AppContext) {
  n++;
  const org = await verifiedOrganisation(ctx.db, `Grant Trust ${n} ${Date.now()}`, 'registered-charity');
  const { user, auth } = await userWithToken(ctx.db, `grants-staff-${n}-${Date.now()}@example.org`);
  await addMember(ctx.db, cliActor, org.id, { email: user.email, role: 'staff' });
  const actor: Actor = { userId: user.id, tokenId: null, isAdmin: false, via: 'session' };
  return { org, user, auth, actor };
}

eachEngine('grants: import, drafts and publishing', (t) => {
  it('holds the Wolfson file as a draft to check, publishes it whole, and the same bytes again change nothing', async () => {
    const { ctx } = t();
    const { org, actor } = await funder(ctx);
    const before = await counts(ctx);
    const { draft, reused } = await service.createGrantsDraft(ctx, actor, { publisher: org.id, source: { path: datasetPath('wolfson-foundation.json') } });
    assert.equal(reused, false);
    assert.equal(draft.check.grantsImported, 379);
    assert.equal(draft.check.problemCounts['repaired:date-format'], 758);
    assert.deepEqual(draft.check.changes, { new: 379, changed: 0, unchanged: 0 });
    assert.equal((await counts(ctx)).grants, before.grants, 'nothing public before publishing');
    const again = await service.createGrantsDraft(ctx, actor, { publisher: org.id, source: { bytes: dataset('wolfson-foundation.json') } });
    assert.equal(again.reused, true);
    assert.equal(again.draft.id, draft.id);

    const published = await service.publishGrantsDraft(ctx, actor, draft.id);
    assert.equal(published.outcome, 'imported');
    assert.equal(published.grantsImported, 379);
    assert.equal(published.gbpTotalPence, 3117845600);
    assert.equal((await findDraft(ctx.db, draft.id))!.state, 'published');
    const after = await counts(ctx);
    assert.equal(after.grants - before.grants, 379);
    assert.equal(after.files - before.files, 1);
    await refusedWith(service.publishGrantsDraft(ctx, actor, draft.id), 'conflict', /already published/);
    await refusedWith(service.createGrantsDraft(ctx, actor, { publisher: org.id, source: { bytes: dataset('wolfson-foundation.json') } }), 'conflict', /published already/);
    const direct = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: dataset('wolfson-foundation.json') } });
    assert.equal(direct.outcome, 'unchanged');
    assert.equal(direct.fileId, published.fileId);
    assert.deepEqual(await counts(ctx), after);
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', published.fileId).execute();
    assert.deepEqual(audit.map((a) => a.action), ['grants.file.imported']);
  });

  it('replaces grants by id with a newer file, keeping the old version; an unchanged grant stays as it was', async () => {
    const { ctx } = t();
    const { org, actor } = await funder(ctx);
    await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: pkg([grant('a'), grant('b')]) } });
    const second = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: pkg([grant('a', { amountAwarded: 2500 }), grant('b'), grant('c')]) } });
    assert.deepEqual(second.changes, { new: 1, changed: 1, unchanged: 1 });
    const rows = await ctx.db.selectFrom('grants_grants').select(['grant_id', 'version', 'is_current', 'amount_minor']).where('organisation_id', '=', org.id).orderBy('grant_id').orderBy('version').execute();
    assert.deepEqual(rows.map((r) => [r.grant_id, r.version, r.is_current, Number(r.amount_minor)]), [
      ['a', 1, false, 100000], ['a', 2, true, 250000], ['b', 1, true, 100000], ['c', 1, true, 100000],
    ]);
    const view = await service.publisherGrants(ctx.db, org.slug);
    assert.equal(view.totals.grants, 3);
    assert.equal(view.totals.gbpPence, 450000);
    assert.equal(view.files.length, 2);
  });

  it('keeps other currencies apart from pounds, in their own minor units', async () => {
    const { ctx } = t();
    const { org, actor } = await funder(ctx);
    const r = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: pkg([grant('g1'), grant('u1', { currency: 'USD', amountAwarded: 99.99 }), grant('j1', { currency: 'JPY', amountAwarded: 5000 })]) } });
    assert.equal(r.gbpTotalPence, 100000);
    assert.deepEqual(r.otherCurrencies, { USD: 9999, JPY: 5000 });
    const view = await service.publisherGrants(ctx.db, org.id);
    assert.equal(view.totals.gbpPence, 100000);
    assert.deepEqual(view.totals.otherCurrencies, { JPY: { grants: 1, total: 5000 }, USD: { grants: 1, total: 9999 } });
    const listed = (await service.listGrantPublishers(ctx.db)).find((p) => p.id === org.id)!;
    assert.equal(listed.gbpPence, 100000);
  });

  it('resolves locations: a small-area code to its local authority, a recipient’s postcode through the place finder, and says where each came from', async () => {
    const { ctx } = t();
    await loadPlaces(ctx);
    await importPostcodes(ctx, cliActor, { bytes: Buffer.from('pcds,lsoa11cd,ladcd\nLE1 1AA,E01013642,E06000016\n') });
    const { org, actor } = await funder(ctx);
    await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: pkg([
      grant('lsoa'),
      grant('pc', { beneficiaryLocation: undefined, recipientOrganization: [{ id: 'GB-CHC-9', name: 'Leicester group', postalCode: 'le11aa' }] }),
      grant('la', { beneficiaryLocation: [{ name: 'Newcastle', geoCode: 'E08000021', geoCodeType: 'LAD' }] }),
      grant('none', { beneficiaryLocation: undefined }),
    ]) } });
    const rows = await ctx.db.selectFrom('grants_grants').select(['grant_id', 'location_source', 'location_precision', 'small_area_code', 'la_code']).where('organisation_id', '=', org.id).orderBy('grant_id').execute();
    assert.deepEqual(rows.map((r) => [r.grant_id, r.location_source, r.location_precision, r.small_area_code, r.la_code]), [
      ['la', 'beneficiary', 'local-authority', null, 'E08000021'],
      ['lsoa', 'beneficiary', 'small-area', 'E01008300', 'E08000021'],
      ['none', null, null, null, null],
      ['pc', 'postcode', 'postcode', 'E01013642', 'E06000016'],
    ]);
  });

  it('lets only a verified organisation’s staff publish, and writes nothing when refused', async () => {
    const { ctx } = t();
    const unverified = await createOrganisation(ctx.db, cliActor, { name: `Unverified Trust ${Date.now()}`, legalForm: 'registered-charity' });
    const { actor, org } = await funder(ctx);
    const before = await counts(ctx);
    await refusedWith(service.createGrantsDraft(ctx, cliActor, { publisher: unverified.id, source: { bytes: pkg([grant('x')]) } }), 'forbidden', /not a verified organisation/);
    await refusedWith(service.importGrantsFile(ctx, cliActor, { publisher: unverified.id, source: { bytes: pkg([grant('x')]) } }), 'forbidden', /not a verified organisation/);
    const other = await funder(ctx);
    await refusedWith(service.createGrantsDraft(ctx, other.actor, { publisher: org.id, source: { bytes: pkg([grant('x')]) } }), 'forbidden', /.*/);
    assert.ok(actor);
    assert.deepEqual(await counts(ctx), before);
  });

  it('refuses bad files whole, naming the problem, and writes nothing', async () => {
    const { ctx } = t();
    const { org, actor } = await funder(ctx);
    const before = await counts(ctx);
    const upload = (bytes: Buffer) => service.createGrantsDraft(ctx, actor, { publisher: org.id, source: { bytes } });
    await refusedWith(upload(Buffer.from('this is not json {')), 'validation_failed', /no column called “Identifier”/);
    await refusedWith(upload(Buffer.from('{"grants": [')), 'validation_failed', /not JSON/);
    await refusedWith(upload(Buffer.from('{"data": []}')), 'validation_failed', /no "grants"/);
    await refusedWith(upload(pkg([])), 'validation_failed', /holds no grants/);
    await refusedWith(upload(pkg([grant('a', { amountAwarded: 1e308 }), grant('b', { amountAwarded: 'ten' }), grant('c', { currency: 'XYZ' })])), 'validation_failed', /No grant in the file can be read: grant 0 \(a\): The amount awarded is 1e\+308.*grant 1 \(b\).*“ten”.*grant 2 \(c\).*XYZ/);
    assert.deepEqual(await counts(ctx), before);
    // Duplicate ids in one file: the later copy is rejected by index, the first kept, and both are in the summary.
    const r = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: pkg([grant('d'), grant('d', { amountAwarded: 5 })]) } });
    assert.equal(r.grantsImported, 1);
    assert.deepEqual(r.rejected.map((x) => [x.index, x.id]), [[1, 'd']]);
  });

  it('publishes the demo funders’ real files once, however often the seed runs', async () => {
    const { ctx } = t();
    assert.equal(await seedGrants(ctx), 2);
    const after1 = await counts(ctx);
    assert.equal(await seedGrants(ctx), 0);
    assert.deepEqual(await counts(ctx), after1);
    const lloyds = await service.publisherGrants(ctx.db, 'GB-CHC-327114');
    assert.equal(lloyds.totals.grants, 4116);
    assert.equal(lloyds.totals.gbpPence, 11579563569);
    const wolfson = await service.publisherGrants(ctx.db, 'GB-CHC-1156077');
    assert.equal(wolfson.totals.gbpPence, 3117845600);
    assert.equal(wolfson.files[0]!.grantsRead, 379);
  });

  it('uploads through the API as a draft, publishes it, and shows it on the public pages', async () => {
    const { ctx, app } = t();
    const { org, auth } = await funder(ctx);
    const up = await app.inject({ method: 'POST', url: `/api/v1/grants/files?publisher=${org.id}&filename=community.json`, headers: { ...auth, 'content-type': 'application/json' }, payload: dataset('community-foundations-regrants.json') });
    assert.equal(up.statusCode, 201, up.body);
    const draft = up.json();
    assert.equal(draft.check.grantsImported, 154);
    assert.equal(draft.filename, 'community.json');
    const anon = await app.inject({ method: 'GET', url: `/api/v1/grants/drafts/${draft.id}` });
    assert.equal(anon.statusCode, 401);
    const bad = await app.inject({ method: 'POST', url: `/api/v1/grants/files?publisher=${org.id}`, headers: { ...auth, 'content-type': 'application/json' }, payload: '{"grants": [' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().errors[0].message, /not JSON/);
    const pub = await app.inject({ method: 'POST', url: `/api/v1/grants/drafts/${draft.id}/publish`, headers: auth });
    assert.equal(pub.statusCode, 201, pub.body);
    assert.equal(pub.json().grantsImported, 154);
    const view = await app.inject({ method: 'GET', url: `/api/v1/grants/publishers/${org.slug}` });
    assert.equal(view.json().totals.grants, 154);
    assert.equal(view.json().totals.gbpPence, 1658936149);
    const page = await app.inject({ method: 'GET', url: `/grants/${org.slug}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /£16,589,361\.49/);
    assert.match(page.body, /Regrant \(FRG030\)/);
    assert.doesNotMatch(page.body, /Individual Recipient/);
    const list = await app.inject({ method: 'GET', url: '/grants' });
    assert.equal(list.statusCode, 200);
    assert.ok(list.body.includes(org.name.replace(/'/g, '&#39;')));
    // The landing page leads to the explorer and the file check, not only to each publisher.
    assert.match(list.body, /<form method="get" action="\/grants\/search"/);
    assert.match(list.body, /href="\/grants\/check"/);
    assert.match(list.body, /href="\/grants\/programmes"/);
  });

  it('checks a file for anyone on the check page, storing nothing', async () => {
    const { ctx, app } = t();
    const before = await counts(ctx);
    const agent = new TestAgent(app, '10.17.0.3');
    const form = await agent.get('/grants/check');
    assert.equal(form.statusCode, 200);
    const checked = await agent.postMultipart('/grants/check', {}, { filename: 'lloyds.json.gz', content: dataset('lloyds-bank-foundation.json.gz') });
    assert.equal(checked.statusCode, 200, checked.body);
    assert.match(checked.body, /What was read from lloyds.json.gz/);
    assert.match(checked.body, /yes-no/);
    assert.match(checked.body, /4,116/);
    const bad = await agent.postMultipart('/grants/check', {}, { filename: 'bad.json', content: '{"grants": [' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /The file is not JSON/);
    assert.deepEqual(await counts(ctx), before);
  });

  it('takes a file through the upload page and the check page', async () => {
    const { ctx, app } = t();
    const { org, user } = await funder(ctx);
    const agent = new TestAgent(app, '10.17.0.2');
    await agent.get('/sign-in');
    await agent.post('/sign-in', { email: user.email, password: 'a long enough password' });
    const form = await agent.get(`/grants/${org.slug}/upload`);
    assert.equal(form.statusCode, 200);
    const empty = await agent.postMultipart(`/grants/${org.slug}/upload`, {}, { filename: '', content: '' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /Select the 360Giving file to upload/);
    const up = await agent.postMultipart(`/grants/${org.slug}/upload`, {}, { filename: 'wolfson.json', content: dataset('wolfson-foundation.json') });
    assert.equal(up.statusCode, 303, up.body);
    const check = await agent.get(up.headers.location as string);
    assert.equal(check.statusCode, 200);
    assert.match(check.body, /Check the grants file before you publish it/);
    assert.match(check.body, /date-format/);
    const publish = await agent.post(`${up.headers.location}/publish`, {});
    assert.equal(publish.statusCode, 303);
    const done = await agent.get(publish.headers.location as string);
    assert.match(done.body, /The file was published/);
  });
});

describeCli('the grants command line', (ws) => {
  it('validates a file without importing, and imports as a draft or at once with --yes, printing the summary', async () => {
    const { run } = ws();
    const v = await run('grants', 'validate', datasetPath('lloyds-bank-foundation.json.gz'));
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.json.grantsImported, 4116);
    assert.equal(v.json.problemCounts['repaired:yes-no'], 4116);
    assert.deepEqual(Object.keys(v.json).slice(0, 10), ['grantsImported', 'grantsRejected', 'gbpTotalPence', 'otherCurrencies', 'funders', 'recipients', 'firstAwardDate', 'lastAwardDate', 'problems', 'sha256']);
    assert.deepEqual(Object.keys(v.json.problems[0]).slice(0, 4), ['id', 'field', 'severity', 'message']);
    assert.equal((await run('org', 'create', '--name', 'Wolfson Foundation', '--identifier', 'GB-CHC-1156077', '--legal-form', 'registered-charity', '--verified')).code, 0);
    const drafted = await run('grants', 'import', datasetPath('wolfson-foundation.json'), '--publisher', 'GB-CHC-1156077');
    assert.equal(drafted.code, 0, drafted.stderr);
    assert.match(drafted.json.next, /commonweal grants drafts publish/);
    const published = await run('grants', 'drafts', 'publish', drafted.json.draftId);
    assert.equal(published.code, 0, published.stderr);
    assert.equal(published.json.grantsImported, 379);
    const again = await run('grants', 'import', datasetPath('wolfson-foundation.json'), '--publisher', 'GB-CHC-1156077', '--yes');
    assert.equal(again.json.outcome, 'unchanged');
    const bad = await run('grants', 'validate', '/no/such/file.json');
    assert.notEqual(bad.code, 0);
  });
});
