// Browser journey through a coordinator's inbox: someone asks to join the demo time bank; the coordinator sees
// the count in the header, opens the inbox, follows the item to the bank, refuses the request with a reason,
// and the item is gone; then the coordinator's other pages (a member's limit, the bank's settings, opening a
// bank, email settings). axe checks every page visited; screenshots go to e2e/screenshots.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { browserAvailable, browserSuite } from './browser.ts';
import { cliActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { insertMembership } from '../src/platform/auth/auth.repository.ts';
import { seedOrganisations } from '../src/organisations/organisations.demo.ts';
import { seedTimebank } from '../src/timebank/timebank.demo.ts';
import * as service from '../src/timebank/timebank.service.ts';

const enabled = browserAvailable();
const password = 'a long enough password';

describe('a coordinator’s inbox in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let bankId: string;
  const suite = browserSuite('inbox-', async (ctx) => {
    await seedOrganisations(ctx);
    await seedTimebank(ctx);
    bankId = (await service.listBanks(ctx.db)).find((b) => b.name === 'Heaton Neighbours Time Bank')!.id;
    const bank = await service.getBank(ctx.db, bankId);
    await service.setRequiresApproval(ctx.db, cliActor, bankId, true);
    const coordinator = await registerUser(ctx.db, cliActor, { email: 'cora.inbox.e2e@example.org', name: 'Cora Coordinator', password });
    await insertMembership(ctx.db, { organisationId: bank.organisationId, userId: coordinator.id, role: 'coordinator' });
    const asker = await registerUser(ctx.db, cliActor, { email: 'ola.inbox.e2e@example.org', name: 'Ola', password });
    await service.joinBank(ctx.db, { userId: asker.id, tokenId: null, isAdmin: false, via: 'session' }, bankId, { name: 'Ola Outoftown' });
  }, password);
  const { journey, violations, check } = suite;

  it('finds a request to join in the inbox, refuses it with a reason, and it leaves the inbox', { timeout: 180_000 }, async () => {
    const page = await journey.newPage();
    await journey.signIn(page, 'cora.inbox.e2e@example.org', password);
    await page.goto(`${suite.baseUrl}/timebank`);
    const inboxLink = page.getByRole('link', { name: /^Inbox \d+ items? waiting$/ });
    const before = Number((await inboxLink.textContent())!.match(/\d+/)![0]);
    assert.ok(before >= 1, 'the header counts the request');
    await inboxLink.click();
    await page.getByRole('heading', { name: 'Your inbox' }).waitFor();
    await check(page, 'inbox');
    await page.getByRole('link', { name: 'Approve or refuse Ola Outoftown’s request to join' }).click();
    await page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    await check(page, 'bank-pending');
    await page.getByRole('link', { name: 'Refuse Ola Outoftown' }).click();
    await page.getByRole('button', { name: 'Refuse the request' }).click();
    await page.getByText('There is a problem').first().waitFor();
    await check(page, 'refuse-error');
    await page.getByLabel('Why is the request refused?').fill('This time bank is for people who live in Heaton');
    await page.getByRole('button', { name: 'Refuse the request' }).click();
    await page.getByText('The request to join is refused').first().waitFor();
    await page.goto(`${suite.baseUrl}/inbox`);
    await page.getByRole('heading', { name: 'Your inbox' }).waitFor();
    assert.equal(await page.getByRole('link', { name: /Ola Outoftown/ }).count(), 0, 'the refused request has left the inbox');
    await check(page);

    // The coordinator's other pages.
    const member = (await service.listAccounts(suite.ctx.db, cliActor, bankId)).find((a) => a.name === 'Kofi Mensah')!;
    await page.goto(`${suite.baseUrl}/timebank/accounts/${member.id}/limit`);
    await page.getByLabel('How many hours may Kofi Mensah go below zero?').fill('3');
    await check(page, 'limit');
    await page.getByRole('button', { name: 'Save the limit' }).click();
    await page.getByText('The member’s limit is saved').first().waitFor();
    await page.goto(`${suite.baseUrl}/timebank/banks/${bankId}/settings`);
    await check(page, 'bank-settings');
    await page.goto(`${suite.baseUrl}/timebank/banks/new`);
    await check(page, 'bank-new');
    await page.goto(`${suite.baseUrl}/account/notifications`);
    await page.getByLabel('Requests to join a time bank').uncheck();
    await check(page, 'notifications');
    await page.getByRole('button', { name: 'Save email settings' }).click();
    await page.getByText('Your email settings are saved').first().waitFor();
    assert.equal(await page.getByLabel('Requests to join a time bank').isChecked(), false);
    assert.deepEqual(violations, []);
  });
});
