// Time-bank transfers over HTTP on PostgreSQL: 32 concurrent clients (a separate process, so that its CPU is
// counted apart from the server's), each POSTing /api/v1/timebank/transfers with its own API token, for a fixed
// time. Two workloads: uniformly random member pairs; and half of all transfers issued from one organisation
// account (a hot row every such transaction must lock). After each run the ledger's invariants are checked from
// the database. Besides throughput and latency it reports the CPU each transfer cost the server process, the
// PostgreSQL server and the client, which stays comparable when the machine is shared.
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/timebank-transfers.bench.ts [seconds] [members]
//   POOL=n: the app's connection pool (default: the app's own default). PROFILE=file: a CPU profile of the
//   server during the first workload.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { scratchDatabase } from './lib/scratch-db.ts';
import { loadConfig } from '../src/platform/config.ts';
import { openPostgres } from '../src/platform/db.ts';
import { createApp, createContext, createLogger } from '../src/app.ts';
import { cliActor } from '../src/platform/actor.ts';
import * as service from '../src/timebank/timebank.service.ts';
import { checkLedger } from '../src/timebank/timebank.check.ts';
import { bankWithMembers } from '../src/timebank/timebank.test-support.ts';
import { postgresCpuMs, processCpuMs } from './lib/cpu.ts';

const seconds = Number(process.argv[2] ?? 10);
const memberCount = Number(process.argv[3] ?? 1000);
const clients = 32;
if (!process.env.DATABASE_URL) throw new Error('Set DATABASE_URL: this benchmark runs on the PostgreSQL server');

const scratch = await scratchDatabase('cw_bench_transfers');
const config = { ...loadConfig({ ...process.env, NODE_ENV: 'production' }), dataDir: 'unused' };
const handle = openPostgres(scratch.url, { max: process.env.POOL ? Number(process.env.POOL) : config.databasePoolSize, onIdleError: () => {} });
const ctx = await createContext(config, createLogger({ logLevel: 'warn' }), handle);
const app = await createApp(ctx);
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

const started = performance.now();
const { issuer, coordinator, members } = await bankWithMembers(ctx, 'Bench Time Bank', memberCount, () => -600);
// Every member starts with ten hours, so member-to-member transfers rarely meet a limit.
for (let i = 0; i < members.length; i += 50) {
  await Promise.all(members.slice(i, i + 50).map((m) => service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: issuer, to: m.accountId, minutes: 600, reason: 'Opening credits' })));
}
console.log(`engine postgres, ${clients} concurrent clients over HTTP (keep-alive, one process), ${memberCount} members, ${seconds} s per workload, pool ${handle.pool!.options.max} (setup ${((performance.now() - started) / 1000).toFixed(1)} s)`);

interface ClientResult { latencies: number[]; statuses: Record<string, number>; elapsed: number; cpuMs: number }

function runClients(job: Record<string, unknown>): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL('./lib/transfer-client.mjs', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as ClientResult) : reject(new Error(`client exited ${code}`))));
    child.stdin.end(JSON.stringify(job));
  });
}

const session = process.env.PROFILE ? new Session() : null;
async function run(mode: 'post' | 'get', hotShare: number, profile: boolean) {
  const job = {
    base, seconds, clients, mode, hotShare, issuer, coordinatorAuth: coordinator.auth.authorization,
    members: members.map((m) => ({ accountId: m.accountId, authorization: m.auth.authorization })),
  };
  if (profile && session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const pgBefore = postgresCpuMs();
  const serverBefore = processCpuMs();
  const result = await runClients(job);
  const serverMs = processCpuMs() - serverBefore;
  const pgAfter = postgresCpuMs();
  if (profile && session) {
    const { profile: p } = await session.post('Profiler.stop');
    writeFileSync(process.env.PROFILE!, JSON.stringify(p));
    session.disconnect();
  }
  return { ...result, serverMs, pgMs: pgBefore === null || pgAfter === null ? null : pgAfter - pgBefore };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const perOp = (ms: number | null, n: number) => (ms === null ? '—' : (ms / n).toFixed(2));
console.log('| workload | per second | p50 ms | p99 ms | answers | CPU ms each: server / PostgreSQL / client | invariant violations after |');
console.log('|---|---:|---:|---:|---|---:|---:|');
const workloads = [
  ['uniformly random member pairs', 'post', 0],
  ['half from one organisation account', 'post', 0.5],
  ['(ceiling: authenticated GET of an account, no write)', 'get', 0],
] as const;
for (const [i, [label, mode, hotShare]] of workloads.entries()) {
  const r = await run(mode, hotShare, i === 0);
  r.latencies.sort((a, b) => a - b);
  const ok = mode === 'get' ? (r.statuses['200'] ?? 0) : (r.statuses['201'] ?? 0);
  const n = r.latencies.length;
  const answers = Object.entries(r.statuses).map(([s, c]) => `${c}×${s}`).join(', ');
  const cpu = `${perOp(r.serverMs, n)} / ${perOp(r.pgMs, n)} / ${perOp(r.cpuMs, n)}`;
  let violations = '—';
  if (mode === 'post') {
    const check = await checkLedger(ctx.db);
    violations = `${check.violations.length} (${check.counts.transfers} transfers, ${check.counts.postings} postings)`;
  }
  console.log(`| ${label} | ${(ok / r.elapsed).toFixed(0)} | ${percentile(r.latencies, 50).toFixed(1)} | ${percentile(r.latencies, 99).toFixed(1)} | ${answers} | ${cpu} | ${violations} |`);
}
console.log(`load average after: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);

await app.close();
await handle.close();
await scratch.drop();
