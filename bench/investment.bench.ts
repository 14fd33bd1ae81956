// The CITR ledger under concurrency, and statements over 10,000 investments, on the PostgreSQL server (no HTTP).
// One accredited CDFI with 100 investors: `n` investments recorded through recordCitrInvestment by `clients`
// concurrent callers (each one transaction, with the officers' inbox email); then every certificate issued
// (all serialise on the CDFI's row lock: the limit is checked one certificate at a time); then investors'
// loan repayments (the same lock, and the years-3-to-5 caps). Then the CDFI's page (cdfiReport: every
// investment with its certificate, repayments and relief by year) and one investor's statement.
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/investment.bench.ts [n=10000] [clients=8]
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { loadConfig } from '../src/platform/config.ts';
import { openPostgres } from '../src/platform/db.ts';
import { createContext, createLogger } from '../src/app.ts';
import { cliActor } from '../src/platform/actor.ts';
import { createOrganisation } from '../src/organisations/organisations.service.ts';
import * as service from '../src/investment/investment.service.ts';
import { addDays, addYears, todayDay } from '../src/investment/investment.compute.ts';
import { person } from '../src/investment/investment.test-support.ts';

const n = Number(process.argv[2] ?? 10_000);
const clients = Number(process.argv[3] ?? 8);
if (!process.env.DATABASE_URL) throw new Error('Set DATABASE_URL: this benchmark runs on the PostgreSQL server');
const url = new URL(process.env.DATABASE_URL);
const name = `cw_bench_investment_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: url.toString() });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
url.pathname = `/${name}`;
const handle = openPostgres(url.toString(), { max: Math.max(clients, 4), onIdleError: () => {} });
const ctx = await createContext({ ...loadConfig({ NODE_ENV: 'production' }), dataDir: 'unused' }, createLogger({ logLevel: 'warn' }), handle);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

try {
  const today = todayDay();
  const cdfiOrg = await createOrganisation(ctx.db, cliActor, { name: 'Bench Community Finance', legalForm: 'community-benefit-society' });
  const cdfi = await service.accreditCdfi(ctx.db, cliActor, { organisation: cdfiOrg.id, accreditedFrom: addYears(today, -4), accreditedTo: addYears(today, 1), applicationPence: 10_000_000_000, certificateLimitPence: 10_000_000_000 });
  const officer = await person(ctx, 'bench-officer', [[cdfiOrg.id, 'finance']]);
  await person(ctx, 'bench-officer-two', [[cdfiOrg.id, 'admin']]);
  const investors: { id: string }[] = [];
  for (let i = 0; i < 100; i++) investors.push(await createOrganisation(ctx.db, cliActor, { name: `Bench Investor ${i}`, legalForm: 'company-limited-by-shares' }));

  async function run<T>(label: string, items: T[], once: (item: T) => Promise<unknown>) {
    const latencies: number[] = [];
    let refused = 0;
    let next = 0;
    const started = performance.now();
    let reported = started;
    await Promise.all(Array.from({ length: clients }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const s = performance.now();
        try { await once(item); } catch (error) { refused++; if (refused <= 3) console.error(`${label}: ${(error as Error).message}`); }
        latencies.push(performance.now() - s);
        if (performance.now() - reported > 15_000) { reported = performance.now(); console.error(`  ${label}: ${latencies.length} of ${items.length}`); }
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
    console.log(`| ${label} | ${items.length.toLocaleString('en-GB')} | ${((items.length - refused) / seconds).toFixed(0)} | ${p(0.5)} | ${p(0.95)} | ${p(0.99)} | ${refused} | ${load()} |`);
  }

  async function measure(label: string, runs: number, once: () => Promise<unknown>) {
    for (let i = 0; i < 2; i++) await once();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) { const s = performance.now(); await once(); times.push(performance.now() - s); }
    times.sort((a, b) => a - b);
    console.log(`| ${label} | ${times[Math.floor(runs * 0.5)]!.toFixed(1)} ms | ${times[Math.ceil(runs * 0.95) - 1]!.toFixed(1)} ms | ${load()} |`);
  }

  console.log(`engine postgres, ${clients} concurrent callers, no HTTP, ${n.toLocaleString('en-GB')} investments from 100 investors into one CDFI; load at start ${load()}`);
  console.log('| ledger posting | count | per second | p50 ms | p95 ms | p99 ms | refused | load after |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  // Made between 3½ and 3¾ years ago (year 4 of each: a loan may be repaid up to 50% by its end), half loans.
  const plan = Array.from({ length: n }, (_, i) => ({
    investor: investors[i % investors.length]!.id, kind: i % 2 === 0 ? 'loan' : 'shares',
    amountPence: 100_000 + ((i * 7919) % 900_000), investedOn: addDays(addYears(today, -4), 90 + (i % 90)),
  }));
  const made: { id: string; kind: string; amountPence: number; investedOn: string }[] = [];
  await run('record an investment (recordCitrInvestment)', plan, async (p) => {
    const v = await service.recordCitrInvestment(ctx.db, officer.actor, cdfi.organisationId, p);
    made.push({ id: v.id, kind: p.kind, amountPence: p.amountPence, investedOn: p.investedOn });
  });
  await run('issue its certificate (one CDFI: every one under its row lock)', made, (m) =>
    service.issueCertificate(ctx.db, officer.actor, cdfi.organisationId, m.id, { issuedOn: addDays(m.investedOn, 5) }));
  const loans = made.filter((m) => m.kind === 'loan').slice(0, Math.ceil(n / 5));
  await run('repay 10% of an investor’s loan (the same lock, the year caps)', loans, (m) =>
    service.recordCitrRepayment(ctx.db, officer.actor, cdfi.organisationId, m.id, { repaidOn: today, amountPence: Math.floor(m.amountPence / 10) }));

  const stored = await ctx.db.selectFrom('investment_citr_certificates').select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.sum<string>('amount_pence').as('pence')]).executeTakeFirstOrThrow();
  console.log(`\nstored: ${stored.n} certificates, ${stored.pence} pence certified (limit ${cdfi.certificateLimitPence})`);
  console.log('\n| statement | p50 | p95 | load |');
  console.log('|---|---:|---:|---|');
  await measure(`the CDFI's page: cdfiReport over ${n.toLocaleString('en-GB')} investments (rules, relief by year, deciles)`, 10, () => service.cdfiReport(ctx.db, officer.actor, cdfi.organisationId));
  await measure(`one investor's statement (${Math.ceil(n / 100)} investments)`, 40, () => service.investorStatement(ctx.db, officer.actor, cdfi.organisationId, investors[0]!.id));
} finally {
  await handle.close();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
