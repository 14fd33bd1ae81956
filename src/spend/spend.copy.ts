// A spend file turned into COPY text for spend_lines, with its suppliers gathered on the way: read in this
// thread, or, for a large file, in a worker thread of its own (spend.worker.ts) so that reading and the
// database's loading run on two cores at once. Both ways run the same code (copyPieces) and give the same
// pieces, summary and suppliers; the import sees no difference.
//
// Measured (bench/RESULTS.md): reading a million-line file into COPY text takes ~6 s of JavaScript. In one
// thread that time adds to PGlite's own loading (the same thread) and, on a server, to the time the thread
// spends feeding the socket; in a worker it runs beside them.
import { createReadStream } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Readable } from 'node:stream';
import { SpendFileError, type SpendFileErrorCode } from './spend.errors.ts';
import { detached, openSpendFile, type ReadSpendOptions, type SpendFile, type SpendInput, type SpendLine, type SpendSummary } from './spend.read.ts';
import { supplierKey } from './spend.suppliers.ts';
import { FileSuppliers } from './spend.filesuppliers.ts';

// COPY text (spend.load.ts sends it). Kept here, apart from the database code, so that a worker loads only
// the reader.

/**
 * The columns COPY fills, in the order `lineToCopyText` writes them. The publisher and file are not sent with
 * every line: the file's own table has them as its columns' defaults while it is loaded (see createFileLines),
 * which spares a quarter of the text built, sent and parsed.
 */
export const COPY_COLUMNS = [
  'line', 'date', 'net_pence', 'vat_pence', 'department', 'service_area',
  'supplier_name', 'supplier_key', 'supplier_ref', 'company_number', 'charity_number', 'vat_number', 'purpose',
  'expense_category', 'expense_code', 'merchant_category', 'transaction_number', 'invoice_number',
  'capital_revenue', 'body', 'body_name', 'duplicate_of',
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
  return `${l.line}\t${l.date ?? '\\N'}\t${l.netPence}\t${l.vatPence ?? '\\N'}\t${cell(l.department)}\t${cell(l.serviceArea)}\t${cell(l.supplierName)}\t${cell(supplierKey)}\t${cell(l.supplierId)}\t${cell(l.companyNumber)}\t${cell(l.charityNumber)}\t${cell(l.vatNumber)}\t${cell(l.purpose)}\t${cell(l.expenseCategory)}\t${cell(l.expenseCode)}\t${cell(l.merchantCategory)}\t${cell(l.transactionNumber)}\t${cell(l.invoiceNumber)}\t${cell(l.capitalRevenue)}\t${cell(l.body)}\t${cell(l.bodyName)}\t${l.duplicateOf ?? '\\N'}\n`;
}

/** The file's bytes, or a path to read them from. */
export type CopySource = { bytes: Uint8Array } | { path: string };

export interface CopyOptions {
  readonly period?: ReadSpendOptions['period'];
  readonly mapping?: ReadSpendOptions['mapping'];
  /** Called as the file is read: bytes read so far, of `total` (compressed bytes for gzip). */
  readonly onProgress?: (read: number, total: number) => void;
  /** The file's size in bytes, for progress. */
  readonly total: number;
  /** Read in a worker thread. Default: when the file is at least WORKER_BYTES long. */
  readonly worker?: boolean;
}

/** From this size a file is read in a worker: below it, starting the worker costs more than it saves. */
export const WORKER_BYTES = 4 * 1024 * 1024;
/** A worker hands on COPY text in pieces of about this many bytes. */
export const PIECE = 1024 * 1024;
/** Pieces a worker may send ahead of the database: memory stays bounded whatever the file's size. */
const AHEAD = 4;

export interface CopyStream {
  /** COPY text for the file's lines, in pieces (strings in this thread, UTF-8 bytes from a worker). Once. */
  pieces(): AsyncGenerator<string | Uint8Array, void, undefined>;
  /** The reader's summary, once every piece has been read. */
  summary(): SpendSummary;
  /** The file's suppliers, once every piece has been read. */
  readonly suppliers: FileSuppliers;
  /** Stops reading (a worker is ended). Safe to call more than once, and after the end. */
  close(): Promise<void>;
}

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

/**
 * Opens a spend file for loading. Throws SpendFileError, as openSpendFile does, when it cannot be a spend file
 * (before any line is produced); a fault found further in is thrown from `pieces()`.
 */
