// Recomputing the headline figures of every service for financial years (`commonweal scorecards recompute`).
// Why a cache, recomputed by a command (run it nightly from cron, or after a bulk import): the list of
// scorecards and the peer comparisons read the figures of every service at once, which from the sources would
// be one aggregate over all stories per request; a single scorecard page is cheap and is computed on read, so it
// is never stale. One process recomputes at a time: a transaction-level advisory lock holds across processes.
import type { Db } from '../platform/db.ts';
import { inTransaction } from '../platform/transaction.ts';
import { listServiceIds, serviceVoiceRecordsByPeriod } from '../voice/voice.service.ts';
import * as repo from './scorecards.repository.ts';
import type { Period } from './scorecards.periods.ts';

/** rows: the cached rows the periods have; written: how many of them were inserted, changed or deleted. */
export interface RecomputeResult { periods: string[]; services: number; rows: number; written: number; ms: number }

export async function recomputeScorecards(db: Db, periods: Period[], progress: (done: number, of: number) => void = () => {}): Promise<RecomputeResult> {
  const t0 = performance.now();
  const services = await listServiceIds(db);
  // One statement for every service and every year (the stories read once, grouped by service and year); a
  // service with no stories in a year gets a row of zeros, so the list tells "none" from "not recomputed".
  const records = new Map((await serviceVoiceRecordsByPeriod(db, periods)).map((r) => [`${r.period}/${r.serviceId}`, r]));
  const rows: repo.CachedFigures[] = [];
  for (const p of periods) {
    for (const s of services) {
      const r = records.get(`${p.name}/${s.id}`);
      rows.push(r ? {
        organisation_id: s.organisationId, service_id: s.id, period: p.name, stories: r.stories, rated: r.rated,
        positive: r.ratings['very-good'] + r.ratings.good, negative: r.ratings.poor + r.ratings['very-poor'], answered: r.answered,
        median_minutes: r.medianMinutesToFirstResponse, changes_claimed: r.changesClaimed, changes_confirmed: r.changesConfirmed,
      } : {
        organisation_id: s.organisationId, service_id: s.id, period: p.name, stories: 0, rated: 0, positive: 0, negative: 0, answered: 0,
        median_minutes: null, changes_claimed: 0, changes_confirmed: 0,
      });
    }
  }
  progress(periods.length, periods.length);
  const written = await inTransaction(db, async (trx) => {
    await repo.lockRecompute(trx, 'figures');
    return repo.replacePeriods(trx, periods.map((p) => p.name), rows);
  });
  return { periods: periods.map((p) => p.name), services: services.length, rows: rows.length, written, ms: Math.round(performance.now() - t0) };
}
