// The streaming reader: bytes in (a Buffer or a stream of a file tens of megabytes long), normalised spend
// lines and rejected rows out, with a summary at the end. Only the sniffing sample, one 64 KiB piece and the
// supplier names are held, and, when it flags duplicates itself, a 64-bit fingerprint per line
// (spend.duplicates.ts). An import leaves duplicates to the database (`flagDuplicates: false`), so its memory
// stays flat whatever the file's length.
//
// Decisions about awkward rows, so that none disappears without trace:
// - A row whose cells are all empty is skipped (files pad themselves with thousands of ",,,,," rows); they
//   are counted in `blankRowsSkipped`.
// - Every other row becomes a spend line, or a rejection naming the line, the field and the value.
// - A row with an amount but no date, when the file has a date column, is imported with date null and a
//   warning; a date that cannot be read is a rejection (a typo the publisher should fix, not an absence).
// - A total or subtotal row (a "Total" label and no supplier or date) is rejected with that reason rather than
//   imported: importing it would count the money twice. It still appears in `rejected`.
// - Identical rows (every cell the same) are kept, since councils do pay the same invoice amount twice, and
//   flagged with `duplicateOf`, the line of the first copy (every line carries its fingerprint, so a caller
//   can find them instead).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CsvTokenizer, type CsvRecord } from './spend.csv.ts';
import { DuplicateIndex, FINGERPRINT, fingerprint } from './spend.duplicates.ts';
import { createTextDecoder, type TextEncoding } from './spend.encoding.ts';
import { SpendFileError } from './spend.errors.ts';
import { mapColumns, SPEND_FIELD_LABELS, type MappingOverride, type SpendField, type SpendMapping } from './spend.mapping.ts';
import { isBlank, isGzip, sniffSample, SNIFF_BYTES, type SpendSniff } from './spend.sniff.ts';
import { parseAmount, parsePeriod, parseSpendDate, type SpendPeriod } from './spend.values.ts';

export type SpendInput = Uint8Array | Readable | AsyncIterable<Uint8Array | string>;

export interface ReadSpendOptions {
  /** The period a file without dates covers ("2010-10..2010-12"); required only when there is no date column. */
  readonly period?: SpendPeriod | string;
  /** The publisher's confirmed mapping, field → column name. */
  readonly mapping?: MappingOverride;
  /** Refuse files whose decompressed size exceeds this (a gzip bomb guard). Default 2 GiB. */
  readonly maxBytes?: number;
  /** Refuse files with more physical lines than this (decompressed). Default 5,000,000. */
  readonly maxLines?: number;
  /** Stop reading (SpendFileError `spend.aborted`) when this is aborted, e.g. the client went away. */
  readonly signal?: AbortSignal;
  /** How many rejections the summary lists (all are counted and all are yielded). Default 1000. */
  readonly maxListedRejections?: number;
  /**
   * Flag identical lines here (`duplicateOf`, `duplicateLines`). Default true. False leaves that to the caller,
   * from each line's fingerprint (an import asks the database, so no memory grows with the file's length).
   */
  readonly flagDuplicates?: boolean;
}

/** One spend line: a row of the file that carries an amount. Text fields are trimmed, spaces collapsed. */
export interface SpendLine {
  readonly kind: 'line';
  /** 1-based physical line in the (decompressed) file where the row starts. */
  readonly line: number;
  /** ISO date, or null when the row has none (then `period` says when, if the caller gave one). */
  readonly date: string | null;
  readonly period: SpendPeriod | null;
  readonly netPence: bigint;
  /** Irrecoverable VAT; null when the file has no such column or says "N/A". */
  readonly vatPence: bigint | null;
  readonly body: string | null;
  readonly bodyName: string | null;
  readonly department: string | null;
  readonly serviceArea: string | null;
  readonly supplierName: string | null;
  readonly supplierId: string | null;
  readonly companyNumber: string | null;
  readonly charityNumber: string | null;
  readonly vatNumber: string | null;
  readonly purpose: string | null;
  readonly expenseCategory: string | null;
  readonly expenseCode: string | null;
  readonly sercopCode: string | null;
  readonly sercopCategoryCode: string | null;
  readonly merchantCategory: string | null;
  readonly transactionNumber: string | null;
  readonly invoiceNumber: string | null;
  readonly capitalRevenue: string | null;
  /** Line of an earlier row with exactly the same cells, or null (always null when not flagging duplicates). */
  readonly duplicateOf: number | null;
  /** The row's 64-bit fingerprint of its cells (spend.duplicates.ts) as two signed 32-bit halves. */
  readonly fingerprintHi: number;
  readonly fingerprintLo: number;
  /** Every named column's cell exactly as published. */
  readonly raw: Record<string, string>;
}

