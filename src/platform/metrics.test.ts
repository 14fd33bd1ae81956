import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createApp } from '../app.ts';
import { mergeSnapshots, localSnapshot } from './metrics.ts';
import { eachEngine, openTestContext } from './testing.ts';

const series = (body: string, name: string): number | null => {
  const m = new RegExp(`^${name.replace(/[{}.*+?^$()|[\]\\/]/g, '\\$&')} ([0-9.e+-]+)$`, 'm').exec(body);
  return m ? Number(m[1]) : null;
};
const unreachable = 'commonweal_replica_fallbacks_total{reason="unreachable"}';

eachEngine('metrics and health', (t) => {
  it('counts requests by route pattern and status, not by raw URL, in Prometheus text', async () => {
    const { app } = t();
    const count = (body: string, series: string) => Number(new RegExp(`^${series.replace(/[{}.*+?^$()|[\]\\/]/g, '\\$&')} (\\d+)$`, 'm').exec(body)?.[1] ?? 0);
    const byRef = 'commonweal_http_requests_total{method="GET",route="/api/v1/organisations/:ref",status="404"}';
    const unmatched = 'commonweal_http_requests_total{method="GET",route="unmatched",status="404"}';
    const before = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const id of ['a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002']) {
      await app.inject({ method: 'GET', url: `/api/v1/organisations/${id}` });
    }
    await app.inject({ method: 'GET', url: '/no/such/page' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.equal(count(res.body, byRef) - count(before, byRef), 2);
    assert.equal(count(res.body, unmatched) - count(before, unmatched), 1);
    assert.doesNotMatch(res.body, /a0000000-0000-4000/);
    assert.match(res.body, /^commonweal_http_request_duration_seconds_bucket\{method="GET",route="\/api\/v1\/organisations\/:ref",le="\+Inf"\} \d+$/m);
    assert.match(res.body, /^commonweal_db_pool_connections\{state="idle"\} \d+$/m);
    assert.match(res.body, /^commonweal_outbox_backlog\{state="unsent"\} \d+$/m);
    assert.match(res.body, /^# TYPE commonweal_import_duration_seconds histogram$/m);
    for (const reason of ['unreachable', 'error_mid_query', 'replay_conflict', 'write_refused']) {
      assert.match(res.body, new RegExp(`^commonweal_replica_fallbacks_total\\{reason="${reason}"\\} \\d+$`, 'm'));
    }
    assert.match(res.body, /^commonweal_replica_reads_total \d+$/m);
    assert.doesNotMatch(res.body, /commonweal_replica_up|commonweal_replica_lag_seconds/, 'no replica configured, no replica gauges');
  });

  it('answers /metrics only to the machine itself when no METRICS_TOKEN is set', async () => {
    const { app } = t();
    const res = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
    assert.equal(res.statusCode, 403);
    const forwarded = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9', headers: { 'x-forwarded-for': '127.0.0.1' } });
    assert.equal(forwarded.statusCode, 403, 'a claimed address is not believed');
  });
}, {});

eachEngine('metrics with a token, and a replica that is down', (t) => {
  it('asks for METRICS_TOKEN as a bearer token, from anywhere', async () => {
    const { engine } = t();
    const ctx = await openTestContext(engine, { METRICS_TOKEN: 'a-metrics-token-long-enough', DATABASE_REPLICA_URL: 'postgres://nobody@127.0.0.1:1/none' });
    const app = await createApp(ctx);
    try {
      assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
      assert.equal((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-token-of-some-length' } })).statusCode, 401);
      const ok = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9', headers: { authorization: 'Bearer a-metrics-token-long-enough' } });
      assert.equal(ok.statusCode, 200);
      assert.match(ok.body, /^commonweal_processes 1$/m);
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.statusCode, 200, 'a replica that is down does not make the service unavailable');
      assert.equal(health.json().primary.status, 'reachable');
      assert.equal(health.json().replica.status, 'unreachable');

      // An anonymous read meant for the replica is answered by the primary, and counted as a fallback; the
      // replica's gauges say it is down and give no lag. (PGlite has no replica routing: nothing falls back.)
      const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer a-metrics-token-long-enough' } })).body;
      const before = series(await scrape(), unreachable)!;
      const page = await app.inject({ method: 'GET', url: '/organisations' });
      assert.equal(page.statusCode, 200);
      const afterOne = await scrape();
      const fellBack = series(afterOne, unreachable)! - before;
      if (engine === 'postgres') assert.ok(fellBack >= 1, `the page's reads fell back (${fellBack})`);
      else assert.equal(fellBack, 0);
      assert.equal(series(afterOne, 'commonweal_replica_up'), 0);
      assert.equal(series(afterOne, 'commonweal_replica_lag_seconds'), null);
      // Marked down, the next request's reads go straight to the primary, and are counted as well.
      await app.inject({ method: 'GET', url: '/organisations' });
      const afterTwo = series(await scrape(), unreachable)! - before;
      if (engine === 'postgres') assert.ok(afterTwo > fellBack, `the second page's reads counted too (${fellBack} then ${afterTwo})`);
    } finally {
      await app.close();
      await ctx.handle.close();
    }
  });
}, { app: false });

it('adds up the replica counts of every process (serve --workers)', () => {
  const a = { ...localSnapshot(), replica: { reads: 5, fallbacks: { unreachable: 2, error_mid_query: 1, replay_conflict: 0, write_refused: 0 } } };
  const b = { ...localSnapshot(), replica: { reads: 7, fallbacks: { unreachable: 1, error_mid_query: 0, replay_conflict: 3, write_refused: 4 } } };
  const { replica: _older, ...olderWorker } = localSnapshot();
  const merged = mergeSnapshots([a, b, olderWorker as typeof a]);
  assert.deepEqual(merged.replica, { reads: 12, fallbacks: { unreachable: 3, error_mid_query: 1, replay_conflict: 3, write_refused: 4 } });
});
