/**
 * The one error vocabulary of Commonweal. Every error a user or client can see is an AppError with a stable
 * `code`; the HTTP layer renders it as problem JSON (RFC 9457) or as a GOV.UK error page.
 */
export const errorCodes = {
  validation_failed: { status: 400, title: 'There is a problem with what you sent' },
  bad_request: { status: 400, title: 'The request could not be understood' },
  unauthenticated: { status: 401, title: 'You need to sign in' },
  invalid_token: { status: 401, title: 'The API token is not valid' },
  invalid_credentials: { status: 401, title: 'Email address or password is not right' },
  forbidden: { status: 403, title: 'You do not have permission to do this' },
  csrf_failed: { status: 403, title: 'Your form has expired' },
  not_found: { status: 404, title: 'Page not found' },
  conflict: { status: 409, title: 'That conflicts with something that already exists' },
  email_taken: { status: 409, title: 'That email address is already registered' },
  unprocessable: { status: 422, title: 'That cannot be done as things stand' },
  payload_too_large: { status: 413, title: 'What you sent is too large' },
  unsupported_media_type: { status: 415, title: 'That type of content is not accepted' },
  rate_limited: { status: 429, title: 'Too many attempts' },
  internal: { status: 500, title: 'Sorry, there is a problem with the service' },
  unavailable: { status: 503, title: 'The service is unavailable' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** One problem with one field of the input; `field` is the name used in the form or JSON body. */
export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly fieldErrors: FieldError[];

  constructor(code: ErrorCode, detail?: string, options: { fieldErrors?: FieldError[]; cause?: unknown } = {}) {
    const entry = errorCodes[code];
    super(detail ?? entry.title, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = entry.status;
    this.title = entry.title;
    this.fieldErrors = options.fieldErrors ?? [];
  }

  /** A validation failure listing each field at fault, in the order the form shows them. */
  static validation(fieldErrors: FieldError[], detail?: string): AppError {
    return new AppError('validation_failed', detail ?? fieldErrors.map((e) => e.message).join('; '), { fieldErrors });
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
