// Turning bytes into text. Council files are UTF-8 (with or without a byte-order mark) or Windows-1252, and
// sometimes both at once: an ASCII file whose one £ is a lone 0xA3 byte 4,000 lines in, long after any sample.
// So UTF-8 is always decoded with a per-byte Windows-1252 fallback rather than U+FFFD replacement characters.
import { isAscii, isUtf8 } from 'node:buffer';

export type TextEncoding = 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be';

/** What a decoder actually met, so the summary can name the real encoding of a file sniffed as ASCII. */
export interface DecodeStats {
  /** Valid multi-byte UTF-8 sequences were seen. */
  utf8: boolean;
  /** Bytes that were not valid UTF-8 and were read as Windows-1252 instead. */
  fallbackBytes: number;
}

export interface TextDecoderStream {
  /** Decodes the next chunk; bytes of a character split across chunks are held until the next call. */
  decode(chunk: Uint8Array): string;
  /** Flushes held bytes at the end of the input. */
  end(): string;
  readonly stats: DecodeStats;
  /**
   * Offsets, in the text the last `decode`/`end` returned, of characters read from bytes that are not valid
   * UTF-8 (each read as Windows-1252). Empty nearly always; the reader turns them into line numbers.
   */
  readonly fallbacks: readonly number[];
}

// Windows-1252 differs from Latin-1 only in 0x80-0x9F. The five bytes it leaves undefined map to the C1
// control with the same number, as the WHATWG Encoding Standard does.
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d,
  0x017d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x9d, 0x017e, 0x0178,
];
const C1_RANGE = /[\x80-\x9f]/g;

function cp1252Char(byte: number): string {
  return String.fromCharCode(byte >= 0x80 && byte <= 0x9f ? (CP1252_HIGH[byte - 0x80] ?? byte) : byte);
}

/** Decodes Windows-1252 bytes exactly (including £ 0xA3, € 0x80 and the curly quotes 0x91-0x94). */
export function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return latin1.replace(C1_RANGE, (c) => cp1252Char(c.charCodeAt(0)));
}

/** Creates a streaming decoder for the sniffed encoding. A leading byte-order mark is dropped. */
export function createTextDecoder(encoding: TextEncoding): TextDecoderStream {
  if (encoding === 'windows-1252') return windows1252Decoder();
  if (encoding === 'utf-8') return new Utf8WithFallback();
  const decoder = new TextDecoder(encoding);
  const stats: DecodeStats = { utf8: false, fallbackBytes: 0 };
  return {
    stats,
    fallbacks: [],
    decode: (chunk) => decoder.decode(chunk, { stream: true }),
    end: () => decoder.decode(),
  };
}

function windows1252Decoder(): TextDecoderStream {
  return { stats: { utf8: false, fallbackBytes: 0 }, fallbacks: [], decode: decodeWindows1252, end: () => '' };
}

class Utf8WithFallback implements TextDecoderStream {
  readonly stats: DecodeStats = { utf8: false, fallbackBytes: 0 };
  fallbacks: number[] = [];
  private held: Buffer | null = null;
  private started = false;

  decode(chunk: Uint8Array): string {
    if (this.fallbacks.length > 0) this.fallbacks = [];
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.held) {
      data = Buffer.concat([this.held, data]);
      this.held = null;
    }
    const cut = completeLength(data);
    if (cut < data.length) this.held = Buffer.from(data.subarray(cut));
    return this.text(data.subarray(0, cut));
  }

  end(): string {
    if (this.fallbacks.length > 0) this.fallbacks = [];
    const held = this.held;
    this.held = null;
    return held ? this.text(held) : '';
  }

  private text(bytes: Buffer): string {
    let start = 0;
    if (!this.started && bytes.length > 0) {
      this.started = true;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
    }
    const body = start === 0 ? bytes : bytes.subarray(start);
    if (isAscii(body)) return body.toString('latin1');
    if (isUtf8(body)) {
      this.stats.utf8 = true;
      return body.toString('utf8');
    }
    return this.mixed(body);
  }

  // Walks the bytes: valid UTF-8 sequences are decoded as UTF-8, every other byte as Windows-1252.
  private mixed(bytes: Buffer): string {
    const parts: string[] = [];
    let at = 0; // length of the text in parts
    let runStart = 0;
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i] ?? 0;
      if (b < 0x80) {
        i++;
        continue;
      }
      const length = utf8SequenceLength(bytes, i);
      if (length > 0) {
        this.stats.utf8 = true;
        i += length;
        continue;
      }
      if (i > runStart) {
        const run = bytes.toString('utf8', runStart, i);
        parts.push(run);
        at += run.length;
      }
      this.fallbacks.push(at);
      parts.push(cp1252Char(b));
      at += 1;
      this.stats.fallbackBytes++;
      i++;
      runStart = i;
    }
    if (runStart < bytes.length) parts.push(bytes.toString('utf8', runStart));
    return parts.join('');
  }
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 if the bytes there are not one. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i] ?? 0;
  let need: number;
  let min = 0x80;
  let max = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) need = 1;
  else if (b >= 0xe0 && b <= 0xef) {
    need = 2;
    if (b === 0xe0) min = 0xa0; // overlong
    if (b === 0xed) max = 0x9f; // surrogates
  } else if (b >= 0xf0 && b <= 0xf4) {
    need = 3;
    if (b === 0xf0) min = 0x90;
    if (b === 0xf4) max = 0x8f;
  } else return 0;
  const second = bytes[i + 1];
  if (second === undefined || second < min || second > max) return 0;
  for (let k = 2; k <= need; k++) {
    const c = bytes[i + k];
    if (c === undefined || (c & 0xc0) !== 0x80) return 0;
  }
  return need + 1;
}

