// The worker thread that reads a large grants file (grants.read-async.ts starts it): the bytes come in, the file
// as read (or the error that refused it) goes back. Nothing of the database's is imported here.
import { parentPort, workerData } from 'node:worker_threads';
import { readGrantsFile, type GrantsLimits } from './grants.read.ts';
import { isAppError } from '../platform/errors.ts';

const { bytes, limits, today } = workerData as { bytes: Uint8Array; limits: GrantsLimits; today: string };
try {
  parentPort!.postMessage({ ok: true, read: readGrantsFile(bytes, limits, today) });
} catch (error) {
  if (isAppError(error)) parentPort!.postMessage({ ok: false, code: error.code, message: error.message, fieldErrors: error.fieldErrors });
  else parentPort!.postMessage({ ok: false, code: null, message: (error as Error).message ?? String(error), fieldErrors: [] });
}
