// Reads the CSV an analyst brings to the funnel (CLI and page): `unit,numerator,denominator` for proportions or
// `unit,observed,expected` for ratios, with a header row, columns in any order, other columns ignored. Every
// row is checked; the first problems are reported each naming its line and column, and nothing is computed
// from a file with any problem.
import { AppError, type FieldError } from '../platform/errors.ts';
import type { FunnelInput, Statistic } from './scorecards.stats.ts';

/** The most data rows a funnel file may have from the command line. */
export const MAX_FUNNEL_ROWS = 1_000_000;
/** The most bytes, likewise (a million rows of long unit names fit well within it). */
export const MAX_FUNNEL_BYTES = 128 * 1024 * 1024;
/** Problems listed before the rest are counted only. */
const MAX_REPORTED = 20;

export const COLUMNS: Record<Statistic, [string, string]> = {
  proportion: ['numerator', 'denominator'],
  ratio: ['observed', 'expected'],
};

/** How a column is named in a sentence. */
const LABEL: Record<string, string> = { numerator: 'numerator', denominator: 'denominator', observed: 'observed count', expected: 'expected count' };

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Splits CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into records with their line numbers. */
function* records(text: string): Generator<{ line: number; fields: string[] }> {
  let line = 1;
  let i = 0;
  const n = text.length;
  // Where the next quote is (−1: none left), so that finding it is not a scan of the rest at every line.
  let nextQuote = text.indexOf('"');
  while (i < n) {
    const start = line;
    // Fast path: a line without quotes is split on commas (nearly every line of a real file).
    let end = text.indexOf('\n', i);
    if (end === -1) end = n;
    if (nextQuote !== -1 && nextQuote < i) nextQuote = text.indexOf('"', i);
    if (nextQuote === -1 || nextQuote > end) {
      const raw = text.charCodeAt(end - 1) === 13 ? text.slice(i, end - 1) : text.slice(i, end);
      i = end + 1;
      line++;
      if (raw.trim() !== '') yield { line: start, fields: raw.split(',') };
      continue;
    }
    const fields: string[] = [];
    for (;;) {
      let value = '';
      if (text.charCodeAt(i) === 34 /* " */) {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) throw AppError.validation([{ field: 'file', message: `Line ${start}: a quoted value is not closed` }]);
          const chunk = text.slice(i, q);
          for (let k = chunk.indexOf('\n'); k !== -1; k = chunk.indexOf('\n', k + 1)) line++;
          value += chunk;
          i = q + 1;
          if (text.charCodeAt(i) === 34) {
            value += '"';
            i++;
          } else break;
        }
      }
      // Unquoted text (or what follows a closing quote) up to the next comma or line end.
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 44 || c === 10 || c === 13) break;
        j++;
      }
      value += text.slice(i, j);
      i = j;
      fields.push(value);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
        continue;
      }
      if (c === 13) i++;
      if (text.charCodeAt(i) === 10) i++;
      line++;
      break;
    }
    // A blank line is not a record.
    if (!(fields.length === 1 && fields[0]!.trim() === '')) yield { line: start, fields };
  }
}

export interface FunnelCsv {
  readonly rows: FunnelInput[];
  /** The line each row came from (1 is the header). */
  readonly lines: number[];
}

/**
 * Reads and checks a funnel CSV. Throws AppError validation_failed listing the first problems (each naming the
 * line, the unit where known and the column), or payload_too_large past `maxRows` / `maxBytes`.
 */
