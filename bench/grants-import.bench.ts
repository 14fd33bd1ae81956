// Benchmarks the grants import end to end (a 360Giving JSON package on disk → current grants in the database,
// places resolved, audited) on PGlite and on the PostgreSQL server, against DuckDB reading the same JSON into a
// table (`read_json`). Each engine runs in a child process of its own, so peak memory is per engine.
//
// Run: node --import tsx bench/grants-import.bench.ts [grants=1000000] [engine]
//   engine: pglite | postgres | duckdb; postgres needs DATABASE_URL (a scratch database is created and dropped).
//   GRANTS_BENCH_ENGINES=postgres,duckdb runs only those (each in a child process). Shared parts: bench/lib/import-harness.ts.
//   GRANTS_BENCH_EXISTING=N: the publisher first has N grants (imported before the clock starts), and the timed
//   file's grants are new ones (ids from N): what an import costs a publisher that has grants already (the kept
//   totals). GRANTS_BENCH_REPLACING=1 with it: the timed file's grants have the ids of the publisher's first ones
//   and other contents (each replaces a grant). With GRANTS_TIMING=1 each phase of the import is printed.
// Targets (issue 17): PostgreSQL within 3× DuckDB; PGlite ≤ 60 s and ≤ 500 MB peak RSS. Figures: bench/RESULTS.md.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeGrantsPackage } from './grants-generate.ts';
import { eachEngineInChild, load, mb, peakSampler, withBenchDatabase } from './lib/import-harness.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const grants = Number(process.argv[2] ?? 1_000_000);
const engine = process.argv[3];
const existing = Number(process.env.GRANTS_BENCH_EXISTING ?? 0);
const replacing = existing > 0 && process.env.GRANTS_BENCH_REPLACING === '1';
const file = replacing ? `${root}bench/out/grants-${grants}-replacing.json` : existing ? `${root}bench/out/grants-${grants}-from-${existing}.json` : `${root}bench/out/grants-${grants}.json`;
const existingFile = `${root}bench/out/grants-${existing}.json`;
async function importOn(which: 'pglite' | 'postgres'): Promise<void> {
  const { verifiedOrganisation } = await import('../src/organisations/organisations.test-support.ts');
  const { importGrantsFile, publisherGrants } = await import('../src/grants/grants.service.ts');
  const { cliActor } = await import('../src/platform/actor.ts');
  try {
    await withBenchDatabase(which, async (_handle, ctx) => {
      const org = await verifiedOrganisation(ctx.db, 'The Bench Trust', 'registered-charity');
      if (existing) {
        const t0 = performance.now();
        const had = await importGrantsFile(ctx as never, cliActor, { publisher: org.id, source: { path: existingFile } });
        console.log(`${which}: the publisher has ${had.grantsImported.toLocaleString('en-GB')} grants already (imported in ${((performance.now() - t0) / 1000).toFixed(2)} s, not timed below); ${load()}`);
      }
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      const peak = peakSampler();
      const start = performance.now();
      // Progress every 30 s (a million grants take minutes on a shared machine): elapsed, RSS now, peak so far.
      let peakSoFar = 0;
      const progress = setInterval(() => {
        peakSoFar = Math.max(peakSoFar, process.memoryUsage().rss);
        console.log(`${which}: … ${((performance.now() - start) / 1000).toFixed(0)} s, RSS ${mb(process.memoryUsage().rss)}, peak so far ${mb(peakSoFar)}; ${load()}`);
      }, 30_000);
      const r = await importGrantsFile(ctx as never, cliActor, { publisher: org.id, source: { path: file } }).finally(() => clearInterval(progress));
      const ms = performance.now() - start;
      console.log(`${which}: imported ${r.grantsImported.toLocaleString('en-GB')} grants (${r.gbpTotalPence}p, ${r.grantsRejected} rejected, ${r.problems.length} problems) in ${(ms / 1000).toFixed(2)} s, ${Math.round(r.grantsImported / (ms / 1000)).toLocaleString('en-GB')} grants/s; RSS before ${mb(rssBefore)}, peak during the import ${mb(peak())}; ${load()}`);
      const again = performance.now();
      const same = await importGrantsFile(ctx as never, cliActor, { publisher: org.id, source: { path: file } });
      console.log(`${which}: same file again: ${same.outcome} in ${((performance.now() - again) / 1000).toFixed(2)} s`);
      const t = performance.now();
      const view = await publisherGrants(ctx.db, org.id);
      console.log(`${which}: publisher page data (totals, first page, files) ${(performance.now() - t).toFixed(0)} ms; ${view.totals.grants.toLocaleString('en-GB')} current grants; ${load()}`);
    }, { prefix: 'cw-bench-grants-' });
  } catch (error) {
    console.log(`${which}: failed: ${(error as Error).message} ${JSON.stringify((error as { fieldErrors?: unknown }).fieldErrors ?? '')}`);
    process.exitCode = 1;
  }
}

async function duckdb(): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const peak = peakSampler();
  const start = performance.now();
  // The same file into a table of one row per grant, typed as the import types them.
  await conn.run(`CREATE TABLE grants AS
    SELECT g.id AS grant_id, g.title, g.description, g.currency, CAST(round(g.amountAwarded * 100) AS BIGINT) AS amount_minor,
           CAST(g.awardDate AS DATE) AS award_date, g.fundingOrganization[1].id AS funder_org_id, g.fundingOrganization[1].name AS funder_name,
           coalesce(g.recipientOrganization[1].id, g.recipientIndividual.id) AS recipient_org_id, coalesce(g.recipientOrganization[1].name, g.recipientIndividual.name) AS recipient_name,
           g.grantProgramme[1].title AS programme, g.regrantType AS regrant_type, g.beneficiaryLocation[1].geoCode AS location_code,
           g.beneficiaryLocation[1].geoCodeType AS location_code_type, to_json(g) AS raw
      FROM (SELECT unnest(grants) AS g FROM read_json('${file}', maximum_object_size = 2000000000, records = true))`);
  const ms = performance.now() - start;
  const reader = await conn.runAndReadAll('SELECT count(*)::INTEGER AS n, sum(amount_minor)::BIGINT AS pence FROM grants');
  const [n, pence] = reader.getRows()[0] as [number, bigint];
  console.log(`duckdb: read ${n.toLocaleString('en-GB')} grants (${pence} minor units, all currencies) into a table in ${(ms / 1000).toFixed(2)} s; peak RSS ${mb(peak())}; ${load()}`);
}

if (!engine) {
  mkdirSync(`${root}bench/out`, { recursive: true });
  for (const [path, n, from] of [[file, grants, replacing ? 0 : existing], ...(existing ? [[existingFile, existing, 0] as const] : [])] as const) {
    if (existsSync(path)) continue;
    const start = performance.now();
    await writeGrantsPackage(path, n, { from, ...(path === file && replacing ? { seed: 17 } : {}) });
    console.log(`wrote ${path} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  }
  console.log(`node ${process.version}; ${grants.toLocaleString('en-GB')} grants, ${mb(statSync(file).size)}`);
  const engines = process.env.GRANTS_BENCH_ENGINES?.split(',') ?? ['duckdb', 'pglite', ...(process.env.DATABASE_URL ? ['postgres'] : [])];
  eachEngineInChild(fileURLToPath(import.meta.url), root, grants, engines);
} else if (engine === 'duckdb') {
  await duckdb();
} else if (engine === 'pglite' || engine === 'postgres') {
  await importOn(engine);
} else {
  throw new Error(`unknown engine ${engine}`);
}
