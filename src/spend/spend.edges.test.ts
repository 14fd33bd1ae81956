// Round one's rough edges on the spending pages (issue 16): no year-mixing headline, a supplier search on
// /spend, names not slugs in the supplier filter, unnamed lines not labelled as one redacted payee, and one
// error summary a page.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { importSpendFile } from './spend.import.ts';
import { publisherSummary } from './spend.service.ts';

const NBL = 'Date,Supplier Name,Department,Expense Type,Net Amount\n' +
  '04/01/2021,ACME LIMITED,Place,Repairs,1000.00\n' +
  '05/01/2021,Redacted Personal Data,Adults,Care,700.00\n' +
  '06/01/2021,,Adults,Care,600.00\n' +
  '07/01/2021,,Children,Grant,550.00\n';
const NTY = 'Date,Supplier Name,Department,Expense Type,Net Amount\n' +
  '10/02/2025,Acme Ltd,Place,Repairs,2500.00\n' +
  '11/02/2025,Tyne Builders Ltd,Place,Works,900.00\n';

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

eachEngine('spend rough edges', (t) => {
  async function seed() {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NBL', source: { bytes: Buffer.from(NBL) }, period: null });
    await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NTY', source: { bytes: Buffer.from(NTY) }, period: null });
    return { app, ctx };
  }

  it('/spend gives each year its own total, never one figure adding 2021 to 2025', async () => {
    const { app } = await seed();
    const page = await app.inject({ method: 'GET', url: '/spend' });
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /in all/);
    assert.doesNotMatch(page.body, /£6,250\.00/, 'the sum of both years appears nowhere');
    assert.match(page.body, /Net spending by year, all publishers/);
    assert.match(page.body, /2021<\/th>\s*<td class="govuk-table__cell govuk-table__cell--numeric">4<\/td>\s*<td class="govuk-table__cell govuk-table__cell--numeric">£2,850\.00/);
    assert.match(page.body, /2025<\/th>\s*<td class="govuk-table__cell govuk-table__cell--numeric">2<\/td>\s*<td class="govuk-table__cell govuk-table__cell--numeric">£3,400\.00/);
  });

  it('/spend finds a supplier by name across publishers, says when none matches, and refuses an over-long search', async () => {
    const { app } = await seed();
    const found = await app.inject({ method: 'GET', url: '/spend?supplier=acme+ltd' });
    assert.equal(found.statusCode, 200);
    assert.match(found.body, /Suppliers matching “acme ltd”/);
    assert.match(found.body, /<a class="govuk-link" href="\/spend\/suppliers\/acme-ltd">ACME LIMITED<\/a>/, 'Acme Ltd and ACME LIMITED are one supplier');
    const none = await app.inject({ method: 'GET', url: '/spend?supplier=Nobody+Whatsoever' });
    assert.match(none.body, /No supplier paid by any publisher has a name like “Nobody Whatsoever”/);
    const redacted = await app.inject({ method: 'GET', url: '/spend?supplier=redacted' });
    assert.doesNotMatch(redacted.body, /href="\/spend\/suppliers\/redacted/, 'a redacted payee is never listed');
    const long = await app.inject({ method: 'GET', url: `/spend?supplier=${'x'.repeat(101)}` });
    assert.equal(long.statusCode, 400);
    assert.match(long.body, /href="#supplier"/);
    assert.equal(count(long.body, /<div class="govuk-error-summary"/g), 1, 'one error summary');
    assert.match(long.body, /<title>Error: /);
  });

  it('the lines filtered by supplier name the supplier, not its slug', async () => {
    const { app } = await seed();
    const page = await app.inject({ method: 'GET', url: '/spend/northumberland-county-council/lines?supplier=acme-ltd' });
    assert.equal(page.statusCode, 200, page.body.slice(0, 300));
    assert.match(page.body, /supplier “ACME LIMITED”/);
    assert.doesNotMatch(page.body, /supplier “acme-ltd”/);
  });

  it('lines with no supplier are not counted under a redacted payee’s name', async () => {
    const { app, ctx } = await seed();
    const s = await publisherSummary(ctx.db, 'GB-LAE-NBL', {});
    const unnamed = s.bySupplier.find((r) => r.key === null);
    assert.equal(unnamed?.label, 'Redacted or not named');
    assert.equal(unnamed?.lines, 3);
    assert.ok(!s.bySupplier.some((r) => r.label === 'Redacted Personal Data'));
    const page = await app.inject({ method: 'GET', url: '/spend/northumberland-county-council/by/supplier' });
    assert.doesNotMatch(page.body, /Redacted Personal Data/);
  });

  it('a filter error on a spend page shows one error summary', async () => {
    const { app } = await seed();
    for (const url of ['/spend/northumberland-county-council?min=abc', '/spend/northumberland-county-council/lines?min=abc', '/spend/northumberland-county-council/by/department?min=abc']) {
      const page = await app.inject({ method: 'GET', url });
      assert.equal(page.statusCode, 400, url);
      assert.equal(count(page.body, /<div class="govuk-error-summary"/g), 1, url);
    }
  });
});
