import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent, userWithToken } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { addMember, getOrganisation } from '../organisations/organisations.service.ts';
import { addSalaryPost, importSalaryCsv, payMultipleText, publisherSalaries, readSalaryCsv, setPayMultiple } from './spend.salaries.ts';
import { demoSalariesAsAt, seedSalaries } from './spend.demo.ts';

const csv = (text: string) => Buffer.from(text);

describe('reading a senior salaries CSV', () => {
  it('reads bands, exact salaries, blanks and markers into pence', () => {
    const { posts, columns, warnings } = readSalaryCsv(csv(
      'Senior salaries at 31 March 2017\n\nPost,Directorate,Post holder,Salary (£),Key responsibilities,Budget held,FTE managed,Bonus,Benefits in kind\n'
      + 'Chief Executive,CEO,A Person,"£180,000 - £184,999",Head of paid service,"£1,200,000",12,Nil,N/A\n'
      + 'Director of Resources,Resources,,123456,"Finance, HR",,45.6,,\n',
    ));
    assert.equal(columns.jobTitle, 'Post');
    assert.equal(columns.salaryFrom, 'Salary (£)');
    assert.deepEqual(warnings, []);
    assert.deepEqual(posts[0], {
      jobTitle: 'Chief Executive', department: 'CEO', name: 'A Person', salaryFromPence: 18_000_000, salaryToPence: 18_499_900,
      responsibilities: 'Head of paid service', budgetHeldPence: 120_000_000, staffManaged: 12, bonusesPence: 0, benefitsInKindPence: null,
    });
    // An exact salary becomes its £5,000 band; 45.6 full-time equivalents round to 46 people.
    assert.equal(posts[1]!.salaryFromPence, 12_000_000);
    assert.equal(posts[1]!.salaryToPence, 12_499_900);
    assert.equal(posts[1]!.staffManaged, 46);
    assert.equal(posts[1]!.budgetHeldPence, null);
  });

  it('leaves out names below £150,000 and says so', () => {
    const { posts, warnings } = readSalaryCsv(csv('Job title,Name,Salary band\nDirector,B Person,145000 - 149999\nChief Executive,C Person,150000 - 154999\n'));
    assert.equal(posts[0]!.name, null);
    assert.equal(posts[1]!.name, 'C Person');
    assert.match(warnings.join(), /1 name was left out/);
  });

  it('names every faulty row by its line and column, and refuses the whole file', () => {
    assert.throws(() => readSalaryCsv(csv('Job title,Salary band,Staff managed\nDirector,lots,3\n,100000,x\nHead,90000-80000,2\n')), (e: unknown) => {
      assert.ok(isAppError(e));
      const messages = e.fieldErrors.map((f) => f.message);
      assert.ok(messages.some((m) => /^Line 2, column “Salary band”/.test(m)), messages.join('\n'));
      assert.ok(messages.some((m) => /^Line 3, column “Job title”: Enter the job title/.test(m)), messages.join('\n'));
      assert.ok(messages.some((m) => /^Line 3, column “Staff managed”/.test(m)), messages.join('\n'));
      assert.ok(messages.some((m) => /^Line 4, .*must not be less than the bottom/.test(m)), messages.join('\n'));
      assert.ok(e.fieldErrors.every((f) => f.field === 'file'));
      return true;
    });
    assert.throws(() => readSalaryCsv(csv('Name,Amount\nX,1\n')), (e: unknown) => isAppError(e) && /No header row names a job title/.test(e.message));
    assert.throws(() => readSalaryCsv(csv('')), (e: unknown) => isAppError(e) && /empty/.test(e.message));
    assert.throws(() => readSalaryCsv(Buffer.alloc(2 * 1024 * 1024, 0x41)), (e: unknown) => isAppError(e) && /larger than/.test(e.message));
  });

  it('works the pay multiple out in tenths without floats', () => {
    assert.equal(payMultipleText(18_250_000, 2_431_300), '7.5');
    assert.equal(payMultipleText(1_000, 1_000), '1.0');
    assert.equal(payMultipleText(1_049, 1_000), '1.0');
    assert.equal(payMultipleText(1_050, 1_000), '1.1');
  });
});

