// Browser journey for grants: a funder's staff member uploads the Wolfson Foundation's real 360Giving file,
// meets the error for an empty form first, checks the draft (its repairs and problems), publishes it, and a
// visitor reads the public list and the funder's grants. Every page visited is checked with axe (WCAG 2.2 AA).
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launch, startServer, Journey } from './browser.ts';
import type { AppContext } from '../src/platform/module.ts';
import { cliActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { addMember, createOrganisation } from '../src/organisations/organisations.service.ts';

const enabled = browserAvailable();
const password = 'a long enough password';

describe('grants in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let ctx: AppContext;
  let baseUrl: string;
  let browser: Browser;
  const journey = new Journey(() => browser, () => baseUrl, 'grants-');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);

  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  before(async () => {
    server = await startServer(async (c) => {
      const org = await createOrganisation(c.db, cliActor, { name: 'Wolfson Foundation', legalForm: 'registered-charity', identifiers: ['GB-CHC-1156077'], verified: true });
      await registerUser(c.db, cliActor, { email: 'grants@wolfson.example', name: 'Grants Officer', password });
      await addMember(c.db, cliActor, org.id, { email: 'grants@wolfson.example', role: 'staff' });
    });
    ({ ctx, baseUrl } = server);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a funder uploads a 360Giving file, checks it, publishes it, and a visitor reads its grants', { timeout: 180_000 }, async () => {
    assert.ok(ctx);
    const page = await journey.signIn(await journey.newPage(), 'grants@wolfson.example', password);
    await page.goto(`${baseUrl}/grants/wolfson-foundation/upload`);
    await check(page, 'upload');
    await page.getByRole('button', { name: 'Upload and check' }).click();
    assert.match(await page.title(), /^Error: /);
    await check(page, 'upload-error');
    await page.getByLabel('360Giving file').setInputFiles(fileURLToPath(new URL('../datasets/grants/wolfson-foundation.json', import.meta.url)));
    await page.getByRole('button', { name: 'Upload and check' }).click();
    await page.waitForURL(/\/drafts\//);
    assert.ok(await page.getByText('wolfson-foundation.json').first().isVisible());
    assert.ok(await page.getByText('date-format').first().isVisible(), 'the repairs are listed');
    await check(page, 'draft');
    await page.getByRole('button', { name: 'Publish these grants' }).click();
    await page.waitForURL(/\/grants\/wolfson-foundation\?published=/);
    assert.ok(await page.getByText('The file was published.').isVisible());
    assert.ok(await page.getByText('£31,178,456.00').first().isVisible(), 'the pinned total');
    await check(page, 'publisher');
    const visitor = await journey.newPage();
    await visitor.goto(`${baseUrl}/grants`);
    await check(visitor, 'index');
    await visitor.getByRole('link', { name: 'Wolfson Foundation' }).click();
    await visitor.getByRole('link', { name: /Next/ }).click();
    await check(visitor, 'publisher-page-2');
    await visitor.goto(`${baseUrl}/grants/check`);
    await check(visitor, 'check');
    await visitor.getByLabel('360Giving file').setInputFiles(fileURLToPath(new URL('../datasets/grants/community-foundations-regrants.json', import.meta.url)));
    await visitor.getByRole('button', { name: 'Check the file' }).click();
    assert.ok(await visitor.getByText('individual-precise-location').first().isVisible());
    await check(visitor, 'check-report');
    assert.deepEqual(violations, []);
  });

  it('a journalist searches the published grants, filters them, opens the funder’s page and downloads what they found', { timeout: 180_000 }, async () => {
    const page = await journey.newPage();
    await page.goto(`${baseUrl}/grants/search`);
    await check(page, 'search');
    await page.getByLabel('Words').fill('museum');
    await page.getByLabel('UK financial year').selectOption({ label: '2014 to 2015' });
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/grants\/search\?q=museum/);
    const found = await page.getByRole('heading', { name: /grants? found$/ }).textContent();
    assert.match(found ?? '', /^\d+ grants? found$/);
    assert.ok(Number(found!.split(' ')[0]) > 0, 'museums were funded that year');
    await check(page, 'search-results');
    await page.getByLabel('At least').fill('a lot');
    await page.getByRole('button', { name: 'Search' }).click();
    assert.match(await page.title(), /^Error: /);
    assert.ok(await page.getByRole('link', { name: /Enter the smallest amount in pounds/ }).isVisible());
    await check(page, 'search-error');
    await page.getByLabel('At least').fill('50,000');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Wolfson Foundation' }).first().click();
    await page.waitForURL(/\/grants\/funders\/GB-CHC-1156077/);
    assert.ok(await page.getByRole('img', { name: /Grants in pounds from this funder, by UK financial year/ }).isVisible(), 'the chart');
    assert.ok(await page.getByRole('table', { name: /Grants by UK financial year/ }).isVisible(), 'the table beside it');
    await check(page, 'funder');
    const href = await page.getByRole('link', { name: /CSV \(360Giving column titles\)/ }).getAttribute('href');
    const csv = await page.request.get(`${baseUrl}${href}`);
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-type'] ?? '', /text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.equal(lines.length, 380, 'a header and every one of the funder’s 379 grants');
    const pkgHref = await page.getByRole('link', { name: /360Giving package/ }).getAttribute('href');
    const pkg = await (await page.request.get(`${baseUrl}${pkgHref}`)).json();
    assert.equal(pkg.grants.length, 379);
    assert.deepEqual(violations, []);
  });
});
