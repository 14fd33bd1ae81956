import type { ProgrammesTables } from './grants.programmes.table.ts';
import type { ColumnType, Generated } from 'kysely';

type Json = ColumnType<unknown, string, string>;

export interface GrantsFilesTable {
  organisation_id: string;
  id: Generated<string>;
  sha256: string;
  filename: string | null;
  format: 'json' | 'csv' | 'xlsx';
  status: ColumnType<'current' | 'withdrawn', 'current' | 'withdrawn' | undefined, 'current' | 'withdrawn'>;
  grants_read: number;
  grants_rejected: number;
  grants_new: number;
  grants_changed: number;
  grants_unchanged: number;
  gbp_total_pence: number;
  other_currencies: Json;
  first_award_date: string | null;
  last_award_date: string | null;
  problems: Json;
  rejected: Json;
  draft_id: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
  withdrawn_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  withdrawn_by: ColumnType<string | null, string | null | undefined, string | null>;
  withdrawn_reason: ColumnType<string | null, string | null | undefined, string | null>;
  difference: ColumnType<unknown, string | null | undefined, string | null>;
  /** How many funders and recipients the file named (migration 0041; null for files stored before). */
  funders: ColumnType<number | null, number | null | undefined, number | null>;
  recipients: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface GrantsGrantsTable {
  organisation_id: string;
  grant_id: string;
  version: number;
  file_id: string;
  is_current: ColumnType<boolean, boolean | undefined, boolean>;
  replaced_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  title: string;
  description: string | null;
  amount_minor: number;
  currency: string;
  award_date: string;
  funder_org_id: string | null;
  funder_name: string | null;
  recipient_org_id: string | null;
  recipient_name: string | null;
  recipient_type: 'organisation' | 'individual';
  programme: string | null;
  regrant_type: string | null;
  related_activity: ColumnType<string[], string[] | undefined, string[]>;
  location_code: string | null;
  location_code_type: string | null;
  location_name: string | null;
  location_postcode: string | null;
  location_source: 'beneficiary' | 'recipient' | 'postcode' | null;
  location_precision: 'small-area' | 'postcode' | 'ward' | 'local-authority' | 'region' | 'country' | null;
  small_area_code: string | null;
  la_code: string | null;
  raw: Json;
  withdrawn_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** An onward grant of an intermediary drawing on a pot it received (migration 0034). */
export interface GrantsChainLinksTable {
  organisation_id: string;
  grant_id: string;
  pot_organisation_id: string;
  pot_grant_id: string;
  source: 'related-activity' | 'publisher' | 'person';
  created_by: string | null;
  created_at: Generated<Date>;
}

/** A publisher's (or a programme's) current grants summed by small area (or precision) and currency; '' for none (migration 0041). */
export interface GrantsAreaTotalsTable {
  organisation_id: string;
  scope: 'publisher' | 'programme';
  programme: string;
  small_area_code: string;
  location_precision: string;
  currency: string;
  grants: number;
  total: ColumnType<string, string | number, string | number>;
}

/** A person's decision that two unregistered groups (360G- ids) of a publisher's grants are, or are not, the same (0044). */
export interface GrantsGroupDecisionsTable {
  organisation_id: string;
  id: Generated<string>;
  group_id: string;
  canonical_id: string;
  decision: 'merged' | 'rejected';
  evidence: Json;
  decided_by: string | null;
  decided_at: Generated<Date>;
  undone_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  undone_by: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Current grants counted by publisher, recipient kind, regrant type ('' none), UK financial year and currency (0044). */
export interface GrantsExploreTotalsTable {
  organisation_id: string;
  recipient_kind: string;
  regrant_type: string;
  financial_year: number;
  currency: string;
  grants: number;
  total: ColumnType<string, string | number, string | number>;
  first_award: ColumnType<string, string, string>;
  last_award: ColumnType<string, string, string>;
}

export interface GrantsTables extends ProgrammesTables {
  grants_files: GrantsFilesTable;
  grants_grants: GrantsGrantsTable;
  grants_chain_links: GrantsChainLinksTable;
  grants_area_totals: GrantsAreaTotalsTable;
  grants_group_decisions: GrantsGroupDecisionsTable;
  grants_explore_totals: GrantsExploreTotalsTable;
}
