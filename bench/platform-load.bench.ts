// The platform under load as people use it, over loopback, for 1, 2 and 4 app processes (serve --workers N)
// against one PostgreSQL database holding the demo: anonymous page views across the modules, API reads, and
// signed-in writes through the API — stories, petition signatures, time-bank transfers and outcome claims.
// Each request comes from an address of its own (X-Forwarded-For behind TRUST_PROXY=1, as from many people
// through one load balancer), so the per-address limits do not refuse the load.
//
// For each number of processes, two phases:
//   paced:   `rate` requests/s in all (default 200), sent on a fixed schedule whatever the answers (open loop);
//            latency is from the scheduled time, so queueing counts. The targets are read here.
//   flat out: `connections` clients each sending its next request as soon as the last is answered (closed
//            loop): the most requests/s the processes serve, for the 2-against-1 scaling target.
// Reports requests/s, p50/p95/p99 per kind and errors (any status but the expected one, or no answer).
//
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/platform-load.bench.ts [seconds=15] [connections=16] [workers=1,2,4] [rate=200]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { scratchDatabase } from './lib/scratch-db.ts';

const seconds = Number(process.argv[2] ?? 15);
const connections = Number(process.argv[3] ?? 16);
const workerCounts = (process.argv[4] ?? '1,2,4').split(',').map(Number);
const rate = Number(process.argv[5] ?? 200);
const server = process.env.DATABASE_URL;
if (!server) throw new Error('DATABASE_URL (a superuser on a PostgreSQL server) is needed');
const bin = new URL('../bin/commonweal.js', import.meta.url).pathname;
const scratch = await scratchDatabase('cw_bench_load', server);
const env = { ...process.env, DATABASE_URL: scratch.url, DATABASE_REPLICA_URL: undefined, LOG_LEVEL: 'error', TRUST_PROXY: '1' };


const pages = ['/', '/organisations', '/spend', '/voice', '/voice/petitions', '/timebank', '/commissioning', '/outcomes', '/places', '/grants'];
const apis = ['/api/v1/organisations?q=newcastle', '/api/v1/spend/publishers', '/api/v1/voice/stories', '/api/v1/voice/petitions', '/api/v1/commissioning/opportunities', '/api/v1/places/local-authorities'];

interface Write { kind: string; expect: number; request: () => { path: string; body: unknown; auth: string } }

/**
 * CPU used so far, in core-seconds, by the app processes (the serve process and its workers), by PostgreSQL's
 * processes and by this load generator, from /proc (Linux). Read before and after a phase, it says which of
 * them filled the machine's cores — the answer to "where is the limit".
 */
function cpuNow(appPid: number): { app: number; db: number; generator: number } | null {
  if (!existsSync('/proc/self/stat')) return null;
  const tick = 100; // USER_HZ: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK))
  const procs = new Map<number, { ppid: number; comm: string; cpu: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      procs.set(Number(entry), { ppid: Number(fields[1]), comm, cpu: (Number(fields[11]) + Number(fields[12])) / tick });
    } catch { /* gone meanwhile */ }
  }
  const isApp = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 10; p = procs.get(p)?.ppid ?? 0, hops += 1) if (p === appPid) return true;
    return false;
  };
  let app = 0;
  let db = 0;
  for (const [pid, p] of procs) {
    if (isApp(pid)) app += p.cpu;
    else if (p.comm === 'postgres') db += p.cpu;
  }
  const own = process.cpuUsage();
  return { app, db, generator: (own.user + own.system) / 1e6 };
}

function cpuReport(before: ReturnType<typeof cpuNow>, after: ReturnType<typeof cpuNow>, elapsed: number): string {
  if (!before || !after) return '  cpu: not measured (no /proc)';
  const share = (k: 'app' | 'db' | 'generator') => ((after[k] - before[k]) / elapsed).toFixed(2);
  const total = (after.app + after.db + after.generator - before.app - before.db - before.generator) / elapsed;
  return `  cpu (cores busy on average): app ${share('app')}, PostgreSQL ${share('db')} (every database on the server), load generator ${share('generator')}; together ${total.toFixed(2)} of ${cpus().length}`;
}

const percentile = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]! : NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(port: number, child: ChildProcess, workers: number) {
  for (let i = 0; i < 600; i += 1) {
    if (child.exitCode !== null) throw new Error('serve stopped');
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => (r.ok ? r.text() : ''), () => '');
    if (new RegExp(`^commonweal_processes ${workers}$`, 'm').test(text)) return;
    await sleep(250);
  }
  throw new Error('serve did not start');
}

