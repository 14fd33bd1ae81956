// Which column holds which field of the Local Government Transparency Code 2015. Headers are matched against
// synonyms after light normalisation (case, punctuation, camelCase, and one-letter misspellings such as
// "Catergory" or "Directotate"); then every guess is checked against the column's content, and content alone
// finds dates and amounts under headers nobody could predict ("Updated", "Supplier id(T)" holding names).
// Each field carries a confidence and a reason so a person can confirm the mapping once per publisher.
import type { SpendColumn } from './spend.sniff.ts';
import { looksLikeDate, parseAmount, parseSpendDate, type DateOrder } from './spend.values.ts';

/** The fields a spend line can carry, named after the Code's columns. */
export const SPEND_FIELDS = [
  'body',
  'bodyName',
  'date',
  'department',
  'serviceArea',
  'supplierName',
  'supplierId',
  'companyNumber',
  'charityNumber',
  'vatNumber',
  'purpose',
  'expenseCategory',
  'expenseCode',
  'sercopCode',
  'sercopCategoryCode',
  'netAmount',
  'irrecoverableVat',
  'merchantCategory',
  'transactionNumber',
  'invoiceNumber',
  'capitalRevenue',
] as const;

export type SpendField = (typeof SPEND_FIELDS)[number];

/** What each field means, for showing a mapping to a person. */
export const SPEND_FIELD_LABELS: Readonly<Record<SpendField, string>> = {
  body: 'Body (publisher code or URI)',
  bodyName: 'Body name',
  date: 'Date',
  department: 'Department / expense area',
  serviceArea: 'Service area (within the department)',
  supplierName: 'Beneficiary (supplier name)',
  supplierId: 'Supplier ID',
  companyNumber: 'Supplier registered company number',
  charityNumber: 'Supplier registered charity number',
  vatNumber: 'Supplier VAT registration number',
  purpose: 'Purpose of expenditure (expense type)',
  expenseCategory: 'Expenditure category',
  expenseCode: 'Expense code',
  sercopCode: 'SeRCOP (BVACOP) detailed expenditure code',
  sercopCategoryCode: 'SeRCOP expenditure category code',
  netAmount: 'Net amount',
  irrecoverableVat: 'Irrecoverable VAT',
  merchantCategory: 'Merchant / procurement category',
  transactionNumber: 'Transaction number',
  invoiceNumber: 'Invoice number',
  capitalRevenue: 'Capital or revenue',
};

export type Confidence = 'high' | 'medium' | 'low';

export interface FieldMapping {
  /** Index of the column's field in each record. */
  readonly column: number;
  /** The column's display name (see SpendColumn.name). */
  readonly header: string;
  readonly confidence: Confidence;
  /** Why this column was chosen, in words a publisher can check. */
  readonly reason: string;
}

export interface SpendMapping {
  readonly fields: Partial<Record<SpendField, FieldMapping>>;
  /** Columns no field uses; they stay in each line's `raw`. */
  readonly unused: readonly string[];
  /** Order of all-numeric dates, read from the date column's values. */
  readonly dateOrder: DateOrder;
  /** Problems with a remembered mapping, e.g. a column that this file no longer has. */
  readonly notes: readonly string[];
}

/**
 * A remembered, confirmed mapping for a publisher: field → column name (as in SpendColumn.name or the header
 * as published), or null for "this publisher has no such column". Fields it leaves out are mapped as usual.
 */
export type MappingOverride = Partial<Record<SpendField, string | null>>;

type Rule = readonly [phrase: string, score: number];

