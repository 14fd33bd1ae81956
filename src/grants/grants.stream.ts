// Reads a 360Giving JSON package as a stream: the `grants` list's elements come out one at a time, each its own
// small JSON text parsed on its own, so memory stays flat however large the file (a whole-file JSON.parse of a
// 745 MB package needs several gigabytes). A small hand-written incremental tokenizer: it follows the package's
// top-level object, skips (and checks) every other member, and splits the `grants` array at its top-level commas,
// minding strings and escapes. It works on bytes: UTF-8 never puts an ASCII byte inside a multi-byte character,
// so the structural characters can be found without decoding; each element is decoded (strictly) on its own.
//
// Errors are the whole-file reader's (grants.read.ts): not JSON (with the byte where it stopped), not a package,
// no `grants`, `grants` not a list, more than the limit of bytes (a gzip bomb stops there) or of grants.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AppError, isAppError } from '../platform/errors.ts';
import { GrantReader, type GrantProblem, type GrantsFormat, type ReadFile, type ReadGrant, type RejectedGrant } from './grants.read.ts';
import { isZip } from './grants.xlsx.ts';

/** The most one grant's JSON may take: larger is not a grant but a damaged file. */
export const MAX_ELEMENT_BYTES = 16 * 1024 * 1024;

const notJson = (why: string, at: number) =>
  AppError.validation([{ field: 'file', message: `The file is not JSON: ${why} at byte ${at.toLocaleString('en-GB')}. A 360Giving file is a JSON package { "grants": [ … ] } or a CSV` }]);
const tooLarge = (maxBytes: number, gzip: boolean) =>
  AppError.validation([{ field: 'file', message: `The file ${gzip ? 'decompresses to' : 'is'} more than ${(maxBytes / 1048576).toLocaleString('en-GB')} MB, the most one grants file may hold: split it` }]);

const WS = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

type Where = 'start' | 'member' | 'key' | 'colon' | 'value' | 'after-member' | 'grants-element' | 'after-element' | 'end';

/**
 * The elements of a package's `grants` list, parsed one by one, in order. `chunks` are the file's bytes (decompressed
 * already); `maxGrants` stops a file with more.
 */
