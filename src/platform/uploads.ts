// File uploads: how a large body reaches a route without being held in memory, and how many may arrive at once.
//
// A route that takes a file as its raw body registers `acceptFileUploads` in its scope. The body is streamed to a
// temporary file (the route's `bodyLimit` is the most it may be) and the route reads `request.body` as an
// `UploadedFile`; the file is removed when the response has gone, whatever happened. Multipart forms (http.ts)
// take a slot the same way. The platform has already authenticated, authorised and checked CSRF by then
// (onRequest), so nobody who may not upload can make the app read a byte.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

/** A request body received to a temporary file. It is deleted once the response is sent. */
export interface UploadedFile {
  readonly uploaded: true;
  path: string;
  bytes: number;
}

export function isUploadedFile(body: unknown): body is UploadedFile {
  return typeof body === 'object' && body !== null && (body as UploadedFile).uploaded === true && typeof (body as UploadedFile).path === 'string';
}

/** Where uploads wait while a request is handled: one folder per machine user, files named by process. */
export const uploadDir = join(tmpdir(), 'commonweal-uploads');

/**
 * Counts uploads in progress, per client address and in all (this process). A request holds at most one slot,
 * from before its body is read until its response has gone or its client has left.
 */
export class UploadSlots {
  private readonly byClient = new Map<string, number>();
  private total = 0;
  constructor(readonly perClient: number, readonly inAll: number) {}

  /** Takes a slot for `client`, or throws 429 (this client has enough in progress) or 503 (the app has). */
  acquire(client: string): () => void {
    const mine = this.byClient.get(client) ?? 0;
    if (mine >= this.perClient) {
      throw new AppError('rate_limited', `You are already sending ${mine === 1 ? 'a file' : `${mine} files`}: wait until ${mine === 1 ? 'it has' : 'they have'} finished, then try again.`);
    }
    if (this.total >= this.inAll) {
      throw new AppError('unavailable', 'The service is receiving as many files as it can: try again in a minute.');
    }
    this.byClient.set(client, mine + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.byClient.get(client) ?? 1) - 1;
      if (left <= 0) this.byClient.delete(client);
      else this.byClient.set(client, left);
    };
  }

  get inProgress(): number {
    return this.total;
  }
}

/** What one request holds: its slot, and the temporary files to remove when it is over. */
export class RequestUploads {
  private release: (() => void) | null = null;
  readonly files: string[] = [];
  constructor(private readonly slots: UploadSlots, private readonly client: string) {}

  /** Takes this request's upload slot (once). */
  begin(): void {
    this.release ??= this.slots.acquire(this.client);
  }

  /** Gives the slot back and removes the files; safe to call more than once. */
  async end(): Promise<void> {
    this.release?.();
    const files = this.files.splice(0);
    await Promise.all(files.map((f) => rm(f, { force: true }).catch(() => {})));
  }
}

/** Removes upload files left by processes that are no longer running (a crash or kill -9 mid-upload). */
export function removeAbandonedUploads(): void {
  mkdirSync(uploadDir, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(uploadDir)) {
    const pid = Number(/^upload-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as { code?: string }).code === 'ESRCH') rmSync(join(uploadDir, name), { force: true });
    }
  }
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}

/** Streams a request body to a temporary file of its own, refusing it past `limit` bytes. */
export async function receiveToFile(request: FastifyRequest, payload: Readable, limit: number): Promise<UploadedFile> {
  const tooLarge = () => new AppError('payload_too_large', `The file is too large: send a file of ${megabytes(limit)} or less.`);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  request.uploads.begin();
  mkdirSync(uploadDir, { recursive: true, mode: 0o700 });
  const path = join(uploadDir, `upload-${process.pid}-${randomBytes(12).toString('hex')}`);
  request.uploads.files.push(path);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > limit) callback(tooLarge());
      else callback(null, chunk);
    },
  });
  await pipeline(payload, counter, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  return { uploaded: true, path, bytes };
}

/** The content types a file may be sent as. */
export const fileContentTypes = ['text/csv', 'text/plain', 'application/octet-stream', 'application/gzip', 'application/x-gzip', 'application/vnd.ms-excel'];

/**
 * Makes the routes of this scope take a file as their raw body: `request.body` is an `UploadedFile` on disk,
 * of at most the route's `bodyLimit` bytes, removed after the response.
 */
export function acceptFileUploads(scope: FastifyInstance | { addContentTypeParser: FastifyInstance['addContentTypeParser'] }, contentTypes: string[] = fileContentTypes): void {
  (scope as FastifyInstance).addContentTypeParser(contentTypes, async (request: FastifyRequest, payload: Readable) => {
    const limit = request.routeOptions.bodyLimit ?? 1024 * 1024;
    return receiveToFile(request, payload, limit);
  });
}
