// Demo data for scorecards: the headline figures of the demo services, recomputed from the demo stories, so the
// list of scorecards has figures at `npm start`. The scorecard pages themselves are computed on read.
import type { AppContext } from '../platform/module.ts';
import { recentPeriods } from './scorecards.periods.ts';
import { recomputeScorecards } from './scorecards.recompute.ts';
import { flagYears, recomputeFlags } from './scorecards.flags.ts';

export async function seedScorecards(ctx: AppContext): Promise<void> {
  const r = await recomputeScorecards(ctx.db, recentPeriods());
  const f = await recomputeFlags(ctx.db, flagYears(null));
  ctx.log.info({ services: r.services, rows: r.rows, ms: r.ms, flags: f.flags, flagsMs: f.ms }, 'scorecards recomputed');
}
