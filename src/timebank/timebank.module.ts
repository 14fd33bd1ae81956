import type { CommonwealModule } from '../platform/module.ts';
import { timebankApi } from './timebank.api.ts';
import { timebankCommands } from './timebank.cli.ts';

export const timebankModule: CommonwealModule = {
  name: 'timebank',
  apiTags: [{ name: 'timebank', description: 'Time banks and time credits: accounts in integer minutes on a double-entry ledger that never loses a minute.' }],
  routes(app, ctx) {
    timebankApi(app, ctx);
  },
  commands: timebankCommands,
};
