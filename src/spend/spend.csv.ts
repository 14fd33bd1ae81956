// A streaming RFC 4180 tokenizer: quoted fields, doubled quotes, delimiters and line breaks inside quotes,
// and CRLF, LF or a lone CR as the record end. It is the hot path of every import, so lines without a quote
// or a stray CR are split with indexOf/split and only quoted lines take the character loop.
import { SpendFileError } from './spend.errors.ts';

export interface CsvRecord {
  /** The fields, unquoted; never trimmed. */
  readonly fields: string[];
  /** 1-based physical line on which the record starts (a quoted line break makes a record span lines). */
  readonly line: number;
  /** The input ended inside a quoted field: this record swallowed everything after its opening quote. */
  readonly unterminated?: true;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/** Default guard against a stray quote turning the rest of a big file into one "field" held in memory. */
export const MAX_RECORD_CHARS = 1 << 20;

export class CsvTokenizer {
  private rest = '';
  private line = 1;
  private readonly delimiter: string;
  private readonly delimiterCode: number;
  private readonly maxRecordChars: number;

  constructor(delimiter = ',', maxRecordChars = MAX_RECORD_CHARS) {
    this.delimiter = delimiter;
    this.delimiterCode = delimiter.charCodeAt(0);
    this.maxRecordChars = maxRecordChars;
  }

  /**
   * The physical line (1-based) on which the character at `offset` of the next piece (`chunk`, not yet
   * written) falls. For reporting the rare character that needs it (a byte that is not UTF-8), not per line.
   */
  lineOf(chunk: string, offset: number): number {
    return this.line + countLineBreaks(this.rest, 0, this.rest.length) + countLineBreaks(chunk, 0, offset)
      - (this.rest.endsWith('\r') && chunk.startsWith('\n') && offset > 0 ? 1 : 0);
  }

  /** Tokenizes the next piece of text, appending every record it completes to `out`. */
  write(chunk: string, out: CsvRecord[]): void {
    this.parse(this.rest === '' ? chunk : this.rest + chunk, false, out);
  }

  /** Ends the input, appending the last record (which needs no line break after it). */
  end(out: CsvRecord[]): void {
    this.parse(this.rest, true, out);
    this.rest = '';
  }

  private parse(text: string, final: boolean, out: CsvRecord[]): void {
    const n = text.length;
    const delimiter = this.delimiter;
    let i = 0;
    let line = this.line;
    // Positions of the next LF, quote and CR at or after i (-2: not looked for yet). Each stays valid until i
    // passes it, so a chunk is scanned for each character once however short its lines are.
    let nextLf = -2;
    let nextQuote = -2;
    let nextCr = -2;
    while (i < n) {
      if (nextLf !== -1 && nextLf < i) nextLf = text.indexOf('\n', i);
      if (nextQuote !== -1 && nextQuote < i) nextQuote = text.indexOf('"', i);
      if (nextCr !== -1 && nextCr < i) nextCr = text.indexOf('\r', i);
      const recordEnd = nextLf === -1 ? n : nextLf;
      const quoted = nextQuote !== -1 && nextQuote < recordEnd;
      const crInside = nextCr !== -1 && nextCr < recordEnd - 1;
      if (!quoted && !crInside) {
        // Fast path: a plain line. Without a line break after it, it is complete only at the end of input.
        if (nextLf === -1 && !final) break;
        const contentEnd = nextCr !== -1 && nextCr === recordEnd - 1 ? recordEnd - 1 : recordEnd;
        out.push({ fields: text.slice(i, contentEnd).split(delimiter), line });
        i = recordEnd + 1;
        line++;
        continue;
      }
      const result = this.slowRecord(text, i, final);
      if (result === null) break;
      out.push(result.unterminated ? { fields: result.fields, line, unterminated: true } : { fields: result.fields, line });
      i = result.next;
      line += result.lines;
    }
    if (i > n) i = n;
    this.line = line;
    this.rest = i < n ? text.slice(i) : '';
    if (this.rest.length > this.maxRecordChars) {
      throw new SpendFileError(
        'spend.record-too-long',
        `The record starting on line ${line} is longer than ${this.maxRecordChars} characters: ` +
          'probably a quote that is never closed.',
      );
    }
  }

  /**
   * Reads one record with the character loop. Returns null when the text ends before the record does and more
   * input may follow. `lines` counts the physical lines the record spans, including its terminator.
   */
  private slowRecord(
    text: string,
    i: number,
    final: boolean,
  ): { fields: string[]; next: number; lines: number; unterminated: boolean } | null {
    const n = text.length;
    const d = this.delimiterCode;
    const fields: string[] = [];
    let lines = 0;
    for (;;) {
      // One field starts at i.
      let value = '';
      if (i < n && text.charCodeAt(i) === QUOTE) {
        let j = i + 1;
        let segment = j;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q === -1) {
            if (!final) return null;
            value += text.slice(segment);
            lines += countLineBreaks(text, segment, n);
            fields.push(value);
            return { fields, next: n, lines, unterminated: true };
          }
          if (q + 1 >= n && !final) return null; // cannot tell "" from a closing quote yet
          lines += countLineBreaks(text, segment, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(segment, q + 1);
            j = q + 2;
            segment = j;
            continue;
          }
          value += text.slice(segment, q);
          i = q + 1;
          break;
        }
        // Text between a closing quote and the delimiter is malformed; keep it rather than lose it.
        const tail = i;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === d || c === CR || c === LF) break;
          i++;
        }
        if (i > tail) value += text.slice(tail, i);
      } else {
        const from = i;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === d || c === CR || c === LF) break;
          i++;
        }
        value = text.slice(from, i);
      }
      fields.push(value);
      if (i >= n) {
        if (!final) return null;
        return { fields, next: n, lines: lines + 1, unterminated: false };
      }
      const c = text.charCodeAt(i);
      if (c === d) {
        i++;
        continue;
      }
      if (c === CR) {
        if (i + 1 >= n && !final) return null; // a LF may follow in the next chunk
        return { fields, next: text.charCodeAt(i + 1) === LF ? i + 2 : i + 1, lines: lines + 1, unterminated: false };
      }
      return { fields, next: i + 1, lines: lines + 1, unterminated: false };
    }
  }
}

/** Counts CRLF, LF and lone CR line breaks in text[from, to). */
function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === LF) count++;
    else if (c === CR && text.charCodeAt(k + 1) !== LF) count++;
  }
  return count;
}

/** Tokenizes a whole string at once (sniffing samples, tests). */
export function tokenizeCsv(text: string, delimiter = ','): CsvRecord[] {
  const tokenizer = new CsvTokenizer(delimiter, Number.MAX_SAFE_INTEGER);
  const out: CsvRecord[] = [];
  tokenizer.write(text, out);
  tokenizer.end(out);
  return out;
}
