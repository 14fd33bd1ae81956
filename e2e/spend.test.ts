// Browser journeys for spend: a visitor explores Newcastle's real spending file and its example senior salaries,
// a finance officer publishes a senior post through the form (errors first), another uploads a spending file,
// checks it, fixes its mapping, publishes and withdraws it, and a site administrator confirms a supplier's
// suggested link to the organisations registry. Every page visited is checked with axe (WCAG 2.2 AA).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserAvailable, browserSuite, fillDate } from './browser.ts';
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
  // Only what these journeys need: the registry, Newcastle's real February 2017 file and the example salaries.
  const suite = browserSuite('spend-', async (c) => {
    await seedOrganisations(c);
    const path = fileURLToPath(new URL('../datasets/spend/newcastle-2017-02.csv', import.meta.url));
    await importSpendFile(c, systemActor, { publisher: 'GB-LAE-NET', source: { path }, filename: 'newcastle-2017-02.csv' });
    await seedSalaries(c);
  }, password);
  const { violations, check, newPage, signIn } = suite;

  it('a visitor explores a council’s spending, a supplier and its senior salaries', { timeout: 120_000 }, async () => {
    const page = await newPage();
    await page.goto(`${suite.baseUrl}/spend`);
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
    await page.goto(`${suite.baseUrl}/spend/supplier-links`);
    await check(page, 'supplier-links');
    await page.goto(`${suite.baseUrl}/spend/newcastle-city-council/lines?sort=amount`);
    await check(page, 'lines');
    assert.deepEqual(violations, []);
  });

  it('a visitor finds a supplier from /spend and sees its lines under its name', { timeout: 120_000 }, async () => {
    const page = await newPage();
    await page.goto(`${suite.baseUrl}/spend`);
    assert.ok(await page.getByRole('table', { name: 'Net spending by year, all publishers' }).isVisible(), 'years shown apart');
    await page.getByLabel('Find a supplier').fill('x'.repeat(101));
    await page.getByRole('button', { name: 'Search suppliers' }).click();
    assert.match(await page.title(), /^Error: /);
    assert.equal(await page.locator('.govuk-error-summary').count(), 1, 'one error summary');
    await check(page, 'supplier-search-error');
    await page.getByLabel('Find a supplier').fill('durham businesswear');
    await page.getByRole('button', { name: 'Search suppliers' }).click();
    await check(page, 'supplier-search');
    await page.getByRole('link', { name: 'DURHAM BUSINESSWEAR LTD' }).click();
    await page.waitForURL(/\/spend\/suppliers\//);
    await check(page, 'supplier');
    await page.getByRole('link', { name: 'Newcastle City Council' }).first().click();
    await page.waitForURL(/lines\?supplier=/);
    assert.ok(await page.getByText('supplier “DURHAM BUSINESSWEAR LTD”').isVisible(), 'the name, not the slug');
    await check(page, 'supplier-lines');
    assert.deepEqual(violations, []);
  });

  it('a finance officer adds a senior post through the form, seeing errors first, and checks it before it is published', { timeout: 120_000 }, async () => {
    const newcastle = await getOrganisation(suite.ctx.db, 'GB-LAE-NET');
    await registerUser(suite.ctx.db, cliActor, { email: 'finance@newcastle.example', name: 'Finance Officer', password });
    await addMember(suite.ctx.db, cliActor, newcastle.id, { email: 'finance@newcastle.example', role: 'finance' });
    const page = await signIn('finance@newcastle.example');
    await page.goto(`${suite.baseUrl}/spend/newcastle-city-council/salaries`);
    await page.getByRole('link', { name: 'Add a post' }).click();
    await check(page, 'salary-new');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match(await page.title(), /^Error: /);
    await check(page, 'salary-new-errors');
    await fillDate(page, 'Correct at', '2018-03-31');
    await page.getByLabel('Job title').fill('Director of Place');
    await page.getByLabel('Salary band from, in pounds').fill('125,000');
    await page.getByLabel('Budget held, in pounds (optional)').fill('40,000,000');
    await page.getByLabel('Staff managed (optional)').fill('900');
    await page.getByRole('button', { name: 'Continue' }).click();
    // The check page: what will be public, nothing written yet; change it, then publish.
    assert.match(await page.title(), /^Check the senior post before you publish it/);
    assert.ok(await page.getByText('£125,000 to £129,999').isVisible());
    await check(page, 'salary-check');
    assert.equal((await suite.ctx.db.selectFrom('spend_salary_posts').select('id').where('organisation_id', '=', newcastle.id).where('as_at', '=', '2018-03-31').execute()).length, 0, 'nothing written before it is published');
    await page.getByRole('button', { name: 'Change the post' }).click();
    assert.equal(await page.getByLabel('Job title').inputValue(), 'Director of Place');
    await page.getByLabel('Job title').fill('Director of Place and Economy');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.ok(await page.getByText('Director of Place and Economy').isVisible());
    await page.getByRole('button', { name: 'Publish post' }).click();
    await page.waitForURL(/salaries\?asAt=2018-03-31/);
    assert.ok(await page.getByText('The senior post is published.').isVisible());
    assert.ok(await page.getByText('£125,000 to £129,999').isVisible());
    await check(page, 'salaries-published');
    await page.getByRole('link', { name: 'Publish a list from a CSV file' }).click();
    await check(page, 'salary-upload');
    assert.deepEqual(violations, []);
  });

  it('a finance officer uploads a spending file, checks it, fixes the mapping, publishes it and withdraws it', { timeout: 180_000 }, async () => {
    const gateshead = await getOrganisation(suite.ctx.db, 'GB-LAE-GAT');
    await registerUser(suite.ctx.db, cliActor, { email: 'finance@gateshead.example', name: 'Gateshead Finance', password });
    await addMember(suite.ctx.db, cliActor, gateshead.id, { email: 'finance@gateshead.example', role: 'finance' });
    // A month with a plain "VAT" column and one £4.5m typing slip among £500–£50,000 lines.
    let csv = 'Date,Supplier Name,Department,Expense Type,Amount,VAT\n';
    for (let i = 0; i < 120; i++) csv += `${String(1 + (i % 28)).padStart(2, '0')}/03/2023,Supplier ${i % 11} Ltd,Dept ${i % 4},Type ${i % 6},${i === 7 ? '4500000.00' : `${500 + ((i * 397) % 49_500)}.00`},10.00\n`;
    const dir = mkdtempSync(join(tmpdir(), 'cw-e2e-spend-'));
    const file = join(dir, 'gateshead-2023-03.csv');
    writeFileSync(file, csv);
    const page = await signIn('finance@gateshead.example');
    await page.goto(`${suite.baseUrl}/spend/gateshead-council/upload`);
    await check(page, 'upload');
    await page.getByLabel('Spending file').setInputFiles(file);
    await page.getByRole('button', { name: 'Upload and check' }).click();
    await page.waitForURL(/\/drafts\//);
    assert.ok(await page.getByText('gateshead-2023-03.csv').first().isVisible(), 'the file name is shown');
    assert.ok(await page.getByText(/1 amount is far larger than the rest of the file/).first().isVisible());
    assert.ok(await page.getByText(/does not say which VAT it is/).first().isVisible());
    await check(page, 'draft');
    await page.getByRole('button', { name: 'Publish the file' }).click();
    assert.match(await page.title(), /^Error: /, 'not published without ticking the warnings');
    await check(page, 'draft-errors');
    await page.getByRole('link', { name: /Change the mapping/ }).click();
    await check(page, 'draft-mapping');
    await page.getByLabel('Irrecoverable VAT').selectOption('');
    await page.getByRole('button', { name: 'Read the file again' }).click();
    await page.waitForURL(/\/drafts\/[0-9a-f-]+$/);
    assert.equal(await page.getByText(/does not say which VAT it is/).count(), 0, 'the VAT warning is gone');
    await check(page, 'draft-remapped');
    await page.getByLabel(/I have checked: 1 amount is far larger/).check();
    await page.getByRole('button', { name: 'Publish the file' }).click();
    await page.waitForURL(/\/files\/[0-9a-f-]+\?outcome=imported/);
    assert.ok(await page.getByText('The file is published').isVisible());
    await check(page, 'file-published');
    await page.getByRole('link', { name: 'Withdraw this file' }).click();
    await check(page, 'withdraw');
    await page.getByRole('button', { name: 'Withdraw the file' }).click();
    assert.match(await page.title(), /^Error: /, 'a reason is needed');
    await page.getByLabel('Why is it withdrawn?').fill('The £4.5m line was a typing slip; a corrected file follows');
    await page.getByRole('button', { name: 'Withdraw the file' }).click();
    await page.waitForURL(/outcome=withdrawn/);
    await check(page, 'file-withdrawn');
    const visitor = await newPage();
    await visitor.goto(`${suite.baseUrl}/spend/gateshead-council/files`);
    assert.ok(await visitor.getByText('The £4.5m line was a typing slip; a corrected file follows').isVisible(), 'the public sees why');
    await check(visitor, 'files-withdrawn');
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(violations, []);
  });

  it('a site administrator confirms a supplier’s suggested link to the registry', { timeout: 120_000 }, async () => {
    const [suggestion] = await supplierSuggestions(suite.ctx.db);
    assert.ok(suggestion, 'Newcastle’s file names a supplier registered without numbers');
    await registerUser(suite.ctx.db, cliActor, { email: 'admin@spend.example', name: 'Site Admin', password, isAdmin: true });
    const page = await signIn('admin@spend.example');
    await page.goto(`${suite.baseUrl}/spend/supplier-links`);
    await page.getByRole('link', { name: suggestion.name, exact: true }).click();
    await check(page, 'supplier-suggested');
    await page.getByRole('button', { name: 'Confirm the match' }).click();
    await page.waitForURL(new RegExp(`/spend/suppliers/${suggestion.slug}$`));
    assert.ok(await page.getByText('a name match a site administrator confirmed').isVisible());
    await check(page, 'supplier-linked');
    assert.deepEqual(violations, []);
  });
});
