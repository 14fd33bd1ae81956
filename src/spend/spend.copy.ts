// A spend file turned into COPY text for spend_lines, with its suppliers gathered on the way: read in this
// thread, or, for a large file, in a worker thread of its own (spend.worker.ts) so that reading and the
// database's loading run on two cores at once. Both ways run the same code (copyPieces) and give the same
// pieces, summary and suppliers; the import sees no difference.
//
// Measured (bench/RESULTS.md): reading a million-line file into COPY text takes ~6 s of JavaScript. In one
// thread that time adds to PGlite's own loading (the same thread) and, on a server, to the time the thread
// spends feeding the socket; in a worker it runs beside them.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SpendFileError } from './spend.errors.ts';
import { abortedError, openSpendFile, type ReadSpendOptions, type SpendSummary } from './spend.read.ts';
import { FileSuppliers } from './spend.filesuppliers.ts';
import { copyPieces, countedInput, type CopySource, type WorkerInput, type WorkerMessage } from './spend.copytext.ts';

export type { CopySource } from './spend.copytext.ts';

/** From this size a file is read in a worker: below it, starting the worker costs more than it saves. */
export const WORKER_BYTES = 4 * 1024 * 1024;
/** Pieces a worker may send ahead of the database: memory stays bounded whatever the file's size. */
const AHEAD = 4;
/** Bytes in memory go to a worker in pieces of this size. */
const BYTES_CHUNK = 1024 * 1024;

export interface CopyOptions {
  readonly period?: ReadSpendOptions['period'];
  readonly mapping?: ReadSpendOptions['mapping'];
  /** Called as the file is read: bytes read so far, of `total` (compressed bytes for gzip). */
  readonly onProgress?: (read: number, total: number) => void;
  /** The file's size in bytes, for progress. */
  readonly total: number;
  /** Read in a worker thread. Default: when the file is at least WORKER_BYTES long. */
  readonly worker?: boolean;
  /** False: leave identical lines to the caller (see ReadSpendOptions.flagDuplicates). */
  readonly flagDuplicates?: boolean;
  /** Keep a worker's heap small, at a little speed (for PGlite, which shares the process's memory). */
  readonly smallHeap?: boolean;
  /** Limits on the decompressed file (see ReadSpendOptions): a fault `spend.too-large` / `spend.too-many-lines`. */
  readonly maxBytes?: number;
  readonly maxLines?: number;
  /** Stops reading (a worker is ended) with `spend.aborted` when aborted. */
  readonly signal?: AbortSignal;
}

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

/**
 * Opens a spend file for loading. Throws SpendFileError, as openSpendFile does, when it cannot be a spend file
 * (before any line is produced); a fault found further in is thrown from `pieces()`.
 */
export async function openCopyStream(source: CopySource, options: CopyOptions): Promise<CopyStream> {
  const inWorker = options.worker ?? ('path' in source ? options.total : source.bytes.length) >= WORKER_BYTES;
  return inWorker ? openInWorker(source, options) : openHere(source, options);
}

async function openHere(source: CopySource, options: CopyOptions): Promise<CopyStream> {
  const file = await openSpendFile(countedInput(source, options.total, options.onProgress), {
    period: options.period, mapping: options.mapping, flagDuplicates: options.flagDuplicates, maxBytes: options.maxBytes, maxLines: options.maxLines, signal: options.signal,
  });
  const suppliers = new FileSuppliers();
  return {
    pieces: () => copyPieces(file, suppliers),
    summary: () => file.summary(),
    suppliers,
    close: async () => {},
  };
}

// The worker's code, as one plain script: bundled once a process from spend.worker.ts and what it imports (the
// reader and nothing of the database's) with esbuild, in ~70 ms. The sources are TypeScript run through tsx,
// whose loader does not reach a worker; through tsx's own import a worker started in 250 ms, started a
// loader thread of its own and used 25 MB more.
let bundled: Promise<string> | null = null;
function workerScript(): Promise<string> {
  bundled ??= import('esbuild')
    .then(({ build }) => build({
      entryPoints: [fileURLToPath(new URL('./spend.worker.ts', import.meta.url))],
      bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent',
    }))
    .then((result) => result.outputFiles[0]!.text);
  bundled.catch(() => {
    bundled = null;
  });
  return bundled;
}

function toError(m: Extract<WorkerMessage, { t: 'error' }>): Error {
  if (m.code) return new SpendFileError(m.code, m.message);
  const error = new Error(m.message);
  if (m.stack) error.stack = m.stack;
  return error;
}

async function openInWorker(source: CopySource, options: CopyOptions): Promise<CopyStream> {
  // Bytes in memory (an upload) are not copied to the worker whole: it asks for them a megabyte at a time.
  const streamed = 'bytes' in source ? source.bytes : null;
  const input: WorkerInput = {
    source: 'bytes' in source ? { streamed: source.bytes.length } : source, total: options.total, period: options.period, mapping: options.mapping,
    flagDuplicates: options.flagDuplicates, maxBytes: options.maxBytes, maxLines: options.maxLines, progress: !!options.onProgress, ahead: AHEAD,
  };
  options.signal?.throwIfAborted();
  const worker = new Worker(await workerScript(), {
    eval: true,
    workerData: { input },
    // A young generation of 8 MB instead of V8's default: measured on a million lines, the worker's process
    // peaked 70 MB lower, its reading ~5 % slower (which PGlite, loading slower than that, does not feel).
    ...(options.smallHeap ? { resourceLimits: { maxYoungGenerationSizeMb: 8 } } : {}),
  });
  // Messages wait here until the reader of pieces() takes them.
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  let closed = false;
  let offset = 0;
  const push = (m: WorkerMessage) => {
    if (m.t === 'more') {
      if (!streamed || offset >= streamed.length) worker.postMessage({ t: 'end' });
      else {
        // A copy of its own (a Buffer's slice() shares its memory, which transferring would take from the caller).
        const data = new Uint8Array(streamed.subarray(offset, offset + BYTES_CHUNK));
        offset += data.length;
        worker.postMessage({ t: 'bytes', data }, [data.buffer]);
      }
      return;
    }
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
      if (options.signal?.aborted) throw abortedError(options.signal);
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
    options.signal?.removeEventListener('abort', onAbort);
    await worker.terminate();
  };
  // The client went away: the worker stops at once, and whoever waits for a piece hears why.
  const onAbort = () => {
    failure ??= abortedError(options.signal!);
    wake?.();
    void close();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
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
