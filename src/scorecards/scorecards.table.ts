import type { Generated } from 'kysely';

/** Recomputed headline figures of a service for a financial year (migration 0038): a cache, never edited. */
export interface ScorecardServicePeriodsTable {
  organisation_id: string;
  service_id: string;
  period: string;
  stories: number;
  rated: number;
  positive: number;
  negative: number;
  answered: number;
  median_minutes: number | null;
  changes_claimed: number;
  changes_confirmed: number;
  computed_at: Generated<Date>;
}

export interface ScorecardsTables {
  scorecard_service_periods: ScorecardServicePeriodsTable;
}
