// Cell values as councils write them: dates in half a dozen shapes, amounts with £, commas, brackets and words.
// Money never passes through a JS number: amounts are read digit by digit into bigint pence.
import { SpendFileError } from './spend.errors.ts';

/** Day-month order for all-numeric dates. UK files are `dmy`; a column can prove itself `mdy` (see mapping). */
export type DateOrder = 'dmy' | 'mdy';

export type DateResult =
  | { readonly ok: true; readonly iso: string }
  | { readonly ok: false; readonly empty: boolean; readonly reason: string };

export type AmountMarker = 'nil' | 'redacted' | 'not-applicable' | 'not-yet-available';

export type AmountResult =
  | { readonly ok: true; readonly pence: bigint; readonly marker?: 'nil'; readonly rounded?: boolean }
  | {
      readonly ok: false;
      readonly empty: boolean;
      readonly marker?: Exclude<AmountMarker, 'nil'>;
      readonly reason: string;
    };

/** An inclusive range of calendar dates, for files that carry no dates of their own. */
export interface SpendPeriod {
  readonly from: string;
  readonly to: string;
}

// Spending data starts in 2010; anything far outside this is a typo (0201, 2106), not a date.
const MIN_YEAR = 1900;
const MAX_YEAR = 2099;

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11,
  november: 11, dec: 12, december: 12,
};

const TIME = String.raw`(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?`;
const ISO_DATE = new RegExp(String.raw`^(\d{4})[-/](\d{1,2})[-/](\d{1,2})${TIME}$`);
const NUMERIC_DATE = new RegExp(String.raw`^(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})${TIME}$`);
const DAY_MONTH_NAME = new RegExp(
  String.raw`^(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*([A-Za-z]{3,9})\.?[\s\-/.,]*(\d{4}|\d{2})${TIME}$`,
);
const MONTH_NAME_DAY = /^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/;
const SERIAL = /^(\d{4,5})(?:\.\d+)?$/;

/**
 * True when the text is a date in either day-month order and not a bare number: used to recognise date
 * columns by content (the column's values then settle the order).
 */
export function looksLikeDate(text: string): boolean {
  const t = text.trim();
  return (ISO_DATE.test(t) || NUMERIC_DATE.test(t) || DAY_MONTH_NAME.test(t) || MONTH_NAME_DAY.test(t)) &&
    (parseSpendDate(t).ok || parseSpendDate(t, 'mdy').ok);
}

/**
 * Reads a date as published: dd/mm/yyyy (also with - or . and 2-digit years), d-Mon-yyyy, dd-Mon-yy,
 * "13 February 2017", "Feb 13, 2017", ISO yyyy-mm-dd (with or without a time) and, when `allowSerial`,
 * spreadsheet serial day numbers (1900 date system). Returns the ISO calendar date or a reason it is not one.
 */
export function parseSpendDate(text: string, order: DateOrder = 'dmy', allowSerial = false): DateResult {
  const t = text.trim();
  if (t === '') return { ok: false, empty: true, reason: 'is empty' };
  let m = ISO_DATE.exec(t);
  if (m) return checkedDate(t, Number(m[1]), Number(m[2]), Number(m[3]));
  m = NUMERIC_DATE.exec(t);
  if (m) {
    const first = Number(m[1]);
    const second = Number(m[3]);
    const year = fullYear(m[4] ?? '');
    return order === 'dmy' ? checkedDate(t, year, second, first) : checkedDate(t, year, first, second);
  }
  m = DAY_MONTH_NAME.exec(t);
  if (m) {
    const month = MONTHS[(m[2] ?? '').toLowerCase()];
    if (month === undefined) return invalidDate(t, `"${m[2]}" is not a month`);
    return checkedDate(t, fullYear(m[3] ?? ''), month, Number(m[1]));
  }
  m = MONTH_NAME_DAY.exec(t);
  if (m) {
    const month = MONTHS[(m[1] ?? '').toLowerCase()];
    if (month === undefined) return invalidDate(t, `"${m[1]}" is not a month`);
    return checkedDate(t, Number(m[3]), month, Number(m[2]));
  }
  if (allowSerial) {
    m = SERIAL.exec(t);
    if (m) return serialDate(t, Number(m[1]));
  }
  return invalidDate(t, 'is not a date in any form we read (dd/mm/yyyy, d-Mon-yyyy, yyyy-mm-dd)');
}

function fullYear(digits: string): number {
  const n = Number(digits);
  if (digits.length === 4) return n;
  // Two-digit years: spend data is all 21st-century, but keep 70-99 in the 1900s as spreadsheets do.
  return n < 70 ? 2000 + n : 1900 + n;
}