export interface SpendRejection {
  readonly kind: 'rejected';
  readonly line: number;
  readonly reason: string;
}

export type SpendRecord = SpendLine | SpendRejection;

export interface SpendSummary {
  readonly rowsImported: number;
  readonly rowsRejected: number;
  readonly netTotalPence: bigint;
  /** Distinct supplier names after trimming, collapsing spaces and case-folding. */
  readonly suppliers: number;
  readonly firstDate: string | null;
  readonly lastDate: string | null;
  /** The caller's period, when one was given. */
  readonly period: SpendPeriod | null;
  /** The first `maxListedRejections` rejections (rowsRejected counts all). */
  readonly rejected: readonly { readonly line: number; readonly reason: string }[];
  readonly mapping: SpendMapping;
  /** SHA-256 of the bytes as given (compressed, if the file was). */
  readonly sha256: string;
  readonly bytes: number;
  readonly compression: 'gzip' | 'none';
  /** The encoding actually met: a file sniffed as UTF-8 may turn out to be Windows-1252 further down. */
  readonly encoding: TextEncoding;
  readonly delimiter: string;
  readonly headerLine: number | null;
  readonly titleRows: readonly string[];
  readonly blankRowsSkipped: number;
  readonly duplicateLines: number;
  readonly linesWithoutDate: number;
  /** Lines holding bytes that are not valid UTF-8 in a UTF-8 file (each such byte read as Windows-1252); the first 1000. */
  readonly undecodedLines: readonly number[];
  readonly warnings: readonly string[];
}

/** A spend file whose shape is known: the mapping can be shown before a single line is imported. */
export interface SpendFile {
  readonly sniff: SpendSniff;
  readonly mapping: SpendMapping;
  /** Streams the lines and rejections. Call this or `batches()`, once. */
  records(): AsyncGenerator<SpendRecord, void, undefined>;
  /**
   * Streams the same records in arrays, one per chunk of input (a few thousand lines): cheaper per line than
   * `records()` for bulk loading, since each await costs as much as reading a short line.
   */
  batches(): AsyncGenerator<SpendRecord[], void, undefined>;
  /** The summary, once `records()` has been read to the end. */
  summary(): SpendSummary;
}

export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;
export const DEFAULT_MAX_LINES = 5_000_000;
const BUFFER_CHUNK = 1024 * 1024;
const PIECE = 64 * 1024;
const MAX_WARNINGS = 100;
const TOTAL_LABEL = /^(grand\s*|sub[\s-]*)?totals?\b/i;
// In the supplier column only a bare label, or "Total for …", is a total: "TOTAL HYGIENE LTD" is a supplier.
const SUPPLIER_TOTAL_LABEL = /^(grand\s*|sub[\s-]*)?totals?\s*(:|$|(for|of)\b)/i;

/**
 * Opens a spend file: reads just enough of it to detect compression, encoding, delimiter, header and columns,
 * and maps the columns. Throws SpendFileError when the file cannot be a spend file (empty, binary, no amount
 * column, no dates and no period), before any line is produced.
 */
