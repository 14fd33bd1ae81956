import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, signedInAgent as signedIn } from '../platform/testing.ts';
import type { App } from '../platform/module.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { seedOutcomes } from '../outcomes/outcomes.demo.ts';
import * as service from './investment.service.ts';
import { demoCdfiName, seedInvestment } from './investment.demo.ts';
import { sql } from 'kysely';
import { cdfiWorld, daysAgo } from './investment.test-support.ts';

const dmy = (iso: string) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

eachEngine('investment pages', (t) => {
  it('loads the invented demo CDFI once, and shows its rules and where its money goes', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    await seedOutcomes(ctx);
    assert.equal(await seedInvestment(ctx), true);
    assert.equal(await seedInvestment(ctx), false, 'seeding again changes nothing');
    const cdfi = (await service.listCdfis(ctx.db)).find((c) => c.name === demoCdfiName)!;
    const page = await app.inject({ method: 'GET', url: `/investment/cdfis/${cdfi.organisationId}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /CITM4060/);
    assert.match(page.body, /certified of a £1,000,000 limit/);
    assert.match(page.body, /<svg[^>]+role="img"/);
    assert.ok(!page.body.includes('Quayside Savers'), 'the public sees the rules and figures, not who invested');
    const csv = await app.inject({ method: 'GET', url: `/investment/cdfis/${cdfi.organisationId}/deprivation.csv` });
    assert.match(csv.body, /^decile,capital_pence,grant_pence,deals/);
    const ledger = await app.inject({ method: 'GET', url: `/investment/cdfis/${cdfi.organisationId}/investments.csv` });
    assert.ok([303, 401].includes(ledger.statusCode), 'anonymous: sent to sign in');
    assert.ok(!ledger.body.includes('Quayside'));
  });

  it('lets a CDFI officer record an investment, issue its certificate and be refused a second, with clear errors', async () => {
    const { app, ctx } = t();
    const w = await cdfiWorld(ctx);
    const officer = await signedIn(app, w.officer.email, '10.9.0.1');
    const base = `/investment/cdfis/${w.cdfi.organisationId}`;
    const form = await officer.get(`${base}/investments/new`);
    // The date is the GOV.UK date input: three boxes, read by the same parser as every other form.
    for (const part of ['day', 'month', 'year']) assert.match(form.body, new RegExp(`name="investedOn-${part}"`));
    const bad = await officer.post(`${base}/investments`, { investor: 'Nobody At All', kind: 'loan', amount: '-5', 'investedOn-day': '31', 'investedOn-month': '2', 'investedOn-year': '2026' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /There is a problem/);
    assert.match(bad.body, /No organisation is registered as/);
    assert.match(bad.body, /cannot be negative/);
    assert.match(bad.body, /must be a real date/);
    assert.match(bad.body, /id="investedOn-day" name="investedOn-day" type="text" value="31"/, 'what was typed is kept');
    const typed = await officer.post(`${base}/investments`, { investor: 'Nobody At All', kind: 'loan', amount: '5', investedOn: dmy(daysAgo(2)) });
    assert.doesNotMatch(typed.body, /must be a real date/, 'one field as typed (28/11/2026) is still read, for programs');
    const iso = daysAgo(2);
    const made = await officer.post(`${base}/investments`, { investor: w.investorA.name, kind: 'loan', amount: '12,500', 'investedOn-day': String(Number(iso.slice(8, 10))), 'investedOn-month': String(Number(iso.slice(5, 7))), 'investedOn-year': iso.slice(0, 4) });
    assert.equal(made.statusCode, 303, made.body);
    const certPage = await officer.get(made.headers.location as string);
    assert.match(certPage.body, /Certificate due by/);
    const issued = await officer.post((made.headers.location as string).split('?')[0]!, { issuedOn: '', reference: '' });
    assert.equal(issued.statusCode, 303, issued.body);
    const again = await officer.post((made.headers.location as string).split('?')[0]!, { issuedOn: '', reference: 'TWICE' });
    assert.ok([200, 409].includes(again.statusCode));
    const cdfiPage = await officer.get(`${base}?notice=certified`);
    assert.match(cdfiPage.body, new RegExp(w.investorA.name));
    assert.match(cdfiPage.body, /£12,500 certified of a £500,000 limit/);
    const ledgerCsv = await officer.get(`${base}/investments.csv`);
    assert.match(ledgerCsv.body, /1250000/);
    const staff = await signedIn(app, w.staff.email, '10.9.0.2');
    await staff.get(base);
    const refused = await staff.post(`${base}/investments`, { investor: w.investorA.name, kind: 'shares', amount: '100', investedOn: dmy(daysAgo(1)) });
    assert.equal(refused.statusCode, 403);
  });

  it('makes a blended deal in one form, shows its schedule and arrears, and refuses a repayment beyond what is owed', async () => {
    const { app, ctx } = t();
    const w = await cdfiWorld(ctx);
    const officer = await signedIn(app, w.officer.email, '10.9.0.3');
    await officer.get('/investment/deals/new');
    const made = await officer.post('/investment/deals', { investor: w.cdfiOrg.id, investee: w.investee.name, title: 'Kitchen and first year', loan: '20,000', interest: '6', termMonths: '24', holidayMonths: '3', grant: '5,000', equity: '', startsOn: dmy(daysAgo(120)), area: '', qualifying: 'yes' });
    assert.equal(made.statusCode, 303, made.body);
    const page = await officer.get(made.headers.location as string);
    assert.match(page.body, /Loan and grant/);
    assert.match(page.body, /Repayment schedule/);
    assert.match(page.body, /Arrears/);
    const dealId = (made.headers.location as string).split('/')[3]!.split('?')[0]!;
    const detail = await service.getDeal(ctx.db, w.officer.actor, dealId);
    assert.ok(detail.position.arrearsPence > 0, 'three holiday months of interest are due and unpaid');
    await officer.get(`/investment/deals/${dealId}/repayments`);
    const tooMuch = await officer.post(`/investment/deals/${dealId}/repayments`, { paidOn: dmy(daysAgo(1)), amount: '999,999', reference: '' });
    assert.equal(tooMuch.statusCode, 422);
    assert.match(tooMuch.body, /still owed on this loan/);
    const investee = await signedIn(app, w.investeePerson.email, '10.9.0.4');
    const seen = await investee.get(`/investment/deals/${dealId}`);
    assert.equal(seen.statusCode, 200, 'the investee sees its statement');
    const outsider = await signedIn(app, w.outsider.email, '10.9.0.5');
    assert.equal((await outsider.get(`/investment/deals/${dealId}`)).statusCode, 403);
  });

  it('pages the ledger, the investors and the deals 50 at a time, and shows the certificate limit as a running total with its rule', async () => {
    const { app, ctx } = t();
    const w = await cdfiWorld(ctx);
    const org = w.cdfi.organisationId;
    // 120 investments (alternately from the two investors), 40 of them certified; 60 onward deals.
    await sql`INSERT INTO investment_citr_investments (organisation_id, investor_organisation_id, kind, amount_pence, invested_on)
      SELECT ${org}::uuid, CASE WHEN i % 2 = 0 THEN ${w.investorA.id}::uuid ELSE ${w.investorB.id}::uuid END, 'shares', 100000 + i, ${daysAgo(10)}::date
        FROM generate_series(1, 120) AS i`.execute(ctx.db);
    await sql`INSERT INTO investment_citr_certificates (organisation_id, investment_id, reference, issued_on, amount_pence)
      SELECT organisation_id, id, 'T-' || row_number() OVER (ORDER BY id), invested_on + 1, amount_pence
        FROM (SELECT * FROM investment_citr_investments WHERE organisation_id = ${org}::uuid ORDER BY id LIMIT 40) x`.execute(ctx.db);
    await sql`INSERT INTO investment_deals (organisation_id, investee_organisation_id, title, grant_pence, starts_on)
      SELECT ${org}::uuid, ${w.investee.id}::uuid, 'Deal ' || lpad(i::text, 3, '0'), 100000, ${daysAgo(30)}::date FROM generate_series(1, 60) AS i`.execute(ctx.db);
    const certified = (await ctx.db.selectFrom('investment_citr_certificates').select((eb) => eb.fn.sum<string>('amount_pence').as('s')).where('organisation_id', '=', org).executeTakeFirstOrThrow()).s;
    const officer = await signedIn(app, w.officer.email, '10.9.0.6');
    const base = `/investment/cdfis/${org}`;
    const first = await officer.get(base);
    assert.equal(first.statusCode, 200);
    assert.match(first.body, /1 to 50 of 120/);
    assert.equal((first.body.match(/>Statement<span/g) ?? []).length, 50, 'fifty ledger rows drawn');
    assert.match(first.body, /href="\/investment\/cdfis\/[^"?]+\?page=2#ledger"/);
    assert.match(first.body, /aria-label="Pages of the ledger"/);
    assert.match(first.body, /Who invested in [^:]+: 1 to 2 of 2/);
    assert.doesNotMatch(first.body, /aria-label="Pages of investors"/, 'two investors: one page');
    assert.match(first.body, /Deals of [^:]+: 1 to 50 of 60/);
    // The running total of the limit, with the rule cited.
    const pounds = (pence: number) => `£${(pence / 100).toLocaleString('en-GB', { minimumFractionDigits: pence % 100 ? 2 : 0 })}`;
    assert.ok(first.body.includes(`${pounds(Number(certified))} on 40 certificates`), 'certified so far, and on how many');
    assert.ok(first.body.includes(pounds(50_000_000 - Number(certified))), 'what is left of the £500,000 limit');
    assert.match(first.body, /CITM2070/);
    // Another page of one list keeps the others where they were; past the end is the last page.
    const later = await officer.get(`${base}?page=3&dealsPage=2`);
    assert.match(later.body, /101 to 120 of 120/);
    assert.match(later.body, /51 to 60 of 60/);
    assert.match(later.body, /\?page=2&amp;dealsPage=2#ledger/);
    assert.match((await officer.get(`${base}?page=99`)).body, /101 to 120 of 120/);
    assert.equal((await officer.get(`${base}?page=abc`)).statusCode, 400, 'the boundary refuses a page number not written plainly');
    assert.match((await officer.get(`${base}?dealsPage=abc`)).body, /Deals of [^:]+: 1 to 50 of 60/);
    // The certificate page of one not yet certified: the running total and what would be left after it.
    const waiting = await ctx.db.selectFrom('investment_citr_investments as i').select(['i.id', 'i.amount_pence']).where('i.organisation_id', '=', org)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('investment_citr_certificates as c').select('c.investment_id').whereRef('c.investment_id', '=', 'i.id')))).orderBy('i.id').executeTakeFirstOrThrow();
    const cert = await officer.get(`${base}/investments/${waiting.id}/certificate`);
    assert.equal(cert.statusCode, 200);
    assert.match(cert.body, /The certificate limit \(HMRC manual CITM2070\)/);
    assert.match(cert.body, /Certified so far/);
    assert.ok(cert.body.includes(`${pounds(50_000_000 - Number(certified) - waiting.amount_pence)} would be left`));
    // The public: the rules and the limit, not who invested nor the lists.
    const visitor = await app.inject({ method: 'GET', url: base });
    assert.equal(visitor.statusCode, 200);
    assert.match(visitor.body, /Limit left/);
    assert.doesNotMatch(visitor.body, /id="ledger"|id="investors"|id="deals"/);
  });
});
