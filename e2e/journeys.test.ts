import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launch, startServer, Journey } from './browser.ts';
import { cliActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';

const enabled = browserAvailable();

describe('browser journeys', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  const journey = new Journey(() => browser, () => server.baseUrl, '');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);
  const newPage = (options?: { javaScriptEnabled?: boolean }) => journey.newPage(options);

  /** The link in the registration email sent to `email` (what the person would click in their mailbox). */
  const confirmationLink = async (email: string) => {
    const mail = await server.ctx.db.selectFrom('outbox').select('body_text').where('to_address', '=', email).where('kind', '=', 'registration-confirm').orderBy('id', 'desc').executeTakeFirstOrThrow();
    return /https?:\/\/\S+\/register\/confirm\?token=[\w-]+/.exec(mail.body_text)![0].replace(/^https?:\/\/[^/]+/, server.baseUrl);
  };

  before(async () => {
    server = await startServer();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('every page reachable from the home page loads and passes axe (WCAG 2.2 AA)', { timeout: 240_000 }, async () => {
    const page = await newPage();
    const seen = new Set<string>();
    const queue: { path: string; depth: number }[] = [{ path: '/', depth: 0 }];
    const failures: string[] = [];
    const perKind = new Map<string, number>();
    while (queue.length && seen.size < 50) {
      const { path, depth } = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const response = await page.goto(server.baseUrl + path);
      if (!response || response.status() >= 400) failures.push(`${path} answered ${response?.status()}`);
      await check(page, seen.size <= 30 ? `crawl-${path.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'home'}` : undefined);
      if (depth >= 2) continue;
      const links = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href') ?? ''));
      for (const href of links) {
        if (!href.startsWith('/') || href.startsWith('//')) continue;
        const clean = href.split('#')[0]!;
        if (!clean || /^\/(api|assets|govuk|public)\//.test(clean) || /\.(csv|json|xml|atom)(\?|$)/.test(clean) || seen.has(clean)) continue;
        // At most three pages of one kind (same first segment and depth), so every module's pages get a turn.
        const segments = clean.split('?')[0]!.split('/');
        const kind = `${segments[1]}|${segments.length}`;
        const ofKind = perKind.get(kind) ?? 0;
        if (ofKind >= 3) continue;
        perKind.set(kind, ofKind + 1);
        queue.push({ path: clean, depth: depth + 1 });
      }
    }
    assert.ok(seen.size >= 5, `crawled only ${seen.size} pages`);
    assert.deepEqual(failures, []);
    assert.deepEqual(violations, []);
    await page.close();
  });

  it('a person registers, creates an API token and registers their organisation', { timeout: 120_000 }, async () => {
    const page = await newPage();
    await page.goto(`${server.baseUrl}/register`);
    await check(page, 'register');
    await page.getByRole('button', { name: 'Create account' }).click();
    assert.match(await page.title(), /^Error: /);
    assert.ok(await page.getByText('There is a problem').isVisible());
    await check(page, 'register-errors');

    await page.getByLabel('Full name').fill('Jo Provider');
    await page.getByLabel('Email address').fill('jo@example.org');
    await page.getByLabel('Password', { exact: true }).fill('a long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await check(page, 'register-sent');
    await page.goto(await confirmationLink('jo@example.org'));
    await check(page, 'register-confirm');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/account/);
    assert.ok(await page.getByText('Your account has been created').isVisible());
    await check(page, 'account');

    await page.getByLabel('Name for a new token').fill('Reporting script');
    await page.getByRole('button', { name: 'Create API token' }).click();
    const token = await page.locator('#new-token').textContent();
    assert.match(token ?? '', /^cw_/);
    await check(page, 'account-token-created');
    const me = await fetch(`${server.baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await me.json()) as { email: string }).email, 'jo@example.org');

    await page.goto(`${server.baseUrl}/organisations/new`);
    await page.getByLabel('Name', { exact: true }).fill('Heaton Community Larder');
    await page.getByLabel('Legal form').selectOption('cic-guarantee');
    await page.getByRole('button', { name: 'Register organisation' }).click();
    await page.waitForURL(/\/organisations\/heaton-community-larder/);
    assert.ok(await page.getByRole('heading', { name: 'Heaton Community Larder' }).isVisible());
    await check(page, 'organisation');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/\?notice=signed-out/);
    assert.ok(await page.getByText('You have signed out.').isVisible());
    await check(page);
    assert.deepEqual(violations, []);
  });

  it('works without JavaScript: register and sign out with scripts disabled', { timeout: 60_000 }, async () => {
    // axe needs JavaScript to run, so this journey checks function only; the same pages pass axe above.
    const page = await newPage({ javaScriptEnabled: false });
    await page.goto(`${server.baseUrl}/register`);
    await page.getByLabel('Full name').fill('No Script');
    await page.getByLabel('Email address').fill('noscript@example.org');
    await page.getByLabel('Password', { exact: true }).fill('a long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await page.goto(await confirmationLink('noscript@example.org'));
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/account/);
    assert.ok(await page.getByText('noscript@example.org').isVisible());
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/\?notice=signed-out/);
    await page.context().close();
  });

  it('an administrator reads a password-reset email in the outbox and uses its link', { timeout: 120_000 }, async () => {
    await registerUser(server.ctx.db, cliActor, { email: 'admin@example.org', name: 'Site Admin', password: 'admin password here', isAdmin: true });
    const visitor = await newPage();
    await visitor.goto(`${server.baseUrl}/forgot-password`);
    await visitor.getByLabel('Email address').fill('admin@example.org');
    await visitor.getByRole('button', { name: 'Send reset link' }).click();
    assert.ok(await visitor.getByRole('heading', { name: 'Check your email' }).isVisible());
    await check(visitor, 'forgot-password-sent');

    const admin = await newPage();
    await admin.goto(`${server.baseUrl}/sign-in`);
    await admin.getByLabel('Email address').fill('admin@example.org');
    await admin.getByLabel('Password', { exact: true }).fill('admin password here');
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.waitForURL(/\/account/);
    await admin.goto(`${server.baseUrl}/admin/outbox`);
    await check(admin, 'admin-outbox');
    await admin.getByRole('link', { name: 'Reset your Commonweal password' }).first().click();
    const body = await admin.locator('#email-body').textContent();
    const link = /http:\/\/\S+\/reset-password\?token=[\w-]+/.exec(body ?? '')?.[0];
    assert.ok(link, 'the email has a reset link');
    await check(admin, 'admin-outbox-email');
    await admin.goto(`${server.baseUrl}/admin/audit`);
    await check(admin, 'admin-audit');

    await visitor.goto(link.replace(/^http:\/\/[^/]+/, server.baseUrl));
    await visitor.getByLabel('New password').fill('a different password');
    await visitor.getByRole('button', { name: 'Change password' }).click();
    await visitor.waitForURL(/\/account/);
    await check(visitor);
    assert.deepEqual(violations, []);
  });

  it('shows the 404 page in the same style', { timeout: 60_000 }, async () => {
    const page = await newPage();
    const response = await page.goto(`${server.baseUrl}/no-such-page`);
    assert.equal(response?.status(), 404);
    assert.ok(await page.getByRole('heading', { name: 'Page not found' }).isVisible());
    await check(page, '404');
    assert.deepEqual(violations, []);
  });
});
