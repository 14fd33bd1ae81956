// Browser journeys for grant programmes: an applicant finds an open programme and applies (save and return,
// check your answers, send), the funder screens it, one assessor declares a conflict and another scores it, and
// the panel chair decides; the public then sees the award. Every page is checked with axe.
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launch, startServer, Journey } from './browser.ts';
import type { AppContext } from '../src/platform/module.ts';
import { programmeWorld, type ProgrammeWorld } from '../src/grants/grants.programmes.test-support.ts';

const enabled = browserAvailable();
const password = 'a long enough password';

describe('grant programmes in a browser', { skip: enabled ? false : 'Chromium not found (set REQUIRE_BROWSER=1 to fail instead)' }, () => {
  let ctx: AppContext;
  let baseUrl: string;
  let browser: Browser;
  let w: ProgrammeWorld;
  const journey = new Journey(() => browser, () => baseUrl, 'grants-programmes-');
  const { violations } = journey;
  const check = (page: Page, name?: string) => journey.check(page, name);
  const signIn = async (email: string) => journey.signIn(await journey.newPage(), email, password);

  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  before(async () => {
    server = await startServer(async (c) => { w = await programmeWorld(c, { fileQuestions: true }); });
    ({ ctx, baseUrl } = server);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an applicant applies, an assessor scores (another is conflicted), the panel chair awards', { timeout: 240_000 }, async () => {
    void ctx;
    // The applicant.
    const applicant = await signIn(w.applicant.email);
    await applicant.goto(`${baseUrl}/grants/programmes?open=yes`);
    await check(applicant, 'list');
    await applicant.getByRole('link', { name: w.programme.title }).click();
    await check(applicant, 'programme');
    await applicant.getByRole('button', { name: 'Apply' }).click();
    await check(applicant, 'start');
    await applicant.getByLabel(w.charity.name).check();
    await applicant.getByRole('button', { name: 'Start the application' }).click();
    await applicant.waitForURL(/\/grants\/applications\/[0-9a-f-]+$/);
    await applicant.getByLabel('Project title').fill('Friday lunches');
    await applicant.getByLabel('How much you ask for').fill('99999');
    await applicant.getByRole('button', { name: 'Save and come back later' }).click();
    assert.match(await applicant.title(), /^Error: /);
    await check(applicant, 'application-errors');
    await applicant.getByLabel('How much you ask for').fill('3000');
    await applicant.getByLabel('Postcode where the work happens').fill('NE1 1AA');
    await applicant.getByLabel('What will you do?').fill('A hot lunch every Friday for 40 older neighbours.');
    await applicant.getByRole('group', { name: 'Is this a new activity?' }).getByLabel('Yes').check();
    await applicant.getByLabel('Item 1', { exact: true }).fill('Food');
    await applicant.getByLabel('Cost of item 1').fill('2000');
    await applicant.getByRole('button', { name: 'Save and come back later' }).click();
    await applicant.waitForURL(/notice=saved/);
    await check(applicant, 'application-saved');
    // The accounts: a file of a kind not taken is refused on its own page, naming the question; a PDF is kept.
    await applicant.getByRole('button', { name: 'Save and upload a file for Your latest accounts' }).click();
    await applicant.waitForURL(/\/files\/[\w-]+$/);
    await check(applicant, 'file');
    const fileInput = applicant.locator('input[type="file"]');
    await fileInput.setInputFiles({ name: 'accounts.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]) });
    await applicant.getByRole('button', { name: 'Upload the file' }).click();
    assert.match(await applicant.title(), /^Error: /);
    assert.ok(await applicant.getByText(/Your latest accounts: it is a program/).first().isVisible());
    await check(applicant, 'file-errors');
    await fileInput.setInputFiles({ name: 'Accounts 2025.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n') });
    await applicant.getByRole('button', { name: 'Upload the file' }).click();
    await applicant.waitForURL(/notice=file-uploaded/);
    assert.ok(await applicant.getByRole('link', { name: 'Accounts 2025.pdf' }).isVisible());
    await check(applicant, 'application-file');
    await applicant.getByRole('button', { name: 'Save and continue to check your answers' }).click();
    await applicant.waitForURL(/\/check$/);
    assert.ok(await applicant.getByText('£3,000').first().isVisible());
    assert.ok(await applicant.getByText(/Accounts 2025\.pdf \(\d+ bytes\)/).isVisible(), 'the file is listed, with its size');
    await check(applicant, 'check');
    await applicant.getByRole('button', { name: 'Accept and send' }).click();
    assert.ok(await applicant.getByRole('heading', { name: 'Application sent' }).isVisible());
    await check(applicant, 'sent');
    const appUrl = applicant.url().replace(/\/submit$/, '');

    // The funder screens it.
    const staff = await signIn(w.staff.email);
    await staff.goto(`${baseUrl}/inbox`);
    await staff.getByRole('link', { name: /Screen “Friday lunches”/ }).click();
    await check(staff, 'screen');
    await staff.getByLabel('Eligible: send it to the assessors').check();
    await staff.getByRole('button', { name: 'Record the screening' }).click();
    await staff.waitForURL(/\/manage$/);
    await check(staff, 'manage');

    // A conflicted assessor.
    const conflicted = await signIn(w.assessorA.email);
    await conflicted.goto(`${appUrl}/assess`);
    await check(conflicted, 'assess');
    await conflicted.getByLabel('If you have a conflict of interest, say what it is').fill('I volunteer at the lunch club');
    await conflicted.getByRole('button', { name: 'Declare a conflict of interest' }).click();
    await conflicted.goto(`${appUrl}/assess`);
    assert.ok(await conflicted.getByText('You cannot score it').isVisible());
    await check(conflicted, 'assess-conflicted');

    // The assessor who scores.
    const assessor = await signIn(w.assessorB.email);
    await assessor.goto(`${baseUrl}/inbox`);
    await assessor.getByRole('link', { name: /Assess “Friday lunches”/ }).click();
    assert.ok(await assessor.getByRole('link', { name: 'Accounts 2025.pdf' }).isVisible(), 'the assessor can open the accounts');
    await assessor.getByRole('group', { name: /Need in the area/ }).getByLabel('4').check();
    await assessor.getByRole('button', { name: 'Send my assessment' }).click();
    assert.match(await assessor.title(), /^Error: /);
    await check(assessor, 'assess-errors');
    await assessor.getByRole('group', { name: /A clear plan/ }).getByLabel('3').check();
    await assessor.getByLabel('Yes, fund it').check();
    await assessor.getByRole('button', { name: 'Send my assessment' }).click();
    await assessor.waitForURL(/\/inbox$/);

    // The panel chair decides.
    const chair = await signIn(w.chair.email);
    await chair.goto(`${baseUrl}/inbox`);
    await chair.getByRole('link', { name: /Decide “Friday lunches”/ }).click();
    assert.ok(await chair.getByText(/conflict of interest declared/).isVisible());
    await check(chair, 'decide');
    await chair.getByLabel('Award a grant').check();
    await chair.getByLabel('Amount awarded').fill('2500');
    await chair.getByLabel('The panel’s reasons (published with the decision)').fill('Strong need in Byker');
    await chair.getByLabel('Feedback for the applicant (emailed to them)').fill('Count who comes');
    await chair.getByRole('button', { name: 'Record the decision' }).click();
    await chair.waitForURL(/\/grants\/awards\//);
    assert.ok(await chair.getByRole('heading', { name: /£2,500\.00 to / }).isVisible());
    await check(chair, 'award');

    // The public sees the award and its reasons, not the application.
    const visitor = await journey.newPage();
    await visitor.goto(`${baseUrl}/grants/programmes/${w.programme.id}`);
    assert.ok(await visitor.getByText('Strong need in Byker').isVisible());
    await check(visitor, 'programme-decided');
    const privateView = await visitor.goto(appUrl);
    assert.ok(privateView && (privateView.url().includes('/sign-in') || privateView.status() === 404));
    assert.deepEqual(violations, []);
  });

  it('the funder’s staff check a new programme before opening it, changing one answer on the way', { timeout: 120_000 }, async () => {
    const staff = await signIn(w.staff.email);
    await staff.goto(`${baseUrl}/grants/programmes/new`);
    await check(staff, 'programme-new');
    const d = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    await staff.getByLabel('Name of the programme').fill('Autumn round');
    await staff.getByLabel('What it is for').fill('Small grants for groups that meet in the autumn.');
    await staff.getByLabel('Registered charities (including CIOs)').check();
    await staff.getByLabel('Smallest grant').fill('500');
    await staff.getByLabel('Largest grant').fill('1000');
    await staff.getByLabel('Budget').fill('5000');
    for (const [legend, day] of [['Opens on', d(0)], ['Closes on (the last day applications are taken)', d(30)]] as const) {
      const group = staff.getByRole('group', { name: legend });
      await group.getByLabel('Day').fill(day.slice(8, 10));
      await group.getByLabel('Month').fill(day.slice(5, 7));
      await group.getByLabel('Year').fill(day.slice(0, 4));
    }
    await staff.getByLabel('Questions (optional)').fill('text: What will you do?\nfile: Your latest accounts');
    await staff.getByLabel('Assessment criteria').fill('3: Need in the area');
    await staff.getByRole('button', { name: 'Continue to check the programme' }).click();
    await staff.getByRole('heading', { name: 'Check the programme before you open it' }).waitFor();
    assert.ok(await staff.getByText('File: Your latest accounts').isVisible());
    await check(staff, 'programme-check');
    await staff.getByRole('button', { name: 'Change name of the programme' }).click();
    await staff.getByRole('heading', { name: 'Open a grant programme' }).waitFor();
    await staff.getByLabel('Name of the programme').fill('Autumn round 2026');
    await staff.getByRole('button', { name: 'Continue to check the programme' }).click();
    await staff.getByRole('heading', { name: 'Check the programme before you open it' }).waitFor();
    assert.ok(await staff.getByText('Autumn round 2026').isVisible());
    await staff.getByRole('button', { name: 'Open the programme' }).click();
    await staff.waitForURL(/\/manage\?notice=opened/);
    await check(staff, 'programme-opened');
    assert.deepEqual(violations, []);
  });

  it('a person saves alerts, sees and deletes one, and stops another from its email link without signing in', { timeout: 120_000 }, async () => {
    const seeker = await signIn(w.outsider.email);
    for (const words of ['lunch', 'allotment']) {
      await seeker.goto(`${baseUrl}/grants/programmes?q=${words}`);
      await seeker.getByRole('button', { name: 'Save this search as an alert' }).click();
      await seeker.waitForURL(/\/grants\/programmes\/alerts\?notice=saved/);
    }
    assert.ok(await seeker.getByText('“lunch” anywhere').isVisible());
    await check(seeker, 'alerts');
    await seeker.getByRole('button', { name: 'Delete the alert “allotment” anywhere' }).click();
    await seeker.waitForURL(/notice=deleted/);
    assert.equal(await seeker.getByText('“allotment” anywhere').count(), 0);
    await check(seeker, 'alerts-deleted');
    // The link in an alert email, opened in a browser that is not signed in.
    const { unsubscribe_token: token } = await ctx.db.selectFrom('grants_programme_alerts').select('unsubscribe_token').where('user_id', '=', w.outsider.user.id).executeTakeFirstOrThrow();
    const visitor = await journey.newPage();
    await visitor.goto(`${baseUrl}/grants/programmes/alerts/unsubscribe?token=${token}`);
    await check(visitor, 'unsubscribe');
    await visitor.getByRole('button', { name: 'Unsubscribe from this alert' }).click();
    assert.ok(await visitor.getByRole('heading', { name: 'You are unsubscribed' }).isVisible());
    await check(visitor, 'unsubscribed');
    await seeker.goto(`${baseUrl}/grants/programmes/alerts`);
    assert.ok(await seeker.getByText('You have no alerts.').isVisible());
    assert.deepEqual(violations, []);
  });
});
