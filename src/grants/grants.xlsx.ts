// Reads the sheets of an XLSX workbook (Office Open XML spreadsheet) as rows of text, for the 360Giving
// flattened layout. Pure: no database, no network, nothing written.
//
// The zip layer is fflate (no dependencies of its own). The few parts a workbook's values live in are read
// here: the workbook (sheet names and order, the 1904 date system), its relationships (which part is which
// sheet), the shared strings, the styles (which number formats are dates) and the sheets. Formulas are not
// evaluated: the value Excel saved with the formula is read, as any reader does.
//
// Untrusted input: a zip bomb is stopped before anything is inflated, by the sizes the zip declares, and a part
// that says it is smaller than it is cannot grow past what it declared (fflate inflates into a buffer of the
// declared size). Only the parts named above are inflated; a workbook with too many parts, or sheets with more
// rows than a grants file may hold, is refused.
import { unzipSync } from 'fflate';
import { AppError } from '../platform/errors.ts';

export interface XlsxSheet {
  name: string;
  rows: string[][];
}

export interface XlsxLimits {
  /** Most bytes the parts read may inflate to, in all. */
  maxBytes: number;
  /** Most rows on one sheet, header included. */
  maxRows: number;
}

const MAX_ENTRIES = 10_000;
/** V8 cannot hold one string much past 512 MB: a sheet's XML must fit in one. */
const MAX_PART = 400 * 1024 * 1024;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

const refuse = (message: string) => AppError.validation([{ field: 'file', message }]);
const mb = (n: number) => `${Math.round(n / 1048576).toLocaleString('en-GB')} MB`;

const ENTITY: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
function unescapeXml(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (all, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return ENTITY[e] ?? all;
  });
}

function attr(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag) ?? new RegExp(`\\s${name}='([^']*)'`).exec(tag);
  return m ? unescapeXml(m[1]!) : null;
}

/** The text of an <si> or <is>: its <t> runs, joined (phonetic guides left out). */
function richText(xml: string): string {
  const body = xml.replace(/<rPh\b[\s\S]*?<\/rPh>/g, '');
  let out = '';
  for (const m of body.matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>|<t(?:\s[^>]*)?\/>/g)) out += m[1] ?? '';
  return unescapeXml(out);
}

/** Column letters of a cell reference (A1 → 0, AA10 → 26). */
function columnOf(ref: string): number {
  let n = 0;
  for (const c of ref) {
    const code = c.charCodeAt(0);
    if (code < 65 || code > 90) break;
    n = n * 26 + (code - 64);
  }
  return n - 1;
}

// Built-in number formats that show a date or time (ECMA-376 §18.8.30).
const DATE_FORMAT_IDS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

