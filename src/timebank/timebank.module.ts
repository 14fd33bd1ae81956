import type { CommonwealModule } from '../platform/module.ts';
import { timebankApi } from './timebank.api.ts';
import { timebankCommands } from './timebank.cli.ts';
import { timebankPages } from './timebank.pages.ts';
import { timebankCommunityPages } from './timebank.community.pages.ts';
import { seedTimebank } from './timebank.demo.ts';
import { timebankWork } from './timebank.work.ts';
import { timebankSettingsPages } from './timebank.settings.pages.ts';

export const timebankModule: CommonwealModule = {
  name: 'timebank',
  nav: { href: '/timebank', text: 'Time credits', summary: 'Time banks where an hour given is an hour earned, on a ledger that never loses a minute.' },
  apiTags: [{ name: 'timebank', description: 'Time banks and time credits: accounts in integer minutes on a double-entry ledger that never loses a minute.' }],
  routes(app, ctx) {
    timebankApi(app, ctx);
    timebankPages(app, ctx);
    timebankCommunityPages(app, ctx);
    timebankSettingsPages(app, ctx);
  },
  work: timebankWork,
  commands: timebankCommands,
  async seedDemo(ctx) {
    if (await seedTimebank(ctx)) ctx.log.info('demo time bank loaded');
  },
};