export async function openSpendFile(input: SpendInput, options: ReadSpendOptions = {}): Promise<SpendFile> {
  options.signal?.throwIfAborted();
  const source = new ByteSource(input, options.maxBytes ?? DEFAULT_MAX_BYTES, options.signal);
  const { sample, complete } = await source.sample(SNIFF_BYTES);
  if (sample.length === 0) throw new SpendFileError('spend.empty-file', 'The file is empty: it has no bytes at all.');
  let sniff: SpendSniff;
  let mapping: SpendMapping;
  try {
    sniff = sniffSample(sample, { complete, compression: source.compression });
    mapping = mapColumns(sniff.columns, sniff.sample, options.mapping);
  } catch (error) {
    // A corrupt gzip stream can inflate to garbage and fail only at its final checksum: blame the real fault.
    if (source.compression === 'gzip' && !complete) await source.verifyRest();
    throw error;
  }
  if (!mapping.fields.netAmount) {
    if (source.compression === 'gzip' && !complete) await source.verifyRest();
    throw new SpendFileError(
      'spend.no-amount-column',
      `No column holds the net amount, so there is nothing to import. Columns found: ${
        sniff.columns.map((c) => `"${c.name}"`).join(', ') || 'none'
      }. Say which column holds the amount and the mapping will be remembered for this publisher.`,
    );
  }
  const period = typeof options.period === 'string' ? parsePeriod(options.period) : (options.period ?? null);
  if (!mapping.fields.date && !period) {
    const title = sniff.titleRows.length > 0 ? ` Its title says: "${sniff.titleRows.join(' / ')}".` : '';
    throw new SpendFileError(
      'spend.period-required',
      `The file has no date column.${title} Give the period it covers, e.g. --period 2010-10..2010-12.`,
    );
  }
  let summary: SpendSummary | null = null;
  let started = false;
  const batches = (): AsyncGenerator<SpendRecord[], void, undefined> => {
    if (started) throw new Error('A spend file can be read only once');
    started = true;
    return readBatches(source, sample, sniff, mapping, period, options, (s) => {
      summary = s;
    });
  };
  return {
    sniff,
    mapping,
    batches,
    records() {
      const source = batches(); // claims the file now, so a second read fails at the call, not later
      return (async function* () {
        for await (const batch of source) yield* batch;
      })();
    },
    summary() {
      if (!summary) throw new Error('The summary is ready only after every record has been read');
      return summary;
    },
  };
}

/**
 * Reads a whole spend file into memory: the lines, the rejections and the summary. For tests and small
 * uploads; imports should stream `openSpendFile(...).records()` instead.
 */
export async function readSpendFile(
  input: SpendInput,
  options: ReadSpendOptions = {},
): Promise<{ lines: SpendLine[]; rejected: SpendRejection[]; summary: SpendSummary }> {
  const file = await openSpendFile(input, options);
  const lines: SpendLine[] = [];
  const rejected: SpendRejection[] = [];
  for await (const record of file.records()) {
    if (record.kind === 'line') lines.push(record);
    else rejected.push(record);
  }
  return { lines, rejected, summary: file.summary() };
}

/** The summary as plain JSON (bigint pence become decimal strings, so no precision is lost). */
export function spendSummaryJson(summary: SpendSummary): Record<string, unknown> {
  return { ...summary, netTotalPence: summary.netTotalPence.toString() };
}

type TextField = Exclude<SpendField, 'date' | 'netAmount' | 'irrecoverableVat'>;

