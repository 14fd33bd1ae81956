// Browser journey for the place finder: a new visitor starts on the home page, follows "Places and need",
// types a postcode and lands on their small area's page, which says the postcode is there. NE6 1AA (Byker,
// Newcastle) is not in the shipped postcode extract, so the visitor is told so plainly and finds their area by
// its ward instead. One visitor uses a phone-sized screen (375 px): no page scrolls sideways. Every page is
// checked with axe (WCAG 2.2 AA).
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launch, startServer, Journey } from './browser.ts';
import { seedPlaces } from '../src/places/places.demo.ts';

const enabled = browserAvailable();

describe('finding your place in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser;
  const journey = new Journey(() => browser, () => server!.baseUrl, 'places-');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);

  before(async () => {
    server = await startServer(async (ctx) => seedPlaces(ctx));
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function noSidewaysScroll(page: Page): Promise<void> {
    const width = await page.locator('html').evaluate((html) => html.scrollWidth);
    assert.ok(width <= 375, `${page.url()} is ${width} px wide at 375 px`);
  }

  it('a new visitor on a phone types NE6 1AA, is told plainly, and finds their area by its ward', { timeout: 400_000 }, async () => {
    const page = await journey.newPage();
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(`${server!.baseUrl}/`);
    await check(page, 'home-375');
    await page.getByRole('link', { name: 'Places and need' }).first().click();
    await page.waitForURL(/\/places$/);
    await noSidewaysScroll(page);
    await page.getByLabel('Find a place: postcode, ward, town or local authority').fill('NE6 1AA');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(/\/places\?q=NE6/);
    const status = page.getByRole('status');
    assert.match(await status.innerText(), /^We don't have NE6 1AA: it is not in the 31,469 postcodes loaded here\. Check the postcode, or choose your local authority\.$/);
    await check(page, 'unknown-postcode-375');
    await noSidewaysScroll(page);
    // The local-authority list is offered; the visitor tries their neighbourhood's name instead.
    assert.ok(await page.getByRole('link', { name: 'Choose your local authority from the list' }).isVisible());
    await page.getByLabel('Find a place: postcode, ward, town or local authority').fill('Byker');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(/\/places\?q=Byker/);
    assert.match(await page.getByRole('status').innerText(), /Byker/);
    await check(page, 'ward-375');
    await noSidewaysScroll(page);
    await page.getByRole('link', { name: 'Byker (Newcastle upon Tyne 026C)' }).click();
    await page.waitForURL(/\/places\/area\/E01008304$/);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Byker (Newcastle upon Tyne 026C) E01008304');
    await check(page, 'area-375');
    await noSidewaysScroll(page);
    await page.close();
  });

  it('a new visitor types their postcode and lands on their area, which says the postcode is there', { timeout: 400_000 }, async () => {
    const page = await journey.newPage();
    await page.goto(`${server!.baseUrl}/`);
    await page.getByRole('link', { name: 'Places and need' }).first().click();
    await page.waitForURL(/\/places$/);
    await check(page, 'search');
    // A mistyped postcode first: the error summary links to the field.
    await page.getByLabel('Find a place: postcode, ward, town or local authority').fill('SR1 1A');
    await page.getByRole('button', { name: 'Find' }).click();
    assert.match(await page.title(), /^Error: /);
    assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter a full postcode, like NE6 1AA/);
    await check(page, 'invalid-postcode');
    await page.getByLabel('Find a place: postcode, ward, town or local authority').fill('sr11ae');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(/\/places\/area\/E01008836\?postcode=SR1\+1AE$/);
    assert.match(await page.locator('.govuk-inset-text').innerText(), /Your postcode, SR1 1AE, is in this area, in .+ ward, Sunderland\./);
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /\(Sunderland \d{3}[A-Z]\) E01008836$/);
    await check(page, 'area-from-postcode');
    await page.close();
  });

  it('a new visitor ranks places for a new centre by their names, choosing which ward a shared name means', { timeout: 400_000 }, async () => {
    const page = await journey.newPage();
    await page.goto(`${server!.baseUrl}/`);
    await page.getByRole('link', { name: 'Places and need' }).first().click();
    await page.getByRole('link', { name: 'Rank candidate areas for a new centre by need' }).click();
    await page.getByRole('heading', { name: 'Where is a new centre most needed?' }).waitFor();
    assert.equal(await page.getByText('Candidate small-area codes').count(), 0, 'no codes are asked for');
    await check(page, 'siting');
    // A name three wards share (in Bradford, Havering and Newcastle): the page asks which is meant.
    await page.getByLabel('Places you could site it in').fill('Byker\nHeaton');
    await page.getByRole('button', { name: 'Rank by need' }).click();
    assert.match(await page.title(), /^Error: /);
    await page.getByRole('group', { name: 'Which places called “Heaton” do you mean?' }).waitFor();
    await check(page, 'siting-choose');
    await page.getByRole('group', { name: 'Which places called “Heaton” do you mean?' }).getByRole('checkbox', { name: /Newcastle upon Tyne/ }).check();
    await page.getByRole('button', { name: 'Rank by need' }).click();
    await page.getByRole('heading', { name: 'Ranked by need' }).waitFor();
    assert.match(await page.locator('main').innerText(), /“Byker” is the ward Byker, Newcastle upon Tyne: \d+ small areas\./);
    assert.ok(await page.getByRole('link', { name: /^Heaton \(Newcastle upon Tyne/ }).first().isVisible(), 'the chosen ward’s areas are ranked');
    assert.equal(await page.getByRole('link', { name: /\(Bradford/ }).count(), 0, 'not the Heaton wards not chosen');
    await check(page, 'siting-ranked');
    await page.close();
  });

  it('a new visitor on a phone checks whether money reaches the most deprived areas, by ward and postcode', { timeout: 400_000 }, async () => {
    const page = await journey.phonePage();
    await page.goto(`${server!.baseUrl}/places`);
    await page.getByRole('link', { name: 'Check whether spending or a service reaches the most deprived areas' }).click();
    await page.getByRole('heading', { name: 'Does it reach the people most in need?' }).waitFor();
    await check(page, 'fairness-375');
    await journey.assertFits(page);
    await page.getByLabel('Place and amount, one per line').fill('Byker,250000\nSR1 1AE,1000\nNowhereville Xq,5');
    await page.getByRole('button', { name: 'Check fairness' }).click();
    assert.match(await page.title(), /^Error: /);
    assert.match(await page.locator('.govuk-error-summary').innerText(), /“Nowhereville Xq”/);
    await check(page, 'fairness-error-375');
    await page.getByLabel('Place and amount, one per line').fill('Byker,250000\nSR1 1AE,1000');
    await page.getByRole('button', { name: 'Check fairness' }).click();
    await page.getByRole('heading', { name: 'The answer' }).waitFor();
    assert.ok(await page.getByText('1 line named a ward or a place of several small areas: its amount was shared among them by population.').isVisible());
    await check(page, 'fairness-answer-375');
    await journey.assertFits(page);
    await page.close();
  });

  it('every page visited passes axe', () => {
    assert.deepEqual(violations, []);
  });
});