export async function openCopyStream(source: CopySource, options: CopyOptions): Promise<CopyStream> {
  const inWorker = options.worker ?? ('path' in source ? options.total : source.bytes.length) >= WORKER_BYTES;
  return inWorker ? openInWorker(source, options) : openHere(source, options);
}

async function openHere(source: CopySource, options: CopyOptions): Promise<CopyStream> {
  const file = await openSpendFile(countedInput(source, options.total, options.onProgress), { period: options.period, mapping: options.mapping });
  const suppliers = new FileSuppliers();
  return {
    pieces: () => copyPieces(file, suppliers),
    summary: () => file.summary(),
    suppliers,
    close: async () => {},
  };
}

/** What a worker sends (spend.worker.ts). */
export type WorkerMessage =
  | { t: 'open' }
  | { t: 'piece'; data: Uint8Array }
  | { t: 'progress'; read: number }
  | { t: 'done'; summary: SpendSummary; suppliers: [string, string[], string[], string[]][] }
  | { t: 'error'; code: SpendFileErrorCode | null; message: string; stack?: string };

/** What a worker is given. */
export interface WorkerInput {
  source: CopySource;
  total: number;
  period?: ReadSpendOptions['period'];
  mapping?: ReadSpendOptions['mapping'];
  progress: boolean;
  ahead: number;
}

// The worker runs TypeScript through tsx's own import (module loaders registered in this thread, by
// `--import tsx` or by bin/commonweal.js, do not reach a worker).
const BOOT = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx)
  .then(({ tsImport }) => tsImport(workerData.module, workerData.module))
  .catch((error) => { process.nextTick(() => { throw error; }); });`;

function toError(m: Extract<WorkerMessage, { t: 'error' }>): Error {
  if (m.code) return new SpendFileError(m.code, m.message);
  const error = new Error(m.message);
  if (m.stack) error.stack = m.stack;
  return error;
}

async function openInWorker(source: CopySource, options: CopyOptions): Promise<CopyStream> {
  const input: WorkerInput = { source, total: options.total, period: options.period, mapping: options.mapping, progress: !!options.onProgress, ahead: AHEAD };
  const worker = new Worker(BOOT, {
    eval: true,
    workerData: { module: import.meta.resolve('./spend.worker.ts'), tsx: import.meta.resolve('tsx/esm/api'), input },
  });
  // Messages wait here until the reader of pieces() takes them.
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  let closed = false;
  const push = (m: WorkerMessage) => {
    if (m.t === 'progress') {
      options.onProgress?.(m.read, options.total);
      return;
    }
    queue.push(m);
    wake?.();
  };
  worker.on('message', push);
  worker.on('error', (error) => {
    failure ??= error;
    wake?.();
  });
  worker.on('exit', (code) => {
    if (!closed) failure ??= new Error(`The spend file reader stopped unexpectedly (exit ${code})`);
    wake?.();
  });
  const next = async (): Promise<WorkerMessage> => {
    for (;;) {
      const m = queue.shift();
      if (m) return m;
      if (failure) throw failure;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
  };
  const close = async () => {
    if (closed) return;
    closed = true;
    await worker.terminate();
  };
  let summary: SpendSummary | null = null;
  const suppliers = new FileSuppliers();
  try {
    const first = await next();
    if (first.t === 'error') throw toError(first);
    if (first.t !== 'open') throw new Error(`The spend file reader sent ${first.t} before opening the file`);
  } catch (error) {
    await close();
    throw error;
  }
  let started = false;
  return {
    async *pieces() {
      if (started) throw new Error('A spend file can be read only once');
      started = true;
      try {
        for (;;) {
          const m = await next();
          if (m.t === 'piece') {
            yield m.data;
            worker.postMessage('ack');
          } else if (m.t === 'done') {
            summary = m.summary;
            for (const [key, names, companies, charities] of m.suppliers) {
              suppliers.suppliers.set(key, { names: new Set(names), companies: new Set(companies), charities: new Set(charities) });
            }
            return;
          } else if (m.t === 'error') throw toError(m);
        }
      } finally {
        await close();
      }
    },
    summary() {
      if (!summary) throw new Error('The summary is ready only after every piece has been read');
      return summary;
    },
    suppliers,
    close,
  };
}
