// The pages and API of grant programmes, driven over HTTP on both engines: an applicant applies (save and
// return, check your answers, submit), the funder screens, an assessor declares a conflict and another scores,
// the panel chair decides; the public sees the programme, the award and the feed, never the application.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, signedInAgent as signedIn } from '../platform/testing.ts';
import type { App } from '../platform/module.ts';
import { listOutbox } from '../platform/outbox.repository.ts';
import { programmeWorld } from './grants.programmes.test-support.ts';

eachEngine('grants programmes pages', (t) => {
  it('lets a funder’s staff open a programme from the page, naming each wrong field', async () => {
    const { app, ctx } = t();
    const w = await programmeWorld(ctx);
    const staff = await signedIn(app, w.staff.email, '10.9.1.1');
    const page = await staff.get('/grants/programmes/new');
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes(w.funder.name));
    const bad = await staff.post('/grants/programmes/new', { funder: w.funder.id, title: 'Spring round', purpose: 'Small grants', areas: 'Newcastle upon Tyne\nAtlantis', min: '500', max: '100', budget: '1000', 'opensOn-day': '1', 'opensOn-month': '13', 'opensOn-year': '2026', criteria: 'Need' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Line 2: no local authority is called “Atlantis”/);
    assert.match(bad.body, /The largest grant must be at least the smallest/);
    assert.match(bad.body, /The date it opens must be a real date/);
    assert.match(bad.body, /weight must be a whole number/);
    assert.match(bad.body, /Choose who can apply/);
    const d = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    const fields = {
      funder: w.funder.id, title: 'Spring round', purpose: 'Small grants', areas: 'newcastle upon tyne', recipientTypes: 'unregistered-group', min: '500', max: '1,000', budget: '5000',
      'opensOn-day': d(0).slice(8, 10), 'opensOn-month': d(0).slice(5, 7), 'opensOn-year': d(0).slice(0, 4), 'closesOn-day': d(30).slice(8, 10), 'closesOn-month': d(30).slice(5, 7), 'closesOn-year': d(30).slice(0, 4),
      questions: 'text: What will you do?\nchoice: Is it new? | Yes | No\npostcode: Where?\nfile: Your accounts', criteria: '3: Need\n1: Plan', panelChair: w.chair.user.id,
    };
    const count = async () => Number((await ctx.db.selectFrom('grants_programmes').select((e) => e.fn.countAll().as('n')).where('organisation_id', '=', w.funder.id).executeTakeFirstOrThrow()).n);
    const before = await count();
    // First the check page: everything as it will be published, a Change button a row; nothing is opened yet.
    const check = await staff.post('/grants/programmes/new', fields);
    assert.equal(check.statusCode, 200, check.body.slice(0, 300));
    assert.match(check.body, /Check the programme before you open it/);
    for (const text of ['Spring round', 'Newcastle upon Tyne', 'Unregistered groups', '£500 to £1,000', '£5,000', 'Choice: Is it new? (Yes, No)', 'File: Your accounts', 'Need (weight 3)', w.chair.user.name]) assert.ok(check.body.includes(text.replace(/'/g, '&#39;')), text);
    assert.match(check.body, /name="change" value="title" formaction="\/grants\/programmes\/new#title">Change<span class="govuk-visually-hidden"> name of the programme/);
    assert.equal(await count(), before, 'nothing is opened before it is checked');
    // Change brings the form back, filled in.
    const changing = await staff.post('/grants/programmes/new', { ...fields, change: 'title' });
    assert.equal(changing.statusCode, 200);
    assert.match(changing.body, /<h1 class="govuk-heading-l">Open a grant programme<\/h1>/);
    assert.match(changing.body, /value="Spring round"/);
    assert.equal(await count(), before);
    // The check page carries every field: its form, sent as it is, opens the programme.
    const carried = Object.fromEntries([...check.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].filter((m) => m[1] !== '_csrf').map((m) => [m[1]!, m[2]!.replace(/&#(\d+);/g, (_x, n) => String.fromCharCode(Number(n)))]));
    assert.equal(carried.questions, fields.questions, 'line breaks are carried');
    const good = await staff.post('/grants/programmes/new', { ...carried, confirm: 'yes' });
    assert.equal(good.statusCode, 303, good.body.slice(0, 300));
    assert.equal(await count(), before + 1);
    const id = (good.headers.location as string).split('/')[3]!;
    const p = await app.inject({ method: 'GET', url: `/api/v1/grants/programmes/${id}` });
    assert.deepEqual(p.json().areas.map((a: { code: string }) => a.code), ['E08000021']);
    assert.equal(p.json().questions[1].choices.length, 2);
    assert.equal(p.json().budgetPence, 500_000);
    const outsider = await signedIn(app, w.outsider.email, '10.9.1.2');
    assert.equal((await outsider.get('/grants/programmes/new')).statusCode, 403);
  });


  it('takes an applicant, a funder, an assessor and a panel chair through a round; the public sees the award only', async () => {
    const { app, ctx } = t();
    const w = await programmeWorld(ctx);
    const list = await app.inject({ method: 'GET', url: '/grants/programmes' });
    assert.equal(list.statusCode, 200);
    assert.ok(list.body.includes(w.programme.title));
    const page = await app.inject({ method: 'GET', url: `/grants/programmes/${w.programme.id}` });
    assert.match(page.body, /Newcastle upon Tyne/);
    assert.match(page.body, /Unregistered groups with a bank account and two unrelated signatories/);
    const feed = await app.inject({ method: 'GET', url: '/grants/programmes.atom' });
    assert.match(feed.headers['content-type'] as string, /atom/);
    assert.ok(feed.body.includes(w.programme.title));

    const applicant = await signedIn(app, w.applicant.email, '10.9.0.1');
    const form = await applicant.get(`/grants/programmes/${w.programme.id}/apply`);
    assert.equal(form.statusCode, 200);
    assert.ok(form.body.includes(w.charity.name));
    // An unregistered group without two signatories: each field named.
    const bad = await applicant.post(`/grants/programmes/${w.programme.id}/applications`, { organisation: 'group', groupName: 'Street Friends', signatory1: 'Ann Lee' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /two different signatories/);
    assert.match(bad.body, /bank account in its own name/);
    const started = await applicant.post(`/grants/programmes/${w.programme.id}/applications`, { organisation: w.charity.id });
    assert.equal(started.statusCode, 303);
    const appUrl = started.headers.location as string;
    const id = appUrl.split('/').pop()!;
    const [what, isNew, budget] = w.programme.questions;
    // Save and return: a wrong amount is named and nothing is saved.
    const wrong = await applicant.post(appUrl, { title: 'Friday lunches', amount: '99999', postcode: 'NE1 1AA', action: 'save' });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /Ask for between £1,000 and £5,000/);
    const saved = await applicant.post(appUrl, {
      title: 'Friday lunches', amount: '3,000', postcode: 'ne1 1aa', action: 'save', [`a_${what!.key}`]: 'Hot lunches for 40 neighbours', [`a_${isNew!.key}`]: 'Yes',
      [`a_${budget!.key}_item_0`]: 'Food', [`a_${budget!.key}_amount_0`]: '2000', e_ledBy: 'Yes',
    });
    assert.equal(saved.statusCode, 303);
    assert.match(saved.headers.location as string, /notice=saved/);
    const back = await applicant.get(appUrl);
    assert.ok(back.body.includes('Hot lunches for 40 neighbours'), 'the answers are there on return');
    const check = await applicant.get(`${appUrl}/check`);
    assert.match(check.body, /Check your answers before sending your application/);
    assert.match(check.body, /£3,000/);
    const sent = await applicant.post(`${appUrl}/submit`, {});
    assert.equal(sent.statusCode, 200);
    assert.match(sent.body, /Application sent/);
    assert.ok((await listOutbox(ctx.db, { to: w.applicant.email })).some((m) => m.kind === 'grants.application-receipt'));

    // Nothing of the application is public, nor open to an outsider.
    assert.ok([303, 401].includes((await app.inject({ method: 'GET', url: appUrl })).statusCode));
    const outsider = await signedIn(app, w.outsider.email, '10.9.0.2');
    assert.equal((await outsider.get(appUrl)).statusCode, 404);
    assert.equal((await outsider.get(`${appUrl}/assess`)).statusCode, 404);

    const staff = await signedIn(app, w.staff.email, '10.9.0.3');
    const inbox = await staff.get('/inbox');
    assert.match(inbox.body, /Grant applications to screen/);
    assert.equal((await staff.post(`${appUrl}/screen`, { eligible: 'yes' })).statusCode, 303);

    const conflicted = await signedIn(app, w.assessorA.email, '10.9.0.4');
    assert.match((await conflicted.get('/inbox')).body, /Friday lunches/);
    const assessPage = await conflicted.get(`${appUrl}/assess`);
    assert.ok(!assessPage.body.includes('ledBy') && !assessPage.body.includes('led by the people'), 'no equality answers for assessors');
    assert.equal((await conflicted.post(`${appUrl}/assess`, { action: 'conflict', conflictReason: 'I volunteer there' })).statusCode, 303);
    const [need, plan] = w.programme.criteria;
    const refused = await conflicted.post(`${appUrl}/assess`, { action: 'score', [`s_${need!.key}`]: '5', [`s_${plan!.key}`]: '5', recommendation: 'yes' });
    assert.equal(refused.statusCode, 403);

    const assessor = await signedIn(app, w.assessorB.email, '10.9.0.5');
    assert.equal((await assessor.get(`${appUrl}/assess`)).statusCode, 200);
    const missing = await assessor.post(`${appUrl}/assess`, { action: 'score', [`s_${need!.key}`]: '4', recommendation: '' });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /Score “A clear plan” from 0 to 5/);
    assert.equal((await assessor.post(`${appUrl}/assess`, { action: 'score', [`s_${need!.key}`]: '4', [`s_${plan!.key}`]: '3', [`c_${need!.key}`]: 'Clear need', recommendation: 'yes' })).statusCode, 303);

    const chair = await signedIn(app, w.chair.email, '10.9.0.6');
    assert.match((await chair.get('/inbox')).body, /Grant applications for the panel to decide/);
    const decide = await chair.get(`${appUrl}/decide`);
    assert.match(decide.body, /conflict of interest declared/);
    const over = await chair.post(`${appUrl}/decide`, { decision: 'award', amount: '9000', reasons: 'Good' });
    assert.equal(over.statusCode, 400);
    assert.match(over.body, /The largest grant of this programme is £5,000/);
    const made = await chair.post(`${appUrl}/decide`, { decision: 'award', amount: '2500', reasons: 'Strong need in Byker', feedback: 'Count who comes', instalments: '2', months: '12' });
    assert.equal(made.statusCode, 303);
    const awardUrl = made.headers.location as string;
    const twice = await chair.post(`${appUrl}/decide`, { decision: 'decline', reasons: 'Again' });
    assert.equal(twice.statusCode, 409);

    const award = await app.inject({ method: 'GET', url: awardUrl });
    assert.equal(award.statusCode, 200);
    assert.match(award.body, /£2,500\.00 to /);
    assert.match(award.body, /360G-commonweal-/);
    const after = await app.inject({ method: 'GET', url: `/grants/programmes/${w.programme.id}` });
    assert.match(after.body, /Strong need in Byker/);
    const api = await app.inject({ method: 'GET', url: `/api/v1/grants/programmes/${w.programme.id}/decisions` });
    assert.equal(api.json().awards[0].amountPence, 250_000);
    assert.ok(!api.body.includes('Hot lunches'), 'no answers in the public API');
    const apiProgramme = await app.inject({ method: 'GET', url: `/api/v1/grants/programmes/${w.programme.id}` });
    assert.equal(apiProgramme.json().leftPence, 800_000 - 250_000);
    const search = await app.inject({ method: 'GET', url: `/api/v1/grants/programmes?la=E08000021&open=true` });
    assert.ok(search.json().programmes.some((p: { id: string }) => p.id === w.programme.id));
    // After the award: the recipient sends its first report from the award's page, the funder records a payment.
    const recipientView = await applicant.get(awardUrl);
    assert.match(recipientView.body, /Send report 1/);
    const emptyReport = await applicant.post(`${awardUrl}/reports/1`, { text: '' });
    assert.equal(emptyReport.statusCode, 400);
    assert.equal((await applicant.post(`${awardUrl}/reports/1`, { text: 'Forty neighbours came each Friday.' })).statusCode, 303);
    assert.equal((await applicant.post(`${awardUrl}/payments/1`, { paidOn: '' })).statusCode, 403, 'the recipient does not record payments');
    const managing = await staff.get(awardUrl);
    assert.match(managing.body, /name="paidOn-day"/, 'the date paid is the three-box date input');
    const badDay = await staff.post(`${awardUrl}/payments/1`, { 'paidOn-day': '31', 'paidOn-month': '2', 'paidOn-year': '2026' });
    assert.equal(badDay.statusCode, 400);
    assert.match(badDay.body, /The date paid must be a real date/);
    const yesterday = new Date(Date.now() - 86_400_000);
    const paid = await staff.post(`${awardUrl}/payments/1`, { 'paidOn-day': String(yesterday.getUTCDate()), 'paidOn-month': String(yesterday.getUTCMonth() + 1), 'paidOn-year': String(yesterday.getUTCFullYear()) });
    assert.equal(paid.statusCode, 303, paid.body);
    const closing = await staff.post(`${awardUrl}/close`, {});
    assert.equal(closing.statusCode, 422);
    assert.match(closing.body, /not paid yet/);
    const publicAward = await app.inject({ method: 'GET', url: awardUrl });
    assert.ok(!publicAward.body.includes('Forty neighbours'), 'report texts are not public');
    assert.match(publicAward.body, /Paid so far/);
    void id;
  });
});
