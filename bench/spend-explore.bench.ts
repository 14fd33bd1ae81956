// The explorer's standard views with 10,000,000 lines stored, on the PostgreSQL server, against DuckDB answering
// the same questions from a typed table of the same lines.
//
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/spend-explore.bench.ts [files=10] [rows=1000000]
// SPEND_BENCH_SKIP_DUCKDB=1: the PostgreSQL views only.
// One publisher, `files` yearly files (2007 onwards) of `rows` lines each, imported through the real import.
// The loaded database (cw_bench_spend_explore) is kept and reused by later runs; drop it to load afresh.
// Each view: 3 warm-up runs, then p50/p95 of 40.
// For loads larger than the disk holds twice (50 × 1,000,000 lines is ≈ 7.7 GB of CSV beside ≈ 18 GB stored):
//   SPEND_BENCH_DB=name          the database to load into and measure (default cw_bench_spend_explore_<files>x<rows>)
//   SPEND_BENCH_STREAM=1         write each year's file just before its import and delete it after
//   SPEND_BENCH_LOAD_UNTIL=ISO   stop loading at this time and measure what was reached
//   SPEND_BENCH_LOAD_ONLY=1      load, then stop (run the load niced, the measurement not)
//   SPEND_BENCH_MEASURE_ONLY=1   measure what is stored; write and import nothing
//   SPEND_BENCH_CLONE_AFTER=K    import the first K years; make each later year in SQL as a copy of one of them,
//                                its dates moved (the import's own steps: table, seal, attach, totals)
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { writeCodeFile } from './spend-generate.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = Number(process.argv[2] ?? 10);
const rows = Number(process.argv[3] ?? 1_000_000);
const years = Array.from({ length: files }, (_, i) => 2007 + i);
const path = (year: number) => `${root}bench/out/spend-explore-${rows}-${year}.csv`;
const dbName = process.env.SPEND_BENCH_DB ?? `cw_bench_spend_explore_${files}x${rows}`;
const STREAM = process.env.SPEND_BENCH_STREAM === '1';
const MEASURE_ONLY = process.env.SPEND_BENCH_MEASURE_ONLY === '1';
const LOAD_UNTIL = process.env.SPEND_BENCH_LOAD_UNTIL ? Date.parse(process.env.SPEND_BENCH_LOAD_UNTIL) : Infinity;
const RUNS = 40;

const base = process.env.DATABASE_URL;
if (!base) {
  console.log('spend-explore: DATABASE_URL is not set; this benchmark needs the PostgreSQL server');
  process.exit(0);
}

async function measure(label: string, run: () => Promise<unknown>): Promise<{ label: string; p50: number; p95: number }> {
  for (let i = 0; i < 3; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    await run();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return { label, p50: times[Math.floor(RUNS * 0.5)]!, p95: times[Math.ceil(RUNS * 0.95) - 1]! };
}

mkdirSync(`${root}bench/out`, { recursive: true });
for (const y of STREAM || MEASURE_ONLY ? [] : years) {
  if (!existsSync(path(y))) {
    const s = performance.now();
    await writeCodeFile(path(y), rows, y);
    console.log(`wrote ${path(y)} in ${((performance.now() - s) / 1000).toFixed(1)} s`);
  }
}

// PostgreSQL: load once, keep.
const admin = new pg.Client({ connectionString: base });
await admin.connect();
const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName])).rowCount === 1;
if (!exists) await admin.query(`CREATE DATABASE ${dbName}`);
await admin.end();
const url = new URL(base);
url.pathname = `/${dbName}`;

const { openPostgres } = await import('../src/platform/db.ts');
const { migrateToLatest } = await import('../src/platform/migrate.ts');
const { createOrganisation, findOrganisation, verifyOrganisation } = await import('../src/organisations/organisations.service.ts');
const { importSpendFile } = await import('../src/spend/spend.import.ts');
const service = await import('../src/spend/spend.service.ts');
const { cliActor } = await import('../src/platform/actor.ts');
const { createLogger } = await import('../src/app.ts');
const { loadConfig } = await import('../src/platform/config.ts');
const handle = openPostgres(url.toString());
await migrateToLatest(handle.db);
const ctx = { db: handle.db, handle, config: loadConfig({ NODE_ENV: 'test' }), log: createLogger({ logLevel: 'silent' }), lookups: {} };
const org = (await findOrganisation(ctx.db, 'GB-LAE-ANY')) ?? (await createOrganisation(ctx.db, cliActor, { name: 'Anytown Council', legalForm: 'local-authority', identifiers: ['GB-LAE-ANY'] }));
// Only a verified public body may publish spending.
if (!org.verified) await verifyOrganisation(ctx.db, cliActor, org.id, { reason: 'A benchmark publisher' });
const { sql } = await import('kysely');
const storedYears = async () =>
  new Set((await sql<{ y: string }>`SELECT DISTINCT substr(period_from::text, 1, 4) AS y FROM spend_files WHERE organisation_id = ${org.id}`.execute(handle.db)).rows.map((r) => Number(r.y)));
const have = await storedYears();

