// Where a transfer's time goes: the service and the database without HTTP or tokens. 32 concurrent callers of
// recordTransfer (sharing the app’s pool: POOL=n to change it) for a fixed time, uniformly random member pairs and then half
// from one organisation account; and the database function alone (timebank_post_transfer, one statement).
// Compare with bench/timebank-transfers.bench.ts (the same over HTTP) to see what HTTP and authentication add.
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/timebank-ledger.bench.ts [seconds] [members]
import { randomUUID } from 'node:crypto';
import { scratchDatabase } from './lib/scratch-db.ts';
import { loadConfig } from '../src/platform/config.ts';
import { openPostgres } from '../src/platform/db.ts';
import { createContext, createLogger } from '../src/app.ts';
import { cliActor, type Actor } from '../src/platform/actor.ts';
import * as service from '../src/timebank/timebank.service.ts';
import * as repo from '../src/timebank/timebank.repository.ts';
import { checkLedger } from '../src/timebank/timebank.check.ts';
import { bankWithMembers } from '../src/timebank/timebank.test-support.ts';

const seconds = Number(process.argv[2] ?? 5);
const memberCount = Number(process.argv[3] ?? 1000);
const clients = 32;
if (!process.env.DATABASE_URL) throw new Error('Set DATABASE_URL: this benchmark runs on the PostgreSQL server');
const scratch = await scratchDatabase('cw_bench_ledger');
const handle = openPostgres(scratch.url, { max: process.env.POOL ? Number(process.env.POOL) : loadConfig(process.env).databasePoolSize, onIdleError: () => {} });
const ctx = await createContext({ ...loadConfig({ NODE_ENV: 'production' }), dataDir: 'unused' }, createLogger({ logLevel: 'warn' }), handle);
const { issuer, coordinator, members } = await bankWithMembers(ctx, 'Ledger Bench Bank', memberCount, () => -600);
for (let i = 0; i < members.length; i += 50) {
  await Promise.all(members.slice(i, i + 50).map((m) => service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: issuer, to: m.accountId, minutes: 600, reason: 'Opening credits' })));
}
const actorOf = (userId: string): Actor => ({ userId, tokenId: null, isAdmin: false, via: 'token' });
const pick = () => members[Math.floor(Math.random() * members.length)]!;

async function run(label: string, once: () => Promise<unknown>) {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  let refused = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < until) {
      const start = performance.now();
      try { await once(); } catch { refused++; }
      latencies.push(performance.now() - start);
    }
  }));
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
  console.log(`| ${label} | ${((latencies.length - refused) / seconds).toFixed(0)} | ${p(0.5)} | ${p(0.99)} | ${refused} |`);
}

console.log(`engine postgres, ${clients} concurrent callers, no HTTP, ${memberCount} members, ${seconds} s each`);
console.log('| workload | transfers/s | p50 ms | p99 ms | refused |');
console.log('|---|---:|---:|---:|---:|');
const memberTransfer = () => {
  const a = pick(); let b = pick(); while (b === a) b = pick();
  return service.recordTransfer(ctx.db, actorOf(a.userId), { id: randomUUID(), from: a.accountId, to: b.accountId, minutes: 1 + Math.floor(Math.random() * 10), reason: 'Bench exchange' });
};
await run('service, uniformly random member pairs', memberTransfer);
await run('service, half from one organisation account', () => (Math.random() < 0.5
  ? service.recordTransfer(ctx.db, actorOf(coordinator.userId), { id: randomUUID(), from: issuer, to: pick().accountId, minutes: 1, reason: 'Bench credits' })
  : memberTransfer()));
await run('database function alone, uniformly random pairs', () => {
  const a = pick(); let b = pick(); while (b === a) b = pick();
  const id = randomUUID();
  return repo.postTransfer(ctx.db, { id, from: a.accountId, to: b.accountId, minutes: 1, reason: 'Bench', hash: id, reverses: null, groupId: null, recordedBy: a.userId, via: 'token', onBehalf: false, kind: 'transfer', category: null, tokenId: null, action: 'timebank.transfer.recorded', audit: '{}' });
});
await run('SELECT 1 (a round trip, for scale)', () => ctx.db.selectFrom('timebank_banks').select('id').limit(1).execute());
const check = await checkLedger(ctx.db);
console.log(`invariant violations after: ${check.violations.length} (${check.counts.transfers} transfers)`);
await handle.close();
await scratch.drop();
