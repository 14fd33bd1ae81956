// The grants explorer at 1,000,000 grants on the PostgreSQL server: a search and every filter, each through
// the explorer's own service (a page of 20 newest first and the totals of everything matched, by currency),
// target p95 ≤ 100 ms.
//
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/grants-search.bench.ts [grants=1000000]
// The grants are generated inside PostgreSQL by one INSERT … SELECT a chunk at a time (the generated search
// and recipient-kind columns, and every index of migration 0033, filled as they would be by an import):
// 20 publishers, 2,000 funders, 200,000 recipients (55% charities, 20% companies, 20% unregistered groups,
// 5% individuals), 5,000 programmes, 33,000 small areas in 330 local authorities, award dates 2010–2025,
// 98% in pounds, 1% each in dollars and euros, 3% regrants. Titles and descriptions are drawn from a
// vocabulary of 200 words with a Zipf-like skew, so common words match many grants and rare ones few.
// The loaded database (cw_bench_grants_search_<n>) is kept and reused by later runs; drop it to load afresh.
// Each case: 3 warm-up runs, then p50/p95 of 40 (BENCH_RUNS=n for fewer).
import pg from 'pg';

const N = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const dbName = `cw_bench_grants_search_${N}`;
const base = process.env.DATABASE_URL;
if (!base) {
  console.log('grants-search: DATABASE_URL is not set; this benchmark needs the PostgreSQL server');
  process.exit(0);
}

const WORDS = ['community', 'project', 'support', 'young', 'people', 'local', 'health', 'garden', 'arts', 'music', 'sport', 'training', 'families', 'older', 'mental', 'wellbeing',
  'youth', 'club', 'centre', 'village', 'hall', 'school', 'children', 'advice', 'housing', 'food', 'bank', 'refugees', 'carers', 'disability', 'learning', 'heritage',
  'environment', 'climate', 'energy', 'transport', 'digital', 'skills', 'employment', 'volunteers', 'festival', 'theatre', 'library', 'museum', 'church', 'restoration',
  'playground', 'allotment', 'football', 'cricket', 'swimming', 'dance', 'choir', 'poetry', 'writing', 'film', 'photography', 'craft', 'textile', 'pottery', 'cooking',
  'nutrition', 'hospice', 'dementia', 'autism', 'addiction', 'recovery', 'homelessness', 'shelter', 'domestic', 'abuse', 'counselling', 'befriending', 'isolation',
  'loneliness', 'veterans', 'women', 'men', 'girls', 'boys', 'parents', 'toddlers', 'babies', 'pregnancy', 'bereavement', 'care', 'leavers', 'prison', 'offenders',
  'justice', 'rights', 'law', 'debt', 'money', 'benefits', 'welfare', 'poverty', 'fuel', 'warm', 'space', 'park', 'woodland', 'river', 'canal', 'beach', 'coast', 'wildlife',
  'birds', 'bees', 'trees', 'orchard', 'farm', 'rural', 'urban', 'estate', 'neighbourhood', 'tenants', 'residents', 'association', 'forum', 'network', 'partnership',
  'capacity', 'building', 'core', 'costs', 'salary', 'coordinator', 'worker', 'equipment', 'minibus', 'kitchen', 'roof', 'repairs', 'accessible', 'toilets', 'ramp',
  'lift', 'heating', 'insulation', 'solar', 'panels', 'bikes', 'cycling', 'walking', 'running', 'boxing', 'martial', 'climbing', 'sailing', 'rowing', 'tennis', 'netball',
  'rugby', 'hockey', 'chess', 'reading', 'literacy', 'numeracy', 'science', 'coding', 'robotics', 'mentoring', 'apprentices', 'enterprise', 'cooperative', 'market',
  'shop', 'cafe', 'pub', 'radio', 'newspaper', 'magazine', 'archive', 'history', 'memorial', 'anniversary', 'celebration', 'carnival', 'pride', 'faith', 'interfaith',
  'mosque', 'temple', 'synagogue', 'gurdwara', 'migrants', 'language', 'english', 'welsh', 'gaelic', 'translation', 'deaf', 'blind', 'sight', 'hearing', 'wheelchair'];

async function measure(label: string, run: () => Promise<unknown>): Promise<{ label: string; p50: number; p95: number; grants: number }> {
  let grants = 0;
  for (let i = 0; i < Math.min(3, RUNS); i++) grants = ((await run()) as { totals: { grants: number } }).totals.grants;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    await run();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return { label, p50: times[Math.floor(RUNS * 0.5)]!, p95: times[Math.ceil(RUNS * 0.95) - 1]!, grants };
}

const admin = new pg.Client({ connectionString: base });
await admin.connect();
const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName])).rowCount === 1;
if (!exists) await admin.query(`CREATE DATABASE ${dbName}`);
await admin.end();
const url = new URL(base);
url.pathname = `/${dbName}`;

