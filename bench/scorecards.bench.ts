// Scorecards: the funnel method at the scale the command line promises (a million units), and the funnel page.
// Run: node --import tsx bench/scorecards.bench.ts [rows]      (no database for the first part; PGlite for the page)
// (rows 0 skips the funnel method; the scorecards part at the end takes [services] [storiesPerServiceYear] after it)
import { openTestContext, TestAgent } from '../src/platform/testing.ts';
import { createApp } from '../src/app.ts';
import { readFunnelCsv } from '../src/scorecards/scorecards.funnel-csv.ts';
import { funnelJson } from '../src/scorecards/scorecards.funnel.ts';
import { funnel, type Statistic } from '../src/scorecards/scorecards.stats.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
const ms = (n: number) => `${Math.round(n).toLocaleString('en-GB')} ms`;

// A deterministic generator so every run reads the same file.
let seed = 12345;
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);

function file(statistic: Statistic): string {
  const lines = [statistic === 'proportion' ? 'unit,numerator,denominator' : 'unit,observed,expected'];
  for (let i = 0; i < rows; i++) {
    if (statistic === 'proportion') {
      const n = 10 + Math.floor(random() * 2000);
      lines.push(`Unit ${i},${Math.floor(n * (0.6 + random() * 0.3))},${n}`);
    } else {
      const e = 1 + random() * 500;
      lines.push(`Unit ${i},${Math.round(e * (0.7 + random() * 0.6))},${e.toFixed(3)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

for (const statistic of (rows > 0 ? ['proportion', 'ratio'] : []) as Statistic[]) {
  for (const overdispersion of [false, true]) {
    const text = file(statistic);
    const t0 = performance.now();
    const csv = readFunnelCsv(text, statistic);
    const t1 = performance.now();
    const f = funnel(csv.rows, { statistic, overdispersion });
    const t2 = performance.now();
    const json = JSON.stringify(funnelJson(f));
    const t3 = performance.now();
    console.log(`${statistic}${overdispersion ? ' + overdispersion' : ''}, ${rows.toLocaleString('en-GB')} rows (${(text.length / 1048576).toFixed(0)} MB): read and check ${ms(t1 - t0)}, limits ${ms(t2 - t1)}, JSON ${ms(t3 - t2)} (${(json.length / 1048576).toFixed(0)} MB); total ${ms(t3 - t0)}`);
  }
}

// The funnel page: 100 units uploaded, drawn and tabled, 50 times.
const ctx = await openTestContext('pglite');
const app = await createApp(ctx);
const agent = new TestAgent(app);
await agent.get('/scorecards/funnel');
seed = 1;
const content = ['unit,numerator,denominator', ...Array.from({ length: 100 }, (_, i) => `Ward ${i},${Math.floor(300 * (0.6 + random() * 0.3))},300`)].join('\n');
const times: number[] = [];
for (let i = 0; i < 50; i++) {
  const t = performance.now();
  const res = await agent.postMultipart('/scorecards/funnel', { statistic: 'proportion' }, { filename: 'wards.csv', content });
  times.push(performance.now() - t);
  if (res.statusCode !== 200) throw new Error(`funnel page answered ${res.statusCode}`);
}
times.sort((a, b) => a - b);
console.log(`funnel page, 100 units: median ${times[25]!.toFixed(1)} ms, p95 ${times[47]!.toFixed(1)} ms over 50`);
await app.close();
await ctx.handle.close();

// ---------------------------------------------------------------------------------------------------------
// Scorecards (issue 18, "Speed"): recompute every service's figures for 5 financial years, 10,000 services,
// then a scorecard page's p95. Run on PostgreSQL with DATABASE_URL set (PGlite otherwise, for a smoke run):
//   DATABASE_URL=postgres://… node --import tsx bench/scorecards.bench.ts 0 [services] [storiesPerServiceYear]
{
  const { sql } = await import('kysely');
  const { recomputeScorecards } = await import('../src/scorecards/scorecards.recompute.ts');
  const { recentPeriods } = await import('../src/scorecards/scorecards.periods.ts');
  const { execSync } = await import('node:child_process');
  const services = Number(process.argv[3] ?? 10_000);
  const perYear = Number(process.argv[4] ?? 8);
  const engine = process.env.DATABASE_URL ? 'postgres' : 'pglite';
  const sctx = await openTestContext(engine);
  const db = sctx.db;
  const periods = recentPeriods(5);
  const t0 = performance.now();
  await sql`INSERT INTO organisations (name, slug, legal_form, distributes_profit, sector)
    SELECT 'Provider ' || g, 'provider-' || g, 'charitable-company', false, 'voluntary' FROM generate_series(1, ${Math.ceil(services / 50)}) g`.execute(db);
  await sql`INSERT INTO voice_services (organisation_id, name, decision_type)
    SELECT o.id, 'Service ' || s, (ARRAY['involvement','technical','joined-up','framework'])[1 + s % 4]
      FROM generate_series(0, ${services - 1}) s JOIN organisations o ON o.slug = 'provider-' || (1 + s / 50)`.execute(db);
  // Stories spread over the 5 years, rated two times in three; half answered, a tenth claiming a change.
  const from = periods.at(-1)!.from.toISOString();
  const days = Math.round((periods[0]!.to.getTime() - periods.at(-1)!.from.getTime()) / 86_400_000) - 1;
  await sql`CREATE TEMP TABLE bench_stories AS
    SELECT gen_random_uuid() AS id, v.organisation_id, v.id AS service_id,
           ${from}::timestamptz + (((i::bigint * 7919 + hashtext(v.id::text)) % ${days} + ${days}) % ${days}) * interval '1 day' + (i % 24) * interval '1 hour' AS published_at, i
      FROM voice_services v, generate_series(1, ${perYear * 5}) i`.execute(db);
  await sql`INSERT INTO voice_stories (id, title, body, pseudonym, status, published_at, submitted_at, fft_rating)
    SELECT id, 'Story', 'How it went.', 'Teller', 'published', published_at, published_at,
           CASE WHEN i % 3 = 0 THEN NULL ELSE (ARRAY['very-good','good','neither','poor','very-poor','dont-know'])[1 + ((i::bigint * 31 + hashtext(id::text)) % 6 + 6) % 6] END
      FROM bench_stories`.execute(db);
  await sql`INSERT INTO voice_story_services (organisation_id, service_id, story_id) SELECT organisation_id, service_id, id FROM bench_stories`.execute(db);
  await sql`INSERT INTO voice_responses (organisation_id, story_id, responder_name, body, claims_change, status, created_at, published_at)
    SELECT organisation_id, id, 'Staff', 'Thank you.', i % 10 = 0, 'published', published_at, published_at + (i % 72) * interval '1 hour' FROM bench_stories WHERE i % 2 = 0`.execute(db);
  // Each story's first answer and change counts (voice_story_answers, migration 0051), as the migration backfills
  // them; the app keeps them at every write of an answer.
  await sql`INSERT INTO voice_story_answers (organisation_id, story_id, first_at, changes, confirmed)
    SELECT organisation_id, story_id, min(published_at), count(*) FILTER (WHERE claims_change), count(*) FILTER (WHERE change_confirmed_at IS NOT NULL)
      FROM voice_responses WHERE status = 'published' GROUP BY organisation_id, story_id`.execute(db);
  // Statistics as autovacuum would leave them after a load. ANALYZE needs the tables' owner: as the app role it
  // skips every table (a warning only), and the planner then guesses from empty tables (4 rows for 80,000).
  if (engine === 'postgres') {
    const pg = (await import('pg')).default;
    const owner = new pg.Client({ connectionString: (sctx.handle as { ownerUrl?: string }).ownerUrl });
    await owner.connect();
    await owner.query('VACUUM ANALYZE');
    await owner.end();
  } else {
    await sql`VACUUM ANALYZE`.execute(db);
  }
  const stories = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM voice_stories`.execute(db)).rows[0]!.n);
  console.log(`scorecards data (${engine}): ${services.toLocaleString('en-GB')} services, ${stories.toLocaleString('en-GB')} published stories over 5 years, loaded in ${ms(performance.now() - t0)}`);
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const load = execSync('uptime').toString().trim().replace(/^.*load average: /, '');
    const r = await recomputeScorecards(db, periods);
    runs.push(r.ms);
    console.log(`recompute ${r.services.toLocaleString('en-GB')} services × ${r.periods.length} years = ${r.rows.toLocaleString('en-GB')} rows (${r.written.toLocaleString('en-GB')} written): ${ms(r.ms)} (load average ${load})`);
  }
  // The worst-10% flags of this calendar year and the last (compareServices of every kind and indicator, with
  // the rank simulation): the second step of `commonweal scorecards recompute`.
  const { recomputeFlags, flagYears } = await import('../src/scorecards/scorecards.flags.ts');
  {
    const load = execSync('uptime').toString().trim().replace(/^.*load average: /, '');
    const f = await recomputeFlags(db, flagYears(null));
    console.log(`recompute flags for ${f.periods.join(' and ')}: ${f.flags} flags in ${ms(f.ms)} (load average ${load})`);
  }
  const sapp = await createApp(sctx);
  // The list (a page of 50 of the 10,000) and the flags page (stored flags), 100 views each.
  for (const [label, url] of [['list of scorecards, page 57 of 200', '/scorecards?page=57'], ['list searched ("service 12")', '/scorecards?q=service+12'], ['flags page', '/scorecards/flags']] as const) {
    await sapp.inject({ url });
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      const res = await sapp.inject({ url });
      times.push(performance.now() - t);
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
    }
    times.sort((a, b) => a - b);
    console.log(`${label}: median ${times[50]!.toFixed(1)} ms, p95 ${times[95]!.toFixed(1)} ms over 100`);
  }
  const ids = (await sql<{ id: string }>`SELECT id FROM voice_services ORDER BY id LIMIT 200`.execute(db)).rows.map((r) => r.id);
  const pageTimes: number[] = [];
  await sapp.inject({ url: `/scorecards/services/${ids[0]}` });
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    const res = await sapp.inject({ url: `/scorecards/services/${ids[i]}` });
    pageTimes.push(performance.now() - t);
    if (res.statusCode !== 200) throw new Error(`scorecard page answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
  }
  pageTimes.sort((a, b) => a - b);
  const load = execSync('uptime').toString().trim().replace(/^.*load average: /, '');
  console.log(`scorecard page (app.inject, latest year with stories chosen): median ${pageTimes[100]!.toFixed(1)} ms, p95 ${pageTimes[190]!.toFixed(1)} ms over 200 services (load average ${load})`);
  await sapp.close();
  await sctx.handle.close();
}
