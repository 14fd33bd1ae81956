// Outcomes: the hot path and the reads, on PGlite and (when DATABASE_URL is set) on PostgreSQL.
// 1. Claims: one contract, `claims` outcome claims by the provider (16 at a time).
// 2. Validation: all of them accepted by 16 concurrent validators. Every acceptance locks the contract row
//    (that is how the cap holds), so this measures the serial ceiling of one contract.
// 3. Payment of all accepted claims in one payment; the ledger, INDIGO export and contract page read after.
// Run: [DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres] node --import tsx bench/outcomes-claims.bench.ts [claims]
import { openTestContext } from '../src/platform/testing.ts';
import { createApp } from '../src/app.ts';
import type { Engine } from '../src/platform/db.ts';
import * as service from '../src/outcomes/outcomes.service.ts';
import { indigoProject } from '../src/outcomes/outcomes.exports.ts';
import { contractWithRateCard, parties } from '../src/outcomes/outcomes.test-support.ts';

const total = Number(process.argv[2] ?? 2000);
const concurrency = 16;
const engines: Engine[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

async function pool<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      const start = performance.now();
      await work(item);
      latencies.push(performance.now() - start);
    }
  }));
  return latencies.sort((a, b) => a - b);
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!.toFixed(1);

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

for (const engine of engines) {
  const ctx = await openTestContext(engine);
  const app = await createApp(ctx);
  const p = await parties(ctx);
  const { contract } = await contractWithRateCard(ctx, p, { capPence: 100_000 * total, personCapPence: null });
  const refs = Array.from({ length: total }, (_, i) => `B-${i}`);

  const claimStart = performance.now();
  const ids: string[] = [];
  const claimLat = await pool(refs, async (ref) => {
    ids.push((await service.claimOutcome(ctx.db, p.providerStaff.actor, contract.id, { metric: 'O1', participantRef: ref, achievedOn: '2025-06-01', evidence: 'Bench evidence' })).id);
  });
  const claimSecs = (performance.now() - claimStart) / 1000;

  const validateStart = performance.now();
  const validateLat = await pool(ids, (id) => service.decideClaim(ctx.db, p.evaluator.actor, id, { decision: 'accept' }));
  const validateSecs = (performance.now() - validateStart) / 1000;

  const pay = await timed(() => service.recordPayment(ctx.db, p.finance.actor, contract.id, { claimIds: ids, paidOn: '2025-07-01' }));
  const ledger = await timed(() => service.ledger(ctx.db, contract.id));
  if (ledger.value.paidPence !== 100_000 * total || ledger.value.capLeftPence !== 0) throw new Error(`ledger does not add up: ${JSON.stringify(ledger.value)}`);
  const indigo = await timed(() => indigoProject(ctx.db, contract.id));
  const pageTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = await timed(() => app.inject({ method: 'GET', url: `/outcomes/contracts/${contract.id}` }));
    if (t.value.statusCode !== 200) throw new Error(`contract page answered ${t.value.statusCode}`);
    pageTimes.push(t.ms);
  }
  pageTimes.sort((a, b) => a - b);

  console.log(`[${engine}] ${total} claims, ${concurrency} at a time`);
  console.log(`  claim:    ${(total / claimSecs).toFixed(0)}/s  p50 ${pct(claimLat, 50)} ms  p99 ${pct(claimLat, 99)} ms`);
  console.log(`  validate: ${(total / validateSecs).toFixed(0)}/s  p50 ${pct(validateLat, 50)} ms  p99 ${pct(validateLat, 99)} ms  (one contract: acceptances queue on its row lock)`);
  console.log(`  one payment of all ${total} claims: ${pay.ms.toFixed(0)} ms`);
  console.log(`  ledger read: ${ledger.ms.toFixed(1)} ms   INDIGO export: ${indigo.ms.toFixed(0)} ms   contract page p50 ${pct(pageTimes, 50)} ms`);
  await app.close();
  await ctx.handle.close();
}
