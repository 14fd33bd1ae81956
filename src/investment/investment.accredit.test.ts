// The site administrator's accreditation pages: a CDFI chosen by name (a choice when several share it), the
// period in three-box dates, the limit by default 125% of the application, a check-your-answers page that
// records nothing, then the CDFI's page showing what was recorded; errors name their fields; no one else may.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eachEngine, signedInAgent as signedIn } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { setAdministrator } from '../platform/auth/auth.service.ts';
import type { App } from '../platform/module.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';
import { person } from './investment.test-support.ts';
import * as service from './investment.service.ts';

const cdfiCount = async (db: Parameters<typeof service.listCdfis>[0]) => (await service.listCdfis(db)).length;

eachEngine('investment accreditation pages', (t) => {
  it('records a CDFI’s accreditation by name through a check page, and the CDFI’s page shows it', async () => {
    const { app, ctx } = t();
    const tag = randomBytes(3).toString('hex');
    const org = await createOrganisation(ctx.db, cliActor, { name: `Accredited Finance ${tag}`, legalForm: 'community-benefit-society' });
    const admin = await person(ctx, 'site-admin');
    await setAdministrator(ctx.db, cliActor, admin.email, true);
    const agent = await signedIn(app, admin.email, '10.9.1.1');

    const index = await agent.get('/investment');
    assert.match(index.body, /href="\/investment\/accreditation"/, 'the index offers administrators the page');
    const form = await agent.get('/investment/accreditation');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /name="accreditedFrom-day"/);
    assert.equal((form.body.match(/<h1/g) ?? []).length, 1);

    // Everything wrong at once: each field named in the error summary.
    const before = await cdfiCount(ctx.db);
    const bad = await agent.post('/investment/accreditation/check', { organisation: `No Such Finance ${tag}`, 'accreditedFrom-day': '31', 'accreditedFrom-month': '2', 'accreditedFrom-year': '2026', application: 'lots' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /govuk-error-summary/);
    assert.match(bad.body, /href="#organisation"[^>]*>No organisation is registered as/);
    assert.match(bad.body, /href="#accreditedFrom"[^>]*>The first day of accreditation must be a real date/);
    assert.match(bad.body, /href="#application"[^>]*>The CITR funding the application named must be an amount in pounds/);
    assert.match(bad.body, /value="31"/, 'what was typed is kept');

    // Right: the check page shows the defaults worked out, and records nothing yet.
    const check = await agent.post('/investment/accreditation/check', { organisation: org.name, 'accreditedFrom-day': '1', 'accreditedFrom-month': '4', 'accreditedFrom-year': '2026', 'accreditedTo-day': '', 'accreditedTo-month': '', 'accreditedTo-year': '', application: '400,000', limit: '' });
    assert.equal(check.statusCode, 200, check.body);
    assert.match(check.body, /Check the accreditation before you record it/);
    assert.match(check.body, /31 March 2029 \(three years from the first day\)/);
    assert.match(check.body, /£500,000(\.00)? \(125% of the application\)/);
    assert.equal(await cdfiCount(ctx.db), before, 'the check page records nothing');
    const hidden = Object.fromEntries([...check.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].filter((m) => m[1] !== '_csrf' && m[1] !== 'change').map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
    assert.equal(hidden.choice, org.id);

    // Change brings the form back filled in, dates in their three boxes.
    const change = await agent.post('/investment/accreditation/check', { ...hidden, change: 'yes' });
    assert.equal(change.statusCode, 200);
    assert.match(change.body, /id="accreditedFrom-year"[^>]*value="2026"/);
    assert.match(change.body, /value="400000.00"/);

    const saved = await agent.post('/investment/accreditation', hidden);
    assert.equal(saved.statusCode, 303, saved.body);
    assert.equal(saved.headers.location, `/investment/cdfis/${org.id}?notice=accredited`);
    const page = await agent.get(String(saved.headers.location));
    assert.match(page.body, /The accreditation is recorded/);
    assert.match(page.body, /1 April 2026 to 31 March 2029/);
    assert.match(page.body, /£500,000/);
    const cdfi = await service.getCdfi(ctx.db, org.id);
    assert.deepEqual({ from: cdfi.accreditedFrom, to: cdfi.accreditedTo, application: cdfi.applicationPence, limit: cdfi.certificateLimitPence }, { from: '2026-04-01', to: '2029-03-31', application: 40_000_000, limit: 50_000_000 });

    // Renewing from the CDFI's page: the form is filled in with what is recorded, and a higher limit is kept.
    assert.match(page.body, new RegExp(`href="/investment/accreditation\\?cdfi=${org.id}"`));
    const renew = await agent.get(`/investment/accreditation?cdfi=${org.id}`);
    assert.match(renew.body, /Renew the accreditation of/);
    assert.match(renew.body, /value="500000.00"/);
    const recheck = await agent.post('/investment/accreditation/check', { organisation: org.name, choice: org.id, 'accreditedFrom-day': '1', 'accreditedFrom-month': '4', 'accreditedFrom-year': '2029', application: '400000', limit: '750000' });
    assert.match(recheck.body, /This replaces the accreditation recorded now/);
    const rehidden = Object.fromEntries([...recheck.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].filter((m) => m[1] !== '_csrf' && m[1] !== 'change').map((m) => [m[1]!, m[2]!]));
    assert.equal((await agent.post('/investment/accreditation', rehidden)).statusCode, 303);
    assert.equal((await service.getCdfi(ctx.db, org.id)).certificateLimitPence, 75_000_000);
    assert.equal((await service.getCdfi(ctx.db, org.id)).accreditedTo, '2032-03-31');
  });

  it('offers a choice when several organisations share the name, and refuses anyone but a site administrator', async () => {
    const { app, ctx } = t();
    const tag = randomBytes(3).toString('hex');
    const name = `Twin Finance ${tag}`;
    const a = await createOrganisation(ctx.db, cliActor, { name, legalForm: 'community-benefit-society' });
    const b = await createOrganisation(ctx.db, cliActor, { name, legalForm: 'charitable-company' });
    const admin = await person(ctx, 'site-admin-two');
    await setAdministrator(ctx.db, cliActor, admin.email, true);
    const agent = await signedIn(app, admin.email, '10.9.1.2');
    await agent.get('/investment/accreditation');
    const fields = { organisation: name, 'accreditedFrom-day': '1', 'accreditedFrom-month': '4', 'accreditedFrom-year': '2026', application: '1000' };
    const ambiguous = await agent.post('/investment/accreditation/check', fields);
    assert.equal(ambiguous.statusCode, 400);
    assert.match(ambiguous.body, /href="#choice"[^>]*>2 registered organisations match/);
    assert.match(ambiguous.body, new RegExp(`value="${a.id}"`));
    assert.match(ambiguous.body, new RegExp(`value="${b.id}"`));
    const picked = await agent.post('/investment/accreditation/check', { ...fields, choice: b.id });
    assert.equal(picked.statusCode, 200, picked.body);
    assert.match(picked.body, new RegExp(`name="choice" value="${b.id}"`));
    // Straight to the record with a choice the name does not match: refused, nothing recorded.
    const other = await createOrganisation(ctx.db, cliActor, { name: `Unrelated ${tag}`, legalForm: 'community-benefit-society' });
    const mismatch = await agent.post('/investment/accreditation', { ...fields, choice: other.id, accreditedFrom: '2026-04-01' });
    assert.equal(mismatch.statusCode, 400);
    await assert.rejects(service.getCdfi(ctx.db, other.id));

    // A signed-in person who is not a site administrator, and an anonymous one.
    const someone = await person(ctx, 'not-admin');
    const plain = await signedIn(app, someone.email, '10.9.1.3');
    assert.equal((await plain.get('/investment/accreditation')).statusCode, 403);
    assert.equal((await plain.post('/investment/accreditation', { ...fields, choice: a.id, accreditedFrom: '2026-04-01' })).statusCode, 403);
    assert.doesNotMatch((await plain.get('/investment')).body, /href="\/investment\/accreditation"/);
    const anonymous = await app.inject({ method: 'GET', url: '/investment/accreditation' });
    assert.ok([303, 401].includes(anonymous.statusCode));
    await assert.rejects(service.getCdfi(ctx.db, a.id));
  });
});
