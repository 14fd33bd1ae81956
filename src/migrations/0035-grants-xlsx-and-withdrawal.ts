// Grants: files may be XLSX workbooks (the 360Giving flattened layout in sheets), and a withdrawn file's grants
// are kept but no longer counted.
//
// - grants_files.format takes 'xlsx'.
// - grants_grants.withdrawn_at: set on the versions of a withdrawn file, which stop being current (the totals
//   leave them at once) while staying in the record. A grant a later file replaces is marked replaced, not
//   withdrawn, so the two are told apart.
// - grants_files.difference: what the file changed, worked out when it was published — grants added, grants
//   changed (and which fields), and the publisher's grants the file did not hold (kept, not removed) — counts and
//   the first ids of each, for the file's "what changed" page.
export const statements = [
  `ALTER TABLE grants_files DROP CONSTRAINT grants_files_format_check`,
  `ALTER TABLE grants_files ADD CONSTRAINT grants_files_format_check CHECK (format IN ('json', 'csv', 'xlsx'))`,
  `ALTER TABLE grants_grants ADD COLUMN withdrawn_at timestamptz`,
  `ALTER TABLE grants_files ADD COLUMN difference jsonb`,
];
