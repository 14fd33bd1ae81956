// Browser journeys for social investment: anyone reads the invented demo CDFI's rules and where its money goes;
// a CDFI officer records a loan, issues its tax relief certificate, is refused a second one, and sees the rule
// figures move; then makes a blended loan-and-grant deal and sees its schedule. Every page is checked with axe.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { browserAvailable, browserSuite, fillDate } from './browser.ts';
import { cliActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { addMember } from '../src/organisations/organisations.service.ts';
import { seedOrganisations } from '../src/organisations/organisations.demo.ts';
import { seedOutcomes } from '../src/outcomes/outcomes.demo.ts';
import { demoCdfiName, seedInvestment } from '../src/investment/investment.demo.ts';
import * as service from '../src/investment/investment.service.ts';
import { addDays, todayDay } from '../src/investment/investment.compute.ts';

const enabled = browserAvailable();
const password = 'a long enough password';

describe('investment in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  const suite = browserSuite('investment-', async (c) => {
    await seedOrganisations(c);
    await seedOutcomes(c);
    await seedInvestment(c);
  }, password);
  const { violations, check, newPage, signIn } = suite;

  it('shows anyone the demo CDFI’s rules with their figures and a chart of where its money goes', { timeout: 120_000 }, async () => {
    const page = await newPage();
    await page.goto(`${suite.baseUrl}/investment`);
    await check(page, 'index');
    await page.getByRole('link', { name: demoCdfiName }).click();
    assert.ok(await page.getByRole('heading', { name: 'The rules, and the figures that test them' }).isVisible());
    assert.ok(await page.getByText('CITM4060').first().isVisible());
    assert.ok(await page.getByRole('img', { name: /Capital deployed by/ }).isVisible());
    assert.equal(await page.getByText('Quayside Savers').count(), 0, 'the ledger is the CDFI’s own');
    await check(page, 'cdfi-public');
    assert.deepEqual(violations, []);
  });

  it('a CDFI officer records a loan, issues its certificate, is refused a second, and makes a blended deal', { timeout: 180_000 }, async () => {
    const cdfi = (await service.listCdfis(suite.ctx.db)).find((c) => c.name === demoCdfiName)!;
    await registerUser(suite.ctx.db, cliActor, { email: 'cdfi.officer@example.org', name: 'Cath Officer', password });
    await addMember(suite.ctx.db, cliActor, cdfi.organisationId, { email: 'cdfi.officer@example.org', role: 'finance' });
    const officer = await signIn('cdfi.officer@example.org');
    await officer.goto(`${suite.baseUrl}/investment/cdfis/${cdfi.organisationId}`);
    await check(officer, 'cdfi-officer');
    await officer.getByRole('button', { name: 'Record an investment' }).click();
    await officer.getByRole('button', { name: 'Record the investment' }).click();
    assert.match(await officer.title(), /^Error: /);
    await check(officer, 'investment-errors');
    await officer.getByLabel('Investor’s name').fill('Grainger Engineering Ltd (example)');
    await officer.getByLabel('Loan').check();
    await officer.getByLabel('Amount').fill('40,000');
    await fillDate(officer, 'Date of the investment', addDays(todayDay(), -3));
    await officer.getByRole('button', { name: 'Record the investment' }).click();
    await officer.waitForURL(/certificate\?notice=invested/);
    assert.ok(await officer.getByText('Certificate due by').isVisible());
    await check(officer, 'certificate');
    await officer.getByRole('button', { name: 'Issue the certificate' }).click();
    await officer.waitForURL(/notice=certified/);
    assert.ok(await officer.getByText('The tax relief certificate is issued.').isVisible());
    assert.ok(await officer.getByText(/£390,000 certified of a £1,000,000 limit/).isVisible(), 'the limit rule shows the new figure');
    await check(officer, 'cdfi-certified');
    // A second certificate for the same investment: the page says so and offers no form.
    const inv = (await service.cdfiReport(suite.ctx.db, cliActor, cdfi.organisationId)).investments!.find((i) => i.amountPence === 4_000_000)!;
    await officer.goto(`${suite.baseUrl}/investment/cdfis/${cdfi.organisationId}/investments/${inv.id}/certificate`);
    assert.ok(await officer.getByText(/Only one certificate is issued for each investment/).isVisible());
    assert.equal(await officer.getByRole('button', { name: 'Issue the certificate' }).count(), 0);
    await check(officer, 'certificate-issued');
    // A repayment in year 1 of the loan is refused with the rule.
    await officer.goto(`${suite.baseUrl}/investment/cdfis/${cdfi.organisationId}/investments/${inv.id}/repayments`);
    await fillDate(officer, 'Date repaid', todayDay());
    await officer.getByLabel('Amount repaid').fill('100');
    await officer.getByRole('button', { name: 'Record the repayment' }).click();
    assert.ok(await officer.getByText(/No capital may be repaid in years 1 and 2/).first().isVisible());
    await check(officer, 'citr-repayment-refused');
    // A blended deal: a loan and a grant in one form.
    await officer.goto(`${suite.baseUrl}/investment/deals/new`);
    await officer.getByLabel('Name of the organisation invested in').fill('Byker Bread Bakery CIC (example)');
    await officer.getByLabel('Title').fill('Example: second shop (invented)');
    await officer.getByLabel('Loan', { exact: true }).fill('15,000');
    await officer.getByLabel('Yearly interest on the loan').fill('6.5');
    await officer.getByLabel('Term of the loan, in months').fill('36');
    await officer.getByLabel('Grant').fill('5,000');
    await fillDate(officer, 'Date the money is paid out', addDays(todayDay(), -10));
    await officer.getByLabel('This is a qualifying enterprise').check();
    await officer.getByRole('button', { name: 'Make the deal' }).click();
    await officer.waitForURL(/notice=made/);
    assert.ok(await officer.getByText('Loan and grant from').isVisible());
    assert.ok(await officer.getByRole('heading', { name: 'Repayment schedule' }).isVisible());
    await check(officer, 'deal');
    await officer.getByRole('link', { name: 'Record a repayment' }).click();
    await check(officer, 'deal-repayment');
    assert.deepEqual(violations, []);
  });
});
