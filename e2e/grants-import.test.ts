// Browser journey for importing grants from a spreadsheet: a funder's staff member uploads the community
// foundations' real grants as an XLSX workbook, sees the problems found, publishes, sends a changed file and
// sees what it changes, then withdraws the first file with a reason, which a visitor then sees. Every page is
// checked with axe (WCAG 2.2 AA).
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launch, startServer, Journey } from './browser.ts';
import type { AppContext } from '../src/platform/module.ts';
import { cliActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { addMember, createOrganisation } from '../src/organisations/organisations.service.ts';

const enabled = browserAvailable();
const password = 'a long enough password';

describe('grants import in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let ctx: AppContext;
  let baseUrl: string;
  let browser: Browser;
  const journey = new Journey(() => browser, () => baseUrl, 'grants-import-');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);

  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  before(async () => {
    server = await startServer(async (c) => {
      const org = await createOrganisation(c.db, cliActor, { name: 'Community Foundations', legalForm: 'registered-charity', identifiers: ['GB-CHC-1004630'], verified: true });
      await registerUser(c.db, cliActor, { email: 'grants@foundations.example', name: 'Grants Officer', password });
      await addMember(c.db, cliActor, org.id, { email: 'grants@foundations.example', role: 'staff' });
    });
    ({ ctx, baseUrl } = server);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a funder uploads an XLSX workbook, sees its problems, publishes, sees what a new file changes, and withdraws a file', { timeout: 240_000 }, async () => {
    assert.ok(ctx);
    const page = await journey.signIn(await journey.newPage(), 'grants@foundations.example', password);
    await page.goto(`${baseUrl}/grants/community-foundations/upload`);
    await check(page, 'upload');
    await page.getByLabel('360Giving file').setInputFiles(fileURLToPath(new URL('../datasets/grants/community-foundations-regrants.xlsx', import.meta.url)));
    await page.getByRole('button', { name: 'Upload and check' }).click();
    await page.waitForURL(/\/drafts\//);
    assert.ok(await page.getByText('individual-precise-location').first().isVisible(), 'the problems are listed');
    assert.ok(await page.getByText('What this file changes').isVisible());
    await check(page, 'draft-xlsx');
    await page.getByRole('button', { name: 'Publish these grants' }).click();
    await page.waitForURL(/\?published=/);
    assert.ok(await page.getByText('£16,589,361.49').first().isVisible(), 'the same total as the JSON file');

    // A second file: one grant changed, one new; the rest of the first file's grants are kept.
    const grants = (JSON.parse(readFileSync(new URL('../datasets/grants/community-foundations-regrants.json', import.meta.url), 'utf8')) as { grants: Record<string, unknown>[] }).grants;
    const changed = { ...grants[0]!, amountAwarded: 12345, title: 'A corrected title' };
    const added = { ...grants[1]!, id: '360G-e2e-new-grant' };
    const dir = mkdtempSync(join(tmpdir(), 'cw-e2e-grants-'));
    const second = join(dir, 'correction.json');
    writeFileSync(second, JSON.stringify({ grants: [changed, added] }));
    await page.goto(`${baseUrl}/grants/community-foundations/upload`);
    await page.getByLabel('360Giving file').setInputFiles(second);
    await page.getByRole('button', { name: 'Upload and check' }).click();
    await page.waitForURL(/\/drafts\//);
    assert.ok(await page.getByText('amountAwarded, title').isVisible(), 'the changed fields are named');
    await check(page, 'draft-changes');
    await page.getByRole('button', { name: 'Publish these grants' }).click();
    await page.waitForURL(/\?published=/);
    await page.getByRole('link', { name: 'correction.json' }).click();
    await page.waitForURL(/\/files\//);
    await check(page, 'file');
    await page.getByRole('link', { name: 'Withdraw this file' }).click();
    await check(page, 'withdraw');
    await page.getByRole('button', { name: 'Withdraw the file' }).click();
    assert.match(await page.title(), /^Error: /);
    await check(page, 'withdraw-error');
    await page.getByLabel('Why is it withdrawn?').fill('Sent before the programme team had checked it');
    await page.getByRole('button', { name: 'Withdraw the file' }).click();
    await page.waitForURL(/outcome=withdrawn/);
    assert.ok(await page.getByText('The file was withdrawn.').isVisible());
    await check(page, 'withdrawn');

    const visitor = await journey.newPage();
    await visitor.goto(`${baseUrl}/grants/community-foundations`);
    assert.ok(await visitor.getByText('Sent before the programme team had checked it').isVisible(), 'the public sees why');
    assert.ok(await visitor.getByText('£16,589,361.49').first().isVisible(), 'the first file counts again in full');
    await check(visitor, 'publisher-after-withdrawal');
    assert.deepEqual(violations, []);
  });
});
