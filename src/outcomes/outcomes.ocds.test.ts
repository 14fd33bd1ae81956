// Outcomes' OCDS implementation releases are minted once, when what they describe changes, and stored as
// published: reads are byte-identical, a change adds exactly one release and leaves the earlier ones as they
// were, concurrent writers neither duplicate nor lose one, and contracts linked before releases were stored get
// theirs on first read, deterministically. Every package validates alone and merged with commissioning's.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import type { AppContext, App } from '../platform/module.ts';
import * as commissioning from '../commissioning/commissioning.service.ts';
import { validateReleasePackage } from '../commissioning/commissioning.ocds.ts';
import { cast, opportunityBody, waitUntil } from '../commissioning/commissioning.test-support.ts';
import * as service from './outcomes.service.ts';
import { person } from './outcomes.test-support.ts';

type Pkg = { uri: string; publishedDate: string; releases: { id: string; ocid: string; date: string; tag: string[]; contracts: { implementation: { transactions: { id: string; value: { amount: number } }[] } }[]; parties: { id: string; roles: string[] }[] }[] };

/** A signed commissioning contract (with a milestone) and its council, charity and people. */
async function signedContract(ctx: AppContext) {
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
  const validator = await person(ctx, 'buyer-evaluator', [[c.buyer.id, 'evaluator']]);
  return { ...c, summary, validator };
}

async function acceptedClaim(ctx: AppContext, s: Awaited<ReturnType<typeof signedContract>>, contractId: string, ref: string) {
  const claim = await service.claimOutcome(ctx.db, s.charityAdmin.actor, contractId, { metric: 'L1', participantRef: ref, achievedOn: '2028-04-02', evidence: 'Survey scores 7 → 4' });
  await service.decideClaim(ctx.db, s.validator.actor, claim.id, { decision: 'accept' });
  return claim.id;
}

async function linkedOutcomes(ctx: AppContext, s: Awaited<ReturnType<typeof signedContract>>) {
  const outcomes = await service.createContract(ctx.db, s.commissioner.actor, {
    organisation: s.buyer.id, provider: s.charity.id, title: 'Befriending outcomes', startDate: '2027-04-01', endDate: '2029-03-31', capPence: 9_000_000, commissioningContractId: s.summary.id,
  });
  await service.addMetric(ctx.db, s.commissioner.actor, outcomes.id, {
    code: 'L1', name: 'Less lonely', definition: 'Reports feeling lonely less often at 12 months', validationMethod: 'Pre-post survey', evidenceRequired: 'UCLA loneliness scale before and after',
    pricePence: 60_000, commissioningMilestoneId: s.summary.milestones[0]!.id,
  });
  return outcomes;
}

async function read(app: App, contractId: string, headers: Record<string, string> = {}) {
  return app.inject({ method: 'GET', url: `/api/v1/outcomes/contracts/${contractId}/ocds`, headers });
}

/** The package alone, and merged with commissioning's own releases for the ocid, are valid OCDS 1.1.5. */
async function assertValid(ctx: AppContext, pkg: Pkg, ocid: string) {
  assert.deepEqual(validateReleasePackage(pkg), []);
  const theirs = await commissioning.releasePackageForOcid(ctx.db, ocid, 'https://example.org') as { releases: unknown[] };
  assert.deepEqual(validateReleasePackage({ ...theirs, releases: [...theirs.releases, ...pkg.releases] }), []);
}

