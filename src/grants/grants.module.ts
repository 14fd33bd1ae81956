import type { CommonwealModule } from '../platform/module.ts';
import { grantsApi } from './grants.api.ts';
import { grantsPages } from './grants.pages.ts';
import { grantsCommands } from './grants.cli.ts';
import { seedGrants } from './grants.demo.ts';
import { grantsExploreApi } from './grants.explore.api.ts';
import { grantsExplorePages } from './grants.explore.pages.ts';
import { grantsExportCommands } from './grants.export.cli.ts';
import { grantsOrganisationSection } from './grants.received.ts';
import { chainsPages } from './grants.chains.pages.ts';
import { chainsApi } from './grants.chains.api.ts';
import { chainsCommands } from './grants.chains.cli.ts';
import { grantsProgrammesPages } from './grants.programmes.pages.ts';
import { grantsProgrammesApi } from './grants.programmes.api.ts';
import { programmesCommands } from './grants.programmes.cli.ts';
import { programmesWork } from './grants.programmes.work.ts';
import { seedProgrammes } from './grants.programmes.demo.ts';
import { sendReportReminders } from './grants.reminders.ts';
import { grantsGroupsPages } from './grants.groups.pages.ts';
import { groupsWork } from './grants.groups.ts';

export const grantsModule: CommonwealModule = {
  name: 'grants',
  nav: { href: '/grants', text: 'Grants', summary: 'Grants as funders publish them in 360Giving: who gave what to whom, where, checked like the Data Quality Tool.' },
  apiTags: [{ name: 'grants', description: 'Grants (360Giving 1.4.3): import as drafts, check, publish, and read.' }],
  routes(app, ctx) {
    // Programmes first: their static paths (/grants/programmes, /grants/applications, /grants/awards) beside the publishers' /grants/:publisher.
    grantsProgrammesApi(app, ctx);
    grantsProgrammesPages(app, ctx);
    grantsApi(app, ctx);
    grantsExploreApi(app, ctx);
    grantsExplorePages(app, ctx);
    grantsGroupsPages(app, ctx);
    grantsPages(app, ctx);
    (ctx.lookups.organisationSections ??= []).push((id) => grantsOrganisationSection(ctx.db, id));
    chainsApi(app, ctx);
    chainsPages(app, ctx);
  },
  commands: [...grantsCommands, ...grantsExportCommands, ...chainsCommands, ...programmesCommands],
  work: [...programmesWork, ...groupsWork],
  periodic: [{
    name: 'report-reminders', everyMs: 3600_000,
    async run(ctx) {
      const done = await sendReportReminders(ctx);
      if (done.reminders) ctx.log.info(done, 'grant report reminders sent');
    },
  }],
  async seedDemo(ctx) {
    const imported = await seedGrants(ctx);
    if (imported) ctx.log.info({ imported }, 'demo grants files published');
    if (await seedProgrammes(ctx)) ctx.log.info('demo grant programme loaded');
  },
};
