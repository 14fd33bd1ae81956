// Reading untrusted input for outcomes: dates, money in pence, ids and references, each failing with a
// message that names the field.
import type { Checker } from '../platform/validate.ts';
import { dateMessage, parseDateText } from '../platform/dates.ts';
import { daysBetween, parsePounds } from './outcomes.compute.ts';

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A pseudonymous participant reference (never a name): letters, digits, dot, dash, underscore. */
export const participantRefPattern = /^[A-Za-z0-9._-]{1,64}$/;

/** The largest amount accepted anywhere in outcomes: £10 billion in pence. */
export const maxPence = 1_000_000_000_000;

export function readDate(check: Checker, input: unknown, field: string, label: string, options: { optional?: boolean } = {}): string | null {
  const value = typeof input === 'string' ? input.trim() : '';
  if (value === '') {
    if (!options.optional) check.fail(field, `Enter ${label}`);
    return null;
  }
  // The platform's one reader of typed dates: "2026-04-01", "1/4/2026", "1 April 2026" are the same date.
  const iso = parseDateText(value);
  if (!iso || Number(iso.slice(0, 4)) < 1990 || Number(iso.slice(0, 4)) > 2100) {
    check.fail(field, dateMessage(label));
    return null;
  }
  return iso;
}

/**
 * Money in integer pence. JSON clients send an integer number of pence; forms send pounds as typed
 * ("1,250.50"), read exactly. Zero or less, fractions of a penny and amounts over £10 billion are refused.
 */
export function readPence(check: Checker, input: unknown, field: string, label: string, options: { optional?: boolean; pounds?: boolean } = {}): number | null {
  if (input === undefined || input === null || input === '') {
    if (!options.optional) check.fail(field, `Enter ${label}`);
    return null;
  }
  let pence: number | null = null;
  if (typeof input === 'number') pence = Number.isSafeInteger(input) ? input : null;
  else if (typeof input === 'string' && options.pounds) pence = parsePounds(input);
  else if (typeof input === 'string' && /^\d+$/.test(input.trim())) pence = Number(input.trim());
  if (pence === null || !Number.isSafeInteger(pence)) {
    check.fail(field, options.pounds ? `${capitalise(label)} must be an amount in pounds, like 1250 or 1,250.50` : `${capitalise(label)} must be a whole number of pence`);
    return null;
  }
  if (pence <= 0 || pence > maxPence) {
    check.fail(field, `${capitalise(label)} must be more than zero and at most £10,000,000,000`);
    return null;
  }
  return pence;
}

export function readInteger(check: Checker, input: unknown, field: string, label: string, options: { min: number; max: number; optional?: boolean }): number | null {
  if (input === undefined || input === null || input === '') {
    if (!options.optional) check.fail(field, `Enter ${label}`);
    return null;
  }
  const n = typeof input === 'number' ? input : typeof input === 'string' && /^-?\d+$/.test(input.trim()) ? Number(input.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < options.min || n > options.max) {
    check.fail(field, `${capitalise(label)} must be a whole number from ${options.min} to ${options.max}`);
    return null;
  }
  return n;
}

export function readUuid(check: Checker, input: unknown, field: string, label: string, options: { optional?: boolean } = {}): string | null {
  const value = typeof input === 'string' ? input.trim() : '';
  if (value === '') {
    if (!options.optional) check.fail(field, `Enter ${label}`);
    return null;
  }
  if (!uuidPattern.test(value)) {
    check.fail(field, `${capitalise(label)} must be an id like 3f2b…-… (a UUID)`);
    return null;
  }
  return value.toLowerCase();
}

export function readParticipantRef(check: Checker, input: unknown, field = 'participantRef'): string {
  const value = typeof input === 'string' ? input.trim() : '';
  if (value === '') check.fail(field, 'Enter the participant’s reference (a pseudonymous code, never a name)');
  else if (!participantRefPattern.test(value)) check.fail(field, 'The participant’s reference must be 1 to 64 letters, digits, dots, dashes or underscores (a code, never a name)');
  return value;
}

export function checkDateOrder(check: Checker, from: string | null, to: string | null, field: string, message: string): void {
  if (from && to && daysBetween(from, to) < 0) check.fail(field, message);
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
