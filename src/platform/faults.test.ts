// Faults on a PostgreSQL server: the primary going away during a load of requests, and a slow SIGTERM.
//
// - The primary vanishes (every connection cut, new ones dropped, as in a crash or restart) while requests of
//   every kind arrive: each is answered 200/201 or 503 with a clear page or problem JSON — never a 500, never a
//   hung request — the process keeps running, and once the server is back it answers again without a restart.
//   Nothing is half-written: every organisation made has its audit row. By default the fault is a TCP proxy
//   between the app and the server (the shared server is never touched); with FAULT_RESTART_CLUSTER="15 name"
//   (a cluster of your own, the one DATABASE_URL names) the same runs against a real `pg_ctlcluster restart`.
// - `serve --workers 2` given SIGTERM while a request waits on the database finishes that request, then exits 0.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createApp, createContext, createLogger } from '../app.ts';
import { loadConfig } from './config.ts';
import { openPostgres, type DatabaseHandle } from './db.ts';
import { openTestDatabase, userWithToken } from './testing.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.test-support.ts';
import type { App, AppContext } from './module.ts';

const bin = new URL('../../bin/commonweal.js', import.meta.url).pathname;
const skip = !process.env.DATABASE_URL && 'needs DATABASE_URL (a PostgreSQL server)';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome { kind: string; status: number; body: string; type: string; started: number }

