import type { CommonwealModule } from '../platform/module.ts';
import { investmentApi } from './investment.api.ts';
import { investmentCommands } from './investment.cli.ts';
import { investmentPages } from './investment.pages.ts';
import { accreditationPages } from './investment.accredit.pages.ts';
import { seedInvestment } from './investment.demo.ts';
import { investmentWork } from './investment.work.ts';

export const investmentModule: CommonwealModule = {
  name: 'investment',
  nav: { href: '/investment', text: 'Investment', summary: 'Social investment: loans, equity and grants with their schedules and outcomes, and CDFIs’ Community Investment Tax Relief ledgers with every rule checked.' },
  apiTags: [{ name: 'investment', description: 'Social investment deals (grant, loan and equity parts) and the Community Investment Tax Relief ledger of accredited CDFIs, with HMRC’s rules enforced by the database.' }],
  routes(app, ctx) {
    investmentApi(app, ctx);
    investmentPages(app, ctx);
    accreditationPages(app, ctx);
  },
  work: investmentWork,
  commands: investmentCommands,
  async seedDemo(ctx) {
    if (await seedInvestment(ctx)) ctx.log.info('demo CDFI loaded');
  },
};
