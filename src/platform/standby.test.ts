// Reads from a real hot standby (DATABASE_REPLICA_URL: a streaming standby of DATABASE_URL's server, made by
// .ci/standby with pg_createcluster and pg_basebackup). The test's database is made on the primary and reaches
// the standby by replication; the app reads it there under the same name. With REQUIRE_REPLICA=1 (.ci/run) a
// missing standby fails the run instead of skipping.
//
// Shown here: anonymous reads are answered by the standby (while its replay is paused they cannot see a new
// row); writes, and a signed-in person's reads right after their own write, go to the primary; a standby that
// cannot be reached, or that vanishes in the middle of a query, leaves the primary to answer, cleanly.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createApp, createContext, createLogger } from '../app.ts';
import { cliActor } from './actor.ts';
import { loadConfig } from './config.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';
import { openTestDatabase, userWithToken } from './testing.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.test-support.ts';
import type { App, AppContext } from './module.ts';
import { openPostgres, type DatabaseHandle } from './db.ts';

const standbyServer = process.env.DATABASE_REPLICA_URL;
if (process.env.REQUIRE_REPLICA === '1' && (!standbyServer || !process.env.DATABASE_URL)) {
  throw new Error('REQUIRE_REPLICA=1 but DATABASE_URL and DATABASE_REPLICA_URL (a hot standby of it) are not both set');
}

if (standbyServer && !/^postgres(ql)?:\/\/[^\s]+$/.test(standbyServer)) {
  throw new Error(`DATABASE_REPLICA_URL is not a postgres:// URL: ${JSON.stringify(standbyServer)}`);
}

/** `url` (a database on the primary) as the same database, user and password on the standby (or `via` it). */
function onStandby(url: string, via?: TcpProxy): string {
  const standby = new URL(standbyServer!);
  const u = new URL(url);
  u.hostname = standby.hostname;
  u.port = standby.port;
  return via ? via.via(u.toString()) : u.toString();
}

