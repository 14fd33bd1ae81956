// Browser journey: a funder's administrator finds, in the inbox, two unregistered groups its grants name under
// different ids with the same name in the same local authority; compares the evidence; confirms they are one
// group (the recipient's page then counts both ids' grants), then undoes it. Every page is checked with axe.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { browserAvailable, browserSuite } from './browser.ts';
import { cliActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { addMember, createOrganisation } from '../src/organisations/organisations.service.ts';
import { importGrantsFile } from '../src/grants/grants.service.ts';
import { grant, pkg } from '../src/grants/grants.test-support.ts';

const enabled = browserAvailable();
const password = 'a long enough password';
const at = [{ name: 'Newcastle upon Tyne', geoCode: 'E08000021', geoCodeType: 'LA' }];

describe('unregistered groups confirmed the same in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  const suite = browserSuite('grants-groups-', async (ctx) => {
    const trust = await createOrganisation(ctx.db, cliActor, { name: 'Elm Park Trust', legalForm: 'registered-charity', identifiers: ['GB-CHC-1190001'], verified: true });
    await registerUser(ctx.db, cliActor, { email: 'admin@elm-trust.example', name: 'Ada Admin', password });
    await addMember(ctx.db, cliActor, trust.id, { email: 'admin@elm-trust.example', role: 'admin' });
    await importGrantsFile(ctx, cliActor, { publisher: trust.id, source: { bytes: pkg([
      grant('360G-elmt-1', { title: 'Bulbs for the park', recipientOrganization: [{ id: '360G-elmt-group-1', name: 'Friends of Elm Park' }], beneficiaryLocation: at }),
      grant('360G-elmt-2', { title: 'Benches', recipientOrganization: [{ id: '360G-elmt-group-1', name: 'Friends of Elm Park' }], beneficiaryLocation: at }),
      grant('360G-elmt-3', { title: 'Litter pickers', recipientOrganization: [{ id: '360G-elmt-group-2', name: 'The Friends of Elm Park' }], beneficiaryLocation: at }),
    ]) } });
  }, password);
  const { journey, violations, check } = suite;

  it('from the inbox to the groups page: confirm, see the group counted once, undo', { timeout: 180_000 }, async () => {
    const page = await journey.newPage();
    await journey.signIn(page, 'admin@elm-trust.example', password);
    await page.goto(`${suite.baseUrl}/inbox`);
    await page.getByRole('heading', { name: 'Your inbox' }).waitFor();
    await check(page, 'inbox');
    await page.getByRole('link', { name: 'Decide whether 1 pair of unregistered groups are the same' }).click();
    await page.getByRole('heading', { name: 'Groups that may be the same' }).waitFor();
    assert.ok(await page.getByText('The Friends of Elm Park', { exact: true }).isVisible());
    await check(page, 'candidates');
    await page.getByRole('button', { name: /Confirm they are the same group/ }).click();
    await page.getByText('The groups are confirmed as one').first().waitFor();
    assert.ok(await page.getByText('360G-elmt-group-2 counted as 360G-elmt-group-1').isVisible());
    await check(page, 'confirmed');

    await page.goto(`${suite.baseUrl}/grants/recipients/360G-elmt-group-2`);
    assert.ok(await page.getByText('Confirmed the same group as').isVisible());
    await check(page, 'recipient');

    await page.goto(`${suite.baseUrl}/grants/elm-park-trust/groups`);
    await page.getByRole('button', { name: /Undo/ }).click();
    await page.getByText('The decision is undone').first().waitFor();
    assert.ok(await page.getByRole('button', { name: /Confirm they are the same group/ }).isVisible(), 'proposed again');
    await check(page, 'undone');
    assert.deepEqual(violations, []);
  });
});
