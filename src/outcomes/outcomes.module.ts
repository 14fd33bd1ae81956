import type { CommonwealModule } from '../platform/module.ts';
import { outcomesOrganisationSection } from './outcomes.received.ts';
import { outcomesApi } from './outcomes.api.ts';
import { outcomesPages } from './outcomes.pages.ts';
import { outcomesCommands } from './outcomes.cli.ts';
import { seedOutcomes } from './outcomes.demo.ts';
import { outcomesWork } from './outcomes.work.ts';

export const outcomesModule: CommonwealModule = {
  name: 'outcomes',
  nav: { href: '/outcomes', text: 'Outcomes', summary: 'Outcomes agreed with citizens, outcomes contracts priced and paid on evidence, and social investment.' },
  apiTags: [{ name: 'outcomes', description: 'Outcomes agreed with citizens, outcomes contracts priced and paid on evidence, and social investment.' }],
  routes(app, ctx) {
    // What it was paid shows on the organisation's own page.
    (ctx.lookups.organisationSections ??= []).push((id) => outcomesOrganisationSection(ctx.db, id));
    outcomesApi(app, ctx);
    outcomesPages(app, ctx);
  },
  work: outcomesWork,
  commands: outcomesCommands,
  async seedDemo(ctx) {
    if (await seedOutcomes(ctx)) ctx.log.info('demo outcomes contract and agreement loaded (an invented example)');
  },
};