eachEngine('spend senior salaries', (t) => {
  it('publishes a list from a CSV, replaces it for the same date, keeps other dates, and audits each', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const first = await importSalaryCsv(ctx.db, cliActor, 'GB-LAE-GAT', { bytes: csv('Job title,Salary band\nChief Executive,"170,000 - 174,999"\nDirector,"120,000 - 124,999"\n'), asAt: '31/03/2016' });
    assert.deepEqual([first.asAt, first.posts, first.replaced], ['2016-03-31', 2, 0]);
    await importSalaryCsv(ctx.db, cliActor, 'GB-LAE-GAT', { bytes: csv('Job title,Salary band\nChief Executive,"175,000 - 179,999"\n'), asAt: '2017-03-31' });
    const again = await importSalaryCsv(ctx.db, cliActor, 'GB-LAE-GAT', { bytes: csv('Job title,Salary band\nChief Executive,"170,000 - 174,999"\nDirector,"125,000 - 129,999"\nHead,"80,000 - 84,999"\n'), asAt: '2016-03-31' });
    assert.equal(again.replaced, 2);
    const latest = await publisherSalaries(ctx.db, 'GB-LAE-GAT');
    assert.deepEqual(latest.dates, ['2017-03-31', '2016-03-31']);
    assert.equal(latest.asAt, '2017-03-31');
    assert.equal(latest.posts.length, 1);
    const older = await publisherSalaries(ctx.db, 'GB-LAE-GAT', '2016-03-31');
    assert.deepEqual(older.posts.map((p) => p.salaryFromPence), [17_000_000, 12_500_000, 8_000_000]);
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('organisation_id', '=', latest.publisher.id).where('action', '=', 'spend.salaries.published').execute();
    assert.equal(audit.length, 3);
    await assert.rejects(publisherSalaries(ctx.db, 'GB-LAE-GAT', '2015-03-31'), (e: unknown) => isAppError(e) && e.code === 'not_found');
  });

  it('leaves the old list whole when a replacement is faulty', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    await importSalaryCsv(ctx.db, cliActor, 'GB-LAE-SND', { bytes: csv('Job title,Salary band\nChief Executive,"160,000 - 164,999"\n'), asAt: '2018-03-31' });
    await assert.rejects(importSalaryCsv(ctx.db, cliActor, 'GB-LAE-SND', { bytes: csv('Job title,Salary band\nDirector,"120,000"\nHead,unknown\n'), asAt: '2018-03-31' }),
      (e: unknown) => isAppError(e) && e.code === 'validation_failed' && /Line 3/.test(e.fieldErrors[0]!.message));
    const list = await publisherSalaries(ctx.db, 'GB-LAE-SND');
    assert.deepEqual(list.posts.map((p) => p.jobTitle), ['Chief Executive']);
  });

  it('keeps one whole list when two replacements for the same date race', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const a = csv(`Job title,Salary band\n${Array.from({ length: 40 }, (_, i) => `Post A${i},100000`).join('\n')}\n`);
    const b = csv(`Job title,Salary band\n${Array.from({ length: 30 }, (_, i) => `Post B${i},90000`).join('\n')}\n`);
    await Promise.all([
      importSalaryCsv(ctx.db, cliActor, 'GB-LAE-NTY', { bytes: a, asAt: '2019-03-31' }),
      importSalaryCsv(ctx.db, cliActor, 'GB-LAE-NTY', { bytes: b, asAt: '2019-03-31' }),
    ]);
    const list = await publisherSalaries(ctx.db, 'GB-LAE-NTY', '2019-03-31');
    const letters = new Set(list.posts.map((p) => p.jobTitle.slice(5, 6)));
    assert.equal(letters.size, 1, 'one list or the other, never both');
    assert.ok(list.posts.length === 40 || list.posts.length === 30);
  });

  it('lets publisher staff add posts and set the pay multiple through the forms; refuses others and names below £150,000', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    const newcastle = await getOrganisation(ctx.db, 'GB-LAE-NET');
    const gateshead = await getOrganisation(ctx.db, 'GB-LAE-GAT');
    await userWithToken(ctx.db, 'hr@newcastle.example');
    await addMember(ctx.db, cliActor, newcastle.id, { email: 'hr@newcastle.example', role: 'staff' });
    const other = await userWithToken(ctx.db, 'finance@gateshead.example');
    await addMember(ctx.db, cliActor, gateshead.id, { email: 'finance@gateshead.example', role: 'finance' });

    const anonymous = await app.inject({ method: 'GET', url: '/spend/GB-LAE-NET/salaries/new' });
    assert.equal(anonymous.statusCode, 303, 'sent to sign in');
    const outsider = new TestAgent(app, '10.3.0.2');
    await outsider.get('/sign-in');
    await outsider.post('/sign-in', { email: 'finance@gateshead.example', password: 'a long enough password' });
    assert.equal((await outsider.get('/spend/GB-LAE-NET/salaries/new')).statusCode, 403, 'another council’s finance officer');
    assert.equal((await outsider.post('/spend/newcastle-city-council/salaries/new', { asAt: '31/03/2017', jobTitle: 'X', salaryFrom: '100000' })).statusCode, 403);
    await assert.rejects(addSalaryPost(ctx.db, { userId: other.user.id, tokenId: null, isAdmin: false, via: 'token' }, 'GB-LAE-NET', { asAt: '2017-03-31', jobTitle: 'X', salaryFrom: '100000' }),
      (e: unknown) => isAppError(e) && e.code === 'forbidden', 'the service checks too');

    const agent = new TestAgent(app, '10.3.0.1');
    await agent.get('/sign-in');
    await agent.post('/sign-in', { email: 'hr@newcastle.example', password: 'a long enough password' });
    assert.equal((await agent.get('/spend/GB-LAE-NET/salaries/new')).statusCode, 200);
    const named = await agent.post('/spend/newcastle-city-council/salaries/new', { asAt: '31/03/2017', jobTitle: 'Director of Resources', salaryFrom: '120,000', salaryTo: '124,999', name: 'D Person' });
    assert.equal(named.statusCode, 400);
    assert.match(named.body, /href="#name"/);
    assert.match(named.body, /Leave the name blank/);
    const empty = await agent.post('/spend/newcastle-city-council/salaries/new', { asAt: 'soon', jobTitle: '', salaryFrom: '' });
    assert.equal(empty.statusCode, 400);
    for (const field of ['asAt', 'jobTitle', 'salaryFrom']) assert.match(empty.body, new RegExp(`href="#${field}"`));

    const ok = await agent.post('/spend/newcastle-city-council/salaries/new', {
      asAt: '31/03/2017', jobTitle: 'Chief Executive', department: 'Chief Executive’s Office', salaryFrom: '181,250', name: '<b>E Person</b>',
      responsibilities: 'Head of paid service', budgetHeld: '1,200,000', staffManaged: '12', bonuses: '0', benefitsInKind: '',
    });
    // The form shows a check page first: what will be public, nothing written yet.
    assert.equal(ok.statusCode, 200, ok.body.slice(0, 300));
    assert.match(ok.body, /Check the senior post before you publish it/);
    assert.match(ok.body, /£180,000 to £184,999/);
    assert.match(ok.body, /&lt;b&gt;E Person&lt;\/b&gt;/, 'escaped on the check page');
    assert.match(ok.body, /The post-holder is named/);
    assert.equal((await publisherSalaries(ctx.db, 'GB-LAE-NET', '2017-03-31').catch(() => ({ posts: [] }))).posts.length, 0, 'not public until published');
    assert.equal((await ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'spend.salary.added').execute()).length, 0);
    const fields = [...ok.body.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].filter((m) => m[1] !== '_csrf' && m[1] !== 'change');
    const carried = Object.fromEntries(fields.map((m) => [m[1]!, m[2]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&')]));
    assert.equal(carried.jobTitle, 'Chief Executive');
    // "Change the post" brings the form back filled in.
    const change = await agent.post('/spend/newcastle-city-council/salaries/new', { ...carried, change: 'yes' });
    assert.equal(change.statusCode, 200);
    assert.match(change.body, /value="Chief Executive"/);
    // A tampered publish is checked again and refused by field, writing nothing.
    const tampered = await agent.post('/spend/newcastle-city-council/salaries/new/publish', { ...carried, salaryFrom: 'lots' });
    assert.equal(tampered.statusCode, 400);
    assert.match(tampered.body, /href="#salaryFrom"/);
    assert.equal((await outsider.post('/spend/newcastle-city-council/salaries/new/publish', carried)).statusCode, 403, 'another council’s officer cannot publish it');
    const published = await agent.post('/spend/newcastle-city-council/salaries/new/publish', carried);
    assert.equal(published.statusCode, 303, published.body.slice(0, 300));
    assert.equal(published.headers.location, '/spend/newcastle-city-council/salaries?asAt=2017-03-31&added=1');
    assert.match((await agent.get(published.headers.location as string)).body, /The senior post is published/);
    const multiple = await agent.post('/spend/newcastle-city-council/salaries/pay-multiple', { asAt: '31/03/2017', highest: '182,500', median: '24,313' });
    assert.equal(multiple.statusCode, 303);
    const badMultiple = await agent.post('/spend/newcastle-city-council/salaries/pay-multiple', { asAt: '31/03/2017', highest: '20,000', median: '24,313' });
    assert.equal(badMultiple.statusCode, 400);
    assert.match(badMultiple.body, /href="#median"/);

    const page = await agent.get('/spend/newcastle-city-council/salaries?asAt=2017-03-31');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /£180,000 to £184,999/, "a band in whole pounds, no pence");
    assert.doesNotMatch(page.body, /£180,000.00/);
    assert.match(page.body, /&lt;b&gt;E Person&lt;\/b&gt;/, 'names are escaped');
    assert.match(page.body, /7.5 to 1/);
    assert.match(page.body, /Remove<span class="govuk-visually-hidden"> Chief Executive/);
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('organisation_id', '=', newcastle.id).execute();
    assert.deepEqual(audit.map((a) => a.action).filter((a) => a.startsWith('spend.')).sort(), ['spend.pay-multiple.set', 'spend.salary.added']);

    const list = await publisherSalaries(ctx.db, 'GB-LAE-NET');
    const removed = await agent.post(`/spend/newcastle-city-council/salaries/${list.posts[0]!.id}/remove`, {});
    assert.equal(removed.statusCode, 303);
    assert.equal((await publisherSalaries(ctx.db, 'GB-LAE-NET')).posts.length, 0);
    // The pay multiple keeps the date listed.
    assert.deepEqual((await publisherSalaries(ctx.db, 'GB-LAE-NET')).dates, ['2017-03-31']);
  });

});

