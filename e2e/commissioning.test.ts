// Commissioning in a browser: a provider finds the demo's open opportunity, registers interest and sends a
// sealed bid through the GOV.UK forms; a commissioner creates and publishes an opportunity, and sees the bids
// sealed; the awarded example's contract and need pages. Every page is checked with axe and photographed.
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { AddressInfo } from 'node:net';
import { browserAvailable, launch, Journey } from './browser.ts';
import { openTestContext } from '../src/platform/testing.ts';
import { createApp } from '../src/app.ts';
import { platformModule } from '../src/platform/platform.module.ts';
import { organisationsModule } from '../src/organisations/organisations.module.ts';
import { placesModule } from '../src/places/places.module.ts';
import { commissioningModule } from '../src/commissioning/commissioning.module.ts';
import { cliActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { insertMembership } from '../src/platform/auth/auth.repository.ts';
import { createOrganisation, findOrganisation } from '../src/organisations/organisations.service.ts';
import * as commissioning from '../src/commissioning/commissioning.service.ts';

const enabled = browserAvailable();

/** The app with only the demo data this journey needs (organisations, places, commissioning), so another module's seed cannot stop it. */
async function startServer() {
  const ctx = await openTestContext('pglite');
  const platform = platformModule({ moduleCards: () => [], counts: async () => ({ organisations: 0 }) });
  for (const m of [platform, organisationsModule, placesModule, commissioningModule]) await m.seedDemo?.(ctx);
  const app = await createApp(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { ctx, app, baseUrl: `http://127.0.0.1:${port}`, async stop() { await app.close(); await ctx.handle.close(); } };
}

describe('commissioning in a browser', { skip: enabled ? false : 'Chromium not found' }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  const journey = new Journey(() => browser, () => server.baseUrl, 'commissioning-');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);
  const newPage = (options?: { javaScriptEnabled?: boolean }) => journey.newPage(options);
  const signIn = (page: Page, email: string, password: string) => journey.signIn(page, email, password);

  before(async () => {
    server = await startServer();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a provider bids on the example opportunity; a commissioner publishes one and sees bids sealed', { timeout: 240_000 }, async () => {
    const { db } = server.ctx;
    const provider = await createOrganisation(db, cliActor, { name: 'Ouseburn Lunch Club', legalForm: 'community-group' });
    const jo = await registerUser(db, cliActor, { email: 'jo.bidder@example.org', name: 'Jo Bidder', password: 'a long enough password' });
    await insertMembership(db, { organisationId: provider.id, userId: jo.id, role: 'admin' });
    const council = (await findOrganisation(db, 'GB-LAE-NET'))!;
    const cam = await registerUser(db, cliActor, { email: 'cam.commissioner@example.org', name: 'Cam Commissioner', password: 'a long enough password' });
    await insertMembership(db, { organisationId: council.id, userId: cam.id, role: 'commissioner' });

    const visitor = await newPage();
    await visitor.goto(`${server.baseUrl}/commissioning`);
    await check(visitor, 'index');
    await visitor.getByRole('link', { name: 'Example: befriending and community connection for older people' }).click();
    await check(visitor, 'opportunity-public');
    assert.ok(await visitor.getByText('Not suitable for small providers').or(visitor.getByText('Why not:')).first().isVisible());
    await visitor.getByRole('link', { name: 'Example: loneliness among older people in east Newcastle' }).click();
    await check(visitor, 'need');

    const page = await newPage();
    await signIn(page, 'jo.bidder@example.org', 'a long enough password');
    await page.goto(`${server.baseUrl}/commissioning`);
    await page.getByRole('link', { name: 'Example: befriending and community connection for older people' }).click();
    const opportunityUrl = page.url();
    // A bid with a missing field comes back with the error summary, naming the field.
    await page.getByLabel('Lot', { exact: true }).selectOption({ index: 1 });
    await page.getByLabel('Your price, in pounds').fill('9500');
    await page.getByRole('button', { name: 'Seal and send the bid' }).click();
    assert.match(await page.title(), /^Error: /);
    assert.ok(await page.getByRole('link', { name: 'Enter how you will achieve the outcomes' }).isVisible());
    await check(page, 'bid-error');
    await page.getByLabel('How you will achieve the outcomes').fill('Lunch and conversation three days a week');
    await page.getByLabel('The social value you will add').fill('Volunteers from the estate');
    await page.getByRole('button', { name: 'Seal and send the bid' }).click();
    await page.waitForURL(/notice=bid/);
    assert.ok(await page.getByText('Your bid is sealed: the commissioners cannot read it before the deadline').isVisible());
    assert.ok(await page.getByText(/Your receipt is [0-9a-f]{64}/).isVisible());
    await check(page, 'bid-sent');
    // The bidder reads its own bid back before the deadline, from its account, on a phone-sized screen.
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(`${server.baseUrl}/account`);
    await page.getByRole('link', { name: 'Read back your organisations’ bids' }).click();
    await check(page, 'bids-375');
    await page.getByRole('link', { name: /^Example: befriending and community connection for older people/ }).click();
    assert.ok(await page.getByText('Lunch and conversation three days a week').isVisible());
    assert.ok(await page.getByText(/This bid is sealed until/).isVisible());
    assert.ok(await page.getByText('The scores and the reasons for them are shown here once the lot is awarded.').isVisible());
    await check(page, 'bid-readback-375');
    const scrollWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
    assert.ok(scrollWidth <= 375, `the bid page fits 375 px (scroll width ${scrollWidth})`);
    await page.setViewportSize({ width: 1280, height: 800 });

    const commissioner = await newPage();
    await signIn(commissioner, 'cam.commissioner@example.org', 'a long enough password');
    await commissioner.goto(`${opportunityUrl}/evaluation`);
    assert.ok(await commissioner.getByText(/Bids are sealed until/).isVisible());
    assert.equal(await commissioner.getByText('Lunch and conversation').count(), 0, 'sealed content is not on the page');
    await check(commissioner, 'evaluation-sealed');

    await commissioner.goto(`${server.baseUrl}/commissioning/opportunities/new`);
    await commissioner.getByLabel('Title', { exact: true }).fill('Holiday activities and food');
    await commissioner.getByLabel('Description and outcomes').fill('Children on free school meals eat well and stay active in the holidays.');
    await commissioner.getByLabel('Total value, in pounds').fill('40,000');
    const deadline = commissioner.getByRole('group', { name: 'Deadline for bids: date' });
    await deadline.getByLabel('Day').fill('1');
    await deadline.getByLabel('Month').fill('2');
    await deadline.getByLabel('Year').fill('2027');
    await commissioner.getByLabel('Lot 1 title').fill('Holiday clubs in Walker');
    await commissioner.getByLabel('Lot 1 value, in pounds').fill('40000');
    await commissioner.getByRole('button', { name: 'Save as a draft' }).click();
    // Not marked suitable for small providers, and no reason: the form says so.
    assert.match(await commissioner.title(), /^Error: /);
    await check(commissioner, 'opportunity-new-error');
    await commissioner.getByLabel('Small and medium-sized businesses (SMEs)').first().check();
    await commissioner.getByLabel('Voluntary, community and social enterprises (VCSEs)').first().check();
    await commissioner.getByRole('button', { name: 'Save as a draft' }).click();
    await commissioner.waitForURL(/notice=created/);
    await check(commissioner, 'opportunity-draft');
    await commissioner.getByRole('button', { name: 'Publish the opportunity' }).click();
    await commissioner.waitForURL(/notice=published/);
    assert.ok(await commissioner.getByText('Open for bids', { exact: true }).isVisible());

    await visitor.goto(`${server.baseUrl}/commissioning`);
    await visitor.getByRole('link', { name: 'Example: walking groups for people with long-term conditions' }).click();
    await check(visitor, 'opportunity-awarded');
    await visitor.getByRole('link', { name: /^Contract:/ }).click();
    assert.ok(await visitor.getByRole('heading', { name: 'Paid against agreed' }).isVisible());
    await check(visitor, 'contract');

    assert.deepEqual(violations, []);
  });

  it('a named consortium member’s administrator accepts the invitation on its page', { timeout: 120_000 }, async () => {
    const { db } = server.ctx;
    const lead = await createOrganisation(db, cliActor, { name: 'Heaton Meals CIC', legalForm: 'cic-guarantee' });
    const member = await createOrganisation(db, cliActor, { name: 'Byker Lunch Friends', legalForm: 'community-group' });
    const sam = await registerUser(db, cliActor, { email: 'sam.lead@example.org', name: 'Sam Lead', password: 'a long enough password' });
    await insertMembership(db, { organisationId: lead.id, userId: sam.id, role: 'admin' });
    const kim = await registerUser(db, cliActor, { email: 'kim.member@example.org', name: 'Kim Member', password: 'a long enough password' });
    await insertMembership(db, { organisationId: member.id, userId: kim.id, role: 'admin' });
    const samActor = { userId: sam.id, tokenId: null, isAdmin: false, via: 'session' as const };
    const open = (await commissioning.listOpportunities(db, samActor, { status: 'open' })).find((o) => o.title.startsWith('Example: befriending'))!;
    const lots = (await commissioning.getOpportunity(db, samActor, open.id) as unknown as { lots: { id: string }[] }).lots;
    await commissioning.submitBid(db, samActor, open.id, { lotId: lots[0]!.id, organisation: lead.id, pricePence: 900_000, approach: 'Meals and company', socialValue: 'Local cooks', leadSharePercent: 70, members: [{ organisation: member.id, sharePercent: 30 }] });

    const page = await newPage();
    await signIn(page, 'kim.member@example.org', 'a long enough password');
    await page.goto(`${server.baseUrl}/commissioning/invitations`);
    // Each organisation is named with a "Not verified" tag, since neither is verified.
    assert.ok(await page.getByRole('heading', { name: 'Heaton Meals CIC Not verified invites Byker Lunch Friends Not verified' }).isVisible());
    await check(page, 'invitations');
    await page.getByRole('button', { name: 'Send answer' }).click();
    assert.match(await page.title(), /^Error: /);
    await check(page, 'invitations-error');
    await page.getByLabel(/Accept: join the consortium with a 30% share/).check();
    await page.getByRole('button', { name: 'Send answer' }).click();
    await page.waitForURL(/notice=accepted/);
    assert.ok(await page.getByText('You accepted.').isVisible());
    await check(page, 'invitations-accepted');
    assert.deepEqual(violations, []);
  });
});
