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

/**
 * Makes the stored rows of these periods equal to `rows`, writing only what differs (one statement): a row whose
 * figures are unchanged is left alone (`IS DISTINCT FROM`), a new one inserted, a changed one updated (its
 * computed_at then says when it last changed), and a stored row of these periods absent from `rows` (a service
 * gone, or moved to another organisation) deleted. Each period's time of recompute goes to
 * scorecard_figure_years (0051). Returns how many rows were written or deleted.
 */
export async function replacePeriods(db: Db, periods: string[], rows: CachedFigures[]): Promise<number> {
  if (periods.length === 0) return 0;
  const col = <K extends keyof CachedFigures>(k: K) => rows.map((r) => r[k]);
  const r = await sql<{ written: string; deleted: string }>`
    WITH n AS (
      SELECT * FROM unnest(${col('organisation_id')}::uuid[], ${col('service_id')}::uuid[], ${col('period')}::text[], ${col('stories')}::int[], ${col('rated')}::int[],
        ${col('positive')}::int[], ${col('negative')}::int[], ${col('answered')}::int[], ${col('median_minutes')}::int[], ${col('changes_claimed')}::int[], ${col('changes_confirmed')}::int[])
        AS n(organisation_id, service_id, period, stories, rated, positive, negative, answered, median_minutes, changes_claimed, changes_confirmed)),
    up AS (
      INSERT INTO scorecard_service_periods AS t (organisation_id, service_id, period, stories, rated, positive, negative, answered, median_minutes, changes_claimed, changes_confirmed)
      SELECT * FROM n
      ON CONFLICT (organisation_id, service_id, period) DO UPDATE SET
        stories = excluded.stories, rated = excluded.rated, positive = excluded.positive, negative = excluded.negative,
        answered = excluded.answered, median_minutes = excluded.median_minutes, changes_claimed = excluded.changes_claimed,
        changes_confirmed = excluded.changes_confirmed, computed_at = now()
      WHERE (t.stories, t.rated, t.positive, t.negative, t.answered, t.median_minutes, t.changes_claimed, t.changes_confirmed)
            IS DISTINCT FROM (excluded.stories, excluded.rated, excluded.positive, excluded.negative, excluded.answered, excluded.median_minutes, excluded.changes_claimed, excluded.changes_confirmed)
      RETURNING 1),
    gone AS (
      DELETE FROM scorecard_service_periods t
       WHERE t.period IN (${sql.join(periods)})
         AND NOT EXISTS (SELECT 1 FROM n WHERE n.organisation_id = t.organisation_id AND n.service_id = t.service_id AND n.period = t.period)
      RETURNING 1)
    SELECT (SELECT count(*) FROM up) AS written, (SELECT count(*) FROM gone) AS deleted
  `.execute(db);
  await sql`
    INSERT INTO scorecard_figure_years (period) SELECT unnest(${periods}::text[])
    ON CONFLICT (period) DO UPDATE SET computed_at = now()
  `.execute(db);
  return Number(r.rows[0]!.written) + Number(r.rows[0]!.deleted);
}

export async function cachedFigures(db: Db, period: string, serviceIds: string[]): Promise<CachedFigures[]> {
  if (serviceIds.length === 0) return [];
  return db.selectFrom('scorecard_service_periods').select(['organisation_id', 'service_id', 'period', 'stories', 'rated', 'positive', 'negative', 'answered', 'median_minutes', 'changes_claimed', 'changes_confirmed'])
    .where('period', '=', period).where('service_id', 'in', serviceIds).execute();
}

/** When a year's figures were last recomputed (scorecard_figure_years, 0051), whether or not any changed. */
export async function lastComputed(db: Db, period: string): Promise<Date | null> {
  return (await db.selectFrom('scorecard_figure_years').select('computed_at').where('period', '=', period).executeTakeFirst())?.computed_at ?? null;
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
