import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import * as service from './outcomes.service.ts';
import { contractWithRateCard, parties } from './outcomes.test-support.ts';

eachEngine('outcomes: payments on the provider’s organisation page', (t) => {
  it('lists the outcome payments the provider received, with the commissioner and the dates paid; nothing before a payment', async () => {
    const { ctx, app } = t();
    const p = await parties(ctx);
    const { contract } = await contractWithRateCard(ctx, p);
    const before = await app.inject({ method: 'GET', url: `/organisations/${p.provider.slug}` });
    assert.equal(before.statusCode, 200);
    assert.doesNotMatch(before.body, /Outcome payments received/);
    for (const [ref, paidOn] of [['T-1', '2025-07-01'], ['T-2', '2025-09-15']] as const) {
      const claim = await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: ref, achievedOn: '2025-06-01', evidence: 'Letter' });
      await service.decideClaim(ctx.db, p.evaluator.actor, claim.id, { decision: 'accept' });
      await service.recordPayment(ctx.db, p.finance.actor, contract.id, { claimIds: [claim.id], paidOn });
    }
    const page = await app.inject({ method: 'GET', url: `/organisations/${p.provider.slug}` });
    assert.match(page.body, /Outcome payments received/);
    assert.match(page.body, /£2,000\.00 in 2 payments from Test Council [0-9a-f]+, paid 2025-07-01 to 2025-09-15/);
    assert.match(page.body, new RegExp(`href="/outcomes/contracts/${contract.id}"`));
    const council = await app.inject({ method: 'GET', url: `/organisations/${p.council.slug}` });
    assert.doesNotMatch(council.body, /Outcome payments received/, 'the commissioner paid; it did not receive');
  });
});
