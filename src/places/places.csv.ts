// A small streaming CSV reader (RFC 4180 quoting, CRLF or LF) for the deprivation files. It is strict on
// purpose: a stray quote or an unterminated quoted field is an error naming the line and column, because an
// import must be all-or-nothing and a silently mis-split row would shift every number after it.
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ParseError } from './places.errors.ts';

/** Anything the parsers accept: whole text, whole bytes (plain or gzip), or a stream of either (e.g. `fs.createReadStream`). */
export type CsvSource = string | Uint8Array | AsyncIterable<Uint8Array | string>;

/** One record: `line` is the physical line it starts on (1-based), `fields` its unquoted values. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
}

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
}

const UNQUOTED_STOP = /[,\r\n"]/g;

/** Incremental tokenizer: feed text with `push`, finish with `end`; each returns the records it completed. */
export class CsvTokenizer {
  private state: State = State.FieldStart;
  private fields: string[] = [];
  private pending = '';
  private afterCR = false;
  private quoteLine = 0;
  /** The physical line the tokenizer is on (1-based). */
  line = 1;
  private recordLine = 1;

  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    const n = text.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case State.FieldStart: {
          const c = text.charCodeAt(i);
          if (this.afterCR) {
            this.afterCR = false;
            if (c === 10 && this.fields.length === 0) {
              i++;
              continue;
            }
          }
          if (this.fields.length === 0) this.recordLine = this.line;
          if (c === 34 /* " */) {
            this.state = State.Quoted;
            this.quoteLine = this.line;
            i++;
          } else if (c === 44 /* , */) {
            this.fields.push('');
            i++;
          } else if (c === 10 || c === 13) {
            if (this.fields.length > 0) {
              this.fields.push('');
              out.push(this.takeRecord());
            }
            this.newline(c);
            i++;
          } else {
            this.state = State.Unquoted;
          }
          break;
        }
        case State.Unquoted: {
          UNQUOTED_STOP.lastIndex = i;
          const m = UNQUOTED_STOP.exec(text);
          if (m === null) {
            this.pending += text.slice(i);
            i = n;
            break;
          }
          const j = m.index;
          const c = text.charCodeAt(j);
          if (c === 34) {
            throw new ParseError(this.recordLine, this.fields.length + 1, 'a quote (") inside an unquoted field');
          }
          this.fields.push(this.pending + text.slice(i, j));
          this.pending = '';
          this.state = State.FieldStart;
          i = j + 1;
          if (c !== 44) {
            out.push(this.takeRecord());
            this.newline(c);
          }
          break;
        }
        case State.Quoted: {
          const j = text.indexOf('"', i);
          const part = j === -1 ? text.slice(i) : text.slice(i, j);
          this.line += countNewlines(part);
          this.pending += part;
          if (j === -1) {
            i = n;
          } else {
            this.state = State.QuoteInQuoted;
            i = j + 1;
          }
          break;
        }
        case State.QuoteInQuoted: {
          const c = text.charCodeAt(i);
          if (c === 34) {
            this.pending += '"';
            this.state = State.Quoted;
            i++;
          } else if (c === 44 || c === 10 || c === 13) {
            this.fields.push(this.pending);
            this.pending = '';
            this.state = State.FieldStart;
            i++;
            if (c !== 44) {
              out.push(this.takeRecord());
              this.newline(c);
            }
          } else {
            throw new ParseError(
              this.recordLine,
              this.fields.length + 1,
              `unexpected character ${JSON.stringify(text[i])} after a closing quote`,
            );
          }
          break;
        }
      }
    }
    return out;
  }

  end(): CsvRecord[] {
    switch (this.state) {
      case State.Quoted:
        throw new ParseError(this.quoteLine, this.fields.length + 1, 'a quoted field is never closed');
      case State.Unquoted:
      case State.QuoteInQuoted:
        this.fields.push(this.pending);
        this.pending = '';
        this.state = State.FieldStart;
        return [this.takeRecord()];
      case State.FieldStart:
        if (this.fields.length === 0) return [];
        this.fields.push('');
        return [this.takeRecord()];
    }
  }

  private newline(c: number): void {
    this.line++;
    this.afterCR = c === 13;
  }

  private takeRecord(): CsvRecord {
    const record = { line: this.recordLine, fields: this.fields };
    this.fields = [];
    return record;
  }
}

function countNewlines(s: string): number {
  let count = 0;
  for (let k = s.indexOf('\n'); k !== -1; k = s.indexOf('\n', k + 1)) count++;
  return count;
}

/**
 * Reads CSV records from text, bytes or a stream, one chunk at a time. Gzip input (by its magic bytes, not
 * its name: publishers compress files still called .csv) is decompressed on the fly; UTF-8 is decoded strictly
 * and a byte-order mark is dropped. Blank lines are skipped. Throws {@link ParseError}.
 */
export async function* readCsvRecords(source: CsvSource): AsyncGenerator<CsvRecord> {
  const tokenizer = new CsvTokenizer();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  try {
    for await (const chunk of decompressed(source)) {
      let text: string;
      try {
        text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      } catch (error) {
        throw new ParseError(lineOfBadByte(tokenizer.line, chunk as Uint8Array), 0, 'the file is not valid UTF-8 text', {
          cause: error,
        });
      }
      if (first) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      yield* tokenizer.push(text);
    }
    let tail: string;
    try {
      tail = decoder.decode();
    } catch (error) {
      throw new ParseError(tokenizer.line, 0, 'the file ends in the middle of a UTF-8 character', { cause: error });
    }
    if (tail !== '') yield* tokenizer.push(tail);
  } catch (error) {
    // Only decompression failures become a ParseError; a stream that cannot be read at all (a missing file,
    // a dropped upload) is not the file's fault and keeps its own error.
    if (!isZlibError(error)) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new ParseError(tokenizer.line, 0, `could not read the file: the gzip data is corrupt or truncated (${detail})`, {
      cause: error,
    });
  }
  yield* tokenizer.end();
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/** The line holding the first byte that is not UTF-8, found by decoding the failed chunk leniently. */
function lineOfBadByte(line: number, chunk: Uint8Array): number {
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(chunk);
  const bad = text.indexOf('\uFFFD');
  return line + countNewlines(bad === -1 ? text : text.slice(0, bad));
}

async function* chunksOf(source: CsvSource): AsyncGenerator<Uint8Array | string> {
  if (typeof source === 'string' || source instanceof Uint8Array) yield source;
  else yield* source;
}

async function* decompressed(source: CsvSource): AsyncGenerator<Uint8Array | string> {
  const chunks = chunksOf(source);
  const head = await chunks.next();
  if (head.done === true) return;
  const firstChunk = head.value;
  const isGzip = typeof firstChunk !== 'string' && firstChunk[0] === 0x1f && firstChunk[1] === 0x8b;
  if (!isGzip) {
    yield firstChunk;
    yield* chunks;
    return;
  }
  async function* replay(): AsyncGenerator<Uint8Array | string> {
    yield firstChunk;
    yield* chunks;
  }
  const input = Readable.from(replay(), { objectMode: false });
  const gunzip = createGunzip();
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  for await (const out of gunzip as AsyncIterable<Buffer>) yield out;
}
