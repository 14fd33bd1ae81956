// Issues 14 and 16 in outcomes: the provider is chosen by its registered name (a choice when several match,
// the verified first, the others tagged), every date is a GOV.UK date input, and the contract's parties are
// named with their identifiers and a "Not verified" tag.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, signedInAgent as signedIn, TestAgent } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';
import { parties } from './outcomes.test-support.ts';
import * as service from './outcomes.service.ts';

eachEngine('outcomes: providers by name, date inputs, who is verified', (t) => {
  it('opens a contract with the provider chosen by name and dates in day, month and year; wrong input changes nothing', async () => {
    const { app, ctx } = t();
    const p = await parties(ctx);
    const real = await createOrganisation(ctx.db, cliActor, { name: 'Shieldfield Recovery Trust', legalForm: 'charitable-company', identifiers: ['GB-CHC-1188003'], verified: true });
    const fake = await createOrganisation(ctx.db, cliActor, { name: 'Shieldfield Recovery Trust', legalForm: 'community-group' });
    const agent = await signedIn(app, p.commissioner.email, '10.32.0.1');
    const blank = await agent.get('/outcomes/contracts/new');
    assert.equal(blank.statusCode, 200);
    assert.match(blank.body, /Provider’s registered name/);
    assert.doesNotMatch(blank.body, /org-id identifier|last part of its address/, 'nobody is asked for an identifier or an address');
    for (const f of ['startDate', 'endDate']) for (const part of ['day', 'month', 'year']) assert.match(blank.body, new RegExp(`name="${f}-${part}"`));

    const form = {
      organisation: p.council.id, provider: 'Shieldfield Recovery Trust', title: 'Recovery outcomes', capPounds: '50000',
      'startDate-day': '1', 'startDate-month': '4', 'startDate-year': '2027', 'endDate-day': '31', 'endDate-month': '3', 'endDate-year': '2029',
    };
    const before = (await service.listContracts(ctx.db)).length;
    const ambiguous = await agent.post('/outcomes/contracts/new', form);
    assert.equal(ambiguous.statusCode, 400);
    assert.equal((ambiguous.body.match(/<div class="govuk-error-summary"/g) ?? []).length, 1);
    assert.match(ambiguous.body, /Several organisations match “Shieldfield Recovery Trust”: choose one/);
    const radios = ambiguous.body.slice(ambiguous.body.indexOf('Which organisation is the provider?'));
    assert.ok(radios.indexOf(`value="${real.id}"`) > 0 && radios.indexOf(`value="${real.id}"`) < radios.indexOf(`value="${fake.id}"`), 'the verified first');
    assert.match(radios.slice(radios.indexOf(`value="${real.id}"`), radios.indexOf(`value="${fake.id}"`)), /\(GB-CHC-1188003\)/);
    assert.match(radios.slice(radios.indexOf(`value="${fake.id}"`), radios.indexOf(`value="${fake.id}"`) + 500), /Not verified/);
    assert.match(ambiguous.body, /name="startDate-day"[^>]*value="1"|value="1"[^>]*name="startDate-day"/, 'what was typed is kept');

    const badDate = await agent.post('/outcomes/contracts/new', { ...form, providerChoice: real.id, 'endDate-day': '31', 'endDate-month': '2', 'endDate-year': '2029' });
    assert.equal(badDate.statusCode, 400);
    assert.match(badDate.body, /must be a real date/);
    const unknown = await agent.post('/outcomes/contracts/new', { ...form, provider: 'Nobody Of This Name' });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.body, /No organisation is registered as “Nobody Of This Name”/);
    assert.equal((await service.listContracts(ctx.db)).length, before, 'nothing written');

    const done = await agent.post('/outcomes/contracts/new', { ...form, providerChoice: real.id });
    assert.equal(done.statusCode, 303, done.body);
    const contract = (await service.listContracts(ctx.db)).find((c) => c.title === 'Recovery outcomes')!;
    assert.equal(contract.providerOrganisationId, real.id);
    assert.equal(contract.startDate, '2027-04-01');
    assert.equal(contract.endDate, '2029-03-31');
    const page = await agent.get(`/outcomes/contracts/${contract.id}`);
    assert.match(page.body, /Shieldfield Recovery Trust<\/a> <span class="cw-org-identifier">\(GB-CHC-1188003\)<\/span>/);
    // On the public list: the verified provider with its identifier; an unverified provider tagged.
    await service.createContract(ctx.db, p.commissioner.actor, { organisation: p.council.id, provider: p.provider.id, title: 'Unverified provider contract', startDate: '2027-04-01', endDate: '2028-03-31', capPence: 100_000 });
    const list = await new TestAgent(app, '10.32.0.2').get('/outcomes');
    const rowOf = (title: string) => { const at = list.body.indexOf(title); assert.ok(at > 0, title); return list.body.slice(at, list.body.indexOf('</tr>', at)); };
    assert.match(rowOf('Recovery outcomes'), /\(GB-CHC-1188003\)/);
    assert.doesNotMatch(rowOf('Recovery outcomes'), /Not verified/);
    assert.match(rowOf('Unverified provider contract'), /Not verified/);
  });
});