export async function* grantsElements(chunks: AsyncIterable<Uint8Array>, maxGrants: number): AsyncGenerator<unknown> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let where: Where = 'start';
  let offset = 0; // bytes before the current chunk
  let first = true; // at the very first byte (a byte-order mark may come)
  let sawGrants = false;
  let count = 0;
  let memberKey: string | null = null;
  let membersSeen = 0;
  // The value being scanned (a key, an element, another member's value): its pieces, and the scanner's state.
  let parts: Uint8Array[] = [];
  let size = 0;
  let scanning = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let primitive = false;
  let elementsInList = 0;

  const decode = (bytes: Uint8Array, at: number): string => {
    try {
      return decoder.decode(bytes);
    } catch {
      throw AppError.validation([{ field: 'file', message: `The file is not UTF-8 text (near byte ${at.toLocaleString('en-GB')}): save it as UTF-8 (360Giving files are UTF-8)` }]);
    }
  };
  const whole = (): Uint8Array => {
    const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    parts = [];
    size = 0;
    return out;
  };
  const parse = (textOf: string, at: number): unknown => {
    try {
      return JSON.parse(textOf);
    } catch (error) {
      throw notJson((error as Error).message.replace(/ in JSON at position \d+.*$/, ''), at);
    }
  };

  for await (const raw of chunks) {
    const chunk = raw;
    let i = 0;
    if (first && chunk.length > 0) {
      first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    }
    while (i < chunk.length) {
      if (scanning) {
        // Continue the value: find where it ends in this chunk.
        const startAt = i;
        let end = -1;
        if (primitive) {
          for (; i < chunk.length; i++) {
            const c = chunk[i]!;
            if (WS[c] || c === 0x2c || c === 0x5d || c === 0x7d) { end = i; break; }
          }
        } else {
          for (; i < chunk.length; i++) {
            const c = chunk[i]!;
            if (inString) {
              if (escaped) escaped = false;
              else if (c === BACKSLASH) escaped = true;
              else if (c === QUOTE) {
                inString = false;
                if (depth === 0) { end = i + 1; i++; break; }
              }
            } else if (c === QUOTE) inString = true;
            else if (c === 0x7b || c === 0x5b) depth++;
            else if (c === 0x7d || c === 0x5d) {
              depth--;
              if (depth === 0) { end = i + 1; i++; break; }
              if (depth < 0) throw notJson('a closing bracket that closes nothing', offset + i);
            }
          }
        }
        const piece = chunk.subarray(startAt, end === -1 ? chunk.length : end);
        parts.push(piece);
        size += piece.length;
        if (size > MAX_ELEMENT_BYTES) throw AppError.validation([{ field: where === 'grants-element' ? `grants/${count}` : 'file', message: `${where === 'grants-element' ? `The grant at index ${count}` : 'A value of the package'} is more than ${MAX_ELEMENT_BYTES / 1048576} MB of JSON: the file is damaged or is not a 360Giving package` }]);
        if (end === -1) break; // the value goes on in the next chunk
        scanning = false;
        const at = offset + end;
        const bytes = whole();
        if (where === 'key') {
          memberKey = parse(decode(bytes, at), at) as string;
          where = 'colon';
        } else if (where === 'grants-element') {
          if (count >= maxGrants) {
            throw AppError.validation([{ field: 'file', message: `The file holds more than the ${maxGrants.toLocaleString('en-GB')} grants one file may hold: split it` }]);
          }
          count++;
          elementsInList++;
          yield parse(decode(bytes, at), at);
          where = 'after-element';
        } else {
          // Another member's value: checked as JSON, then let go.
          parse(decode(bytes, at), at);
          where = 'after-member';
        }
        continue;
      }
      const c = chunk[i]!;
      if (WS[c]) { i++; continue; }
      const at = offset + i;
      switch (where) {
        case 'start':
          if (c === 0x7b) { where = 'member'; i++; break; }
          if (c === 0x5b) throw AppError.validation([{ field: 'file', message: 'The JSON is not a 360Giving package: it must be an object with a "grants" list' }]);
          throw notJson(`it starts with “${String.fromCharCode(c)}”`, at);
        case 'member':
          if (c === 0x7d && membersSeen === 0) { where = 'end'; i++; break; }
          if (c !== QUOTE) throw notJson('a property name was expected', at);
          where = 'key';
          scanning = true; primitive = false; depth = 0; inString = false; escaped = false;
          break;
        case 'colon':
          if (c !== 0x3a) throw notJson('“:” was expected after a property name', at);
          where = 'value';
          i++;
          break;
        case 'value':
          membersSeen++;
          if (memberKey === 'grants') {
            if (sawGrants) throw AppError.validation([{ field: 'grants', message: 'The package gives "grants" twice: a package has one list of grants' }]);
            sawGrants = true;
            if (c !== 0x5b) throw AppError.validation([{ field: 'grants', message: '"grants" must be a list of grants' }]);
            where = 'grants-element';
            elementsInList = 0;
            i++;
            // An empty list: the next byte that is not space is “]”.
            break;
          }
          scanning = true; depth = 0; inString = false; escaped = false;
          primitive = !(c === 0x7b || c === 0x5b || c === QUOTE);
          if (!primitive) break;
          break;
        case 'after-member':
          if (c === 0x2c) { where = 'member'; i++; break; }
          if (c === 0x7d) { where = 'end'; i++; break; }
          throw notJson('“,” or “}” was expected after a property', at);
        case 'grants-element':
          if (c === 0x5d && elementsInList === 0) { where = 'after-member'; i++; break; }
          if (c === 0x5d || c === 0x2c) throw notJson('a grant was expected in the list', at);
          scanning = true; depth = 0; inString = false; escaped = false;
          primitive = !(c === 0x7b || c === 0x5b || c === QUOTE);
          break;
        case 'after-element':
          if (c === 0x2c) { where = 'grants-element'; i++; break; }
          if (c === 0x5d) { where = 'after-member'; i++; break; }
          throw notJson('“,” or “]” was expected after a grant', at);
        case 'end':
          throw notJson('there is more after the package’s closing “}”', at);
        default:
          i++;
      }
    }
    offset += chunk.length;
  }
  if (scanning && primitive && where !== 'key') {
    // A primitive at the very end of the input cannot be a complete package.
    throw notJson('the file ends in the middle of the package', offset);
  }
  if (where !== 'end') {
    if (where === 'start') throw AppError.validation([{ field: 'file', message: 'The file is empty' }]);
    throw notJson('the file ends in the middle of the package', offset);
  }
  if (!sawGrants) throw AppError.validation([{ field: 'grants', message: 'The package has no "grants": a 360Giving package is { "grants": [ … ] }' }]);
}

