// The only place with scorecards SQL: the recomputed headline figures of every service for every financial year
// (scorecard_service_periods, migration 0038). A cache of what the other modules' public functions return.
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import type { Insertable, Selectable } from 'kysely';
import type { ScorecardFlagsTable } from './scorecards.table.ts';

/** Holds the recompute's lock until the transaction ends, so two recomputes (of figures, or of flags) run one after the other. */
export async function lockRecompute(trx: Db, what: 'figures' | 'flags'): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${what === 'figures' ? 'scorecards.recompute' : 'scorecards.recompute-flags'}))`.execute(trx);
}

export interface CachedFigures {
  organisation_id: string; service_id: string; period: string;
  stories: number; rated: number; positive: number; negative: number; answered: number; median_minutes: number | null;
  changes_claimed: number; changes_confirmed: number;
}

/** Replaces every row of these periods in one statement per 5,000 rows (arrays unnested: one round trip each). */
export async function replacePeriods(db: Db, periods: string[], rows: CachedFigures[]): Promise<void> {
  await db.deleteFrom('scorecard_service_periods').where('period', 'in', periods).execute();
  for (let i = 0; i < rows.length; i += 5000) {
    const chunk = rows.slice(i, i + 5000);
    const col = <K extends keyof CachedFigures>(k: K) => chunk.map((r) => r[k]);
    await sql`
      INSERT INTO scorecard_service_periods (organisation_id, service_id, period, stories, rated, positive, negative, answered, median_minutes, changes_claimed, changes_confirmed)
      SELECT * FROM unnest(${col('organisation_id')}::uuid[], ${col('service_id')}::uuid[], ${col('period')}::text[], ${col('stories')}::int[], ${col('rated')}::int[],
        ${col('positive')}::int[], ${col('negative')}::int[], ${col('answered')}::int[], ${col('median_minutes')}::int[], ${col('changes_claimed')}::int[], ${col('changes_confirmed')}::int[])
    `.execute(db);
  }
}

export async function cachedFigures(db: Db, period: string, serviceIds: string[]): Promise<CachedFigures[]> {
  if (serviceIds.length === 0) return [];
  return db.selectFrom('scorecard_service_periods').select(['organisation_id', 'service_id', 'period', 'stories', 'rated', 'positive', 'negative', 'answered', 'median_minutes', 'changes_claimed', 'changes_confirmed'])
    .where('period', '=', period).where('service_id', 'in', serviceIds).execute();
}

export async function lastComputed(db: Db, period: string): Promise<Date | null> {
  const r = await db.selectFrom('scorecard_service_periods').select((e) => e.fn.max('computed_at').as('at')).where('period', '=', period).executeTakeFirst();
  return (r?.at as Date | null) ?? null;
}

export type FlagRow = Selectable<ScorecardFlagsTable>;

/** Replaces a year's flags (of every kind) and records when; the caller holds the recompute's lock. */
export async function replaceFlags(db: Db, period: string, rows: Omit<Insertable<ScorecardFlagsTable>, 'period' | 'computed_at'>[]): Promise<void> {
  await db.deleteFrom('scorecard_flags').where('period', '=', period).execute();
  for (let i = 0; i < rows.length; i += 1000) {
    await db.insertInto('scorecard_flags').values(rows.slice(i, i + 1000).map((r) => ({
      ...r, period, evidence: JSON.stringify(r.evidence), fairness: JSON.stringify(r.fairness),
    }))).execute();
  }
  await db.insertInto('scorecard_flag_years').values({ period })
    .onConflict((oc) => oc.column('period').doUpdateSet({ computed_at: sql`now()` })).execute();
}

export async function storedFlags(db: Db, q: { period: string; kind?: string | null; serviceId?: string }): Promise<FlagRow[]> {
  let query = db.selectFrom('scorecard_flags').selectAll().where('period', '=', q.period);
  if (q.kind) query = query.where('service_kind', '=', q.kind as FlagRow['service_kind']);
  if (q.serviceId) query = query.where('service_id', '=', q.serviceId);
  return query.execute();
}

export async function flagsComputedAt(db: Db, period: string): Promise<Date | null> {
  return (await db.selectFrom('scorecard_flag_years').select('computed_at').where('period', '=', period).executeTakeFirst())?.computed_at ?? null;
}