async function* readBatches(
  source: ByteSource,
  sample: Buffer,
  sniff: SpendSniff,
  mapping: SpendMapping,
  period: SpendPeriod | null,
  options: ReadSpendOptions,
  done: (summary: SpendSummary) => void,
): AsyncGenerator<SpendRecord[], void, undefined> {
  const f = mapping.fields;
  const col = (field: SpendField): number => f[field]?.column ?? -1;
  const label = (field: SpendField): string => `${SPEND_FIELD_LABELS[field]} ("${f[field]?.header ?? ''}")`;
  const amountAt = col('netAmount');
  const dateAt = col('date');
  const vatAt = col('irrecoverableVat');
  const supplierAt = col('supplierName');
  const at = (field: TextField): number => col(field);
  const idx = {
    body: at('body'), bodyName: at('bodyName'), department: at('department'), serviceArea: at('serviceArea'),
    supplierName: supplierAt, supplierId: at('supplierId'), companyNumber: at('companyNumber'),
    charityNumber: at('charityNumber'), vatNumber: at('vatNumber'), purpose: at('purpose'),
    expenseCategory: at('expenseCategory'), expenseCode: at('expenseCode'), sercopCode: at('sercopCode'),
    sercopCategoryCode: at('sercopCategoryCode'), merchantCategory: at('merchantCategory'),
    transactionNumber: at('transactionNumber'), invoiceNumber: at('invoiceNumber'), capitalRevenue: at('capitalRevenue'),
  };
  const columns = sniff.columns;
  const width = columns.reduce((w, c) => Math.max(w, c.index + 1), 0);
  // Blank-headed columns inside the header's width (Darlington's first): kept in raw when a row fills one.
  const unnamed = sniff.droppedColumns.filter((i) => i < width);
  const shape: RawShape = { columns, unnamed };
  // Dates repeat (a year has 366 of them): each distinct cell is parsed once.
  const dates = new Map<string, ReturnType<typeof parseSpendDate>>();
  const vatWords = new Map<string, ReturnType<typeof parseAmount>>();
  const maxListed = options.maxListedRejections ?? 1000;

  let imported = 0;
  let rejectedCount = 0;
  let total = 0n;
  let firstDate: string | null = null;
  let lastDate: string | null = null;
  let blank = 0;
  let duplicates = 0;
  let withoutDate = 0;
  let outsidePeriod = 0;
  const listed: { line: number; reason: string }[] = [];
  const warnings: string[] = [];
  const suppliers = new Set<string>();
  const supplierKeys = new Map<string, string>();
  const seen = options.flagDuplicates === false ? null : new DuplicateIndex();

  const reject = (line: number, reason: string): SpendRejection => {
    rejectedCount++;
    if (listed.length < maxListed) listed.push({ line, reason });
    return { kind: 'rejected', line, reason };
  };
  const warn = (message: string): void => {
    if (warnings.length < MAX_WARNINGS) warnings.push(message);
  };

  const toRecord = (record: CsvRecord): SpendRecord | null => {
    const fields = record.fields;
    const line = record.line;
    if (record.unterminated) {
      return reject(line, `a quote opened in this row is never closed, so the rest of the file could not be read`);
    }
    if (isBlank(fields)) {
      blank++;
      return null;
    }
    for (let i = width; i < fields.length; i++) {
      if ((fields[i] ?? '').trim() !== '') {
        return reject(line, `the row has a value in column ${i + 1} ("${clip(fields[i] ?? '')}"), past the last column of the header; a comma inside an unquoted value may have shifted its cells`);
      }
    }
    const amountText = fields[amountAt] ?? '';
    const amount = parseAmount(amountText);
    if (!amount.ok) {
      return reject(line, `${label('netAmount')} ${amount.empty ? 'is empty' : amount.reason}`);
    }
    if (mayBeTotalRow(fields, supplierAt) && isTotalRow(fields, amountAt, supplierAt, dateAt)) {
      return reject(line, `looks like a total row ("${clip(fields.find((c) => TOTAL_LABEL.test(c.trim())) ?? '')}"), not a payment; not imported so the money is not counted twice`);
    }
    let date: string | null = null;
    if (dateAt >= 0) {
      const cell = fields[dateAt] ?? '';
      let parsed = dates.get(cell);
      if (parsed === undefined) {
        parsed = parseSpendDate(cell, mapping.dateOrder, true);
        if (dates.size < 50_000) dates.set(detached(cell), parsed);
      }
      if (parsed.ok) date = parsed.iso;
      else if (!parsed.empty) return reject(line, `${label('date')} ${parsed.reason}`);
      else withoutDate++;
    }
    let vatPence: bigint | null = null;
    if (vatAt >= 0) {
      const cell = fields[vatAt] ?? '';
      let vat = vatWords.get(cell);
      if (vat === undefined) {
        vat = parseAmount(cell);
        // "N/A" on every line: words and blanks are read once, numbers every time.
        if (!vat.ok && vatWords.size < 1000) vatWords.set(detached(cell), vat);
      }
      if (vat.ok) vatPence = vat.pence;
      else if (!vat.empty && vat.marker === undefined) warn(`line ${line}: ${label('irrecoverableVat')} ${vat.reason}; left empty`);
    }
    if (amount.ok && amount.rounded) warn(`line ${line}: ${label('netAmount')} "${amountText.trim()}" has more than two decimal places; rounded to the penny`);

    fingerprint(fields);
    const hi = FINGERPRINT[0]!;
    const lo = FINGERPRINT[1]!;
    const duplicateOf = seen ? seen.firstLineOfFingerprint(hi, lo, line) : null;
    if (duplicateOf !== null) duplicates++;

    const supplierName = text(fields, idx.supplierName);
    if (supplierName !== null) {
      let folded = supplierKeys.get(supplierName);
      if (folded === undefined) {
        folded = detached(supplierName.normalize('NFKC').toLowerCase());
        supplierKeys.set(detached(supplierName), folded);
      }
      suppliers.add(folded);
    }
    if (date !== null) {
      if (firstDate === null || date < firstDate) firstDate = date;
      if (lastDate === null || date > lastDate) lastDate = date;
      if (period && (date < period.from || date > period.to)) outsidePeriod++;
    }
    imported++;
    total += amount.pence;
    return new Line(line, date, period, amount.pence, vatPence, supplierName, duplicateOf, hi | 0, lo | 0, fields, idx, shape);
  };

  const decoder = createTextDecoder(sniff.encoding);
  const tokenizer = new CsvTokenizer(sniff.delimiter);
  let recordIndex = 0;
  const batch: CsvRecord[] = [];
  const maxLines = options.maxLines ?? DEFAULT_MAX_LINES;
  const signal = options.signal;
  // The limits are checked once a piece (64 KiB), not once a line: the cost does not show.
  const drain = (): SpendRecord[] => {
    if (signal?.aborted) throw abortedError(signal);
    if (batch.length > 0 && batch[batch.length - 1]!.line > maxLines) throw tooManyLines(maxLines);
    const out: SpendRecord[] = [];
    for (const record of batch) {
      const index = recordIndex++;
      if (index <= sniff.headerRecord || index === sniff.footerRecord) continue;
      const converted = toRecord(record);
      if (converted) out.push(converted);
    }
    batch.length = 0;
    return out;
  };

  // Work in pieces of at most 64 KiB whatever the stream's chunk size: a batch of a few hundred lines dies
  // young, while a batch from a 1 MiB chunk survives into the old generation and doubles time and memory.
  // Lines with bytes that are not UTF-8: found only when the decoder met one, so a clean file pays nothing.
  const undecoded: number[] = [];
  let undecodedCount = 0;
  const write = (text: string): void => {
    if (decoder.fallbacks.length > 0) {
      for (const offset of decoder.fallbacks) {
        const line = tokenizer.lineOf(text, offset);
        if (undecoded.length > 0 && undecoded[undecoded.length - 1]! >= line) continue;
        undecodedCount++;
        if (undecoded.length < 1000) undecoded.push(line);
      }
    }
    tokenizer.write(text, batch);
  };
  for (let at = 0; at < sample.length; at += PIECE) {
    write(decoder.decode(sample.subarray(at, at + PIECE)));
    const out = drain();
    if (out.length > 0) yield out;
  }
  for await (const chunk of source.rest()) {
    for (let at = 0; at < chunk.length; at += PIECE) {
      write(decoder.decode(chunk.subarray(at, at + PIECE)));
      const out = drain();
      if (out.length > 0) yield out;
    }
  }
  write(decoder.end());
  tokenizer.end(batch);
  const last = drain();
  if (last.length > 0) yield last;

  if (sniff.footerRecord >= 0) warn(`the header row is the file’s last line (line ${sniff.headerLine}), not its first: the columns are named from it, and it is not read as spending`);
  if (withoutDate > 0) warn(`${withoutDate} line(s) have no date`);
  if (outsidePeriod > 0 && period) warn(`${outsidePeriod} line(s) are dated outside the period ${period.from}..${period.to}`);
  const stats = decoder.stats;
  const encoding: TextEncoding =
    sniff.encoding === 'utf-8' && stats.fallbackBytes > 0 && !stats.utf8 ? 'windows-1252' : sniff.encoding;
  if (sniff.encoding === 'utf-8' && stats.fallbackBytes > 0 && stats.utf8) {
    const shown = undecoded.slice(0, 20).join(', ');
    warn(`the file is UTF-8, but ${undecodedCount} line(s) hold ${stats.fallbackBytes} byte(s) that are not UTF-8, each read as Windows-1252: check line${undecodedCount === 1 ? '' : 's'} ${shown}${undecodedCount > 20 ? ' …' : ''}`);
  }
  done({
    rowsImported: imported,
    rowsRejected: rejectedCount,
    netTotalPence: total,
    suppliers: suppliers.size,
    firstDate,
    lastDate,
    period,
    rejected: listed,
    mapping,
    sha256: source.sha256(),
    bytes: source.bytes,
    compression: sniff.compression,
    encoding,
    delimiter: sniff.delimiter,
    headerLine: sniff.headerLine,
    titleRows: sniff.titleRows,
    blankRowsSkipped: blank,
    duplicateLines: duplicates,
    linesWithoutDate: withoutDate,
    undecodedLines: encoding === 'utf-8' ? undecoded : [],
    warnings,
  });
}

