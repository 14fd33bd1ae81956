// What the import benchmarks (bench/*-import.bench.ts) share: megabytes for printing, a peak-RSS sampler, a
// scratch PostgreSQL database (created and dropped), a database of either engine opened, migrated and given an
// app context, the load average beside every figure, and running each engine in a child process of its own (so
// peak memory is per engine).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { AppContext } from '../../src/platform/module.ts';

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** The machine's load average (1, 5, 15 minutes): the machine is shared, so every figure is printed with it. */
export const load = () => `load average ${loadavg().map((l) => l.toFixed(2)).join(', ')}`;

/**
 * The peak RSS while something runs, sampled every 25 ms. (The process's own maximum, maxRSS, also counts what
 * happened before it began, such as compiling PGlite's WebAssembly.)
 */
export function peakSampler(): () => number {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage().rss);
  };
}

/** A scratch database on the server DATABASE_URL names, dropped by drop(). */
export async function scratchPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set');
  const name = `cw_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

type Handle = Awaited<ReturnType<typeof import('../../src/platform/db.ts')['openPGlite']>>;

/**
 * Opens a database of the engine (PGlite in a temporary directory, optimised as `commonweal serve` runs it
 * unless `baseline`; or a scratch PostgreSQL database), migrates it, runs `work` with it and an app context, and
 * removes it after.
 */
export async function withBenchDatabase<T>(which: 'pglite' | 'postgres', work: (handle: Handle, ctx: AppContext) => Promise<T>, options: { baseline?: boolean; prefix?: string } = {}): Promise<T> {
  const { openPGlite, openPostgres, optimisePGliteCode } = await import('../../src/platform/db.ts');
  if (which === 'pglite' && !options.baseline) optimisePGliteCode();
  const { migrateToLatest } = await import('../../src/platform/migrate.ts');
  const { createLogger } = await import('../../src/app.ts');
  const { loadConfig } = await import('../../src/platform/config.ts');
  let dir: string | null = null;
  let scratch: Awaited<ReturnType<typeof scratchPostgres>> | null = null;
  if (which === 'pglite') dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'cw-bench-pglite-'));
  else scratch = await scratchPostgres();
  const handle = which === 'pglite' ? await openPGlite(dir) : openPostgres(scratch!.url);
  try {
    await migrateToLatest(handle.db);
    return await work(handle, { db: handle.db, handle, config: loadConfig({ NODE_ENV: 'test' }), log: createLogger({ logLevel: 'silent' }), lookups: {} } as unknown as AppContext);
  } finally {
    await handle.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await scratch?.drop();
  }
}

/** Runs this bench script once an engine, each in a child process of its own: `script N engine`. */
export function eachEngineInChild(script: string, root: string, n: number, engines: readonly string[]): void {
  for (const e of engines) {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, String(n), e], { stdio: 'inherit', cwd: root });
    if (r.status !== 0) console.log(`${e}: failed (exit ${r.status})`);
  }
}
