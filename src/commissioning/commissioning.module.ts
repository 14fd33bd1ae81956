import type { CommonwealModule } from '../platform/module.ts';
import { commissioningOrganisationSection } from './commissioning.received.ts';
import { commissioningApi } from './commissioning.api.ts';
import { commissioningPages } from './commissioning.pages.ts';
import { seedCommissioning } from './commissioning.demo.ts';
import { commissioningCommands } from './commissioning.cli.ts';
import { commissioningWork, sendKpiRatingReminders } from './commissioning.work.ts';

export const commissioningModule: CommonwealModule = {
  name: 'commissioning',
  nav: { href: '/commissioning', text: 'Commissioning', summary: 'Commissioning for outcomes: needs, opportunities in lots that small providers can win, bids, evaluation, awards and contracts, published as OCDS.' },
  apiTags: [{ name: 'commissioning', description: 'Commissioning for outcomes: needs, opportunities in lots that small providers can win, bids, evaluation, awards and contracts, published as OCDS.' }],
  routes(app, ctx) {
    // What it was paid shows on the organisation's own page.
    (ctx.lookups.organisationSections ??= []).push((id) => commissioningOrganisationSection(ctx.db, id));
    commissioningApi(app, ctx);
    commissioningPages(app, ctx);
  },
  work: commissioningWork,
  periodic: [{
    name: 'kpi-rating-reminders', everyMs: 3600_000,
    async run(ctx) {
      const done = await sendKpiRatingReminders(ctx);
      if (done.reminders) ctx.log.info(done, 'KPI rating reminders sent');
    },
  }],
  commands: commissioningCommands,
  async seedDemo(ctx) {
    if (await seedCommissioning(ctx)) ctx.log.info('demo commissioning example loaded');
  },
};