// SPEND_BENCH_CLONE_AFTER=K: once K years are stored through the real import, each further year is a copy of one
// of them made in SQL, its dates moved by whole years, through the import's own steps (the file's table made,
// filled, sealed with its key and indexes, attached to the publisher's partition, its totals added): the views
// read the same structures as after an import, at a fraction of the cost of generating and parsing a CSV.
const CLONE_AFTER = process.env.SPEND_BENCH_CLONE_AFTER ? Number(process.env.SPEND_BENCH_CLONE_AFTER) : null;
async function cloneYear(y: number): Promise<void> {
  const repo = await import('../src/spend/spend.repository.ts');
  const s = performance.now();
  await handle.db.transaction().execute(async (trx) => {
    const sources = (await sql<{ id: string; y: number }>`SELECT id, extract(year FROM period_from)::int AS y FROM spend_files
      WHERE organisation_id = ${org.id} AND status = 'current' AND extract(year FROM period_from) < ${2007 + CLONE_AFTER!} ORDER BY period_from`.execute(trx)).rows;
    const source = sources[(y - 2007) % sources.length]!;
    const shift = `${y - source.y} years`;
    const id = (await sql<{ id: string }>`
      INSERT INTO spend_files (organisation_id, period_from, period_to, period_given, sha256, filename, bytes, status, version,
        rows_imported, rows_rejected, net_total_pence, suppliers, first_date, last_date, mapping, summary, imported_by)
      SELECT organisation_id, (period_from + ${shift}::interval)::date, (period_to + ${shift}::interval)::date, period_given,
        'clone-' || ${String(y)} || '-' || sha256, 'copy of ' || coalesce(filename, '') || ' moved to ' || ${String(y)}, bytes, 'current', 1,
        rows_imported, rows_rejected, net_total_pence, suppliers, (first_date + ${shift}::interval)::date, (last_date + ${shift}::interval)::date, mapping, summary, imported_by
      FROM spend_files WHERE organisation_id = ${org.id} AND id = ${source.id} RETURNING id`.execute(trx)).rows[0]!.id;
    await repo.bulkLoadSettings(trx, 'postgres');
    const table = await repo.createFileLines(trx, org.id, id);
    const cols = (await sql<{ c: string }>`SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'spend_lines'
      AND column_name NOT IN ('organisation_id', 'file_id', 'date') ORDER BY ordinal_position`.execute(trx)).rows.map((r) => r.c).join(', ');
    await sql.raw(`INSERT INTO ${table} (date, ${cols}, fingerprint_hi, fingerprint_lo)
      SELECT (date + interval '${shift}')::date, ${cols}, line, 0 FROM ${repo.fileLinesTable(source.id)}`).execute(trx);
    await repo.sealFileLines(trx, id);
    await repo.attachFileLines(trx, org.id, id);
    await repo.addFileTotals(trx, org.id, id, []);
  });
  console.log(`postgres: ${y} copied from an imported year in SQL in ${((performance.now() - s) / 1000).toFixed(1)} s at ${new Date().toISOString()}, load ${loadavg()[0]!.toFixed(1)}`);
}
for (const y of MEASURE_ONLY ? [] : years) {
  if (Date.now() >= LOAD_UNTIL) {
    console.log(`postgres: stopped loading at ${new Date().toISOString()} (SPEND_BENCH_LOAD_UNTIL)`);
    break;
  }
  if (STREAM && have.has(y)) continue;
  if (CLONE_AFTER !== null && have.size >= CLONE_AFTER) {
    await cloneYear(y);
    have.add(y);
    continue;
  }
  const s = performance.now();
  if (STREAM) await writeCodeFile(path(y), rows, y);
  const written = performance.now();
  const r = await importSpendFile(ctx, cliActor, { publisher: org.id, source: { path: path(y) } });
  if (STREAM) rmSync(path(y));
  have.add(y);
  if (r.outcome !== 'unchanged') {
    console.log(
      `postgres: imported ${y} (${r.rowsImported.toLocaleString('en-GB')} lines) in ${((performance.now() - written) / 1000).toFixed(1)} s` +
        (STREAM ? ` (written in ${((written - s) / 1000).toFixed(1)} s)` : '') + ` at ${new Date().toISOString()}, load ${loadavg()[0]!.toFixed(1)}`,
    );
  }
}
const stored = await service.publisherSummary(ctx.db, org.id, {}, 1);
console.log(`postgres: ${stored.lines.toLocaleString('en-GB')} lines stored for one publisher (${exists ? 'reused' : 'loaded this run'})`);
if (process.env.SPEND_BENCH_LOAD_ONLY === '1') {
  await handle.close();
  process.exit(0);
}
const measuredYears = [...(await storedYears())].sort();
await sql`ANALYZE`.execute(handle.db);

