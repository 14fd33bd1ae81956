// Browser journey for regranting chains and who the money reaches: a visitor follows a funder's pot from the
// funder's page to its onward grants and their fairness across deprivation deciles (England and Scotland, with
// the unplaced money by reason), then a programme's and the funder's fairness; the intermediary's staff link
// one more onward grant to the pot by its title. Every page visited is checked with axe (WCAG 2.2 AA).
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launch, startServer, Journey } from './browser.ts';
import { cliActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { addMember, createOrganisation } from '../src/organisations/organisations.service.ts';
import { importGrantsFile } from '../src/grants/grants.service.ts';
import { fairnessFixture, fixtureGrant, loadFairnessPlaces } from '../src/grants/grants.chains.test-support.ts';

const enabled = browserAvailable();
const password = 'a long enough password';
const pkg = (grants: unknown[]) => Buffer.from(JSON.stringify({ grants }));

describe('regranting chains and fairness in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let baseUrl: string;
  let browser: Browser;
  const journey = new Journey(() => browser, () => baseUrl, 'grants-chains-');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);

  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  before(async () => {
    server = await startServer(async (c) => {
      await loadFairnessPlaces(c);
      const funder = await createOrganisation(c.db, cliActor, { name: 'A B Charitable Trust', legalForm: 'registered-charity', identifiers: ['GB-CHC-1000147'], verified: true });
      const cf = await createOrganisation(c.db, cliActor, { name: 'Teesside Community Foundation', legalForm: 'registered-charity', identifiers: ['GB-CHC-1111111'], verified: true });
      await registerUser(c.db, cliActor, { email: 'grants@teesside-cf.example', name: 'Grants Officer', password });
      await addMember(c.db, cliActor, cf.id, { email: 'grants@teesside-cf.example', role: 'staff' });
      await importGrantsFile(c, cliActor, { publisher: funder.id, source: { bytes: pkg([
        fixtureGrant('360G-abct-pot', 10000, { title: 'Community action pot', regrantType: 'FRG010', recipientOrganization: [{ id: 'GB-CHC-1111111', name: cf.name }], beneficiaryLocation: undefined }),
      ]) } });
      await importGrantsFile(c, cliActor, { publisher: cf.id, source: { bytes: pkg([
        ...fairnessFixture().map((g) => ({ ...g, relatedActivity: ['360G-abct-pot'] })),
        fixtureGrant('late-1', 250, { title: 'Lunch club for older people' }),
      ]) } });
    });
    ({ baseUrl } = server);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a visitor follows a funder’s pot to its onward grants and who they reach; the intermediary links one more', { timeout: 240_000 }, async () => {
    const visitor = await journey.newPage();
    await visitor.goto(`${baseUrl}/grants/a-b-charitable-trust`);
    await visitor.getByRole('link', { name: /Regrant \(FRG010\)/ }).click();
    await visitor.waitForURL(/\/pots\//);
    assert.ok(await visitor.getByRole('heading', { name: 'Community action pot' }).isVisible());
    assert.ok(await visitor.getByText('£2,280.00 in 11 onward grants').isVisible());
    assert.ok(await visitor.getByText('£7,720.00').first().isVisible(), 'what is left');
    await check(visitor, 'pot');
    await visitor.getByRole('link', { name: 'Who the onward grants reach, by deprivation decile' }).click();
    await visitor.waitForURL(/\/fairness$/);
    assert.ok(await visitor.getByRole('heading', { name: 'England (IMD 2019)' }).isVisible());
    assert.ok(await visitor.getByRole('heading', { name: 'Scotland (SIMD 2020)' }).isVisible());
    assert.ok(await visitor.getByText('Located only to a ward', { exact: true }).isVisible());
    await check(visitor, 'pot-fairness');

    await visitor.goto(`${baseUrl}/grants/teesside-community-foundation/fairness`);
    await visitor.getByLabel('Programme').selectOption('Small grants');
    await visitor.getByRole('button', { name: 'Show this programme' }).click();
    await visitor.waitForURL(/programme=Small/);
    assert.ok(await visitor.getByRole('heading', { name: /Who the grants of “Small grants” reach/ }).isVisible());
    await check(visitor, 'programme-fairness');
    await visitor.goto(`${baseUrl}/grants/funders/GB-CHC-1000147/fairness`);
    await check(visitor, 'funder-fairness');

    const staff = await journey.signIn(await journey.newPage(), 'grants@teesside-cf.example', password);
    await staff.goto(`${baseUrl}/grants/a-b-charitable-trust/pots/360G-abct-pot`);
    await staff.getByRole('link', { name: 'Link or unlink your onward grants to this pot' }).click();
    await check(staff, 'onward');
    await staff.getByRole('button', { name: 'Save links' }).click();
    assert.match(await staff.title(), /^Error: /);
    await check(staff, 'onward-error');
    await staff.getByLabel(/Lunch club for older people/).check();
    await staff.getByRole('button', { name: 'Save links' }).click();
    assert.ok(await staff.getByText('Saved: 1 linked, 0 unlinked.').isVisible());
    await check(staff, 'onward-saved');
    await staff.goto(`${baseUrl}/grants/a-b-charitable-trust/pots/360G-abct-pot`);
    assert.ok(await staff.getByText('£2,530.00 in 12 onward grants').isVisible());
    assert.deepEqual(violations, []);
  });
});
