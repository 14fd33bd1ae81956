// One reading of the dates people type, for every form: "2026-11-28", "28/11/2026", "28-11-2026", "28.11.2026",
// "28 11 2026", "28 Nov 2026", "28 November 2026", and the GOV.UK date input's three fields (day, month, year).
// Day first, as in the UK; a two-digit year is refused (is "26" 1926 or 2026?).

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function isoOf(year: number, month: number, day: number): string | null {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day) || year < 1000 || year > 9999) return null;
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return d.toISOString().slice(0, 10);
}

const MONTHS_FULL = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** "11", "Nov", "nov.", "November", "Sept" → 11 (or 9); 0 for anything else. */
function monthNumber(text: string): number {
  const t = text.toLowerCase().replace(/\.$/, '');
  if (/^\d{1,2}$/.test(t)) return Number(t);
  if (t === 'sept') return 9;
  const i = t.length === 3 ? MONTHS.indexOf(t) : MONTHS_FULL.indexOf(t);
  return i + 1;
}

/** A date as a person types it → "YYYY-MM-DD", or null when it is not a real date in one of the accepted forms. */
export function parseDateText(input: string): string | null {
  const text = input.trim().replace(/\s+/g, ' ');
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  if (m) return isoOf(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})$/.exec(text);
  if (m) return isoOf(Number(m[3]), Number(m[2]), Number(m[1]));
  m = /^(\d{1,2})(?:st|nd|rd|th)? ([A-Za-z]{3,9}\.?),? (\d{4})$/.exec(text);
  if (m) { const month = monthNumber(m[2]!); return month ? isoOf(Number(m[3]), month, Number(m[1])) : null; }
  return null;
}

/** The GOV.UK date input's three fields → "YYYY-MM-DD", or null (a month may be a number or a name). */
export function parseDateParts(day: string, month: string, year: string): string | null {
  const d = day.trim(); const mo = month.trim(); const y = year.trim();
  if (!/^\d{1,2}$/.test(d) || !/^\d{4}$/.test(y)) return null;
  const mn = monthNumber(mo);
  return mn ? isoOf(Number(y), mn, Number(d)) : null;
}

/** The message every form gives for a date it cannot read. */
export function dateMessage(label: string): string {
  return `${label.charAt(0).toUpperCase()}${label.slice(1)} must be a real date, like 28 11 2026 or 28/11/2026`;
}

/**
 * Folds a form's GOV.UK date inputs into single fields, in place: `start-day`, `start-month` and `start-year`
 * become `start` ("28/11/2026" as typed, for the shared parser to read), unless `start` itself was sent. All
 * three left empty is an empty field.
 */
export function foldDateParts(form: Record<string, unknown>): void {
  for (const key of Object.keys(form)) {
    const m = /^(.+)-day$/.exec(key);
    if (!m) continue;
    const name = m[1]!;
    if (form[name] !== undefined || !(`${name}-month` in form) || !(`${name}-year` in form)) continue;
    const part = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '');
    const [d, mo, y] = [part(`${name}-day`), part(`${name}-month`), part(`${name}-year`)];
    const iso = parseDateParts(d, mo, y);
    form[name] = iso ?? (d || mo || y ? `${d}/${mo}/${y}` : '');
  }
}