const { openPostgres } = await import('../src/platform/db.ts');
const { migrateToLatest } = await import('../src/platform/migrate.ts');
const { createOrganisation, findOrganisation } = await import('../src/organisations/organisations.service.ts');
const { cliActor } = await import('../src/platform/actor.ts');
const explore = await import('../src/grants/grants.explore.ts');
const { sql } = await import('kysely');
const handle = openPostgres(url.toString());
const db = handle.db;
await migrateToLatest(db);

const stored = Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM grants_grants`.execute(db)).rows[0]!.n);
if (stored < N) {
  const started = performance.now();
  const publishers: string[] = [];
  for (let p = 0; p < 20; p++) {
    const ident = `GB-CHC-${2000000 + p}`;
    const org = (await findOrganisation(db, ident)) ?? (await createOrganisation(db, cliActor, { name: `Bench Trust ${p}`, legalForm: 'registered-charity', identifiers: [ident] }));
    publishers.push(org.id);
    await sql`INSERT INTO grants_files (organisation_id, id, sha256, format, grants_read, grants_rejected, grants_new, grants_changed, grants_unchanged, gbp_total_pence)
      VALUES (${org.id}, ${org.id}, ${'0'.repeat(63) + (p % 10)}, 'json', 0, 0, 0, 0, 0, 0) ON CONFLICT DO NOTHING`.execute(db);
  }
  const chunk = 100_000;
  for (let from = stored; from < N; from += chunk) {
    const to = Math.min(N, from + chunk) - 1;
    // A word's chance falls with its place in the list (about 1/rank): floor(200 ^ random()) - 1.
    await sql`
      INSERT INTO grants_grants (organisation_id, grant_id, version, file_id, title, description, amount_minor, currency, award_date, funder_org_id, funder_name,
        recipient_org_id, recipient_name, recipient_type, programme, regrant_type, location_code, location_code_type, location_source, location_precision, small_area_code, la_code, raw)
      SELECT pub, '360G-bench-' || n, 1, pub, t1 || ' ' || t2 || ' ' || t3, d1 || ' ' || d2 || ' ' || d3 || ' ' || d4 || ' for ' || t1, amt, cur,
        DATE '2010-01-01' + (n * 7919 % 5840)::int, 'GB-CHC-' || (1000000 + f), 'Funder ' || f,
        CASE WHEN k < 55 THEN 'GB-CHC-' || (3000000 + r) WHEN k < 75 THEN 'GB-COH-' || lpad((r)::text, 8, '0') WHEN k < 95 THEN '360G-bench-group-' || r ELSE '360G-bench-person-' || n END,
        CASE WHEN k < 95 THEN 'Recipient ' || r ELSE 'Individual Recipient' END, CASE WHEN k < 95 THEN 'organisation' ELSE 'individual' END,
        'Programme ' || (n * 31 % 5000), CASE WHEN n % 33 = 0 THEN (ARRAY['FRG010', 'FRG020', 'FRG030'])[1 + (n / 33) % 3] END,
        sa, 'LSOA', 'beneficiary', 'small-area', sa, la, '{}'::jsonb
      FROM (
        SELECT n, (${publishers}::uuid[])[1 + (n % 20)::int] AS pub, ((n * 104729) % 2000)::int AS f, (n * 15485863::bigint % 200000)::int AS r, (n * 37 % 100)::int AS k,
          CASE WHEN n % 100 = 0 THEN 'USD' WHEN n % 100 = 1 THEN 'EUR' ELSE 'GBP' END AS cur,
          (100000 + (random() ^ 3) * 100000000)::bigint AS amt,
          'E01' || lpad((n * 7 % 33000)::text, 6, '0') AS sa, 'E0' || (6000000 + (n * 7 % 33000) / 100)::text AS la,
          words.w[floor(power(cardinality(words.w), random()))::int] AS t1,
          words.w[floor(power(cardinality(words.w), random()))::int] AS t2,
          words.w[floor(power(cardinality(words.w), random()))::int] AS t3,
          words.w[floor(power(cardinality(words.w), random()))::int] AS d1,
          words.w[floor(power(cardinality(words.w), random()))::int] AS d2,
          words.w[floor(power(cardinality(words.w), random()))::int] AS d3,
          words.w[floor(power(cardinality(words.w), random()))::int] AS d4
        FROM generate_series(${from}::bigint, ${to}::bigint) AS n, (SELECT ${WORDS}::text[] AS w) AS words
      ) s`.execute(db);
    console.log(`loaded ${(to + 1).toLocaleString('en-GB')} grants (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  // The explorer's kept totals (0044), as every import, publish and withdrawal keeps them.
  const { refreshExploreTotals } = await import('../src/grants/grants.search.repository.ts');
  for (const p of publishers) await refreshExploreTotals(db, p);
  await sql`VACUUM ANALYZE grants_grants`.execute(db);
  console.log(`generated and indexed ${N.toLocaleString('en-GB')} grants in ${((performance.now() - started) / 1000).toFixed(0)} s`);
} else {
  console.log(`reusing ${stored.toLocaleString('en-GB')} grants in ${dbName}`);
}

