// Reads a grants file off the event loop: a file of a megabyte or more is read in a worker thread, so the server
// goes on answering other requests while a large upload is parsed and checked (JSON.parse of a 200 MB package
// alone would hold the loop for seconds). Smaller files are read here, where starting a worker costs more.
//
// The worker's code is bundled once a process from grants.worker.ts with esbuild (as spend's reader is): the
// sources are TypeScript run through tsx, whose loader does not reach a worker.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { AppError } from '../platform/errors.ts';
import { readGrantsFile, type GrantsLimits, type ReadFile } from './grants.read.ts';

export const WORKER_BYTES = 1024 * 1024;

let bundled: Promise<string> | null = null;
function workerScript(): Promise<string> {
  bundled ??= import('esbuild')
    .then(({ build }) => build({
      entryPoints: [fileURLToPath(new URL('./grants.worker.ts', import.meta.url))],
      bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent',
      // grants.read.ts finds the 360Giving schema beside its own source.
      define: { 'import.meta.url': JSON.stringify(new URL('./grants.read.ts', import.meta.url).href) },
    }))
    .then((result) => result.outputFiles[0]!.text);
  bundled.catch(() => {
    bundled = null;
  });
  return bundled;
}

export async function readGrantsFileAsync(bytes: Uint8Array, limits: GrantsLimits, today = new Date().toISOString().slice(0, 10)): Promise<ReadFile> {
  if (bytes.length < WORKER_BYTES) return readGrantsFile(bytes, limits, today);
  const worker = new Worker(await workerScript(), { eval: true, workerData: { bytes, limits, today } });
  try {
    const message = await new Promise<{ ok: true; read: ReadFile } | { ok: false; code: string | null; message: string; fieldErrors: { field: string; message: string }[] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`The grants reader stopped (exit ${code}) before it finished`)));
    });
    if (message.ok) return message.read;
    if (message.code === 'validation_failed') throw AppError.validation(message.fieldErrors);
    if (message.code) throw new AppError(message.code as ConstructorParameters<typeof AppError>[0], message.message);
    throw new Error(message.message);
  } finally {
    await worker.terminate();
  }
}
