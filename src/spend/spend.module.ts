import type { CommonwealModule } from '../platform/module.ts';
import { spendOrganisationSection } from './spend.received.ts';
import { spendApi } from './spend.api.ts';
import { spendPages } from './spend.pages.ts';
import { spendCommands } from './spend.cli.ts';
import { seedSalaries, seedSpend } from './spend.demo.ts';

export const spendModule: CommonwealModule = {
  name: 'spend',
  nav: { href: '/spend', text: 'Spending', summary: 'Every item of council spending over £500, as seven councils published it: by month, service and supplier, downloadable.' },
  apiTags: [{ name: 'spend', description: 'Spending over £500 (Local Government Transparency Code 2015): import, explore and republish.' }],
  routes(app, ctx) {
    // What it was paid shows on the organisation's own page.
    (ctx.lookups.organisationSections ??= []).push((id) => spendOrganisationSection(ctx.db, id));
    spendApi(app, ctx);
    spendPages(app, ctx);
  },
  commands: spendCommands,
  async seedDemo(ctx) {
    const imported = await seedSpend(ctx);
    if (imported) ctx.log.info({ imported }, 'demo spending files imported');
    if (await seedSalaries(ctx)) ctx.log.info('example senior salaries published for Newcastle City Council');
  },
};
