// Explorer speed with millions of lines.
// - The top of a dimension within one month or one year without sorting every group: a view of a single
//   period reads its first rows in order (and counts the groups from the same index) instead of grouping and
//   sorting tens of thousands of supplier rows.
// - One supplier's lines by date: the supplier index gains the date, so a page is read in order from it
//   instead of walking every line of the publisher by date and skipping other suppliers'. It replaces the
//   index on (organisation_id, supplier_key), which it serves as well, so a load maintains no more indexes.
export const statements = [
  `CREATE INDEX spend_totals_period_top ON spend_totals (organisation_id, dimension, span, month, pence DESC, key)`,
  `CREATE INDEX spend_lines_supplier_date ON spend_lines (organisation_id, supplier_key, date)`,
  `DROP INDEX spend_lines_supplier`,
];
