import type { CommonwealModule } from '../platform/module.ts';
import { scorecardsCommands } from './scorecards.cli.ts';
import { scorecardsPages } from './scorecards.pages.ts';
import { comparePages } from './scorecards.compare.pages.ts';
import { compareApi } from './scorecards.compare.api.ts';
import { peerReviewPages } from './scorecards.peer-review.pages.ts';
import { peerReviewWork } from './scorecards.peer-review.work.ts';
import { peerReviewerRequestPages } from './scorecards.peer-reviewer-requests.pages.ts';
import { scopesOfOrganisation } from './scorecards.peer-reviewer-requests.ts';
import { flagsCommands } from './scorecards.flags.cli.ts';
import { seedPeerReview } from './scorecards.peer-review.demo.ts';
import { scorecardPages } from './scorecards.card.pages.ts';
import { scorecardsApi } from './scorecards.api.ts';
import { seedScorecards } from './scorecards.demo.ts';
import './scorecards.peer-sections.ts'; // adds the peer-review and decision sections to every scorecard

/**
 * Scorecards: one accountable view per service, joining the public service functions of every module above it
 * (DESIGN.md); it owns no one else's data. The scorecard of each service and provider, the funnel tool, fair
 * comparison of a peer group, peer review and the worst-10% flags with their decisions.
 */
export const scorecardsModule: CommonwealModule = {
  name: 'scorecards',
  nav: { href: '/scorecards', text: 'Scorecards', summary: 'One scorecard per service and provider: what users say, money, outcomes, who it reaches and governance; fair comparison with funnel plots, peer review, and the worst 10% decided on evidence.' },
  apiTags: [{ name: 'scorecards', description: 'The scorecard of a service or provider organisation for a financial year; fair comparison of peer groups, published peer reviews, and the worst-10% flags and decisions.' }],
  routes(app, ctx) {
    // Every organisation's page links to its scorecard.
    (ctx.lookups.organisationSections ??= []).push(async (id) => ({
      heading: 'Scorecard', rows: [{ key: 'As a provider', value: 'What its users say, the money it receives, its outcomes and KPIs, who it reaches and its governance, by financial year' }],
      link: { href: `/scorecards/organisations/${id}`, text: 'Scorecard' },
    }));
    // … and says which kinds of service it peer-reviews, with the way to ask for more.
    ctx.lookups.organisationSections.push(async (id) => {
      const kinds = await scopesOfOrganisation(ctx.db, id);
      return {
        heading: 'Peer review',
        rows: [{ key: 'Registered to review', value: kinds.length ? kinds.join(', ') : 'No kind of service yet' }],
        link: { href: `/scorecards/peer-reviewers/request?organisation=${id}`, text: 'Ask to register it as a peer reviewer (its administrators)' },
      };
    });
    scorecardsApi(app, ctx);
    scorecardPages(app, ctx);
    scorecardsPages(app, ctx);
    compareApi(app, ctx);
    comparePages(app, ctx);
    peerReviewPages(app, ctx);
    peerReviewerRequestPages(app, ctx);
  },
  work: peerReviewWork,
  commands: [...scorecardsCommands, ...flagsCommands],
  async seedDemo(ctx) {
    if (await seedPeerReview(ctx)) ctx.log.info('demo peer group and peer review loaded');
    // After the peer review's demo, so the recomputed figures include everything seeded.
    await seedScorecards(ctx);
  },
};
