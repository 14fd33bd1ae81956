// The top of a dimension within one month or one year without sorting every group: a view of a single period
// reads its first rows in order (and counts the groups from the same index) instead of grouping and sorting
// tens of thousands of supplier rows.
export const statements = [
  `CREATE INDEX spend_totals_period_top ON spend_totals (organisation_id, dimension, span, month, pence DESC, key)`,
];
