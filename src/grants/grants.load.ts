// Grant versions as COPY text, for the import's one transaction (src/platform/copy.ts, shared with spend): the
// file's grants are copied into a staging table, compared with the publisher's current grants in SQL, and the
// new and changed ones inserted from there (grants.service.ts).
import type { Insertable } from 'kysely';
import type { GrantsGrantsTable } from './grants.table.ts';

type Row = Insertable<GrantsGrantsTable>;
const COLUMNS = ['organisation_id', 'grant_id', 'version', 'file_id', 'title', 'description', 'amount_minor', 'currency', 'award_date', 'funder_org_id', 'funder_name',
  'recipient_org_id', 'recipient_name', 'recipient_type', 'programme', 'regrant_type', 'related_activity', 'location_code', 'location_code_type', 'location_name',
  'location_postcode', 'location_source', 'location_precision', 'small_area_code', 'la_code', 'raw'] as const satisfies readonly (keyof Row)[];

/** A value in COPY's text format: \N for null; backslash, tab and line breaks escaped. */
function field(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const s = String(v);
  return /[\\\t\n\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}
const arrayLiteral = (items: readonly string[]) => `{${items.map((x) => `"${x.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

/** One grant version as a line of COPY text. */
export function copyLine(r: Row): string {
  let line = '';
  for (let i = 0; i < COLUMNS.length; i++) {
    const c = COLUMNS[i]!;
    const v = c === 'related_activity' ? arrayLiteral((r.related_activity ?? []) as string[]) : r[c];
    line += (i ? '\t' : '') + field(v);
  }
  return `${line}\n`;
}

export { withCopyTransaction as withGrantsCopy, type CopySink, type OpenCopy } from '../platform/copy.ts';

/** The COPY statement into the staging table: grants_grants's columns, and `ord` (the grant's place in the file) first. */
export const STAGE_COPY = `COPY grants_stage (ord, ${COLUMNS.join(', ')})`;
export const GRANT_COLUMNS = COLUMNS;
