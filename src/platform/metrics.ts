// Prometheus metrics at /metrics (text exposition format 0.0.4).
//
// Counted in each process: requests by method, route pattern (never the raw URL, so ids do not make a series
// each) and status; request latency histograms by method and route; import durations by kind and outcome.
// Reads sent to the hot standby (DATABASE_REPLICA_URL): how many it answered, and how many fell back to the
// primary, by reason (platform/replica.ts). Read at each scrape: the database pool (in use, idle, waiting), the
// outbox backlog, and when a replica is configured whether it answers and how far its replay is behind. Under
// `serve --workers N` the process that answers a scrape asks the others (through the cluster's primary) and
// adds their counts to its own, so one scrape sees the whole instance.
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';
import type { DatabaseHandle } from './db.ts';

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const importBuckets = [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800];

interface Histogram { buckets: number[]; sum: number; count: number }

/** What one process has counted, in a form that can cross to another process and be added up. */
export interface MetricsSnapshot {
  requests: Record<string, number>;
  latency: Record<string, Histogram>;
  imports: Record<string, Histogram>;
  pool: { total: number; idle: number; waiting: number; max: number };
  replica: { reads: number; fallbacks: Record<string, number> };
}

/**
 * Why a read meant for the replica was answered by the primary: the replica could not be reached (or was marked
 * down after that, for 30 seconds), its connection broke in the middle of the query, it cancelled the query for
 * a conflict with its replay (40001), or the query was a write it refused (25006).
 */
export type ReplicaFallbackReason = 'unreachable' | 'error_mid_query' | 'replay_conflict' | 'write_refused';
export const replicaFallbackReasons: readonly ReplicaFallbackReason[] = ['unreachable', 'error_mid_query', 'replay_conflict', 'write_refused'];

const requests = new Map<string, number>();
const latency = new Map<string, Histogram>();
const imports = new Map<string, Histogram>();
let poolOf: (() => MetricsSnapshot['pool']) | null = null;
const replicaCounts = { reads: 0, fallbacks: Object.fromEntries(replicaFallbackReasons.map((r) => [r, 0])) as Record<string, number> };

function labels(pairs: Record<string, string>): string {
  return Object.entries(pairs).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',');
}

function observe(map: Map<string, Histogram>, key: string, bounds: number[], seconds: number): void {
  let h = map.get(key);
  if (!h) map.set(key, (h = { buckets: bounds.map(() => 0), sum: 0, count: 0 }));
  for (let i = 0; i < bounds.length; i += 1) if (seconds <= bounds[i]!) h.buckets[i]! += 1;
  h.sum += seconds;
  h.count += 1;
}

/** Counts one answered request. `route` is the route's pattern (`/spend/:publisher`), or "unmatched". */
export function observeRequest(method: string, route: string, status: number, seconds: number): void {
  const key = labels({ method, route, status: String(status) });
  requests.set(key, (requests.get(key) ?? 0) + 1);
  observe(latency, labels({ method, route }), latencyBuckets, seconds);
}

/** Records how long an import took (`kind`: spend, salaries, postcodes …; `outcome`: ok or failed). */
export function observeImport(kind: string, outcome: 'ok' | 'failed', seconds: number): void {
  observe(imports, labels({ kind, outcome }), importBuckets, seconds);
}

/** Times `work` as an import of `kind`. */
export async function timedImport<T>(kind: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await work();
    observeImport(kind, 'ok', (performance.now() - started) / 1000);
    return result;
  } catch (error) {
    observeImport(kind, 'failed', (performance.now() - started) / 1000);
    throw error;
  }
}

/** Counts one query the replica answered. */
export function observeReplicaRead(): void {
  replicaCounts.reads += 1;
}

/** Counts one query meant for the replica that the primary answered, and why. */
export function observeReplicaFallback(reason: ReplicaFallbackReason): void {
  replicaCounts.fallbacks[reason] = (replicaCounts.fallbacks[reason] ?? 0) + 1;
}

/** Lets the scrape read this process's pool. */
export function watchPool(handle: DatabaseHandle, max: number): void {
  poolOf = () => handle.pool
    ? { total: handle.pool.totalCount, idle: handle.pool.idleCount, waiting: handle.pool.waitingCount, max }
    : { total: 1, idle: 1, waiting: 0, max: 1 };
}

