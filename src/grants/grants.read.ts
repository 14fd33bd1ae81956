// Reads a 360Giving file — a JSON package (gzip allowed) or the CSV "flattened" layout publishers use — into
// grants ready to store, tolerant and honest like the 360Giving Data Quality Tool: a value that can be read
// unambiguously is read and the repair is listed (dd/mm/yyyy dates, Y/N for Yes/No, "£1,000" amounts …); a
// grant that cannot be read is rejected by its index with a reason; quality problems (zero amounts, future
// dates, an individual with a precise location …) are reported and the grant kept. Nothing is dropped silently:
// every grant of the file is either read or rejected.
//
// Pure: no database. Locations are classified here (code, type, source, precision); the service resolves them
// to small areas and local authorities through the places module.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { AppError } from '../platform/errors.ts';
import { isZip, readXlsx, type XlsxSheet } from './grants.xlsx.ts';

/** How much one grants file may hold, decompressed, and how many grants (a gzip bomb stops at the first). */
export interface GrantsLimits {
  maxBytes: number;
  maxGrants: number;
}

export const DEFAULT_GRANTS_LIMITS: GrantsLimits = { maxBytes: 512 * 1024 * 1024, maxGrants: 1_000_000 };

export type Severity = 'repaired' | 'warning' | 'error';

/** One problem with one grant (or the file, when `id` and `index` are null). */
export interface GrantProblem {
  /** The grant's id as the file gives it (null when it has none). */
  id: string | null;
  /** 0-based position of the grant in the file (a CSV's data row, header excluded). */
  index: number | null;
  field: string;
  severity: Severity;
  code: string;
  message: string;
}

export interface RejectedGrant {
  index: number;
  id: string | null;
  reason: string;
}

export type LocationSource = 'beneficiary' | 'recipient' | 'postcode';
export type LocationPrecision = 'small-area' | 'postcode' | 'ward' | 'local-authority' | 'region' | 'country';

export interface ReadGrant {
  index: number;
  id: string;
  title: string;
  description: string | null;
  amountMinor: number;
  currency: string;
  awardDate: string;
  funderOrgId: string | null;
  funderName: string | null;
  recipientOrgId: string | null;
  recipientName: string | null;
  recipientType: 'organisation' | 'individual';
  programme: string | null;
  regrantType: string | null;
  relatedActivity: string[];
  location: {
    code: string | null;
    codeType: string | null;
    name: string | null;
    postcode: string | null;
    source: LocationSource | null;
    precision: LocationPrecision | null;
  };
  /** The grant as read, with the repairs applied. */
  raw: Record<string, unknown>;
}

export type GrantsFormat = 'json' | 'csv' | 'xlsx';

export interface ReadFile {
  format: GrantsFormat;
  sha256: string;
  grants: ReadGrant[];
  rejected: RejectedGrant[];
  problems: GrantProblem[];
}

const MINOR_DIGITS = new Map<string, number>();
// The currencies 360Giving 1.4.3 allows (its ISO 4217 codelist), from the schema the project ships.
const GRANT_SCHEMA = JSON.parse(readFileSync(new URL('../../schemas/360giving-1.4.3/360-giving-schema.json', import.meta.url), 'utf8')) as { $defs: { currency: { enum: string[] } } };
const CURRENCIES = new Set(GRANT_SCHEMA.$defs.currency.enum);

function minorDigits(currency: string): number {
  let d = MINOR_DIGITS.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en-GB', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2; // a historic code Intl does not know
    }
    MINOR_DIGITS.set(currency, d);
  }
  return d;
}

/** The largest amount accepted, in major units: a grant of a trillion is a typing error, and it keeps pence exact. */
export const MAX_AMOUNT = 1_000_000_000_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null);

