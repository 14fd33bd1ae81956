// Senior salaries (Local Government Transparency Code 2015, part 2: posts paid £50,000 or more, in £5,000
// bands; names only at £150,000 or more; the pay multiple), and supplier links by name that a person confirms
// or undoes. Every table a publisher owns leads its primary key and indexes with organisation_id.
export const statements = [
  `CREATE TABLE spend_salary_posts (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     as_at date NOT NULL,
     position integer NOT NULL,
     job_title text NOT NULL,
     department text,
     name text,
     salary_from_pence bigint NOT NULL CHECK (salary_from_pence >= 0),
     salary_to_pence bigint NOT NULL,
     responsibilities text,
     budget_held_pence bigint CHECK (budget_held_pence >= 0),
     staff_managed integer CHECK (staff_managed >= 0),
     bonuses_pence bigint CHECK (bonuses_pence >= 0),
     benefits_in_kind_pence bigint CHECK (benefits_in_kind_pence >= 0),
     created_by uuid,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id),
     CHECK (salary_to_pence >= salary_from_pence),
     -- The Code names only post-holders paid £150,000 or more.
     CHECK (name IS NULL OR salary_from_pence >= 15000000)
   )`,
  `CREATE INDEX spend_salary_posts_as_at ON spend_salary_posts (organisation_id, as_at, position)`,
  `CREATE TABLE spend_pay_multiples (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     as_at date NOT NULL,
     highest_pence bigint NOT NULL CHECK (highest_pence > 0),
     median_pence bigint NOT NULL CHECK (median_pence > 0),
     updated_by uuid,
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, as_at)
   )`,
  // A careful name match is only a suggestion until a person confirms it; an undone link is remembered so the
  // same organisation is not suggested or linked by identifier again.
  `ALTER TABLE spend_suppliers ADD COLUMN suggested_organisation_id uuid REFERENCES organisations(id) ON DELETE SET NULL`,
  `ALTER TABLE spend_suppliers ADD COLUMN suggestion_reason text`,
  `ALTER TABLE spend_suppliers ADD COLUMN rejected_organisation_id uuid REFERENCES organisations(id) ON DELETE SET NULL`,
  `ALTER TABLE spend_suppliers ADD COLUMN linked_by uuid`,
  `ALTER TABLE spend_suppliers ADD COLUMN linked_at timestamptz`,
  `CREATE INDEX spend_suppliers_suggested ON spend_suppliers (suggested_organisation_id) WHERE suggested_organisation_id IS NOT NULL`,
  // Pre-aggregated totals, so the explorer's standard views read a few thousand rows instead of every line.
  // Per file (written once at import from its lines), and per publisher over its current files (the new
  // file's totals added and the replaced files' subtracted in the import's transaction). span 'month' rows
  // are per calendar month (month NULL: undated lines); span 'all' rows are the whole, month NULL.
  `CREATE TABLE spend_file_totals (
     organisation_id uuid NOT NULL,
     file_id uuid NOT NULL,
     dimension text NOT NULL CHECK (dimension IN ('month', 'department', 'purpose', 'supplier')),
     span text NOT NULL CHECK (span IN ('month', 'all')),
     month date,
     key text,
     label text,
     lines integer NOT NULL,
     pence bigint NOT NULL,
     CONSTRAINT spend_file_totals_key UNIQUE NULLS NOT DISTINCT (organisation_id, file_id, dimension, span, month, key)
   )`,
  `CREATE TABLE spend_totals (
     organisation_id uuid NOT NULL,
     dimension text NOT NULL CHECK (dimension IN ('month', 'department', 'purpose', 'supplier')),
     span text NOT NULL CHECK (span IN ('month', 'all')),
     month date,
     key text,
     label text,
     lines integer NOT NULL,
     pence bigint NOT NULL,
     CONSTRAINT spend_totals_key UNIQUE NULLS NOT DISTINCT (organisation_id, dimension, span, month, key)
   )`,
  // The top of a dimension without sorting every group.
  `CREATE INDEX spend_totals_top ON spend_totals (organisation_id, dimension, span, pence DESC)`,
  // Totals for files imported before this migration.
  `INSERT INTO spend_file_totals (organisation_id, file_id, dimension, span, month, key, label, lines, pence)
   SELECT organisation_id, file_id,
     CASE WHEN GROUPING(department) = 0 THEN 'department' WHEN GROUPING(purpose) = 0 THEN 'purpose' WHEN GROUPING(supplier_key) = 0 THEN 'supplier' ELSE 'month' END,
     'month', m,
     CASE WHEN GROUPING(department) = 0 THEN department WHEN GROUPING(purpose) = 0 THEN purpose WHEN GROUPING(supplier_key) = 0 THEN supplier_key END,
     CASE WHEN GROUPING(department) = 0 THEN department WHEN GROUPING(purpose) = 0 THEN purpose WHEN GROUPING(supplier_key) = 0 THEN min(supplier_name) END,
     count(*), sum(net_pence)
   FROM (SELECT organisation_id, file_id, date_trunc('month', date)::date AS m, department, purpose, supplier_key, supplier_name, net_pence FROM spend_lines) l
   GROUP BY organisation_id, file_id, GROUPING SETS ((m), (m, department), (m, purpose), (m, supplier_key))`,
  `INSERT INTO spend_file_totals (organisation_id, file_id, dimension, span, month, key, label, lines, pence)
   SELECT organisation_id, file_id, dimension, 'all', NULL, key, min(label), sum(lines), sum(pence)
   FROM spend_file_totals WHERE span = 'month' AND dimension <> 'month'
   GROUP BY organisation_id, file_id, dimension, key`,
  `INSERT INTO spend_totals (organisation_id, dimension, span, month, key, label, lines, pence)
   SELECT t.organisation_id, t.dimension, t.span, t.month, t.key, min(t.label), sum(t.lines), sum(t.pence)
   FROM spend_file_totals t JOIN spend_files f ON f.organisation_id = t.organisation_id AND f.id = t.file_id AND f.status = 'current'
   GROUP BY t.organisation_id, t.dimension, t.span, t.month, t.key`,
];
