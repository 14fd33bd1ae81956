// Browser journey through the time bank: a newcomer joins the demo bank and waits for approval, a coordinator
// approves them, they offer help and record an exchange, the coordinator confirms it for the other member, and
// the impact page shows it. axe checks every page visited; screenshots go to e2e/screenshots.
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launch, Journey } from './browser.ts';
import { openTestContext } from '../src/platform/testing.ts';
import { createApp } from '../src/app.ts';
import { cliActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { insertMembership } from '../src/platform/auth/auth.repository.ts';
import { seedOrganisations } from '../src/organisations/organisations.demo.ts';
import { seedTimebank } from '../src/timebank/timebank.demo.ts';
import * as service from '../src/timebank/timebank.service.ts';
import type { App, AppContext } from '../src/platform/module.ts';

const enabled = browserAvailable();
const password = 'a long enough password';

describe('time bank in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let ctx: AppContext;
  let app: App;
  let base: string;
  let browser: Browser;
  let bankId: string;
  const journey = new Journey(() => browser, () => base, 'timebank-');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);
  const newPage = (options?: { javaScriptEnabled?: boolean }) => journey.newPage(options);
  const signIn = (page: Page, email: string) => journey.signIn(page, email, password);

  before(async () => {
    // Only the data this journey needs (the whole demo also loads other modules' data).
    ctx = await openTestContext('pglite');
    await seedOrganisations(ctx);
    await seedTimebank(ctx);
    bankId = (await service.listBanks(ctx.db)).find((b) => b.name === 'Heaton Neighbours Time Bank')!.id;
    const bank = await service.getBank(ctx.db, bankId);
    const coordinator = await registerUser(ctx.db, cliActor, { email: 'cora.e2e@example.org', name: 'Cora Coordinator', password });
    await insertMembership(ctx.db, { organisationId: bank.organisationId, userId: coordinator.id, role: 'coordinator' });
    app = await createApp(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await ctx?.handle.close();
  });

  it('joins, is approved, offers help, records an exchange that is confirmed, and sees the impact', { timeout: 180_000 }, async () => {
    const newcomer = await newPage();
    await newcomer.goto(`${base}/register`);
    await newcomer.getByLabel('Full name').fill('Nia Newcomer');
    await newcomer.getByLabel('Email address').fill('nia.e2e@example.org');
    await newcomer.getByLabel('Password', { exact: true }).fill(password);
    await newcomer.getByRole('button', { name: 'Create account' }).click();
    await newcomer.getByRole('heading', { name: 'Check your email' }).waitFor();
    const mail = await ctx.db.selectFrom('outbox').select('body_text').where('to_address', '=', 'nia.e2e@example.org').where('kind', '=', 'registration-confirm').executeTakeFirstOrThrow();
    await newcomer.goto(`${base}/register/confirm?token=${/\/register\/confirm\?token=([\w-]+)/.exec(mail.body_text)![1]}`);
    await newcomer.getByRole('button', { name: 'Create account' }).click();
    await newcomer.waitForURL(/\/account/);
    await newcomer.goto(`${base}/timebank/banks/${bankId}`);
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
    await coordinator.goto(`${base}/timebank/banks/${bankId}`);
    await check(coordinator, 'bank-coordinator');
    await coordinator.getByRole('button', { name: 'Approve Nia Newcomer' }).click();
    await coordinator.getByText('The member is approved').first().waitFor();

    await newcomer.goto(`${base}/timebank/banks/${bankId}/listings`);
    await newcomer.getByLabel('Offering help').check();
    await newcomer.getByLabel('Category', { exact: true }).last().selectOption('food');
    await newcomer.getByLabel('Title').fill('Batch cooking for a neighbour');
    await newcomer.getByRole('button', { name: 'Publish to members' }).click();
    await newcomer.getByText('Your listing is published').first().waitFor();
    await check(newcomer, 'listing');
    await newcomer.goto(`${base}/timebank/banks/${bankId}/listings?category=food`);
    await check(newcomer, 'listings');

    const account = (await service.listAccounts(ctx.db, cliActor, bankId)).find((a) => a.name === 'Nia Newcomer')!;
    const kofi = (await service.listAccounts(ctx.db, cliActor, bankId)).find((a) => a.name === 'Kofi Mensah')!;
    await newcomer.goto(`${base}/timebank/accounts/${account.id}`);
    await newcomer.getByLabel('I gave help').check();
    await newcomer.getByLabel('Who with').selectOption({ label: 'Kofi Mensah' });
    await newcomer.locator('#exchange-minutes').fill('30');
    await newcomer.locator('#category').selectOption('food');
    await newcomer.getByLabel('What the help was').first().fill('Cooked a week of meals');
    await newcomer.getByRole('button', { name: 'Record and ask them to confirm' }).click();
    await newcomer.getByText('The other member will be asked to confirm it').first().waitFor();
    await check(newcomer, 'account-member');

    // Kofi does not use the website: the coordinator confirms for him, from his statement.
    await coordinator.goto(`${base}/timebank/accounts/${kofi.id}`);
    await coordinator.getByRole('button', { name: 'Confirm Cooked a week of meals' }).click();
    await coordinator.getByText('The exchange is confirmed').first().waitFor();
    await check(coordinator, 'account-coordinator');
    assert.equal((await service.getAccount(ctx.db, cliActor, account.id)).balance, 30);

    await coordinator.goto(`${base}/timebank/banks/${bankId}/impact`);
    await coordinator.getByRole('heading', { name: 'Hours by category of help' }).waitFor();
    await check(coordinator, 'impact');
    await coordinator.goto(`${base}/timebank/banks/${bankId}/activities`);
    await check(coordinator, 'activities');
    const pantry = (await service.listAccounts(ctx.db, cliActor, bankId)).find((a) => a.partnerRole === 'spend')!;
    await coordinator.goto(`${base}/timebank/accounts/${pantry.id}`);
    await check(coordinator, 'partner-spend');
    await coordinator.goto(`${base}/timebank/banks/${bankId}/exchanges/new`);
    await check(coordinator, 'on-behalf');
    await coordinator.goto(`${base}/timebank/accounts/${kofi.id}/suspend`);
    await check(coordinator, 'suspend');
    assert.deepEqual(violations, []);
  });
});
