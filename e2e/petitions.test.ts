// Petitions in a browser, on the demo data. A new visitor goes from the home page to a confirmed signature (the
// place finder placing their Sunderland postcode; one page at 375 px wide); a creator starts a petition, checks
// it, creates it under the name they chose and finds it from their account; a moderator reads the surge report
// and sees the count before a bulk invalidation. Every page visited is checked with axe (WCAG 2.2 AA).
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launch, startServer, Journey } from './browser.ts';
import { cliActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { listOutbox } from '../src/platform/outbox.repository.ts';
import { addMember, getOrganisation } from '../src/organisations/organisations.service.ts';

const enabled = browserAvailable();
const password = 'a long enough password';

describe('petition journeys', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  const journey = new Journey(() => browser, () => server.baseUrl, 'petitions-');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);
  let councilName = '';

  before(async () => {
    server = await startServer();
    browser = await launch();
    const { db } = server.ctx;
    const moderator = await registerUser(db, cliActor, { email: 'e2e.pet.moderator@example.org', name: 'Mo Moderator', password });
    await addMember(db, cliActor, (await getOrganisation(db, 'tyneside-voice-moderators-example')).id, { email: moderator.email, role: 'moderator' });
    await registerUser(db, cliActor, { email: 'e2e.creator@example.org', name: 'Chris Account-Name', password });
    councilName = (await getOrganisation(db, 'GB-LAE-NET')).name;
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function followEmailedLink(page: Page, to: string) {
    const [email] = await listOutbox(server.ctx.db, { to, limit: 1 });
    const link = /http:\/\/[^\s]+/.exec(email!.text)![0].replace(/^http:\/\/localhost:\d+/, server.baseUrl);
    await page.goto(link);
  }

  it('a new visitor goes from the home page to a confirmed signature', { timeout: 180_000 }, async () => {
    // A phone-sized screen for the whole journey.
    const context = await browser.newContext({ viewport: { width: 375, height: 812 } });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/`);
    await check(page);
    await page.getByRole('link', { name: 'Voice', exact: true }).first().click();
    await check(page);
    await page.getByRole('link', { name: 'Petitions', exact: true }).first().click();
    await check(page);
    await page.getByRole('link', { name: /Example petition/ }).click();
    await check(page, 'petition-375');
    const scrollWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
    assert.ok(scrollWidth <= 375, `the petition page fits 375 px (scroll width ${scrollWidth})`);
    // A mistake first: the errors are summarised and the page title says so.
    await page.getByRole('button', { name: 'Sign this petition' }).click();
    assert.match(await page.title(), /^Error: /);
    await check(page, 'sign-errors');
    await page.getByLabel('Name', { exact: true }).fill('Sunny Signer');
    await page.getByLabel('Email address', { exact: true }).fill('sunny@example.org');
    await page.getByLabel('UK postcode').fill('sr2 7ab');
    await page.getByLabel(/I am a British citizen or UK resident/).check();
    await page.getByRole('button', { name: 'Sign this petition' }).click();
    assert.ok(await page.getByRole('heading', { name: 'Check your email' }).isVisible());
    assert.equal(await page.getByRole('button', { name: 'Sign this petition' }).count(), 0, 'not the form again');
    await check(page, 'check-your-email');
    await followEmailedLink(page, 'sunny@example.org');
    await check(page, 'confirm-signature');
    await page.getByRole('button', { name: 'Confirm my signature' }).click();
    assert.ok(await page.getByRole('heading', { name: 'Signature confirmed' }).isVisible());
    assert.ok(await page.getByText('7 signatures').isVisible());
    await check(page, 'confirmed');
    // Placed by the finder: Sunderland appears among the counts.
    await page.getByRole('link', { name: /Example petition/ }).click();
    assert.ok(await page.getByRole('cell', { name: 'Sunderland' }).isVisible());
    await check(page);
    // The link again: it says it was used, not "Page not found".
    await followEmailedLink(page, 'sunny@example.org');
    assert.ok(await page.getByRole('heading', { name: 'This link has already been used' }).isVisible());
    await check(page);
    await context.close();
  });

  it('someone abroad signs with their country', { timeout: 120_000 }, async () => {
    const page = await journey.newPage();
    await page.goto(`${server.baseUrl}/voice/petitions`);
    await page.getByRole('link', { name: /Example petition/ }).click();
    await page.getByLabel('Name', { exact: true }).fill('Anna Abroad');
    await page.getByLabel('Email address', { exact: true }).fill('anna@example.org');
    await page.getByLabel('I live outside the UK').check();
    await page.getByLabel('Country you live in').selectOption({ label: 'Spain' });
    await page.getByLabel(/I am a British citizen or UK resident/).check();
    await page.getByRole('button', { name: 'Sign this petition' }).click();
    assert.ok(await page.getByRole('heading', { name: 'Check your email' }).isVisible());
    await followEmailedLink(page, 'anna@example.org');
    await page.getByRole('button', { name: 'Confirm my signature' }).click();
    await page.getByRole('link', { name: /Example petition/ }).click();
    assert.ok(await page.getByRole('cell', { name: 'Spain' }).isVisible());
    assert.ok(await page.getByRole('cell', { name: 'Outside the UK' }).isVisible());
    await check(page, 'counts-abroad');
  });

  it('a creator checks their petition, creates it under the name they chose, and finds it from their account', { timeout: 180_000 }, async () => {
    const page = await journey.newPage();
    await journey.signIn(page, 'e2e.creator@example.org', password);
    await page.goto(`${server.baseUrl}/voice/petitions`);
    await page.getByRole('button', { name: 'Start a petition' }).click();
    await check(page, 'start');
    await page.getByLabel('Who is the petition to?').selectOption({ label: councilName });
    await page.getByLabel('What do you want them to do?').fill('Light the path through Heaton Park');
    await page.getByLabel('Background').fill('It is dark by four in winter.\nPeople walk home this way.');
    await page.getByLabel('Your name, as it will be shown').fill('Friends of Heaton Park');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.ok(await page.getByRole('heading', { name: 'Check your petition' }).isVisible());
    await check(page, 'check-your-petition');
    await page.getByRole('button', { name: 'Change your petition' }).click();
    assert.equal(await page.getByLabel('What do you want them to do?').inputValue(), 'Light the path through Heaton Park');
    await page.getByLabel('What do you want them to do?').fill('Light the paths through Heaton Park');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Create petition' }).click();
    assert.ok(await page.getByRole('heading', { name: 'Light the paths through Heaton Park' }).isVisible());
    assert.ok(await page.getByText('Started by Friends of Heaton Park.').isVisible());
    await check(page, 'created');
    await page.goto(`${server.baseUrl}/account`);
    await page.getByRole('link', { name: 'See the petitions you started' }).click();
    await check(page, 'yours');
    assert.ok(await page.getByRole('link', { name: 'Light the paths through Heaton Park' }).isVisible());
  });

  it('a moderator reads the surge report and sees the count before a bulk invalidation', { timeout: 180_000 }, async () => {
    const page = await journey.newPage();
    await journey.signIn(page, 'e2e.pet.moderator@example.org', password);
    await page.goto(`${server.baseUrl}/voice/moderation`);
    await page.getByRole('link', { name: /^Surge report/ }).first().click();
    await check(page, 'surge');
    await page.getByRole('link', { name: 'All time' }).click();
    await page.getByRole('link', { name: /^Check these/ }).first().click();
    await check(page, 'invalidate');
    await page.getByRole('button', { name: 'Check how many this would remove' }).click();
    assert.ok(await page.getByRole('heading', { name: /^This would remove \d+ signatures?$/ }).isVisible());
    await check(page, 'invalidate-preview');
  });

  it('no page visited has an accessibility violation', () => {
    assert.deepEqual(violations, []);
  });
});