function isDateFormatCode(code: string): boolean {
  const bare = code.replace(/"[^"]*"/g, '').replace(/\[[^\]]*\]/g, '').replace(/\\./g, '');
  return /[dmyhs]/i.test(bare) && !/^[#0.,%E+\-\s]*$/.test(bare);
}

/** Which cell styles (by index) show dates. */
function dateStyles(styles: string | null): Set<number> {
  const out = new Set<number>();
  if (!styles) return out;
  const custom = new Map<number, string>();
  for (const m of styles.matchAll(/<numFmt\b[^>]*>/g)) {
    const id = Number(attr(m[0], 'numFmtId'));
    const code = attr(m[0], 'formatCode');
    if (Number.isInteger(id) && code !== null) custom.set(id, code);
  }
  const xfs = /<cellXfs\b[^>]*>([\s\S]*?)<\/cellXfs>/.exec(styles)?.[1] ?? '';
  let i = 0;
  for (const m of xfs.matchAll(/<xf\b[^>]*?(?:\/>|>)/g)) {
    const id = Number(attr(m[0], 'numFmtId') ?? 0);
    const code = custom.get(id);
    if (code !== undefined ? isDateFormatCode(code) : DATE_FORMAT_IDS.has(id)) out.add(i);
    i++;
  }
  return out;
}

/** An Excel serial date (days since 1899-12-30, or 1904-01-01) → YYYY-MM-DD, with the time when it has one. */
export function serialDate(serial: number, date1904: boolean): string | null {
  if (!Number.isFinite(serial) || serial < 0 || serial > 2958465) return null;
  const ms = Math.round((serial + (date1904 ? 1462 : 0) - 25569) * 86400) * 1000;
  const iso = new Date(ms).toISOString();
  return iso.slice(11, 19) === '00:00:00' ? iso.slice(0, 10) : iso.slice(0, 19);
}

/** A number as Excel saved it (maybe 1.5E+3) → plain decimal text where that is exact, else as saved. */
function plainNumber(v: string): string {
  if (!/[eE]/.test(v)) return v;
  const n = Number(v);
  if (!Number.isFinite(n) || Math.abs(n) >= 1e21 || (Math.abs(n) < 1e-6 && n !== 0)) return v;
  return String(n);
}

function sheetRows(xml: string, shared: string[], dates: Set<number>, date1904: boolean, name: string, maxRows: number): string[][] {
  const rows: string[][] = [];
  const data = /<sheetData\b[^>]*>([\s\S]*)<\/sheetData>/.exec(xml)?.[1] ?? '';
  let next = 0;
  for (const rm of data.matchAll(/<row\b([^>]*?)(?:\/>|>([\s\S]*?)<\/row>)/g)) {
    const declared = Number(attr(`<row${rm[1]}`, 'r'));
    const at = Number.isInteger(declared) && declared >= 1 ? declared - 1 : next;
    next = at + 1;
    const cells: string[] = [];
    let col = 0;
    for (const cm of (rm[2] ?? '').matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const tag = `<c${cm[1]}`;
      const ref = attr(tag, 'r');
      if (ref) col = columnOf(ref);
      const type = attr(tag, 't') ?? 'n';
      const inner = cm[2] ?? '';
      const v = /<v(?:\s[^>]*)?>([\s\S]*?)<\/v>/.exec(inner)?.[1];
      let value = '';
      if (type === 's') value = v !== undefined ? shared[Number(v)] ?? '' : '';
      else if (type === 'inlineStr') value = richText(/<is\b[^>]*>([\s\S]*?)<\/is>/.exec(inner)?.[1] ?? '');
      else if (type === 'b') value = v === '1' ? 'true' : v === '0' ? 'false' : '';
      else if (type === 'str' || type === 'e' || type === 'd') value = v !== undefined ? unescapeXml(v) : '';
      else if (v !== undefined) {
        const s = Number(attr(tag, 's') ?? 0);
        value = dates.has(s) ? serialDate(Number(v), date1904) ?? v : plainNumber(v.trim());
      }
      if (col >= 16384) throw refuse(`The sheet “${name}” has a cell past the last column a spreadsheet can have`);
      cells[col] = value;
      col++;
    }
    for (let i = 0; i < cells.length; i++) cells[i] ??= '';
    if (cells.some((c) => c.trim() !== '')) {
      rows.push(cells);
      if (rows.length > maxRows) throw refuse(`The sheet “${name}” holds more than ${(maxRows - 1).toLocaleString('en-GB')} rows, the most one grants file may hold: split it`);
    }
  }
  return rows;
}

/** Resolves a relationship target against xl/ (targets are relative to the workbook, or absolute from the root). */
const partOf = (target: string) => (target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`);

/** Reads every worksheet of a workbook, in the workbook's order, as rows of text (dates as YYYY-MM-DD). */
export function readXlsx(bytes: Uint8Array, limits: XlsxLimits): XlsxSheet[] {
  let entries = 0;
  let declared = 0;
  let files: Record<string, Uint8Array>;
  const wanted = (name: string) => name === 'xl/workbook.xml' || name === 'xl/_rels/workbook.xml.rels' || name === 'xl/sharedStrings.xml' || name === 'xl/styles.xml' || /^xl\/worksheets\/[^/]+\.xml$/.test(name);
  try {
    files = unzipSync(bytes, {
      filter(file) {
        entries++;
        if (entries > MAX_ENTRIES) throw refuse(`The workbook holds more than ${MAX_ENTRIES.toLocaleString('en-GB')} parts: it is not a grants spreadsheet`);
        if (!wanted(file.name)) return false;
        if (file.originalSize > MAX_PART) throw refuse(`A sheet of the workbook unpacks to more than ${mb(MAX_PART)}: split it`);
        declared += file.originalSize;
        if (declared > limits.maxBytes) throw refuse(`The workbook unpacks to more than ${mb(limits.maxBytes)}, the most one grants file may hold: split it`);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw refuse('The file starts like a zip (an XLSX workbook) but cannot be unpacked: it may be damaged or cut short');
  }
  const decode = (name: string): string | null => {
    const data = files[name];
    if (!data) return null;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(data);
    } catch {
      throw refuse(`The workbook’s part ${name} is not UTF-8 XML: it may be damaged`);
    }
  };
  const workbook = decode('xl/workbook.xml');
  if (workbook === null) throw refuse('The file is a zip but not an XLSX workbook (it has no xl/workbook.xml): save it from your spreadsheet as .xlsx');
  const date1904 = /<workbookPr\b[^>]*\sdate1904="(1|true)"/.test(workbook);
  const rels = new Map<string, string>();
  for (const m of (decode('xl/_rels/workbook.xml.rels') ?? '').matchAll(/<Relationship\b[^>]*>/g)) {
    const id = attr(m[0], 'Id');
    const target = attr(m[0], 'Target');
    if (id && target) rels.set(id, partOf(target));
  }
  const shared: string[] = [];
  const sst = decode('xl/sharedStrings.xml');
  if (sst) for (const m of sst.matchAll(/<si\b[^>]*>([\s\S]*?)<\/si>|<si\b[^>]*\/>/g)) shared.push(m[1] ? richText(m[1]) : '');
  const dates = dateStyles(decode('xl/styles.xml'));
  const sheets: XlsxSheet[] = [];
  for (const m of workbook.matchAll(/<sheet\b[^>]*>/g)) {
    const name = attr(m[0], 'name') ?? `Sheet ${sheets.length + 1}`;
    const rid = attr(m[0], 'r:id') ?? attr(m[0], 'id');
    const part = rid ? rels.get(rid) : undefined;
    if (!part) continue;
    const xml = decode(part);
    if (xml === null) continue; // a chart sheet or a part this reader does not take
    sheets.push({ name, rows: sheetRows(xml, shared, dates, date1904, name, limits.maxRows) });
  }
  if (sheets.length === 0) throw refuse('The workbook has no worksheet that can be read');
  return sheets;
}
