// Several app processes on one PostgreSQL database: every limit holds across them.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openPostgres, type DatabaseHandle } from './db.ts';
import { deliverOutbox } from './outbox.delivery.ts';
import { enqueueEmail } from './outbox.repository.ts';
import { openTestDatabase } from './testing.ts';

const bin = new URL('../../bin/commonweal.js', import.meta.url).pathname;

async function waitForHealth(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 240; i += 1) {
    if (child.exitCode !== null) throw new Error(`serve on ${port} stopped: ${output()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`serve on ${port} did not answer: ${output()}`);
}

describe('three app processes on one PostgreSQL database', { skip: !process.env.DATABASE_URL && 'needs DATABASE_URL (a PostgreSQL server)' }, () => {
  let handle: DatabaseHandle & { url?: string; ownerUrl?: string };
  const children: ChildProcess[] = [];
  const ports: number[] = [];

  before(async () => {
    handle = await openTestDatabase('postgres');
    const base = 20000 + Math.floor(Math.random() * 20000);
    for (let i = 0; i < 3; i += 1) {
      const port = base + i;
      const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
        env: { ...process.env, DATABASE_URL: handle.url, DATABASE_OWNER_URL: handle.ownerUrl, DATABASE_REPLICA_URL: undefined, LOG_LEVEL: 'error', COMMONWEAL_DATA_DIR: undefined },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out += d));
      children.push(child);
      ports.push(port);
      await waitForHealth(port, child, () => out);
    }
  });
  after(async () => {
    await Promise.all(children.map((c) => new Promise<void>((done) => {
      if (c.exitCode !== null) return done();
      const force = setTimeout(() => c.kill('SIGKILL'), 10_000);
      c.once('exit', () => {
        clearTimeout(force);
        done();
      });
      c.kill('SIGTERM');
    })));
    await handle?.close();
  });

  it('counts sign-in attempts from one address together: the eleventh in a minute is refused, whichever process it reaches', async () => {
    // A session (and its CSRF token) from one process is good at every other: sessions live in the database.
    const page = await fetch(`http://127.0.0.1:${ports[0]}/sign-in`);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
    assert.ok(cookie && csrf, 'the sign-in page gives a session and a form token');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      const res = await fetch(`http://127.0.0.1:${ports[i % 3]}/sign-in`, {
        method: 'POST', redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf!, email: 'nobody@example.org', password: 'not a password' }).toString(),
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    assert.equal(statuses.slice(0, 10).filter((s) => s === 429).length, 0, `the first ten are answered: ${statuses}`);
    assert.deepEqual(statuses.slice(10), [429, 429], `then refused on every process: ${statuses}`);
  });

  it('counts petition signatures from one address together across the processes (10 in 10 minutes)', async () => {
    const petition = randomUUID();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      const res = await fetch(`http://127.0.0.1:${ports[(i + 1) % 3]}/api/v1/voice/petitions/${petition}/signatures`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Ada', email: `ada${i}@example.org`, postcode: 'NE1 1AA' }),
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    assert.equal(statuses.slice(0, 10).filter((s) => s === 429).length, 0, `${statuses}`);
    assert.equal(statuses[10], 429, `${statuses}`);
    const problem = await (await fetch(`http://127.0.0.1:${ports[2]}/api/v1/voice/petitions/${petition}/signatures`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
    })).json() as { code: string };
    assert.equal(problem.code, 'rate_limited');
  });

  it('keeps route limits apart: the sign-in count does not spend the registration allowance', async () => {
    const res = await fetch(`http://127.0.0.1:${ports[1]}/register`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=x' });
    assert.notEqual(res.status, 429);
  });

  it('delivers each email of the outbox once when three processes deliver at the same time', async () => {
    for (let i = 0; i < 60; i += 1) await enqueueEmail(handle.db, { to: `p${i}@example.org`, subject: `n${i}`, text: 'hello', kind: 'test' });
    // Three connection pools are three database sessions, as three processes have.
    const pools = [0, 1, 2].map(() => openPostgres(handle.url!, { max: 2, onIdleError: () => {} }));
    const sent: string[] = [];
    const transport = { sendMail: async (m: { to: string }) => {
      await new Promise((r) => setTimeout(r, 2));
      sent.push(m.to);
      return {};
    } };
    try {
      for (let round = 0; round < 5; round += 1) {
        await Promise.all(pools.map((p) => deliverOutbox(p.db, transport as never, 'test@example.org')));
      }
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
    const tests = sent.filter((to) => /^p\d+@/.test(to));
    assert.equal(tests.length, 60, 'every email sent');
    assert.equal(new Set(tests).size, 60, 'none sent twice');
  });

  it('shows every process the same /healthz and /metrics of its own counts', async () => {
    for (const port of ports) {
      const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json() as { status: string; primary: { status: string }; replica: { status: string } };
      assert.equal(health.status, 'ok');
      assert.equal(health.primary.status, 'reachable');
      assert.equal(health.replica.status, 'not configured');
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /^commonweal_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+$/m);
      assert.match(metrics, /^commonweal_outbox_backlog\{state="unsent"\} \d+$/m);
    }
  });
});

describe('serve --workers 3', { skip: !process.env.DATABASE_URL && 'needs DATABASE_URL (a PostgreSQL server)' }, () => {
  let handle: DatabaseHandle & { url?: string; ownerUrl?: string };
  let child: ChildProcess;
  const port = 40000 + Math.floor(Math.random() * 20000);
  before(async () => {
    handle = await openTestDatabase('postgres');
    child = spawn(process.execPath, [bin, 'serve', '--workers', '3', '--port', String(port), '--host', '127.0.0.1'], {
      env: { ...process.env, DATABASE_URL: handle.url, DATABASE_OWNER_URL: handle.ownerUrl, DATABASE_REPLICA_URL: undefined, LOG_LEVEL: 'error', COMMONWEAL_DATA_DIR: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    await waitForHealth(port, child, () => out);
    // Every worker listening: the primary hands each new connection to the next.
    for (let i = 0; i < 60; i += 1) {
      if (/^commonweal_processes 3$/m.test(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  });
  after(async () => {
    if (child && child.exitCode === null) {
      await new Promise<void>((done) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', () => {
          clearTimeout(force);
          done();
        });
        child.kill('SIGTERM');
      });
    }
    await handle?.close();
  });

  it('serves from three processes whose /metrics add up, and whose sign-in limit is one', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/sign-in`, { headers: { connection: 'close' } });
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      const res = await fetch(`http://127.0.0.1:${port}/sign-in`, {
        method: 'POST', redirect: 'manual',
        headers: { cookie, connection: 'close', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf!, email: 'nobody@example.org', password: 'not a password' }).toString(),
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    assert.equal(statuses[10], 429, `${statuses}`);
    assert.equal(statuses.slice(0, 10).filter((s) => s === 429).length, 0, `${statuses}`);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /^commonweal_processes 3$/m);
    assert.match(metrics, /^commonweal_http_requests_total\{method="POST",route="\/sign-in",status="429"\} 1$/m);
    const answered = [...metrics.matchAll(/^commonweal_http_requests_total\{method="POST",route="\/sign-in",status="(\d+)"\} (\d+)$/gm)]
      .reduce((n, m) => n + Number(m[2]), 0);
    assert.equal(answered, 11, 'every worker\'s count is in the one scrape');
  });
});
