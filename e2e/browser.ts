// Browser test support: Debian's Chromium driven by playwright-core, every page checked with axe.
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { openTestContext } from '../src/platform/testing.ts';
import { createApp, seedDemo } from '../src/app.ts';
import type { App, AppContext } from '../src/platform/module.ts';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotDir = new URL('./screenshots/', import.meta.url).pathname;

/** Whether browser journeys can run; REQUIRE_BROWSER=1 turns a missing browser into a failure. */
export function browserAvailable(): boolean {
  if (existsSync(chromiumPath)) return true;
  if (process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1 but no Chromium at ${chromiumPath} (apt-get install chromium)`);
  return false;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

/**
 * The app listening on a free loopback port, loaded with the whole demo or, to keep a journey independent of
 * other modules' demo data, with what `seed` loads.
 */
export async function startServer(seed: (ctx: AppContext) => Promise<unknown> = seedDemo): Promise<{ ctx: AppContext; app: App; baseUrl: string; stop: () => Promise<void> }> {
  const ctx = await openTestContext('pglite');
  let app: App;
  try {
    await seed(ctx);
    app = await createApp(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await ctx.handle.close();
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  return {
    ctx, app, baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      await app.close();
      await ctx.handle.close();
    },
  };
}

const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Runs axe on the page as it is now; returns a readable list of violations (empty when none). */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(wcagTags).analyze();
  return result.violations.map((v) => `${page.url()}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: `${screenshotDir}${name}.png`, fullPage: true });
}

/**
 * What every journey does with its pages: each page in a browser context of its own (axe needs one; it also
 * keeps sessions apart) whose actions give up after 15 s, every page checked with axe (violations gathered for
 * one assertion at the end), screenshots named with the journey's prefix, and signing in through the form.
 */
export class Journey {
  readonly violations: string[] = [];

  constructor(
    private readonly browser: () => Browser,
    private readonly baseUrl: () => string,
    private readonly prefix: string,
  ) {}

  async newPage(options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
    const context = await this.browser().newContext(options);
    context.setDefaultTimeout(15_000);
    return context.newPage();
  }

  /** Runs axe on the page; with a name, also saves a screenshot `<prefix><name>.png`. */
  async check(page: Page, name?: string): Promise<void> {
    this.violations.push(...(await accessibilityViolations(page)));
    if (name) await screenshot(page, `${this.prefix}${name}`);
  }

  /** A page 375 px wide, as on a phone, in a context of its own. */
  async phonePage(): Promise<Page> {
    const context = await this.browser().newContext({ viewport: { width: 375, height: 812 } });
    context.setDefaultTimeout(15_000);
    return context.newPage();
  }

  /** Asserts that the page does not scroll sideways at its width (375 px on a phone page). */
  async assertFits(page: Page): Promise<void> {
    const width = page.viewportSize()?.width ?? 375;
    const scrollWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
    assert.ok(scrollWidth <= width, `${page.url()} is ${scrollWidth} px wide at ${width} px`);
  }

  /** Signs in through the form and waits until the app has moved off the sign-in page. */
  async signIn(page: Page, email: string, password: string): Promise<Page> {
    await page.goto(`${this.baseUrl()}/sign-in`);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
    return page;
  }
}

/** Fills a GOV.UK date input (day, month, year) found by its legend with an ISO date ("2026-11-28"). */
export async function fillDate(page: Page, legend: string | RegExp, iso: string): Promise<void> {
  const group = page.getByRole('group', { name: legend });
  await group.getByLabel('Day').fill(String(Number(iso.slice(8, 10))));
  await group.getByLabel('Month').fill(String(Number(iso.slice(5, 7))));
  await group.getByLabel('Year').fill(iso.slice(0, 4));
}

/** What a browser journey's tests use, once its `before` has run: the app, its address, Chromium and the Journey. */
export interface BrowserSuite {
  readonly ctx: AppContext;
  readonly app: App;
  readonly baseUrl: string;
  readonly browser: Browser;
  readonly journey: Journey;
  /** axe violations of every page checked, for one assertion at the end of each test. */
  readonly violations: string[];
  check(page: Page, name?: string): Promise<void>;
  newPage(options?: { javaScriptEnabled?: boolean }): Promise<Page>;
  /** A new page, signed in as `email` (with the journey's password unless given). */
  signIn(email: string, password?: string): Promise<Page>;
}

/**
 * The set-up every browser journey repeats, called inside its `describe`: before the tests, the app loaded with
 * what `seed` loads, listening on a free port, and Chromium launched; after them, both closed. `password` is the
 * one the journey's people sign in with.
 *
 * @example
 *   describe('time bank in a browser', { skip }, () => {
 *     const s = browserSuite('timebank-', async (ctx) => { await seedTimebank(ctx); }, password);
 *     it('…', async () => { const page = await s.signIn('cora@example.org'); … await s.check(page, 'bank'); });
 *   });
 */
export function browserSuite(prefix: string, seed: (ctx: AppContext) => Promise<unknown>, password = 'a long enough password'): BrowserSuite {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser | undefined;
  const journey = new Journey(() => browser!, () => server!.baseUrl, prefix);
  before(async () => {
    server = await startServer(seed);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  return {
    get ctx() { return server!.ctx; },
    get app() { return server!.app; },
    get baseUrl() { return server!.baseUrl; },
    get browser() { return browser!; },
    journey,
    violations: journey.violations,
    check: (page, name) => journey.check(page, name),
    newPage: (options) => journey.newPage(options),
    signIn: async (email, pass = password) => journey.signIn(await journey.newPage(), email, pass),
  };
}
