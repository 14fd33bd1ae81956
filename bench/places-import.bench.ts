// Times loading the deprivation data into the database (IoD2019: 32,844 LSOAs; SIMD 2020: 6,976 data zones)
// on PGlite (in memory and on disk) and, when DATABASE_URL is set, on PostgreSQL; compares bulk-insert
// strategies; and times the places pages on the loaded data. A plain script, not a test:
//   node --import tsx bench/places-import.bench.ts
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/places-import.bench.ts
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { scratchDatabase } from './lib/scratch-db.ts';
import { openPGlite, openPostgres, type DatabaseHandle } from '../src/platform/db.ts';
import { migrateToLatest } from '../src/platform/migrate.ts';
import { loadConfig } from '../src/platform/config.ts';
import { createContext, createLogger } from '../src/app.ts';
import { buildApp } from '../src/platform/http.ts';
import { platformModule } from '../src/platform/platform.module.ts';
import { placesModule } from '../src/places/places.module.ts';
import { cliActor } from '../src/platform/actor.ts';
import { importIod2019, importSimd2020 } from '../src/places/places.service.ts';
import { SHIPPED, shippedDataset } from '../src/places/places.demo.ts';

const domains = readFileSync(shippedDataset(SHIPPED.iod2019Domains));
const population = readFileSync(shippedDataset(SHIPPED.iod2019Population));
const simd = readFileSync(shippedDataset(SHIPPED.simd2020Ranks));
const f = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
}

async function withDatabase(name: string, open: () => Promise<{ handle: DatabaseHandle; cleanup: () => Promise<void> }>): Promise<void> {
  const { handle, cleanup } = await open();
  await migrateToLatest(handle.db);
  const [, iodMs] = await timed(() => importIod2019(handle.db, cliActor, { domains, population }));
  const [, simdMs] = await timed(() => importSimd2020(handle.db, cliActor, { ranks: simd }));
  const [, noopMs] = await timed(() => importIod2019(handle.db, cliActor, { domains, population }));
  // The same data, uncompressed: a different file, so the whole of England is replaced.
  const [, replaceMs] = await timed(() => importIod2019(handle.db, cliActor, { domains: gunzipSync(domains), population }));
  console.log(`${name}`);
  console.log(`  IoD2019 first import (parse, compute, write): ${f(iodMs)}`);
  console.log(`  SIMD2020 first import:                        ${f(simdMs)}`);
  console.log(`  IoD2019 same files again (no-op):             ${f(noopMs)}`);
  console.log(`  IoD2019 replace (delete + write all again):   ${f(replaceMs)}`);
  await strategies(handle);
  await handle.close();
  await cleanup();
}

/** 32,844 rows × 5 columns into a scratch table: one unnest statement vs multi-row INSERT batches vs COPY. */
async function strategies(handle: DatabaseHandle): Promise<void> {
  const n = 32_844;
  const rows = Array.from({ length: n }, (_, i) => ({ code: `E01${String(i).padStart(6, '0')}`, name: `Area ${i}`, kind: 'lsoa2011', la: 'E06000001', pop: 1500 + (i % 500) }));
  await sql`CREATE TEMP TABLE IF NOT EXISTS bench_areas (code text PRIMARY KEY, name text, kind text, la text, pop int)`.execute(handle.db);
  const reset = () => sql`TRUNCATE bench_areas`.execute(handle.db);
  await reset();
  const [, unnestMs] = await timed(() => handle.db.transaction().execute(async (trx) => {
    await sql`INSERT INTO bench_areas SELECT * FROM unnest(${rows.map((r) => r.code)}::text[], ${rows.map((r) => r.name)}::text[], ${rows.map((r) => r.kind)}::text[], ${rows.map((r) => r.la)}::text[], ${rows.map((r) => r.pop)}::int[])`.execute(trx);
  }));
  await reset();
  const [, batchMs] = await timed(() => handle.db.transaction().execute(async (trx) => {
    for (let i = 0; i < n; i += 10_000) {
      const batch = rows.slice(i, i + 10_000);
      await sql`INSERT INTO bench_areas VALUES ${sql.join(batch.map((r) => sql`(${r.code}, ${r.name}, ${r.kind}, ${r.la}, ${r.pop})`))}`.execute(trx);
    }
  }));
  await reset();
  let copyMs: number | null = null;
  if (handle.pglite) {
    const csv = rows.map((r) => `${r.code},${r.name},${r.kind},${r.la},${r.pop}`).join('\n');
    const pglite = handle.pglite;
    [, copyMs] = await timed(() => pglite.transaction(async (tx) => {
      await tx.query(`COPY bench_areas FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob: new Blob([csv]) });
    }));
  }
  console.log(`  bulk insert of ${n} rows × 5 columns: unnest ${f(unnestMs)} | multi-row INSERT, 10,000-row batches ${f(batchMs)}${copyMs === null ? '' : ` | COPY (raw PGlite, outside Kysely) ${f(copyMs)}`}`);
}

async function pages(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cw-bench-pages-'));
  const config = loadConfig({ ...process.env, DATABASE_URL: '' }, { dataDir: dir });
  const ctx = await createContext({ ...config, databaseUrl: null }, createLogger({ logLevel: 'warn' }));
  const [, seedMs] = await timed(() => placesModule.seedDemo!(ctx));
  const app = await buildApp(ctx, [platformModule({ moduleCards: () => [], counts: async () => ({ organisations: 0 }) }), placesModule]);
  console.log(`Pages on PGlite (on disk), after the demo seed (${f(seedMs).trim()}): median of 5 renders`);
  for (const url of ['/places', '/places?q=middlesbrough', '/places/la/E06000002', '/places/la/S12000049', '/places/area/E01021988', '/places/area/S01010891', '/places/siting?la=E06000002', '/api/v1/places/areas/E01021988']) {
    const samples: number[] = [];
    for (let i = 0; i < 6; i++) {
      const [res, ms] = await timed(() => app.inject({ method: 'GET', url }));
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
      if (i > 0) samples.push(ms);
    }
    samples.sort((a, b) => a - b);
    console.log(`  ${url.padEnd(34)} ${f(samples[2] ?? 0)}`);
  }
  await app.close();
  await ctx.handle.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`Places import (Node ${process.version})`);
await withDatabase('PGlite, in memory', async () => ({ handle: await openPGlite(null), cleanup: async () => {} }));
const dir = mkdtempSync(join(tmpdir(), 'cw-bench-places-'));
await withDatabase('PGlite, on disk', async () => ({ handle: await openPGlite(dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) }));
if (process.env.DATABASE_URL) {
  const scratch = await scratchDatabase('cw_bench_places');
  await withDatabase('PostgreSQL', async () => ({ handle: openPostgres(scratch.url), cleanup: () => scratch.drop() }));
}
await pages();
