// Working out what a spend file is before reading it: compression, encoding, delimiter, where the header is,
// and which columns are real. Everything here looks at a sample from the start of the file, never all of it.
import { tokenizeCsv, CsvTokenizer, type CsvRecord } from './spend.csv.ts';
import { createTextDecoder, detectEncoding, type TextEncoding } from './spend.encoding.ts';
import { SpendFileError } from './spend.errors.ts';
import { recognisedHeaderCount } from './spend.mapping.ts';
import { looksLikeDate, parseAmount } from './spend.values.ts';

/** How many decompressed bytes the sniffer looks at: a few hundred rows of a typical file. */
export const SNIFF_BYTES = 128 * 1024;
/** How many data rows after the header are kept for recognising columns by their content. */
export const SAMPLE_ROWS = 500;
// A header further down than this is not a header: real files have at most a handful of title rows.
const MAX_ROWS_BEFORE_HEADER = 30;

export type Delimiter = ',' | ';' | '\t' | '|';
const DELIMITERS: readonly Delimiter[] = [',', ';', '\t', '|'];

export interface SpendColumn {
  /** Position of the column's field in each record (0-based); records are not re-indexed. */
  readonly index: number;
  /** Unique display name: the trimmed header, "Amount (2)" for a repeat, "Column 7" for a blank header. */
  readonly name: string;
  /** The header cell exactly as published. */
  readonly header: string;
  /** Non-empty cells in the sample. */
  readonly filled: number;
}

export interface SpendSniff {
  readonly compression: 'gzip' | 'none';
  readonly encoding: TextEncoding;
  readonly bom: boolean;
  readonly delimiter: Delimiter;
  /** Index of the header among the file's records (0-based), or -1 for a file with no header row at its top. */
  readonly headerRecord: number;
  /**
   * Index of a header row found at the very end of the file instead (a spreadsheet sorted with its header
   * row), or -1. The columns are named from it and the reader skips it. Looked for only when the sample is
   * the whole file and no header row starts it.
   */
  readonly footerRecord: number;
  /** Physical line of the header, or null. */
  readonly headerLine: number | null;
  /** Non-blank rows before the header (titles such as "Invoices over £500 paid in February 2017"). */
  readonly titleRows: readonly string[];
  readonly blankRowsBeforeHeader: number;
  readonly columns: readonly SpendColumn[];
  /** Columns with no header and nothing in the sample, left out of `columns`. */
  readonly droppedColumns: readonly number[];
  /** How many of the dropped columns trail after the last named one (Leeds has 17). */
  readonly trailingEmptyColumns: number;
  /** Header names that appear more than once (each later copy is renamed "Name (2)"...). */
  readonly duplicateHeaders: readonly string[];
  /** Data rows from the sample, as raw fields, for recognising columns by content. */
  readonly sample: readonly (readonly string[])[];
}

/** True when the bytes start with the gzip magic number, whatever the file is called. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

/**
 * Refuses files that are not text, naming what they look like when we can tell (people upload the .xlsx).
 * Returns quietly for text.
 */
export function assertText(sample: Uint8Array, encoding: TextEncoding): void {
  const magic = (sig: number[]): boolean => sig.every((b, i) => sample[i] === b);
  if (magic([0x50, 0x4b, 0x03, 0x04])) {
    throw notText('It is a ZIP archive, probably an Excel workbook (.xlsx): save the sheet as CSV and upload that.');
  }
  if (magic([0xd0, 0xcf, 0x11, 0xe0])) {
    throw notText('It is an old Excel workbook (.xls): save the sheet as CSV and upload that.');
  }
  if (magic([0x25, 0x50, 0x44, 0x46])) throw notText('It is a PDF: we need the data as CSV.');
  if (encoding === 'utf-16le' || encoding === 'utf-16be') return;
  // Text has tabs and line breaks but almost no other control bytes; binary data is full of them.
  const n = Math.min(sample.length, 8192);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = sample[i] ?? 0;
    if (b === 0) throw notText('It contains NUL bytes, so it is binary data, not CSV text.');
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
  }
  if (control > n * 0.01) throw notText('It is full of control bytes, so it is binary data, not CSV text.');
}

