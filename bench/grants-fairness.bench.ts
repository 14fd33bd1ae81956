// Who the money reaches, at scale: the fairness of 1,000,000 grants of one publisher (target ≤ 500 ms on
// PostgreSQL). A synthetic England (32,844 LSOAs) and Scotland (6,976 data zones) are loaded through the places
// module's own imports; the grants are bulk-loaded with SQL (85% in an English LSOA, 8% in a Scottish data zone,
// the rest located only to a ward or a district, or nowhere, and 0.5% in US dollars), with a 360Giving-sized
// JSON each. Then VACUUM ANALYZE (as autovacuum would after a big import) and the median of 10 warm runs of the
// service function (SQL sums by small area, then places' fairnessReport for each nation), plus one programme,
// a pot's chain of 100,000 onward grants and a funder across publishers.
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/grants-fairness.bench.ts [grants]
//      (without DATABASE_URL it runs on PGlite in memory, for comparison)
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/platform/config.ts';
import { createContext, createLogger } from '../src/app.ts';
import { openTestDatabase } from '../src/platform/testing.ts';
import { cliActor } from '../src/platform/actor.ts';
import type { Engine } from '../src/platform/db.ts';
import { importIod2019, importSimd2020 } from '../src/places/places.service.ts';
import { FILE2_HEADER, FILE6_HEADER, SIMD_HEADER } from '../src/places/places.test-data.ts';
import { verifiedOrganisation } from '../src/organisations/organisations.test-support.ts';
import { grantsFairness } from '../src/grants/grants.fairness.ts';
import { refreshAreaTotals } from '../src/grants/grants.chains.repository.ts';

const count = Number(process.argv[2] ?? 1_000_000);
const engine: Engine = process.env.DATABASE_URL ? 'postgres' : 'pglite';
const ENGLAND = 32_844;
const SCOTLAND = 6_976;

async function timed<T>(label: string, runs: number, fn: () => Promise<T>) {
  await fn();
  const times: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`  ${label.padEnd(58)} median ${median.toFixed(0).padStart(5)} ms, worst ${times[times.length - 1]!.toFixed(0).padStart(5)} ms; node CPU ${((used.user + used.system) / 1000 / runs).toFixed(0)} ms a run`);
  return median;
}

