import type { CommonwealModule } from '../platform/module.ts';
import { scorecardsCommands } from './scorecards.cli.ts';
import { scorecardsPages } from './scorecards.pages.ts';

/**
 * Scorecards: one accountable view per service, joining the public service functions of every module above it
 * (DESIGN.md); it owns no one else's data. So far: the fair-comparison statistics and the funnel tool.
 */
export const scorecardsModule: CommonwealModule = {
  name: 'scorecards',
  nav: { href: '/scorecards/funnel', text: 'Scorecards', summary: 'Compare services fairly: funnel plots with 95% and 99.8% limits, so noise is not mistaken for poor performance.' },
  routes(app, ctx) {
    scorecardsPages(app, ctx);
  },
  commands: scorecardsCommands,
};