// Exact normalised header → score; a header that contains the phrase among other words scores 0.9 of it.
const SYNONYMS: Readonly<Record<SpendField, readonly Rule[]>> = {
  body: [['body', 1], ['body uri', 1], ['body code', 1], ['organisation uri', 1], ['organisation code', 0.9], ['publisher uri', 1]],
  bodyName: [['body name', 1], ['organisation name', 1], ['organisation', 0.8], ['publisher', 0.8], ['publisher name', 1], ['local authority', 0.8], ['council', 0.7], ['authority', 0.7]],
  date: [['date', 1], ['payment date', 1], ['paid date', 1], ['date paid', 1], ['date of payment', 1], ['transaction date', 1], ['posting date', 0.9], ['posted date', 0.9], ['invoice date', 0.8], ['effective date', 0.8], ['date posted', 0.9]],
  department: [['department', 1], ['dept', 1], ['directorate', 1], ['service label', 1], ['expense area', 1], ['organisational unit', 1], ['organisation unit', 1], ['strategic group', 0.9], ['portfolio', 0.8], ['service area', 0.8], ['service', 0.7], ['division', 0.6]],
  serviceArea: [['service area', 1], ['service division', 1], ['service division label', 1], ['service', 0.9], ['sub service', 0.9], ['service unit', 0.9], ['cost centre name', 0.6], ['cost centre description', 0.6]],
  supplierName: [['supplier name', 1], ['supplier', 1], ['supplier beneficiary name', 1], ['beneficiary', 1], ['beneficiary name', 1], ['payee', 1], ['payee name', 1], ['vendor', 1], ['vendor name', 1], ['creditor', 0.9], ['creditor name', 1], ['merchant name', 0.9], ['supplier beneficiary', 1], ['name', 0.7]],
  supplierId: [['supplier id', 1], ['supplier number', 1], ['supplier no', 1], ['supplier code', 1], ['supplier ref', 0.9], ['supplier reference', 0.9], ['vendor id', 1], ['vendor number', 1], ['creditor id', 1], ['creditor number', 1], ['creditor no', 1], ['payee id', 1]],
  companyNumber: [['company number', 1], ['company no', 1], ['company registration number', 1], ['registered company number', 1], ['supplier registered company number', 1], ['companies house number', 1]],
  charityNumber: [['charity number', 1], ['charity no', 1], ['registered charity number', 1], ['supplier registered charity number', 1], ['charity registration number', 1]],
  vatNumber: [['vat registration number', 1], ['vat number', 1], ['vat reg no', 1], ['vat registration', 0.9], ['vat no', 1]],
  purpose: [['purpose', 1], ['purpose of spend', 1], ['purpose of expenditure', 1], ['summary of purpose', 1], ['expense type', 1], ['expenditure type', 1], ['detailed expenditure type', 1], ['sercop detailed expenditure type', 1], ['expense description', 1], ['expenditure description', 1], ['nature of expenditure', 1], ['account description', 0.9], ['account name', 0.9], ['subjective description', 0.9], ['spend level 2', 0.8], ['account', 0.8], ['subjective', 0.7], ['description', 0.6], ['narrative', 0.7], ['expenditure category', 0.8], ['expense category', 0.8]],
  expenseCategory: [['expenditure category', 1], ['expense category', 1], ['sercop expenditure category', 1], ['expenditure group', 0.9], ['subjective group', 0.8], ['spend level', 0.8], ['category', 0.6]],
  expenseCode: [['expense code', 1], ['expenditure code', 1], ['detailed expenditure code', 1], ['account code', 1], ['subjective code', 1], ['cost code', 0.7]],
  sercopCode: [['sercop code', 1], ['sercop', 1], ['bvacop', 1], ['bvacop code', 1], ['sercop detailed expenditure code', 1]],
  sercopCategoryCode: [['sercop expenditure code', 1], ['sercop expenditure category code', 1], ['sercop category code', 1]],
  netAmount: [['net amount', 1], ['amount', 1], ['net', 0.9], ['net value', 1], ['value', 0.8], ['net of vat', 1], ['amount excluding vat', 1], ['amount exc vat', 1], ['amount ex vat', 1], ['payment amount', 1], ['amount paid', 1], ['paid amount', 1], ['transaction amount', 1], ['invoice amount', 0.9], ['line amount', 0.9], ['total', 0.8], ['total amount', 0.9], ['spend', 0.7], ['sum', 0.6], ['cost', 0.5], ['gross amount', 0.5], ['gross', 0.4], ['amount inc vat', 0.6], ['total inc vat', 0.6], ['value inc vat', 0.6]],
  irrecoverableVat: [['irrecoverable vat', 1], ['non recoverable vat', 1], ['irrecoverable vat amount', 1], ['vat that cannot be recovered', 1], ['vat', 0.6], ['vat amount', 0.6]],
  merchantCategory: [['merchant category', 1], ['merchant category code', 1], ['mcc', 1], ['procurement category', 1], ['procurement category name', 1], ['procurement classification', 1], ['proclass', 1], ['category name', 0.7], ['classification', 0.7]],
  transactionNumber: [['transaction number', 1], ['transaction no', 1], ['trans no', 1], ['transno', 1], ['transaction id', 1], ['transaction reference', 1], ['transaction ref', 1], ['internal ref', 0.9], ['internal reference', 0.9], ['internal ref number', 0.9], ['payment reference', 0.9], ['payment number', 0.9], ['payment ref', 0.9], ['document number', 0.8], ['doc no', 0.8], ['voucher number', 0.8], ['reference', 0.7], ['ref', 0.6], ['invoice number', 0.5]],
  invoiceNumber: [['invoice number', 1], ['invoice no', 1], ['invoice ref', 0.9], ['invoice reference', 0.9]],
  capitalRevenue: [['capital or revenue', 1], ['capital revenue', 1], ['revenue capital', 1], ['cap rev', 1], ['rev cap', 1], ['type of expenditure', 0.6]],
};

