import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

const srcDir = fileURLToPath(new URL('..', import.meta.url));
const govukDir = fileURLToPath(new URL('../../node_modules/govuk-frontend/dist', import.meta.url));

const integer = new Intl.NumberFormat('en-GB');
const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London',
});

/**
 * Templates are found by their path under src/ (e.g. `organisations/views/list.njk`), so each module's
 * templates live beside its code; govuk-frontend's macros resolve from its dist folder.
 */
export function createViewEnvironment(): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader([srcDir, govukDir], { noCache: false }), {
    autoescape: true,
    throwOnUndefined: false,
  });
  /** Money in integer pence as pounds, e.g. 123456 → £1,234.56. Exact: pence are divided as integers. */
  env.addFilter('pounds', (value: number | bigint | string | null | undefined) => {
    if (value === null || value === undefined || value === '') return '';
    const p = BigInt(value);
    const sign = p < 0n ? '-' : '';
    const abs = p < 0n ? -p : p;
    const whole = integer.format(abs / 100n);
    return `${sign}£${whole}.${(abs % 100n).toString().padStart(2, '0')}`;
  });
  env.addFilter('number', (value: number | bigint | null | undefined) => (value === null || value === undefined ? '' : integer.format(value)));
  env.addFilter('date', (value: Date | string | null | undefined) => {
    if (!value) return '';
    const d = typeof value === 'string' ? new Date(value.length === 10 ? `${value}T12:00:00Z` : value) : value;
    return Number.isNaN(d.getTime()) ? String(value) : dateFormat.format(d);
  });
  env.addFilter('datetime', (value: Date | string | null | undefined) => (value ? dateTimeFormat.format(new Date(value)) : ''));
  env.addFilter('json', (value: unknown) => JSON.stringify(value, null, 2));
  /** Turns a field-error list into the shape govukErrorSummary wants. */
  env.addFilter('errorList', (errors: { field: string; message: string }[] | undefined) =>
    (errors ?? []).map((e) => ({ text: e.message, href: `#${e.field}` })),
  );
  /** The message for one field, in the shape govuk form macros take for errorMessage, or false. */
  env.addFilter('fieldError', (errors: { field: string; message: string }[] | undefined, field: string) => {
    const e = (errors ?? []).find((x) => x.field === field);
    return e ? { text: e.message } : false;
  });
  return env;
}

