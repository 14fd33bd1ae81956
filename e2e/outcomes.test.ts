// Browser journeys for outcomes: the public pages of the invented demo contract and agreement, a provider
// claiming an outcome and a validator accepting it, and a tenants' representative signing an agreement and
// recording progress. Every page visited is checked with axe (WCAG 2.2 AA).
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launch, startServer, Journey } from './browser.ts';
import type { AppContext } from '../src/platform/module.ts';
import { cliActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { addMember, createOrganisation, findOrganisation } from '../src/organisations/organisations.service.ts';
import { seedOrganisations } from '../src/organisations/organisations.demo.ts';
import { demoContractTitle, seedOutcomes } from '../src/outcomes/outcomes.demo.ts';
import * as service from '../src/outcomes/outcomes.service.ts';
import * as agreements from '../src/outcomes/outcomes.agreements.ts';

const enabled = browserAvailable();
const password = 'a long enough password';

describe('outcomes in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let ctx: AppContext;
  let baseUrl: string;
  let browser: Browser;
  const journey = new Journey(() => browser, () => baseUrl, 'outcomes-');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);
  const newPage = (options?: { javaScriptEnabled?: boolean }) => journey.newPage(options);
  const signIn = async (email: string) => journey.signIn(await newPage(), email, password);

  async function personWithRole(email: string, name: string, organisationId: string | null, role?: string) {
    await registerUser(ctx.db, cliActor, { email, name, password });
    if (organisationId && role) await addMember(ctx.db, cliActor, organisationId, { email, role });
  }

  // Only the data this module needs (the organisations and the outcomes example), so these journeys do not
  // depend on other modules' demo data.
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  before(async () => {
    server = await startServer(async (c) => {
      await seedOrganisations(c);
      await seedOutcomes(c);
    });
    ({ ctx, baseUrl } = server);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the example contract, its ledger, its investors and an agreement to anyone', { timeout: 120_000 }, async () => {
    const page = await newPage();
    await page.goto(`${baseUrl}/outcomes`);
    await check(page, 'index');
    await page.getByRole('link', { name: demoContractTitle }).click();
    assert.ok(await page.getByRole('heading', { name: demoContractTitle }).isVisible());
    assert.ok(await page.getByText('Cap left').isVisible());
    await check(page, 'contract');
    await page.getByRole('link', { name: /Investor view/ }).click();
    assert.ok(await page.getByRole('img', { name: /committed, drawn down and repaid/ }).isVisible());
    await check(page, 'investors');
    await page.goto(`${baseUrl}/outcomes`);
    await page.getByRole('link', { name: 'Example: warm, dry homes in Example Court' }).click();
    assert.ok(await page.getByText('Off track').first().isVisible());
    assert.equal(await page.getByText('Example Chairperson').count(), 0, 'no personal names in public');
    await check(page, 'agreement-public');
    assert.deepEqual(violations, []);
  });

  it('a provider claims an outcome and an independent validator accepts it, with errors shown first', { timeout: 120_000 }, async () => {
    const contract = (await service.listContracts(ctx.db)).find((c) => c.title === demoContractTitle)!;
    const validatorOrg = (await service.rateCard(ctx.db, contract.id))[0]!.validatorOrganisationId!;
    await personWithRole('claims.officer@example.org', 'Claims Officer', contract.providerOrganisationId, 'staff');
    await personWithRole('validator@example.org', 'Val Idator', validatorOrg, 'evaluator');

    const staff = await signIn('claims.officer@example.org');
    await staff.goto(`${baseUrl}/outcomes/contracts/${contract.id}`);
    await staff.getByRole('button', { name: 'Claim outcome' }).click();
    assert.match(await staff.title(), /^Error: /);
    assert.ok(await staff.getByText('There is a problem').isVisible());
    await check(staff, 'claim-errors');
    await staff.getByLabel('Outcome', { exact: true }).selectOption('O1');
    await staff.getByLabel('Participant reference').fill('SWH-0900');
    const achieved = staff.getByRole('group', { name: 'Date achieved' });
    await achieved.getByLabel('Day').fill('2');
    await achieved.getByLabel('Month').fill('2');
    await achieved.getByLabel('Year').fill('2026');
    await staff.getByLabel('Evidence').fill('Discharge 2025-11-03; no readmission (example)');
    await staff.getByRole('button', { name: 'Claim outcome' }).click();
    await staff.waitForURL(/notice=claimed/);
    assert.ok(await staff.getByText('The claim is recorded').isVisible());
    await check(staff, 'claimed');

    await staff.goto(`${baseUrl}/outcomes/agreements/new`);
    await staff.getByRole('button', { name: 'Draft agreement' }).click();
    assert.match(await staff.title(), /^Error: /);
    await check(staff, 'agreement-draft-errors');

    const validator = await signIn('validator@example.org');
    await validator.goto(`${baseUrl}/outcomes/contracts/${contract.id}#claims`);
    await validator.getByRole('button', { name: 'Accept claim for SWH-0900, O1' }).click();
    await validator.waitForURL(/notice=accepted/);
    assert.ok(await validator.getByText('now a payment due').isVisible());
    await check(validator, 'validated');
    assert.deepEqual(violations, []);
  });

  it('a commissioner opens a contract, choosing the provider by name between a verified and an unverified one, with GOV.UK date inputs', { timeout: 120_000 }, async () => {
    const council = (await findOrganisation(ctx.db, 'GB-LAE-NET'))!;
    await personWithRole('opener@example.org', 'Ola Opener', council.id, 'commissioner');
    const real = await createOrganisation(ctx.db, cliActor, { name: 'Example Byker Befriending', legalForm: 'charitable-company', identifiers: ['GB-CHC-1199001'], verified: true });
    await createOrganisation(ctx.db, cliActor, { name: 'Example Byker Befriending', legalForm: 'community-group' });
    const page = await signIn('opener@example.org');
    await page.goto(`${baseUrl}/outcomes/contracts/new`);
    await check(page, 'contract-new');
    await page.getByLabel('Commissioning organisation').selectOption({ label: council.name });
    await page.getByLabel('Provider’s registered name').fill('Example Byker Befriending');
    await page.getByLabel('Title', { exact: true }).fill('Example: fewer lonely winters in Byker');
    const start = page.getByRole('group', { name: 'Start date' });
    await start.getByLabel('Day').fill('1');
    await start.getByLabel('Month').fill('4');
    await start.getByLabel('Year').fill('2027');
    const end = page.getByRole('group', { name: 'End date' });
    await end.getByLabel('Day').fill('31');
    await end.getByLabel('Month').fill('3');
    await end.getByLabel('Year').fill('2029');
    await page.getByLabel('Contract cap').fill('120000');
    await page.getByRole('button', { name: 'Open the contract' }).click();
    // Two organisations have that name: the page asks which, the verified one first, the other tagged.
    assert.match(await page.title(), /^Error: /);
    const choices = page.getByRole('group', { name: 'Which organisation is the provider?' }).getByRole('radio');
    assert.equal(await choices.count(), 2);
    assert.match(String(await page.getByRole('group', { name: 'Which organisation is the provider?' }).textContent()), /Example Byker Befriending \(GB-CHC-1199001\)[\s\S]*Example Byker Befriending\s*Not verified/);
    assert.equal(await start.getByLabel('Day').inputValue(), '1', 'what was typed is kept');
    await check(page, 'contract-new-choose-provider');
    await choices.first().check();
    await page.getByRole('button', { name: 'Open the contract' }).click();
    await page.waitForURL(/notice=created/);
    const contract = (await service.listContracts(ctx.db)).find((c) => c.title === 'Example: fewer lonely winters in Byker')!;
    assert.equal(contract.providerOrganisationId, real.id);
    assert.equal(contract.startDate, '2027-04-01');
    assert.ok(await page.getByText('Example Byker Befriending (GB-CHC-1199001)').isVisible());
    await check(page, 'contract-opened');
    assert.deepEqual(violations, []);
  });

  it('a tenants’ representative signs an agreement and records progress', { timeout: 120_000 }, async () => {
    const council = (await findOrganisation(ctx.db, 'GB-LAE-NET'))!;
    await personWithRole('rep@example.org', 'Rita Rep', null);
    const a = await agreements.createAgreement(ctx.db, cliActor, {
      organisation: council.id, serviceName: 'Estate cleaning (example)', title: 'Example: a cleaner Byker estate', partyKind: 'group', groupName: 'Example Byker Residents (invented)',
      partyEmail: 'rep@example.org', partyName: 'Rita Rep',
      terms: [{ side: 'service', kind: 'commitment', text: 'Bins emptied every week' }, { side: 'citizen', kind: 'commitment', text: 'Residents report fly-tipping within a day' }],
    });
    await agreements.signAgreement(ctx.db, cliActor, a.id);
    const rep = await signIn('rep@example.org');
    await rep.goto(`${baseUrl}/outcomes/agreements/${a.id}`);
    await check(rep, 'agreement-unsigned');
    await rep.getByRole('button', { name: 'Sign this agreement' }).click();
    await rep.waitForURL(/notice=signed/);
    await rep.getByLabel('Outcome or commitment').selectOption({ label: 'Bins emptied every week' });
    await rep.getByLabel('Off track').check();
    await rep.getByLabel('Note (optional)').fill('Missed twice in November');
    await rep.getByRole('button', { name: 'Record progress' }).click();
    await rep.waitForURL(/notice=progress/);
    assert.ok(await rep.getByText('Missed twice in November').isVisible());
    await check(rep, 'agreement-party');
    assert.deepEqual(violations, []);
  });
});