// Words that rule a header out for a field whatever else it says ("VAT Registration Number" is no amount).
const EXCLUDED: Partial<Record<SpendField, readonly string[]>> = {
  netAmount: ['number', 'no', 'id', 'code', 'date', 'ref', 'reference', 'registration'],
  irrecoverableVat: ['number', 'no', 'registration', 'reg', 'code'],
  supplierName: ['id', 'number', 'no', 'code', 'ref', 'reference', 'company', 'charity', 'vat', 'registration'],
  date: ['number', 'no', 'id', 'ref'],
  bodyName: ['uri', 'code', 'id'],
};

// "Net of VAT", "excluding VAT", "Total (excludes VAT)"... keep VAT from disqualifying a net amount header.
const NET_OF_VAT = /\b(net of|excluding|excludes|exclude|exclusive of|exclusive|excl|exc|ex|before|less|without|not including|pre) vat\b/;
// "(inc VAT)", "including VAT", "gross of VAT": an amount with the VAT in it. It may be the amount column when
// nothing else is (medium at best, so the publisher checks), and it is never the irrecoverable VAT.
const WITH_VAT = /\b(inc|incl|including|includes|inclusive of|inclusive|gross of|plus|with) vat\b/;
// Phrases that count only as the whole header: "Name" is the supplier, but "Body Name" is not.
const WHOLE_HEADER_ONLY: ReadonlySet<string> = new Set(['name']);

const VOCABULARY: ReadonlySet<string> = new Set(
  Object.values(SYNONYMS).flatMap((rules) => rules.flatMap(([phrase]) => phrase.split(' '))),
);

// Field order breaks ties between equal scores: the Code's core fields first.
const FIELD_RANK = new Map<SpendField, number>(
  (['netAmount', 'date', 'supplierName', 'supplierId', 'department', 'purpose', 'transactionNumber', 'irrecoverableVat',
    'merchantCategory', 'body', 'bodyName', 'serviceArea', 'expenseCategory', 'expenseCode', 'sercopCode',
    'sercopCategoryCode', 'companyNumber', 'charityNumber', 'vatNumber', 'invoiceNumber', 'capitalRevenue'] as const)
    .map((f, i) => [f, i]),
);

/**
 * Normalises a header for matching: lower case, camelCase and letter/digit runs split, punctuation to spaces,
 * "&" to "and", and each word within one edit of a known synonym word corrected to it.
 */
export function normaliseHeader(header: string): string {
  const words = header
    .replace(/([a-z])([A-Z][a-z])/g, '$1 $2') // SupplierName, TransNo; but not SeRCOP
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/([a-z])(\d)|(\d)([a-z])/g, (_m, a?: string, b?: string, c?: string, d?: string) =>
      a !== undefined ? `${a} ${b}` : `${c} ${d}`,
    )
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w !== '');
  return words.map(correctWord).join(' ');
}

function correctWord(word: string): string {
  if (word.length < 5 || VOCABULARY.has(word)) return word;
  let found: string | null = null;
  for (const known of VOCABULARY) {
    if (Math.abs(known.length - word.length) > 1 || known.length < 5) continue;
    if (withinOneEdit(word, known)) {
      if (found !== null && found !== known) return word; // ambiguous: leave it alone
      found = known;
    }
  }
  return found ?? word;
}

