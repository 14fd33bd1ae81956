// The platform under load as people use it, over loopback, for 1, 2 and 4 app processes (serve --workers N)
// against one PostgreSQL database holding the demo: anonymous page views across the modules and API reads.
// Reports requests/s, p50/p95/p99 per kind and errors. (First version: signed-in writes — stories,
// signatures, transfers, claims — are still to be added to the mix.)
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/platform-load.bench.ts [seconds] [connections] [workers,…]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const seconds = Number(process.argv[2] ?? 20);
const connections = Number(process.argv[3] ?? 16);
const workerCounts = (process.argv[4] ?? '1,2,4').split(',').map(Number);
const server = process.env.DATABASE_URL;
if (!server) throw new Error('DATABASE_URL (a superuser on a PostgreSQL server) is needed');
const bin = new URL('../bin/commonweal.js', import.meta.url).pathname;
const name = `cw_bench_load_${randomBytes(3).toString('hex')}`;
const url = new URL(server);
url.pathname = `/${name}`;
const env = { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'error' };

const admin = new pg.Client({ connectionString: server });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
await admin.end();

const kinds: Record<string, string[]> = {
  page: ['/', '/organisations', '/spend', '/voice', '/voice/petitions', '/timebank', '/commissioning', '/outcomes', '/places'],
  api: ['/api/v1/organisations?q=newcastle', '/api/v1/spend/publishers', '/api/v1/voice/stories', '/api/v1/voice/petitions', '/api/v1/commissioning/opportunities', '/api/v1/places/local-authorities'],
};

const percentile = (xs: number[], p: number) => xs.length ? xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]! : NaN;

async function waitFor(port: number, child: ChildProcess) {
  for (let i = 0; i < 600; i += 1) {
    if (child.exitCode !== null) throw new Error('serve stopped');
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('serve did not start');
}

try {
  console.log(`seeding the demo into ${name} …`);
  const seeded = spawnSync(process.execPath, [bin, 'seed-demo'], { env, stdio: 'inherit' });
  if (seeded.status !== 0) throw new Error('seed-demo failed');
  const results: string[] = [];
  for (const workers of workerCounts) {
    const port = 30000 + Math.floor(Math.random() * 10000);
    const child = spawn(process.execPath, [bin, 'serve', '--workers', String(workers), '--port', String(port), '--host', '127.0.0.1'], { env, stdio: 'ignore' });
    try {
      await waitFor(port, child);
      await new Promise((r) => setTimeout(r, 2000 * workers));
      const times: Record<string, number[]> = { page: [], api: [] };
      let errors = 0;
      const failures = new Map<string, number>();
      let sent = 0;
      const until = performance.now() + seconds * 1000;
      await Promise.all(Array.from({ length: connections }, async (_, c) => {
        for (let i = c; performance.now() < until; i += 1) {
          const kind = i % 3 === 2 ? 'api' : 'page';
          const list = kinds[kind]!;
          const path = list[i % list.length]!;
          const started = performance.now();
          try {
            const res = await fetch(`http://127.0.0.1:${port}${path}`);
            await res.arrayBuffer();
            if (res.status !== 200) {
              errors += 1;
              failures.set(`${res.status} ${path}`, (failures.get(`${res.status} ${path}`) ?? 0) + 1);
            }
          } catch (error) {
            errors += 1;
            failures.set(`${(error as Error).message} ${path}`, (failures.get(`${(error as Error).message} ${path}`) ?? 0) + 1);
          }
          times[kind]!.push(performance.now() - started);
          sent += 1;
        }
      }));
      const line = [`${workers} process${workers > 1 ? 'es' : ''}: ${(sent / seconds).toFixed(0)} requests/s, ${errors} errors${failures.size ? ` (${[...failures].map(([k, n]) => `${k}: ${n}`).join('; ')})` : ''}`,
        ...Object.entries(times).map(([k, xs]) => {
          xs.sort((a, b) => a - b);
          return `  ${k.padEnd(5)} n=${xs.length} p50 ${percentile(xs, 0.5).toFixed(1)} ms, p95 ${percentile(xs, 0.95).toFixed(1)} ms, p99 ${percentile(xs, 0.99).toFixed(1)} ms`;
        })].join('\n');
      console.log(line);
      results.push(line);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
} finally {
  const dropper = new pg.Client({ connectionString: server });
  await dropper.connect();
  await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await dropper.end();
}
