// The CDFI's page over HTTP with a big ledger: one accredited CDFI, 100 investors, `n` investments (half loans)
// each certified, a fifth of the loans repaid 10%, and `deals` onward deals, all written in SQL through the
// ledger's own triggers (the service's postings are measured by investment.bench.ts); then the page
// /investment/cdfis/:id as one of the CDFI's officers (its ledger shown), the same page's later pages,
// cdfiReport alone (no HTTP; every investment presented, as the API gives it) and cdfiSummary (the page's rules). On the PostgreSQL server, in a database of its own, dropped after.
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/investment-page.bench.ts [n=10000] [deals=500]
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { sql } from 'kysely';
import { loadConfig } from '../src/platform/config.ts';
import { openPostgres } from '../src/platform/db.ts';
import { createApp, createContext, createLogger } from '../src/app.ts';
import { cliActor } from '../src/platform/actor.ts';
import { signedInAgent } from '../src/platform/testing.ts';
import { createOrganisation } from '../src/organisations/organisations.service.ts';
import * as service from '../src/investment/investment.service.ts';
import { addYears, testDays, todayDay } from '../src/investment/investment.compute.ts';
import * as repo from '../src/investment/investment.repository.ts';
import { person } from '../src/investment/investment.test-support.ts';

const n = Number(process.argv[2] ?? 10_000);
const dealCount = Number(process.argv[3] ?? 500);
if (!process.env.DATABASE_URL) throw new Error('Set DATABASE_URL: this benchmark runs on the PostgreSQL server');
const url = new URL(process.env.DATABASE_URL);
const name = `cw_bench_invpage_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: url.toString() });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
url.pathname = `/${name}`;
const handle = openPostgres(url.toString(), { max: 4, onIdleError: () => {} });
const ctx = await createContext({ ...loadConfig({ NODE_ENV: 'production' }), dataDir: 'unused' }, createLogger({ logLevel: 'warn' }), handle);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

try {
  const today = todayDay();
  const cdfiOrg = await createOrganisation(ctx.db, cliActor, { name: 'Bench Community Finance', legalForm: 'community-benefit-society' });
  const cdfi = await service.accreditCdfi(ctx.db, cliActor, { organisation: cdfiOrg.id, accreditedFrom: addYears(today, -4), accreditedTo: addYears(today, 1), applicationPence: 10_000_000_000, certificateLimitPence: 10_000_000_000 });
  const officer = await person(ctx, 'bench-officer', [[cdfiOrg.id, 'finance']]);
  const investors: string[] = [];
  for (let i = 0; i < 100; i++) investors.push((await createOrganisation(ctx.db, cliActor, { name: `Bench Investor ${i}`, legalForm: 'company-limited-by-shares' })).id);
  const started = performance.now();
  const org = cdfi.organisationId;
  await sql`INSERT INTO investment_citr_investments (organisation_id, investor_organisation_id, kind, amount_pence, invested_on)
    SELECT ${org}::uuid, (${sql.val(investors)}::uuid[])[1 + i % 100], CASE WHEN i % 2 = 0 THEN 'loan' ELSE 'shares' END,
           100000 + (i * 7919) % 900000, ${addYears(today, -4)}::date + 90 + i % 90
      FROM generate_series(0, ${n - 1}) AS i`.execute(ctx.db);
  await sql`INSERT INTO investment_citr_certificates (organisation_id, investment_id, reference, issued_on, amount_pence)
    SELECT organisation_id, id, 'BENCH-' || row_number() OVER (ORDER BY id), invested_on + 5, amount_pence
      FROM investment_citr_investments WHERE organisation_id = ${org}::uuid`.execute(ctx.db);
  await sql`INSERT INTO investment_citr_repayments (organisation_id, investment_id, repaid_on, amount_pence)
    SELECT organisation_id, id, ${today}::date, amount_pence / 10 FROM investment_citr_investments
     WHERE organisation_id = ${org}::uuid AND kind = 'loan' ORDER BY id LIMIT ${Math.ceil(n / 5)}`.execute(ctx.db);
  await sql`INSERT INTO investment_deals (organisation_id, investee_organisation_id, title, grant_pence, loan_pence, term_months, interest_basis_points, starts_on, qualifying, owed_pence)
    SELECT ${org}::uuid, (${sql.val(investors)}::uuid[])[1 + i % 100], 'Bench deal ' || i, CASE WHEN i % 3 = 0 THEN 50000 ELSE 0 END, 2000000, 60, 500,
           ${addYears(today, -3)}::date + i % 300, true, 2300000
      FROM generate_series(0, ${dealCount - 1}) AS i`.execute(ctx.db);
  await sql`ANALYZE`.execute(ctx.db);
  console.log(`engine postgres, one CDFI: ${n.toLocaleString('en-GB')} investments (certified; ${Math.ceil(n / 5).toLocaleString('en-GB')} loans repaid 10%), ${dealCount} deals, 100 investors; seeded in SQL in ${((performance.now() - started) / 1000).toFixed(1)} s; load ${load()}`);

  const app = await createApp(ctx);
  const agent = await signedInAgent(app, officer.email, '10.77.0.1');
  async function measure(label: string, runs: number, once: () => Promise<unknown>) {
    for (let i = 0; i < 2; i++) await once();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) { const s = performance.now(); await once(); times.push(performance.now() - s); }
    times.sort((a, b) => a - b);
    console.log(`| ${label} | ${times[Math.floor(runs * 0.5)]!.toFixed(1)} ms | ${times[Math.ceil(runs * 0.95) - 1]!.toFixed(1)} ms | ${load()} |`);
  }
  const page = async (path: string) => {
    const res = await agent.get(path);
    if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    return res.body.length;
  };
  const base = `/investment/cdfis/${org}`;
  console.log(`page bytes: ${(await page(base)).toLocaleString('en-GB')}`);
  console.log('| the CDFI\'s page | p50 | p95 | load |');
  console.log('|---|---:|---:|---|');
  await measure(`GET ${'/investment/cdfis/:id'} (officer: rules, chart, ledger)`, 10, () => page(base));
  await measure('GET …?page=100 (a later page of the ledger)', 10, () => page(`${base}?page=100`));
  await measure('GET …?investorsPage=2&dealsPage=5', 10, () => page(`${base}?investorsPage=2&dealsPage=5`));
  await measure('cdfiReport alone (no HTTP, no rendering; with every investment, as the API and the CSV give it)', 10, () => service.cdfiReport(ctx.db, officer.actor, org));
  await measure('cdfiSummary alone (the rules and their figures, worked out in SQL; no ledger rows)', 10, () => service.cdfiSummary(ctx.db, officer.actor, org));
  await measure('… of which ledgerFigures (one statement over the ledger: the rules\' figures and each investor\'s totals)', 10, () => repo.ledgerFigures(ctx.db, org, today));
  await measure('… of which fundOn (the fund on the three test days)', 10, () => repo.fundOn(ctx.db, org, testDays(cdfi.accreditedFrom, today)));
  await app.close();
} finally {
  await handle.close();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
