import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eachEngine } from '../platform/testing.ts';
import { validateRelease } from '../commissioning/commissioning.ocds.ts';
import * as service from './outcomes.service.ts';
import { buildOcdsRelease, indigoProject, poundsAmount } from './outcomes.exports.ts';
import { contractWithRateCard, parties } from './outcomes.test-support.ts';

eachEngine('outcomes API and exports', (t) => {
  it('opens a contract, claims, validates and pays through the API with each party’s token', async () => {
    const { app, ctx } = t();
    const p = await parties(ctx);
    const post = (url: string, auth: Record<string, string>, payload: unknown, method: 'POST' | 'PUT' = 'POST') => app.inject({ method, url, headers: auth, payload: payload as object });

    const created = await post('/api/v1/outcomes/contracts', p.commissioner.auth, { organisation: p.council.id, provider: p.provider.id, title: 'API contract', startDate: '2025-04-01', endDate: '2027-03-31', capPence: 500_000 });
    assert.equal(created.statusCode, 201, created.body);
    const contract = created.json();
    const refused = await post('/api/v1/outcomes/contracts', p.providerStaff.auth, { organisation: p.council.id, provider: p.provider.id, title: 'Not mine', startDate: '2025-04-01', endDate: '2027-03-31', capPence: 500_000 });
    assert.equal(refused.statusCode, 403);
    const badBody = await post('/api/v1/outcomes/contracts', p.commissioner.auth, { organisation: p.council.id, provider: p.provider.id, title: 'x', startDate: '2025-04-01', endDate: '2027-03-31', capPence: 12.5 });
    assert.equal(badBody.statusCode, 400);
    assert.ok([401, 403].includes((await app.inject({ method: 'POST', url: '/api/v1/outcomes/contracts', payload: {} })).statusCode), 'anonymous refused');

    const metric = await post(`/api/v1/outcomes/contracts/${contract.id}/metrics`, p.commissioner.auth, { code: 'E1', name: 'Job start', definition: 'Starts paid work of 16+ hours a week', validationMethod: 'Payslip check', evidenceRequired: 'First payslip', validator: p.validator.id, pricePence: 150_000 });
    assert.equal(metric.statusCode, 201, metric.body);
    const payers = await post(`/api/v1/outcomes/contracts/${contract.id}/payers`, p.commissioner.auth, { payers: [{ organisation: p.council.id, shareBasisPoints: 8000 }, { organisation: p.fund.id, shareBasisPoints: 2000 }] }, 'PUT');
    assert.equal(payers.statusCode, 200, payers.body);

    const claim = await post(`/api/v1/outcomes/contracts/${contract.id}/claims`, p.providerStaff.auth, { metric: 'E1', participantRef: 'API-1', achievedOn: '2025-09-01', evidence: 'Payslip seen' });
    assert.equal(claim.statusCode, 201, claim.body);
    const dup = await post(`/api/v1/outcomes/contracts/${contract.id}/claims`, p.providerStaff.auth, { metric: 'E1', participantRef: 'API-1', achievedOn: '2025-09-02', evidence: 'Again' });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().code, 'conflict');
    const decided = await post(`/api/v1/outcomes/claims/${claim.json().id}/decision`, p.evaluator.auth, { decision: 'accept' });
    assert.equal(decided.statusCode, 200, decided.body);
    assert.equal(decided.json().status, 'accepted');
    const paid = await post(`/api/v1/outcomes/contracts/${contract.id}/payments`, p.finance.auth, { claimIds: [claim.json().id], paidOn: '2025-10-01' });
    assert.equal(paid.statusCode, 201, paid.body);
    assert.deepEqual(paid.json().byPayer.map((x: { pence: number }) => x.pence), [120_000, 30_000]);

    const got = await app.inject({ method: 'GET', url: `/api/v1/outcomes/contracts/${contract.id}` });
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().ledger.paidPence, 150_000);
    assert.equal(got.json().ledger.capLeftPence, 350_000);
    const claimsPublic = await app.inject({ method: 'GET', url: `/api/v1/outcomes/contracts/${contract.id}/claims` });
    assert.equal(claimsPublic.statusCode, 401);
    const claimsEval = await app.inject({ method: 'GET', url: `/api/v1/outcomes/contracts/${contract.id}/claims`, headers: p.evaluator.auth });
    assert.equal(claimsEval.json().length, 1);
    // Not linked to commissioning: no ocid to publish under.
    assert.equal((await app.inject({ method: 'GET', url: `/api/v1/outcomes/contracts/${contract.id}/ocds` })).statusCode, 422);

    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    for (const path of ['/api/v1/outcomes/contracts', '/api/v1/outcomes/contracts/{id}/claims', '/api/v1/outcomes/claims/{id}/decision', '/api/v1/outcomes/contracts/{id}/indigo', '/api/v1/outcomes/agreements']) {
      assert.ok(doc.paths[path], `OpenAPI lists ${path}`);
    }
  });

  it('exports a project in the INDIGO shape with figures that match the ledger', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p, { personCapPence: null });
    await service.setPayers(ctx.db, p.commissioner.actor, contract.id, { payers: [{ organisation: p.council.id, shareBasisPoints: 8000 }, { organisation: p.fund.id, shareBasisPoints: 2000 }] });
    const c1 = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'I-1', achievedOn: '2025-06-01', evidence: 'x' });
    const c2 = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O2', participantRef: 'I-1', achievedOn: '2026-06-01', evidence: 'x' });
    for (const c of [c1, c2]) await service.decideClaim(ctx.db, p.evaluator.actor, c.id, { decision: 'accept' });
    await service.recordPayment(ctx.db, p.finance.actor, contract.id, { claimIds: [c1.id, c2.id], paidOn: '2026-07-01' });
    const inv = await service.addInvestment(ctx.db, p.commissioner.actor, contract.id, { investor: p.investor.id, committedPence: 500_000 });
    await service.recordInvestmentFlow(ctx.db, p.providerFinance.actor, inv.id, { kind: 'drawdown', on: '2025-04-01', amountPence: 300_000 });
    await service.recordInvestmentFlow(ctx.db, p.providerFinance.actor, inv.id, { kind: 'repayment', on: '2026-07-15', amountPence: 330_000 });

    const project = await indigoProject(ctx.db, contract.id, { today: '2026-11-23' });
    assert.equal(project.name.value, 'Test outcomes contract');
    assert.equal(project.stage_development.value, 'Implementation');
    assert.equal(project.overall_project_finance.maximum_potential_outcome_payment_v2.amount.value, 10_000);
    assert.equal(project.overall_project_finance.total_outcome_payments_made.amount.value, 3_500);
    assert.deepEqual(project.outcome_metrics.map((m) => m.id), ['O1', 'O2']);
    assert.deepEqual(project.outcome_pricings.map((m) => m.price_per_unit.amount.value), [1_000, 2_500]);
    assert.equal(project.outcome_payment_commitments.length, 2);
    assert.equal(project.investments[0]!.investment_commitment.amount.exact.value, 5_000);
    assert.equal(project.investments[0]!.investor_repayment.value, 'Principal + positive financial returns');
    // Outcome payment transactions: per outcome and payer, adding up to what was paid.
    const outcomeTx = project.transactions.filter((x) => x.transaction_type.value === 'Outcome Payment');
    assert.equal(outcomeTx.length, 4);
    assert.equal(Math.round(outcomeTx.reduce((s, x) => s + x.money.amount.value * 100, 0)), 350_000);
    assert.deepEqual(project.outcome_payments.map((x) => x.money.amount.value), [800, 200, 2000, 500]);
    assert.deepEqual(project.results.map((r) => [r.outcome_metric_id.value, r.result_type.value, r.number_with_positive_social_outcomes.value]), [['O1', 'Interim', 1], ['O2', 'Final', 1]]);
    assert.equal(poundsAmount(123456), 1234.56);
    assert.equal(poundsAmount(5), 0.05);
  });

  it('publishes outcome payments as an OCDS 1.1.5 implementation release that validates, linked to milestones', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    const { contract, o1 } = await contractWithRateCard(ctx, p);
    await service.setPayers(ctx.db, p.commissioner.actor, contract.id, { payers: [{ organisation: p.council.id, shareBasisPoints: 8000 }, { organisation: p.fund.id, shareBasisPoints: 2000 }] });
    const claims = [];
    for (const ref of ['O-1', 'O-2', 'O-3']) {
      const c = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: ref, achievedOn: '2025-06-01', evidence: 'x' });
      await service.decideClaim(ctx.db, p.evaluator.actor, c.id, { decision: 'accept' });
      claims.push(c.id);
    }
    const payment = await service.recordPayment(ctx.db, p.finance.actor, contract.id, { claimIds: claims, paidOn: '2025-08-01' });
    // A commissioning contract summary as commissioning's getContractSummary returns it (its milestone M1 is what O1 pays).
    const milestoneId = `m-${randomUUID()}`;
    await ctx.db.updateTable('outcome_metrics').set({ commissioning_milestone_id: milestoneId }).where('id', '=', o1.id).execute();
    const summary = {
      id: randomUUID(), ocid: 'ocds-cmnwl0-test-0001', organisationId: p.council.id, supplierOrganisationIds: [p.provider.id], title: 'Commissioned service', valuePence: 1_000_000,
      startDate: '2025-04-01', endDate: '2028-03-31', href: '/commissioning/contracts/x', milestones: [{ id: milestoneId, title: 'Tenancies sustained', dueDate: '2026-03-31' }],
    };
    const release = await buildOcdsRelease(ctx.db, await service.getContract(ctx.db, contract.id), summary, { awardId: 'award-1', releaseId: 'ocds-cmnwl0-test-0001-outcomes-1', date: new Date('2025-08-02T00:00:00Z') });
    assert.deepEqual(validateRelease(release), []);
    assert.deepEqual(release.tag, ['implementation']);
    assert.equal(release.ocid, summary.ocid);
    const tx = release.contracts[0]!.implementation.transactions;
    // £3,000 paid: £2,400 by the council (80%), £600 by the fund (20%), both to the provider, both for milestone M1.
    assert.deepEqual(tx.map((x) => x.value.amount), [2400, 600]);
    assert.ok(tx.every((x) => x.id.startsWith(payment.id) && x.relatedImplementationMilestone.id === milestoneId));
    const milestones = release.contracts[0]!.implementation.milestones;
    assert.ok(milestones.some((m) => m.id === milestoneId && m.status === 'met'));
    assert.ok(milestones.some((m) => m.id === 'outcome-O2' && m.status === 'scheduled'));
    // A broken release is caught by the same validator.
    assert.notDeepEqual(validateRelease({ ...release, tag: ['paid'] }), []);
  });

  it('keeps personal details out of the public agreements API', async () => {
    const { app, ctx } = t();
    const p = await parties(ctx);
    const res = await app.inject({
      method: 'POST', url: '/api/v1/outcomes/agreements', headers: p.providerStaff.auth,
      payload: {
        organisation: p.provider.id, serviceName: 'Employment support', title: 'Back to work', partyKind: 'person', partyEmail: `ag-${randomUUID().slice(0, 8)}@example.org`, partyName: 'Private Person',
        terms: [{ side: 'service', kind: 'commitment', text: 'Weekly meeting with an adviser' }, { side: 'citizen', kind: 'outcome', text: 'A job I can keep' }],
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().partyName, 'Private Person');
    const list = await app.inject({ method: 'GET', url: '/api/v1/outcomes/agreements' });
    assert.ok(!list.body.includes('Private Person'));
    const one = await app.inject({ method: 'GET', url: `/api/v1/outcomes/agreements/${res.json().id}` });
    assert.equal(one.json().partyName, null);
    assert.equal(one.json().progress, null);
  });
});