interface RawShape {
  readonly columns: SpendSniff['columns'];
  /** Blank-headed columns inside the header's width: in raw when a row fills one. */
  readonly unnamed: readonly number[];
}

type FieldIndexes = Record<Exclude<TextField, 'supplierName'> | 'supplierName', number>;

/**
 * A spend line as the reader makes it: the text fields are read from the row's cells as it is built, and
 * `raw` (every named cell as published) only when someone asks for it, which an import never does.
 */
class Line implements SpendLine {
  readonly kind = 'line' as const;
  readonly body: string | null;
  readonly bodyName: string | null;
  readonly department: string | null;
  readonly serviceArea: string | null;
  readonly supplierId: string | null;
  readonly companyNumber: string | null;
  readonly charityNumber: string | null;
  readonly vatNumber: string | null;
  readonly purpose: string | null;
  readonly expenseCategory: string | null;
  readonly expenseCode: string | null;
  readonly sercopCode: string | null;
  readonly sercopCategoryCode: string | null;
  readonly merchantCategory: string | null;
  readonly transactionNumber: string | null;
  readonly invoiceNumber: string | null;
  readonly capitalRevenue: string | null;
  readonly #fields: readonly string[];
  readonly #shape: RawShape;

  constructor(
    readonly line: number,
    readonly date: string | null,
    readonly period: SpendPeriod | null,
    readonly netPence: bigint,
    readonly vatPence: bigint | null,
    readonly supplierName: string | null,
    readonly duplicateOf: number | null,
    readonly fingerprintHi: number,
    readonly fingerprintLo: number,
    fields: readonly string[],
    idx: FieldIndexes,
    shape: RawShape,
  ) {
    this.body = text(fields, idx.body);
    this.bodyName = text(fields, idx.bodyName);
    this.department = text(fields, idx.department);
    this.serviceArea = text(fields, idx.serviceArea);
    this.supplierId = text(fields, idx.supplierId);
    this.companyNumber = text(fields, idx.companyNumber);
    this.charityNumber = text(fields, idx.charityNumber);
    this.vatNumber = text(fields, idx.vatNumber);
    this.purpose = text(fields, idx.purpose);
    this.expenseCategory = text(fields, idx.expenseCategory);
    this.expenseCode = text(fields, idx.expenseCode);
    this.sercopCode = text(fields, idx.sercopCode);
    this.sercopCategoryCode = text(fields, idx.sercopCategoryCode);
    this.merchantCategory = text(fields, idx.merchantCategory);
    this.transactionNumber = text(fields, idx.transactionNumber);
    this.invoiceNumber = text(fields, idx.invoiceNumber);
    this.capitalRevenue = text(fields, idx.capitalRevenue);
    this.#fields = fields;
    this.#shape = shape;
  }