/** A file's bytes (gzip by its magic bytes, decompressed as they come), a megabyte at a time, stopping at `maxBytes`. */
export async function* fileChunks(source: { bytes: Uint8Array } | { path: string }, maxBytes: number): AsyncGenerator<Uint8Array> {
  const gzip = await startsWithGzip(source);
  const raw: AsyncIterable<Uint8Array> = 'bytes' in source ? slices(source.bytes) : createReadStream(source.path, { highWaterMark: 1024 * 1024 });
  let input: AsyncIterable<Uint8Array> = raw;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    const compressed = Readable.from(raw);
    compressed.on('error', (error) => gunzip.destroy(error));
    compressed.pipe(gunzip);
    input = (async function* () {
      try {
        for await (const c of gunzip) yield c as Uint8Array;
      } catch (error) {
        if (isAppError(error)) throw error;
        throw AppError.validation([{ field: 'file', message: 'The file starts like gzip but cannot be decompressed: it may be damaged or cut short' }]);
      } finally {
        compressed.unpipe(gunzip);
        compressed.destroy();
        gunzip.destroy();
      }
    })();
  }
  let total = 0;
  for await (const c of input) {
    total += c.length;
    if (total > maxBytes) throw tooLarge(maxBytes, gzip);
    yield c;
  }
}

async function* slices(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += 1024 * 1024) yield bytes.subarray(i, Math.min(bytes.length, i + 1024 * 1024));
}

async function startsWithGzip(source: { bytes: Uint8Array } | { path: string }): Promise<boolean> {
  if ('bytes' in source) return source.bytes.length >= 2 && source.bytes[0] === 0x1f && source.bytes[1] === 0x8b;
  for await (const c of createReadStream(source.path, { start: 0, end: 1 })) {
    const b = c as Buffer;
    return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
  }
  return false;
}

/** The first byte of a file's content that is not space (after gzip and a byte-order mark), to tell JSON from CSV. */
export async function firstCharacter(source: { bytes: Uint8Array } | { path: string }, maxBytes: number): Promise<string> {
  let first = true;
  for await (const chunk of fileChunks(source, maxBytes)) {
    let i = 0;
    if (first && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    first = false;
    for (; i < chunk.length; i++) if (!WS[chunk[i]!]) return String.fromCharCode(chunk[i]!);
  }
  return '';
}

// ---- a file's grants, a batch at a time ----

/** A file's grants as they are read: `rejected` and `problems` fill as the batches come, and are whole once they end. */
export interface GrantsSource {
  format: GrantsFormat;
  sha256: string;
  rejected: RejectedGrant[];
  problems: GrantProblem[];
  batches(size: number): AsyncGenerator<ReadGrant[]>;
}

/** A file read whole already (CSV, XLSX, or a small JSON package) as a source. */
export function sourceOfRead(read: ReadFile): GrantsSource {
  return {
    format: read.format, sha256: read.sha256, rejected: read.rejected, problems: read.problems,
    async *batches(size) {
      for (let i = 0; i < read.grants.length; i += size) yield read.grants.slice(i, i + size);
    },
  };
}

/** The SHA-256 of a file's bytes as they are (compressed or not), reading a path as a stream. */
export async function sha256Of(source: { bytes: Uint8Array } | { path: string }): Promise<string> {
  const hash = createHash('sha256');
  if ('bytes' in source) return hash.update(source.bytes).digest('hex');
  for await (const c of createReadStream(source.path, { highWaterMark: 1024 * 1024 })) hash.update(c as Buffer);
  return hash.digest('hex');
}

/**
 * A 360Giving JSON package read as a stream: each batch is grants read and checked as grants.read.ts reads
 * them, and nothing of the file is held but the batch (and the ids seen, to refuse a duplicate).
 */
export function jsonSource(source: { bytes: Uint8Array } | { path: string }, sha256: string, limits: { maxBytes: number; maxGrants: number }, today = new Date().toISOString().slice(0, 10)): GrantsSource {
  const rejected: RejectedGrant[] = [];
  const problems: GrantProblem[] = [];
  return {
    format: 'json', sha256, rejected, problems,
    async *batches(size) {
      const reader = new GrantReader('json', today, rejected, problems);
      let index = 0;
      let batch: ReadGrant[] = [];
      for await (const g of grantsElements(fileChunks(source, limits.maxBytes), limits.maxGrants)) {
        const r = reader.read(g, index++);
        if (r) batch.push(r);
        if (batch.length >= size) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    },
  };
}

/** Whether a file is a JSON package (by its first character, through gzip), which is read as a stream. */
export async function isJsonFile(source: { bytes: Uint8Array } | { path: string }, maxBytes: number): Promise<boolean> {
  const head = 'bytes' in source ? source.bytes.subarray(0, 4) : await firstBytes(source.path, 4);
  if (isZip(head)) return false;
  const c = await firstCharacter(source, maxBytes).catch(() => '');
  return c === '{' || c === '[';
}

async function firstBytes(path: string, n: number): Promise<Uint8Array> {
  for await (const c of createReadStream(path, { start: 0, end: n - 1 })) return c as Buffer;
  return new Uint8Array();
}
