// Two things a large import wrote and nothing needs.
//
// - A file's own totals (spend_file_totals). They were read only to add a new file's totals to its publisher's
//   and to take away those of the file it replaced; the import now groups the new file's lines, and a replaced
//   file's lines (kept for the record), straight into the publisher's totals (spend.repository.ts,
//   addFileTotals). Writing ~230,000 rows for a million-line file, and their index, cost 3.6 s on a server and
//   6 s on PGlite.
// - spend_totals_top, the all-time top of a dimension: spend_totals_period_top answers the same question in
//   order once the query says the month is null (it is, for every all-time row). On PGlite the third index cost
//   a million-line import 1.7 s of its 6 s of inserting totals.
export const statements = [`DROP TABLE spend_file_totals`, `DROP INDEX spend_totals_top`];