/** Requests of three kinds, `connections` at a time, until `stop()`; every answer is kept. */
function load(base: string, auth: Record<string, string>, connections = 6) {
  const outcomes: Outcome[] = [];
  let running = true;
  let n = 0;
  const one = async (kind: string): Promise<Outcome> => {
    const i = (n += 1);
    const started = performance.now();
    const request = kind === 'page' ? fetch(`${base}/organisations`, { signal: AbortSignal.timeout(20_000) })
      : kind === 'api' ? fetch(`${base}/api/v1/organisations?q=Fault`, { signal: AbortSignal.timeout(20_000) })
        : fetch(`${base}/api/v1/organisations`, {
          method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, signal: AbortSignal.timeout(20_000),
          body: JSON.stringify({ name: `Fault Load Group ${i}`, legalForm: 'community-group' }),
        });
    const res = await request;
    return { kind, status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '', started };
  };
  const loops = Array.from({ length: connections }, async (_, c) => {
    for (let i = c; running; i += 1) {
      const kind = ['page', 'api', 'write'][i % 3]!;
      const started = performance.now();
      try {
        outcomes.push(await one(kind));
      } catch (error) {
        outcomes.push({ kind, status: 0, body: String((error as Error).message), type: '', started });
      }
    }
  });
  return {
    outcomes,
    one,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

function assertClean(outcomes: Outcome[]) {
  for (const o of outcomes) {
    const ok = o.kind === 'write' ? 201 : 200;
    assert.ok(o.status === ok || o.status === 503, `${o.kind}: ${o.status} ${o.body.slice(0, 300)}`);
    if (o.status !== 503) continue;
    if (o.kind === 'page') {
      assert.match(o.type, /text\/html/);
      assert.match(o.body, /cannot reach its database/, 'the page says what is wrong');
      assert.equal((o.body.match(/govuk-error-summary|govuk-heading-l/g) ?? []).length >= 1, true);
    } else {
      assert.match(o.type, /application\/problem\+json/);
      assert.match(JSON.parse(o.body).detail, /cannot reach its database/);
    }
  }
}

describe('the primary goes away during a load of requests', { skip }, () => {
  let handle: DatabaseHandle & { url?: string; ownerUrl?: string };
  let proxy: TcpProxy;
  let ctx: AppContext;
  let app: App;
  let base: string;
  const restartCluster = process.env.FAULT_RESTART_CLUSTER?.split(/\s+/);

  before(async () => {
    handle = await openTestDatabase('postgres');
    const server = new URL(process.env.DATABASE_URL!);
    proxy = await startTcpProxy(Number(server.port || 5432), server.hostname);
    const config = { ...loadConfig({ NODE_ENV: 'test' }), dataDir: 'unused-in-tests' };
    const own = openPostgres(restartCluster ? handle.url! : proxy.via(handle.url!), { max: 5 });
    ctx = await createContext(config, createLogger({ logLevel: process.env.TEST_LOG_LEVEL ?? 'silent' }), own);
    app = await createApp(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  after(async () => {
    await app?.close();
    await ctx?.handle.close().catch(() => {});
    await proxy?.close();
    await handle?.close();
  });

  it('answers every request 200 or a clear 503 while it is away, and again without a restart once it is back', async () => {
    const { auth } = await userWithToken(ctx.db, 'fault-writer@example.org');
    const traffic = load(base, auth);
    await sleep(1000);
    const before = traffic.outcomes.length;
    if (restartCluster) {
      const restarted = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', restartCluster[0]!, restartCluster[1]!, 'restart', '-m', 'fast'], { encoding: 'utf8' });
      assert.equal(restarted.status, 0, restarted.stderr);
    } else {
      proxy.cut();
      await sleep(1500);
      proxy.restore();
    }
    // Back: within a few seconds every kind of request is answered again, by the same process.
    let back = false;
    for (let i = 0; i < 100 && !back; i += 1) {
      await sleep(100);
      back = (await traffic.one('api').catch(() => null))?.status === 200;
    }
    const backAt = performance.now();
    await sleep(2000);
    await traffic.stop();
    assert.ok(back, 'the app reconnected');
    const outcomes = traffic.outcomes;
    assertClean(outcomes);
    const unavailable = outcomes.filter((o) => o.status === 503);
    assert.ok(unavailable.length > 0, `the fault was felt (${outcomes.length} requests, ${before} before it)`);
    // Every request sent after the first good answer is answered (one sent earlier may have waited on the fault).
    const later = outcomes.filter((o) => o.started > backAt + 200);
    assert.ok(later.length > 0, 'requests were sent after it');
    assert.ok(later.every((o) => o.status === 200 || o.status === 201), `after it, all answered: ${later.map((o) => o.status).join(' ')}`);
    for (const kind of ['page', 'api', 'write']) {
      const after = await traffic.one(kind);
      assert.equal(after.status, kind === 'write' ? 201 : 200, after.body);
    }

    // Nothing half-written: each organisation made has its audit row, and every 201 has its organisation.
    const made = await ctx.db.selectFrom('organisations').select('id').where('name', 'like', 'Fault Load Group %').execute();
    const audited = await ctx.db.selectFrom('audit_log').select('entity_id').where('action', '=', 'organisation.created')
      .where('entity_id', 'in', made.length ? made.map((m) => m.id) : ['none']).execute();
    assert.equal(audited.length, made.length);
    const created = outcomes.filter((o) => o.kind === 'write' && o.status === 201).length;
    assert.ok(made.length >= created + 1, `${made.length} organisations for ${created} + 1 answered 201`);
    assert.ok(made.length <= created + 1 + unavailable.filter((o) => o.kind === 'write').length);
  });
});

describe('serve --workers 2 given SIGTERM', { skip }, () => {
  let handle: DatabaseHandle & { url?: string; ownerUrl?: string };
  let child: ChildProcess;
  let out = '';
  const port = 40000 + Math.floor(Math.random() * 20000);
  before(async () => {
    handle = await openTestDatabase('postgres');
    child = spawn(process.execPath, [bin, 'serve', '--workers', '2', '--port', String(port), '--host', '127.0.0.1'], {
      env: { ...process.env, DATABASE_URL: handle.url, DATABASE_OWNER_URL: handle.ownerUrl, DATABASE_REPLICA_URL: undefined, LOG_LEVEL: 'error', COMMONWEAL_DATA_DIR: undefined, COMMONWEAL_SHUTDOWN_GRACE_SECONDS: '120' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    for (let i = 0; i < 240; i += 1) {
      if (child.exitCode !== null) throw new Error(`serve stopped: ${out}`);
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => '');
      if (/^commonweal_processes 2$/m.test(text)) break;
      await sleep(250);
    }
  });
  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await handle?.close();
  });

  it('finishes the request in flight, then exits 0', async () => {
    // The request waits on a lock the test holds, so it is in flight when the signal comes.
    const owner = new URL(process.env.DATABASE_URL!);
    owner.pathname = new URL(handle.url!).pathname;
    const locker = new pg.Client({ connectionString: owner.toString() });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE organisations IN ACCESS EXCLUSIVE MODE');
      const inFlight = fetch(`http://127.0.0.1:${port}/api/v1/organisations`, { headers: { connection: 'close' } })
        .then(async (r) => ({ status: r.status, body: await r.text() }), (error: Error & { cause?: Error }) => ({ status: 0, body: `${error.message}: ${error.cause?.message}` }));
      for (let i = 0; i < 100; i += 1) {
        const { rows } = await locker.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'organisations'::regclass`);
        if (rows[0]!.n > 0) break;
        await sleep(50);
      }
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      child.kill('SIGTERM');
      await sleep(1500);
      assert.equal(child.exitCode, null, 'still draining while the request waits');
      await locker.query('COMMIT');
      const res = await inFlight;
      assert.equal(res.status, 200, `the request in flight: ${res.body}; output: ${out}`);
      assert.equal(typeof JSON.parse(res.body), 'object', 'a whole answer');
      const code = await Promise.race([exited, sleep(60_000).then(() => 'timeout')]);
      assert.equal(code, 0, `exit code (output: ${out})`);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'nothing listens after it');
    } finally {
      await locker.end();
    }
  });
});
