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

/** A statistical worst-10% flag of a service on an indicator for a calendar year (migration 0042): a cache. */
export interface ScorecardFlagsTable {
  organisation_id: string;
  service_id: string;
  period: string;
  indicator: 'fft-positive' | 'share-answered';
  service_kind: 'involvement' | 'joined-up' | 'technical' | 'framework';
  /** The figures that flagged it, the year before and this one (Flag['evidence']). */
  evidence: unknown;
  /** Responses by deprivation decile in the year (Flag['fairness']). */
  fairness: unknown;
  computed_at: Generated<Date>;
}

/** When each calendar year's flags were last computed (migration 0042). */
/** When each financial year's cached figures were last recomputed (migration 0051). */
export interface ScorecardFigureYearsTable {
  period: string;
  computed_at: Generated<Date>;
}

export interface ScorecardFlagYearsTable {
  period: string;
  computed_at: Generated<Date>;
}

export interface ScorecardsTables {
  scorecard_service_periods: ScorecardServicePeriodsTable;
  scorecard_flags: ScorecardFlagsTable;
  scorecard_flag_years: ScorecardFlagYearsTable;
  scorecard_figure_years: ScorecardFigureYearsTable;
}