function notText(why: string): SpendFileError {
  return new SpendFileError('spend.not-text', `This does not look like a CSV file. ${why}`);
}

/**
 * Sniffs the start of a (decompressed) file. `complete` says the sample is the whole file; otherwise its last,
 * possibly cut-off, record is ignored. Throws `spend.empty-file` or `spend.not-text`.
 */
export function sniffSample(
  sample: Uint8Array,
  options: { complete: boolean; compression: 'gzip' | 'none' },
): SpendSniff {
  const { encoding, bom } = detectEncoding(sample, options.complete);
  assertText(sample, encoding);
  const decoder = createTextDecoder(encoding);
  const text = decoder.decode(sample) + (options.complete ? decoder.end() : '');
  if (text.trim() === '') throw new SpendFileError('spend.empty-file', 'The file is empty: it has no rows at all.');

  const delimiter = detectDelimiter(text);
  const tokenizer = new CsvTokenizer(delimiter, Number.MAX_SAFE_INTEGER);
  const records: CsvRecord[] = [];
  tokenizer.write(text, records);
  if (options.complete) tokenizer.end(records);
  if (records.length === 0) records.push(...tokenizeCsv(text, delimiter)); // one long record: take it as is

  const headerRecord = findHeaderRecord(records);
  const footerRecord = headerRecord < 0 && options.complete ? findFooterRecord(records) : -1;
  const header = headerRecord >= 0 ? records[headerRecord] : footerRecord >= 0 ? records[footerRecord] : undefined;
  const before = records.slice(0, Math.max(headerRecord, 0));
  const dataStart = headerRecord >= 0 ? headerRecord + 1 : 0;
  const sampleRows = records
    .slice(dataStart, footerRecord >= 0 ? footerRecord : undefined)
    .filter((r) => !isBlank(r.fields))
    .slice(0, SAMPLE_ROWS)
    .map((r) => r.fields);
  const shape = columnsOf(header?.fields ?? [], sampleRows);
  return {
    compression: options.compression,
    encoding,
    bom,
    delimiter,
    headerRecord,
    footerRecord,
    headerLine: header?.line ?? null,
    titleRows: before.filter((r) => !isBlank(r.fields)).map((r) => titleText(r.fields)),
    blankRowsBeforeHeader: before.filter((r) => isBlank(r.fields)).length,
    ...shape,
    sample: sampleRows,
  };
}

/** True when every field is empty or whitespace (",,,,," rows pad many files). */
export function isBlank(fields: readonly string[]): boolean {
  for (const f of fields) if (f !== '' && f.trim() !== '') return false;
  return true;
}

function titleText(fields: readonly string[]): string {
  return fields.map((f) => f.trim()).filter((f) => f !== '').join(' ');
}

/**
 * Picks the delimiter that splits the most rows of the sample into the same number (≥ 2) of fields.
 * Thousands commas inside unquoted amounts make comma counts vary in a tab or semicolon file, so consistency,
 * not frequency, decides. Ties go to the comma.
 */
