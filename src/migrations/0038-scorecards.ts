// Issue 18 (scorecards), the scorecard of a service and of a provider:
//   - commissioning_kpi_ratings: a contract KPI's rating for a financial year, on the Procurement Act 2023 scale
//     (good, approaching target, requires improvement, inadequate), set by the buying organisation. One rating a
//     KPI a period; rating it again replaces it (the audit log keeps the history).
//   - organisation_governance: what an organisation publishes about itself for its scorecard — how it uses a
//     profit or surplus (and how much it distributed), its pay multiple, highest pay band, board size, and the
//     time within which it promises a first answer to a story (its own published target).
//   - scorecard_service_periods: the recomputed headline figures of every service for every financial year
//     (`commonweal scorecards recompute`), read by the list of scorecards. A cache: rebuilt from the modules'
//     public functions, never edited by hand.
// Each table leads with the owning organisation's id.
export const statements = [
  `CREATE TABLE commissioning_kpi_ratings (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     contract_id uuid NOT NULL,
     kpi_id uuid NOT NULL,
     period text NOT NULL CHECK (period ~ '^[0-9]{4}-[0-9]{2}$'),
     rating text NOT NULL CONSTRAINT commissioning_kpi_ratings_scale CHECK (rating IN ('good', 'approaching-target', 'requires-improvement', 'inadequate')),
     note text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
     rated_by uuid REFERENCES users(id),
     rated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, kpi_id, period)
   )`,
  `CREATE INDEX commissioning_kpi_ratings_contract ON commissioning_kpi_ratings (organisation_id, contract_id, period)`,
  `CREATE TABLE organisation_governance (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     profit_use text NOT NULL CHECK (profit_use IN ('no-profit', 'reinvested', 'dividends', 'dividends-and-reinvested')),
     distributed_pence bigint CHECK (distributed_pence >= 0 AND distributed_pence <= 100000000000000),
     distributed_year text CHECK (distributed_year ~ '^[0-9]{4}-[0-9]{2}$'),
     pay_multiple numeric(6, 1) CHECK (pay_multiple >= 1 AND pay_multiple <= 10000),
     highest_pay_band text CHECK (length(highest_pay_band) <= 100),
     board_size integer CHECK (board_size >= 0 AND board_size <= 1000),
     response_target_days integer CHECK (response_target_days >= 1 AND response_target_days <= 365),
     updated_by uuid REFERENCES users(id),
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id),
     CHECK ((profit_use IN ('dividends', 'dividends-and-reinvested')) = (distributed_pence IS NOT NULL))
   )`,
  `CREATE TABLE scorecard_service_periods (
     organisation_id uuid NOT NULL,
     service_id uuid NOT NULL,
     period text NOT NULL,
     stories integer NOT NULL,
     rated integer NOT NULL,
     positive integer NOT NULL,
     negative integer NOT NULL,
     answered integer NOT NULL,
     median_minutes integer,
     changes_claimed integer NOT NULL,
     changes_confirmed integer NOT NULL,
     computed_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, service_id, period)
   )`,
  `CREATE INDEX scorecard_service_periods_period ON scorecard_service_periods (period, service_id)`,
];
