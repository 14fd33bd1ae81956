// Scorecards at 10,000 services (issue 18's speed targets).
//
// - scorecard_flags: the statistical worst-10% flags of each calendar year, computed by
//   `commonweal scorecards recompute` (a comparison of every peer group with its rank simulation, too costly for a
//   page view) and read by the flags page, its feed, the API, the CLI and the inbox. A cache, replaced whole for
//   a year at each recompute; whether a flag is a candidate or decided is read from the peer reviews and
//   decisions at view time, so a review published after the recompute counts at once.
// - scorecard_flag_years: when each year's flags were last computed, so a page tells "none" from "not computed".
export const statements = [
  `CREATE TABLE scorecard_flags (
     organisation_id uuid NOT NULL,
     service_id uuid NOT NULL,
     period text NOT NULL CHECK (period ~ '^[0-9]{4}$'),
     indicator text NOT NULL CHECK (indicator IN ('fft-positive', 'share-answered')),
     service_kind text NOT NULL CHECK (service_kind IN ('involvement', 'joined-up', 'technical', 'framework')),
     evidence jsonb NOT NULL,
     fairness jsonb NOT NULL,
     computed_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, service_id, period, indicator)
   )`,
  `CREATE INDEX scorecard_flags_period ON scorecard_flags (period, service_kind)`,
  `CREATE TABLE scorecard_flag_years (
     period text PRIMARY KEY CHECK (period ~ '^[0-9]{4}$'),
     computed_at timestamptz NOT NULL DEFAULT now()
   )`,
];
