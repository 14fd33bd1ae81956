/**
 * A file could not be read as the expected deprivation data. `line` is the 1-based physical line in the
 * (decompressed) file where the offending record starts; `column` is the 1-based field number in that record,
 * or 0 when the problem concerns the whole line (a missing header column, a corrupt gzip stream).
 *
 * The message always names both, so it can be shown to the person who uploaded the file as it is.
 */
export class ParseError extends Error {
  override readonly name = 'ParseError';
  readonly line: number;
  readonly column: number;
  /** The message without the "line L, column C: " prefix. */
  readonly detail: string;

  constructor(line: number, column: number, detail: string, options?: { cause?: unknown }) {
    super(`line ${line}, column ${column}: ${detail}`, options);
    this.line = line;
    this.column = column;
    this.detail = detail;
  }
}
