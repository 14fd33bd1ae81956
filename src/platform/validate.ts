import { normaliseEmail } from './email.ts';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { AppError, type FieldError } from './errors.ts';

const uriFormat = fullFormats.uri as unknown as ((s: string) => boolean) | RegExp;

/**
 * A web address that open-data schemas accept as `format: uri` (JSON Schema's URI, as ajv-formats checks it: the
 * OCDS release validator uses the same check), over http or https. `new URL` alone is more lenient (`a|b`,
 * `%zz`), and a value it lets through would make every later publication of the record fail validation.
 */
export function isWebAddress(value: string): boolean {
  if (!/^https?:\/\/[^\s]+$/i.test(value)) return false;
  return typeof uriFormat === 'function' ? uriFormat(value) : uriFormat.test(value);
}

/**
 * Collects field errors while reading untrusted input (a form or JSON body), then throws them all at once,
 * so a person sees every problem in one error summary.
 */
export class Checker {
  readonly errors: FieldError[] = [];

  fail(field: string, message: string): void {
    if (!this.errors.some((e) => e.field === field)) this.errors.push({ field, message });
  }

  /** A required text field, trimmed, within a length limit. */
  text(input: unknown, field: string, label: string, options: { max?: number; min?: number; optional?: boolean } = {}): string {
    const value = typeof input === 'string' ? input.trim() : '';
    if (value === '') {
      if (!options.optional) this.fail(field, `Enter ${label}`);
      return '';
    }
    if (options.min && value.length < options.min) this.fail(field, `${capitalise(label)} must be ${options.min} characters or more`);
    const max = options.max ?? 500;
    if (value.length > max) this.fail(field, `${capitalise(label)} must be ${max} characters or fewer`);
    return value;
  }

  /** An email address in its one stored spelling (`normaliseEmail` in platform/email.ts), or a field error. */
  email(input: unknown, field = 'email'): string {
    const typed = typeof input === 'string' ? input.trim() : '';
    const value = normaliseEmail(typed) ?? typed.toLowerCase();
    if (typed === '') this.fail(field, 'Enter your email address');
    else if (value.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) || normaliseEmail(typed) === null) {
      this.fail(field, 'Enter an email address in the correct format, like name@example.com');
    }
    return value;
  }

  password(input: unknown, field = 'password'): string {
    const value = typeof input === 'string' ? input : '';
    if (value === '') this.fail(field, 'Enter a password');
    else if (value.length < 10) this.fail(field, 'Password must be 10 characters or more');
    else if (value.length > 256) this.fail(field, 'Password must be 256 characters or fewer');
    return value;
  }

  oneOf<T extends string>(input: unknown, field: string, label: string, allowed: readonly T[]): T {
    if (typeof input === 'string' && (allowed as readonly string[]).includes(input)) return input as T;
    this.fail(field, `Select ${label}`);
    return allowed[0] as T;
  }

  /** Throws a validation AppError if anything failed. */
  done(): void {
    if (this.errors.length > 0) throw AppError.validation(this.errors);
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
