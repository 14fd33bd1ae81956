import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { eachEngine, TestAgent, userWithToken } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { addMember, getOrganisation } from '../organisations/organisations.service.ts';
import { seedSpend } from './spend.demo.ts';

const dataset = (name: string): Buffer => readFileSync(new URL(`../../datasets/spend/${name}`, import.meta.url));


eachEngine('spend http', (t) => {
  it('takes an upload from publisher staff with an API token, and refuses anyone else', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    const newcastle = await getOrganisation(ctx.db, 'GB-LAE-NET');
    const staff = await userWithToken(ctx.db, 'finance@newcastle.example');
    await addMember(ctx.db, cliActor, newcastle.id, { email: 'finance@newcastle.example', role: 'finance' });
    const stranger = await userWithToken(ctx.db, 'stranger@example.org');
    const bytes = dataset('newcastle-2017-02.csv');
    const url = '/api/v1/spend/files?publisher=GB-LAE-NET&filename=newcastle-2017-02.csv';

    const refused = await app.inject({ method: 'POST', url, headers: { ...stranger.auth, 'content-type': 'text/csv' }, payload: bytes });
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().code, 'forbidden');
    const anonymous = await app.inject({ method: 'POST', url, headers: { 'content-type': 'text/csv' }, payload: bytes });
    assert.equal(anonymous.statusCode, 401, 'no token, no session: refused');

    const res = await app.inject({ method: 'POST', url, headers: { ...staff.auth, 'content-type': 'text/csv' }, payload: bytes });
    assert.equal(res.statusCode, 201, res.body);
    const draft = res.json();
    assert.equal(draft.check.rowsImported, 6118);
    assert.equal(draft.check.netTotalPence, 3308297524);
    assert.equal(draft.check.mapping.netAmount.column, 'Total');
    const published = await app.inject({ method: 'POST', url: `/api/v1/spend/drafts/${draft.id}/publish`, headers: staff.auth, payload: { acknowledge: draft.check.warnings.map((w: { code: string }) => w.code) } });
    assert.equal(published.statusCode, 201, published.body);
    assert.equal(published.json().rowsImported, 6118);
    const again = await app.inject({ method: 'POST', url, headers: { ...staff.auth, 'content-type': 'application/octet-stream' }, payload: bytes });
    assert.equal(again.statusCode, 409, 'the same bytes are already published');

    const bad = await app.inject({ method: 'POST', url: '/api/v1/spend/files?publisher=GB-LAE-NET', headers: { ...staff.auth, 'content-type': 'text/csv' }, payload: 'Date,Supplier\n01/01/2020,X\n' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'validation_failed');
    assert.equal(bad.json().errors[0].field, 'file');
  });

  it('shows publishers, summaries, lines, files and suppliers as pages and JSON/CSV', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    await seedSpend(ctx);
    await seedSpend(ctx); // idempotent

    const index = await app.inject({ method: 'GET', url: '/spend' });
    assert.equal(index.statusCode, 200);
    for (const name of ['Darlington Borough Council', 'Gateshead Council', 'Oxford City Council']) assert.match(index.body, new RegExp(name));
    assert.match(index.body, /href="\/spend"/, 'navigation entry');

    const publishers = (await app.inject({ method: 'GET', url: '/api/v1/spend/publishers' })).json();
    assert.equal(publishers.length, 7);
    assert.equal(publishers.find((p: { slug: string }) => p.slug === 'leeds-city-council').netTotalPence, 8096512553);

    const page = await app.inject({ method: 'GET', url: '/spend/GB-LAE-LDS' });
    assert.equal(page.statusCode, 200, page.body.slice(0, 500));
    assert.match(page.body, /<svg[^>]+role="img"/);
    assert.match(page.body, /Spending by month/);
    assert.match(page.body, /Top suppliers/);

    const summary = (await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-LDS' })).json();
    assert.equal(summary.lines, 11707);
    assert.equal(summary.netTotalPence, 8096512553);
    assert.equal(summary.byMonth.reduce((s: number, m: { netTotalPence: number }) => s + m.netTotalPence, 0), 8096512553);

    const filtered = (await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-LDS/lines?min=100000&sort=amount&pageSize=5' })).json();
    assert.ok(filtered.total > 0 && filtered.total < 11707);
    assert.ok(filtered.items.every((l: { netPence: number }) => l.netPence >= 10_000_000));
    assert.ok(filtered.items[0].netPence >= filtered.items[1].netPence);

    const badFilter = await app.inject({ method: 'GET', url: '/spend/GB-LAE-LDS?period=last-tuesday' });
    assert.equal(badFilter.statusCode, 400);
    assert.match(badFilter.body, /Enter a period/);

    const lines = await app.inject({ method: 'GET', url: '/spend/GB-LAE-DAL/lines?q=SIBCAS' });
    assert.equal(lines.statusCode, 200);
    assert.match(lines.body, /Same as line/);

    const csv = await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-OXO/lines?format=csv' });
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    const rows = csv.body.trimEnd().split('\r\n');
    assert.match(rows[0]!, /^Body Name,Body,Date,Transaction Number,Invoice Number,Net Amount/);
    assert.ok(rows.length >= 3914, `${rows.length} rows`);

    const byDept = await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-NTY/totals/department?format=csv' });
    assert.equal(byDept.statusCode, 200);
    assert.match(byDept.body, /^department,Lines,Net amount/);

    const files = (await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-GAT/files' })).json();
    assert.equal(files.files.length, 1);
    const filePage = await app.inject({ method: 'GET', url: `/spend/gateshead-council/files/${files.files[0].id}` });
    assert.equal(filePage.statusCode, 200);
    assert.match(filePage.body, /Supplier id\(T\)/);
    assert.match(filePage.body, /gzip-compressed/);

    const top = summary.bySupplier.find((s: { slug: string | null }) => s.slug);
    const supplier = await app.inject({ method: 'GET', url: `/spend/suppliers/${top.slug}` });
    assert.equal(supplier.statusCode, 200);
    assert.match(supplier.body, /Leeds City Council/);

    const upload = await app.inject({ method: 'GET', url: '/spend/GB-LAE-LDS/upload' });
    assert.equal(upload.statusCode, 303, 'anonymous visitors are sent to sign in');
  });

  it('publishes a file through the upload form, all or nothing, and names the field at fault', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    const darlington = await getOrganisation(ctx.db, 'GB-LAE-DAL');
    await userWithToken(ctx.db, 'finance@darlington.example');
    await addMember(ctx.db, cliActor, darlington.id, { email: 'finance@darlington.example', role: 'finance' });
    const agent = new TestAgent(app, '10.2.0.1');
    await agent.get('/sign-in');
    await agent.post('/sign-in', { email: 'finance@darlington.example', password: 'a long enough password' });
    const form = await agent.get('/spend/GB-LAE-DAL/upload');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /enctype="multipart\/form-data"/);

    const none = await agent.postMultipart('/spend/darlington-borough-council/upload', { period: '' }, { filename: '', content: '' });
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /Select the spending file to upload/);
    // A trailing blank line makes new bytes (the suite may already hold the published file), with the same lines.
    const file = Buffer.concat([dataset('darlington-2010-10.csv'), Buffer.from('\r\n')]);
    const before = (await ctx.db.selectFrom('spend_files').select('id').where('organisation_id', '=', darlington.id).execute()).length;
    const noPeriod = await agent.postMultipart('/spend/darlington-borough-council/upload', { period: '' }, { filename: 'darlington-2010-10.csv', content: file });
    assert.equal(noPeriod.statusCode, 400, `Darlington’s file has no dates: the period is needed (${noPeriod.headers.location})`);
    assert.match(noPeriod.body, /href="#period"/, 'the error names the period, not the file');
    assert.doesNotMatch(noPeriod.body, /href="#file"/);
    assert.match(noPeriod.body, /The file has no date column/);
    assert.equal((await ctx.db.selectFrom('spend_files').select('id').where('organisation_id', '=', darlington.id).execute()).length, before, 'nothing written');

    const ok = await agent.postMultipart('/spend/darlington-borough-council/upload', { period: '2010-10..2010-12' }, { filename: 'darlington-2010-10.csv', content: file });
    assert.equal(ok.statusCode, 303, ok.body.slice(0, 500));
    assert.match(String(ok.headers.location), /\/drafts\//, 'the upload is held as a draft to check');
    assert.equal((await ctx.db.selectFrom('spend_files').select('id').where('organisation_id', '=', darlington.id).execute()).length, before, 'nothing published yet');
    const check = await agent.get(String(ok.headers.location));
    assert.equal(check.statusCode, 200);
    assert.match(check.body, /794/);
    const ticks = [...check.body.matchAll(/name="acknowledge" type="checkbox" value="([a-z-]+)"/g)].map((m) => m[1]!);
    // Darlington's file has no date column (its period is given): the Code's date is missing.
    assert.deepEqual(ticks, ['missing-fields']);
    const done = await agent.post(`${String(ok.headers.location)}/publish`, { acknowledge: 'missing-fields' });
    assert.equal(done.statusCode, 303, done.body.slice(0, 300));
    const filePage = await agent.get(String(done.headers.location));
    assert.equal(filePage.statusCode, 200);
    assert.match(filePage.body, /794/);
    assert.match(filePage.body, /darlington-2010-10\.csv/);
    const forged = await agent.postMultipart('/spend/darlington-borough-council/upload', { period: '2010-10..2010-12' }, { filename: 'x.csv', content: 'a,b' }, { csrf: 'forged' });
    assert.equal(forged.statusCode, 403);
  });
});
