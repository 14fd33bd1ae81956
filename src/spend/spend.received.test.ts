import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';
import { importSpendFile } from './spend.import.ts';

eachEngine('spend: payments on the supplier’s organisation page', (t) => {
  it('lists what each publisher paid the organisation, its supplier name and the dates, once the supplier is linked to it', async () => {
    const { ctx, app } = t();
    await seedOrganisations(ctx);
    const org = await createOrganisation(ctx.db, cliActor, { name: 'Jarrow Paving Ltd', legalForm: 'company-limited-by-shares', identifiers: ['GB-COH-07654329'] });
    const before = await app.inject({ method: 'GET', url: `/organisations/${org.slug}` });
    assert.doesNotMatch(before.body, /Payments in published spending/);
    const header = 'Date,Supplier Name,Supplier Company Registration Number,Net Amount\n';
    await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-STY', source: { bytes: Buffer.from(`${header}01/05/2021,JARROW PAVING LTD,7654329,1200.00\n03/06/2021,JARROW PAVING LTD,7654329,800.50\n`) } });
    const page = await app.inject({ method: 'GET', url: `/organisations/${org.slug}` });
    assert.match(page.body, /Payments in published spending \(over £500\)/);
    assert.match(page.body, /£2,000\.50 in 2 payments, 2021-05-01 to 2021-06-03/);
    assert.match(page.body, /South Tyneside/);
    assert.match(page.body, /href="\/spend\/suppliers\/jarrow-paving-ltd"/);
  });
});
