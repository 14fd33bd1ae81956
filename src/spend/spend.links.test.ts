import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent, userWithToken } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { addMember, createOrganisation, getOrganisation } from '../organisations/organisations.service.ts';
import { importSpendFile } from './spend.import.ts';
import { getSupplier } from './spend.service.ts';
import { confirmSupplierLink, supplierSuggestions, undoSupplierLink } from './spend.links.ts';
import { isIndividualPayee, nameMatchKey, suggestMatch, type MatchCandidate } from './spend.suppliers.ts';

describe('careful supplier name matching', () => {
  const registry = (orgs: MatchCandidate[]) => {
    const m = new Map<string, MatchCandidate[]>();
    for (const o of orgs) m.set(nameMatchKey(o.name)!, [...(m.get(nameMatchKey(o.name)!) ?? []), o]);
    return m;
  };
  const tyne = { id: 't', name: 'Tyne Builders Ltd', identifiers: ['GB-COH-01234567'] };

  it('reads private individuals as individuals, and organisations as organisations', () => {
    for (const name of ['Mr J Smith', 'SMITH, J', 'Smith, Mrs A', 'J. Smith', 'J A Smith', 'Smith J', 'Dr A Patel']) assert.ok(isIndividualPayee(name), name);
    for (const name of ['Age UK', 'Tyne Builders Ltd', 'BT Group plc', 'Disability North', 'Newcastle City Council', 'A1 Taxis']) assert.ok(!isIndividualPayee(name), name);
  });

  it('suggests the one organisation with the same name, legal form aside', () => {
    const r = registry([tyne, { id: 'd', name: 'Disability North', identifiers: [] }]);
    assert.equal(suggestMatch({ name: 'TYNE BUILDERS LIMITED', companyNumber: null, charityNumber: null }, r)?.organisation.id, 't');
    assert.match(suggestMatch({ name: 'Tyne Builders', companyNumber: null, charityNumber: null }, r)!.reason, /legal form is set aside/);
    assert.equal(suggestMatch({ name: 'The Disability North', companyNumber: null, charityNumber: null }, r)?.organisation.id, 'd');
    assert.equal(suggestMatch({ name: 'Tyne Builders (North) Ltd', companyNumber: null, charityNumber: null }, r), null, 'a different name');
  });

  it('suggests nothing when two organisations share the name, the numbers disagree, or the payee is a person or redacted', () => {
    const r = registry([tyne, { id: 'x', name: 'Riverside Care Ltd', identifiers: [] }, { id: 'y', name: 'Riverside Care CIC', identifiers: [] }]);
    assert.equal(suggestMatch({ name: 'Riverside Care', companyNumber: null, charityNumber: null }, r), null);
    assert.equal(suggestMatch({ name: 'Tyne Builders Ltd', companyNumber: '7654321', charityNumber: null }, r), null);
    const person = registry([{ id: 'p', name: 'J Smith', identifiers: [] }]);
    assert.equal(suggestMatch({ name: 'J SMITH', companyNumber: null, charityNumber: null }, person), null);
    assert.equal(suggestMatch({ name: 'Redacted - personal data', companyNumber: null, charityNumber: null }, registry([{ id: 'r', name: 'Redacted Personal Data Ltd', identifiers: [] }])), null);
  });
});

