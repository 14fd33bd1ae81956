// Browser journey through the time bank: a newcomer joins the demo bank and waits for approval, a coordinator
// approves them, they offer help and record an exchange, the coordinator confirms it for the other member, and
// the impact page shows it. axe checks every page visited; screenshots go to e2e/screenshots.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserAvailable, browserSuite } from './browser.ts';
import { cliActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { insertMembership } from '../src/platform/auth/auth.repository.ts';
import { seedOrganisations } from '../src/organisations/organisations.demo.ts';
import { seedTimebank } from '../src/timebank/timebank.demo.ts';
import * as service from '../src/timebank/timebank.service.ts';

const enabled = browserAvailable();
const password = 'a long enough password';

describe('time bank in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let bankId: string;
  // Only the data this journey needs (the whole demo also loads other modules' data).
  const suite = browserSuite('timebank-', async (ctx) => {
    await seedOrganisations(ctx);
    await seedTimebank(ctx);
    bankId = (await service.listBanks(ctx.db)).find((b) => b.name === 'Heaton Neighbours Time Bank')!.id;
    const bank = await service.getBank(ctx.db, bankId);
    const coordinator = await registerUser(ctx.db, cliActor, { email: 'cora.e2e@example.org', name: 'Cora Coordinator', password });
    await insertMembership(ctx.db, { organisationId: bank.organisationId, userId: coordinator.id, role: 'coordinator' });
    await registerUser(ctx.db, cliActor, { email: 'mo.e2e@example.org', name: 'Mo Member', password });
    await service.addMember(ctx.db, cliActor, bankId, { email: 'mo.e2e@example.org', name: 'Mo Member' });
  }, password);
  const { journey, violations, check, newPage } = suite;
  const signIn = (page: Page, email: string) => journey.signIn(page, email, password);

  it('joins, is approved, offers help, records an exchange that is confirmed, and sees the impact', { timeout: 180_000 }, async () => {
    const newcomer = await newPage();
    await newcomer.goto(`${suite.baseUrl}/register`);
    await newcomer.getByLabel('Full name').fill('Nia Newcomer');
    await newcomer.getByLabel('Email address').fill('nia.e2e@example.org');
    await newcomer.getByLabel('Password', { exact: true }).fill(password);
    await newcomer.getByRole('button', { name: 'Create account' }).click();
    await newcomer.getByRole('heading', { name: 'Check your email' }).waitFor();
    const mail = await suite.ctx.db.selectFrom('outbox').select('body_text').where('to_address', '=', 'nia.e2e@example.org').where('kind', '=', 'registration-confirm').executeTakeFirstOrThrow();
    await newcomer.goto(`${suite.baseUrl}/register/confirm?token=${/\/register\/confirm\?token=([\w-]+)/.exec(mail.body_text)![1]}`);
    await newcomer.getByRole('button', { name: 'Create account' }).click();
    await newcomer.waitForURL(/\/account/);
    await newcomer.goto(`${suite.baseUrl}/timebank/banks/${bankId}`);
    await check(newcomer, 'bank-visitor');
    await newcomer.getByLabel('Your name, as other members will see it').fill('Nia Newcomer');
    await newcomer.getByLabel('Your postcode or neighbourhood (optional)').fill('NE6 1A');
    await newcomer.getByRole('button', { name: 'Ask to join' }).click();
    await newcomer.getByText('There is a problem').first().waitFor();
    await check(newcomer, 'join-error');
    await newcomer.getByLabel('Your postcode or neighbourhood (optional)').fill('E01008371');
    await newcomer.getByRole('button', { name: 'Ask to join' }).click();
    await newcomer.getByText('waiting for a coordinator’s approval').first().waitFor();

    const coordinator = await newPage();
    await signIn(coordinator, 'cora.e2e@example.org');
    await coordinator.goto(`${suite.baseUrl}/timebank/banks/${bankId}`);
    await check(coordinator, 'bank-coordinator');
    await coordinator.getByRole('button', { name: 'Approve Nia Newcomer' }).click();
    await coordinator.getByText('The member is approved').first().waitFor();

    await newcomer.goto(`${suite.baseUrl}/timebank/banks/${bankId}/listings`);
    await newcomer.getByLabel('Offering help').check();
    await newcomer.getByLabel('Category', { exact: true }).last().selectOption('food');
    await newcomer.getByLabel('Title').fill('Batch cooking for a neighbour');
    await newcomer.getByRole('button', { name: 'Publish to members' }).click();
    await newcomer.getByText('Your listing is published').first().waitFor();
    await check(newcomer, 'listing');
    await newcomer.goto(`${suite.baseUrl}/timebank/banks/${bankId}/listings?category=food`);
    await check(newcomer, 'listings');

    const account = (await service.listAccounts(suite.ctx.db, cliActor, bankId)).find((a) => a.name === 'Nia Newcomer')!;
    const kofi = (await service.listAccounts(suite.ctx.db, cliActor, bankId)).find((a) => a.name === 'Kofi Mensah')!;
    await newcomer.goto(`${suite.baseUrl}/timebank/accounts/${account.id}`);
    await newcomer.getByLabel('I gave help').check();
    await newcomer.getByLabel('Who with').selectOption({ label: 'Kofi Mensah' });
    await newcomer.locator('#exchange-minutes').fill('30');
    await newcomer.locator('#category').selectOption('food');
    await newcomer.getByLabel('What the help was').first().fill('Cooked a week of meals');
    await newcomer.getByRole('button', { name: 'Record and ask them to confirm' }).click();
    await newcomer.getByText('The other member will be asked to confirm it').first().waitFor();
    await check(newcomer, 'account-member');

    // Kofi does not use the website: the coordinator confirms for him, from his statement.
    await coordinator.goto(`${suite.baseUrl}/timebank/accounts/${kofi.id}`);
    await coordinator.getByRole('button', { name: 'Confirm Cooked a week of meals' }).click();
    await coordinator.getByText('The exchange is confirmed').first().waitFor();
    await check(coordinator, 'account-coordinator');
    assert.equal((await service.getAccount(suite.ctx.db, cliActor, account.id)).balance, 30);

    await coordinator.goto(`${suite.baseUrl}/timebank/banks/${bankId}/impact`);
    await coordinator.getByRole('heading', { name: 'Hours by category of help' }).waitFor();
    await check(coordinator, 'impact');
    await coordinator.goto(`${suite.baseUrl}/timebank/banks/${bankId}/activities`);
    await check(coordinator, 'activities');
    const pantry = (await service.listAccounts(suite.ctx.db, cliActor, bankId)).find((a) => a.partnerRole === 'spend')!;
    await coordinator.goto(`${suite.baseUrl}/timebank/accounts/${pantry.id}`);
    await check(coordinator, 'partner-spend');
    await coordinator.goto(`${suite.baseUrl}/timebank/banks/${bankId}/exchanges/new`);
    await check(coordinator, 'on-behalf');
    await coordinator.goto(`${suite.baseUrl}/timebank/accounts/${kofi.id}/suspend`);
    await check(coordinator, 'suspend');
    assert.deepEqual(violations, []);
  });

  it('a member on a phone writes to the member behind an offer, through the platform, without seeing their email', { timeout: 180_000 }, async () => {
    const page = await journey.phonePage();
    await signIn(page, 'mo.e2e@example.org');
    await page.goto(`${suite.baseUrl}/timebank/banks/${bankId}/listings`);
    await check(page, 'listings-375');
    await journey.assertFits(page);
    await page.getByRole('link', { name: 'A hand on your allotment or garden' }).click();
    await page.getByRole('heading', { name: 'Messages' }).waitFor();
    assert.equal(await page.getByText('kofi.demo@example.org').count(), 0, 'the other member’s email is never shown');
    await check(page, 'offer-375');
    await journey.assertFits(page);
    await page.getByRole('button', { name: 'Send the message' }).click();
    await page.getByText('There is a problem').first().waitFor();
    assert.match(await page.title(), /^Error: /);
    await check(page, 'message-error-375');
    await page.getByLabel('Write to Kofi Mensah').fill('I have a free Saturday morning: could I help with the beds?');
    await page.getByRole('button', { name: 'Send the message' }).click();
    await page.getByText('You wrote to Kofi Mensah').first().waitFor();
    await check(page, 'message-sent-375');
    const mail = await suite.ctx.db.selectFrom('outbox').select(['body_text', 'subject']).where('to_address', '=', 'kofi.demo@example.org').orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.match(mail.body_text, /I have a free Saturday morning/);
    assert.doesNotMatch(mail.body_text, /mo\.e2e@example\.org/, 'Kofi is not sent Mo’s email address');
    assert.deepEqual(violations, []);
  });
});