/** Decompresses (gzip by its magic bytes) within the limit and decodes UTF-8 (a byte-order mark is dropped). */
export function decodeBytes(bytes: Uint8Array, limits: GrantsLimits): string {
  let data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = gunzipSync(data, { maxOutputLength: limits.maxBytes });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
        throw AppError.validation([{ field: 'file', message: `The file decompresses to more than ${(limits.maxBytes / 1048576).toLocaleString('en-GB')} MB, the most one grants file may hold: split it` }]);
      }
      throw AppError.validation([{ field: 'file', message: 'The file starts like gzip but cannot be decompressed: it may be damaged or cut short' }]);
    }
  }
  if (data.length > limits.maxBytes) {
    throw AppError.validation([{ field: 'file', message: `The file is more than ${(limits.maxBytes / 1048576).toLocaleString('en-GB')} MB, the most one grants file may hold: split it` }]);
  }
  let s: string;
  try {
    s = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw AppError.validation([{ field: 'file', message: 'The file is not UTF-8 text: save it as UTF-8 (360Giving files are UTF-8)' }]);
  }
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/** Reads a 360Giving file's bytes: a JSON package (by its first character) or a CSV. */
export function readGrantsFile(bytes: Uint8Array, limits: GrantsLimits = DEFAULT_GRANTS_LIMITS, today = new Date().toISOString().slice(0, 10)): ReadFile {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const fileProblems: GrantProblem[] = [];
  let format: GrantsFormat;
  let objects: unknown[];
  if (isZip(bytes)) {
    format = 'xlsx';
    objects = xlsxGrants(readXlsx(bytes, { maxBytes: limits.maxBytes, maxRows: limits.maxGrants + 1 }), fileProblems);
  } else {
    const content = decodeBytes(bytes, limits);
    const first = content.trimStart().charAt(0);
    format = first === '{' || first === '[' ? 'json' : 'csv';
    objects = format === 'json' ? jsonGrants(content) : csvGrants(content, limits);
  }
  if (objects.length > limits.maxGrants) {
    throw AppError.validation([{ field: 'file', message: `The file holds ${objects.length.toLocaleString('en-GB')} grants, more than the ${limits.maxGrants.toLocaleString('en-GB')} one file may hold: split it` }]);
  }
  const out: ReadFile = { format, sha256, grants: [], rejected: [], problems: fileProblems };
  const reader = new GrantReader(format, today, out.rejected, out.problems);
  objects.forEach((g, index) => {
    const result = reader.read(g, index);
    if (result) out.grants.push(result);
  });
  return out;
}

/**
 * Reads a file's grants one at a time, in order (the whole-file reader and the streaming one both use it): a
 * grant that cannot be read, or whose id an earlier grant of the file has, is rejected (into `rejected`), and
 * every problem goes into `problems`.
 */
export class GrantReader {
  private readonly seen = new Map<string, number>();
  constructor(readonly format: GrantsFormat, readonly today: string, readonly rejected: RejectedGrant[], readonly problems: GrantProblem[]) {}

  read(g: unknown, index: number): ReadGrant | null {
    const id = isObject(g) ? text(g.id) : null;
    if (id !== null && this.seen.has(id)) {
      this.rejected.push({ index, id, reason: `The grant id ${id} is used already by the grant at index ${this.seen.get(id)}: a grant id is given once in a file` });
      return null;
    }
    const problems: GrantProblem[] = [];
    const result = readGrant(g, index, this.format, this.today, problems);
    if (typeof result === 'string') {
      this.rejected.push({ index, id, reason: result });
      for (const p of problems) if (p.severity !== 'repaired') this.problems.push(p);
      return null;
    }
    this.seen.set(result.id, index);
    for (const p of problems) this.problems.push(p);
    return result;
  }
}

