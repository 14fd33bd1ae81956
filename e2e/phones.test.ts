// On a phone (375 px wide) no main page scrolls sideways: wide tables scroll inside their own container or wrap,
// and every page is checked with axe. Issue 16 ("Phones"). Starts from the home page as a new visitor.
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { browserAvailable, launch, startServer, Journey } from './browser.ts';

const enabled = browserAvailable();

const mainPages = [
  '/', '/places', '/spend', '/voice', '/voice/services', '/voice/petitions', '/timebank', '/commissioning', '/outcomes', '/organisations',
  '/about-the-data', '/accessibility', '/feedback', '/sign-in', '/register',
];

describe('phones: no page scrolls sideways at 375 px', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser;
  const journey = new Journey(() => browser, () => server!.baseUrl, 'phones-');

  before(async () => {
    server = await startServer();
    browser = await launch();
  }, { timeout: 600_000 });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('each main page, and the pages its first links lead to, fit 375 px', { timeout: 600_000 }, async () => {
    const page = await journey.newPage();
    await page.setViewportSize({ width: 375, height: 812 });
    const wide: string[] = [];
    const seen = new Set<string>();
    const visit = async (path: string) => {
      if (seen.has(path)) return;
      seen.add(path);
      const res = await page.goto(`${server!.baseUrl}${path}`);
      assert.ok(res && res.status() < 500, `${path}: ${res?.status()}`);
      const { scrollWidth, innerWidth } = await page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })') as { scrollWidth: number; innerWidth: number };
      if (scrollWidth > innerWidth) wide.push(`${path} is ${scrollWidth} px wide at ${innerWidth} px`);
      await journey.check(page, path === '/' ? 'home' : path.slice(1).replace(/[^a-z0-9]+/gi, '-'));
    };
    for (const path of mainPages) await visit(path);
    // One level down: the first link into each module's own pages (an area, a publisher, a story, a bank, …).
    for (const path of ['/places', '/spend', '/voice', '/timebank', '/commissioning', '/outcomes', '/organisations']) {
      await page.goto(`${server!.baseUrl}${path}`);
      const hrefs = await page.locator(`main a[href^="${path}/"]`).evaluateAll((as) => as.map((a) => a.getAttribute('href')!).filter((h) => !h.includes('.csv') && !h.includes('.atom') && !h.includes('.json')));
      for (const href of hrefs.slice(0, 2)) await visit(href);
    }
    assert.deepEqual(wide, [], 'no page scrolls sideways');
    assert.deepEqual(journey.violations, []);
  });
});