// One insertion, deletion, substitution or swap of neighbours.
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length === b.length) {
    let first = -1;
    let diffs = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) {
        if (diffs === 0) first = i;
        diffs++;
      }
    }
    if (diffs === 1) return true;
    return diffs === 2 && a[first] === b[first + 1] && a[first + 1] === b[first];
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < short.length && short[i] === long[i]) i++;
  return short.slice(i) === long.slice(i + 1);
}

/** How many of these header cells name a Code field: tells a header row from a title row. */
export function recognisedHeaderCount(cells: readonly string[]): number {
  let count = 0;
  for (const cell of cells) {
    const h = normaliseHeader(cell);
    if (SPEND_FIELDS.some((f) => headerScore(f, h) >= 0.6)) count++;
  }
  return count;
}

function headerScore(field: SpendField, h: string): number {
  const words = ` ${h} `;
  const excluded = EXCLUDED[field];
  if (excluded?.some((w) => words.includes(` ${w} `))) return 0;
  const withVat = WITH_VAT.test(h);
  if (field === 'netAmount' && words.includes(' vat ') && !NET_OF_VAT.test(h) && !withVat) return 0;
  if (field === 'irrecoverableVat' && (NET_OF_VAT.test(h) || withVat)) return 0;
  let best = 0;
  for (const [phrase, score] of SYNONYMS[field]) {
    if (h === phrase) best = Math.max(best, score);
    else if (!WHOLE_HEADER_ONLY.has(phrase) && words.includes(` ${phrase} `)) best = Math.max(best, score * 0.9);
  }
  // An amount that includes VAT is not the net amount the Code asks for: at most medium, whatever it is called.
  if (field === 'netAmount' && withVat) return Math.min(best === 0 ? 0.6 : best, 0.6);
  // "Total (excludes VAT)": saying the VAT is left out is saying it is the net amount.
  if (field === 'netAmount' && best > 0 && NET_OF_VAT.test(h)) return Math.max(best, 0.9);
  return best;
}

interface Candidate {
  field: SpendField;
  column: SpendColumn;
  score: number;
  reason: string;
}

interface ColumnProfile {
  values: string[];
  dates: number;
  serials: number;
  amounts: number;
  decimals: number;
  names: number;
  capitalRevenue: number;
  example: string;
  firstOver12: boolean;
  secondOver12: boolean;
  /** Values that are bare whole numbers: digits only, no sign, separator, symbol or decimals. */
  integers: number;
  /** Whole numbers written with a leading zero ("0080020624"): a code, never an amount. */
  leadingZeros: number;
  digitLengths: number[];
}

const NUMERIC_DATE_PARTS = /^(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}\b/;
const NAME_LIKE = /[A-Za-z]{2,}\s+[A-Za-z&(]{2,}/;
const CAPITAL_REVENUE = /^(c|r|cap|rev|capital|revenue)$/i;

function profile(column: SpendColumn, sample: readonly (readonly string[])[]): ColumnProfile {
  const values: string[] = [];
  for (const row of sample) {
    const v = (row[column.index] ?? '').trim();
    if (v !== '') values.push(v);
  }
  const p: ColumnProfile = {
    values, dates: 0, serials: 0, amounts: 0, decimals: 0, names: 0, capitalRevenue: 0,
    example: values[0] ?? '', firstOver12: false, secondOver12: false, integers: 0, leadingZeros: 0, digitLengths: [],
  };
  for (const v of values) {
    if (looksLikeDate(v)) p.dates++;
    else if (/^\d{5}(\.\d+)?$/.test(v) && parseSpendDate(v, 'dmy', true).ok) p.serials++;
    const amount = parseAmount(v);
    if (amount.ok || amount.marker !== undefined) p.amounts++;
    if (/\.\d\d\s*\)?-?$/.test(v)) p.decimals++;
    if (NAME_LIKE.test(v)) p.names++;
    if (CAPITAL_REVENUE.test(v)) p.capitalRevenue++;
    if (/^\d+$/.test(v)) {
      p.integers++;
      p.digitLengths.push(v.length);
      if (v.length > 1 && v.startsWith('0')) p.leadingZeros++;
    }
    const parts = NUMERIC_DATE_PARTS.exec(v);
    if (parts) {
      if (Number(parts[1]) > 12) p.firstOver12 = true;
      if (Number(parts[2]) > 12) p.secondOver12 = true;
    }
  }
  return p;
}

