import type { ColumnType, Generated } from 'kysely';

type Json = ColumnType<unknown, string, string>;

export interface SpendFilesTable {
  organisation_id: string;
  id: Generated<string>;
  period_from: string;
  period_to: string;
  period_given: boolean;
  sha256: string;
  filename: string | null;
  bytes: number;
  status: 'current' | 'replaced' | 'withdrawn';
  version: number;
  replaced_by: string | null;
  rows_imported: number;
  rows_rejected: number;
  net_total_pence: number;
  suppliers: number;
  first_date: string | null;
  last_date: string | null;
  mapping: Json;
  summary: Json;
  diff: ColumnType<unknown, string | null, string | null>;
  imported_by: string | null;
  imported_at: Generated<Date>;
  withdrawn_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  withdrawn_by: ColumnType<string | null, string | null | undefined, string | null>;
  withdrawn_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** 'grant-payments': a month's instalments recorded as paid in the grants module (migration 0045). */
  kind: ColumnType<'upload' | 'grant-payments', 'upload' | 'grant-payments' | undefined, 'upload' | 'grant-payments'>;
}

export interface SpendLinesTable {
  organisation_id: string;
  file_id: string;
  line: number;
  date: string | null;
  net_pence: number;
  vat_pence: number | null;
  department: string | null;
  service_area: string | null;
  supplier_name: string | null;
  supplier_key: string | null;
  supplier_ref: string | null;
  company_number: string | null;
  charity_number: string | null;
  vat_number: string | null;
  purpose: string | null;
  expense_category: string | null;
  expense_code: string | null;
  merchant_category: string | null;
  transaction_number: string | null;
  invoice_number: string | null;
  capital_revenue: string | null;
  body: string | null;
  body_name: string | null;
  duplicate_of: number | null;
}

export interface SpendSuppliersTable {
  key: string;
  name: string;
  company_number: string | null;
  charity_number: string | null;
  organisation_id: string | null;
  link_method: 'identifier' | 'confirmed' | null;
  created_at: Generated<Date>;
  suggested_organisation_id: ColumnType<string | null, string | null | undefined, string | null>;
  suggestion_reason: ColumnType<string | null, string | null | undefined, string | null>;
  rejected_organisation_id: ColumnType<string | null, string | null | undefined, string | null>;
  linked_by: ColumnType<string | null, string | null | undefined, string | null>;
  linked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** One senior post as a publisher published it on a date (the Code's senior salaries list). */
export interface SpendSalaryPostsTable {
  organisation_id: string;
  id: Generated<string>;
  as_at: string;
  position: number;
  job_title: string;
  department: string | null;
  /** Only where the band starts at £150,000 or more (the database refuses a name below). */
  name: string | null;
  salary_from_pence: number;
  salary_to_pence: number;
  responsibilities: string | null;
  budget_held_pence: number | null;
  staff_managed: number | null;
  bonuses_pence: number | null;
  benefits_in_kind_pence: number | null;
  created_by: string | null;
  created_at: Generated<Date>;
}

/** The pay multiple on a date: the highest paid's taxable earnings against the workforce's median. */
export interface SpendPayMultiplesTable {
  organisation_id: string;
  as_at: string;
  highest_pence: number;
  median_pence: number;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface SpendMappingsTable {
  organisation_id: string;
  mapping: Json;
  confirmed_by: string | null;
  updated_at: Generated<Date>;
}

/**
 * Totals of a publisher's current files by one dimension: per month (span 'month'), per calendar year ('year')
 * and for all time ('all'). Kept equal to the lines by every import.
 */
export interface SpendTotalsTable {
  organisation_id: string;
  dimension: 'month' | 'department' | 'purpose' | 'supplier';
  span: 'month' | 'year' | 'all';
  month: string | null;
  key: string | null;
  label: string | null;
  lines: number;
  pence: number;
}

/** A site administrator's limits on one publisher's files; null leaves the global limit. */
export interface SpendImportLimitsTable {
  organisation_id: string;
  max_bytes: number | null;
  max_lines: number | null;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface SpendTables {
  spend_files: SpendFilesTable;
  spend_lines: SpendLinesTable;
  spend_suppliers: SpendSuppliersTable;
  spend_mappings: SpendMappingsTable;
  spend_salary_posts: SpendSalaryPostsTable;
  spend_pay_multiples: SpendPayMultiplesTable;
  spend_totals: SpendTotalsTable;
  spend_import_limits: SpendImportLimitsTable;
}
