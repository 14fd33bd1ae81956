// The app runs as an ordinary database role that owns no table (platform/roles.ts grants it what it needs after
// every migration). Two steps of a spend import change the schema, which only a table's owner may do: making the
// table a new file's lines are COPYed into (with its CHECK and load-time columns), and attaching it to its
// publisher's partition of spend_lines (ATTACH PARTITION needs ownership of both tables, and creating a
// publisher's partition needs ownership of spend_lines). These two functions do exactly those steps with the
// owner's rights (SECURITY DEFINER), inside the import's own transaction, so an import stays all or nothing; they
// take uuids, so the only tables they can make or attach are spend_lines_f_<file> and spend_lines_o_<publisher>.
// The tables they make are the owner's; the app gets SELECT/INSERT/UPDATE/DELETE on them by the owner's default
// privileges (platform/roles.ts). search_path is pinned to the schema the migration runs in, as a SECURITY
// DEFINER function's must be.
export const statements = [
  `DO $do$
   BEGIN
     EXECUTE format($f$
       CREATE FUNCTION spend_create_file_lines(publisher uuid, file uuid) RETURNS text
       LANGUAGE plpgsql SECURITY DEFINER SET search_path = %I, pg_temp AS $body$
       DECLARE t text := 'spend_lines_f_' || replace(file::text, '-', '');
       BEGIN
         EXECUTE format('CREATE TABLE %%I (LIKE spend_lines)', t);
         EXECUTE format('ALTER TABLE %%I ADD CONSTRAINT %%I CHECK (organisation_id = %%L AND file_id = %%L)', t, t || '_file', publisher, file);
         -- While it is loaded, COPY leaves out the publisher and file (these defaults fill them), and brings each
         -- line's fingerprint, to find identical lines; spend_attach_file_lines drops them.
         EXECUTE format('ALTER TABLE %%I ALTER COLUMN organisation_id SET DEFAULT %%L, ALTER COLUMN file_id SET DEFAULT %%L, '
                        'ADD COLUMN fingerprint_hi integer NOT NULL, ADD COLUMN fingerprint_lo integer NOT NULL', t, publisher, file);
         RETURN t;
       END $body$$f$, current_schema());
     EXECUTE format($f$
       CREATE FUNCTION spend_attach_file_lines(publisher uuid, file uuid) RETURNS void
       LANGUAGE plpgsql SECURITY DEFINER SET search_path = %I, pg_temp AS $body$
       DECLARE
         p text := 'spend_lines_o_' || replace(publisher::text, '-', '');
         t text := 'spend_lines_f_' || replace(file::text, '-', '');
       BEGIN
         IF to_regclass(p) IS NULL THEN
           EXECUTE format('CREATE TABLE %%I (LIKE spend_lines) PARTITION BY LIST (file_id)', p);
           EXECUTE format('ALTER TABLE spend_lines ATTACH PARTITION %%I FOR VALUES IN (%%L)', p, publisher);
         END IF;
         EXECUTE format('ALTER TABLE %%I ATTACH PARTITION %%I FOR VALUES IN (%%L)', p, t, file);
       END $body$$f$, current_schema());
     -- Sealing a loaded file's table (the loading defaults and fingerprints go; its primary key and two indexes are
     -- built by sorting) before it is attached, so that a draft published later only links them.
     EXECUTE format($f$
       CREATE FUNCTION spend_seal_file_lines(file uuid) RETURNS void
       LANGUAGE plpgsql SECURITY DEFINER SET search_path = %I, pg_temp AS $body$
       DECLARE t text := 'spend_lines_f_' || replace(file::text, '-', '');
       BEGIN
         EXECUTE format('ALTER TABLE %%I ALTER COLUMN organisation_id DROP DEFAULT, ALTER COLUMN file_id DROP DEFAULT, '
                        'DROP COLUMN fingerprint_hi, DROP COLUMN fingerprint_lo', t);
         EXECUTE format('ALTER TABLE %%I ADD CONSTRAINT %%I PRIMARY KEY (organisation_id, file_id, line)', t, t || '_pkey');
         EXECUTE format('CREATE INDEX %%I ON %%I (organisation_id, date)', t || '_date', t);
         EXECUTE format('CREATE INDEX %%I ON %%I (organisation_id, supplier_key, date)', t || '_supplier_date', t);
       END $body$$f$, current_schema());
     -- Dropping the table of a file loaded but never published (a discarded or expired draft); never one that is
     -- part of spend_lines.
     EXECUTE format($f$
       CREATE FUNCTION spend_drop_file_lines(file uuid) RETURNS void
       LANGUAGE plpgsql SECURITY DEFINER SET search_path = %I, pg_temp AS $body$
       DECLARE t text := 'spend_lines_f_' || replace(file::text, '-', '');
       BEGIN
         IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(t)) THEN
           RAISE EXCEPTION '%% is part of spend_lines', t;
         END IF;
         EXECUTE format('DROP TABLE IF EXISTS %%I', t);
       END $body$$f$, current_schema());
   END $do$`,
  // Only the roles granted it (the app's, by platform/roles.ts) may call them, not every role on the server.
  `REVOKE EXECUTE ON FUNCTION spend_create_file_lines(uuid, uuid) FROM PUBLIC`,
  `REVOKE EXECUTE ON FUNCTION spend_attach_file_lines(uuid, uuid) FROM PUBLIC`,
  `REVOKE EXECUTE ON FUNCTION spend_seal_file_lines(uuid) FROM PUBLIC`,
  `REVOKE EXECUTE ON FUNCTION spend_drop_file_lines(uuid) FROM PUBLIC`,
];
