// KPI ratings due (issue 18): one row for each reminder emailed to a buyer's commissioners that a contract's
// KPIs wait for their rating for a financial year (commissioning.kpi-ratings.ts, `sendKpiRatingReminders`).
// The primary key makes each reminder go once: any app process may run the reminders, and the one whose
// INSERT … ON CONFLICT DO NOTHING adds the row sends the email in the same transaction.
export const statements = [
  `CREATE TABLE commissioning_kpi_rating_reminders (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     contract_id uuid NOT NULL,
     period text NOT NULL CHECK (period ~ '^[0-9]{4}-[0-9]{2}$'),
     recipients integer NOT NULL DEFAULT 0,
     sent_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, contract_id, period)
   )`,
];