/** What the demo holds that the writes need, and a token for each writer. */
async function prepareWrites(): Promise<Write[]> {
  const { openPostgres } = await import('../src/platform/db.ts');
  const { registerUser, createApiToken } = await import('../src/platform/auth/auth.service.ts');
  const { addMember } = await import('../src/organisations/organisations.service.ts');
  const { cliActor } = await import('../src/platform/actor.ts');
  const handle = openPostgres(scratch.url, { max: 2 });
  const q = async <T>(text: string, values: unknown[] = []) => (await handle.pool!.query(text, values)).rows as T[];
  const tokenFor = async (userId: string) => `Bearer ${(await createApiToken(handle.db, cliActor, { userId, name: 'load test' })).token}`;
  try {
    const teller = await registerUser(handle.db, cliActor, { email: 'load-teller@example.org', name: 'Load Teller', password: 'a long enough password' });
    const tellerAuth = await tokenFor(teller.id);
    const [service] = await q<{ id: string }>(`SELECT id FROM voice_services ORDER BY name LIMIT 1`);
    const [petition] = await q<{ id: string }>(`SELECT id FROM voice_petitions WHERE status = 'open' ORDER BY created_at LIMIT 1`);
    const [la] = await q<{ code: string }>(`SELECT area_code AS code FROM voice_service_areas WHERE service_id = $1 LIMIT 1`, [service!.id]).catch(() => [{ code: 'E08000021' }]);
    const members = await q<{ id: string; user_id: string }>(`SELECT id, user_id FROM timebank_accounts WHERE kind = 'member' AND status = 'active' AND user_id IS NOT NULL ORDER BY balance DESC LIMIT 2`);
    if (!service || !petition || members.length < 2) throw new Error('the demo lacks a voice service, an open petition or two time-bank members');
    const memberAuth = await Promise.all(members.map((m) => tokenFor(m.user_id)));
    const [contract] = await q<{ id: string; provider: string; start: string }>(`SELECT id, provider_organisation_id AS provider, start_date::text AS start FROM outcome_contracts ORDER BY created_at LIMIT 1`);
    const [metric] = await q<{ code: string }>(`SELECT code FROM outcome_metrics WHERE contract_id = $1 ORDER BY code LIMIT 1`, [contract!.id]);
    const claimant = await registerUser(handle.db, cliActor, { email: 'load-claimant@example.org', name: 'Load Claimant', password: 'a long enough password' });
    await addMember(handle.db, cliActor, contract!.provider, { email: 'load-claimant@example.org', role: 'staff' });
    const claimantAuth = await tokenFor(claimant.id);
    let n = 0;
    return [
      { kind: 'story', expect: 202, request: () => ({ path: '/api/v1/voice/stories', auth: tellerAuth, body: { title: `Waiting for a carer ${(n += 1)}`, body: 'The carer came late every day this week and the office did not answer.', pseudonym: 'Load', email: 'load-teller@example.org', services: [service.id] } }) },
      { kind: 'signature', expect: 202, request: () => ({ path: `/api/v1/voice/petitions/${petition.id}/signatures`, auth: tellerAuth, body: { name: 'A Signer', email: `signer-${randomUUID()}@example.org`, postcode: 'NE1 1AA', localAuthority: la?.code ?? 'E08000021', consent: true } }) },
      { kind: 'transfer', expect: 201, request: () => { const i = (n += 1) % 2; return { path: '/api/v1/timebank/transfers', auth: memberAuth[i]!, body: { id: randomUUID(), from: members[i]!.id, to: members[1 - i]!.id, minutes: 1, reason: 'Thanks for the help' } }; } },
      { kind: 'claim', expect: 201, request: () => ({ path: `/api/v1/outcomes/contracts/${contract!.id}/claims`, auth: claimantAuth, body: { metric: metric!.code, participantRef: `LOAD-${randomUUID().slice(0, 8)}`, achievedOn: contract!.start, evidence: 'Records checked' } }) },
    ];
  } finally {
    await handle.close();
  }
}

const address = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

