// Browser journeys for pages that had no axe check of their own: feedback from the phase banner (on a phone,
// 375 px) and the site administrator's feedback list; email alerts for a place typed by name, with a choice
// of what it may mean; choosing the moderating organisation by its name. Each starts from the home page or
// the page a person would reach, and every page is checked with axe (WCAG 2.2 AA).
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launch, startServer, Journey } from './browser.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { cliActor } from '../src/platform/actor.ts';
import { findPlace } from '../src/places/places.finder.ts';

const enabled = browserAvailable();
const password = 'a long enough password';

describe('citizens’ journeys: feedback, alerts by name, moderators by name', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  const journey = new Journey(() => browser, () => server.baseUrl, 'citizens-');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);

  before(async () => {
    server = await startServer();
    browser = await launch();
    await registerUser(server.ctx.db, cliActor, { email: 'e2e.citizen@example.org', name: 'Cara Citizen', password });
    await registerUser(server.ctx.db, cliActor, { email: 'e2e.site-admin@example.org', name: 'Ada Admin', password, isAdmin: true });
    // The first name look-up of a process builds the finder's name index (seconds on a loaded machine; see
    // bench/RESULTS.md): build it here, so a page's 15 s action limit measures the page, not that.
    await findPlace(server.ctx.db, 'Byker');
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function noSidewaysScroll(page: Page): Promise<void> {
    const width = await page.locator('html').evaluate((html) => html.scrollWidth);
    assert.ok(width <= 375, `${page.url()} is ${width} px wide at 375 px`);
  }

  it('a visitor on a phone gives feedback from the phase banner; a site administrator reads it', { timeout: 400_000 }, async () => {
    const page = await journey.newPage();
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(`${server.baseUrl}/spend`);
    await page.getByRole('link', { name: 'feedback' }).first().click();
    await page.waitForURL(/\/feedback\?from=/);
    await check(page, 'feedback-375');
    await noSidewaysScroll(page);
    await page.getByRole('button', { name: 'Send feedback' }).click();
    assert.match(await page.title(), /^Error: /);
    assert.equal(await page.locator('.govuk-error-summary').count(), 1, 'one error summary');
    await check(page, 'feedback-error-375');
    await page.getByLabel('Your feedback').fill('I could not find where my council spends on libraries.');
    await page.getByRole('button', { name: 'Send feedback' }).click();
    await page.getByRole('heading', { name: 'Thank you for your feedback' }).waitFor();
    await check(page, 'feedback-sent-375');
    await noSidewaysScroll(page);
    await page.getByRole('link', { name: 'Go back to where you were' }).click();
    await page.waitForURL(/\/spend$/);

    const admin = await journey.signIn(await journey.newPage(), 'e2e.site-admin@example.org', password);
    await admin.goto(`${server.baseUrl}/admin/feedback`);
    assert.match(await admin.locator('main').innerText(), /I could not find where my council spends on libraries\./);
    assert.match(await admin.locator('main').innerText(), /\/spend/);
    await check(admin, 'admin-feedback');
    const citizen = await journey.signIn(await journey.newPage(), 'e2e.citizen@example.org', password);
    const refused = await citizen.goto(`${server.baseUrl}/admin/feedback`);
    assert.equal(refused?.status(), 403);
    await check(citizen);
  });

  it('a signed-in person sets an email alert for a place by its name, choosing among what it may mean', { timeout: 400_000 }, async () => {
    const page = await journey.signIn(await journey.newPage(), 'e2e.citizen@example.org', password);
    await page.goto(`${server.baseUrl}/voice/alerts`);
    await check(page, 'alerts');
    await page.getByLabel('A place').check();
    await page.getByLabel('Which one').fill('Byker');
    await page.getByRole('button', { name: 'Add alert' }).click();
    assert.match(await page.title(), /^Error: /);
    assert.equal(await page.locator('.govuk-error-summary').count(), 1);
    assert.match(await page.locator('.govuk-error-summary').innerText(), /matches for “Byker”: choose one/);
    await check(page, 'alerts-choose');
    const choices = page.getByRole('group', { name: 'Which of these do you mean?' }).getByRole('radio');
    assert.ok((await choices.count()) >= 2);
    const chosen = (await page.locator('.govuk-radios__item', { has: page.locator('input[name="choice"]') }).first().locator('label').innerText()).trim();
    await choices.first().check();
    await page.getByRole('button', { name: 'Add alert' }).click();
    await page.waitForURL(/\/voice\/alerts$/);
    const table = await page.getByRole('table', { name: 'Your alerts' }).innerText();
    assert.ok(table.includes(chosen.replace(/, a small area$/, '')), `${chosen} in ${table}`);
    await check(page, 'alerts-added');
  });

  it('a site administrator chooses the moderating organisation by name', { timeout: 400_000 }, async () => {
    const page = await journey.signIn(await journey.newPage(), 'e2e.site-admin@example.org', password);
    await page.goto(`${server.baseUrl}/voice/moderators`);
    await check(page, 'moderators');
    await page.getByLabel(/moderating organisation/).fill('Council');
    await page.getByRole('button', { name: 'Save the moderating organisation' }).click();
    assert.match(await page.title(), /^Error: /);
    assert.match(await page.locator('.govuk-error-summary').innerText(), /registered organisations match “Council”: choose one/);
    await check(page, 'moderators-choose');
    await page.getByRole('group', { name: 'Which of these do you mean?' }).getByRole('radio').first().check();
    await page.getByRole('button', { name: 'Save the moderating organisation' }).click();
    await page.waitForURL(/\/voice\/moderators\?notice=saved$/);
    await check(page, 'moderators-saved');
    assert.deepEqual(violations, []);
  });
});
