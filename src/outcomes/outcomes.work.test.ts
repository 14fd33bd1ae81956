// Work finds its people, in outcomes: the independent validator is emailed when a provider claims an outcome,
// follows the link, accepts the claim, and it leaves their inbox; nobody in the provider hears of it. And a
// commissioner opens an outcomes contract in the pages (no longer only from the CLI); others are refused.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { addMember } from '../organisations/organisations.service.ts';
import { emailsOf, inboxOf, jobLink, onlyEmail, signInAs } from '../platform/inbox.test-support.ts';
import * as service from './outcomes.service.ts';
import { contractWithRateCard, parties } from './outcomes.test-support.ts';
import { validateKind } from './outcomes.work.ts';

eachEngine('outcomes work in the inbox', (t) => {
  it('walks a validator from the claim email to the accepted claim, which then leaves the inbox', async () => {
    const { app, ctx } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p);
    // Someone who is both in the provider and an evaluator of the validator is never asked to validate.
    await addMember(ctx.db, cliActor, p.validator.id, { email: p.providerFinance.email, role: 'evaluator' });

    const provider = await signInAs(app, p.providerStaff.user.email);
    await provider.get(`/outcomes/contracts/${contract.id}`);
    const claimed = await provider.post(`/outcomes/contracts/${contract.id}/claims`, { metric: 'O1', participantRef: 'P-0042', achievedOn: '2026-01-15', evidence: 'Landlord letter of 15 January' });
    assert.equal(claimed.statusCode, 303, claimed.body.slice(0, 400));

    const email = await onlyEmail(ctx, p.evaluator.email, validateKind);
    assert.match(email.body_text, /outcome O1 for participant P-0042/);
    assert.equal((await emailsOf(ctx, p.providerFinance.email, validateKind)).length, 0, 'the provider’s own people are not asked');
    assert.equal((await emailsOf(ctx, p.councilEvaluator.email, validateKind)).length, 0, 'O1 names its own validator');
    assert.equal((await emailsOf(ctx, p.providerStaff.email, validateKind)).length, 0);
    const validator = await signInAs(app, p.evaluator.email);
    assert.deepEqual((await inboxOf(validator))[validateKind], ['Validate the claim for O1, participant P-0042']);
    assert.equal((await inboxOf(await signInAs(app, p.providerFinance.email)))[validateKind], undefined);

    const link = jobLink(ctx, email);
    assert.equal(link, `/outcomes/contracts/${contract.id}/claims?status=claimed`);
    const page = await validator.get(link);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /P-0042/);
    const claim = (await service.listClaims(ctx.db, p.evaluator.actor, contract.id))[0]!;
    const decided = await validator.post(`/outcomes/contracts/${contract.id}/claims/${claim.id}/decision`, { decision: 'accept', reason: '' });
    assert.equal(decided.statusCode, 303, decided.body.slice(0, 400));
    assert.equal((await service.listClaims(ctx.db, p.evaluator.actor, contract.id))[0]!.status, 'accepted');
    assert.equal((await inboxOf(validator))[validateKind], undefined);
  });

  it('lets a commissioner open an outcomes contract from a page, with errors beside the fields; others get 403', async () => {
    const { app, ctx } = t();
    const p = await parties(ctx);
    const outsider = await signInAs(app, p.outsider.email);
    assert.equal((await outsider.get('/outcomes/contracts/new')).statusCode, 403);
    const provider = await signInAs(app, p.providerStaff.user.email);
    assert.equal((await provider.get('/outcomes/contracts/new')).statusCode, 403);
    const forged = await provider.post('/outcomes/contracts/new', { organisation: p.council.id, provider: p.provider.id, title: 'Forged', startDate: '2027-04-01', endDate: '2028-03-31', capPounds: '1000' });
    assert.equal(forged.statusCode, 403);
    assert.equal((await service.listContracts(ctx.db, { organisationId: p.council.id })).length, 0);

    const commissioner = await signInAs(app, p.commissioner.email);
    const form = await commissioner.get('/outcomes/contracts/new');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, new RegExp(p.council.name));
    const bad = await commissioner.post('/outcomes/contracts/new', { organisation: p.council.id, provider: p.provider.slug, title: 'Housing first', startDate: '2027-04-01', endDate: '2026-03-31', capPounds: 'a lot', personCapPounds: '' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /<title>Error: /);
    assert.match(bad.body, /href="#endDate"/);
    assert.match(bad.body, /href="#capPounds"/);
    const made = await commissioner.post('/outcomes/contracts/new', { organisation: p.council.id, provider: p.provider.slug, title: 'Housing first', description: 'Tenancies sustained', startDate: '2027-04-01', endDate: '2030-03-31', capPounds: '250,000', personCapPounds: '12,500.50' });
    assert.equal(made.statusCode, 303, made.body.slice(0, 400));
    const [c] = await service.listContracts(ctx.db, { organisationId: p.council.id });
    assert.deepEqual([c!.title, c!.providerOrganisationId, c!.capPence, c!.personCapPence], ['Housing first', p.provider.id, 25_000_000, 1_250_050]);
    assert.equal(made.headers.location, `/outcomes/contracts/${c!.id}?notice=created`);
    assert.match((await commissioner.get(made.headers.location as string)).body, /The outcomes contract is open/);
    const audit = await ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'outcomes.contract.created').where('entity_id', '=', c!.id).execute();
    assert.equal(audit.length, 1);
  });
});
