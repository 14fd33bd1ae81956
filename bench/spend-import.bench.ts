// Benchmarks the spend import end to end (file on disk → lines in the database, ready to explore) on PGlite
// and on the PostgreSQL server, against DuckDB reading the same file into a typed table.
//
// Run: node --import tsx bench/spend-import.bench.ts [rows=1000000] [engine]
//   engine: pglite | postgres | duckdb | explore; without one, each runs in a child process of its own (so
//   peak memory is measured per engine). postgres needs DATABASE_URL (a scratch database is created and dropped).
//   explore: the explorer's standard views over the stored lines (PostgreSQL), p50/p95 of 20 runs each.
// PGlite runs as `commonweal serve` runs it (optimisePGliteCode); SPEND_BENCH_BASELINE=1 keeps V8's default.
// SPEND_BENCH_WORKER=0 reads the file in the importing thread; SPEND_TIMING=1 prints each phase;
// SPEND_BENCH_DRAFT=1 publishes through a draft (upload, check, publish) as the web and the API do.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeCodeFile } from './spend-generate.ts';
import { eachEngineInChild, mb, peakSampler, withBenchDatabase } from './lib/import-harness.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const rows = Number(process.argv[2] ?? 1_000_000);
const engine = process.argv[3];
const file = `${root}bench/out/spend-import-${rows}.csv`;
async function importOn(which: 'pglite' | 'postgres'): Promise<void> {
  const { createOrganisation } = await import('../src/organisations/organisations.service.ts');
  const { importSpendFile } = await import('../src/spend/spend.import.ts');
  const { publisherSummary, publisherLines } = await import('../src/spend/spend.service.ts');
  const { cliActor } = await import('../src/platform/actor.ts');
  // As `commonweal serve` runs PGlite (SPEND_BENCH_BASELINE=1: V8's default, baseline compiler first).
  await withBenchDatabase(which, async (handle, ctx) => {
    if (process.env.SPEND_BENCH_NO_INDEXES === '1') {
      // For measuring what the two secondary indexes cost the load (the explorer needs them).
      const { sql } = await import('kysely');
      await sql`DROP INDEX spend_lines_date`.execute(handle.db);
      await sql`DROP INDEX spend_lines_supplier_date`.execute(handle.db);
    }
    const org = await createOrganisation(ctx.db, cliActor, { name: 'Anytown Council', legalForm: 'local-authority', identifiers: ['GB-LAE-ANY'] });
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const maxBefore = process.resourceUsage().maxRSS * 1024;
    const peak = peakSampler();
    const start = performance.now();
    const readInWorker = process.env.SPEND_BENCH_WORKER === '0' ? false : undefined;
    // SPEND_BENCH_DRAFT=1: as a web or API upload publishes, a draft (loaded, checked, bytes kept) then published.
    let result: Awaited<ReturnType<typeof importSpendFile>>;
    if (process.env.SPEND_BENCH_DRAFT === '1') {
      const { createSpendDraft, publishSpendDraft } = await import('../src/spend/spend.drafts.ts');
      const { draft } = await createSpendDraft(ctx, cliActor, { publisher: org.id, source: { path: file }, readInWorker });
      const drafted = performance.now();
      console.log(`${which}: draft (load, indexes, check, bytes kept) in ${((drafted - start) / 1000).toFixed(2)} s; warnings ${draft.check.warnings.map((w) => w.code).join(', ') || 'none'}`);
      result = await publishSpendDraft(ctx, cliActor, draft.id, draft.check.warnings.map((w) => w.code));
      console.log(`${which}: publish (attach, totals, record, suppliers) in ${((performance.now() - drafted) / 1000).toFixed(2)} s`);
    } else {
      result = await importSpendFile(ctx, cliActor, { publisher: org.id, source: { path: file }, readInWorker });
    }
    const ms = performance.now() - start;
    const peakRss = peak();
    console.log(`${which}: imported ${result.rowsImported.toLocaleString('en-GB')} lines (${result.netTotalPence}p, ${result.suppliers} suppliers, ${result.rowsRejected} rejected) in ${(ms / 1000).toFixed(2)} s, ${Math.round(result.rowsImported / (ms / 1000)).toLocaleString('en-GB')} lines/s; RSS before ${mb(rssBefore)}, peak during the import ${mb(peakRss)} (process maximum before the import ${mb(maxBefore)}, at the end ${mb(process.resourceUsage().maxRSS * 1024)})`);
    const again = performance.now();
    const same = await importSpendFile(ctx, cliActor, { publisher: org.id, source: { path: file } });
    console.log(`${which}: same file again: ${same.outcome} in ${((performance.now() - again) / 1000).toFixed(2)} s`);
    const t1 = performance.now();
    await publisherSummary(ctx.db, org.id, {});
    const t2 = performance.now();
    await publisherLines(ctx.db, org.id, { q: 'supplier 1234', page: 1 });
    const t3 = performance.now();
    console.log(`${which}: first explorer views after import: summary (month, top departments/types/suppliers) ${(t2 - t1).toFixed(0)} ms, text search lines ${(t3 - t2).toFixed(0)} ms`);
  }, { baseline: process.env.SPEND_BENCH_BASELINE === '1' });
}

