// A worker thread that reads one spend file into COPY text (spend.copy.ts, openCopyStream, runs it bundled): the same code as
// reading in the importing thread, sent as UTF-8 bytes (transferred, not copied) a piece at a time. It sends at
// most `ahead` pieces the importer has not yet taken, so a slow database never lets the file pile up in memory.
import { parentPort, workerData } from 'node:worker_threads';
import { SpendFileError } from './spend.errors.ts';
import { openSpendFile } from './spend.read.ts';
import { FileSuppliers } from './spend.filesuppliers.ts';
import { copyPieces, countedInput, PIECE, type WorkerInput, type WorkerMessage } from './spend.copytext.ts';

const port = parentPort!;
const input = (workerData as { input: WorkerInput }).input;
const send = (m: WorkerMessage, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

let inFlight = 0;
let credit: (() => void) | null = null;
// What the importer sends: 'ack' for a piece taken, or the file's next bytes when asked for them.
let delivered: ((m: { t: 'bytes'; data: Uint8Array } | { t: 'end' }) => void) | null = null;
port.on('message', (m: 'ack' | { t: 'bytes'; data: Uint8Array } | { t: 'end' }) => {
  if (m === 'ack') {
    inFlight -= 1;
    credit?.();
  } else delivered?.(m);
});

/** The bytes the importer holds, asked for a megabyte at a time. */
async function* streamedBytes(progress?: (read: number) => void): AsyncGenerator<Uint8Array> {
  let read = 0;
  for (;;) {
    const m = await new Promise<{ t: 'bytes'; data: Uint8Array } | { t: 'end' }>((resolve) => {
      delivered = resolve;
      send({ t: 'more' });
    });
    delivered = null;
    if (m.t === 'end') return;
    read += m.data.length;
    progress?.(read);
    yield m.data;
  }
}

async function run(): Promise<void> {
  const encoder = new TextEncoder();
  const progress = input.progress ? (read: number) => send({ t: 'progress', read }) : undefined;
  const source = 'streamed' in input.source ? streamedBytes(progress) : countedInput(input.source, input.total, progress);
  const file = await openSpendFile(source, { period: input.period, mapping: input.mapping, flagDuplicates: input.flagDuplicates, maxBytes: input.maxBytes, maxLines: input.maxLines });
  send({ t: 'open' });
  const suppliers = new FileSuppliers();
  // Each batch's text is encoded straight into the piece being filled; a full piece is sent (transferred).
  let piece = new Uint8Array(PIECE);
  let used = 0;
  const sendPiece = async (data: Uint8Array) => {
    while (inFlight >= input.ahead) {
      await new Promise<void>((resolve) => {
        credit = resolve;
      });
      credit = null;
    }
    inFlight += 1;
    send({ t: 'piece', data }, [data.buffer as ArrayBuffer]);
  };
  const flush = async () => {
    if (used === 0) return;
    await sendPiece(piece.subarray(0, used));
    piece = new Uint8Array(PIECE);
    used = 0;
  };
  for await (const text of copyPieces(file, suppliers)) {
    // UTF-8 takes at most three bytes for each UTF-16 unit.
    if (used + text.length * 3 > PIECE) await flush();
    if (text.length * 3 > PIECE) {
      await sendPiece(encoder.encode(text));
      continue;
    }
    used += encoder.encodeInto(text, piece.subarray(used)).written;
  }
  await flush();
  send({
    t: 'done',
    summary: file.summary(),
    suppliers: [...suppliers.suppliers].map(([key, s]) => [key, [...s.names], [...s.companies], [...s.charities]]),
  });
}

run().catch((error: unknown) => {
  const e = error instanceof Error ? error : new Error(String(error));
  send({ t: 'error', code: e instanceof SpendFileError ? e.code : null, message: e.message, stack: e.stack });
});