function checkedDate(text: string, year: number, month: number, day: number): DateResult {
  if (month < 1 || month > 12) return invalidDate(text, `month ${month} does not exist`);
  if (day < 1 || day > daysInMonth(year, month)) return invalidDate(text, `day ${day} is not in that month`);
  if (year < MIN_YEAR || year > MAX_YEAR) return invalidDate(text, `year ${year} is not plausible`);
  return { ok: true, iso: isoDate(year, month, day) };
}

// Serial day numbers count from 1899-12-31 as day 1, and include the spreadsheet's phantom 29 February 1900
// (day 60), so every day after it is one further on than a true count.
function serialDate(text: string, serial: number): DateResult {
  if (serial === 60) return invalidDate(text, 'is serial day 60, the non-existent 29 February 1900');
  const days = serial > 60 ? serial - 1 : serial;
  const ms = Date.UTC(1899, 11, 31) + days * 86_400_000;
  const d = new Date(ms);
  return checkedDate(text, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

function invalidDate(text: string, why: string): DateResult {
  return { ok: false, empty: false, reason: `"${text}" ${why.startsWith('is') ? why : `is not a real date: ${why}`}` };
}

// The common case (plain 1234.56 or -1234.56) skips the general parser: it is most of every file.
const PLAIN_AMOUNT = /^(-?)(\d{1,15})(?:\.(\d{1,2}))?$/;
const GROUPED_INTEGER = /^\d{1,3}(?:,\d{3})+$/;
const DIGITS = /^\d+$/;
const EXPONENT = /^(\d+)(?:\.(\d+))?[eE]([+-]?\d{1,3})$/;
const SPACES = /[\s\u00a0\u2007\u2009\u202f]+/g;

// Words councils put in amount cells instead of numbers, after lower-casing and dropping punctuation.
const AMOUNT_WORDS: Readonly<Record<string, AmountMarker>> = {
  nil: 'nil',
  none: 'nil',
  redacted: 'redacted',
  withheld: 'redacted',
  na: 'not-applicable',
  notapplicable: 'not-applicable',
  notyetavailable: 'not-yet-available',
  notavailable: 'not-yet-available',
  tbc: 'not-yet-available',
};

/**
 * Reads an amount into integer pence without ever making a float: £, GBP, thousands commas, spaces, a leading
 * or trailing minus (also − and –), (parentheses) and a trailing CR mean what accountants mean by them;
 * "Nil" and a lone dash are zero; "Redacted", "N/A" and "Not yet available" are reported as markers, not
 * numbers. More than two decimal places are rounded half away from zero (float exports write 12.300000001).
 */
export function parseAmount(text: string): AmountResult {
  // Plainest of all, without a regular expression: up to 13 digits, then nothing or one or two decimals.
  const n = text.length;
  if (n > 0 && n <= 17) {
    let i = text.charCodeAt(0) === 0x2d ? 1 : 0;
    const start = i;
    let whole = 0;
    for (; i < n; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      whole = whole * 10 + d;
    }
    const digits = i - start;
    if (digits >= 1 && digits <= 13) {
      let fraction = -1;
      if (i === n) fraction = 0;
      else if (text.charCodeAt(i) === 0x2e && (n - i === 2 || n - i === 3)) {
        const d1 = text.charCodeAt(i + 1) - 48;
        const d2 = n - i === 3 ? text.charCodeAt(i + 2) - 48 : 0;
        if (d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) fraction = d1 * 10 + d2;
      }
      if (fraction >= 0) {
        const value = whole * 100 + fraction; // < 10^15: exact
        return { ok: true, pence: BigInt(start === 1 ? -value : value) };
      }
    }
  }
  const fast = PLAIN_AMOUNT.exec(text);
  if (fast) return { ok: true, pence: digitsToPence(fast[1] === '-', fast[2] ?? '0', fast[3] ?? '') };
  return parseAmountSlow(text);
}

function parseAmountSlow(text: string): AmountResult {
  let t = text.replace(SPACES, '');
  if (t === '') return { ok: false, empty: true, reason: 'is empty' };
  const word = AMOUNT_WORDS[t.toLowerCase().replace(/[^a-z]/g, '')];
  if (word === 'nil' || t === '-' || t === '–') return { ok: true, pence: 0n, marker: 'nil' };
  if (word !== undefined) return { ok: false, empty: false, marker: word, reason: `is "${text.trim()}", not a number` };

  let negative = false;
  let signs = 0;
  if (t.startsWith('(') && t.endsWith(')')) {
    t = t.slice(1, -1);
    negative = true;
    signs++;
  }
  if (/cr$/i.test(t)) {
    t = t.slice(0, -2);
    negative = true;
    signs++;
  }
  t = t.replace(/^gbp|gbp$/i, '');
  // A sign may sit either side of the £: -£5, £-5, £5-.
  for (let again = true; again; ) {
    again = false;
    const first = t.charAt(0);
    const last = t.charAt(t.length - 1);
    if (first === '£') { t = t.slice(1); again = true; }
    else if (first === '+') { t = t.slice(1); again = true; }
    else if (first === '-' || first === '\u2212' || first === '\u2013') { t = t.slice(1); negative = true; signs++; again = true; }
    else if (last === '-' || last === '\u2212' || last === '\u2013') { t = t.slice(0, -1); negative = true; signs++; again = true; }
  }
  if (signs > 1) return invalidAmount(text, 'has more than one minus sign');

  const exp = EXPONENT.exec(t);
  if (exp) return fromExponent(text, negative, exp[1] ?? '', exp[2] ?? '', Number(exp[3]));

  const dot = t.indexOf('.');
  let whole = dot === -1 ? t : t.slice(0, dot);
  const fraction = dot === -1 ? '' : t.slice(dot + 1);
  if (whole.includes(',')) {
    if (!GROUPED_INTEGER.test(whole)) return invalidAmount(text, 'has commas that are not thousands separators');
    whole = whole.replaceAll(',', '');
  }
  if (whole === '' && fraction === '') return invalidAmount(text, 'has no digits');
  if ((whole !== '' && !DIGITS.test(whole)) || (fraction !== '' && !DIGITS.test(fraction)) || (dot !== -1 && fraction === '' && whole === '')) {
    return invalidAmount(text, 'is not a number');
  }
  return pence(text, negative, whole === '' ? '0' : whole, fraction);
}

function fromExponent(text: string, negative: boolean, whole: string, fraction: string, exponent: number): AmountResult {
  // Shift the decimal point in the digit string itself: 1.2345E+03 -> 1234.5
  const digits = whole + fraction;
  const point = whole.length + exponent;
  if (point > 18) return invalidAmount(text, 'is too large');
  if (point <= 0) return pence(text, negative, '0', '0'.repeat(-point) + digits);
  const padded = digits.padEnd(point, '0');
  return pence(text, negative, padded.slice(0, point), padded.slice(point));
}

function pence(text: string, negative: boolean, whole: string, fraction: string): AmountResult {
  // A quadrillion pounds is past any council's budget: a longer number is an identifier in the wrong column.
  if (whole.replace(/^0+/, '').length > 15) return invalidAmount(text, 'is too large to be an amount');
  if (fraction.length <= 2) return { ok: true, pence: digitsToPence(negative, whole, fraction) };
  let value = BigInt(whole + fraction.slice(0, 2));
  if (fraction.charCodeAt(2) >= 0x35) value += 1n; // third decimal 5-9: round the magnitude up
  const rounded = fraction.slice(2).replace(/0+$/, '') !== '';
  const signed = negative ? -value : value;
  return rounded ? { ok: true, pence: signed, rounded: true } : { ok: true, pence: signed };
}

function digitsToPence(negative: boolean, whole: string, fraction: string): bigint {
  const value = BigInt(whole + (fraction.length === 2 ? fraction : fraction.length === 1 ? `${fraction}0` : '00'));
  return negative ? -value : value;
}

function invalidAmount(text: string, why: string): AmountResult {
  return { ok: false, empty: false, reason: `"${text.trim()}" ${why}` };
}

/** Formats pence as pounds for messages and summaries: -123456n -> "-1234.56". */
export function formatPence(value: bigint): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

const PERIOD_MONTH = /^(\d{4})-(\d{2})$/;
const PERIOD_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Reads the period a date-less file covers: "2010-10", "2010-10..2010-12" or "2010-10-01..2010-12-31".
 * Months expand to their first and last days. Throws `spend.period-invalid` with the reason.
 */
export function parsePeriod(text: string): SpendPeriod {
  const parts = text.trim().split('..');
  if (parts.length > 2 || parts.some((p) => p.trim() === '')) throw badPeriod(text, 'write it as 2010-10 or 2010-10..2010-12');
  const from = periodBound(text, (parts[0] ?? '').trim(), 'start');
  const to = periodBound(text, (parts[parts.length - 1] ?? '').trim(), 'end');
  if (from > to) throw badPeriod(text, 'it ends before it starts');
  return { from, to };
}

function periodBound(text: string, part: string, end: 'start' | 'end'): string {
  const month = PERIOD_MONTH.exec(part);
  if (month) {
    const y = Number(month[1]);
    const m = Number(month[2]);
    if (m < 1 || m > 12) throw badPeriod(text, `month ${m} does not exist`);
    return isoDate(y, m, end === 'start' ? 1 : daysInMonth(y, m));
  }
  const date = PERIOD_DATE.exec(part);
  if (date) {
    const parsed = parseSpendDate(part);
    if (!parsed.ok) throw badPeriod(text, parsed.reason);
    return parsed.iso;
  }
  throw badPeriod(text, `"${part}" is not a month (yyyy-mm) or a date (yyyy-mm-dd)`);
}

function badPeriod(text: string, why: string): SpendFileError {
  return new SpendFileError('spend.period-invalid', `The period "${text}" cannot be read: ${why}.`);
}
