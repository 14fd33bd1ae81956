// The modules of Commonweal, in dependency order (see DESIGN.md). The app, the CLI and the demo seed load
// them in this order.
import type { AppContext, CommonwealModule } from './platform/module.ts';
import { platformModule } from './platform/platform.module.ts';
import { organisationsModule } from './organisations/organisations.module.ts';
import { placesModule } from './places/places.module.ts';
import { spendModule } from './spend/spend.module.ts';
import { grantsModule } from './grants/grants.module.ts';
import { voiceModule } from './voice/voice.module.ts';
import { timebankModule } from './timebank/timebank.module.ts';
import { commissioningModule } from './commissioning/commissioning.module.ts';
import { outcomesModule } from './outcomes/outcomes.module.ts';
import { investmentModule } from './investment/investment.module.ts';
import { scorecardsModule } from './scorecards/scorecards.module.ts';
import { countOrganisations } from './organisations/organisations.service.ts';

const featureModules: CommonwealModule[] = [
  organisationsModule,
  placesModule,
  spendModule,
  grantsModule,
  voiceModule,
  timebankModule,
  commissioningModule,
  outcomesModule,
  investmentModule,
  scorecardsModule,
];

export function allModules(ctx: AppContext): CommonwealModule[] {
  const home = {
    moduleCards: () => featureModules.filter((m) => m.nav && m.name !== 'organisations').map((m) => m.nav!),
    counts: async () => ({ organisations: await countOrganisations(ctx.db) }),
  };
  return [platformModule(home), ...featureModules];
}
