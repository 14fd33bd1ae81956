// `commonweal serve --workers N`: N app processes on one port (node:cluster; the primary hands connections to
// the workers in turn). Nothing in the app depends on being the only process: rate limits are counted in
// PostgreSQL (rate-limit-store.ts), the outbox and draft expiry claim rows with FOR UPDATE SKIP LOCKED, a spend
// import takes a per-publisher advisory lock, sessions and their purge live in the database, and each process
// hears the database's notices of token changes (auth/token-cache.ts). The primary only watches: it restarts a
// worker that dies, gathers the workers' metrics for /metrics, and stops them all on SIGINT or SIGTERM: each
// finishes its requests in flight, and one still busy after COMMONWEAL_SHUTDOWN_GRACE_SECONDS (15) is killed.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { MetricsSnapshot } from './metrics.ts';

/** Runs the primary until SIGINT/SIGTERM; returns the exit code. The schema is migrated before this is called. */
export async function serveCluster(workers: number, config: Config, log: Logger): Promise<number> {
  let stopping = false;
  const pending = new Map<string, { asker: Worker; expected: number; snapshots: MetricsSnapshot[]; timer: NodeJS.Timeout }>();
  const reply = (id: string) => {
    const call = pending.get(id);
    if (!call) return;
    pending.delete(id);
    clearTimeout(call.timer);
    if (call.asker.isConnected()) call.asker.send({ type: 'cw-metrics-gathered', id, snapshots: call.snapshots });
  };
  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());

  const fork = () => {
    const worker = cluster.fork({ COMMONWEAL_WORKER: '1' });
    worker.on('message', (message: { type?: string; id?: string; snapshot?: MetricsSnapshot }) => {
      if (message?.type === 'cw-metrics-gather' && message.id) {
        const all = live();
        pending.set(message.id, { asker: worker, expected: all.length, snapshots: [], timer: setTimeout(() => reply(message.id!), 1000) });
        for (const w of all) w.send({ type: 'cw-metrics-collect', id: message.id });
      } else if (message?.type === 'cw-metrics-snapshot' && message.id && message.snapshot) {
        const call = pending.get(message.id);
        if (!call) return;
        call.snapshots.push(message.snapshot);
        if (call.snapshots.length >= call.expected) reply(message.id);
      }
    });
    return worker;
  };

  // A worker that dies is replaced, unless it died at once (then something is wrong and restarting would loop).
  const started = new Map<number, number>();
  cluster.on('fork', (w) => started.set(w.id, Date.now()));
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const lived = Date.now() - (started.get(worker.id) ?? 0);
    log.error({ worker: worker.id, pid: worker.process.pid, code, signal }, 'a worker stopped');
    if (lived > 10_000) fork();
    else if (live().length === 0) {
      log.error('every worker stopped within 10 s of starting: see the errors above');
      process.exit(1);
    }
  });

  for (let i = 0; i < workers; i += 1) fork();
  const where = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  log.info({ workers, pid: process.pid }, `Commonweal is serving at ${where} with ${workers} worker processes`);
  if (process.stderr.isTTY) process.stderr.write(`\nCommonweal is serving at ${where} with ${workers} worker processes. Ctrl-C stops them.\n\n`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  stopping = true;
  const all = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
  await Promise.all(all.map((w) => new Promise<void>((done) => {
    const force = setTimeout(() => {
      log.error({ worker: w.id, pid: w.process.pid, graceSeconds: config.shutdownGraceSeconds }, 'a worker was still busy after the grace period and was killed');
      w.process.kill('SIGKILL');
    }, config.shutdownGraceSeconds * 1000);
    w.once('exit', () => {
      clearTimeout(force);
      done();
    });
    w.process.kill('SIGTERM');
  })));
  return 0;
}