describe('reads from a hot standby', { skip: (!process.env.DATABASE_URL || !standbyServer) && 'needs DATABASE_URL and DATABASE_REPLICA_URL (a hot standby of that server: .ci/standby)' }, () => {
  let handle: DatabaseHandle & { url?: string };
  let primaryAdmin: pg.Client;
  let standbyAdmin: pg.Client;
  const opened: Array<{ ctx: AppContext; app: App }> = [];
  const proxies: TcpProxy[] = [];

  /** Waits until the standby has replayed everything the primary has written so far. */
  async function caughtUp() {
    const { rows } = await primaryAdmin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    for (let i = 0; i < 600; i += 1) {
      const { rows: replayed } = await standbyAdmin.query<{ done: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [rows[0]!.lsn]);
      if (replayed[0]!.done) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { rows: state } = await standbyAdmin.query<{ paused: string; replayed: string | null; received: string | null }>(
      'SELECT pg_get_wal_replay_pause_state() AS paused, pg_last_wal_replay_lsn()::text AS replayed, pg_last_wal_receive_lsn()::text AS received');
    throw new Error(`the standby did not catch up with the primary within 60 s: primary at ${rows[0]!.lsn}, standby received ${state[0]!.received}, replayed ${state[0]!.replayed}, replay ${state[0]!.paused}`);
  }

  async function appReadingFrom(replicaUrl: string): Promise<{ ctx: AppContext; app: App }> {
    const config = { ...loadConfig({ NODE_ENV: 'test', DATABASE_REPLICA_URL: replicaUrl }), dataDir: 'unused-in-tests' };
    // Each app has its own pools on the test database, and the handle's close is the one that drops it.
    const own = openPostgres(handle.url!, { max: 5, onIdleError: () => {} });
    const ctx = await createContext(config, createLogger({ logLevel: process.env.TEST_LOG_LEVEL ?? 'silent' }), own);
    const app = await createApp(ctx);
    opened.push({ ctx, app });
    return { ctx, app };
  }

  /** One series of the app's /metrics (null when absent). */
  async function metric(app: App, name: string): Promise<number | null> {
    const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const m = new RegExp(`^${name.replace(/[{}.*+?^$()|[\]\\/]/g, '\\$&')} ([0-9.e+-]+)$`, 'm').exec(body);
    return m ? Number(m[1]) : null;
  }
  const fallbacks = (reason: string) => `commonweal_replica_fallbacks_total{reason="${reason}"}`;

  const search = (app: App, name: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: `/api/v1/organisations?q=${encodeURIComponent(name)}`, headers });

  before(async () => {
    primaryAdmin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    standbyAdmin = new pg.Client({ connectionString: standbyServer });
    await primaryAdmin.connect();
    await standbyAdmin.connect();
    // A run killed while replay was paused (the lag test) leaves the standby paused until someone resumes it.
    await standbyAdmin.query('SELECT pg_wal_replay_resume()');
    handle = await openTestDatabase('postgres');
    await caughtUp();
  });
  after(async () => {
    await standbyAdmin?.query('SELECT pg_wal_replay_resume()').catch(() => {});
    for (const { app, ctx } of opened) {
      await app.close();
      await ctx.handle.close();
    }
    for (const proxy of proxies) await proxy.close();
    await handle?.close();
    await primaryAdmin?.end();
    await standbyAdmin?.end();
  });

  it('is a hot standby streaming from the primary', async () => {
    const { rows } = await standbyAdmin.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    assert.equal(rows[0]!.standby, true, 'DATABASE_REPLICA_URL is in recovery');
    const { rows: senders } = await primaryAdmin.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'`);
    assert.ok(senders[0]!.n >= 1, 'the primary streams to a standby');
    const { app } = await appReadingFrom(onStandby(handle.url!));
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.json().replica.status, 'reachable');
  });

  it('answers anonymous reads from the standby and a signed-in person’s from the primary, their own write included, while the standby lags', async () => {
    const { ctx, app } = await appReadingFrom(onStandby(handle.url!));
    await createOrganisation(ctx.db, cliActor, { name: 'Replicated Before The Pause Trust', legalForm: 'charitable-company' });
    const { auth } = await userWithToken(ctx.db, 'writer@example.org');
    await caughtUp();
    assert.match((await search(app, 'Replicated Before The Pause')).body, /Replicated Before The Pause Trust/);

    await standbyAdmin.query('SELECT pg_wal_replay_pause()');
    try {
      for (let i = 0; i < 100; i += 1) {
        const { rows } = await standbyAdmin.query<{ state: string }>('SELECT pg_get_wal_replay_pause_state() AS state');
        if (rows[0]!.state === 'paused') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const created = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: auth, payload: { name: 'Written During The Lag Group', legalForm: 'community-group' } });
      assert.equal(created.statusCode, 201, created.body);
      // The writer reads their own write at once (from the primary)…
      const own = await search(app, 'Written During The Lag', auth);
      assert.equal(own.statusCode, 200);
      assert.match(own.body, /Written During The Lag Group/);
      // …while an anonymous reader is answered by the standby, which has not replayed it yet.
      const anonymous = await search(app, 'Written During The Lag');
      assert.equal(anonymous.statusCode, 200);
      assert.doesNotMatch(anonymous.body, /Written During The Lag Group/);
      const page = await app.inject({ method: 'GET', url: '/organisations?q=Written%20During%20The%20Lag' });
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /Written During The Lag Group/);
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.json().replica.status, 'reachable');
      // /metrics: the standby is up and its replay is behind. It has received the write (the WAL receiver runs
      // while replay is paused); a second later its last replayed transaction is at least a second old.
      const { rows: primaryAt } = await primaryAdmin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      for (let i = 0; i < 100; i += 1) {
        const { rows } = await standbyAdmin.query<{ received: boolean }>('SELECT pg_last_wal_receive_lsn() >= $1::pg_lsn AS received', [primaryAt[0]!.lsn]);
        if (rows[0]!.received) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal(await metric(app, 'commonweal_replica_up'), 1);
      const lagging = await metric(app, 'commonweal_replica_lag_seconds');
      assert.ok(lagging !== null && lagging >= 1, `the replica's lag is reported while its replay is paused (${lagging})`);
    } finally {
      await standbyAdmin.query('SELECT pg_wal_replay_resume()');
    }
    await caughtUp();
    assert.match((await search(app, 'Written During The Lag')).body, /Written During The Lag Group/, 'replayed, the standby has it too');
    const reads = await metric(app, 'commonweal_replica_reads_total');
    assert.ok(reads !== null && reads > 0, 'the reads the standby answered are counted');
    const caught = await metric(app, 'commonweal_replica_lag_seconds');
    assert.ok(caught !== null && caught < 1, `caught up, the lag is back under a second (${caught})`);
  });

  it('reads from the primary when the standby cannot be reached, and reports it', async () => {
    const proxy = await startTcpProxy(Number(new URL(standbyServer!).port || 5432), new URL(standbyServer!).hostname);
    proxies.push(proxy);
    const { ctx, app } = await appReadingFrom(onStandby(handle.url!, proxy));
    await createOrganisation(ctx.db, cliActor, { name: 'Found Without The Standby Trust', legalForm: 'charitable-company' });
    await caughtUp();
    assert.match((await search(app, 'Found Without The Standby')).body, /Found Without The Standby Trust/);
    assert.ok(proxy.accepted() > 0, 'the read went to the standby');
    const before = (await metric(app, fallbacks('unreachable')))! + (await metric(app, fallbacks('error_mid_query')))!;
    proxy.cut();
    for (let i = 0; i < 3; i += 1) {
      const res = await search(app, 'Found Without The Standby');
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /Found Without The Standby Trust/);
      const page = await app.inject({ method: 'GET', url: '/organisations' });
      assert.equal(page.statusCode, 200);
    }
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200, 'the primary decides the health');
    assert.equal(health.json().primary.status, 'reachable');
    assert.equal(health.json().replica.status, 'unreachable');
    // Every one of those reads fell back to the primary (a pooled connection broken by the cut, then the
    // standby marked down), and the scrape says the standby is down, with no lag.
    const after = (await metric(app, fallbacks('unreachable')))! + (await metric(app, fallbacks('error_mid_query')))!;
    assert.ok(after - before >= 6, `six requests' reads fell back (${after - before} counted)`);
    assert.ok((await metric(app, fallbacks('unreachable')))! > 0);
    assert.equal(await metric(app, 'commonweal_replica_up'), 0);
    assert.equal(await metric(app, 'commonweal_replica_lag_seconds'), null);
  });

  it('answers a read from the primary when the standby vanishes in the middle of it', async () => {
    const proxy = await startTcpProxy(Number(new URL(standbyServer!).port || 5432), new URL(standbyServer!).hostname);
    proxies.push(proxy);
    const { ctx, app } = await appReadingFrom(onStandby(handle.url!, proxy));
    await createOrganisation(ctx.db, cliActor, { name: 'Answered Mid Request Trust', legalForm: 'charitable-company' });
    await caughtUp();
    assert.match((await search(app, 'Answered Mid Request')).body, /Answered Mid Request Trust/);
    const before = (await metric(app, fallbacks('error_mid_query')))!;
    proxy.hold();
    const inFlight = search(app, 'Answered Mid Request');
    await proxy.waitForQuery();
    proxy.cut();
    const res = await inFlight;
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.body, /Answered Mid Request Trust/);
    const next = await app.inject({ method: 'GET', url: '/organisations?q=Answered%20Mid%20Request' });
    assert.equal(next.statusCode, 200);
    assert.match(next.body, /Answered Mid Request Trust/);
    assert.ok((await metric(app, fallbacks('error_mid_query')))! - before >= 1, 'the read cut in the middle is counted as such');
  });
});