function jsonGrants(content: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw AppError.validation([{ field: 'file', message: `The file is not JSON: ${(error as Error).message}. A 360Giving file is a JSON package { "grants": [ … ] } or a CSV` }]);
  }
  if (!isObject(parsed)) throw AppError.validation([{ field: 'file', message: 'The JSON is not a 360Giving package: it must be an object with a "grants" list' }]);
  if (!('grants' in parsed)) throw AppError.validation([{ field: 'grants', message: 'The package has no "grants": a 360Giving package is { "grants": [ … ] }' }]);
  if (!Array.isArray(parsed.grants)) throw AppError.validation([{ field: 'grants', message: '"grants" must be a list of grants' }]);
  return parsed.grants;
}

// ---- CSV (flattened layout) ----

/** Parses CSV text (RFC 4180: quotes, doubled quotes, line breaks in quotes; comma or tab). */
export function parseCsv(content: string, maxRows: number): string[][] {
  const firstLine = content.slice(0, content.indexOf('\n') === -1 ? content.length : content.indexOf('\n'));
  const delimiter = (firstLine.match(/\t/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? '\t' : ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < content.length; i++) {
    const c = content[i]!;
    if (quoted) {
      if (c === '"') {
        if (content[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && content[i + 1] === '\n') i++;
      row.push(field); field = '';
      if (row.some((f) => f.trim() !== '')) rows.push(row);
      if (rows.length > maxRows + 1) throw AppError.validation([{ field: 'file', message: `The file holds more than ${maxRows.toLocaleString('en-GB')} grants, the most one file may hold: split it` }]);
      row = [];
    } else field += c;
  }
  if (quoted) throw AppError.validation([{ field: 'file', message: 'The CSV ends inside a quoted value: a closing " is missing' }]);
  row.push(field);
  if (row.some((f) => f.trim() !== '')) rows.push(row);
  return rows;
}

// Titles of the 360Giving flattened layout → JSON property names (lower-cased, spaces and punctuation ignored).
const SEGMENTS: Record<string, string> = {
  identifier: 'id', title: 'title', description: 'description', currency: 'currency', amountappliedfor: 'amountAppliedFor',
  amountawarded: 'amountAwarded', amountdisbursed: 'amountDisbursed', awarddate: 'awardDate', url: 'url', lastmodified: 'dateModified',
  datasource: 'dataSource', fromanopencall: 'fromOpenCall', regranttype: 'regrantType', relatedactivity: 'relatedActivity',
  recipientorg: 'recipientOrganization', recipientind: 'recipientIndividual', fundingorg: 'fundingOrganization', grantprogramme: 'grantProgramme',
  beneficiarylocation: 'beneficiaryLocation', location: 'location', plannedDates: 'plannedDates', planneddates: 'plannedDates',
  name: 'name', charitynumber: 'charityNumber', companynumber: 'companyNumber', postalcode: 'postalCode', streetaddress: 'streetAddress',
  city: 'addressLocality', country: 'addressCountry', countrycode: 'countryCode', geographiccode: 'geoCode', geographiccodetype: 'geoCodeType',
  code: 'code', startdate: 'startDate', enddate: 'endDate', durationmonths: 'duration', department: 'department', type: 'type',
};
// Properties that are lists in the schema (a title without an index means the first).
const LISTS = new Set(['recipientOrganization', 'fundingOrganization', 'grantProgramme', 'beneficiaryLocation', 'location', 'plannedDates']);

function pathOf(title: string): (string | number)[] | null {
  const path: (string | number)[] = [];
  const parts = title.split(':');
  for (let i = 0; i < parts.length; i++) {
    const key = parts[i]!.toLowerCase().replace(/[^a-z0-9]/g, '');
    const name = SEGMENTS[key];
    if (!name) return null;
    path.push(name);
    if (LISTS.has(name)) {
      const next = parts[i + 1]?.trim();
      if (next !== undefined && /^[0-9]+$/.test(next)) { path.push(Number(next)); i++; } else path.push(0);
    }
  }
  return path;
}

function setPath(target: Record<string, unknown>, path: (string | number)[], value: string): void {
  let node: Record<string, unknown> | unknown[] = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const nextIsIndex = typeof path[i + 1] === 'number';
    const child = (node as Record<string | number, unknown>)[key];
    if (child === undefined) (node as Record<string | number, unknown>)[key] = nextIsIndex ? [] : {};
    node = (node as Record<string | number, unknown>)[key] as Record<string, unknown> | unknown[];
  }
  (node as Record<string | number, unknown>)[path[path.length - 1]!] = value;
}

function csvGrants(content: string, limits: GrantsLimits): unknown[] {
  const rows = parseCsv(content, limits.maxGrants);
  const header = rows[0];
  if (!header) throw AppError.validation([{ field: 'file', message: 'The file is empty' }]);
  const paths = header.map((t) => pathOf(t.trim()));
  if (!paths.some((p) => p?.[0] === 'id')) {
    throw AppError.validation([{ field: 'file', message: 'The file is neither a 360Giving JSON package nor a 360Giving CSV: no column called “Identifier”' }]);
  }
  return rows.slice(1).map((cells) => rowObject(paths, cells));
}

/** One row of the flattened layout → a grant object (values as text, lists where the schema has them). */
function rowObject(paths: ((string | number)[] | null)[], cells: string[]): Record<string, unknown> {
  const g: Record<string, unknown> = {};
  paths.forEach((p, i) => {
    const v = cells[i]?.trim() ?? '';
    if (!p || v === '') return;
    setPath(g, p, v);
  });
  if (typeof g.relatedActivity === 'string') g.relatedActivity = g.relatedActivity.split(';').map((s) => s.trim()).filter(Boolean);
  return g;
}

const hasColumn = (paths: ((string | number)[] | null)[], first: string) => paths.some((p) => p?.[0] === first);

/**
 * The XLSX flattened layout, as 360Giving's templates and flatten-tool write it: a grants sheet (the one called
 * “grants”, else the first with Identifier and Title columns) with the same column titles as the CSV, and
 * optionally sheets of one-to-many details — for example beneficiary locations, one row each — joined to their
 * grant by its Identifier and added to its lists in row order. A sheet that is not part of the layout (notes,
 * a read-me) is reported and left; a detail row whose grant is not on the grants sheet is reported by sheet and
 * row, never silently dropped.
 */
function xlsxGrants(sheets: XlsxSheet[], problems: GrantProblem[]): unknown[] {
  const fileProblem = (field: string, code: string, message: string) => problems.push({ id: null, index: null, field, severity: 'warning', code, message });
  const parsed = sheets.map((s) => ({ ...s, paths: (s.rows[0] ?? []).map((t) => pathOf(t.trim())) }));
  const main = parsed.find((s) => s.name.trim().toLowerCase() === 'grants' && hasColumn(s.paths, 'id'))
    ?? parsed.find((s) => hasColumn(s.paths, 'id') && hasColumn(s.paths, 'title'));
  if (!main) {
    throw AppError.validation([{ field: 'file', message: `The workbook has no grants sheet: no sheet has columns called “Identifier” and “Title” (sheets: ${sheets.map((s) => `“${s.name}”`).join(', ')})` }]);
  }
  const grants = main.rows.slice(1).map((cells) => rowObject(main.paths, cells));
  const byId = new Map<string, Record<string, unknown>>();
  for (const g of grants) if (typeof g.id === 'string' && !byId.has(g.id)) byId.set(g.id, g);
  for (const s of parsed) {
    if (s === main) continue;
    if (!hasColumn(s.paths, 'id')) {
      if (s.rows.length > 0) fileProblem(`sheet:${s.name}`, 'sheet-not-read', `The sheet “${s.name}” has no Identifier column, so it is not part of the 360Giving layout: not read`);
      continue;
    }
    const unknown = (s.rows[0] ?? []).filter((t, i) => t.trim() !== '' && s.paths[i] === null);
    if (unknown.length) fileProblem(`sheet:${s.name}`, 'columns-not-read', `The sheet “${s.name}” has columns that are not 360Giving titles, not read: ${unknown.slice(0, 5).map((t) => `“${t}”`).join(', ')}`);
    s.rows.slice(1).forEach((cells, i) => {
      const row = rowObject(s.paths, cells);
      const id = typeof row.id === 'string' ? row.id : null;
      const grant = id ? byId.get(id) : undefined;
      if (!grant) {
        fileProblem(`sheet:${s.name}`, 'detail-without-grant', id ? `Row ${i + 2} of the sheet “${s.name}” is for the grant ${id}, which is not on the grants sheet: not read` : `Row ${i + 2} of the sheet “${s.name}” has no Identifier: not read`);
        return;
      }
      for (const [key, value] of Object.entries(row)) {
        if (key === 'id') continue;
        if (Array.isArray(value)) {
          const list = Array.isArray(grant[key]) ? (grant[key] as unknown[]) : [];
          list.push(...value.filter((v) => v !== undefined));
          grant[key] = list;
        } else if (grant[key] === undefined) grant[key] = value;
        else if (grant[key] !== value) problems.push({ id, index: null, field: key, severity: 'warning', code: 'detail-conflict', message: `Row ${i + 2} of the sheet “${s.name}” gives ${key} “${String(value).slice(0, 40)}”, unlike the grants sheet: the grants sheet’s value is kept` });
      }
    });
  }
  return grants;
}

// ---- one grant ----

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;
const UK_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
const POSTCODE = /\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b/;

function validDay(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** A date as the file gives it → YYYY-MM-DD and whether it needed repair; null when it cannot be read. */
export function readDate(value: unknown): { date: string; repaired: boolean } | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  let m = ISO_DATE.exec(v);
  if (m) return validDay(+m[1]!, +m[2]!, +m[3]!) ? { date: `${m[1]}-${m[2]}-${m[3]}`, repaired: false } : null;
  m = UK_DATE.exec(v);
  if (m) {
    const [d, mo, y] = [+m[1]!, +m[2]!, +m[3]!];
    if (!validDay(y, mo, d)) return null;
    return { date: `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`, repaired: true };
  }
  return null;
}

/** An amount in major units → integer minor units, exactly (decimal text, never float arithmetic). */
export function toMinorUnits(value: unknown, currency: string): { minor: number; repaired: string | null } | string {
  let s: string;
  let repaired: string | null = null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'is not a finite number';
    if (Math.abs(value) > MAX_AMOUNT) return `is ${value}, more than ${MAX_AMOUNT.toLocaleString('en-GB')}: not a real grant`;
    s = Math.abs(value) < 1e-6 && value !== 0 ? value.toFixed(10) : String(value);
  } else if (typeof value === 'string') {
    let cleaned = value.trim().replace(/^[£$€]/, '').replace(/,/g, '').trim();
    // Scientific notation (1.5E+3, as spreadsheets write large or small numbers): read through its size check.
    if (/^-?\d+(\.\d+)?[eE][+-]?\d+$/.test(cleaned)) {
      const n = Number(cleaned);
      if (!Number.isFinite(n) || Math.abs(n) > MAX_AMOUNT) return `is ${cleaned}, more than ${MAX_AMOUNT.toLocaleString('en-GB')}: not a real grant`;
      cleaned = Math.abs(n) < 1e-6 && n !== 0 ? n.toFixed(10) : String(n);
    }
    if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return `“${value.slice(0, 40)}” is not a number`;
    if (cleaned !== value.trim()) repaired = `read “${value.trim()}” as ${cleaned}`;
    s = cleaned;
    if (Math.abs(Number(s)) > MAX_AMOUNT) return `is ${s}, more than ${MAX_AMOUNT.toLocaleString('en-GB')}: not a real grant`;
  } else return value === undefined || value === null ? 'is missing' : 'is not a number';
  const negative = s.startsWith('-');
  const [whole = '0', frac = ''] = s.replace(/^-/, '').split('.');
  const digits = minorDigits(currency);
  const kept = frac.slice(0, digits).padEnd(digits, '0');
  const rest = frac.slice(digits);
  let minor = Number(whole) * 10 ** digits + Number(kept || '0');
  if (rest.replace(/0/g, '') !== '') {
    if (rest[0]! >= '5') minor += 1;
    repaired = `${repaired ? `${repaired}; ` : ''}rounded ${s} to ${digits} decimal places`;
  }
  return { minor: negative ? -minor : minor, repaired };
}

function codeKind(code: string): LocationPrecision | null {
  const c = code.toUpperCase();
  if (/^(E01|W01|S01)\d{6}$/.test(c)) return 'small-area';
  if (/^(E05|W05|S13|N08)\d{6}$/.test(c)) return 'ward';
  if (/^(E06|E07|E08|E09|W06|S12|N09|E10|E11)\d{6}$/.test(c)) return 'local-authority';
  if (/^(E12|E15)\d{6}$/.test(c)) return 'region';
  if (/^(E92|W92|S92|N92|K02|K03|K04)\d{6}$/.test(c)) return 'country';
  return null;
}

function precisionOf(codeType: string | null, code: string): LocationPrecision | null {
  const t = (codeType ?? '').toUpperCase();
  if (t === 'LSOA' || t === 'DZ' || t === 'DATAZONE') return 'small-area';
  if (t === 'WD' || t === 'WARD') return 'ward';
  if (['LAD', 'UA', 'MD', 'NMD', 'LONB', 'CA', 'CTY', 'LA'].includes(t)) return 'local-authority';
  if (t === 'RGN' || t === 'GOR') return 'region';
  if (t === 'CTRY') return 'country';
  return codeKind(code);
}

function firstOf(v: unknown): Record<string, unknown> | null {
  if (Array.isArray(v)) return isObject(v[0]) ? v[0] : null;
  return isObject(v) ? v : null;
}

function readGrant(g: unknown, index: number, format: GrantsFormat, today: string, problems: GrantProblem[]): ReadGrant | string {
  if (!isObject(g)) return 'The grant is not an object';
  const id = text(g.id);
  const problem = (field: string, severity: Severity, code: string, message: string) => problems.push({ id, index, field, severity, code, message });
  if (id === null) return 'The grant has no id';
  if (id.length > 500) return 'The grant id is longer than 500 characters';
  const raw: Record<string, unknown> = structuredClone(g);
  const title = text(g.title);
  if (title === null) return 'The grant has no title';

  let currency = text(g.currency);
  if (currency === null) return 'The grant has no currency';
  if (currency !== currency.toUpperCase() || currency !== String(g.currency)) {
    problem('currency', 'repaired', 'currency-case', `Read the currency “${String(g.currency)}” as ${currency.toUpperCase()}`);
    currency = currency.toUpperCase();
    raw.currency = currency;
  }
  if (!/^[A-Z]{3}$/.test(currency) || !CURRENCIES.has(currency)) return `The currency “${currency.slice(0, 20)}” is not an ISO 4217 currency code`;

  const amount = toMinorUnits(g.amountAwarded, currency);
  if (typeof amount === 'string') return `The amount awarded ${amount}`;
  // In a CSV or a spreadsheet every value is text (flatten-tool types amounts by the schema): only a symbol,
  // commas or rounding are repairs there; in JSON text is one too. A dd/mm/yyyy date or Y/N is a repair in every
  // layout: flatten-tool would pass it through, invalid against the schema.
  if (format === 'json' && typeof g.amountAwarded === 'string') problem('amountAwarded', 'repaired', 'amount-text', `The amount awarded is given as text “${g.amountAwarded.slice(0, 40)}”: read as ${amount.minor / 10 ** minorDigits(currency)}`);
  else if (amount.repaired) problem('amountAwarded', 'repaired', 'amount-format', `Amount awarded: ${amount.repaired}`);
  raw.amountAwarded = amount.minor / 10 ** minorDigits(currency);
  if (amount.minor <= 0) problem('amountAwarded', 'warning', amount.minor === 0 ? 'zero-amount' : 'negative-amount', `The amount awarded is ${amount.minor === 0 ? 'zero' : 'negative'}`);

  const award = readDate(g.awardDate);
  if (!award) return g.awardDate === undefined ? 'The grant has no award date' : `The award date “${String(g.awardDate).slice(0, 40)}” is not a date`;
  if (award.repaired) problem('awardDate', 'repaired', 'date-format', `Read the award date “${String(g.awardDate)}” as ${award.date}: dates are written YYYY-MM-DD`);
  raw.awardDate = award.date;
  if (award.date > today) problem('awardDate', 'warning', 'future-award-date', `The award date ${award.date} is in the future`);
  if (award.date < '1990-01-01') problem('awardDate', 'warning', 'early-award-date', `The award date ${award.date} is before 1990`);
  if (g.dateModified !== undefined) {
    const modified = readDate(g.dateModified);
    if (!modified) problem('dateModified', 'warning', 'bad-date', `The date modified “${String(g.dateModified).slice(0, 40)}” is not a date: kept as given`);
    else if (modified.repaired) {
      problem('dateModified', 'repaired', 'date-format', `Read the date modified “${String(g.dateModified)}” as ${modified.date}: dates are written YYYY-MM-DD`);
      raw.dateModified = `${modified.date}T00:00:00+00:00`;
    }
  }
  if (g.fromOpenCall !== undefined) {
    const v = String(g.fromOpenCall).trim().toLowerCase();
    const yes = ['y', 'yes', 'true'].includes(v);
    const no = ['n', 'no', 'false'].includes(v);
    if (g.fromOpenCall === 'Yes' || g.fromOpenCall === 'No') { /* as the schema asks */ } else if (yes || no) {
      problem('fromOpenCall', 'repaired', 'yes-no', `Read “${String(g.fromOpenCall)}” as ${yes ? 'Yes' : 'No'}: the schema allows Yes or No`);
      raw.fromOpenCall = yes ? 'Yes' : 'No';
    } else problem('fromOpenCall', 'warning', 'bad-yes-no', `“${String(g.fromOpenCall).slice(0, 40)}” is not Yes or No: kept as given`);
  }

  const funders = Array.isArray(g.fundingOrganization) ? g.fundingOrganization.filter(isObject) : isObject(g.fundingOrganization) ? [g.fundingOrganization] : [];
  if (funders.length === 0) problem('fundingOrganization', 'warning', 'no-funder', 'The grant names no funding organisation');
  if (new Set(funders.map((f) => text(f.id))).size > 1) problem('fundingOrganization', 'warning', 'several-funders', `The grant has ${funders.length} funder ids: the first, ${text(funders[0]!.id)}, is counted`);
  const funder = funders[0] ?? null;

  const org = firstOf(g.recipientOrganization);
  const individual = firstOf(g.recipientIndividual);
  if (!org && !individual) return 'The grant names no recipient (recipientOrganization or recipientIndividual)';
  const recipientType = org ? 'organisation' : 'individual';
  const recipient = (org ?? individual)!;

  if (text(g.description) === null) problem('description', 'warning', 'no-description', 'The grant has no description: the schema requires one');
  for (const field of ['title', 'description'] as const) {
    const v = text(g[field]);
    if (v && EMAIL.test(v)) problem(field, 'warning', 'email-in-text', `The ${field} holds an email address: is it meant to be public?`);
    if (v && POSTCODE.test(v)) problem(field, 'warning', 'postcode-in-text', `The ${field} holds something shaped like a postcode: is it meant to be public?`);
  }

  // Where the money goes: the beneficiary location's code, else the recipient's location's, else its postcode.
  const location: ReadGrant['location'] = { code: null, codeType: null, name: null, postcode: null, source: null, precision: null };
  const beneficiaries = Array.isArray(g.beneficiaryLocation) ? g.beneficiaryLocation.filter(isObject) : [];
  const recipientLocations = Array.isArray(recipient.location) ? recipient.location.filter(isObject) : [];
  const pick = (list: Record<string, unknown>[]) => {
    const coded = list.filter((l) => text(l.geoCode));
    const rank: LocationPrecision[] = ['small-area', 'postcode', 'ward', 'local-authority', 'region', 'country'];
    return coded.map((l) => ({ l, p: precisionOf(text(l.geoCodeType), text(l.geoCode)!) })).sort((a, b) => rank.indexOf(a.p ?? 'country') - rank.indexOf(b.p ?? 'country'))[0];
  };
  const chosen = pick(beneficiaries);
  const fromRecipient = chosen ? null : pick(recipientLocations);
  const use = chosen ?? fromRecipient;
  if (use) {
    Object.assign(location, { code: text(use.l.geoCode)!.toUpperCase(), codeType: text(use.l.geoCodeType), name: text(use.l.name), source: chosen ? 'beneficiary' : 'recipient', precision: use.p ?? 'country' });
  } else if (org && text(org.postalCode)) {
    Object.assign(location, { postcode: text(org.postalCode)!.toUpperCase(), source: 'postcode', precision: 'postcode' });
  } else if (beneficiaries.some((l) => text(l.countryCode))) {
    Object.assign(location, { code: text(beneficiaries.find((l) => text(l.countryCode))!.countryCode), codeType: 'country', source: 'beneficiary', precision: 'country' });
  }
  if (beneficiaries.length === 0) problem('beneficiaryLocation', 'warning', 'no-beneficiary-location', 'The grant gives no beneficiary location');
  for (const [i, l] of beneficiaries.entries()) {
    if (text(l.name) && !text(l.geoCode)) problem(`beneficiaryLocation/${i}/geoCode`, 'warning', 'location-name-without-code', `The beneficiary location “${text(l.name)}” has a name but no geographic code`);
  }
  if (recipientType === 'individual' && (location.precision === 'small-area' || location.precision === 'ward' || location.precision === 'postcode')) {
    problem(location.source === 'beneficiary' ? 'beneficiaryLocation' : 'recipientIndividual', 'warning', 'individual-precise-location', 'The grant is to an individual and gives a location finer than a local authority: it could identify them');
  }

  // Web addresses must be absolute (the schema's uri format): "www.example.org" is reported, not guessed at
  // (http or https?), and kept as given.
  const urls: [string, unknown][] = [['url', g.url], ...funders.map((f, i) => [`fundingOrganization/${i}/url`, f.url] as [string, unknown]),
    ...(Array.isArray(g.recipientOrganization) ? g.recipientOrganization : []).map((o, i) => [`recipientOrganization/${i}/url`, isObject(o) ? o.url : undefined] as [string, unknown])];
  for (const [field, u] of urls) {
    if (u === undefined || u === null || u === '') continue;
    if (typeof u !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/[^\s"<>\\^`{|}]+$/i.test(u.trim())) problem(field, 'warning', 'bad-url', `“${String(u).slice(0, 60)}” is not a full web address (https://…): kept as given`);
  }

  const related = Array.isArray(g.relatedActivity) ? g.relatedActivity.map(text).filter((x): x is string => x !== null) : text(g.relatedActivity) ? [text(g.relatedActivity)!] : [];
  return {
    index, id, title, description: text(g.description), amountMinor: amount.minor, currency, awardDate: award.date,
    funderOrgId: funder ? text(funder.id) : null, funderName: funder ? text(funder.name) : null,
    recipientOrgId: text(recipient.id), recipientName: text(recipient.name), recipientType,
    programme: text(firstOf(g.grantProgramme)?.title), regrantType: text(g.regrantType), relatedActivity: related, location, raw,
  };
}
