import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, signedInAgent as signedIn } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { addMember } from '../organisations/organisations.service.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import * as service from './outcomes.service.ts';
import * as agreements from './outcomes.agreements.ts';
import { demoContractTitle, seedOutcomes } from './outcomes.demo.ts';
import { contractWithRateCard, parties } from './outcomes.test-support.ts';

const password = 'a long enough password';

eachEngine('outcomes pages', (t) => {
  it('loads the invented demo once, and its pages say it is an example', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    assert.equal(await seedOutcomes(ctx), true);
    assert.equal(await seedOutcomes(ctx), false, 'seeding again changes nothing');
    const contract = (await service.listContracts(ctx.db)).find((c) => c.title === demoContractTitle)!;
    const ledger = await service.ledger(ctx.db, contract.id);
    assert.ok(ledger.paidPence > 0 && ledger.paidPence <= ledger.validatedPence && ledger.validatedPence <= ledger.capPence);
    const index = await app.inject({ method: 'GET', url: '/outcomes' });
    assert.equal(index.statusCode, 200);
    assert.match(index.body, /Example: Staying Well at Home/);
    assert.match(index.body, /Example: warm, dry homes/);
    assert.ok(!index.body.includes('Example Chairperson'), 'no personal names on the public list');
    const page = await app.inject({ method: 'GET', url: `/outcomes/contracts/${contract.id}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /INVENTED EXAMPLE/);
    assert.match(page.body, /Cap left/);
    assert.match(page.body, /Met/);
    assert.ok(!page.body.includes('SWH-0001'), 'participant references are for the parties only');
    const investors = await app.inject({ method: 'GET', url: `/outcomes/contracts/${contract.id}/investors` });
    assert.equal(investors.statusCode, 200);
    assert.match(investors.body, /<svg[^>]+role="img"/);
    assert.match(investors.body, /Example Social Investment Partners/);
    const indigo = await app.inject({ method: 'GET', url: `/outcomes/contracts/${contract.id}/indigo.json` });
    assert.equal(indigo.statusCode, 200);
    assert.equal(indigo.json().name.value, demoContractTitle);
    const agreement = (await agreements.listPublicAgreements(ctx.db)).find((a) => a.title.startsWith('Example: warm'))!;
    const ap = await app.inject({ method: 'GET', url: `/outcomes/agreements/${agreement.id}` });
    assert.equal(ap.statusCode, 200);
    assert.ok(!ap.body.includes('Example Chairperson') && !ap.body.includes('second team'), 'the public agreement page hides names and review notes');
    assert.match(ap.body, /Off track/);
  });

  it('runs a claim through the forms: provider claims, validator decides, finance pays, without JavaScript', async () => {
    const { app, ctx } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p);
    const staffEmail = `forms-staff-${Date.now()}@example.org`;
    await registerUser(ctx.db, cliActor, { email: staffEmail, name: 'Forms Staff', password });
    await addMember(ctx.db, cliActor, p.provider.id, { email: staffEmail, role: 'staff' });
    const evalEmail = `forms-eval-${Date.now()}@example.org`;
    await registerUser(ctx.db, cliActor, { email: evalEmail, name: 'Forms Evaluator', password });
    await addMember(ctx.db, cliActor, p.validator.id, { email: evalEmail, role: 'evaluator' });
    const payEmail = `forms-pay-${Date.now()}@example.org`;
    await registerUser(ctx.db, cliActor, { email: payEmail, name: 'Forms Finance', password });
    await addMember(ctx.db, cliActor, p.council.id, { email: payEmail, role: 'finance' });

    const staff = await signedIn(app, staffEmail, '10.8.0.1');
    const page = await staff.get(`/outcomes/contracts/${contract.id}`);
    assert.match(page.body, /Claim an outcome/);
    const bad = await staff.post(`/outcomes/contracts/${contract.id}/claims`, { metric: 'O1', participantRef: 'Jane Smith', achievedOn: '2025-13-01', evidence: '' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /<title>Error: /);
    assert.match(bad.body, /never a name/);
    const ok = await staff.post(`/outcomes/contracts/${contract.id}/claims`, { metric: 'O1', participantRef: 'F-001', achievedOn: '2025-06-01', evidence: 'Landlord letter <script>alert(1)</script>' });
    assert.equal(ok.statusCode, 303);
    const again = await staff.post(`/outcomes/contracts/${contract.id}/claims`, { metric: 'O1', participantRef: 'F-001', achievedOn: '2025-06-01', evidence: 'Again' });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /already been claimed/);
    const claim = (await service.listClaims(ctx.db, cliActor, contract.id))[0]!;

    const validator = await signedIn(app, evalEmail, '10.8.0.2');
    const vpage = await validator.get(`/outcomes/contracts/${contract.id}`);
    assert.ok(!vpage.body.includes('<script>alert(1)</script>'), 'evidence is escaped');
    assert.match(vpage.body, /&lt;script&gt;/);
    assert.match(vpage.body, /Accept<span/);
    const all = await validator.get(`/outcomes/contracts/${contract.id}/claims?status=claimed`);
    assert.equal(all.statusCode, 200);
    assert.match(all.body, /F-001 · O1/);
    assert.notEqual((await app.inject({ method: 'GET', url: `/outcomes/contracts/${contract.id}/claims` })).statusCode, 200, 'claims are not public');
    const noReason = await validator.post(`/outcomes/contracts/${contract.id}/claims/${claim.id}/decision`, { decision: 'reject', reason: '' });
    assert.equal(noReason.statusCode, 400);
    const accept = await validator.post(`/outcomes/contracts/${contract.id}/claims/${claim.id}/decision`, { decision: 'accept', reason: '' });
    assert.equal(accept.statusCode, 303);
    // The provider's staff cannot pay, and the page offers them no payment form.
    const staffPay = await staff.post(`/outcomes/contracts/${contract.id}/payments`, { claimIds: claim.id, paidOn: '2025-07-01' });
    assert.equal(staffPay.statusCode, 403);

    const finance = await signedIn(app, payEmail, '10.8.0.3');
    const fpage = await finance.get(`/outcomes/contracts/${contract.id}`);
    assert.match(fpage.body, /Record a payment/);
    const paid = await finance.post(`/outcomes/contracts/${contract.id}/payments`, { claimIds: claim.id, paidOn: '2025-07-01', reference: 'BACS 1' });
    assert.equal(paid.statusCode, 303);
    assert.equal((await service.ledger(ctx.db, contract.id)).paidPence, 100_000);
    const anonymous = await app.inject({ method: 'POST', url: `/outcomes/contracts/${contract.id}/claims`, payload: 'metric=O1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.ok([303, 401, 403].includes(anonymous.statusCode), `anonymous post answered ${anonymous.statusCode}`);
  });

  it('lets a service’s staff draft an agreement from a form, naming the row at fault', async () => {
    const { app, ctx } = t();
    const p = await parties(ctx);
    const email = `drafter-${Date.now()}@example.org`;
    await registerUser(ctx.db, cliActor, { email, name: 'Dee Drafter', password });
    await addMember(ctx.db, cliActor, p.provider.id, { email, role: 'staff' });
    const outsiderEmail = `not-staff-${Date.now()}@example.org`;
    await registerUser(ctx.db, cliActor, { email: outsiderEmail, name: 'Not Staff', password });
    const outsider = await signedIn(app, outsiderEmail, '10.8.1.2');
    assert.equal((await outsider.get('/outcomes/agreements/new')).statusCode, 403);

    const staff = await signedIn(app, email, '10.8.1.1');
    const form = await staff.get('/outcomes/agreements/new');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, new RegExp(p.provider.name));
    const base = { organisation: p.provider.id, serviceName: 'Employment support', title: 'Into work', partyKind: 'person', partyName: 'Sam Private', partyEmail: `sam-${Date.now()}@example.org` };
    // Row 3 (index 2) has a measure but no text: the error names that row, though rows 1 and 2 are blank.
    const bad = await staff.post('/outcomes/agreements/new', { ...base, 'terms.2.side': 'service', 'terms.2.kind': 'commitment', 'terms.2.text': '', 'terms.2.measure': 'Weekly log' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /href="#terms-2-text"/);
    const ok = await staff.post('/outcomes/agreements/new', {
      ...base, 'terms.0.side': 'service', 'terms.0.kind': 'commitment', 'terms.0.text': 'Weekly meeting with an adviser',
      'terms.3.side': 'citizen', 'terms.3.kind': 'outcome', 'terms.3.text': 'A job I can keep',
    });
    assert.equal(ok.statusCode, 303, ok.body);
    const page = await staff.get(String(ok.headers.location));
    assert.match(page.body, /Sign for the service/);
    assert.match(page.body, /Sam Private/, 'the service sees the name');
    const pub = await app.inject({ method: 'GET', url: String(ok.headers.location) });
    assert.ok(!pub.body.includes('Sam Private'), 'the public does not');
  });
});