const year = String(measuredYears[Math.floor(measuredYears.length / 2)] ?? years[0]);
console.log(`measuring at ${new Date().toISOString()}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const month = `${year}-03`;
const top = stored.bySupplier[0]!;
const pgViews = [
  await measure('publisher summary, all time (total, by month, top 10 departments, expense types, suppliers)', () => service.publisherSummary(ctx.db, org.id, {})),
  await measure(`publisher summary, one year (${year})`, () => service.publisherSummary(ctx.db, org.id, { period: year })),
  await measure(`publisher summary, one month (${month})`, () => service.publisherSummary(ctx.db, org.id, { period: month })),
  await measure(`every supplier, one year (${year})`, () => service.publisherGroups(ctx.db, org.id, 'supplier', { period: year }, 1000)),
  await measure('by month, all time', () => service.publisherGroups(ctx.db, org.id, 'month', {})),
  await measure('lines, first page by date', () => service.publisherLines(ctx.db, org.id, { page: 1 })),
  await measure(`one supplier's lines, first page (${top.label})`, () => service.publisherLines(ctx.db, org.id, { supplier: top.slug ?? '', page: 1 })),
];
// A yardstick for how busy the machine is: one round trip doing nothing.
const yardstick = await measure('SELECT 1 (a round trip, for scale)', () => sql`SELECT 1`.execute(handle.db));
await handle.close();
if (process.env.SPEND_BENCH_SKIP_DUCKDB === '1') {
  // PostgreSQL only, for comparing two versions of the explorer in the same conditions.
  for (const p of [...pgViews, yardstick]) console.log(`| ${p.label} | ${p.p50.toFixed(1)} ms | ${p.p95.toFixed(1)} ms |`);
  console.log(`measured to ${new Date().toISOString()}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  process.exit(0);
}

// DuckDB: the same lines in a typed table, the same questions.
const { DuckDBInstance } = await import('@duckdb/node-api');
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const load = performance.now();
await conn.run(`CREATE TABLE spend AS SELECT
    strptime("Date", '%d/%m/%Y')::DATE AS date,
    CAST(round(CAST(replace(replace(trim("Net Amount"), '£', ''), ',', '') AS DECIMAL(18, 2)) * 100) AS BIGINT) AS net_pence,
    "Expense Area" AS department, "Expense Type" AS purpose, "Supplier Name" AS supplier_name, lower("Supplier Name") AS supplier_key,
    "Transaction Number" AS transaction_number
  FROM read_csv([${years.map((y) => `'${path(y)}'`).join(', ')}], header = true, all_varchar = true)`);
console.log(`duckdb: loaded the same ${(files * rows).toLocaleString('en-GB')} lines in ${((performance.now() - load) / 1000).toFixed(1)} s`);
const q = (sql: string) => conn.runAndReadAll(sql);
const summary = async (where: string) => {
  await q(`SELECT count(*), sum(net_pence), min(date), max(date) FROM spend ${where}`);
  await q(`SELECT strftime(date, '%Y-%m') m, count(*), sum(net_pence) FROM spend ${where} GROUP BY 1 ORDER BY 1`);
  for (const col of ['department', 'purpose', 'supplier_key']) {
    await q(`SELECT ${col}, count(*), sum(net_pence) s FROM spend ${where} GROUP BY 1 ORDER BY s DESC LIMIT 10`);
    await q(`SELECT count(DISTINCT ${col}) FROM spend ${where}`);
  }
};
const yearWhere = `WHERE date BETWEEN DATE '${year}-01-01' AND DATE '${year}-12-31'`;
const duckViews = [
  await measure('summary, all time', () => summary('')),
  await measure('summary, one year', () => summary(yearWhere)),
  await measure('summary, one month', () => summary(`WHERE date BETWEEN DATE '${month}-01' AND DATE '${month}-31'`)),
  await measure('every supplier, one year', async () => {
    await q(`SELECT supplier_key, min(supplier_name), count(*), sum(net_pence) s FROM spend ${yearWhere} GROUP BY 1 ORDER BY s DESC LIMIT 1000`);
    await q(`SELECT count(DISTINCT supplier_key) FROM spend ${yearWhere}`);
  }),
  await measure('by month, all time', () => q(`SELECT strftime(date, '%Y-%m') m, count(*), sum(net_pence) FROM spend GROUP BY 1 ORDER BY 1`)),
  await measure('lines, first page by date', async () => {
    await q('SELECT count(*), sum(net_pence) FROM spend');
    await q('SELECT * FROM spend ORDER BY date, transaction_number LIMIT 50');
  }),
  await measure("one supplier's lines", async () => {
    const name = top.label.toLowerCase().replace(/'/g, "''");
    await q(`SELECT count(*), sum(net_pence) FROM spend WHERE supplier_key = '${name}'`);
    await q(`SELECT * FROM spend WHERE supplier_key = '${name}' ORDER BY date LIMIT 50`);
  }),
];

console.log('\n| view | PostgreSQL p50 | p95 | DuckDB p50 | p95 | p95 ≤ 50 ms | faster than DuckDB |');
console.log('|---|---:|---:|---:|---:|---|---|');
pgViews.forEach((p, i) => {
  const d = duckViews[i]!;
  console.log(`| ${p.label} | ${p.p50.toFixed(1)} ms | ${p.p95.toFixed(1)} ms | ${d.p50.toFixed(1)} ms | ${d.p95.toFixed(1)} ms | ${p.p95 <= 50 ? 'yes' : '**no**'} | ${p.p95 < d.p95 ? 'yes' : '**no**'} |`);
});
