// Spend lines partitioned by publisher, then by file, so an import can load its lines into a table of their
// own and build that table's indexes in one sorted pass when it attaches it (CREATE INDEX sorts; maintaining
// three B-trees row by row as a million lines stream in costs several times as much, see bench/RESULTS.md).
// The partitioned table keeps the same columns, primary key and indexes, so every query is unchanged: a
// publisher's queries are pruned to its own partition, and read its files' partitions.
//
// - spend_lines                 PARTITION BY LIST (organisation_id)
// - spend_lines_o_<publisher>   PARTITION BY LIST (file_id), one per publisher (32 hex digits of its id)
// - spend_lines_f_<file>        one per imported file, with CHECK (organisation_id = …, file_id = …) so that
//                               attaching it needs no scan
//
// Existing lines are moved file by file into tables of their own, attached after they are filled.
export const statements = [
  `ALTER TABLE spend_lines RENAME TO spend_lines_unpartitioned`,
  `ALTER INDEX spend_lines_pkey RENAME TO spend_lines_unpartitioned_pkey`,
  `ALTER INDEX spend_lines_date RENAME TO spend_lines_unpartitioned_date`,
  `ALTER INDEX spend_lines_supplier_date RENAME TO spend_lines_unpartitioned_supplier_date`,
  `CREATE TABLE spend_lines (LIKE spend_lines_unpartitioned) PARTITION BY LIST (organisation_id)`,
  `ALTER TABLE spend_lines ADD CONSTRAINT spend_lines_pkey PRIMARY KEY (organisation_id, file_id, line)`,
  `CREATE INDEX spend_lines_date ON spend_lines (organisation_id, date)`,
  `CREATE INDEX spend_lines_supplier_date ON spend_lines (organisation_id, supplier_key, date)`,
  `DO $$
   DECLARE
     o uuid;
     f uuid;
   BEGIN
     FOR o IN SELECT DISTINCT organisation_id FROM spend_lines_unpartitioned LOOP
       EXECUTE format('CREATE TABLE %I (LIKE spend_lines) PARTITION BY LIST (file_id)', 'spend_lines_o_' || replace(o::text, '-', ''));
       EXECUTE format('ALTER TABLE spend_lines ATTACH PARTITION %I FOR VALUES IN (%L)', 'spend_lines_o_' || replace(o::text, '-', ''), o);
     END LOOP;
     FOR o, f IN SELECT DISTINCT organisation_id, file_id FROM spend_lines_unpartitioned LOOP
       EXECUTE format('CREATE TABLE %I (LIKE spend_lines)', 'spend_lines_f_' || replace(f::text, '-', ''));
       EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (organisation_id = %L AND file_id = %L)',
         'spend_lines_f_' || replace(f::text, '-', ''), 'spend_lines_f_' || replace(f::text, '-', '') || '_file', o, f);
       EXECUTE format('INSERT INTO %I SELECT * FROM spend_lines_unpartitioned WHERE organisation_id = %L AND file_id = %L',
         'spend_lines_f_' || replace(f::text, '-', ''), o, f);
       EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%L)',
         'spend_lines_o_' || replace(o::text, '-', ''), 'spend_lines_f_' || replace(f::text, '-', ''), f);
     END LOOP;
   END $$`,
  `DROP TABLE spend_lines_unpartitioned`,
];
