import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { eachEngine, TestAgent, userWithToken } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { draftsWaitingFor, expireDrafts, findDraft } from '../platform/drafts.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { addMember, getOrganisation } from '../organisations/organisations.service.ts';
import { createSpendDraft, getSpendDraft, publishSpendDraft, remapSpendDraft, withdrawSpendFile } from './spend.drafts.ts';
import { importSpendFile } from './spend.import.ts';
import { fileLinesTable } from './spend.repository.ts';
import * as repo from './spend.repository.ts';

const dataset = (name: string): Buffer => readFileSync(new URL(`../../datasets/spend/${name}`, import.meta.url));

/** A month of ordinary spending: amounts from £500 to £50,000, with a supplier, department and purpose. */
function month(m: number, lines = 200, extra: { amount?: string; at?: number } = {}, header = 'Date,Supplier Name,Department,Expense Type,Net Amount'): string {
  let text = `${header}\n`;
  let seed = 12345 + m;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < lines; i++) {
    const pence = 50_000 + Math.floor(next() * 4_950_000);
    const amount = i === extra.at && extra.amount ? extra.amount : `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}`;
    const day = String(1 + (i % 28)).padStart(2, '0');
    const cells = header.split(',').map((h) => ({
      Date: `${day}/${String(m).padStart(2, '0')}/2023`, 'Supplier Name': `Supplier ${i % 37} Ltd`, Department: `Dept ${i % 5}`, 'Expense Type': `Type ${i % 7}`,
      'Net Amount': amount, VAT: '10.00', Amount: amount,
    } as Record<string, string>)[h] ?? '');
    text += `${cells.join(',')}\n`;
  }
  return text;
}

async function publisherTotals(db: Parameters<typeof repo.totals>[0], organisationId: string) {
  const fast = await repo.totals(db, { organisationId });
  const slow = await repo.totalsFromLines(db, { organisationId });
  return { fast, slow };
}

