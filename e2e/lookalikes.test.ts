// Browser journey through a site administrator's inbox: someone registers an organisation named like the
// verified Newcastle City Council; the administrator follows the inbox item to /admin/organisations, records
// the review (an empty note is refused first, with one error summary), and the item leaves the inbox. axe
// checks every page visited; screenshots go to e2e/screenshots.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { browserAvailable, browserSuite } from './browser.ts';
import { cliActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { seedOrganisations } from '../src/organisations/organisations.demo.ts';
import { createOrganisation } from '../src/organisations/organisations.service.ts';

const enabled = browserAvailable();
const password = 'a long enough password';

describe('look-alike names in a site administrator’s inbox, in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  const suite = browserSuite('lookalikes-', async (ctx) => {
    await seedOrganisations(ctx);
    await registerUser(ctx.db, cliActor, { email: 'ada.admin.e2e@example.org', name: 'Ada Admin', password, isAdmin: true });
    const impostor = await registerUser(ctx.db, cliActor, { email: 'not.the.council.e2e@example.org', name: 'Someone', password });
    await createOrganisation(ctx.db, { userId: impostor.id, tokenId: null, isAdmin: false, via: 'session' }, { name: 'Newcastle city council', legalForm: 'local-authority' });
  }, password);
  const { journey, violations, check } = suite;

  it('follows the inbox item to the review, records it, and it leaves the inbox', { timeout: 180_000 }, async () => {
    const page = await journey.newPage();
    await journey.signIn(page, 'ada.admin.e2e@example.org', password);
    await page.goto(`${suite.baseUrl}/inbox`);
    await page.getByRole('heading', { name: 'Your inbox' }).waitFor();
    assert.ok(await page.getByRole('heading', { name: 'Look-alike names to review' }).isVisible());
    await check(page, 'inbox');
    await page.getByRole('link', { name: 'Review Newcastle city council, which looks like Newcastle City Council' }).click();
    await page.getByRole('heading', { name: 'Organisations to check' }).waitFor();
    assert.match(page.url(), /#lookalike-/);
    await check(page, 'admin-organisations');
    await page.getByRole('button', { name: 'Record the review' }).click();
    await page.getByText('There is a problem').first().waitFor();
    assert.match(await page.title(), /^Error: /);
    await check(page, 'review-error');
    await page.getByLabel('What you found').fill('Posing as the council: the account is reported');
    await page.getByRole('button', { name: 'Record the review' }).click();
    await page.getByText('has left the site administrators’ inboxes').first().waitFor();
    assert.ok(await page.getByText(/Reviewed by Ada Admin, .*Posing as the council/).isVisible());
    await check(page, 'reviewed');
    await page.goto(`${suite.baseUrl}/inbox`);
    assert.equal(await page.getByRole('link', { name: /which looks like Newcastle City Council/ }).count(), 0);
    await check(page);
    assert.deepEqual(violations, []);
  });
});
