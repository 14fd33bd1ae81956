// Time-bank transfers over HTTP on PostgreSQL: 32 concurrent clients (in a worker thread, so they do not share
// the server's event loop), each POSTing /api/v1/timebank/transfers with its own API token, for a fixed time.
// Two workloads: uniformly random member pairs; and half of all transfers issued from one organisation account
// (a hot row every transaction must lock). After each run the ledger's invariants are checked from the database.
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/timebank-transfers.bench.ts [seconds] [members]
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../src/platform/config.ts';
import { openPostgres } from '../src/platform/db.ts';
import { createApp, createContext, createLogger } from '../src/app.ts';
import { cliActor } from '../src/platform/actor.ts';
import * as service from '../src/timebank/timebank.service.ts';
import { checkLedger } from '../src/timebank/timebank.check.ts';
import { bankWithMembers } from '../src/timebank/timebank.test-support.ts';

const seconds = Number(process.argv[2] ?? 10);
const memberCount = Number(process.argv[3] ?? 1000);
const clients = 32;
if (!process.env.DATABASE_URL) throw new Error('Set DATABASE_URL: this benchmark runs on the PostgreSQL server');

const url = new URL(process.env.DATABASE_URL);
const name = `cw_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: url.toString() });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
url.pathname = `/${name}`;
const handle = openPostgres(url.toString(), { max: Number(process.env.POOL ?? 32), onIdleError: () => {} });
const ctx = await createContext({ ...loadConfig({ NODE_ENV: 'production' }), dataDir: 'unused' }, createLogger({ logLevel: 'warn' }), handle);
const app = await createApp(ctx);
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

const started = performance.now();
const { issuer, coordinator, members } = await bankWithMembers(ctx, 'Bench Time Bank', memberCount, () => -600);
// Every member starts with ten hours, so member-to-member transfers rarely meet a limit.
for (let i = 0; i < members.length; i += 50) {
  await Promise.all(members.slice(i, i + 50).map((m) => service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: issuer, to: m.accountId, minutes: 600, reason: 'Opening credits' })));
}
console.log(`engine postgres, ${clients} concurrent clients over HTTP, ${memberCount} members, ${seconds} s per workload (setup ${((performance.now() - started) / 1000).toFixed(1)} s)`);

const workerCode = `
const { parentPort, workerData } = require('node:worker_threads');
const { randomUUID } = require('node:crypto');
const { base, seconds, clients, members, issuer, coordinatorAuth, hotShare } = workerData;
const latencies = []; const statuses = {};
const until = performance.now() + seconds * 1000;
const pick = () => members[Math.floor(Math.random() * members.length)];
async function client() {
  while (performance.now() < until) {
    let auth, from, to;
    if (Math.random() < hotShare) { auth = coordinatorAuth; from = issuer; to = pick().accountId; }
    else { const a = pick(); let b = pick(); while (b === a) b = pick(); auth = a.auth; from = a.accountId; to = b.accountId; }
    if (hotShare < 0) {
      // The ceiling on this machine: an authenticated GET of an account, no transaction, no write.
      const a = pick(); const start = performance.now();
      const res = await fetch(base + '/api/v1/timebank/accounts/' + a.accountId, { headers: a.auth });
      await res.arrayBuffer(); latencies.push(performance.now() - start); statuses[res.status] = (statuses[res.status] || 0) + 1;
      continue;
    }
    const body = JSON.stringify({ id: randomUUID(), from, to, minutes: 1 + Math.floor(Math.random() * 10), reason: 'Bench exchange' });
    const start = performance.now();
    const res = await fetch(base + '/api/v1/timebank/transfers', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    latencies.push(performance.now() - start);
    statuses[res.status] = (statuses[res.status] || 0) + 1;
  }
}
Promise.all(Array.from({ length: clients }, client)).then(() => parentPort.postMessage({ latencies, statuses }));
`;

function run(hotShare: number): Promise<{ latencies: number[]; statuses: Record<string, number> }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerCode, {
      eval: true,
      workerData: { base, seconds, clients, members: members.map((m) => ({ accountId: m.accountId, auth: m.auth })), issuer, coordinatorAuth: coordinator.auth, hotShare },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
console.log('| workload | transfers/s (201) | p50 ms | p99 ms | answers | invariant violations after |');
console.log('|---|---:|---:|---:|---|---:|');
for (const [label, hotShare] of [['uniformly random member pairs', 0], ['half from one organisation account', 0.5], ['(ceiling: authenticated GET of an account, no write)', -1]] as const) {
  const { latencies, statuses } = await run(hotShare);
  latencies.sort((a, b) => a - b);
  if (hotShare < 0) {
    console.log(`| ${label} | ${(latencies.length / seconds).toFixed(0)} requests/s | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} | ${Object.entries(statuses).map(([s, n]) => `${n}×${s}`).join(', ')} | — |`);
    continue;
  }
  const check = await checkLedger(ctx.db);
  console.log(`| ${label} | ${((statuses['201'] ?? 0) / seconds).toFixed(0)} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} | ${Object.entries(statuses).map(([s, n]) => `${n}×${s}`).join(', ')} | ${check.violations.length} (${check.counts.transfers} transfers, ${check.counts.postings} postings) |`);
}

await app.close();
await handle.close();
await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await admin.end();