export function localSnapshot(): MetricsSnapshot {
  return {
    requests: Object.fromEntries(requests),
    latency: Object.fromEntries(latency),
    imports: Object.fromEntries(imports),
    pool: poolOf?.() ?? { total: 0, idle: 0, waiting: 0, max: 0 },
    replica: { reads: replicaCounts.reads, fallbacks: { ...replicaCounts.fallbacks } },
  };
}

/** Adds snapshots up (one per process). */
export function mergeSnapshots(snapshots: MetricsSnapshot[]): MetricsSnapshot {
  const out: MetricsSnapshot = {
    requests: {}, latency: {}, imports: {}, pool: { total: 0, idle: 0, waiting: 0, max: 0 },
    replica: { reads: 0, fallbacks: Object.fromEntries(replicaFallbackReasons.map((r) => [r, 0])) },
  };
  const addHistograms = (into: Record<string, Histogram>, from: Record<string, Histogram>) => {
    for (const [k, h] of Object.entries(from)) {
      const t = (into[k] ??= { buckets: h.buckets.map(() => 0), sum: 0, count: 0 });
      h.buckets.forEach((n, i) => (t.buckets[i]! += n));
      t.sum += h.sum;
      t.count += h.count;
    }
  };
  for (const s of snapshots) {
    for (const [k, n] of Object.entries(s.requests)) out.requests[k] = (out.requests[k] ?? 0) + n;
    addHistograms(out.latency, s.latency);
    addHistograms(out.imports, s.imports);
    for (const f of ['total', 'idle', 'waiting', 'max'] as const) out.pool[f] += s.pool[f];
    // A worker of an older build (during a rolling restart) may send no replica counts.
    out.replica.reads += s.replica?.reads ?? 0;
    for (const [reason, n] of Object.entries(s.replica?.fallbacks ?? {})) out.replica.fallbacks[reason] = (out.replica.fallbacks[reason] ?? 0) + n;
  }
  return out;
}

/**
 * Every process's snapshot: this one's alone, or under node:cluster every worker's, gathered by the primary
 * (see serveCluster in platform/workers.ts). A worker that does not answer within a second is left out.
 */
export async function instanceSnapshot(): Promise<{ snapshot: MetricsSnapshot; processes: number }> {
  if (!cluster.isWorker || !process.send) return { snapshot: localSnapshot(), processes: 1 };
  const id = randomUUID();
  const answer = await new Promise<MetricsSnapshot[] | null>((done) => {
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      done(null);
    }, 2000);
    const onMessage = (message: { type?: string; id?: string; snapshots?: MetricsSnapshot[] }) => {
      if (message?.type !== 'cw-metrics-gathered' || message.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      done(message.snapshots ?? null);
    };
    process.on('message', onMessage);
    process.send!({ type: 'cw-metrics-gather', id });
  });
  return answer ? { snapshot: mergeSnapshots(answer), processes: answer.length } : { snapshot: localSnapshot(), processes: 1 };
}

/** A worker answers the primary's call for its snapshot. */
export function answerMetricsCalls(): void {
  if (!cluster.isWorker) return;
  process.on('message', (message: { type?: string; id?: string }) => {
    if (message?.type === 'cw-metrics-collect') process.send?.({ type: 'cw-metrics-snapshot', id: message.id, snapshot: localSnapshot() });
  });
}

function histogramLines(name: string, help: string, map: Record<string, Histogram>, bounds: number[]): string[] {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
  for (const [key, h] of Object.entries(map)) {
    bounds.forEach((b, i) => lines.push(`${name}_bucket{${key},le="${b}"} ${h.buckets[i]}`));
    lines.push(`${name}_bucket{${key},le="+Inf"} ${h.count}`, `${name}_sum{${key}} ${h.sum}`, `${name}_count{${key}} ${h.count}`);
  }
  return lines;
}

/** What the scrape learns from the replica now: null when none is configured. */
export interface ReplicaState { reachable: boolean; lagSeconds: number | null }

/**
 * The exposition text: the processes' counts and the database's backlog (read now); with `replica`, the
 * configured replica's state (asked at each scrape).
 */
