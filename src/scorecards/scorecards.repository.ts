// The only place with scorecards SQL: the recomputed headline figures of every service for every financial year
// (scorecard_service_periods, migration 0038). A cache of what the other modules' public functions return.
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';

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
