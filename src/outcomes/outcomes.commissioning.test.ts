// Outcomes joined to a real commissioning contract, through commissioning's public service functions only:
// the contract is tendered, bid for, awarded and signed with a milestone; the outcomes contract links to it,
// and its outcome payments are published as an OCDS implementation release for the same ocid that
// validates on its own and together with commissioning's releases.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import * as commissioning from '../commissioning/commissioning.service.ts';
import { validateReleasePackage } from '../commissioning/commissioning.ocds.ts';
import { cast, opportunityBody, waitUntil } from '../commissioning/commissioning.test-support.ts';
import * as service from './outcomes.service.ts';
import { ocdsExport } from './outcomes.ocds.ts';
import { person } from './outcomes.test-support.ts';

eachEngine('outcomes with a commissioning contract', (t) => {
  it('publishes outcome payments as implementation transactions for the contract’s ocid, linked to its milestone', async () => {
    const { app, ctx } = t();
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 6000); // room for a busy machine before the bid closes
    const { id } = await commissioning.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
    await commissioning.publishProcess(ctx.db, c.commissioner.actor, id);
    const opportunity = await commissioning.getOpportunity(ctx.db, cliActor, id) as unknown as { lots: { id: string }[] };
    const receipt = await commissioning.submitBid(ctx.db, c.charityAdmin.actor, id, { lotId: opportunity.lots[0]!.id, organisation: c.charity.id, pricePence: 9_000_000, approach: 'Befriending', socialValue: 'Local volunteers' });
    await waitUntil(deadline);
    const award = await commissioning.awardLot(ctx.db, c.commissioner.actor, id, { bidId: receipt.bidId, rationale: 'Only bid' });
    await commissioning.signContract(ctx.db, c.commissioner.actor, award.awardId, { startDate: '2027-04-01', endDate: '2029-03-31', milestones: [{ title: 'Fewer people lonely at 12 months', dueDate: '2028-04-01' }] });
    const summary = (await commissioning.listContractSummaries(ctx.db, { organisationId: c.buyer.id }))[0]!;
    assert.ok(summary.milestones.length === 1);

    await assert.rejects(service.createContract(ctx.db, c.commissioner.actor, {
      organisation: c.buyer.id, provider: c.charity.id, title: 'x', startDate: '2027-04-01', endDate: '2029-03-31', capPence: 100, commissioningContractId: '00000000-0000-4000-8000-000000000000',
    }), (e: unknown) => isAppError(e) && e.fieldErrors.some((f) => f.field === 'commissioningContractId'));
    const outcomes = await service.createContract(ctx.db, c.commissioner.actor, {
      organisation: c.buyer.id, provider: c.charity.id, title: 'Befriending outcomes', startDate: '2027-04-01', endDate: '2029-03-31', capPence: 9_000_000, commissioningContractId: summary.id,
    });
    const validatorStaff = await person(ctx, 'buyer-evaluator', [[c.buyer.id, 'evaluator']]);
    await service.addMetric(ctx.db, c.commissioner.actor, outcomes.id, {
      code: 'L1', name: 'Less lonely', definition: 'Reports feeling lonely less often at 12 months', validationMethod: 'Pre-post survey', evidenceRequired: 'UCLA loneliness scale before and after',
      pricePence: 60_000, commissioningMilestoneId: summary.milestones[0]!.id,
    });
    const claim = await service.claimOutcome(ctx.db, c.charityAdmin.actor, outcomes.id, { metric: 'L1', participantRef: 'B-1', achievedOn: '2028-04-02', evidence: 'Survey scores 7 → 4' });
    await service.decideClaim(ctx.db, validatorStaff.actor, claim.id, { decision: 'accept' });
    await service.recordPayment(ctx.db, c.commissioner.actor, outcomes.id, { claimIds: [claim.id], paidOn: '2028-05-01' });

    const published = JSON.parse((await ocdsExport(ctx.db, outcomes.id, 'https://example.org')).body) as { releases: { ocid: string; contracts: { awardID: string; implementation: { transactions: { value: { amount: number }; relatedImplementationMilestone: { id: string } }[] } }[] }[] };
    const release = published.releases.at(-1)!;
    assert.equal(release.ocid, summary.ocid);
    const tx = release.contracts[0]!.implementation.transactions;
    assert.equal(tx.length, 1);
    assert.equal(tx[0]!.value.amount, 600);
    assert.equal(tx[0]!.relatedImplementationMilestone.id, summary.milestones[0]!.id);
    const res = await app.inject({ method: 'GET', url: `/api/v1/outcomes/contracts/${outcomes.id}/ocds` });
    assert.equal(res.statusCode, 200, res.body);
    // Together with commissioning's own releases for the ocid, the package still validates, and the award matches.
    const pkg = await commissioning.releasePackageForOcid(ctx.db, summary.ocid, 'https://example.org') as { releases: { contracts?: { id: string; awardID: string }[] }[] };
    const contractRelease = pkg.releases.find((r) => r.contracts?.some((x) => x.id === summary.id))!;
    assert.equal(release.contracts[0]!.awardID, contractRelease.contracts!.find((x) => x.id === summary.id)!.awardID);
    assert.deepEqual(validateReleasePackage({ ...pkg, releases: [...pkg.releases, ...published.releases] }), []);
  });
});
