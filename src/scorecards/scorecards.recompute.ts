// Recomputing the headline figures of every service for financial years (`commonweal scorecards recompute`).
// Why a cache, recomputed by a command (run it nightly from cron, or after a bulk import): the list of
// scorecards and the peer comparisons read the figures of every service at once, which from the sources would
// be one aggregate over all stories per request; a single scorecard page is cheap and is computed on read, so it
// is never stale. One process recomputes at a time: a transaction-level advisory lock holds across processes.
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import { inTransaction } from '../platform/transaction.ts';
import { listServiceIds, serviceVoiceRecords } from '../voice/voice.service.ts';
import * as repo from './scorecards.repository.ts';
import type { Period } from './scorecards.periods.ts';

export interface RecomputeResult { periods: string[]; services: number; rows: number; ms: number }

export async function recomputeScorecards(db: Db, periods: Period[], progress: (done: number, of: number) => void = () => {}): Promise<RecomputeResult> {
  const t0 = performance.now();
  const services = await listServiceIds(db);
  const owner = new Map(services.map((s) => [s.id, s.organisationId]));
  let done = 0;
  // The years are independent: on PostgreSQL they run at once on the pool's connections.
  const perPeriod = await Promise.all(periods.map(async (p) => {
    const out: repo.CachedFigures[] = [];
    for (let i = 0; i < services.length; i += 10_000) {
      const records = await serviceVoiceRecords(db, { serviceIds: services.slice(i, i + 10_000).map((s) => s.id), from: p.from, to: p.to });
      for (const r of records) {
        out.push({
          organisation_id: owner.get(r.serviceId)!, service_id: r.serviceId, period: p.name, stories: r.stories, rated: r.rated,
          positive: r.ratings['very-good'] + r.ratings.good, negative: r.ratings.poor + r.ratings['very-poor'], answered: r.answered,
          median_minutes: r.medianMinutesToFirstResponse, changes_claimed: r.changesClaimed, changes_confirmed: r.changesConfirmed,
        });
      }
    }
    progress(++done, periods.length);
    return out;
  }));
  const rows = perPeriod.flat();
  await inTransaction(db, async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('scorecards.recompute'))`.execute(trx);
    await repo.replacePeriods(trx, periods.map((p) => p.name), rows);
  });
  return { periods: periods.map((p) => p.name), services: services.length, rows: rows.length, ms: Math.round(performance.now() - t0) };
}
