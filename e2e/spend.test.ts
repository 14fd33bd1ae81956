// Browser journeys for spend: a visitor explores Newcastle's real spending file and its example senior salaries,
// a finance officer publishes a senior post through the form (errors first), and a site administrator confirms a
// supplier's suggested link to the organisations registry. Every page visited is checked with axe (WCAG 2.2 AA).
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launch, startServer, Journey } from './browser.ts';
import type { AppContext } from '../src/platform/module.ts';
import { cliActor, systemActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { addMember, getOrganisation } from '../src/organisations/organisations.service.ts';
import { seedOrganisations } from '../src/organisations/organisations.demo.ts';
import { importSpendFile } from '../src/spend/spend.import.ts';
import { seedSalaries } from '../src/spend/spend.demo.ts';
import { supplierSuggestions } from '../src/spend/spend.links.ts';

const enabled = browserAvailable();
const password = 'a long enough password';

describe('spend in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let ctx: AppContext;
  let baseUrl: string;
  let browser: Browser;
  const journey = new Journey(() => browser, () => baseUrl, 'spend-');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);
  const newPage = (options?: { javaScriptEnabled?: boolean }) => journey.newPage(options);
  const signIn = async (email: string) => journey.signIn(await newPage(), email, password);

  // Only what these journeys need: the registry, Newcastle's real February 2017 file and the example salaries.
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  before(async () => {
    server = await startServer(async (c) => {
      await seedOrganisations(c);
      const path = fileURLToPath(new URL('../datasets/spend/newcastle-2017-02.csv', import.meta.url));
      await importSpendFile(c, systemActor, { publisher: 'GB-LAE-NET', source: { path }, filename: 'newcastle-2017-02.csv' });
      await seedSalaries(c);
    });
    ({ ctx, baseUrl } = server);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a visitor explores a council’s spending, a supplier and its senior salaries', { timeout: 120_000 }, async () => {
    const page = await newPage();
    await page.goto(`${baseUrl}/spend`);
    await check(page, 'index');
    await page.getByRole('link', { name: 'Newcastle City Council' }).click();
    assert.ok(await page.getByRole('heading', { name: 'Newcastle City Council' }).isVisible());
    assert.ok(await page.getByText('£33,082,975.24').first().isVisible(), 'the pinned total');
    await check(page, 'publisher');
    await page.getByLabel('Period').fill('2017-02');
    await page.getByRole('button', { name: /Apply|Filter|Show/ }).first().click();
    await page.waitForURL(/period=2017-02/);
    await check(page, 'publisher-filtered');
    await page.getByRole('link', { name: 'Senior salaries' }).click();
    assert.ok(await page.getByText('Example data: these posts and figures were invented').isVisible());
    assert.ok(await page.getByText('7.5 to 1').isVisible());
    await check(page, 'salaries');
    await page.goto(`${baseUrl}/spend/supplier-links`);
    await check(page, 'supplier-links');
    await page.goto(`${baseUrl}/spend/newcastle-city-council/lines?sort=amount`);
    await check(page, 'lines');
    assert.deepEqual(violations, []);
  });

  it('a finance officer adds a senior post through the form, seeing errors first', { timeout: 120_000 }, async () => {
    const newcastle = await getOrganisation(ctx.db, 'GB-LAE-NET');
    await registerUser(ctx.db, cliActor, { email: 'finance@newcastle.example', name: 'Finance Officer', password });
    await addMember(ctx.db, cliActor, newcastle.id, { email: 'finance@newcastle.example', role: 'finance' });
    const page = await signIn('finance@newcastle.example');
    await page.goto(`${baseUrl}/spend/newcastle-city-council/salaries`);
    await page.getByRole('link', { name: 'Add a post' }).click();
    await check(page, 'salary-new');
    await page.getByRole('button', { name: 'Add post' }).click();
    assert.match(await page.title(), /^Error: /);
    await check(page, 'salary-new-errors');
    await page.getByLabel('Correct at').fill('31/03/2018');
    await page.getByLabel('Job title').fill('Director of Place');
    await page.getByLabel('Salary band from, in pounds').fill('125,000');
    await page.getByLabel('Budget held, in pounds (optional)').fill('40,000,000');
    await page.getByLabel('Staff managed (optional)').fill('900');
    await page.getByRole('button', { name: 'Add post' }).click();
    await page.waitForURL(/salaries\?asAt=2018-03-31/);
    assert.ok(await page.getByText('£125,000.00 to £129,999.00').isVisible());
    await check(page, 'salaries-published');
    await page.getByRole('link', { name: 'Publish a list from a CSV file' }).click();
    await check(page, 'salary-upload');
    assert.deepEqual(violations, []);
  });

  it('a site administrator confirms a supplier’s suggested link to the registry', { timeout: 120_000 }, async () => {
    const [suggestion] = await supplierSuggestions(ctx.db);
    assert.ok(suggestion, 'Newcastle’s file names a supplier registered without numbers');
    await registerUser(ctx.db, cliActor, { email: 'admin@spend.example', name: 'Site Admin', password, isAdmin: true });
    const page = await signIn('admin@spend.example');
    await page.goto(`${baseUrl}/spend/supplier-links`);
    await page.getByRole('link', { name: suggestion.name, exact: true }).click();
    await check(page, 'supplier-suggested');
    await page.getByRole('button', { name: 'Confirm the match' }).click();
    await page.waitForURL(new RegExp(`/spend/suppliers/${suggestion.slug}$`));
    assert.ok(await page.getByText('a name match a site administrator confirmed').isVisible());
    await check(page, 'supplier-linked');
    assert.deepEqual(violations, []);
  });
});