  get raw(): Record<string, string> {
    const fields = this.#fields;
    const raw: Record<string, string> = {};
    for (const c of this.#shape.columns) raw[c.name] = fields[c.index] ?? '';
    for (const i of this.#shape.unnamed) {
      const value = fields[i];
      if (value !== undefined && value.trim() !== '') raw[`Column ${i + 1}`] = value;
    }
    return raw;
  }
}

const SPACE_RUN = /\s{2,}|[\t\r\n\u00a0]/;

function text(fields: readonly string[], index: number): string | null {
  if (index < 0) return null;
  const v = fields[index];
  if (v === undefined || v === '') return null;
  let t = v.trim();
  if (t === '') return null;
  if (SPACE_RUN.test(t)) t = t.replace(/\s+/g, ' ');
  return t;
}

/**
 * Strings cut from a chunk may share the chunk's memory; one kept in a long-lived map would keep the whole
 * megabyte-long chunk alive. A copy through bytes owns its memory. Anything that keeps a line's text beyond its
 * batch (a map of names, say) must keep a detached copy.
 */
export function detached(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8');
}

function clip(value: string): string {
  const t = value.trim();
  return t.length > 60 ? `${t.slice(0, 60)}…` : t;
}

// The cheap test first: a row naming a supplier other than "Total" is a payment, however its cells read.
function mayBeTotalRow(fields: readonly string[], supplierAt: number): boolean {
  if (supplierAt < 0) return true;
  const supplier = fields[supplierAt] ?? '';
  return supplier.trim() === '' || SUPPLIER_TOTAL_LABEL.test(supplier.trim());
}

// A total row labels itself "Total", "Grand total" or "Sub-total" and names no supplier (or names "Total")
// and carries no date. "TOTAL GAS & POWER LTD" in the supplier column is a supplier, not a total.
function isTotalRow(fields: readonly string[], amountAt: number, supplierAt: number, dateAt: number): boolean {
  let labelled = false;
  for (let i = 0; i < fields.length; i++) {
    if (i === amountAt) continue;
    const t = (fields[i] ?? '').trim();
    if (t !== '' && TOTAL_LABEL.test(t) && t.length <= 20) labelled = true;
  }
  if (!labelled) return false;
  const supplier = supplierAt >= 0 ? (fields[supplierAt] ?? '').trim() : '';
  if (supplier !== '' && !SUPPLIER_TOTAL_LABEL.test(supplier)) return false;
  if (supplier !== '' && supplier.length > 20) return false;
  return dateAt < 0 || (fields[dateAt] ?? '').trim() === '';
}

function tooManyLines(maxLines: number): SpendFileError {
  return new SpendFileError('spend.too-many-lines', `The file has more than ${maxLines.toLocaleString('en-GB')} lines, the most this publisher may import in one file. Split it (by month, say), or ask a site administrator to raise the publisher’s limit.`);
}

/** The reader's answer when its signal is aborted (the client went away): nothing of the file is kept. */
export function abortedError(signal: AbortSignal): SpendFileError {
  const why = signal.reason instanceof Error && signal.reason.name !== 'AbortError' ? `: ${signal.reason.message}` : '';
  return new SpendFileError('spend.aborted', `The import was stopped before it finished${why}; nothing was written.`);
}

/**
 * The file's bytes: hashed as they arrive, gunzipped when the first bytes say gzip, and limited in size.
 * The sniffing sample is read first and the rest streamed after it.
 */
class ByteSource {
  compression: 'gzip' | 'none' = 'none';
  bytes = 0;
  private readonly hasher = createHash('sha256');
  private readonly raw: AsyncIterator<Buffer>;
  private decompressed: AsyncIterator<Buffer> | null = null;
  private inflated = 0;
  private readonly maxBytes: number;
  private readonly signal: AbortSignal | undefined;