async function duckdb(): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const peak = peakSampler();
  const start = performance.now();
  await conn.run(`CREATE TABLE spend AS SELECT
      strptime("Date", '%d/%m/%Y')::DATE AS date,
      CAST(round(CAST(replace(replace(trim("Net Amount"), '£', ''), ',', '') AS DECIMAL(18, 2)) * 100) AS BIGINT) AS net_pence,
      "Expense Area" AS department, "Supplier Name" AS supplier_name, "Supplier ID" AS supplier_ref, "Expense Type" AS purpose,
      "Expense Code" AS expense_code, "Transaction Number" AS transaction_number, "Invoice Number" AS invoice_number,
      "VAT Registration Number" AS vat_number, "Merchant Category" AS merchant_category, "Body Name" AS body_name, "Body" AS body
    FROM read_csv('${file}', header = true, all_varchar = true)`);
  const ms = performance.now() - start;
  const reader = await conn.runAndReadAll('SELECT count(*)::INTEGER AS n, sum(net_pence)::BIGINT AS pence FROM spend');
  const [n, pence] = reader.getRows()[0] as [number, bigint];
  console.log(`duckdb: read ${n.toLocaleString('en-GB')} lines (${pence}p) into a typed table in ${(ms / 1000).toFixed(2)} s; peak RSS ${mb(peak())}`);
  // The same explorer questions, for comparison with the server.
  const q = async (label: string, sql: string) => {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      await conn.runAndReadAll(sql);
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    console.log(`duckdb explore ${label}: p50 ${times[10]!.toFixed(1)} ms, p95 ${times[18]!.toFixed(1)} ms`);
  };
  await q('by month', `SELECT strftime(date, '%Y-%m') m, count(*), sum(net_pence) FROM spend GROUP BY 1 ORDER BY 1`);
  await q('top suppliers', `SELECT supplier_name, count(*), sum(net_pence) s FROM spend GROUP BY 1 ORDER BY s DESC LIMIT 10`);
  await q('lines page (by amount)', `SELECT * FROM spend ORDER BY net_pence DESC LIMIT 50`);
}

if (!engine) {
  mkdirSync(`${root}bench/out`, { recursive: true });
  if (!existsSync(file)) {
    const start = performance.now();
    await writeCodeFile(file, rows);
    console.log(`wrote ${file} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  }
  console.log(`node ${process.version}; ${rows.toLocaleString('en-GB')} Code-format lines, ${mb(statSync(file).size)}`);
  const engines = ['duckdb', 'pglite', ...(process.env.DATABASE_URL ? ['postgres'] : [])];
  eachEngineInChild(fileURLToPath(import.meta.url), root, rows, engines);
} else if (engine === 'duckdb') {
  await duckdb();
} else if (engine === 'pglite' || engine === 'postgres') {
  await importOn(engine);
} else {
  throw new Error(`unknown engine ${engine}`);
}