async function run(port: number, writes: Write[], paced: boolean) {
  const kinds = ['page', 'api', ...writes.map((w) => w.kind)];
  const times: Record<string, number[]> = Object.fromEntries(kinds.map((k) => [k, []]));
  const failures = new Map<string, number>();
  let errors = 0;
  let sent = 0;
  let ticket = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  // Of every 12 requests: 6 pages, 3 API reads, 3 writes (one kind in turn).
  const pick = (i: number) => (i % 12 < 6 ? 'page' : i % 12 < 9 ? 'api' : writes[Math.floor(i / 12) % writes.length]!.kind);
  await Promise.all(Array.from({ length: paced ? Math.max(connections, 64) : connections }, async () => {
    while (true) {
      const i = ticket++;
      const due = paced ? started + (i * 1000) / rate : performance.now();
      if (due >= until) return;
      if (paced && due > performance.now()) await sleep(due - performance.now());
      const kind = pick(i);
      const write = writes.find((w) => w.kind === kind);
      let path: string;
      let init: RequestInit = { headers: { 'x-forwarded-for': address() } };
      let expect = 200;
      if (write) {
        const r = write.request();
        path = r.path;
        expect = write.expect;
        init = { method: 'POST', headers: { 'x-forwarded-for': address(), authorization: r.auth, 'content-type': 'application/json' }, body: JSON.stringify(r.body) };
      } else {
        const list = kind === 'page' ? pages : apis;
        path = list[Math.floor(i / 12 + i) % list.length]!;
      }
      const from = paced ? due : performance.now();
      try {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
        const body = await res.text();
        if (res.status !== expect) {
          errors += 1;
          const key = `${kind} ${res.status} ${path.replace(/[0-9a-f-]{36}/g, ':id')}${res.status >= 400 ? ` ${body.slice(0, 120)}` : ''}`;
          failures.set(key, (failures.get(key) ?? 0) + 1);
        }
      } catch (error) {
        errors += 1;
        const key = `${kind} ${(error as Error).message}`;
        failures.set(key, (failures.get(key) ?? 0) + 1);
      }
      times[kind]!.push(performance.now() - from);
      sent += 1;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  return { rps: sent / elapsed, errors, failures, times };
}

function report(label: string, r: Awaited<ReturnType<typeof run>>) {
  return [`${label}: ${r.rps.toFixed(0)} requests/s, ${r.errors} errors${r.failures.size ? ` (${[...r.failures].map(([k, n]) => `${k}: ${n}`).join('; ')})` : ''}`,
    ...Object.entries(r.times).map(([k, xs]) => {
      xs.sort((a, b) => a - b);
      return `  ${k.padEnd(9)} n=${String(xs.length).padStart(5)}  p50 ${percentile(xs, 0.5).toFixed(1).padStart(6)} ms  p95 ${percentile(xs, 0.95).toFixed(1).padStart(6)} ms  p99 ${percentile(xs, 0.99).toFixed(1).padStart(6)} ms`;
    })].join('\n');
}

try {
  console.log(`seeding the demo into ${scratch.name} …`);
  const seeded = spawnSync(process.execPath, [bin, 'seed-demo'], { env, stdio: 'inherit' });
  if (seeded.status !== 0) throw new Error('seed-demo failed');
  const writes = await prepareWrites();
  console.log(`load: ${seconds} s a phase, paced at ${rate} requests/s, flat out with ${connections} connections; load average before: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const flat: Record<number, number> = {};
  for (const workers of workerCounts) {
    const port = 30000 + Math.floor(Math.random() * 10000);
    const child = spawn(process.execPath, [bin, 'serve', '--workers', String(workers), '--port', String(port), '--host', '127.0.0.1'], { env, stdio: 'ignore' });
    try {
      await waitFor(port, child, workers);
      await run(port, writes, false).then(() => undefined); // warm-up (caches, JIT, pools)
      const paced = await run(port, writes, true);
      console.log(report(`${workers} process${workers > 1 ? 'es' : ''}, paced at ${rate}/s`, paced));
      const cpuBefore = cpuNow(child.pid!);
      const startedAt = performance.now();
      const out = await run(port, writes, false);
      const cpuAfter = cpuNow(child.pid!);
      flat[workers] = out.rps;
      console.log(report(`${workers} process${workers > 1 ? 'es' : ''}, flat out`, out));
      console.log(cpuReport(cpuBefore, cpuAfter, (performance.now() - startedAt) / 1000));
      console.log(`  load average: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  if (flat[1] && flat[2]) console.log(`2 processes against 1, flat out: ${(flat[2] / flat[1]).toFixed(2)}×`);
} finally {
  await scratch.drop();
}