export async function renderMetrics(db: Kysely<Database>, replica?: () => Promise<ReplicaState>): Promise<string> {
  const { snapshot, processes } = await instanceSnapshot();
  const outbox = await sql<{ unsent: number; failed: number; oldest: number | null }>`
    SELECT count(*) FILTER (WHERE attempts < 5)::int AS unsent, count(*) FILTER (WHERE attempts >= 5)::int AS failed,
           extract(epoch FROM now() - min(created_at) FILTER (WHERE attempts < 5))::float8 AS oldest
      FROM outbox WHERE sent_at IS NULL`.execute(db).then((r) => r.rows[0]!);
  const lines = [
    '# HELP commonweal_processes App processes counted in this scrape.',
    '# TYPE commonweal_processes gauge',
    `commonweal_processes ${processes}`,
    '# HELP commonweal_http_requests_total Requests answered, by method, route pattern and status.',
    '# TYPE commonweal_http_requests_total counter',
    ...Object.entries(snapshot.requests).map(([k, n]) => `commonweal_http_requests_total{${k}} ${n}`),
    ...histogramLines('commonweal_http_request_duration_seconds', 'Time to answer a request, by method and route pattern.', snapshot.latency, latencyBuckets),
    ...histogramLines('commonweal_import_duration_seconds', 'Time an import took, by kind and outcome.', snapshot.imports, importBuckets),
    '# HELP commonweal_db_pool_connections Database connections of the app processes, by state (PGlite: one).',
    '# TYPE commonweal_db_pool_connections gauge',
    `commonweal_db_pool_connections{state="in_use"} ${snapshot.pool.total - snapshot.pool.idle}`,
    `commonweal_db_pool_connections{state="idle"} ${snapshot.pool.idle}`,
    '# HELP commonweal_db_pool_max Connections the pools may open (DATABASE_POOL_SIZE per process).',
    '# TYPE commonweal_db_pool_max gauge',
    `commonweal_db_pool_max ${snapshot.pool.max}`,
    '# HELP commonweal_db_pool_waiting Queries waiting for a free connection.',
    '# TYPE commonweal_db_pool_waiting gauge',
    `commonweal_db_pool_waiting ${snapshot.pool.waiting}`,
    '# HELP commonweal_outbox_backlog Emails waiting to be sent (unsent), and given up after five attempts (failed).',
    '# TYPE commonweal_outbox_backlog gauge',
    `commonweal_outbox_backlog{state="unsent"} ${outbox.unsent}`,
    `commonweal_outbox_backlog{state="failed"} ${outbox.failed}`,
    '# HELP commonweal_outbox_oldest_unsent_seconds Age of the oldest email waiting to be sent (0: none).',
    '# TYPE commonweal_outbox_oldest_unsent_seconds gauge',
    `commonweal_outbox_oldest_unsent_seconds ${outbox.oldest ?? 0}`,
    '# HELP commonweal_replica_reads_total Queries of anonymous reads that the replica answered.',
    '# TYPE commonweal_replica_reads_total counter',
    `commonweal_replica_reads_total ${snapshot.replica.reads}`,
    '# HELP commonweal_replica_fallbacks_total Queries meant for the replica that the primary answered, by reason.',
    '# TYPE commonweal_replica_fallbacks_total counter',
    ...Object.entries(snapshot.replica.fallbacks).map(([reason, n]) => `commonweal_replica_fallbacks_total{${labels({ reason })}} ${n}`),
  ];
  if (replica) {
    const state = await replica();
    lines.push(
      '# HELP commonweal_replica_up Whether the replica (DATABASE_REPLICA_URL) answered this scrape as a standby (1) or not (0).',
      '# TYPE commonweal_replica_up gauge',
      `commonweal_replica_up ${state.reachable ? 1 : 0}`,
    );
    if (state.reachable && state.lagSeconds !== null) {
      lines.push(
        '# HELP commonweal_replica_lag_seconds How far the replica\'s replay is behind: 0 when it has replayed all it has received, else the age of the last transaction it replayed (pg_last_xact_replay_timestamp).',
        '# TYPE commonweal_replica_lag_seconds gauge',
        `commonweal_replica_lag_seconds ${state.lagSeconds}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