// A database of its own: the demo list is published only where Newcastle has none.
eachEngine('spend senior salaries api', (t) => {
  it('serves the list as JSON and CSV, and takes a CSV through the API from publisher staff only', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    assert.equal(await seedSalaries(ctx), true);
    assert.equal(await seedSalaries(ctx), false, 'idempotent');
    const json = await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-NET/salaries' });
    assert.equal(json.statusCode, 200);
    const body = json.json();
    assert.equal(body.asAt, demoSalariesAsAt);
    assert.equal(body.posts.length, 10);
    assert.equal(body.payMultiple.multiple, '7.5');
    assert.ok(body.posts.every((p: { jobTitle: string }) => /\(example\)$/.test(p.jobTitle)));
    assert.deepEqual(body.posts.filter((p: { name: string | null }) => p.name).map((p: { salaryFromPence: number }) => p.salaryFromPence), [18_000_000]);
    const download = await app.inject({ method: 'GET', url: `/api/v1/spend/publishers/GB-LAE-NET/salaries?asAt=${demoSalariesAsAt}&format=csv` });
    assert.equal(download.statusCode, 200);
    assert.match(String(download.headers['content-type']), /text\/csv/);
    assert.match(download.body, /^Body Name,As at,Job Title,/);
    assert.equal(download.body.trim().split('\r\n').length, 11);
    const page = await app.inject({ method: 'GET', url: '/spend/GB-LAE-NET/salaries' });
    assert.match(page.body, /Example data: these posts and figures were invented/);

    const newcastle = await getOrganisation(ctx.db, 'GB-LAE-NET');
    const staff = await userWithToken(ctx.db, 'payroll@newcastle.example');
    await addMember(ctx.db, cliActor, newcastle.id, { email: 'payroll@newcastle.example', role: 'finance' });
    const stranger = await userWithToken(ctx.db, 'someone@example.org');
    const url = '/api/v1/spend/publishers/GB-LAE-NET/salaries?asAt=2018-03-31';
    const file = 'Job title,Salary band\nChief Executive,"185,000 - 189,999"\n';
    const refused = await app.inject({ method: 'POST', url, headers: { ...stranger.auth, 'content-type': 'text/csv' }, payload: file });
    assert.equal(refused.statusCode, 403);
    const made = await app.inject({ method: 'POST', url, headers: { ...staff.auth, 'content-type': 'text/csv' }, payload: file });
    assert.equal(made.statusCode, 201, made.body);
    const draft = made.json();
    assert.equal(draft.check.posts, 1);
    assert.equal(draft.check.replaces, 0);
    assert.equal(draft.link, `/spend/newcastle-city-council/salaries/drafts/${draft.id}`);
    // Held as a draft: the public list for that date does not exist yet, and only Newcastle's staff open it.
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-NET/salaries?asAt=2018-03-31' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: `/api/v1/spend/salary-drafts/${draft.id}`, headers: stranger.auth })).statusCode, 403);
    assert.equal((await app.inject({ method: 'POST', url: `/api/v1/spend/salary-drafts/${draft.id}/publish`, headers: stranger.auth })).statusCode, 403);
    assert.equal((await app.inject({ method: 'GET', url: `/api/v1/spend/salary-drafts/${draft.id}`, headers: staff.auth })).statusCode, 200);
    const published = await app.inject({ method: 'POST', url: `/api/v1/spend/salary-drafts/${draft.id}/publish`, headers: staff.auth });
    assert.equal(published.statusCode, 201, published.body);
    assert.equal(published.json().posts, 1);
    assert.equal((await app.inject({ method: 'POST', url: `/api/v1/spend/salary-drafts/${draft.id}/publish`, headers: staff.auth })).statusCode, 409, 'published once');
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-NET/salaries?asAt=2018-03-31' })).json().posts.length, 1);
    // A second upload for the date says what it would replace; discarding it changes nothing.
    const second = await app.inject({ method: 'POST', url, headers: { ...staff.auth, 'content-type': 'text/csv' }, payload: 'Job title,Salary band\nChief Executive,"185,000 - 189,999"\nDirector,"120,000 - 124,999"\n' });
    assert.equal(second.json().check.replaces, 1);
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/spend/salary-drafts/${second.json().id}`, headers: staff.auth })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-NET/salaries?asAt=2018-03-31' })).json().posts.length, 1);
    assert.equal((await app.inject({ method: 'POST', url: `/api/v1/spend/salary-drafts/${second.json().id}/publish`, headers: staff.auth })).statusCode, 409, 'a discarded draft is not published');
    const bad = await app.inject({ method: 'POST', url: '/api/v1/spend/publishers/GB-LAE-NET/salaries?asAt=never', headers: { ...staff.auth, 'content-type': 'text/csv' }, payload: file });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().errors[0].field, 'asAt');
    const put = await app.inject({ method: 'PUT', url: '/api/v1/spend/publishers/GB-LAE-NET/pay-multiple', headers: staff.auth, payload: { asAt: '2018-03-31', highest: '187000', median: '25000' } });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(put.json().multiple, '7.5');
    assert.equal((await setPayMultiple(ctx.db, cliActor, 'GB-LAE-NET', { asAt: '2018-03-31', highest: '187000', median: '17000' })).multiple, '11.0');
  });

  it('takes a CSV through the upload form to a check page, then publishes it', async () => {
    const { app, ctx } = t();
    const gateshead = await getOrganisation(ctx.db, 'GB-LAE-GAT');
    await userWithToken(ctx.db, 'hr@gateshead.example');
    await addMember(ctx.db, cliActor, gateshead.id, { email: 'hr@gateshead.example', role: 'staff' });
    const agent = new TestAgent(app, '10.3.0.9');
    await agent.get('/sign-in');
    await agent.post('/sign-in', { email: 'hr@gateshead.example', password: 'a long enough password' });
    await agent.get('/spend/GB-LAE-GAT/salaries/upload');
    const up = await agent.postMultipart('/spend/gateshead-council/salaries/upload', { asAt: '31/03/2020' }, { filename: 'senior-2020.csv', content: 'Job title,Salary band\nChief Executive,"160,000 - 164,999"\n' });
    assert.equal(up.statusCode, 303, up.body.slice(0, 300));
    assert.match(String(up.headers.location), /\/salaries\/drafts\//);
    const check = await agent.get(String(up.headers.location));
    assert.equal(check.statusCode, 200);
    assert.match(check.body, /senior-2020\.csv/);
    assert.match(check.body, /Chief Executive/);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-GAT/salaries?asAt=2020-03-31' })).statusCode, 404, 'not public yet');
    const published = await agent.post(`${String(up.headers.location)}/publish`, {});
    assert.equal(published.statusCode, 303);
    assert.equal(published.headers.location, '/spend/gateshead-council/salaries?asAt=2020-03-31');
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-GAT/salaries?asAt=2020-03-31' })).json().posts.length, 1);
  });
});
