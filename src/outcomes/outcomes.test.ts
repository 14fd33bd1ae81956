import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { listAudit } from '../platform/audit.repository.ts';
import * as service from './outcomes.service.ts';
import { contractWithRateCard, parties } from './outcomes.test-support.ts';

async function refused(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(isAppError(e), `expected an AppError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

eachEngine('outcomes contracts', (t) => {
  it('takes a claim from evidence to validation to payment, and the ledger adds up', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p);
    await service.setPayers(ctx.db, p.commissioner.actor, contract.id, { payers: [{ organisation: p.council.id, shareBasisPoints: 8000 }, { organisation: p.fund.id, shareBasisPoints: 2000 }] });

    const a = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'P-001', achievedOn: '2025-10-01', evidence: 'Landlord letter ref L/123' });
    const b = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'P-002', achievedOn: '2025-10-02', evidence: 'Landlord letter ref L/124' });
    const c = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O2', participantRef: 'P-003', achievedOn: '2026-04-01', evidence: 'Letter and rent account' });
    assert.equal(a.amountPence, 100_000);
    assert.equal(a.status, 'claimed');

    await service.decideClaim(ctx.db, p.evaluator.actor, a.id, { decision: 'accept' });
    await service.decideClaim(ctx.db, p.evaluator.actor, b.id, { decision: 'reject', reason: 'The letter is from a different address' });
    await service.decideClaim(ctx.db, p.evaluator.actor, c.id, { decision: 'accept', reason: 'Rent account checked' });

    let ledger = await service.ledger(ctx.db, contract.id);
    assert.deepEqual(
      { claimed: ledger.claimedPence, pending: ledger.pendingPence, validated: ledger.validatedPence, rejected: ledger.rejectedPence, paid: ledger.paidPence, due: ledger.duePence, capLeft: ledger.capLeftPence },
      { claimed: 350_000, pending: 0, validated: 350_000, rejected: 100_000, paid: 0, due: 350_000, capLeft: 650_000 },
    );

    const payment = await service.recordPayment(ctx.db, p.finance.actor, contract.id, { claimIds: [a.id, c.id], paidOn: '2026-05-01', reference: 'BACS 0001' });
    assert.equal(payment.amountPence, 350_000);
    assert.deepEqual(payment.claimIds.sort(), [a.id, c.id].sort());
    assert.deepEqual(payment.byPayer.map((x) => x.pence), [280_000, 70_000]);

    ledger = await service.ledger(ctx.db, contract.id);
    assert.equal(ledger.paidPence, 350_000);
    assert.equal(ledger.duePence, 0);
    assert.deepEqual(ledger.byPayer.map((x) => x.paidPence), [280_000, 70_000]);
    assert.deepEqual(ledger.byMetric.map((m) => [m.code, m.claimed, m.accepted, m.paid]), [['O1', 1, 1, 1], ['O2', 1, 1, 1]]);

    // Paying the same claim twice is refused, and nothing is written.
    await refused(service.recordPayment(ctx.db, p.finance.actor, contract.id, { claimIds: [a.id], paidOn: '2026-05-02' }), 'conflict');
    // A rejected claim cannot be paid.
    await refused(service.recordPayment(ctx.db, p.finance.actor, contract.id, { claimIds: [b.id], paidOn: '2026-05-02' }), 'conflict');
    assert.equal((await service.listPayments(ctx.db, contract.id)).length, 1);
    // Every change is in the audit log.
    const audit = await listAudit(ctx.db, { organisationId: contract.organisationId, limit: 100 });
    for (const action of ['outcomes.contract.created', 'outcomes.metric.added', 'outcomes.payers.set', 'outcomes.claim.made', 'outcomes.claim.accepted', 'outcomes.claim.rejected', 'outcomes.payment.recorded']) {
      assert.ok(audit.some((r) => r.action === action), `audit has ${action}`);
    }
  });

  it('every payment equals the validated claims it pays, and the database refuses one that does not', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p);
    const claim = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'T-1', achievedOn: '2025-06-01', evidence: 'Letter' });
    await service.decideClaim(ctx.db, p.evaluator.actor, claim.id, { decision: 'accept' });
    await service.recordPayment(ctx.db, p.finance.actor, contract.id, { claimIds: [claim.id], paidOn: '2025-07-01' });
    // Independent check from the raw tables: for each payment, the sum of the accepted claims pointing at it.
    const rows = await sql<{ id: string; amount: number; claims: number }>`
      SELECT p.id, p.amount_pence AS amount, coalesce(sum(c.amount_pence) FILTER (WHERE c.status = 'accepted'), 0)::bigint AS claims
        FROM outcome_payments p LEFT JOIN outcome_claims c ON c.payment_id = p.id GROUP BY p.id, p.amount_pence`.execute(ctx.db);
    assert.ok(rows.rows.length >= 1);
    for (const r of rows.rows) assert.equal(Number(r.claims), Number(r.amount), `payment ${r.id}`);
    // A payment written straight into the table without claims fails at commit (the deferred trigger).
    await assert.rejects(ctx.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO outcome_payments (organisation_id, contract_id, paid_on, amount_pence) VALUES (${contract.organisationId}, ${contract.id}, '2025-08-01', 500)`.execute(trx);
    }), /not the sum of the claims/);
    // Nor can a paid claim be moved off its payment, or another claim slipped onto it, behind the service's back.
    await assert.rejects(sql`UPDATE outcome_claims SET payment_id = NULL WHERE id = ${claim.id}`.execute(ctx.db), /not the sum of the claims/);
    const other = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'T-2', achievedOn: '2025-06-01', evidence: 'Letter' });
    await service.decideClaim(ctx.db, p.evaluator.actor, other.id, { decision: 'accept' });
    const paidTo = (await service.listClaims(ctx.db, p.evaluator.actor, contract.id)).find((c) => c.id === claim.id)!.paymentId;
    await assert.rejects(sql`UPDATE outcome_claims SET payment_id = ${paidTo} WHERE id = ${other.id}`.execute(ctx.db), /not the sum of the claims/);
    assert.equal((await service.ledger(ctx.db, contract.id)).paidPence, 100_000);
  });

  it('refuses a claim for a person already claimed or paid for that outcome, and allows it again after a rejection', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p, { personCapPence: null });
    const first = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'D-1', achievedOn: '2025-06-01', evidence: 'Letter' });
    await refused(service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'D-1', achievedOn: '2025-06-02', evidence: 'Letter again' }), 'conflict', /already been claimed/);
    await service.decideClaim(ctx.db, p.evaluator.actor, first.id, { decision: 'reject', reason: 'Unsigned letter' });
    const second = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'D-1', achievedOn: '2025-06-02', evidence: 'Signed letter' });
    await service.decideClaim(ctx.db, p.evaluator.actor, second.id, { decision: 'accept' });
    await service.recordPayment(ctx.db, p.finance.actor, contract.id, { claimIds: [second.id], paidOn: '2025-07-01' });
    await refused(service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'D-1', achievedOn: '2025-06-03', evidence: 'Once more' }), 'conflict', /already been claimed/);
    // The same person for another outcome is a different claim.
    await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O2', participantRef: 'D-1', achievedOn: '2026-06-01', evidence: 'Rent account' });
  });

  it('prices outcomes at the price in effect on the day achieved', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p);
    await service.agreePrice(ctx.db, p.commissioner.actor, contract.id, 'O1', { pricePence: 120_000, effectiveFrom: '2026-04-01', note: 'Uplift agreed at the annual review' });
    const before = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'R-1', achievedOn: '2026-03-31', evidence: 'Letter' });
    const after = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'R-2', achievedOn: '2026-04-01', evidence: 'Letter' });
    assert.equal(before.amountPence, 100_000);
    assert.equal(after.amountPence, 120_000);
    const card = await service.rateCard(ctx.db, contract.id);
    assert.deepEqual(card.find((m) => m.code === 'O1')!.prices.map((x) => [x.effectiveFrom, x.pricePence]), [['2025-04-01', 100_000], ['2026-04-01', 120_000]]);
  });

  it('keeps the cap per person: a claim past it is refused, and acceptance past it too', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    // £3,000 a person: O1 (£1,000) + O2 (£2,500) = £3,500 would pass it.
    const { contract } = await contractWithRateCard(ctx, p, { personCapPence: 300_000 });
    const o1 = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'C-1', achievedOn: '2025-06-01', evidence: 'Letter' });
    const o2 = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O2', participantRef: 'C-1', achievedOn: '2026-06-01', evidence: 'Letter' });
    await service.decideClaim(ctx.db, p.evaluator.actor, o1.id, { decision: 'accept' });
    await refused(service.decideClaim(ctx.db, p.evaluator.actor, o2.id, { decision: 'accept' }), 'unprocessable', /cap per person/);
    await service.decideClaim(ctx.db, p.evaluator.actor, o2.id, { decision: 'reject', reason: 'Over the cap per person' });
    await refused(service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O2', participantRef: 'C-1', achievedOn: '2026-06-02', evidence: 'Letter' }), 'unprocessable', /cap per person/);
    const total = await sql<{ v: number }>`SELECT validated_pence AS v FROM outcome_participant_totals WHERE contract_id = ${contract.id} AND participant_ref = 'C-1'`.execute(ctx.db);
    assert.equal(Number(total.rows[0]!.v), 100_000);
  });

  it('never passes the caps with many validators accepting at once', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    // Cap £5,000 = five O1 outcomes. Twelve claims, then all twelve accepted at once by two validators.
    const { contract } = await contractWithRateCard(ctx, p, { capPence: 500_000, personCapPence: null });
    const claims = [];
    for (let i = 0; i < 12; i++) {
      claims.push(await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: `K-${i}`, achievedOn: '2025-06-01', evidence: 'Letter' }));
    }
    const second = p.evaluator.actor;
    const results = await Promise.allSettled(claims.map((c, i) => service.decideClaim(ctx.db, i % 2 ? second : p.evaluator.actor, c.id, { decision: 'accept' })));
    const accepted = results.filter((r) => r.status === 'fulfilled').length;
    const refusals = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    assert.equal(accepted, 5);
    for (const e of refusals) assert.ok(isAppError(e) && e.code === 'unprocessable', String(e));
    const ledger = await service.ledger(ctx.db, contract.id);
    assert.equal(ledger.validatedPence, 500_000);
    assert.equal(ledger.capLeftPence, 0);
    assert.equal((await service.getContract(ctx.db, contract.id)).validatedPence, 500_000);
    // With the cap used, a new claim is refused at once.
    await refused(service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'K-99', achievedOn: '2025-06-01', evidence: 'Letter' }), 'unprocessable', /cap leaves £0.00/);
  });

  it('one claim for a person and outcome however many are sent at once', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'SAME-1', achievedOn: '2025-06-01', evidence: 'Letter' })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results.filter((x) => x.status === 'rejected')) assert.equal(((r as PromiseRejectedResult).reason as { code: string }).code, 'conflict');
  });

  it('pays each accepted claim once when two payments race for it', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p);
    const claim = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'PAY-1', achievedOn: '2025-06-01', evidence: 'Letter' });
    await service.decideClaim(ctx.db, p.evaluator.actor, claim.id, { decision: 'accept' });
    const results = await Promise.allSettled([1, 2, 3].map(() => service.recordPayment(ctx.db, p.finance.actor, contract.id, { claimIds: [claim.id], paidOn: '2025-07-01' })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal((await service.ledger(ctx.db, contract.id)).paidPence, 100_000);
  });

  it('lets only the right roles act', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p);
    const claimInput = { metric: 'O1', participantRef: 'W-1', achievedOn: '2025-06-01', evidence: 'Letter' };
    // Opening a contract: not the provider, not a stranger.
    await refused(service.createContract(ctx.db, p.providerStaff.actor, { organisation: p.council.id, provider: p.provider.id, title: 'X', startDate: '2025-01-01', endDate: '2026-01-01', capPence: 100 }), 'forbidden');
    await refused(service.addMetric(ctx.db, p.providerStaff.actor, contract.id, { code: 'O9', name: 'x', definition: 'x', validationMethod: 'x', evidenceRequired: 'x', pricePence: 1 }), 'forbidden');
    // Claims: the provider's staff only.
    await refused(service.claimOutcome(ctx.db, p.commissioner.actor, contract.id, claimInput), 'forbidden');
    await refused(service.claimOutcome(ctx.db, p.outsider.actor, contract.id, claimInput), 'forbidden');
    const claim = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, claimInput);
    // Validation: the metric's validator organisation's evaluators; not the claimant, not the commissioner, not the council's own evaluator.
    await refused(service.decideClaim(ctx.db, p.providerStaff.actor, claim.id, { decision: 'accept' }), 'forbidden', /made this claim/);
    await refused(service.decideClaim(ctx.db, p.providerFinance.actor, claim.id, { decision: 'accept' }), 'forbidden', /provider/);
    await refused(service.decideClaim(ctx.db, p.commissioner.actor, claim.id, { decision: 'accept' }), 'forbidden');
    await refused(service.decideClaim(ctx.db, p.councilEvaluator.actor, claim.id, { decision: 'accept' }), 'forbidden');
    await refused(service.decideClaim(ctx.db, p.evaluator.actor, claim.id, { decision: 'reject' }), 'validation_failed', /reason/);
    await service.decideClaim(ctx.db, p.evaluator.actor, claim.id, { decision: 'accept' });
    await refused(service.decideClaim(ctx.db, p.evaluator.actor, claim.id, { decision: 'reject', reason: 'changed my mind' }), 'conflict', /already accepted/);
    // Payments: the commissioner's finance or commissioner; not the provider, not the validator.
    await refused(service.recordPayment(ctx.db, p.providerStaff.actor, contract.id, { claimIds: [claim.id], paidOn: '2025-07-01' }), 'forbidden');
    await refused(service.recordPayment(ctx.db, p.evaluator.actor, contract.id, { claimIds: [claim.id], paidOn: '2025-07-01' }), 'forbidden');
    // Claims are seen by the parties and validators, not by strangers.
    await refused(service.listClaims(ctx.db, p.outsider.actor, contract.id), 'forbidden');
    assert.equal((await service.listClaims(ctx.db, p.evaluator.actor, contract.id)).length, 1);
    // A provider cannot be named as its own validator.
    await refused(service.addMetric(ctx.db, p.commissioner.actor, contract.id, { code: 'O3', name: 'x', definition: 'x', validationMethod: 'x', evidenceRequired: 'x', pricePence: 1, validator: p.provider.id }), 'validation_failed', /own outcomes/);
  });

  it('refuses bad input with errors naming each field, and writes nothing', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p);
    await assert.rejects(service.createContract(ctx.db, p.commissioner.actor, { organisation: p.council.id, provider: p.council.id, title: '', startDate: '2026-02-30', endDate: 'soon', capPence: 10.5, personCapPence: -1 }), (e: unknown) => {
      assert.ok(isAppError(e));
      assert.deepEqual(e.fieldErrors.map((f) => f.field).sort(), ['capPence', 'endDate', 'personCapPence', 'provider', 'startDate', 'title']);
      return true;
    });
    await assert.rejects(service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: 'Jane Smith', achievedOn: '2030-01-01', evidence: '' }), (e: unknown) => {
      assert.ok(isAppError(e));
      assert.deepEqual(e.fieldErrors.map((f) => f.field).sort(), ['achievedOn', 'evidence', 'participantRef']);
      return true;
    });
    await refused(service.setPayers(ctx.db, p.commissioner.actor, contract.id, { payers: [{ organisation: p.council.id, shareBasisPoints: 8000 }, { organisation: p.fund.id, shareBasisPoints: 1000 }] }), 'validation_failed', /add up to 10000/);
    await refused(service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'NOPE', participantRef: 'A-1', achievedOn: '2025-06-01', evidence: 'x' }), 'validation_failed', /no outcome NOPE/);
    assert.equal((await service.ledger(ctx.db, contract.id)).claims, 0);
    await refused(service.getContract(ctx.db, '00000000-0000-4000-8000-000000000000'), 'not_found');
  });

  it('computes comparison-group triggers from the recorded figures', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p);
    const met = await service.recordComparison(ctx.db, p.councilEvaluator.actor, contract.id, {
      measure: 'Reconviction events', periodStart: '2025-04-01', periodEnd: '2026-03-31', cohortSize: 1000, cohortEvents: 150, comparisonSize: 2000, comparisonEvents: 350, better: 'lower', thresholdBasisPoints: 1000,
    });
    assert.equal(met.triggerMet, true);
    const missed = await service.recordComparison(ctx.db, p.commissioner.actor, contract.id, {
      measure: 'Reconviction events', periodStart: '2026-04-01', periodEnd: '2027-03-31', cohortSize: 1000, cohortEvents: 181, comparisonSize: 1000, comparisonEvents: 200, better: 'lower', thresholdBasisPoints: 1000,
    });
    assert.equal(missed.triggerMet, false);
    assert.deepEqual((await service.listComparisons(ctx.db, contract.id)).map((c) => c.triggerMet), [true, false]);
    await refused(service.recordComparison(ctx.db, p.providerStaff.actor, contract.id, { measure: 'x', periodStart: '2025-01-01', periodEnd: '2025-02-01', cohortSize: 1, cohortEvents: 0, comparisonSize: 1, comparisonEvents: 0, better: 'lower', thresholdBasisPoints: 0 }), 'forbidden');
    await refused(service.recordComparison(ctx.db, p.commissioner.actor, contract.id, { measure: 'x', periodStart: '2025-01-01', periodEnd: '2025-02-01', cohortSize: 10, cohortEvents: 11, comparisonSize: 1, comparisonEvents: 0, better: 'lower', thresholdBasisPoints: 0 }), 'validation_failed', /more than its size/);
  });

  it('follows investment: commitments, drawdowns within them, repayments and IRR', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p);
    const inv = await service.addInvestment(ctx.db, p.commissioner.actor, contract.id, { investor: p.investor.id, committedPence: 2_000_000, investmentType: 'debt' });
    await refused(service.addInvestment(ctx.db, p.commissioner.actor, contract.id, { investor: p.investor.id, committedPence: 1 }), 'conflict');
    // −£10,000 on 2025-01-01, −£10,000 on 2026-01-01, +£23,100 on 2027-01-01: 10% a year (see the compute tests).
    await service.recordInvestmentFlow(ctx.db, p.providerFinance.actor, inv.id, { kind: 'drawdown', on: '2025-01-01', amountPence: 1_000_000 });
    await service.recordInvestmentFlow(ctx.db, p.providerFinance.actor, inv.id, { kind: 'drawdown', on: '2026-01-01', amountPence: 1_000_000 });
    await refused(service.recordInvestmentFlow(ctx.db, p.providerFinance.actor, inv.id, { kind: 'drawdown', on: '2026-02-01', amountPence: 1 }), 'unprocessable', /beyond the commitment/);
    await refused(service.recordInvestmentFlow(ctx.db, p.providerStaff.actor, inv.id, { kind: 'repayment', on: '2027-01-01', amountPence: 2_310_000 }), 'forbidden');
    await service.recordInvestmentFlow(ctx.db, p.providerFinance.actor, inv.id, { kind: 'repayment', on: '2027-01-01', amountPence: 2_310_000 });
    const view = await service.investorView(ctx.db, contract.id);
    assert.equal(view.totals.committedPence, 2_000_000);
    assert.equal(view.totals.drawnPence, 2_000_000);
    assert.equal(view.totals.repaidPence, 2_310_000);
    assert.ok(Math.abs(view.investments[0]!.irr! - 0.1) < 1e-9);
    assert.ok(Math.abs(view.totals.irr! - 0.1) < 1e-9);
    assert.deepEqual(view.timeline.map((x) => x.kind), ['drawdown', 'drawdown', 'repayment']);
  });

  it('never draws past a commitment with drawdowns sent at once', async () => {
    const { ctx } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p);
    const inv = await service.addInvestment(ctx.db, cliActor, contract.id, { investor: p.investor.id, committedPence: 300_000 });
    const results = await Promise.allSettled(Array.from({ length: 7 }, (_, i) => service.recordInvestmentFlow(ctx.db, p.providerFinance.actor, inv.id, { kind: 'drawdown', on: `2025-0${i + 1}-01`, amountPence: 100_000 })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
    assert.equal((await service.investorView(ctx.db, contract.id)).totals.drawnPence, 300_000);
  });
});