eachEngine('outcomes OCDS releases', (t) => {
  it('returns byte-identical releases on every read, and a payment adds exactly one release, leaving the earlier ones as they were', async () => {
    const { app, ctx } = t();
    const s = await signedContract(ctx);
    const outcomes = await linkedOutcomes(ctx, s);
    const first = await read(app, outcomes.id);
    assert.equal(first.statusCode, 200, first.body);
    const second = await read(app, outcomes.id);
    assert.equal(second.body, first.body);
    assert.equal(second.headers.etag, first.headers.etag);
    assert.equal((await read(app, outcomes.id, { 'if-none-match': String(first.headers.etag) })).statusCode, 304);
    const before = JSON.parse(first.body) as Pkg;
    // Opened linked (one release), then an outcome added (one more): each the change it records.
    assert.equal(before.releases.length, 2);
    assert.deepEqual(before.releases.map((r) => r.id), [1, 2].map((n) => `${s.summary.ocid}-outcomes-${outcomes.id}-000${n}`));
    assert.ok(before.releases.every((r) => r.ocid === s.summary.ocid && r.tag.join() === 'implementation'));
    await assertValid(ctx, before, s.summary.ocid);

    const claimId = await acceptedClaim(ctx, s, outcomes.id, 'B-1');
    // Claims and their validation are not what the release describes: nothing new until a payment.
    assert.equal((await read(app, outcomes.id)).body, first.body);
    const payment = await service.recordPayment(ctx.db, s.commissioner.actor, outcomes.id, { claimIds: [claimId], paidOn: '2028-05-01' });
    const third = await read(app, outcomes.id);
    assert.notEqual(third.headers.etag, first.headers.etag);
    const after = JSON.parse(third.body) as Pkg;
    assert.equal(after.releases.length, 3);
    for (const [i, r] of before.releases.entries()) assert.equal(JSON.stringify(after.releases[i]), JSON.stringify(r));
    const added = after.releases[2]!;
    assert.equal(added.id, `${s.summary.ocid}-outcomes-${outcomes.id}-0003`);
    assert.ok(added.date > before.releases[1]!.date);
    assert.equal(after.publishedDate, added.date);
    const tx = added.contracts[0]!.implementation.transactions;
    assert.deepEqual(tx.map((x) => [x.id.startsWith(payment.id), x.value.amount]), [[true, 600]]);
    await assertValid(ctx, after, s.summary.ocid);
    assert.equal((await read(app, outcomes.id)).body, third.body);

    // The command line prints the same package.
    const viaCli = await import('./outcomes.ocds.ts').then((m) => m.ocdsExport(ctx.db, outcomes.id, ctx.config.baseUrl));
    assert.equal(viaCli.body, third.body);
  });

  it('mints nothing when a change leaves the release as it was, and one release when the payers really change', async () => {
    const { app, ctx } = t();
    const s = await signedContract(ctx);
    const outcomes = await linkedOutcomes(ctx, s);
    const start = JSON.parse((await read(app, outcomes.id)).body) as Pkg;
    await service.setPayers(ctx.db, s.commissioner.actor, outcomes.id, { payers: [{ organisation: s.buyer.id, shareBasisPoints: 10000 }] });
    assert.equal((JSON.parse((await read(app, outcomes.id)).body) as Pkg).releases.length, start.releases.length);
    const fund = s.company; // another organisation to share the payments
    await service.setPayers(ctx.db, s.commissioner.actor, outcomes.id, { payers: [{ organisation: s.buyer.id, shareBasisPoints: 8000 }, { organisation: fund.id, shareBasisPoints: 2000 }] });
    const after = JSON.parse((await read(app, outcomes.id)).body) as Pkg;
    assert.equal(after.releases.length, start.releases.length + 1);
    assert.ok(after.releases.at(-1)!.parties.some((p) => p.roles.includes('payer') && p.id === `commonweal-${fund.id}`));
    await assertValid(ctx, after, s.summary.ocid);
  });

  // On a server the app runs as an ordinary role without UPDATE or DELETE on the table (platform/roles.ts); on
  // PGlite, a superuser, the append-only trigger refuses. Either way the database itself refuses.
  it('refuses to change or delete a stored release, in the database itself', async () => {
    const { app, ctx } = t();
    const s = await signedContract(ctx);
    const outcomes = await linkedOutcomes(ctx, s);
    const body = (await read(app, outcomes.id)).body;
    await assert.rejects(sql`UPDATE outcome_releases SET release_id = 'changed' WHERE contract_id = ${outcomes.id}`.execute(ctx.db), /append-only|permission denied/);
    await assert.rejects(sql`UPDATE outcome_releases SET release = '{}'::jsonb WHERE contract_id = ${outcomes.id}`.execute(ctx.db), /append-only|permission denied/);
    await assert.rejects(sql`DELETE FROM outcome_releases WHERE contract_id = ${outcomes.id}`.execute(ctx.db), /append-only|permission denied/);
    assert.equal((await read(app, outcomes.id)).body, body);
  });

  it('mints one release per payment when payments are recorded concurrently: none duplicated, none lost', async () => {
    const { app, ctx } = t();
    const s = await signedContract(ctx);
    const outcomes = await linkedOutcomes(ctx, s);
    const claims = [];
    for (const ref of ['C-1', 'C-2', 'C-3', 'C-4']) claims.push(await acceptedClaim(ctx, s, outcomes.id, ref));
    const start = (JSON.parse((await read(app, outcomes.id)).body) as Pkg).releases.length;
    const finance = await person(ctx, 'finance', [[s.buyer.id, 'finance']]);
    const payments = await Promise.all(claims.map((id, i) => service.recordPayment(ctx.db, i % 2 ? finance.actor : s.commissioner.actor, outcomes.id, { claimIds: [id], paidOn: `2028-05-0${i + 1}` })));
    const pkg = JSON.parse((await read(app, outcomes.id)).body) as Pkg;
    assert.equal(pkg.releases.length, start + 4);
    assert.equal(new Set(pkg.releases.map((r) => r.id)).size, pkg.releases.length);
    // Each release holds one payment more than the one before; the last holds all four.
    const counts = pkg.releases.slice(start).map((r) => r.contracts[0]!.implementation.transactions.length);
    assert.deepEqual(counts, [1, 2, 3, 4]);
    const last = pkg.releases.at(-1)!.contracts[0]!.implementation.transactions.map((x) => x.id.slice(0, 36)).sort();
    assert.deepEqual(last, payments.map((p) => p.id).sort());
    await assertValid(ctx, pkg, s.summary.ocid);
  });

  it('gives a contract linked before releases were stored its first release on first read, the same for every reader', async () => {
    const { app, ctx } = t();
    const s = await signedContract(ctx);
    // As the database held it before migration 0018: linked, with outcomes and a payment, and no release.
    const outcomes = await service.createContract(ctx.db, s.commissioner.actor, {
      organisation: s.buyer.id, provider: s.charity.id, title: 'Befriending outcomes (old)', startDate: '2027-04-01', endDate: '2029-03-31', capPence: 9_000_000,
    });
    await service.addMetric(ctx.db, s.commissioner.actor, outcomes.id, {
      code: 'L1', name: 'Less lonely', definition: 'Reports feeling lonely less often at 12 months', validationMethod: 'Pre-post survey', evidenceRequired: 'UCLA scale', pricePence: 60_000,
    });
    const claimId = await acceptedClaim(ctx, s, outcomes.id, 'OLD-1');
    await service.recordPayment(ctx.db, s.commissioner.actor, outcomes.id, { claimIds: [claimId], paidOn: '2028-05-01' });
    await sql`UPDATE outcome_contracts SET commissioning_contract_id = ${s.summary.id} WHERE id = ${outcomes.id}`.execute(ctx.db);
    const paidAt = (await ctx.db.selectFrom('outcome_payments').select('created_at').where('contract_id', '=', outcomes.id).executeTakeFirstOrThrow()).created_at;

    const reads = await Promise.all([read(app, outcomes.id), read(app, outcomes.id), read(app, outcomes.id)]);
    assert.ok(reads.every((r) => r.statusCode === 200 && r.body === reads[0]!.body), reads.map((r) => r.body).join('\n'));
    const pkg = JSON.parse(reads[0]!.body) as Pkg;
    assert.equal(pkg.releases.length, 1);
    assert.equal(pkg.releases[0]!.id, `${s.summary.ocid}-outcomes-${outcomes.id}-0001`);
    // Dated from the contract's own records (its latest change, the payment), not from when it was first read.
    assert.equal(pkg.releases[0]!.date, new Date(paidAt).toISOString());
    assert.equal(pkg.releases[0]!.contracts[0]!.implementation.transactions.length, 1);
    assert.equal((await read(app, outcomes.id)).body, reads[0]!.body);
    await assertValid(ctx, pkg, s.summary.ocid);
  });

  it('publishes under the new ocid when the contract is linked elsewhere, and 422 when it is not linked', async () => {
    const { app, ctx } = t();
    const s = await signedContract(ctx);
    const outcomes = await service.createContract(ctx.db, s.commissioner.actor, {
      organisation: s.buyer.id, provider: s.charity.id, title: 'Not yet linked', startDate: '2027-04-01', endDate: '2029-03-31', capPence: 9_000_000,
    });
    const unlinked = await read(app, outcomes.id);
    assert.equal(unlinked.statusCode, 422);
    assert.match(unlinked.json().detail, /not linked/);
    assert.equal((await ctx.db.selectFrom('outcome_releases').select('seq').where('contract_id', '=', outcomes.id).execute()).length, 0);
    await service.linkCommissioningContract(ctx.db, s.commissioner.actor, outcomes.id, s.summary.id);
    const pkg = JSON.parse((await read(app, outcomes.id)).body) as Pkg;
    assert.equal(pkg.releases.length, 1);
    assert.equal(pkg.releases[0]!.ocid, s.summary.ocid);
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'after']).where('entity_id', '=', outcomes.id).where('action', '=', 'outcomes.contract.linked').executeTakeFirstOrThrow();
    assert.equal((audit.after as { releaseId: string }).releaseId, pkg.releases[0]!.id);
    assert.equal((await read(app, '00000000-0000-4000-8000-000000000000')).statusCode, 404);
  });
});