eachEngine('spend supplier links', (t) => {
  it('suggests a name match at import; only a site administrator confirms or undoes it, each audited; an undone match stays undone', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    const sunderland = await getOrganisation(ctx.db, 'GB-LAE-SND');
    await createOrganisation(ctx.db, cliActor, { name: 'Wearside Lifts Ltd', legalForm: 'company-limited-by-shares', identifiers: [] });
    const file = 'Date,Supplier Name,Net Amount\n01/05/2021,WEARSIDE LIFTS LIMITED,1200.00\n02/05/2021,Mr J Smith,800.00\n03/05/2021,SMITH J,700.00\n';
    await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-SND', source: { bytes: Buffer.from(file) } });
    const before = await getSupplier(ctx.db, 'wearside-lifts-ltd');
    assert.equal(before.organisation, null, 'a name alone never links by itself');
    assert.equal(before.suggestion?.name, 'Wearside Lifts Ltd');
    assert.ok((await supplierSuggestions(ctx.db)).some((s) => s.slug === 'wearside-lifts-ltd'));
    assert.equal((await getSupplier(ctx.db, 'mr-j-smith')).suggestion, null);
    assert.equal((await getSupplier(ctx.db, 'mr-j-smith')).linkable, false);

    // The publisher's own finance officer may not decide what a shared supplier is.
    const finance = await userWithToken(ctx.db, 'finance@sunderland.example');
    await addMember(ctx.db, cliActor, sunderland.id, { email: 'finance@sunderland.example', role: 'finance' });
    const refused = await app.inject({ method: 'PUT', url: '/api/v1/spend/suppliers/wearside-lifts-ltd/link', headers: finance.auth, payload: {} });
    assert.equal(refused.statusCode, 403);
    await assert.rejects(confirmSupplierLink(ctx.db, { userId: finance.user.id, tokenId: null, isAdmin: false, via: 'token' }, 'wearside-lifts-ltd'),
      (e: unknown) => isAppError(e) && e.code === 'forbidden');

    // A site administrator confirms through the page.
    await registerUser(ctx.db, cliActor, { email: 'admin@links.example', name: 'Admin', password: 'a long enough password', isAdmin: true });
    const admin = new TestAgent(app, '10.4.0.1');
    await admin.get('/sign-in');
    await admin.post('/sign-in', { email: 'admin@links.example', password: 'a long enough password' });
    const page = await admin.get('/spend/suppliers/wearside-lifts-ltd');
    assert.match(page.body, /Confirm the match/);
    const confirmed = await admin.post('/spend/suppliers/wearside-lifts-ltd/link', {});
    assert.equal(confirmed.statusCode, 303, confirmed.body.slice(0, 400));
    const linked = await getSupplier(ctx.db, 'wearside-lifts-ltd');
    assert.equal(linked.organisation?.name, 'Wearside Lifts Ltd');
    assert.equal(linked.organisation?.method, 'confirmed');
    assert.equal(linked.suggestion, null);

    const undone = await admin.post('/spend/suppliers/wearside-lifts-ltd/unlink', {});
    assert.equal(undone.statusCode, 303);
    assert.equal((await getSupplier(ctx.db, 'wearside-lifts-ltd')).organisation, null);
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'spend.supplier.%').orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['spend.supplier.linked', 'spend.supplier.unlinked']);

    // A later file paying the same supplier does not bring the undone match back.
    await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-SND', source: { bytes: Buffer.from('Date,Supplier Name,Net Amount\n01/06/2021,Wearside Lifts Ltd,99.00\n') } });
    const later = await getSupplier(ctx.db, 'wearside-lifts-ltd');
    assert.equal(later.organisation, null);
    assert.equal(later.suggestion, null);
    assert.equal(later.lines, 2);

    // Individuals and redactions are refused even by an administrator; a bad organisation is named.
    await assert.rejects(confirmSupplierLink(ctx.db, cliActor, 'mr-j-smith', 'GB-LAE-SND'), (e: unknown) => isAppError(e) && e.code === 'conflict');
    const wrong = await admin.post('/spend/suppliers/wearside-lifts-ltd/link', { organisation: 'GB-COH-99999999' });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /href="#organisation"/);
    // Linking another organisation by name clears the earlier refusal.
    assert.match(wrong.body, /No registered organisation is called “GB-COH-99999999”/);
    const supplierPage = await admin.get('/spend/suppliers/wearside-lifts-ltd');
    assert.match(supplierPage.body, /Its registered name/);
    assert.doesNotMatch(supplierPage.body, /org-id identifier/);
    // By name, with a choice when several registered organisations match.
    await createOrganisation(ctx.db, cliActor, { name: 'Wearside Lifts Maintenance CIC', legalForm: 'cic-guarantee' });
    const several = await admin.post('/spend/suppliers/wearside-lifts-ltd/link', { organisation: 'Wearside Lifts' });
    assert.equal(several.statusCode, 400);
    assert.match(several.body, /2 registered organisations match “Wearside Lifts”: choose one/);
    assert.match(several.body, /href="#choice"/);
    assert.match(several.body, /Paid by/, 'the page keeps its tables');
    const ltd = await ctx.db.selectFrom('organisations').select('id').where('slug', '=', 'wearside-lifts-ltd').executeTakeFirstOrThrow();
    assert.match(several.body, new RegExp(`value="${ltd.id}"`));
    const other = await admin.post('/spend/suppliers/wearside-lifts-ltd/link', { organisation: 'Wearside Lifts', choice: ltd.id });
    assert.equal(other.statusCode, 303);
    assert.equal((await getSupplier(ctx.db, 'wearside-lifts-ltd')).organisation?.slug, 'wearside-lifts-ltd');
    // One exact name links at once.
    await undoSupplierLink(ctx.db, cliActor, 'wearside-lifts-ltd');
    assert.equal((await admin.post('/spend/suppliers/wearside-lifts-ltd/link', { organisation: 'wearside lifts ltd' })).statusCode, 303);
    assert.equal((await getSupplier(ctx.db, 'wearside-lifts-ltd')).organisation?.slug, 'wearside-lifts-ltd');
  });

  it('does not re-link by company number an identifier link that was undone', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    await createOrganisation(ctx.db, cliActor, { name: 'Hebburn Paving Ltd', legalForm: 'company-limited-by-shares', identifiers: ['GB-COH-07654321'] });
    const header = 'Date,Supplier Name,Supplier Company Registration Number,Net Amount\n';
    await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-STY', source: { bytes: Buffer.from(`${header}01/05/2021,HEBBURN PAVING LTD,7654321,1200.00\n`) } });
    assert.equal((await getSupplier(ctx.db, 'hebburn-paving-ltd')).organisation?.method, 'identifier');
    await undoSupplierLink(ctx.db, cliActor, 'hebburn-paving-ltd');
    await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-STY', source: { bytes: Buffer.from(`${header}01/06/2021,HEBBURN PAVING LTD,7654321,50.00\n`) } });
    const s = await getSupplier(ctx.db, 'hebburn-paving-ltd');
    assert.equal(s.organisation, null);
    assert.equal(s.suggestion, null);
    await assert.rejects(undoSupplierLink(ctx.db, cliActor, 'hebburn-paving-ltd'), (e: unknown) => isAppError(e) && e.code === 'conflict');
    await assert.rejects(undoSupplierLink(ctx.db, cliActor, 'no-such-supplier'), (e: unknown) => isAppError(e) && e.code === 'not_found');
  });
});
