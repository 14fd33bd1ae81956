// Voice in a browser, on the demo data: a visitor tells a story, a moderator publishes it, the council's staff
// answer, the moderator publishes the answer; a visitor signs the example petition and follows the emailed
// link. Every page visited is checked with axe (WCAG 2.2 AA); the main pages are photographed.
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

describe('voice journeys', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  const journey = new Journey(() => browser, () => server.baseUrl, 'voice-');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);
  const newPage = (options?: { javaScriptEnabled?: boolean }) => journey.newPage(options);
  const signIn = (page: Page, email: string) => journey.signIn(page, email, password);

  before(async () => {
    server = await startServer();
    browser = await launch();
    const { db } = server.ctx;
    const moderator = await registerUser(db, cliActor, { email: 'e2e.moderator@example.org', name: 'Eve Moderator', password });
    await addMember(db, cliActor, (await getOrganisation(db, 'tyneside-voice-moderators-example')).id, { email: moderator.email, role: 'moderator' });
    const staff = await registerUser(db, cliActor, { email: 'e2e.staff@example.org', name: 'Sam Staff', password });
    await addMember(db, cliActor, (await getOrganisation(db, 'GB-LAE-NET')).id, { email: staff.email, role: 'staff' });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a story is told, moderated, answered and the answer published', { timeout: 180_000 }, async () => {
    const visitor = await newPage();
    await visitor.goto(`${server.baseUrl}/voice`);
    await check(visitor, 'index');
    await visitor.getByRole('button', { name: 'Tell your story' }).click();
    await visitor.getByRole('button', { name: 'Send your story' }).click();
    assert.match(await visitor.title(), /^Error: /);
    await check(visitor, 'story-form-errors');
    await visitor.getByLabel('Household waste and recycling collection').check();
    await visitor.getByLabel('A title for your story').fill('The bin crew went out of their way');
    await visitor.getByLabel('Your story', { exact: true }).fill('They carried our bin back up the steps.\nThank you to the Tuesday crew.');
    await visitor.getByLabel('The name to show with your story').fill('Grateful in Fenham');
    await visitor.getByLabel('Your email address').fill('grateful@example.org');
    await visitor.getByRole('button', { name: 'Send your story' }).click();
    assert.ok(await visitor.getByRole('heading', { name: 'Your story has been sent' }).isVisible());
    await check(visitor);

    const moderator = await newPage();
    await signIn(moderator, 'e2e.moderator@example.org');
    await moderator.goto(`${server.baseUrl}/voice/moderation`);
    await check(moderator, 'moderation');
    await moderator.getByRole('link', { name: 'The bin crew went out of their way' }).click();
    await check(moderator, 'moderate-story');
    await moderator.getByLabel('Tags').fill('bins, praise');
    await moderator.getByRole('button', { name: 'Publish', exact: true }).click();
    assert.match(moderator.url(), /\/voice\/moderation\?notice=done$/);

    await visitor.goto(`${server.baseUrl}/voice?q=steps`);
    await visitor.getByRole('link', { name: 'The bin crew went out of their way' }).click();
    const storyUrl = visitor.url();
    await check(visitor, 'story');
    // Not signed in: a "me too" counts once its emailed link is followed (once per person).
    await visitor.getByLabel('Your email address').fill('e2e.visitor@example.org');
    await visitor.getByRole('button', { name: 'Me too' }).click();
    assert.ok(await visitor.getByText('follow the link we have sent you').isVisible());

    const staff = await newPage();
    await signIn(staff, 'e2e.staff@example.org');
    await staff.goto(storyUrl);
    await staff.getByLabel('Your response').fill('Thank you, we have passed this on to the crew.');
    await staff.getByRole('button', { name: 'Send response' }).click();
    assert.ok(await staff.getByText('It will be published once a moderator has checked it').isVisible());
    await check(staff, 'story-staff');

    await moderator.goto(`${server.baseUrl}/voice/moderation`);
    await moderator.getByRole('button', { name: 'Publish the response from Sam Staff' }).click();
    await visitor.goto(storyUrl);
    assert.ok(await visitor.getByText('we have passed this on to the crew').isVisible());

    await visitor.goto(`${server.baseUrl}/voice/organisations/newcastle-city-council`);
    await check(visitor, 'organisation');
    await visitor.goto(`${server.baseUrl}/voice/services`);
    await check(visitor, 'services');
  });

  it('a visitor signs the example petition and the signature counts once the emailed link is followed', { timeout: 120_000 }, async () => {
    const page = await newPage();
    await page.goto(`${server.baseUrl}/voice/petitions`);
    await check(page, 'petitions');
    await page.getByRole('link', { name: /Example petition/ }).click();
    await check(page, 'petition');
    await page.getByLabel('Name', { exact: true }).fill('Robin Signer');
    await page.getByLabel('Email address', { exact: true }).fill('robin@example.org');
    await page.getByLabel('UK postcode').fill('ne4 5pl');
    await page.getByLabel(/Local authority you live in/).selectOption('E08000021');
    await page.getByLabel(/I am a British citizen or UK resident/).check();
    await page.getByRole('button', { name: 'Sign this petition' }).click();
    assert.ok(await page.getByText('Check your email').isVisible());
    const [email] = await listOutbox(server.ctx.db, { to: 'robin@example.org', limit: 1 });
    const link = /http:\/\/[^\s]+/.exec(email!.text)![0].replace(/^http:\/\/localhost:\d+/, server.baseUrl);
    await page.goto(link);
    await check(page, 'confirm-signature');
    await page.getByRole('button', { name: 'Confirm my signature' }).click();
    assert.ok(await page.getByRole('heading', { name: 'Signature confirmed' }).isVisible());
    assert.ok(await page.getByText('7 signatures').isVisible());
    await check(page);
  });

  it('no page visited has an accessibility violation', () => {
    assert.deepEqual(violations, []);
  });
});