  constructor(input: SpendInput, maxBytes: number, signal?: AbortSignal) {
    this.raw = this.hashed(input)[Symbol.asyncIterator]();
    this.maxBytes = maxBytes;
    this.signal = signal;
  }

  private async *hashed(input: SpendInput): AsyncGenerator<Buffer> {
    for await (const chunk of chunksOf(input)) {
      this.hasher.update(chunk);
      this.bytes += chunk.length;
      yield chunk;
    }
  }

  /** Reads decompressed bytes until `size` or the end. */
  async sample(size: number): Promise<{ sample: Buffer; complete: boolean }> {
    const head: Buffer[] = [];
    let headBytes = 0;
    // Enough raw bytes to see a gzip header.
    while (headBytes < 3) {
      const next = await this.raw.next();
      if (next.done) break;
      head.push(next.value);
      headBytes += next.value.length;
    }
    const first = Buffer.concat(head);
    const replay = this.replay(first);
    if (isGzip(first)) {
      this.compression = 'gzip';
      this.decompressed = gunzip(replay)[Symbol.asyncIterator]();
    } else {
      this.decompressed = replay[Symbol.asyncIterator]();
    }
    const parts: Buffer[] = [];
    let got = 0;
    while (got < size) {
      const next = await this.next();
      if (next === null) return { sample: Buffer.concat(parts), complete: true };
      parts.push(next);
      got += next.length;
    }
    return { sample: Buffer.concat(parts), complete: false };
  }

