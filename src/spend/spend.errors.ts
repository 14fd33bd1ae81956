/**
 * Errors the spend file reader can raise. Each has a stable code so the platform's error handler can map it
 * to an AppError (HTTP 422 for everything here: the file, not the server, is at fault) without parsing text.
 */
export type SpendFileErrorCode =
  | 'spend.empty-file'
  | 'spend.not-text'
  | 'spend.gzip-invalid'
  | 'spend.too-large'
  | 'spend.too-many-lines'
  | 'spend.aborted'
  | 'spend.no-header'
  | 'spend.no-amount-column'
  | 'spend.period-required'
  | 'spend.period-invalid'
  | 'spend.record-too-long';

export class SpendFileError extends Error {
  override readonly name = 'SpendFileError';
  readonly code: SpendFileErrorCode;

  constructor(code: SpendFileErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