export function detectDelimiter(text: string): Delimiter {
  const head = firstLines(text, 100);
  let best: Delimiter = ',';
  let bestScore = 0;
  for (const d of DELIMITERS) {
    const counts = new Map<number, number>();
    for (const r of tokenizeCsv(head, d)) {
      if (isBlank(r.fields) || r.fields.length < 2) continue;
      counts.set(r.fields.length, (counts.get(r.fields.length) ?? 0) + 1);
    }
    let score = 0;
    for (const c of counts.values()) score = Math.max(score, c);
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

function firstLines(text: string, lines: number): string {
  let at = -1;
  for (let k = 0; k < lines; k++) {
    at = text.indexOf('\n', at + 1);
    if (at === -1) return text;
  }
  return text.slice(0, at + 1);
}

/**
 * Finds the header among the first records: a row as wide as the data (at least half of the usual number of
 * filled cells) in which no cell is a number, an amount or a date. Title rows fill one or two cells; data rows
 * carry amounts. Among such rows the first with two or more recognised column names wins, else the first.
 * Returns -1 when no row qualifies (a file without a header).
 */
export function findHeaderRecord(records: readonly CsvRecord[]): number {
  const usual = usualFilledWidth(records);
  let firstCandidate = -1;
  let seen = 0;
  for (let i = 0; i < records.length && seen < MAX_ROWS_BEFORE_HEADER; i++) {
    const fields = records[i]?.fields ?? [];
    if (isBlank(fields)) continue;
    seen++;
    const filled = fields.filter((f) => f.trim() !== '');
    if (filled.length < Math.max(2, Math.ceil(usual / 2))) continue;
    if (filled.some((f) => isValueLike(f))) continue;
    if (recognisedHeaderCount(filled) >= 2) return i;
    if (firstCandidate === -1) firstCandidate = i;
  }
  return firstCandidate;
}

/**
 * A header row at the end of a file with none at its top: the last non-blank record, as wide as the data, with
 * no number, amount or date in it and two or more recognised column names. -1 when there is none.
 */
export function findFooterRecord(records: readonly CsvRecord[]): number {
  let last = records.length - 1;
  while (last >= 0 && isBlank(records[last]?.fields ?? [])) last--;
  if (last <= 0) return -1;
  const filled = (records[last]?.fields ?? []).filter((f) => f.trim() !== '');
  if (filled.length < Math.max(2, Math.ceil(usualFilledWidth(records) / 2))) return -1;
  if (filled.some((f) => isValueLike(f))) return -1;
  return recognisedHeaderCount(filled) >= 2 ? last : -1;
}

function isValueLike(cell: string): boolean {
  const t = cell.trim();
  return /\d/.test(t) && (parseAmount(t).ok || looksLikeDate(t));
}

// The most common number of filled cells among rows with at least two: the width of a data row.
function usualFilledWidth(records: readonly CsvRecord[]): number {
  const counts = new Map<number, number>();
  for (const r of records.slice(0, 200)) {
    let filled = 0;
    for (const f of r.fields) if (f.trim() !== '') filled++;
    if (filled >= 2) counts.set(filled, (counts.get(filled) ?? 0) + 1);
  }
  let usual = 0;
  let most = 0;
  for (const [width, count] of counts) {
    if (count > most || (count === most && width > usual)) {
      usual = width;
      most = count;
    }
  }
  return usual;
}

function columnsOf(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): Pick<SpendSniff, 'columns' | 'droppedColumns' | 'trailingEmptyColumns' | 'duplicateHeaders'> {
  // With a header, the header sets the width: values past it are misaligned rows, which the reader rejects
  // by name. Without one, the widest sample row does.
  let width = header.length;
  if (width === 0) for (const r of rows) width = Math.max(width, r.length);
  let lastNamed = -1;
  header.forEach((h, i) => {
    if (h.trim() !== '') lastNamed = i;
  });
  const columns: SpendColumn[] = [];
  const dropped: number[] = [];
  const seen = new Map<string, number>();
  const duplicates = new Set<string>();
  for (let i = 0; i < width; i++) {
    const raw = header[i] ?? '';
    const trimmed = raw.trim().replace(/\s+/g, ' ');
    let filled = 0;
    for (const r of rows) if ((r[i] ?? '').trim() !== '') filled++;
    if (trimmed === '' && filled === 0) {
      dropped.push(i);
      continue;
    }
    let name = trimmed === '' ? `Column ${i + 1}` : trimmed;
    const key = name.toLowerCase();
    const times = (seen.get(key) ?? 0) + 1;
    seen.set(key, times);
    if (times > 1) {
      duplicates.add(name);
      name = `${name} (${times})`;
    }
    columns.push({ index: i, name, header: raw, filled });
  }
  return {
    columns,
    droppedColumns: dropped,
    trailingEmptyColumns: dropped.filter((i) => i > lastNamed).length,
    duplicateHeaders: [...duplicates],
  };
}
