// Reading untrusted input for investment: dates, money, rates and counts, each failing with a message that
// names the field. JSON clients send integers (pence, basis points); forms send what people type (pounds, %).
import type { Checker } from '../platform/validate.ts';
import { dateMessage, parseDateText } from '../platform/dates.ts';

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The most one amount may be anywhere in investment: £100 million in pence. */
export const maxPence = 10_000_000_000;

export function readDay(check: Checker, input: unknown, field: string, label: string, options: { optional?: boolean } = {}): string | null {
  const value = typeof input === 'string' ? input.trim() : '';
  if (value === '') {
    if (!options.optional) check.fail(field, `Enter ${label}`);
    return null;
  }
  const iso = parseDateText(value);
  if (!iso || Number(iso.slice(0, 4)) < 1990 || Number(iso.slice(0, 4)) > 2100) {
    check.fail(field, dateMessage(label));
    return null;
  }
  return iso;
}

/** "1,250.50" or "£1250.5" → 125050 pence; null if it is not an amount in pounds and pence. */
export function parsePounds(text: string): number | null {
  const t = text.trim().replace(/^£/, '').replace(/,/g, '');
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(t);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

/**
 * Money: an integer number of pence from JSON, pounds as typed from a form. Negative amounts, fractions of a
 * penny and amounts over £100 million are refused; zero only where `zero` allows it (a deal's empty parts).
 */
export function readPence(check: Checker, input: unknown, field: string, label: string, options: { optional?: boolean; pounds?: boolean; zero?: boolean } = {}): number {
  if (input === undefined || input === null || (typeof input === 'string' && input.trim() === '')) {
    if (!options.optional) check.fail(field, `Enter ${label}`);
    return 0;
  }
  let pence: number | null = null;
  if (typeof input === 'number') pence = Number.isSafeInteger(input) ? input : null;
  else if (typeof input === 'string') pence = options.pounds ? parsePounds(input) : /^\s*\d+\s*$/.test(input) ? Number(input) : null;
  if (typeof input === 'string' && /^\s*-/.test(input)) { check.fail(field, `${cap(label)} cannot be negative`); return 0; }
  if (typeof input === 'number' && input < 0) { check.fail(field, `${cap(label)} cannot be negative`); return 0; }
  if (pence === null) {
    check.fail(field, options.pounds ? `${cap(label)} must be an amount in pounds, like 1250 or 1,250.50` : `${cap(label)} must be a whole number of pence`);
    return 0;
  }
  if (pence === 0 && !options.zero) { check.fail(field, `${cap(label)} must be more than £0`); return 0; }
  if (pence > maxPence) { check.fail(field, `${cap(label)} must be £100 million or less`); return 0; }
  return pence;
}

/** An annual interest rate: basis points from JSON (450), a percentage from a form ("4.5"). 0 to 50%. */
export function readBasisPoints(check: Checker, input: unknown, field: string, options: { percent?: boolean } = {}): number {
  if (input === undefined || input === null || (typeof input === 'string' && input.trim() === '')) return 0;
  let bp: number | null = null;
  if (typeof input === 'number') bp = Number.isInteger(input) ? input : null;
  else if (typeof input === 'string') {
    const t = input.trim().replace(/%$/, '').trim();
    if (options.percent) {
      const m = /^(\d{1,2})(?:\.(\d{1,2}))?$/.exec(t);
      bp = m ? Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0')) : null;
    } else bp = /^\d+$/.test(t) ? Number(t) : null;
  }
  if (bp === null || bp < 0 || bp > 5000) {
    check.fail(field, options.percent ? 'Interest must be a yearly rate from 0% to 50%, like 4.5' : 'Interest must be whole basis points from 0 to 5000 (1% = 100)');
    return 0;
  }
  return bp;
}

export function readWhole(check: Checker, input: unknown, field: string, label: string, min: number, max: number, options: { optional?: boolean } = {}): number | null {
  if (input === undefined || input === null || (typeof input === 'string' && input.trim() === '')) {
    if (!options.optional) check.fail(field, `Enter ${label}`);
    return null;
  }
  const n = typeof input === 'string' && /^\s*-?\d+\s*$/.test(input) ? Number(input) : input;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    check.fail(field, `${cap(label)} must be a whole number from ${min} to ${max}`);
    return null;
  }
  return n;
}

export function readBoolean(input: unknown): boolean {
  return input === true || input === 'true' || input === 'yes' || input === 'on';
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