  /** The decompressed bytes after the sample. */
  async *rest(): AsyncGenerator<Buffer> {
    for (;;) {
      const next = await this.next();
      if (next === null) return;
      yield next;
    }
  }

  /** Reads (and discards) the rest of the input, so a damaged gzip stream reports itself. */
  async verifyRest(): Promise<void> {
    for await (const chunk of this.rest()) void chunk;
  }

  sha256(): string {
    return this.hasher.copy().digest('hex');
  }

  private async next(): Promise<Buffer | null> {
    if (!this.decompressed) return null;
    const next = await this.decompressed.next();
    if (this.signal?.aborted) throw abortedError(this.signal);
    if (next.done) return null;
    this.inflated += next.value.length;
    if (this.inflated > this.maxBytes) {
      throw new SpendFileError('spend.too-large', `The file is larger than ${sizeText(this.maxBytes)}${this.compression === 'gzip' ? ' once decompressed' : ''}, the most this publisher may import in one file. Split it (by month, say), or ask a site administrator to raise the publisher’s limit.`);
    }
    return next.value;
  }

  private async *replay(first: Buffer): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    for (;;) {
      const next = await this.raw.next();
      if (next.done) return;
      yield next.value;
    }
  }
}

/** A byte count as a person reads it: 2 GB, 500 MB, 1,024 bytes. */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 ** 3 && bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3} GB`;
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MB`;
  return `${bytes.toLocaleString('en-GB')} bytes`;
}

async function* chunksOf(input: SpendInput): AsyncGenerator<Buffer> {
  if (input instanceof Uint8Array) {
    const buffer = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    for (let at = 0; at < buffer.length; at += BUFFER_CHUNK) yield buffer.subarray(at, at + BUFFER_CHUNK);
    return;
  }
  for await (const chunk of input as AsyncIterable<Uint8Array | string>) {
    // A stream with setEncoding() hands out strings; its bytes are gone, so refuse rather than guess.
    if (typeof chunk === 'string') throw new TypeError('Give the spend reader bytes, not a stream with an encoding set');
    yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

async function* gunzip(compressed: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const inflater = createGunzip();
  const feeder = Readable.from(compressed);
  feeder.on('error', (error: unknown) => inflater.destroy(error instanceof Error ? error : new Error(String(error))));
  feeder.pipe(inflater);
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (error) {
    if (error instanceof SpendFileError) throw error;
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('Z_') || code === 'ERR_ZLIB_INITIALIZATION_FAILED') {
      const why = code === 'Z_BUF_ERROR' ? 'it ends part-way through (truncated?)' : 'its compressed data is corrupt';
      throw new SpendFileError('spend.gzip-invalid', `The file is gzip-compressed but cannot be decompressed: ${why}.`, { cause: error });
    }
    throw error;
  } finally {
    feeder.destroy();
    inflater.destroy();
  }
}
