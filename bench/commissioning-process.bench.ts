// Commissioning at the scale of a busy council: publishing opportunities (each release built from the process
// and validated against the OCDS schema before it is stored), sealed bids, scoring, ranking, an award release
// that carries every bid, the publisher's whole release package, and the opportunity page.
// Run: node --import tsx bench/commissioning-process.bench.ts [bids]            (PGlite in memory)
//      DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/commissioning-process.bench.ts
import { openTestContext } from '../src/platform/testing.ts';
import { createApp } from '../src/app.ts';
import * as service from '../src/commissioning/commissioning.service.ts';
import * as repo from '../src/commissioning/commissioning.repository.ts';
import { validateReleasePackage } from '../src/commissioning/commissioning.ocds.ts';
import { cast, opportunityBody, organisation, person, waitUntil } from '../src/commissioning/commissioning.test-support.ts';

const bidCount = Number(process.argv[2] ?? 100);
const processes = 50;
const engine = process.env.DATABASE_URL ? 'postgres' : 'pglite';
const ctx = await openTestContext(engine);
const app = await createApp(ctx);
const c = await cast(ctx);

const time = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const r = await work();
  return [r, performance.now() - t];
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;
const ms = (n: number) => `${n.toFixed(1)} ms`;

// 1. Publish many opportunities: create (three lots, three criteria) and publish (tender release, validated).
const publishTimes: number[] = [];
for (let i = 0; i < processes; i++) {
  const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, new Date(Date.now() + 86_400_000), { title: `Opportunity ${i}` }));
  const [, t] = await time(() => service.publishProcess(ctx.db, c.commissioner.actor, id));
  publishTimes.push(t);
}
console.log(`engine ${engine}: publish an opportunity (tender release built and validated): median ${ms(median(publishTimes))}, p95 ${ms(p95(publishTimes))} over ${processes}`);

// 2. Sealed bids from distinct providers on one lot.
const providers = [];
for (let i = 0; i < bidCount; i++) {
  const org = await organisation(ctx, `Provider ${i}`, i % 3 === 0 ? 'company-limited-by-shares' : 'charitable-company');
  providers.push({ org, admin: await person(ctx, `provider-${i}`, [[org.id, 'admin']]) });
}
const deadline = new Date(Date.now() + 15_000 + bidCount * 150);
const { id } = await service.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline, { standstillDays: 0 }));
await service.publishProcess(ctx.db, c.commissioner.actor, id);
const lot = (await repo.listLots(ctx.db, { organisation_id: c.buyer.id, id }))[0]!;
const bidTimes: number[] = [];
const bidIds: string[] = [];
for (const [i, p] of providers.entries()) {
  const [r, t] = await time(() => service.submitBid(ctx.db, p.admin.actor, id, { lotId: lot.id, organisation: p.org.id, pricePence: 9_000_000 + i * 1000, approach: 'An approach '.repeat(200), socialValue: 'Social value '.repeat(50) }));
  bidTimes.push(t);
  bidIds.push(r.bidId);
}
console.log(`submit a sealed bid: median ${ms(median(bidTimes))}, p95 ${ms(p95(bidTimes))} over ${bidCount}`);
for (const bidId of bidIds) {
  await service.assignEvaluator(ctx.db, c.commissioner.actor, bidId, { email: c.evaluator1.email });
  await service.assignEvaluator(ctx.db, c.commissioner.actor, bidId, { email: c.evaluator2.email });
}
console.log(`waiting ${Math.round((deadline.getTime() - Date.now()) / 1000)} s for the deadline…`);
await waitUntil(deadline);

// 3. Two evaluators score every bid on every criterion; then rank.
const criteria = await repo.listCriteria(ctx.db, { organisation_id: c.buyer.id, id });
const scoreTimes: number[] = [];
for (const [i, bidId] of bidIds.entries()) {
  for (const e of [c.evaluator1, c.evaluator2]) {
    const [, t] = await time(() => service.scoreBid(ctx.db, e.actor, bidId, { scores: criteria.map((cr, k) => ({ criterionId: cr.id, score: (i + k) % 11, reason: 'Because' })) }));
    scoreTimes.push(t);
  }
}
console.log(`score a bid on three criteria: median ${ms(median(scoreTimes))}, p95 ${ms(p95(scoreTimes))} over ${scoreTimes.length}`);
const rankTimes: number[] = [];
for (let i = 0; i < 10; i++) rankTimes.push((await time(() => service.evaluationResults(ctx.db, c.commissioner.actor, id)))[1]);
console.log(`rank ${bidCount} bids (${bidCount * 2 * criteria.length} scores): median ${ms(median(rankTimes))}`);

// 4. Award: the release carries every bid (tenderers, one price) and is validated before it is stored.
const [, awardTime] = await time(() => service.awardLot(ctx.db, c.commissioner.actor, id, { bidId: bidIds[0], rationale: 'Highest score' }));
console.log(`award with ${bidCount} bids in the release: ${ms(awardTime)}`);

// 5. The publisher's whole release package, and validating it.
const [pkg, packageTime] = await time(() => service.releasePackageForPublisher(ctx.db, c.buyer.id, 'https://example.org'));
const [errors, validateTime] = await time(async () => validateReleasePackage(pkg));
const size = JSON.stringify(pkg).length;
console.log(`publisher package (${(pkg.releases as unknown[]).length} releases, ${(size / 1024).toFixed(0)} KB): built in ${ms(packageTime)}, validated in ${ms(validateTime)} (${errors.length} errors)`);

// 6. The opportunity page, rendered for an anonymous visitor.
const pageTimes: number[] = [];
for (let i = 0; i < 100; i++) {
  const t = performance.now();
  const r = await app.inject({ method: 'GET', url: `/commissioning/opportunities/${id}` });
  if (r.statusCode !== 200) throw new Error(`page answered ${r.statusCode}`);
  pageTimes.push(performance.now() - t);
}
console.log(`opportunity page with ${bidCount} bids: median ${ms(median(pageTimes))}, p95 ${ms(p95(pageTimes))} over 100 (one at a time)`);

await app.close();
await ctx.handle.close();