const ratio = (part: number, whole: number): number => (whole === 0 ? 0 : part / whole);
const quoted = (v: string): string => `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;

function typed(good: number, p: ColumnProfile, base: number, why: string, kind: string): [number, string] {
  const n = p.values.length;
  const share = ratio(good, n);
  if (share >= 0.9) return [base, `${why}; values are ${kind}, e.g. ${quoted(p.example)}`];
  if (share >= 0.5) return [base * 0.9, `${why}; most values are ${kind}, but ${n - good} of ${n} in the sample are not`];
  return [base * 0.1, `${why}, but its values are not ${kind}`];
}

/** Adjusts a header-based guess by what the column actually holds. */
function checkContent(field: SpendField, p: ColumnProfile, sampleRows: number, base: number, why: string): [number, string] {
  const n = p.values.length;
  if (n === 0) return sampleRows === 0 ? [base, why] : [base * 0.3, `${why}, but it is empty in the first ${sampleRows} rows`];
  switch (field) {
    // A header that says date or amount is believed unless most values disagree: one typo in a small file
    // must not unmap the column (the reader rejects that row and names it instead).
    case 'date':
      return typed(p.dates + p.serials, p, base, why, 'dates');
    case 'netAmount':
      return typed(p.amounts, p, base, why, 'amounts');
    case 'irrecoverableVat': {
      // A plain "VAT" header says nothing of which VAT it is: recoverable VAT is not spending, and VAT already
      // in the amount would be counted twice. The publisher is asked (see spend.check.ts).
      const [score, reason] = typed(p.amounts, p, base, why, 'amounts');
      return base < 0.85 ? [score, `${reason}; the header does not say whether this VAT is irrecoverable, recoverable or already in the amount`] : [score, reason];
    }
    case 'supplierId':
      if (ratio(p.names, n) > 0.5) return [base * 0.2, `${why}, but its values are names, e.g. ${quoted(p.example)}`];
      return [base, why];
    case 'purpose':
    case 'department':
    case 'serviceArea':
      if (ratio(p.capitalRevenue, n) > 0.9) return [base * 0.3, `${why}, but it only says capital or revenue`];
      return [base, why];
    default:
      return [base, why];
  }
}

/**
 * Maps a file's columns to the Code's fields from their headers and the sample rows' content. Overrides (a
 * publisher's confirmed mapping) win. The amount column is not guaranteed: the caller checks
 * `fields.netAmount` and explains when it is missing.
 */
export function mapColumns(
  columns: readonly SpendColumn[],
  sample: readonly (readonly string[])[],
  override: MappingOverride = {},
): SpendMapping {
  const profiles = new Map(columns.map((c) => [c.index, profile(c, sample)]));
  const candidates: Candidate[] = [];
  for (const column of columns) {
    const p = profiles.get(column.index);
    if (!p) continue;
    const h = normaliseHeader(column.name);
    for (const field of SPEND_FIELDS) {
      const score = headerScore(field, h);
      if (score === 0) continue;
      const spelled = h === column.name.toLowerCase() ? '' : ` (read as "${h}")`;
      const why = `header "${column.name}"${spelled} ${score >= 1 ? 'is' : 'suggests'} ${SPEND_FIELD_LABELS[field]}`;
      const [checked, reason] = checkContent(field, p, sample.length, score, why);
      candidates.push({ field, column, score: checked, reason });
    }
  }
  candidates.push(...contentCandidates(columns, profiles, candidates));
  // A file with no header row (every column unnamed): the words columns are told apart by what they hold.
  const headerless = columns.length > 0 && columns.every((c) => c.header.trim() === '');
  if (headerless) candidates.push(...headerlessCandidates(columns, profiles));

  const fields: Partial<Record<SpendField, FieldMapping>> = {};
  const used = new Set<number>();
  const notes: string[] = [];
  const fixed = new Set<SpendField>();
  for (const [key, name] of Object.entries(override)) {
    const field = key as SpendField;
    if (!SPEND_FIELDS.includes(field) || name === undefined) continue;
    fixed.add(field);
    if (name === null) continue;
    const wanted = name.trim().toLowerCase();
    const column = columns.find((c) => c.name.toLowerCase() === wanted) ??
      columns.find((c) => c.header.trim().toLowerCase() === wanted);
    if (!column || used.has(column.index)) {
      notes.push(`The confirmed mapping puts ${SPEND_FIELD_LABELS[field].toLowerCase()} in "${name}", which this file does not have; it was mapped again automatically.`);
      fixed.delete(field);
      continue;
    }
    used.add(column.index);
    fields[field] = { column: column.index, header: column.name, confidence: 'high', reason: 'confirmed mapping for this publisher' };
  }

  candidates.sort((a, b) =>
    b.score - a.score ||
    (FIELD_RANK.get(a.field) ?? 99) - (FIELD_RANK.get(b.field) ?? 99) ||
    b.column.filled - a.column.filled ||
    a.column.index - b.column.index,
  );
  for (const c of candidates) {
    if (c.score < 0.35 || fixed.has(c.field) || fields[c.field] || used.has(c.column.index)) continue;
    fields[c.field] = { column: c.column.index, header: c.column.name, confidence: confidenceOf(c.score), reason: c.reason };
    used.add(c.column.index);
  }
  describeCode(fields, fixed, used, columns, profiles, sample);
  // The Code has one "department / service area" and one "purpose": when a file has only the finer or the
  // broader column, that column is the field.
  promote(fields, fixed, 'serviceArea', 'department');
  promote(fields, fixed, 'expenseCategory', 'purpose');

  const dateColumn = fields.date ? profiles.get(fields.date.column) : undefined;
  const dateOrder: DateOrder = dateColumn && !dateColumn.firstOver12 && dateColumn.secondOver12 ? 'mdy' : 'dmy';
  if (headerless) notes.unshift('The file has no header row: each column was recognised by what it holds, not by its name. Check each one.');
  return {
    fields,
    unused: columns.filter((c) => !used.has(c.index)).map((c) => c.name),
    dateOrder,
    notes,
  };
}

/** Words that end the names of organisations that are paid: "Rider Levett Bucknall Uk Ltd", "Oyster Partnership". */
const ORGANISATION_ENDING = /\b(ltd|limited|llp|plc|cic|cio|inc|llc|co|company|council|trust|partnership|services|group|association|foundation|society|charity|church|college|university|school|club|consultancy|consulting|solicitors|agency|uk)\.?\)?$/i;
/** Reference numbers: letters then digits ("CRINV0009515"), or digits with slashes and dashes ("B000018580/57559"). */
const REFERENCE_LIKE = /^(?=.*\d)[A-Z]{0,6}[-/]?\d[\d/-]{3,}[A-Z]?$/i;

/**
 * The columns of words in a file with no header row, told apart by their content, each with low confidence so
 * the publisher checks them: the one whose values most often end like an organisation's name ("Ltd", "Limited",
 * "Partnership") is the supplier; a column of reference numbers, nearly all different, is the transaction
 * number; of the other columns of words, the one with the fewest different values is the department (a few
 * directorates repeat down the file), the next the service area, and the one that varies most the purpose.
 */
function headerlessCandidates(columns: readonly SpendColumn[], profiles: ReadonlyMap<number, ColumnProfile>): Candidate[] {
  const out: Candidate[] = [];
  const words: { column: SpendColumn; p: ColumnProfile; distinct: number }[] = [];
  let supplier: { column: SpendColumn; share: number } | null = null;
  for (const column of columns) {
    const p = profiles.get(column.index);
    if (!p || p.values.length < 3) continue;
    const n = p.values.length;
    if (ratio(p.dates + p.amounts, n) > 0.5) continue;
    const distinct = new Set(p.values).size;
    if (ratio(p.values.filter((v) => REFERENCE_LIKE.test(v)).length, n) >= 0.9) {
      if (distinct >= 0.5 * n) out.push({ field: 'transactionNumber', column, score: 0.5, reason: `the file has no header row; values of "${column.name}" are reference numbers, mostly different, e.g. ${quoted(p.example)}` });
      continue;
    }
    if (ratio(p.values.filter((v) => /[A-Za-z]{2,}/.test(v)).length, n) < 0.9) continue;
    const share = ratio(p.values.filter((v) => ORGANISATION_ENDING.test(v.trim())).length, n);
    if (share >= 0.2 && (!supplier || share > supplier.share)) supplier = { column, share };
    words.push({ column, p, distinct });
  }
  if (supplier) {
    const p = profiles.get(supplier.column.index)!;
    out.push({ field: 'supplierName', column: supplier.column, score: 0.55, reason: `the file has no header row; ${Math.round(supplier.share * 100)}% of the values of "${supplier.column.name}" end like an organisation’s name (Ltd, Limited, Partnership …), e.g. ${quoted(p.example)}` });
  }
  const others = words.filter((w) => w.column !== supplier?.column).sort((a, b) => a.distinct - b.distinct || a.column.index - b.column.index);
  const [fewest, next] = others;
  const most = others.length >= 3 ? others[others.length - 1] : undefined;
  if (fewest) out.push({ field: 'department', column: fewest.column, score: 0.5, reason: `the file has no header row; "${fewest.column.name}" has the fewest different values of the columns of words (${fewest.distinct}, e.g. ${quoted(fewest.p.example)}), as departments do` });
  if (next && next !== most) out.push({ field: 'serviceArea', column: next.column, score: 0.45, reason: `the file has no header row; "${next.column.name}" repeats a few values (${next.distinct}, e.g. ${quoted(next.p.example)}), as service areas do` });
  if (most) out.push({ field: 'purpose', column: most.column, score: 0.45, reason: `the file has no header row; "${most.column.name}" varies most of the columns of words (${most.distinct} different values, e.g. ${quoted(most.p.example)}), as descriptions of purpose do` });
  return out;
}

/**
 * A code column's description: when the expense code is mapped and the purpose is not, an unused column of
 * words that shares a header word with the code's column ("Expenditure Unit" beside "Expenditure Code") and
 * whose every value in the sample goes with one code (each code always has the same text) is that code's
 * name: the purpose of the spending (expense type). Content decides as much as the name: a column of words
 * that varies within one code (a free-text description) is not taken.
 */
function describeCode(
  fields: Partial<Record<SpendField, FieldMapping>>,
  fixed: ReadonlySet<SpendField>,
  used: Set<number>,
  columns: readonly SpendColumn[],
  profiles: ReadonlyMap<number, ColumnProfile>,
  sample: readonly (readonly string[])[],
): void {
  const code = fields.expenseCode;
  if (!code || fields.purpose || fixed.has('purpose')) return;
  const codeColumn = columns.find((c) => c.index === code.column);
  if (!codeColumn) return;
  const codeWords = new Set(normaliseHeader(codeColumn.name).split(' ').filter((w) => !['code', 'no', 'number', 'id', 'ref'].includes(w)));
  for (const column of columns) {
    if (used.has(column.index)) continue;
    const p = profiles.get(column.index);
    if (!p || p.values.length < 5) continue;
    const words = normaliseHeader(column.name).split(' ');
    if (!words.some((w) => codeWords.has(w))) continue;
    // Words, not numbers or codes.
    if (ratio(p.values.filter((v) => /[A-Za-z]{3,}/.test(v) && !/^[A-Z]{0,3}\d+$/.test(v)).length, p.values.length) < 0.9) continue;
    const textOf = new Map<string, string>();
    let consistent = true;
    let pairs = 0;
    for (const row of sample) {
      const k = (row[code.column] ?? '').trim();
      const v = (row[column.index] ?? '').trim();
      if (k === '' || v === '') continue;
      pairs++;
      const seen = textOf.get(k);
      if (seen === undefined) textOf.set(k, v);
      else if (seen !== v) { consistent = false; break; }
    }
    if (!consistent || pairs < 5 || new Set(textOf.values()).size < 2) continue;
    fields.purpose = {
      column: column.index, header: column.name, confidence: 'medium',
      reason: `each value of "${column.name}" goes with one "${codeColumn.name}" (e.g. ${quoted(p.example)}): it names the expense code, so it is the ${SPEND_FIELD_LABELS.purpose.toLowerCase()}`,
    };
    used.add(column.index);
    return;
  }
}

function promote(
  fields: Partial<Record<SpendField, FieldMapping>>,
  fixed: ReadonlySet<SpendField>,
  from: SpendField,
  to: SpendField,
): void {
  const mapping = fields[from];
  if (fields[to] || !mapping || fixed.has(to) || fixed.has(from)) return;
  fields[to] = { ...mapping, reason: `${mapping.reason}; it is the only such column, so it is used as ${SPEND_FIELD_LABELS[to].toLowerCase()}` };
  delete fields[from];
}

// Content alone: a date column under an unknown header, an amount column when no header says amount, and a
// column of names under a "supplier id" header when nothing else holds supplier names.
function contentCandidates(
  columns: readonly SpendColumn[],
  profiles: ReadonlyMap<number, ColumnProfile>,
  byHeader: readonly Candidate[],
): Candidate[] {
  const strong = (field: SpendField): boolean => byHeader.some((c) => c.field === field && c.score >= 0.5);
  const out: Candidate[] = [];
  for (const column of columns) {
    const p = profiles.get(column.index);
    if (!p || p.values.length === 0) continue;
    const n = p.values.length;
    if (!strong('date') && ratio(p.dates, n) >= 0.9) {
      out.push({ field: 'date', column, score: 0.6, reason: `values of "${column.name}" are dates, e.g. ${quoted(p.example)}` });
    }
    if (!strong('netAmount') && ratio(p.amounts, n) >= 0.95 && p.dates === 0 && p.serials < n / 2) {
      const idLike = identifierLike(p);
      if (idLike === null) {
        // Pounds and pence rank above whole pounds, which rank above nothing: a council that rounds to the pound
        // still publishes amounts, but a column of decimals is the likelier one when there are two.
        const pence = ratio(p.decimals, n) >= 0.5;
        out.push({
          field: 'netAmount', column, score: pence ? 0.5 : 0.45,
          reason: pence
            ? `values of "${column.name}" are amounts in pounds and pence, e.g. ${quoted(p.example)}`
            : `values of "${column.name}" are amounts, mostly whole pounds, e.g. ${quoted(p.example)}`,
        });
      }
    }
    if (!strong('supplierName') && ratio(p.names, n) > 0.5 &&
        byHeader.some((c) => c.column === column && c.field === 'supplierId')) {
      out.push({ field: 'supplierName', column, score: 0.7, reason: `header "${column.name}" says supplier ID, but its values are supplier names, e.g. ${quoted(p.example)}` });
    }
    if (ratio(p.capitalRevenue, n) > 0.9) {
      out.push({ field: 'capitalRevenue', column, score: 0.55, reason: `values of "${column.name}" say capital or revenue` });
    }
  }
  return out;
}

/**
 * Why a column of numbers is an identifier, not money, or null when it may be money. Only bare whole numbers
 * can be identifiers: a decimal point, a sign, a thousands comma or a £ says amount. Then: a leading zero
 * ("0080020624"); the same value on every line (a line number of 1); the same number of digits on every line
 * with five or more (transaction numbers, supplier codes); a typical value of seven or more digits (a council
 * pays £1,000,000 in one line rarely, a document number is that long always); or values that climb in steps.
 */
export function identifierLike(p: Pick<ColumnProfile, 'values' | 'integers' | 'leadingZeros' | 'digitLengths'>): string | null {
  const n = p.values.length;
  if (n === 0 || p.integers < n) return null;
  if (p.leadingZeros > 0) return 'has leading zeros';
  if (n >= 5 && new Set(p.values).size === 1) return 'is the same number on every line';
  const lengths = [...p.digitLengths].sort((a, b) => a - b);
  const median = lengths[Math.floor(lengths.length / 2)] ?? 0;
  if (n >= 5 && median >= 5 && lengths[0] === lengths[lengths.length - 1]) return `always has ${median} digits`;
  if (median >= 7) return `typically has ${median} digits`;
  if (n >= 5) {
    const numbers = p.values.map(Number);
    let up = 0;
    let down = 0;
    for (let i = 1; i < numbers.length; i++) {
      const step = (numbers[i] ?? 0) - (numbers[i - 1] ?? 0);
      if (step > 0 && step <= 10) up++;
      else if (step < 0 && step >= -10) down++;
    }
    if (Math.max(up, down) >= 0.8 * (numbers.length - 1)) return 'counts up or down in small steps';
  }
  return null;
}

function confidenceOf(score: number): Confidence {
  return score >= 0.85 ? 'high' : score >= 0.6 ? 'medium' : 'low';
}
