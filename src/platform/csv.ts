// The one CSV writer every module uses for what it sends out (page downloads, API ?format=csv, CLI output).
//
// Formula injection: a spreadsheet that opens a CSV runs a cell that starts with `=`, `+`, `-` or `@` (and, in
// some, a leading tab or carriage return) as a formula, so `-2+3+cmd|' /C calc'!A0` in a supplier's name would
// run a command on the reader's machine. The rule (OWASP's "CSV injection" advice): a cell whose text starts
// with one of those characters gets a leading `'`, which spreadsheets show as text and do not evaluate, and the
// cell is quoted. The one exception is a cell that is wholly a plain decimal number (`-12`, `-1234.56`, `+5`,
// `1.5e3`): a number cannot run anything, and a negative amount must stay a number a spreadsheet can add up.
// The rule looks at the text, not at the JavaScript type, so an amount formatted as text ("-1234.56") stays a
// number and a string that merely looks like it starts with a number (`-1+cmd…`) does not.

export type CsvValue = string | number | bigint | boolean | null | undefined;

/** Characters that make a spreadsheet treat a cell as a formula when they lead it. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A cell that is wholly a number: optional sign, digits with an optional fraction, optional exponent. */
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The text of a cell made safe to open in a spreadsheet: a leading formula character on text is neutralised. */
export function neutraliseCsvText(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** One CSV cell: null/undefined empty; formula starts neutralised; quoted (RFC 4180) when it holds `"`, `,`, CR or LF. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  const s = neutraliseCsvText(text);
  // A neutralised cell is quoted as well (OWASP's advice), so no reader splits it before the `'` takes effect.
  return s !== text || /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record with its CRLF line ending. */
export function csvRow(cells: readonly CsvValue[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** A header and rows as one CSV text (CRLF line endings, RFC 4180). */
export function csvTable(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  let out = csvRow(header);
  for (const row of rows) out += csvRow(row);
  return out;
}
