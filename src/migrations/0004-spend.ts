// Spending over £500 (Local Government Transparency Code 2015): imported files and their versions, the spend
// lines, suppliers across publishers, and each publisher's confirmed column mapping. Every table a publisher
// owns leads its primary key and indexes with organisation_id, so it can be sharded by publisher.
export const statements = [
  `CREATE TABLE spend_files (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     period_from date NOT NULL,
     period_to date NOT NULL,
     period_given boolean NOT NULL,
     sha256 text NOT NULL,
     filename text,
     bytes bigint NOT NULL,
     status text NOT NULL CHECK (status IN ('current', 'replaced')),
     version integer NOT NULL,
     replaced_by uuid,
     rows_imported integer NOT NULL,
     rows_rejected integer NOT NULL,
     net_total_pence bigint NOT NULL,
     suppliers integer NOT NULL,
     first_date date,
     last_date date,
     mapping jsonb NOT NULL,
     summary jsonb NOT NULL,
     diff jsonb,
     imported_by uuid,
     imported_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id)
   )`,
  // The same bytes are one file for a publisher.
  `CREATE UNIQUE INDEX spend_files_sha256 ON spend_files (organisation_id, sha256)`,
  // One current file per publisher and period; older versions are kept as 'replaced'.
  `CREATE UNIQUE INDEX spend_files_current ON spend_files (organisation_id, period_from, period_to) WHERE status = 'current'`,
  `CREATE TABLE spend_lines (
     organisation_id uuid NOT NULL,
     file_id uuid NOT NULL,
     line integer NOT NULL,
     date date,
     net_pence bigint NOT NULL,
     vat_pence bigint,
     department text,
     service_area text,
     supplier_name text,
     supplier_key text,
     supplier_ref text,
     company_number text,
     charity_number text,
     vat_number text,
     purpose text,
     expense_category text,
     expense_code text,
     merchant_category text,
     transaction_number text,
     invoice_number text,
     capital_revenue text,
     body text,
     body_name text,
     duplicate_of integer,
     PRIMARY KEY (organisation_id, file_id, line)
   )`,
  // No foreign key to spend_files: lines are COPYed before their file's record is written (the period is known
  // only at the end of the file), in the same transaction, by the import service alone.
  `CREATE INDEX spend_lines_date ON spend_lines (organisation_id, date)`,
  `CREATE INDEX spend_lines_supplier ON spend_lines (organisation_id, supplier_key)`,
  // Suppliers are shared by every publisher that pays them: keyed by the normalised name.
  `CREATE TABLE spend_suppliers (
     key text PRIMARY KEY,
     name text NOT NULL,
     company_number text,
     charity_number text,
     organisation_id uuid REFERENCES organisations(id) ON DELETE SET NULL,
     link_method text CHECK (link_method IN ('identifier', 'confirmed')),
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX spend_suppliers_organisation ON spend_suppliers (organisation_id)`,
  `CREATE TABLE spend_mappings (
     organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
     mapping jsonb NOT NULL,
     confirmed_by uuid,
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id)
   )`,
];
