import type { CommonwealModule } from '../platform/module.ts';
import { scorecardsCommands } from './scorecards.cli.ts';
import { scorecardsPages } from './scorecards.pages.ts';
import { comparePages } from './scorecards.compare.pages.ts';
import { compareApi } from './scorecards.compare.api.ts';
import { peerReviewPages } from './scorecards.peer-review.pages.ts';
import { peerReviewWork } from './scorecards.peer-review.work.ts';
import { flagsCommands } from './scorecards.flags.cli.ts';
import { seedPeerReview } from './scorecards.peer-review.demo.ts';

/**
 * Scorecards: one accountable view per service, joining the public service functions of every module above it
 * (DESIGN.md); it owns no one else's data. So far: the fair-comparison statistics and the funnel tool, fair
 * comparison of a peer group, peer review and the worst-10% flags with their decisions.
 */
export const scorecardsModule: CommonwealModule = {
  name: 'scorecards',
  nav: { href: '/scorecards/funnel', text: 'Scorecards', summary: 'Compare services fairly: funnel plots with 95% and 99.8% limits, so noise is not mistaken for poor performance.' },
  apiTags: [{ name: 'scorecards', description: 'Fair comparison of peer groups, published peer reviews, and the worst-10% flags and decisions.' }],
  routes(app, ctx) {
    scorecardsPages(app, ctx);
    compareApi(app, ctx);
    comparePages(app, ctx);
    peerReviewPages(app, ctx);
  },
  work: peerReviewWork,
  commands: [...scorecardsCommands, ...flagsCommands],
  async seedDemo(ctx) {
    if (await seedPeerReview(ctx)) ctx.log.info('demo peer group and peer review loaded');
  },
};
