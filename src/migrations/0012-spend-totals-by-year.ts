// Totals by calendar year as well as by month, so a year's view of a publisher with millions of lines reads one
// row per supplier instead of twelve. span 'year' rows carry the year's first day in `month`.
export const statements = [
  `ALTER TABLE spend_file_totals DROP CONSTRAINT spend_file_totals_span_check`,
  `ALTER TABLE spend_file_totals ADD CONSTRAINT spend_file_totals_span_check CHECK (span IN ('month', 'year', 'all'))`,
  `ALTER TABLE spend_totals DROP CONSTRAINT spend_totals_span_check`,
  `ALTER TABLE spend_totals ADD CONSTRAINT spend_totals_span_check CHECK (span IN ('month', 'year', 'all'))`,
  `INSERT INTO spend_file_totals (organisation_id, file_id, dimension, span, month, key, label, lines, pence)
   SELECT organisation_id, file_id, dimension, 'year', date_trunc('year', month)::date, key, min(label), sum(lines), sum(pence)
   FROM spend_file_totals WHERE span = 'month' AND dimension <> 'month' AND month IS NOT NULL
   GROUP BY organisation_id, file_id, dimension, date_trunc('year', month)::date, key`,
  `INSERT INTO spend_totals (organisation_id, dimension, span, month, key, label, lines, pence)
   SELECT organisation_id, dimension, 'year', date_trunc('year', month)::date, key, min(label), sum(lines), sum(pence)
   FROM spend_totals WHERE span = 'month' AND dimension <> 'month' AND month IS NOT NULL
   GROUP BY organisation_id, dimension, date_trunc('year', month)::date, key`,
];