eachEngine('spend drafts', (t) => {
  it('holds an API upload as a draft no one else sees, and publishes it once', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    const newcastle = await getOrganisation(ctx.db, 'GB-LAE-NET');
    const gateshead = await getOrganisation(ctx.db, 'GB-LAE-GAT');
    const staff = await userWithToken(ctx.db, 'finance@newcastle.example');
    await addMember(ctx.db, cliActor, newcastle.id, { email: 'finance@newcastle.example', role: 'finance' });
    const other = await userWithToken(ctx.db, 'finance@gateshead.example');
    await addMember(ctx.db, cliActor, gateshead.id, { email: 'finance@gateshead.example', role: 'finance' });
    const bytes = dataset('newcastle-2017-02.csv');

    const res = await app.inject({ method: 'POST', url: '/api/v1/spend/files?publisher=GB-LAE-NET&filename=newcastle-2017-02.csv', headers: { ...staff.auth, 'content-type': 'text/csv' }, payload: bytes });
    assert.equal(res.statusCode, 201, res.body);
    const draft = res.json();
    assert.equal(draft.state, 'draft');
    assert.equal(draft.link, `/spend/newcastle-city-council/drafts/${draft.id}`);
    assert.equal(draft.check.rowsImported, 6118);
    assert.equal(draft.check.netTotalPence, 3308297524);
    assert.equal(draft.check.filename, 'newcastle-2017-02.csv');
    assert.equal(draft.check.mapping.netAmount.column, 'Total');
    assert.ok(draft.check.columns.includes('Total'));
    assert.equal(draft.check.replaces, null);
    assert.deepEqual(draft.check.warnings.map((w: { code: string }) => w.code).filter((c: string) => c === 'outliers'), [], 'a real council month has no outlier');
    // The same bytes again: the same draft.
    const again = await app.inject({ method: 'POST', url: '/api/v1/spend/files?publisher=GB-LAE-NET', headers: { ...staff.auth, 'content-type': 'text/csv' }, payload: bytes });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().id, draft.id);

    // Invisible to the public: no publisher, file, line, total, supplier, CSV or page shows it.
    const publishers = await app.inject({ method: 'GET', url: '/api/v1/spend/publishers' });
    assert.ok(!publishers.json().some((p: { id: string }) => p.id === newcastle.id), 'not listed as a publisher');
    const files = await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-NET/files' });
    assert.deepEqual(files.json().files, []);
    const lines = await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-NET/lines' });
    assert.equal(lines.json().total, 0);
    const csv = await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-NET/lines?format=csv' });
    assert.equal(csv.body.trim().split('\n').length, 1, 'the CSV has its header only');
    const summary = await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-NET' });
    assert.equal(summary.json().netTotalPence, 0);
    const fileApi = await app.inject({ method: 'GET', url: `/api/v1/spend/publishers/GB-LAE-NET/files/${draft.id}` });
    assert.equal(fileApi.statusCode, 404);
    const index = await app.inject({ method: 'GET', url: '/spend' });
    assert.doesNotMatch(index.body, /Newcastle City Council/);
    assert.equal((await ctx.db.selectFrom('spend_suppliers').select('key').execute()).length, 0, 'no supplier registered yet');
    assert.equal((await ctx.db.selectFrom('spend_lines').select('line').where('organisation_id', '=', newcastle.id).execute()).length, 0);

    // Only the publisher's staff open it: another publisher's staff are refused, anonymous visitors too.
    const stranger = await app.inject({ method: 'GET', url: `/api/v1/spend/drafts/${draft.id}`, headers: other.auth });
    assert.equal(stranger.statusCode, 403);
    const strangerPublish = await app.inject({ method: 'POST', url: `/api/v1/spend/drafts/${draft.id}/publish`, headers: other.auth, payload: { acknowledge: [] } });
    assert.equal(strangerPublish.statusCode, 403);
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/spend/drafts/${draft.id}`, headers: other.auth })).statusCode, 403);
    assert.equal((await app.inject({ method: 'PATCH', url: `/api/v1/spend/drafts/${draft.id}`, headers: other.auth, payload: { mapping: { netAmount: 'Total' } } })).statusCode, 403);
    assert.equal((await findDraft(ctx.db, draft.id))?.state, 'draft', 'the stranger changed nothing');
    const strangerPage = new TestAgent(app, '10.9.0.2');
    await strangerPage.get('/sign-in');
    await strangerPage.post('/sign-in', { email: 'finance@gateshead.example', password: 'a long enough password' });
    assert.equal((await strangerPage.get(`/spend/newcastle-city-council/drafts/${draft.id}`)).statusCode, 403);
    assert.equal((await strangerPage.get(`/spend/gateshead-council/drafts/${draft.id}`)).statusCode, 404, 'not under another publisher’s address either');
    const anonymous = await app.inject({ method: 'GET', url: `/api/v1/spend/drafts/${draft.id}` });
    assert.ok([401, 403].includes(anonymous.statusCode), String(anonymous.statusCode));
    const missing = await app.inject({ method: 'GET', url: '/api/v1/spend/drafts/00000000-0000-4000-8000-000000000000', headers: staff.auth });
    assert.equal(missing.statusCode, 404);
    const mine = await app.inject({ method: 'GET', url: `/api/v1/spend/drafts/${draft.id}`, headers: staff.auth });
    assert.equal(mine.statusCode, 200);
    // What waits for whom: Newcastle's finance officer, not Gateshead's.
    assert.deepEqual((await draftsWaitingFor(ctx.db, staff.user.id)).map((w) => [w.draft.id, w.label, w.href]), [[draft.id, 'Spending file', draft.link]]);
    assert.deepEqual(await draftsWaitingFor(ctx.db, other.user.id), []);
    // The draft waits in the inbox of its publisher's staff, linking to its check page; no one else's.
    const inboxOf = async (auth: Record<string, string>) => ((await app.inject({ method: 'GET', url: '/api/v1/me/inbox', headers: auth })).json() as { kinds: { kind: string; items: { href: string }[] }[] })
      .kinds.find((g) => g.kind === 'platform.draft-to-publish')?.items.map((i) => i.href) ?? [];
    assert.deepEqual(await inboxOf(staff.auth), [draft.link]);
    assert.deepEqual(await inboxOf(other.auth), []);

    // Publishing needs every warning acknowledged.
    const codes = draft.check.warnings.map((w: { code: string }) => w.code);
    if (codes.length) {
      const unacknowledged = await app.inject({ method: 'POST', url: `/api/v1/spend/drafts/${draft.id}/publish`, headers: staff.auth, payload: { acknowledge: [] } });
      assert.equal(unacknowledged.statusCode, 400);
      assert.equal(unacknowledged.json().errors[0].field, 'acknowledge');
    }
    const published = await app.inject({ method: 'POST', url: `/api/v1/spend/drafts/${draft.id}/publish`, headers: staff.auth, payload: { acknowledge: codes } });
    assert.equal(published.statusCode, 201, published.body);
    assert.equal(published.json().outcome, 'imported');
    assert.equal(published.json().rowsImported, 6118);
    const twice = await app.inject({ method: 'POST', url: `/api/v1/spend/drafts/${draft.id}/publish`, headers: staff.auth, payload: { acknowledge: codes } });
    assert.equal(twice.statusCode, 409);
    assert.match(twice.json().detail, /already published/);
    const { fast, slow } = await publisherTotals(ctx.db, newcastle.id);
    assert.deepEqual(fast, slow);
    assert.equal(fast.pence, 3308297524);
    assert.equal((await ctx.db.selectFrom('spend_files').select('id').where('organisation_id', '=', newcastle.id).execute()).length, 1);
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', draft.id).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['draft.created', 'draft.published']);
    const filePage = await app.inject({ method: 'GET', url: `/spend/newcastle-city-council/files/${published.json().fileId}` });
    assert.match(filePage.body, /newcastle-2017-02\.csv/);
    // The same bytes as a published file: a conflict naming it, and nothing made.
    const republish = await app.inject({ method: 'POST', url: '/api/v1/spend/files?publisher=GB-LAE-NET', headers: { ...staff.auth, 'content-type': 'text/csv' }, payload: bytes });
    assert.equal(republish.statusCode, 409);
    assert.match(republish.json().detail, /already published/);
  });

  it('warns of a file with no supplier column, an outlier, a plain VAT column, and dates outside the period; re-mapping reads it again', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const publisher = 'GB-LAE-NBL';
    const org = await getOrganisation(ctx.db, publisher);
    const codes = (d: { check: { warnings: { code: string }[] } }) => d.check.warnings.map((w) => w.code).sort();

    const normal = (await createSpendDraft(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(1)) } })).draft;
    assert.deepEqual(codes(normal), [], 'an ordinary file has nothing to acknowledge');
    assert.ok(normal.check.outlierRule && normal.check.outlierRule.factor === 20);

    const typo = (await createSpendDraft(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(2, 200, { at: 17, amount: '4500000.00' })) } })).draft;
    assert.deepEqual(codes(typo), ['outliers']);
    const outliers = typo.check.warnings.find((w) => w.code === 'outliers')!;
    assert.deepEqual(outliers.lines, [{ line: 19, netPence: 450_000_000 }], 'the £4.5m line, by its line in the file');
    assert.match(outliers.detail, /more than 20 times/);

    const noSupplier = (await createSpendDraft(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(3, 50, {}, 'Date,Department,Net Amount')) } })).draft;
    assert.deepEqual(codes(noSupplier), ['missing-fields', 'no-supplier']);
    assert.equal(noSupplier.check.suppliers, 0);
    assert.match(noSupplier.check.warnings.find((w) => w.code === 'missing-fields')!.title, /purpose/i);

    const outside = (await createSpendDraft(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(4, 30)) }, period: '2023-05' })).draft;
    assert.deepEqual(codes(outside), ['outside-period']);
    assert.equal(outside.check.warnings[0]!.lines!.length, 20, 'the first lines are listed');
    assert.match(outside.check.warnings[0]!.title, /^30 lines are dated outside/);

    // A plain "VAT" column is not taken as irrecoverable VAT at high confidence: the publisher is asked.
    const vat = (await createSpendDraft(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(6, 40, {}, 'Date,Supplier Name,Department,Expense Type,Amount,VAT')) } })).draft;
    assert.deepEqual(codes(vat), ['vat-kind']);
    assert.notEqual(vat.check.mapping.irrecoverableVat?.confidence, 'high');
    await assert.rejects(publishSpendDraft(ctx, cliActor, vat.id, []), (e: unknown) => isAppError(e) && e.fieldErrors[0]?.field === 'acknowledge');

    // Re-mapping: VAT to nothing, and the department column as the purpose too is refused (one field a column).
    const mapping = { date: 'Date', supplierName: 'Supplier Name', department: 'Department', purpose: 'Expense Type', netAmount: 'Amount', irrecoverableVat: null };
    await assert.rejects(remapSpendDraft(ctx, cliActor, vat.id, { ...mapping, serviceArea: 'Department' }), (e: unknown) => isAppError(e) && e.fieldErrors[0]?.field === 'serviceArea');
    await assert.rejects(remapSpendDraft(ctx, cliActor, vat.id, { ...mapping, netAmount: null }), (e: unknown) => isAppError(e) && e.fieldErrors[0]?.field === 'netAmount');
    await assert.rejects(remapSpendDraft(ctx, cliActor, vat.id, { ...mapping, bodyName: 'No such column' }), (e: unknown) => isAppError(e) && e.fieldErrors[0]?.field === 'bodyName');
    const before = vat.check.netTotalPence;
    const remapped = await remapSpendDraft(ctx, cliActor, vat.id, mapping);
    assert.deepEqual(codes(remapped), [], 'the VAT warning is gone');
    assert.equal(remapped.check.mapping.irrecoverableVat, undefined);
    assert.equal(remapped.mappingChosen, true);
    assert.equal(remapped.check.netTotalPence, before);
    // Taking away the supplier recomputes the figures: no suppliers, and the warning.
    const unnamed = await remapSpendDraft(ctx, cliActor, vat.id, { ...mapping, supplierName: null });
    assert.equal(unnamed.check.suppliers, 0);
    assert.deepEqual(codes(unnamed), ['no-supplier']);
    const named = await remapSpendDraft(ctx, cliActor, vat.id, mapping);
    assert.equal(named.check.suppliers, 37);
    // Only one loaded table is kept for the draft: the earlier ones were dropped.
    const tables = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_tables t WHERE t.tablename LIKE 'spend_lines_f_%' AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = to_regclass(t.tablename))`.execute(ctx.db);
    assert.equal(Number(tables.rows[0]!.n), 5, 'one unpublished table for each of the five drafts');
    const published = await publishSpendDraft(ctx, cliActor, vat.id, []);
    assert.equal(published.rowsImported, 40);
    // The mapping the publisher chose is remembered for its next files.
    assert.deepEqual((await repo.getMapping(ctx.db, org.id))?.irrecoverableVat, null);
    const next = (await createSpendDraft(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(7, 40, {}, 'Date,Supplier Name,Department,Expense Type,Amount,VAT')) } })).draft;
    assert.deepEqual(codes(next), []);
    assert.equal(next.check.mapping.netAmount?.reason, 'confirmed mapping for this publisher');
  });

  it('finds no outlier in the real council files, whose largest payments are real', async () => {
    const { ctx, engine } = t();
    await seedOrganisations(ctx);
    const files = [
      // Newcastle's, published by the first test, had none either.
      ['darlington-2010-10.csv', 'GB-LAE-DAL', '2010-10..2010-12'], ['northtyneside-2014-05.csv', 'GB-LAE-NTY'],
      ['calderdale-2015-06.csv', 'GB-LAE-CLD'], ['leeds-2011-04.csv', 'GB-LAE-LDS'], ['gateshead-2011-02.csv', 'GB-LAE-GAT'], ['oxford-2017-q1.csv', 'GB-LAE-OXO'],
    ] as const;
    // PostgreSQL: a sample (the rule is the same SQL on both engines).
    for (const [name, publisher, period] of engine === 'pglite' ? files : files.filter(([n]) => /leeds|northtyneside|oxford/.test(n))) {
      const { draft } = await createSpendDraft(ctx, cliActor, { publisher, source: { bytes: dataset(name) }, filename: name, period: period ?? null });
      assert.equal(draft.check.warnings.find((w) => w.code === 'outliers'), undefined, `${name}: ${JSON.stringify(draft.check.outlierRule)}`);
      assert.ok(draft.check.outlierRule && draft.check.outlierRule.referencePence > 0, name);
    }
  });

  it('publishes a new version of a period at publish time, with the difference shown before', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const publisher = 'GB-LAE-SND';
    const org = await getOrganisation(ctx.db, publisher);
    const first = await importSpendFile(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(1, 100)) } });
    const draft = (await createSpendDraft(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(1, 120)) } })).draft;
    assert.deepEqual(draft.check.replaces?.files.map((f) => f.id), [first.fileId]);
    assert.equal(draft.check.replaces?.diff.linesAdded, 20);
    assert.equal(draft.check.version, 2);
    // A file published for the period meanwhile: the check page shows what it would replace now.
    const meanwhile = await importSpendFile(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(1, 110)) } });
    const seen = await getSpendDraft(ctx.db, cliActor, draft.id);
    assert.deepEqual(seen.check.replaces?.files.map((f) => f.id), [meanwhile.fileId]);
    assert.equal(seen.check.replaces?.diff.linesAdded, 10);
    assert.equal(seen.check.version, 3);
    // Until it is published the version it replaces is current.
    assert.equal((await repo.findFile(ctx.db, org.id, meanwhile.fileId))?.status, 'current');
    const result = await publishSpendDraft(ctx, cliActor, draft.id, []);
    assert.equal(result.outcome, 'replaced');
    assert.equal(result.version, 3);
    assert.deepEqual(result.replacedFileIds, [meanwhile.fileId], 'what is current at publish is replaced');
    assert.deepEqual(result.diff, seen.check.replaces?.diff, 'the difference against it, not against the version checked at upload');
    assert.equal((await repo.findFile(ctx.db, org.id, meanwhile.fileId))?.status, 'replaced');
    assert.equal((await repo.findFile(ctx.db, org.id, first.fileId))?.status, 'replaced');
    const { fast, slow } = await publisherTotals(ctx.db, org.id);
    assert.deepEqual(fast, slow);
    assert.equal(fast.lines, 120);
  });

  it('refuses to publish a draft that a file published meanwhile would cover only in part, and says so', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    const publisher = 'GB-LAE-OXO';
    const org = await getOrganisation(ctx.db, publisher);
    const april = (await createSpendDraft(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(4, 40)) } })).draft;
    assert.equal(april.check.blocked, null);
    let quarter = 'Date,Supplier Name,Department,Expense Type,Net Amount\n';
    for (let i = 0; i < 30; i++) quarter += `${String(1 + (i % 28)).padStart(2, '0')}/0${4 + (i % 3)}/2023,Supplier ${i} Ltd,Dept,Type,${1000 + i}.00\n`;
    await importSpendFile(ctx, cliActor, { publisher, source: { bytes: Buffer.from(quarter) } });
    const seen = await getSpendDraft(ctx.db, cliActor, april.id);
    assert.match(seen.check.blocked ?? '', /overlaps only part of the published file for 2023-04-01 to 2023-06-30/);
    await assert.rejects(publishSpendDraft(ctx, cliActor, april.id, []), (e: unknown) => isAppError(e) && e.fieldErrors[0]?.field === 'period');
    assert.equal((await findDraft(ctx.db, april.id))?.state, 'draft', 'still a draft, nothing published');
    assert.equal((await ctx.db.selectFrom('spend_files').select('id').where('organisation_id', '=', org.id).execute()).length, 1);
    const { fast, slow } = await publisherTotals(ctx.db, org.id);
    assert.deepEqual(fast, slow);
    assert.equal(fast.lines, 30);
    const admin = new TestAgent(app, '10.9.0.3');
    await userWithToken(ctx.db, 'finance@oxford.example');
    await addMember(ctx.db, cliActor, org.id, { email: 'finance@oxford.example', role: 'finance' });
    await admin.get('/sign-in');
    await admin.post('/sign-in', { email: 'finance@oxford.example', password: 'a long enough password' });
    const page = await admin.get(april.link);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /overlaps only part of the published file/);
    assert.doesNotMatch(page.body, /Publish the file<\/button>|>\s*Publish the file\s*</, 'no publish button');
    const forced = await admin.post(`${april.link}/publish`, {});
    assert.equal(forced.statusCode, 400);
    assert.match(forced.body, /href="#publish"/);
  });

  it('publishes a draft once when two publish at the same time', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const publisher = 'GB-LAE-GAT';
    const draft = (await createSpendDraft(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(3, 60)) } })).draft;
    const results = await Promise.allSettled([publishSpendDraft(ctx, cliActor, draft.id, []), publishSpendDraft(ctx, cliActor, draft.id, [])]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(isAppError(refused.reason) && refused.reason.code === 'conflict', String(refused.reason));
    const org = await getOrganisation(ctx.db, publisher);
    assert.equal((await ctx.db.selectFrom('spend_files').select('id').where('organisation_id', '=', org.id).execute()).length, 1);
  });

  it('expires drafts past their expiry, once, and cleans up what they loaded', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const publisher = 'GB-LAE-NTY';
    const draft = (await createSpendDraft(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(5, 30)) } })).draft;
    const keep = (await createSpendDraft(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(6, 30)) } })).draft;
    assert.ok(new Date(draft.expiresAt).getTime() - Date.now() > 13 * 86_400_000, 'kept 14 days by default');
    assert.equal(await expireDrafts(ctx.db), 0, 'nothing is due');
    const loadedId = (await findDraft<{ loaded: { fileId: string } }>(ctx.db, draft.id))!.payload.loaded.fileId;
    await ctx.db.updateTable('platform_drafts').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', draft.id).execute();
    // Past its expiry it cannot be published, even before the clean-up ran.
    await assert.rejects(publishSpendDraft(ctx, cliActor, draft.id, []), (e: unknown) => isAppError(e) && e.code === 'conflict' && /expired/.test(e.message));
    const [a, b] = await Promise.all([expireDrafts(ctx.db), expireDrafts(ctx.db)]);
    assert.equal(a + b, 1, 'two cleaners expire it once');
    assert.equal((await findDraft(ctx.db, draft.id))?.state, 'expired');
    assert.equal((await findDraft(ctx.db, keep.id))?.state, 'draft');
    const table = await sql<{ t: string | null }>`SELECT to_regclass(${fileLinesTable(loadedId)})::text AS t`.execute(ctx.db);
    assert.equal(table.rows[0]!.t, null, 'its loaded lines are dropped');
    assert.equal((await ctx.db.selectFrom('platform_draft_bytes').select('piece').where('draft_id', '=', draft.id).execute()).length, 0);
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', draft.id).orderBy('id').execute();
    assert.deepEqual(audit.map((r) => r.action), ['draft.created', 'draft.expired']);
    await assert.rejects(publishSpendDraft(ctx, cliActor, draft.id, []), (e: unknown) => isAppError(e) && e.code === 'conflict');
  });

  it('withdraws a published file: it leaves the totals at once, stays marked in the record, and only its publisher may', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    const publisher = 'GB-LAE-CLD';
    const org = await getOrganisation(ctx.db, publisher);
    const a = await importSpendFile(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(8, 80)) } });
    const b = await importSpendFile(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(9, 90)) } });
    const staff = await userWithToken(ctx.db, 'finance@calderdale.example');
    await addMember(ctx.db, cliActor, org.id, { email: 'finance@calderdale.example', role: 'finance' });
    const other = await userWithToken(ctx.db, 'finance@gateshead2.example');
    await addMember(ctx.db, cliActor, (await getOrganisation(ctx.db, 'GB-LAE-GAT')).id, { email: 'finance@gateshead2.example', role: 'finance' });

    const url = `/api/v1/spend/publishers/GB-LAE-CLD/files/${a.fileId}/withdraw`;
    const refused = await app.inject({ method: 'POST', url, headers: other.auth, payload: { reason: 'Not ours' } });
    assert.equal(refused.statusCode, 403);
    const elsewhere = await app.inject({ method: 'POST', url: `/api/v1/spend/publishers/GB-LAE-GAT/files/${a.fileId}/withdraw`, headers: other.auth, payload: { reason: 'Not ours' } });
    assert.equal(elsewhere.statusCode, 404, 'not another publisher’s file under its own address');
    const noReason = await app.inject({ method: 'POST', url, headers: staff.auth, payload: { reason: '   ' } });
    assert.equal(noReason.statusCode, 400);
    assert.equal(noReason.json().errors[0].field, 'reason');
    assert.equal((await repo.findFile(ctx.db, org.id, a.fileId))?.status, 'current', 'nothing changed');

    const ok = await app.inject({ method: 'POST', url, headers: staff.auth, payload: { reason: 'Sent by mistake: another council’s August' } });
    assert.equal(ok.statusCode, 200, ok.body);
    const { fast, slow } = await publisherTotals(ctx.db, org.id);
    assert.deepEqual(fast, slow, 'the totals equal the lines');
    assert.equal(fast.lines, 90);
    assert.equal(fast.pence, b.netTotalPence);
    for (const by of ['month', 'department', 'purpose', 'supplier'] as const) {
      const strip = (r: { rows: repo.Total[]; groups: number }) => r.rows.map((x) => ({ key: x.key, lines: x.lines, pence: x.pence }));
      assert.deepEqual(strip(await repo.groupTotals(ctx.db, { organisationId: org.id }, by, 1000)), strip(await repo.groupTotalsFromLines(ctx.db, { organisationId: org.id }, by, 1000)), by);
    }
    const again = await app.inject({ method: 'POST', url, headers: staff.auth, payload: { reason: 'Again' } });
    assert.equal(again.statusCode, 409);
    const files = await app.inject({ method: 'GET', url: '/spend/GB-LAE-CLD/files' });
    assert.match(files.body, /Withdrawn/);
    assert.match(files.body, /Sent by mistake: another council’s August/);
    const filePage = await app.inject({ method: 'GET', url: `/spend/GB-LAE-CLD/files/${a.fileId}` });
    assert.match(filePage.body, /withdrew this file on/);
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'after']).where('entity_id', '=', a.fileId).where('action', '=', 'spend.file.withdrawn').execute();
    assert.equal(audit.length, 1);
    // The period is free again: a new file for it is a first version of its own kind, not a replacement.
    const redo = await importSpendFile(ctx, cliActor, { publisher, source: { bytes: Buffer.from(month(8, 81)) } });
    assert.equal(redo.outcome, 'imported');
    assert.equal(redo.version, 2);
    await assert.rejects(withdrawSpendFile(ctx, cliActor, publisher, a.fileId, 'x'), (e: unknown) => isAppError(e) && e.code === 'conflict');
  });

  it('takes the upload form through check, a changed mapping and publishing, then withdraws', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    const org = await getOrganisation(ctx.db, 'GB-LAE-DAL');
    await userWithToken(ctx.db, 'finance@darlington.example');
    await addMember(ctx.db, cliActor, org.id, { email: 'finance@darlington.example', role: 'finance' });
    const agent = new TestAgent(app, '10.9.0.1');
    await agent.get('/sign-in');
    await agent.post('/sign-in', { email: 'finance@darlington.example', password: 'a long enough password' });
    await agent.get('/spend/GB-LAE-DAL/upload');
    const text = month(10, 60, { at: 3, amount: '3900000.00' }, 'Date,Supplier Name,Department,Expense Type,Amount,VAT');
    const up = await agent.postMultipart('/spend/darlington-borough-council/upload', { period: '' }, { filename: 'darlington-oct.csv', content: text });
    assert.equal(up.statusCode, 303, up.body.slice(0, 300));
    const check = await agent.get(String(up.headers.location));
    assert.equal(check.statusCode, 200);
    assert.match(check.body, /darlington-oct\.csv/, 'the file name is shown');
    assert.match(check.body, /Check the spending file before you publish it/);
    assert.match(check.body, /far larger than the rest of the file/);
    assert.match(check.body, /does not say which VAT it is/);
    const base = String(up.headers.location);
    const noTick = await agent.post(`${base}/publish`, {});
    assert.equal(noTick.statusCode, 400);
    assert.match(noTick.body, /Tick to confirm you have checked/);
    const mappingForm = await agent.get(`${base}/mapping`);
    assert.equal(mappingForm.statusCode, 200);
    const changed = await agent.post(`${base}/mapping`, { date: 'Date', supplierName: 'Supplier Name', department: 'Department', purpose: 'Expense Type', netAmount: 'Amount', irrecoverableVat: '' });
    assert.equal(changed.statusCode, 303, changed.body.slice(0, 300));
    const rechecked = await agent.get(base);
    assert.doesNotMatch(rechecked.body, /does not say which VAT it is/);
    const published = await agent.post(`${base}/publish`, { acknowledge: 'outliers' });
    assert.equal(published.statusCode, 303, published.body.slice(0, 500));
    const filePage = await agent.get(String(published.headers.location));
    assert.match(filePage.body, /The file is published/);
    assert.match(filePage.body, /darlington-oct\.csv/);
    const fileId = /files\/([0-9a-f-]{36})/.exec(String(published.headers.location))![1]!;
    await agent.get(`/spend/darlington-borough-council/files/${fileId}/withdraw`);
    const empty = await agent.post(`/spend/darlington-borough-council/files/${fileId}/withdraw`, { reason: '' });
    assert.equal(empty.statusCode, 400);
    const withdrawn = await agent.post(`/spend/darlington-borough-council/files/${fileId}/withdraw`, { reason: 'The £3.9m line was a typing slip' });
    assert.equal(withdrawn.statusCode, 303);
    assert.equal((await repo.findFile(ctx.db, org.id, fileId))?.status, 'withdrawn');

    // Another upload, listed as waiting on the upload page, then discarded: nothing published, its lines dropped.
    const second = await agent.postMultipart('/spend/darlington-borough-council/upload', { period: '' }, { filename: 'darlington-nov.csv', content: month(11, 30) });
    assert.equal(second.statusCode, 303);
    const draftId = String(second.headers.location).split('/').pop()!;
    const upload = await agent.get('/spend/darlington-borough-council/upload');
    assert.match(upload.body, /Drafts waiting to be published/);
    assert.match(upload.body, /darlington-nov\.csv/);
    await agent.get(String(second.headers.location));
    const loadedId = (await findDraft<{ loaded: { fileId: string } }>(ctx.db, draftId))!.payload.loaded.fileId;
    const discarded = await agent.post(`${String(second.headers.location)}/discard`, {});
    assert.equal(discarded.statusCode, 303);
    assert.equal(discarded.headers.location, '/spend/darlington-borough-council/upload?discarded=1');
    assert.equal((await findDraft(ctx.db, draftId))?.state, 'discarded');
    assert.equal((await sql<{ t: string | null }>`SELECT to_regclass(${fileLinesTable(loadedId)})::text AS t`.execute(ctx.db)).rows[0]!.t, null);
    assert.doesNotMatch((await agent.get('/spend/darlington-borough-council/upload')).body, /darlington-nov\.csv/);
    assert.match((await agent.get(String(second.headers.location))).body, /This draft was discarded/);
  });
});