const handle = await openTestDatabase(engine);
const ctx = await createContext({ ...loadConfig({ NODE_ENV: 'production' }), dataDir: 'unused' }, createLogger({ logLevel: 'warn' }), handle);
const { db } = ctx;
console.log(`node ${process.version}, ${engine}, ${count.toLocaleString('en-GB')} grants; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);

let t0 = performance.now();
const lsoa = (i: number) => `E01${String(i).padStart(6, '0')}`;
const domains = [FILE2_HEADER];
const population = [FILE6_HEADER];
for (let i = 1; i <= ENGLAND; i++) {
  const la = `E06${String(1 + (i % 300)).padStart(6, '0')}`;
  const rank = ((i * 7919) % ENGLAND) + 1;
  domains.push(`${lsoa(i)},Area ${i},${la},District ${la},${rank},1,${Array(7).fill(rank).join(',')}`);
  population.push(`${lsoa(i)},Area ${i},${la},District ${la},${1000 + (i % 1500)}`);
}
await importIod2019(db, cliActor, { domains: gzipSync(Buffer.from(domains.join('\n'))), population: Buffer.from(population.join('\n')) });
const simd = [SIMD_HEADER];
for (let i = 1; i <= SCOTLAND; i++) {
  const rank = ((i * 104729) % SCOTLAND) + 1;
  simd.push(`S01${String(i).padStart(6, '0')},Zone ${i},Glasgow City,${500 + (i % 700)},300,${rank},${Array(7).fill(rank).join(',')}`);
}
await importSimd2020(db, cliActor, { ranks: Buffer.from(simd.join('\n')) });
console.log(`  places loaded (${ENGLAND} LSOAs, ${SCOTLAND} data zones): ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const publisher = await verifiedOrganisation(db, 'Bench Foundation', 'registered-charity');
const intermediary = await verifiedOrganisation(db, 'Bench Community Foundation', 'registered-charity');
t0 = performance.now();
const { rows: [file] } = await sql<{ id: string }>`INSERT INTO grants_files (organisation_id, sha256, filename, format, grants_read, grants_rejected, grants_new, grants_changed, grants_unchanged, gbp_total_pence)
  VALUES (${publisher.id}, ${'0'.repeat(64)}, 'bench.json', 'json', ${count}, 0, ${count}, 0, 0, 0) RETURNING id`.execute(db);
// g → where: 0..84 English LSOA, 85..92 Scottish data zone, 93..94 ward, 95..96 district, 97..98 nowhere; every 200th in USD.
await sql`INSERT INTO grants_grants (organisation_id, grant_id, version, file_id, title, description, amount_minor, currency, award_date, funder_org_id, funder_name,
    recipient_org_id, recipient_name, recipient_type, programme, regrant_type, location_code, location_code_type, location_precision, location_source, small_area_code, la_code, raw)
  SELECT ${publisher.id}, '360G-bench-' || g, 1, ${file!.id}, 'Grant ' || g, 'A grant for a community project in the area, number ' || g,
    (10000 + (g * 7717) % 2000000)::bigint, CASE WHEN g % 200 = 0 THEN 'USD' ELSE 'GBP' END, DATE '2015-01-01' + (g % 3000)::int,
    'GB-CHC-1000147', 'A B Charitable Trust', '360G-group-' || (g % 200000), 'Group ' || (g % 200000), 'organisation',
    'Programme ' || (g % 10), NULL,
    CASE WHEN g % 100 < 85 THEN 'E01' || lpad((1 + (g * 31) % ${ENGLAND})::text, 6, '0') WHEN g % 100 < 93 THEN 'S01' || lpad((1 + (g * 17) % ${SCOTLAND})::text, 6, '0')
         WHEN g % 100 < 95 THEN 'E05000001' WHEN g % 100 < 97 THEN 'E08000021' END,
    CASE WHEN g % 100 < 85 THEN 'LSOA' WHEN g % 100 < 93 THEN 'DZ' WHEN g % 100 < 95 THEN 'WD' WHEN g % 100 < 97 THEN 'LAD' END,
    CASE WHEN g % 100 < 93 THEN 'small-area' WHEN g % 100 < 95 THEN 'ward' WHEN g % 100 < 97 THEN 'local-authority' END,
    CASE WHEN g % 100 < 97 THEN 'beneficiary' END,
    CASE WHEN g % 100 < 85 THEN 'E01' || lpad((1 + (g * 31) % ${ENGLAND})::text, 6, '0') WHEN g % 100 < 93 THEN 'S01' || lpad((1 + (g * 17) % ${SCOTLAND})::text, 6, '0') END,
    NULL,
    jsonb_build_object('id', '360G-bench-' || g, 'title', 'Grant ' || g, 'description', 'A grant for a community project in the area, number ' || g, 'currency', 'GBP',
      'amountAwarded', (10000 + (g * 7717) % 2000000) / 100.0, 'awardDate', (DATE '2015-01-01' + (g % 3000)::int)::text,
      'fundingOrganization', jsonb_build_array(jsonb_build_object('id', 'GB-CHC-1000147', 'name', 'A B Charitable Trust')),
      'recipientOrganization', jsonb_build_array(jsonb_build_object('id', '360G-group-' || (g % 200000), 'name', 'Group ' || (g % 200000))))
  FROM generate_series(1::bigint, ${count}) g`.execute(db);
// A pot given to the intermediary, and 100,000 onward grants of the intermediary linked to it.
const onward = Math.min(100_000, Math.floor(count / 10));
await sql`INSERT INTO grants_grants (organisation_id, grant_id, version, file_id, title, amount_minor, currency, award_date, recipient_org_id, recipient_name, recipient_type, regrant_type, raw)
  VALUES (${publisher.id}, '360G-bench-pot', 1, ${file!.id}, 'The pot', 100000000000, 'GBP', '2020-01-01', ${intermediary.identifiers[0]!}, ${intermediary.name}, 'organisation', 'FRG010', '{}')`.execute(db);
const { rows: [ifile] } = await sql<{ id: string }>`INSERT INTO grants_files (organisation_id, sha256, filename, format, grants_read, grants_rejected, grants_new, grants_changed, grants_unchanged, gbp_total_pence)
  VALUES (${intermediary.id}, ${'1'.repeat(64)}, 'onward.json', 'json', ${onward}, 0, ${onward}, 0, 0, 0) RETURNING id`.execute(db);
await sql`INSERT INTO grants_grants (organisation_id, grant_id, version, file_id, title, amount_minor, currency, award_date, funder_org_id, recipient_type, location_precision, small_area_code, raw)
  SELECT ${intermediary.id}, '360G-cf-' || g, 1, ${ifile!.id}, 'Onward ' || g, 50000 + g % 100000, 'GBP', '2021-01-01', 'GB-CHC-1000147', 'organisation', 'small-area',
    'E01' || lpad((1 + (g * 13) % ${ENGLAND})::text, 6, '0'), '{}' FROM generate_series(1::bigint, ${onward}) g`.execute(db);
await sql`INSERT INTO grants_chain_links (organisation_id, grant_id, pot_organisation_id, pot_grant_id, source)
  SELECT ${intermediary.id}, '360G-cf-' || g, ${publisher.id}, '360G-bench-pot', 'publisher' FROM generate_series(1::bigint, ${onward}) g`.execute(db);
const loadMs = performance.now() - t0;
// The area totals an import keeps (grants_area_totals, migration 0041), built as an import builds them.
t0 = performance.now();
await refreshAreaTotals(db, publisher.id);
await refreshAreaTotals(db, intermediary.id);
console.log(`  area totals built (as at an import) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
t0 = performance.now();
// VACUUM (the visibility map lets the covering index answer without reading the table) needs the tables' owner.
if (engine === 'postgres') {
  const owner = new pg.Client({ connectionString: handle.ownerUrl });
  await owner.connect();
  await owner.query('VACUUM ANALYZE grants_grants');
  await owner.query('VACUUM ANALYZE grants_chain_links');
  await owner.query('VACUUM ANALYZE grants_area_totals');
  await owner.end();
} else {
  await sql`VACUUM ANALYZE grants_grants`.execute(db);
  await sql`VACUUM ANALYZE grants_chain_links`.execute(db);
  await sql`VACUUM ANALYZE grants_area_totals`.execute(db);
}
console.log(`  grants loaded in ${(loadMs / 1000).toFixed(1)} s, VACUUM ANALYZE ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const check = await grantsFairness(db, { kind: 'publisher', organisationId: publisher.id });
const placed = (n: typeof check.england) => n.deciles.reduce((a, d) => a + d.pence, 0);
const { rows: [expected] } = await sql<{ england: string; scotland: string; unplaced: string; usd: number }>`SELECT
    sum(amount_minor) FILTER (WHERE currency = 'GBP' AND small_area_code LIKE 'E01%')::text AS england,
    sum(amount_minor) FILTER (WHERE currency = 'GBP' AND small_area_code LIKE 'S01%')::text AS scotland,
    sum(amount_minor) FILTER (WHERE currency = 'GBP' AND small_area_code IS NULL)::text AS unplaced,
    count(*) FILTER (WHERE currency = 'USD')::int AS usd
  FROM grants_grants WHERE organisation_id = ${publisher.id}`.execute(db);
const ok = String(placed(check.england)) === expected!.england && String(placed(check.scotland)) === expected!.scotland
  && String(check.unplaced.pence) === expected!.unplaced && check.unplaced.otherCurrencies.USD?.count === expected!.usd;
console.log(`  check against plain SQL sums: ${ok ? 'the same' : `DIFFERENT ${JSON.stringify({ expected, got: { england: placed(check.england), scotland: placed(check.scotland), unplaced: check.unplaced } })}`}`);
console.log(`  England C = ${check.england.concentrationIndex?.toFixed(4)}, Scotland C = ${check.scotland.concentrationIndex?.toFixed(4)}, unplaced ${check.unplaced.count.toLocaleString('en-GB')} grants`);

const { rows: plan } = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS) SELECT g.small_area_code, CASE WHEN g.small_area_code IS NULL THEN g.location_precision END, g.currency, count(*), sum(g.amount_minor)
  FROM grants_grants g WHERE g.organisation_id = ${publisher.id} AND g.is_current GROUP BY 1, 2, 3`.execute(db);
console.log(`  plan: ${plan.map((p) => p['QUERY PLAN'].trim()).filter((l) => /Scan|Aggregate|Heap Fetches|Execution/.test(l)).join(' | ')}`);

const whole = await timed(`a publisher's ${count.toLocaleString('en-GB')} grants`, 10, () => grantsFairness(db, { kind: 'publisher', organisationId: publisher.id }));
await timed('one programme of ten', 10, () => grantsFairness(db, { kind: 'publisher', organisationId: publisher.id, programme: 'Programme 3' }));
await timed(`a pot's chain (${onward.toLocaleString('en-GB')} onward grants)`, 10, () => grantsFairness(db, { kind: 'pot', organisationId: publisher.id, grantId: '360G-bench-pot' }));
await timed('a funder across publishers (all of them)', 5, () => grantsFairness(db, { kind: 'funder', funderOrgId: 'GB-CHC-1000147' }));
// Where the publisher's time goes: the sums (grants_area_totals), and places' report for one nation (its read of
// every small area's decile and population, then the arithmetic).
const { fairnessGroups } = await import('../src/grants/grants.chains.repository.ts');
const { fairnessReport } = await import('../src/places/places.service.ts');
const groups = await fairnessGroups(db, { kind: 'publisher', organisationId: publisher.id });
await timed(`  of which: the sums (${groups.length.toLocaleString('en-GB')} rows of area totals)`, 10, () => fairnessGroups(db, { kind: 'publisher', organisationId: publisher.id }));
const { rows: totalsPlan } = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS) SELECT t.small_area_code, t.location_precision, t.currency, t.grants, t.total
  FROM grants_area_totals t WHERE t.organisation_id = ${publisher.id} AND t.scope = 'publisher' AND t.programme = ''`.execute(db);
console.log(`  area totals plan: ${totalsPlan.map((p) => p['QUERY PLAN'].trim()).filter((l) => /Scan|Aggregate|Execution/.test(l)).join(' | ')}`);
const englishAmounts = new Map(groups.filter((g) => g.small_area_code?.startsWith('E') && g.currency === 'GBP').map((g) => [g.small_area_code!, BigInt(g.total)]));
await timed(`  of which: places' report for England (${englishAmounts.size.toLocaleString('en-GB')} areas)`, 10, () => fairnessReport(db, englishAmounts));
console.log(`  load average now ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`\nTarget: the whole set ≤ 500 ms on PostgreSQL: ${whole <= 500 ? 'met' : 'NOT met'} (${whole.toFixed(0)} ms on ${engine})`);

await handle.close();