/** How many leading bytes hold only complete characters: a sequence cut off by the chunk end waits. */
function completeLength(data: Uint8Array): number {
  const n = data.length;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const b = data[n - k] ?? 0;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back for its lead
    if (b >= 0xc0) {
      const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return length > k ? n - k : n;
    }
    return n;
  }
  return n;
}

/** Byte-order mark at the start of the data, if any. */
export function byteOrderMark(bytes: Uint8Array): { encoding: TextEncoding; length: number } | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return null;
}

/**
 * Chooses the encoding of a sample of the file's (decompressed) bytes: a byte-order mark decides; otherwise the
 * evidence does. Bytes that are all valid UTF-8 are UTF-8. When some are not, the valid multi-byte UTF-8
 * sequences are counted against the bytes that are not UTF-8: Windows-1252 text almost never forms a valid
 * multi-byte sequence (an accented letter or £ is followed by plain ASCII), so a sample in which they are at
 * least as many as the bad bytes is UTF-8 with a few damaged bytes (each read as Windows-1252 and its line
 * reported), and one with none, or fewer, is Windows-1252, the encoding of a spreadsheet saved as CSV on a
 * British Windows PC. One stray byte no longer turns a UTF-8 file's every € into "â‚¬". `complete` says the
 * sample is the whole file (so a cut-off character at its end is an error, not the chunk boundary).
 */
export function detectEncoding(sample: Uint8Array, complete: boolean): { encoding: TextEncoding; bom: boolean } {
  const bom = byteOrderMark(sample);
  if (bom) return { encoding: bom.encoding, bom: true };
  const utf16 = utf16WithoutBom(sample);
  if (utf16) return { encoding: utf16, bom: false };
  const body = complete ? sample : sample.subarray(0, completeLength(sample));
  if (isUtf8(body)) return { encoding: 'utf-8', bom: false };
  const { valid, invalid } = utf8Evidence(body);
  return { encoding: valid > 0 && valid >= invalid ? 'utf-8' : 'windows-1252', bom: false };
}

/** Valid multi-byte UTF-8 sequences, and bytes that start none, in `bytes`. */
export function utf8Evidence(bytes: Uint8Array): { valid: number; invalid: number } {
  let valid = 0;
  let invalid = 0;
  for (let i = 0; i < bytes.length; ) {
    if ((bytes[i] ?? 0) < 0x80) {
      i++;
      continue;
    }
    const length = utf8SequenceLength(bytes, i);
    if (length > 0) {
      valid++;
      i += length;
    } else {
      invalid++;
      i++;
    }
  }
  return { valid, invalid };
}

// Excel's "Unicode text" is UTF-16 and usually has a BOM; without one, ASCII text shows as every other byte 0.
function utf16WithoutBom(sample: Uint8Array): TextEncoding | null {
  const n = Math.min(sample.length, 4096) & ~1;
  if (n < 8) return null;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (sample[i] === 0) evenZero++;
    if (sample[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero > pairs * 0.4 && evenZero < pairs * 0.05) return 'utf-16le';
  if (evenZero > pairs * 0.4 && oddZero < pairs * 0.05) return 'utf-16be';
  return null;
}