// The bench database holds no places data, so a local authority or small area is given to the filters as
// codes (what the place finder resolves a name to); everything else is read as the page reads it.
const one = async (raw: Record<string, string>) => {
  const { la, area, ...rest } = raw;
  const read = await explore.readFilters(db, rest);
  if (read.errors.length) throw new Error(JSON.stringify(read.errors));
  const filters = { ...read.filters, ...(la ? { laCodes: la.split(',') } : {}), ...(area ? { smallAreaCodes: area.split(',') } : {}) };
  return explore.searchGrants(db, filters, Number(raw.page ?? 1));
};
const cases: [string, Record<string, string>][] = [
  ['no filter (every grant)', {}],
  ['words: common ("community")', { q: 'community' }],
  ['words: rare ("gurdwara")', { q: 'gurdwara' }],
  ['words: two ("garden project")', { q: 'garden project' }],
  ['words: phrase ("young people")', { q: '"young people"' }],
  ['words, excluding (community -project)', { q: 'community -project' }],
  ['funder (org-id)', { funder: 'GB-CHC-1000042' }],
  ['funder (name)', { funder: 'funder 42' }],
  ['recipient (org-id)', { recipient: 'GB-CHC-3000042' }],
  ['recipient (name)', { recipient: 'Recipient 4242' }],
  ['programme', { programme: 'Programme 123' }],
  ['amount range (£1,000–£5,000)', { minAmount: '1000', maxAmount: '5000' }],
  ['amount ≥ £500,000', { minAmount: '500000' }],
  ['award dates (one month)', { from: '2020-03-01', to: '2020-03-31' }],
  ['financial year 2019 to 2020', { financialYear: '2019' }],
  ['local authority', { la: 'E06000123' }],
  ['small area', { area: 'E01004242' }],
  ['small areas of a ward (10)', { area: Array.from({ length: 10 }, (_, i) => `E01${String(5000 + i).padStart(6, '0')}`).join(',') }],
  ['regrant: any', { regrantType: 'any' }],
  ['regrant type FRG020', { regrantType: 'FRG020' }],
  ['recipient type: registered charity (55%)', { recipientType: 'charity' }],
  ['recipient type: individual (5%)', { recipientType: 'individual' }],
  ['words + local authority + year', { q: 'community', la: 'E06000123', financialYear: '2019' }],
  ['words + recipient type + amount', { q: 'garden', recipientType: 'unregistered', minAmount: '1000' }],
  ['funder + year (a funder page’s view)', { funder: 'GB-CHC-1000042', financialYear: '2018' }],
  ['words: middling ("heritage")', { q: 'heritage' }],
  ['page 50 of a common word', { q: 'community', page: '50' }],
];
// A recipient and a funder that are in the data, as a person would arrive at them from a grant.
const someRecipient = (await sql<{ id: string; name: string }>`SELECT recipient_org_id AS id, recipient_name AS name FROM grants_grants WHERE recipient_kind = 'charity' AND is_current LIMIT 1`.execute(db)).rows[0]!;
for (const c of cases) {
  if (c[1].recipient === 'GB-CHC-3000042') c[1].recipient = someRecipient.id;
  if (c[1].recipient === 'Recipient 4242') c[1].recipient = someRecipient.name;
}
const results = [];
for (const [label, raw] of cases) {
  const r = await measure(label, () => one(raw));
  results.push(r);
  console.log(`${label.padEnd(44)} ${String(r.grants).padStart(8)} grants  p50 ${r.p50.toFixed(1).padStart(6)} ms  p95 ${r.p95.toFixed(1).padStart(6)} ms${r.p95 > 100 ? '  OVER 100 ms' : ''}`);
}
const years = await measure('funder page: totals by financial year', async () => ({ totals: { grants: (await explore.totalsByYear(db, { funderId: 'GB-CHC-1000042' })).length } }));
console.log(`${years.label.padEnd(44)} ${String(years.grants).padStart(8)} years   p50 ${years.p50.toFixed(1).padStart(6)} ms  p95 ${years.p95.toFixed(1).padStart(6)} ms`);
const over = results.filter((r) => r.p95 > 100);
console.log(over.length ? `${over.length} cases over 100 ms p95` : 'every case within 100 ms p95');
await handle.close();
