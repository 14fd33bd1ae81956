// The COPY text of a spend file's lines, and the loop that makes it while gathering the file's suppliers: the
// code that runs wherever the file is read, in the importing thread or in a worker (spend.copy.ts,
// spend.worker.ts). It imports nothing of the database's, so a worker loads only the reader.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { SpendFileErrorCode } from './spend.errors.ts';
import { detached, type ReadSpendOptions, type SpendFile, type SpendInput, type SpendLine, type SpendSummary } from './spend.read.ts';
import { supplierKey } from './spend.suppliers.ts';
import type { FileSuppliers } from './spend.filesuppliers.ts';

/**
 * The columns COPY fills, in the order `lineToCopyText` writes them. The two halves of each line's fingerprint
 * go only into the file's own table, to find identical lines there (see flagDuplicateLines), and are dropped
 * before it joins spend_lines. The publisher and file are not sent with
 * every line: the file's own table has them as its columns' defaults while it is loaded (see createFileLines),
 * which spares a quarter of the text built, sent and parsed.
 */
export const COPY_COLUMNS = [
  'line', 'date', 'net_pence', 'vat_pence', 'department', 'service_area',
  'supplier_name', 'supplier_key', 'supplier_ref', 'company_number', 'charity_number', 'vat_number', 'purpose',
  'expense_category', 'expense_code', 'merchant_category', 'transaction_number', 'invoice_number',
  'capital_revenue', 'body', 'body_name', 'duplicate_of', 'fingerprint_hi', 'fingerprint_lo',
] as const;

const SPECIAL = /[\\\t\n\r]/;

/** A value in COPY's text format: \N for null; backslash, tab and line breaks escaped. */
function cell(value: string | null): string {
  if (value === null) return '\\N';
  if (!SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** One spend line as a row of COPY text (with its newline). */
export function lineToCopyText(l: SpendLine, supplierKey: string | null): string {
  return `${l.line}\t${l.date ?? '\\N'}\t${l.netPence}\t${l.vatPence ?? '\\N'}\t${cell(l.department)}\t${cell(l.serviceArea)}\t${cell(l.supplierName)}\t${cell(supplierKey)}\t${cell(l.supplierId)}\t${cell(l.companyNumber)}\t${cell(l.charityNumber)}\t${cell(l.vatNumber)}\t${cell(l.purpose)}\t${cell(l.expenseCategory)}\t${cell(l.expenseCode)}\t${cell(l.merchantCategory)}\t${cell(l.transactionNumber)}\t${cell(l.invoiceNumber)}\t${cell(l.capitalRevenue)}\t${cell(l.body)}\t${cell(l.bodyName)}\t${l.duplicateOf ?? '\\N'}\t${l.fingerprintHi}\t${l.fingerprintLo}\n`;
}

/** The file's bytes, or a path to read them from. */
export type CopySource = { bytes: Uint8Array } | { path: string };

/** A worker hands on COPY text in pieces of about this many bytes. */
export const PIECE = 1024 * 1024;

/** The bytes as a stream the reader pulls, counting them for progress as it pulls. */
export function countedInput(source: CopySource, total: number, onProgress?: (read: number, total: number) => void): SpendInput {
  if ('bytes' in source && !onProgress) return source.bytes;
  const stream = 'bytes' in source ? Readable.from([Buffer.from(source.bytes)], { objectMode: false }) : createReadStream(source.path, { highWaterMark: 1 << 20 });
  if (!onProgress) return stream;
  // Counted as the reader pulls, so the file is never read faster than it is imported.
  return (async function* () {
    let read = 0;
    for await (const chunk of stream) {
      read += (chunk as Buffer).length;
      onProgress(read, total);
      yield chunk as Buffer;
    }
  })();
}

/**
 * The lines of an opened file as COPY text, one piece per batch of the reader (a few hundred lines); suppliers
 * gathered into `suppliers`. (Gathering the text into longer strings here was measured slower: long strings
 * built by concatenation cost more to flatten than they save.)
 */
export async function* copyPieces(file: SpendFile, suppliers: FileSuppliers): AsyncGenerator<string, void, undefined> {
  // Each distinct supplier name is keyed once. A name met before is already among its supplier's names, so
  // only a line that also carries a company or charity number is gathered again.
  const keys = new Map<string, string | null>();
  let text = '';
  for await (const batch of file.batches()) {
    for (const record of batch) {
      if (record.kind !== 'line') continue;
      const name = record.supplierName;
      let key: string | null = null;
      if (name !== null) {
        const known = keys.get(name);
        if (known === undefined) {
          key = supplierKey(name);
          // Detached: a name cut from the text would keep its whole chunk alive as long as the map lives
          // (measured: the reader's live heap grew by 50 MB over a million lines before).
          if (keys.size < 200_000) keys.set(detached(name), key === null ? null : detached(key));
          suppliers.line(record, key);
        } else {
          key = known;
          if (record.companyNumber !== null || record.charityNumber !== null) suppliers.line(record, key);
        }
      }
      text += lineToCopyText(record, key);
    }
    if (text) yield text;
    text = '';
  }
}

/** What a worker sends (spend.worker.ts). */
export type WorkerMessage =
  | { t: 'open' }
  | { t: 'more' }
  | { t: 'piece'; data: Uint8Array }
  | { t: 'progress'; read: number }
  | { t: 'done'; summary: SpendSummary; suppliers: [string, string[], string[], string[]][] }
  | { t: 'error'; code: SpendFileErrorCode | null; message: string; stack?: string };

/** What a worker is given. */
export interface WorkerInput {
  /** A path, or bytes the importer holds (their length) and hands over a megabyte at a time when asked. */
  source: { path: string } | { streamed: number };
  total: number;
  period?: ReadSpendOptions['period'];
  mapping?: ReadSpendOptions['mapping'];
  flagDuplicates?: boolean;
  maxBytes?: number;
  maxLines?: number;
  progress: boolean;
  ahead: number;
}
