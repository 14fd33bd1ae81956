import type { CommonwealModule } from '../platform/module.ts';
import { scorecardsCommands } from './scorecards.cli.ts';
import { scorecardsPages } from './scorecards.pages.ts';
import { scorecardPages } from './scorecards.card.pages.ts';
import { scorecardsApi } from './scorecards.api.ts';
import { seedScorecards } from './scorecards.demo.ts';

/**
 * Scorecards: one accountable view per service, joining the public service functions of every module above it
 * (DESIGN.md); it owns no one else's data. The scorecard of each service and provider, and the funnel tool.
 */
export const scorecardsModule: CommonwealModule = {
  name: 'scorecards',
  nav: { href: '/scorecards', text: 'Scorecards', summary: 'One scorecard per service and provider: what users say, money, outcomes, who it reaches and governance; and fair comparison with funnel plots.' },
  apiTags: [{ name: 'scorecards', description: 'The scorecard of a service or provider organisation for a financial year.' }],
  routes(app, ctx) {
    // Every organisation's page links to its scorecard.
    (ctx.lookups.organisationSections ??= []).push(async (id) => ({
      heading: 'Scorecard', rows: [{ key: 'As a provider', value: 'What its users say, the money it receives, its outcomes and KPIs, who it reaches and its governance, by financial year' }],
      link: { href: `/scorecards/organisations/${id}`, text: 'Scorecard' },
    }));
    scorecardsApi(app, ctx);
    scorecardPages(app, ctx);
    scorecardsPages(app, ctx);
  },
  commands: scorecardsCommands,
  seedDemo: seedScorecards,
};
