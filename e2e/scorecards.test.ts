// Browser journey for scorecards: an analyst opens the funnel page from the header, meets the errors for an
// empty form and for a file with a zero denominator, then draws a funnel plot of invented ward figures with
// the limits widened for overdispersion; a citizen answers the Friends and Family Test question in a story; and
// a citizen opens a service's scorecard from its page and chooses another year.
// Every page visited is checked with axe (WCAG 2.2 AA).
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launch, startServer, Journey } from './browser.ts';
import { loadPlaces, voiceWorld } from '../src/voice/voice.test-support.ts';

const enabled = browserAvailable();

describe('scorecards in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let baseUrl: string;
  let browser: Browser;
  let dir = '';
  const journey = new Journey(() => browser, () => baseUrl, 'scorecards-');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);

  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commonweal-e2e-funnel-'));
    server = await startServer(async (c) => {
      await loadPlaces(c);
      await voiceWorld(c, 'e2e');
    });
    ({ baseUrl } = server);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an analyst draws a funnel plot of their own figures', { timeout: 120_000 }, async () => {
    // Invented figures: twenty wards, people who rated a service well out of people who rated it.
    const good = join(dir, 'wards.csv');
    writeFileSync(good, ['unit,numerator,denominator', ...Array.from({ length: 20 }, (_, i) => `Ward ${i + 1},${120 + i * 7},${200 + i * 10}`)].join('\n'));
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'unit,numerator,denominator\nWard 1,10,0\n');

    const page = await journey.newPage();
    await page.goto(`${baseUrl}/`);
    await page.getByRole('link', { name: 'Scorecards' }).first().click();
    await page.waitForURL(/\/scorecards$/);
    await check(page, 'scorecards-list');
    await page.getByRole('link', { name: 'Compare units fairly with a funnel plot of your own figures' }).click();
    await page.waitForURL(/\/scorecards\/funnel$/);
    await check(page, 'funnel-form');

    await page.getByRole('button', { name: 'Draw the funnel plot' }).click();
    assert.ok(await page.getByRole('link', { name: 'Select the CSV file of units to compare' }).isVisible());
    await check(page, 'funnel-empty');

    await page.getByLabel('Proportions').check();
    await page.getByLabel('CSV file').setInputFiles(bad);
    await page.getByRole('button', { name: 'Draw the funnel plot' }).click();
    assert.ok(await page.getByRole('link', { name: 'Line 2 (Ward 1): the denominator is 0; it must be more than 0' }).isVisible());
    await check(page, 'funnel-bad-file');

    await page.getByLabel('Proportions').check();
    await page.getByLabel('CSV file').setInputFiles(good);
    await page.getByLabel('Widen the limits if the units vary more than chance allows').check();
    await page.getByRole('button', { name: 'Draw the funnel plot' }).click();
    assert.ok(await page.getByRole('img', { name: /Funnel plot of 20 units/ }).isVisible());
    assert.ok(await page.getByRole('rowheader', { name: 'Ward 20' }).isVisible());
    await check(page, 'funnel-result');
    assert.deepEqual(violations, []);
  });

  it('a citizen rates a service in the story they tell', { timeout: 120_000 }, async () => {
    const page = await journey.newPage();
    await page.goto(`${baseUrl}/voice/stories/new`);
    await page.getByLabel('Home care').check();
    await page.getByLabel('A title for your story').fill('Carers came late every day');
    await page.getByLabel('Your story', { exact: true }).fill('The visits were an hour late all week.');
    await page.getByLabel('Poor', { exact: true }).check();
    await page.getByLabel('The name to show with your story').fill('Waiting in Walker');
    await check(page, 'story-form-rating');
    await page.getByRole('button', { name: 'Send your story' }).click();
    assert.match(await page.title(), /^Error: /, 'the email address is missing');
    assert.ok(await page.getByLabel('Poor', { exact: true }).isChecked(), 'the answer is kept');
    await check(page, 'story-form-rating-error');
    await page.getByLabel('Your email address').fill('waiting@example.org');
    await page.getByRole('button', { name: 'Send your story' }).click();
    assert.ok(await page.getByRole('heading', { name: 'Your story has been sent' }).isVisible());
    const row = await server!.ctx.db.selectFrom('voice_stories').select('fft_rating').where('title', '=', 'Carers came late every day').executeTakeFirstOrThrow();
    assert.equal(row.fft_rating, 'poor');
    assert.deepEqual(violations, []);
  });

  it('a citizen opens a service’s scorecard from the service page and chooses another year', { timeout: 120_000 }, async () => {
    const page = await journey.newPage();
    await page.goto(`${baseUrl}/voice/services`);
    await page.getByRole('link', { name: 'Home care' }).first().click();
    await page.getByRole('link', { name: 'Scorecard', exact: true }).click();
    await page.waitForURL(/\/scorecards\/services\/[0-9a-f-]+$/);
    assert.ok(await page.getByRole('heading', { level: 1, name: 'Scorecard: Home care' }).isVisible());
    assert.ok(await page.getByRole('heading', { level: 2, name: 'What its users say' }).isVisible());
    assert.ok(await page.getByRole('img', { name: /Share of the people covered in each deprivation decile/ }).isVisible());
    await check(page, 'scorecard-service');
    const years = page.getByLabel('Financial year');
    const last = await years.locator('option').last().getAttribute('value');
    await years.selectOption(last!);
    await page.getByRole('button', { name: 'Show this year' }).click();
    await page.waitForURL(new RegExp(`period=${last}$`));
    assert.ok(await page.getByRole('link', { name: '0 stories' }).isVisible());
    await check(page, 'scorecard-service-old-year');
    assert.deepEqual(violations, []);
  });
});
