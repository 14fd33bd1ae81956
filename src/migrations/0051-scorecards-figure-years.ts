// Issue 18 (scorecards), the recompute writes only what changed: `commonweal scorecards recompute` now updates a
// row of scorecard_service_periods only where a figure differs from the one stored (so a nightly run with
// nothing new writes next to nothing), and the time of each financial year's recompute is kept apart here, as
// scorecard_flag_years (0042) does for the flags, so the list still says when its figures were computed.
// Backfilled from the latest computed_at of each year's cached rows.
export const statements = [
  `CREATE TABLE scorecard_figure_years (
     period text PRIMARY KEY,
     computed_at timestamptz NOT NULL DEFAULT now()
   )`,
  `INSERT INTO scorecard_figure_years (period, computed_at)
   SELECT period, max(computed_at) FROM scorecard_service_periods GROUP BY period`,
];
