// Browser journeys for peer review and the worst 10%: a peer reviewer goes from the invitation in their inbox
// to a published review (declaring no conflict, meeting the error for a missing rating, checking their answers
// and publishing); then the commissioner finds the confirmed flag in their inbox, meets the errors of an empty
// decision, and records one, which the public flags page shows. An organisation's administrator asks to be a
// peer reviewer, and a site administrator approves it from their inbox. Every page visited is checked with axe.
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launch, startServer, Journey } from './browser.ts';
import { peerWorld, seedPeerGroup, baseUrl as mailBase, type PeerWorld } from '../src/scorecards/scorecards.peer-review.test-support.ts';
import * as review from '../src/scorecards/scorecards.peer-review.ts';
import { sql } from 'kysely';
import { cliActor } from '../src/platform/actor.ts';
import { registerUser } from '../src/platform/auth/auth.service.ts';
import { addMember, createOrganisation } from '../src/organisations/organisations.service.ts';

const enabled = browserAvailable();
const password = 'a long enough password';

describe('peer review and the worst 10% in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let baseUrl: string;
  let browser: Browser;
  let w: PeerWorld;
  let reviewId = '';
  const journey = new Journey(() => browser, () => baseUrl, 'peer-review-');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);
  const year = new Date().getUTCFullYear();

  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  before(async () => {
    server = await startServer(async (c) => {
      w = await peerWorld(c, 'e2e');
      await seedPeerGroup(c.db, w, [year - 1, year]);
      // The commissioner invites the review and chooses the lead reviewer (their pages are tested elsewhere).
      const r = await review.inviteReview(c.db, w.actors.commissioner, { service: w.services.poor.id, scope: 'Why its users rate it poorly' });
      await review.addReviewer(c.db, w.actors.commissioner, r.id, { person: w.people.lead.id, lead: 'yes' }, { baseUrl: mailBase });
      reviewId = r.id;
      // An organisation's administrator who will ask to be a peer reviewer, and a site administrator.
      const applicant = await registerUser(c.db, cliActor, { email: 'applicant.e2e@example.org', name: 'Applicant e2e', password });
      const site = await registerUser(c.db, cliActor, { email: 'site-admin.e2e@example.org', name: 'Site admin e2e', password });
      await sql`UPDATE users SET is_admin = true WHERE id = ${site.id}`.execute(c.db);
      const org = await createOrganisation(c.db, cliActor, { name: 'Applicant Reviewers e2e', legalForm: 'registered-charity' });
      await addMember(c.db, cliActor, org.id, { email: applicant.email, role: 'admin' });
    });
    ({ baseUrl } = server);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a peer reviewer goes from the invitation in their inbox to a published review', { timeout: 180_000 }, async () => {
    const page = await journey.signIn(await journey.newPage(), w.people.lead.email, password);
    await page.goto(`${baseUrl}/inbox`);
    await check(page, 'inbox');
    await page.getByRole('link', { name: /Declare your conflicts for the peer review of Poor home care e2e/ }).click();
    await page.waitForURL(/\/conflicts$/);
    await check(page, 'conflicts');
    await page.getByRole('button', { name: 'Declare' }).click();
    assert.match(await page.title(), /^Error: /);
    assert.ok(await page.getByRole('link', { name: 'Select whether you have a conflict of interest' }).isVisible());
    await check(page, 'conflicts-error');
    await page.getByLabel('No', { exact: true }).check();
    await page.getByRole('button', { name: 'Declare' }).click();
    await page.waitForURL(/\/report$/);
    await check(page, 'report');
    await page.getByLabel('Evidence seen').fill('Read 300 ratings; visited twice.');
    await page.getByLabel('Findings').fill('Visits are late and carers change often.');
    await page.getByLabel('Recommendations').fill('Named carer teams; a call when a visit is late.');
    for (const [question, rating] of [['safe', 'Good'], ['effective', 'Requires improvement'], ['caring', 'Good'], ['responsive', 'Inadequate']] as const) {
      await page.getByRole('group', { name: `Is the service ${question}?` }).getByLabel(rating, { exact: true }).check();
    }
    await page.getByLabel('Does the review confirm a concern').selectOption({ label: 'Friends and Family Test: share positive (very good or good)' });
    await page.getByRole('button', { name: 'Save and check' }).click();
    await page.waitForURL(/\/report\/check$/);
    await page.getByRole('button', { name: 'Publish the review' }).click();
    // Well-led was left unrated: publishing is refused, naming it, and the answers are kept.
    assert.match(await page.title(), /^Error: /);
    assert.ok(await page.getByRole('link', { name: 'Choose a rating for “Well-led”: outstanding, good, requires improvement or inadequate' }).isVisible());
    assert.ok(await page.getByRole('group', { name: 'Is the service responsive?' }).getByLabel('Inadequate', { exact: true }).isChecked());
    await check(page, 'report-error');
    await page.getByRole('group', { name: 'Is the service well-led?' }).getByLabel('Requires improvement', { exact: true }).check();
    await page.getByRole('button', { name: 'Save and check' }).click();
    await page.waitForURL(/\/report\/check$/);
    await check(page, 'check');
    await page.getByRole('button', { name: 'Publish the review' }).click();
    await page.waitForURL(/\/scorecards\/peer-reviews\/[\w-]+\?notice=published/);
    assert.ok(await page.getByText('The review is published in full').isVisible());
    await check(page, 'published');
    // Anyone can read it.
    const reader = await journey.newPage();
    await reader.goto(`${baseUrl}/scorecards/peer-reviews`);
    await reader.getByRole('link', { name: 'Poor home care e2e' }).click();
    assert.ok(await reader.getByText('Visits are late and carers change often.').isVisible());
    await check(reader, 'public');
    assert.equal((await review.getReview(server!.ctx.db, w.actors.outsider, reviewId)).review.status, 'published');
    assert.deepEqual(violations, []);
  });

  it('a commissioner acts on a flag confirmed by the peer review', { timeout: 180_000 }, async () => {
    const page = await journey.signIn(await journey.newPage(), w.people.commissioner.email, password);
    await page.goto(`${baseUrl}/inbox`);
    await page.getByRole('link', { name: /Decide on Poor home care e2e/ }).click();
    await page.waitForURL(/\/scorecards\/flags\/decide/);
    await check(page, 'decide');
    await page.getByRole('button', { name: 'Record and publish the decision' }).click();
    assert.match(await page.title(), /^Error: /);
    assert.ok(await page.getByRole('link', { name: /Select the decision/ }).isVisible());
    assert.ok(await page.getByRole('link', { name: 'Enter the reason for the decision' }).isVisible());
    await check(page, 'decide-error');
    await page.getByLabel('Improve, with a plan').check();
    await page.getByLabel('Reason for the decision').fill('It reaches the most deprived areas; a plan agreed with its users, reviewed in six months.');
    await page.getByRole('button', { name: 'Record and publish the decision' }).click();
    await page.waitForURL(/\/scorecards\/flags\?/);
    assert.ok(await page.getByText('The decision is recorded and published below.').isVisible());
    assert.ok(await page.getByText(/Improve, with a plan/).first().isVisible());
    await check(page, 'flags');
    const compare = await journey.newPage();
    await compare.goto(`${baseUrl}/scorecards/compare`);
    await compare.getByLabel('Kind of service').selectOption({ label: 'Involvement-based services' });
    await compare.getByLabel('Figure to compare').selectOption({ label: 'Friends and Family Test: share positive (very good or good)' });
    await compare.getByRole('button', { name: 'Compare' }).click();
    assert.ok(await compare.getByRole('img', { name: /Friends and Family Test: share positive/ }).isVisible());
    await check(compare, 'compare');
    assert.deepEqual(violations, []);
  });

  it('an organisation’s administrator asks to be a peer reviewer, and a site administrator approves it from their inbox', { timeout: 180_000 }, async () => {
    const page = await journey.signIn(await journey.newPage(), 'applicant.e2e@example.org', password);
    await page.goto(`${baseUrl}/scorecards/peer-reviews`);
    await page.getByRole('link', { name: 'Ask to register your organisation as a peer reviewer' }).click();
    await page.waitForURL(/\/scorecards\/peer-reviewers\/request$/);
    await check(page, 'signup-request');
    await page.getByRole('button', { name: 'Send the request' }).click();
    assert.match(await page.title(), /^Error: /);
    assert.ok(await page.getByRole('link', { name: 'Select the kinds of service your organisation can review' }).isVisible());
    await check(page, 'signup-request-error');
    await page.getByLabel('Technical services').check();
    await page.getByLabel(/experience/).fill('We run bin collections for three districts and audit others’.');
    await page.getByRole('button', { name: 'Send the request' }).click();
    await page.waitForURL(/\/scorecards\/peer-reviewers\/requests\/[\w-]+\?notice=sent/);
    assert.ok(await page.getByText('Your request is sent to the site administrators').isVisible());
    await check(page, 'signup-sent');

    const admin = await journey.signIn(await journey.newPage(), 'site-admin.e2e@example.org', password);
    await admin.goto(`${baseUrl}/inbox`);
    await admin.getByRole('link', { name: /Approve or decline Applicant Reviewers e2e’s request to be a peer reviewer/ }).click();
    await admin.waitForURL(/\/scorecards\/peer-reviewers\/requests\/[\w-]+$/);
    await check(admin, 'signup-decide');
    await admin.getByLabel('Decline').check();
    await admin.getByRole('button', { name: 'Record the decision' }).click();
    assert.match(await admin.title(), /^Error: /);
    assert.ok(await admin.getByRole('link', { name: 'Enter a note saying why the request is declined' }).isVisible());
    await check(admin, 'signup-decide-error');
    await admin.getByLabel(/Approve/).check();
    await admin.getByRole('button', { name: 'Record the decision' }).click();
    await admin.waitForURL(/notice=approved/);
    assert.ok(await admin.getByText('The request is approved').isVisible());
    await check(admin, 'signup-approved');

    await page.goto(`${baseUrl}/scorecards/peer-reviewers`);
    assert.ok(await page.getByRole('link', { name: 'Applicant Reviewers e2e' }).isVisible());
    await check(page, 'peer-reviewers');
    await page.goto(`${baseUrl}/inbox`);
    await page.getByRole('link', { name: /Read the answer to Applicant Reviewers e2e’s request to be a peer reviewer: approved/ }).click();
    await page.waitForURL(/\/scorecards\/peer-reviewers\/requests\/[\w-]+$/);
    assert.ok(await page.getByText('Approved', { exact: true }).isVisible());
    assert.deepEqual(violations, []);
  });
});