export function readFunnelCsv(input: string | Uint8Array, statistic: Statistic, limits: { maxRows?: number; maxBytes?: number } = {}): FunnelCsv {
  const maxRows = limits.maxRows ?? MAX_FUNNEL_ROWS;
  const maxBytes = limits.maxBytes ?? MAX_FUNNEL_BYTES;
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (bytes > maxBytes) throw new AppError('payload_too_large', `The file is ${(bytes / 1048576).toFixed(1)} MB; a funnel file may be at most ${maxBytes / 1048576} MB.`);
  let text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const it = records(text);
  const first = it.next();
  if (first.done) throw AppError.validation([{ field: 'file', message: 'The file is empty: it needs a header row and one row for each unit' }]);
  const header = first.value.fields.map((h) => h.trim().toLowerCase());
  const [numName, denName] = COLUMNS[statistic];
  const missing = ['unit', numName, denName].filter((c) => !header.includes(c));
  if (missing.length) {
    const other: Statistic = statistic === 'proportion' ? 'ratio' : 'proportion';
    const hint = COLUMNS[other].every((c) => header.includes(c)) ? ` (its columns are for --statistic ${other})` : '';
    throw AppError.validation(missing.map((c) => ({ field: c, message: `The header row has no “${c}” column${hint}; it has: ${header.join(', ') || 'nothing'}` })));
  }
  const unitAt = header.indexOf('unit');
  const numAt = header.indexOf(numName);
  const denAt = header.indexOf(denName);
  const width = Math.max(unitAt, numAt, denAt) + 1;
  const rows: FunnelInput[] = [];
  const lines: number[] = [];
  const problems: FieldError[] = [];
  let problemCount = 0;
  const seen = new Map<string, number>();
  const problem = (field: string, message: string) => {
    problemCount++;
    if (problems.length < MAX_REPORTED) problems.push({ field, message });
  };
  let count = 0;
  for (const { line, fields } of it) {
    if (++count > maxRows) {
      throw new AppError('payload_too_large', `The file has more than ${maxRows.toLocaleString('en-GB')} rows (line ${line} is past the limit); split it or sample it.`);
    }
    if (fields.length < width) {
      problem('file', `Line ${line}: has ${fields.length} values; the header has ${header.length}`);
      continue;
    }
    const unit = fields[unitAt]!.trim();
    const where = unit ? `Line ${line} (${unit})` : `Line ${line}`;
    if (!unit) problem('unit', `${where}: the unit has no name`);
    else {
      const before = seen.get(unit);
      if (before !== undefined) problem('unit', `${where}: the unit “${unit}” is also on line ${before}; give each unit one row`);
      else seen.set(unit, line);
    }
    const numText = fields[numAt]!.trim();
    const denText = fields[denAt]!.trim();
    let ok = !!unit;
    const num = Number(numText);
    const den = Number(denText);
    if (!NUMBER.test(numText) || !Number.isFinite(num)) {
      problem(numName, `${where}: the ${LABEL[numName]} “${numText}” is not a number`);
      ok = false;
    } else if (num < 0) {
      problem(numName, `${where}: the ${LABEL[numName]} is ${numText}; a count cannot be negative`);
      ok = false;
    }
    if (!NUMBER.test(denText) || !Number.isFinite(den)) {
      problem(denName, `${where}: the ${LABEL[denName]} “${denText}” is not a number`);
      ok = false;
    } else if (den <= 0) {
      problem(denName, `${where}: the ${LABEL[denName]} is ${denText}; it must be more than 0`);
      ok = false;
    } else if (statistic === 'proportion' && ok && num > den) {
      problem(numName, `${where}: the numerator ${numText} is more than the denominator ${denText}`);
      ok = false;
    }
    // Once there is a problem nothing will be computed: rows are no longer kept, but every row is checked.
    if (ok && problemCount === 0) {
      rows.push({ unit, numerator: num, denominator: den });
      lines.push(line);
    }
  }
  if (problemCount > 0) {
    if (problemCount > problems.length) problems.push({ field: 'file', message: `and ${(problemCount - problems.length).toLocaleString('en-GB')} more problems` });
    throw AppError.validation(problems, `The file has ${problemCount.toLocaleString('en-GB')} problem${problemCount === 1 ? '' : 's'}: ${problems[0]!.message}`);
  }
  if (rows.length === 0) throw AppError.validation([{ field: 'file', message: 'The file has a header row but no units' }]);
  return { rows, lines };
}

/** Checks a target typed by a person: a proportion 0 < t < 1, a ratio t > 0. */
export function parseTarget(text: string | undefined, statistic: Statistic, field = 'target'): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const t = Number(text.trim());
  if (!NUMBER.test(text.trim()) || !Number.isFinite(t)) throw AppError.validation([{ field, message: `The target “${text}” is not a number` }]);
  if (statistic === 'proportion' && !(t > 0 && t < 1)) throw AppError.validation([{ field, message: 'A target proportion is between 0 and 1 (for example 0.8 for 80%)' }]);
  if (statistic === 'ratio' && !(t > 0)) throw AppError.validation([{ field, message: 'A target ratio must be more than 0 (1 means observed equals expected)' }]);
  return t;
}

/** Checks the statistic named by a person. */
export function parseStatistic(text: unknown, field = 'statistic'): Statistic {
  if (text === 'proportion' || text === 'ratio') return text;
  throw AppError.validation([{ field, message: text === undefined || text === '' ? 'Choose the statistic: proportion or ratio' : `The statistic “${String(text)}” is not one of proportion, ratio` }]);
}
