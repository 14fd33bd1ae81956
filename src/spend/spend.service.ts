// Exploring published spending: publishers, their totals by month, department, expense type and supplier,
// the lines behind them, files and their versions, suppliers across publishers. Read-only; imports live in
// spend.import.ts.
import type { Db } from '../platform/db.ts';
import { AppError } from '../platform/errors.ts';
import { getOrganisation, organisationNames } from '../organisations/organisations.service.ts';
import { parseAmount } from './spend.values.ts';
import { isIndividualPayee, isRedactedSupplier, keyFromSlug, supplierKey, supplierSlug } from './spend.suppliers.ts';
import * as repo from './spend.repository.ts';

export type { GroupBy } from './spend.repository.ts';

/** Filters as they arrive in a query string: untrusted text. */
export interface FilterInput {
  period?: string;
  min?: string;
  max?: string;
  q?: string;
  department?: string;
  purpose?: string;
  supplier?: string;
}

/** Filters once read and checked: a repository's line filters less the publisher, which the route names. */
export type Filters = Omit<repo.LineFilters, 'organisationId'>;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DAY = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

function monthEnd(ym: string): string {
  const [y, m] = ym.split('-').map(Number) as [number, number];
  return `${ym}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}

function periodBound(text: string, end: boolean): string | null {
  if (DAY.test(text)) return text;
  if (MONTH.test(text)) return end ? monthEnd(text) : `${text}-01`;
  if (/^\d{4}$/.test(text)) return end ? `${text}-12-31` : `${text}-01-01`;
  return null;
}

/** Reads filters from a query string; names the field at fault. */
export function readFilters(input: FilterInput): Filters {
  const errors: { field: string; message: string }[] = [];
  const f: Filters = {};
  const period = input.period?.trim();
  if (period) {
    const [a, b] = period.split('..');
    const from = periodBound(a ?? '', false);
    const to = periodBound(b ?? a ?? '', true);
    if (!from || !to || from > to) errors.push({ field: 'period', message: 'Enter a period as 2017-01, 2017, or 2017-01..2017-03' });
    else Object.assign(f, { from, to });
  }
  for (const [name, key] of [['min', 'minPence'], ['max', 'maxPence']] as const) {
    const text = input[name]?.trim();
    if (!text) continue;
    const amount = parseAmount(text);
    if (!amount.ok) errors.push({ field: name, message: `Enter the ${name === 'min' ? 'smallest' : 'largest'} amount in pounds, like 500 or 1,250.50` });
    else f[key] = Number(amount.pence);
  }
  if (f.minPence !== undefined && f.maxPence !== undefined && f.minPence > f.maxPence) {
    errors.push({ field: 'max', message: 'The largest amount must not be less than the smallest' });
  }
  const q = input.q?.trim().slice(0, 200);
  if (q) f.q = q;
  if (input.department !== undefined) f.department = input.department.slice(0, 500);
  if (input.purpose !== undefined) f.purpose = input.purpose.slice(0, 500);
  if (input.supplier) f.supplierKey = keyFromSlug(input.supplier.slice(0, 500));
  if (errors.length) throw AppError.validation(errors);
  return f;
}

/** The filters back as a query string, for permalinks and downloads. */
export function filterQuery(input: FilterInput, extra: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...input, ...extra })) if (v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export async function resolvePublisher(db: Db, ref: string) {
  const org = await getOrganisation(db, ref);
  return { id: org.id, name: org.name, slug: org.slug, identifiers: org.identifiers, verified: org.verified };
}

export interface PublisherListItem {
  id: string;
  name: string;
  slug: string;
  /** Verified against its register: two publishers may share a name, and only the verified one is that body. */
  verified: boolean;
  identifiers: string[];
  files: number;
  lines: number;
  netTotalPence: number;
  firstDate: string | null;
  lastDate: string | null;
  periodFrom: string;
  periodTo: string;
}

export async function listPublishers(db: Db): Promise<PublisherListItem[]> {
  const rows = await repo.publishers(db);
  const names = await organisationNames(db, rows.map((r) => r.organisation_id));
  return rows.map((r) => {
    const o = names.get(r.organisation_id);
    return {
      id: r.organisation_id, name: o?.name ?? 'Unknown', slug: o?.slug ?? r.organisation_id,
      verified: o?.verified ?? false, identifiers: (o?.identifiers ?? []).map((i) => `${i.scheme}-${i.identifier}`),
      files: r.files, lines: r.lines, netTotalPence: r.pence, firstDate: r.first_date, lastDate: r.last_date, periodFrom: r.period_from, periodTo: r.period_to,
    };
  // Verified publishers first, so one that shares a name with an unverified one always comes before it.
  }).sort((a, b) => Number(b.verified) - Number(a.verified) || a.name.localeCompare(b.name));
}

export interface GroupRow {
  key: string | null;
  label: string;
  lines: number;
  netTotalPence: number;
  /** For suppliers: the slug of the supplier page, when the payee is not redacted. */
  slug?: string | null;
}

function presentGroups(by: repo.GroupBy, rows: repo.Total[]): GroupRow[] {
  const missing: Record<repo.GroupBy, string> = { month: 'Undated', department: 'No department given', purpose: 'No expense type given', supplier: 'Redacted or not named' };
  return rows.map((r) => ({
    // Lines with no supplier and lines whose payee was redacted share the group without a key: its label is
    // never one payee's name ("Redacted Personal Data"), which would count the unnamed lines as redacted.
    key: r.key, label: (by === 'supplier' && r.key === null ? null : r.label) ?? missing[by], lines: r.lines, netTotalPence: r.pence,
    ...(by === 'supplier' ? { slug: r.key ? supplierSlug(r.key) : null } : {}),
  }));
}

export interface PublisherSummary {
  publisher: { id: string; name: string; slug: string; verified: boolean };
  filters: Filters;
  lines: number;
  netTotalPence: number;
  firstDate: string | null;
  lastDate: string | null;
  byMonth: GroupRow[];
  byDepartment: GroupRow[];
  byPurpose: GroupRow[];
  bySupplier: GroupRow[];
  counts: { departments: number; purposes: number; suppliers: number };
}

/** A publisher's spending under the filters: totals and the top `top` of each dimension. */
export async function publisherSummary(db: Db, ref: string, input: FilterInput, top = 10): Promise<PublisherSummary> {
  const publisher = await resolvePublisher(db, ref);
  const filters = readFilters(input);
  const f = { organisationId: publisher.id, ...filters };
  const [totals, month, department, purpose, supplier] = await Promise.all([
    repo.totals(db, f), repo.groupTotals(db, f, 'month', 240), repo.groupTotals(db, f, 'department', top),
    repo.groupTotals(db, f, 'purpose', top), repo.groupTotals(db, f, 'supplier', top),
  ]);
  return {
    publisher: { id: publisher.id, name: publisher.name, slug: publisher.slug, verified: publisher.verified }, filters,
    lines: totals.lines, netTotalPence: totals.pence, firstDate: totals.firstDate, lastDate: totals.lastDate,
    byMonth: presentGroups('month', month.rows), byDepartment: presentGroups('department', department.rows),
    byPurpose: presentGroups('purpose', purpose.rows), bySupplier: presentGroups('supplier', supplier.rows),
    counts: { departments: department.groups, purposes: purpose.groups, suppliers: supplier.groups },
  };
}

/** One dimension in full (or its top `limit`), for the "all departments" views and downloads. */
export async function publisherGroups(db: Db, ref: string, by: repo.GroupBy, input: FilterInput, limit = 10_000) {
  const publisher = await resolvePublisher(db, ref);
  const filters = readFilters(input);
  const result = await repo.groupTotals(db, { organisationId: publisher.id, ...filters }, by, limit);
  return { publisher: { id: publisher.id, name: publisher.name, slug: publisher.slug, verified: publisher.verified }, by, groups: result.groups, rows: presentGroups(by, result.rows) };
}

export interface LineView {
  fileId: string;
  line: number;
  date: string | null;
  netPence: number;
  irrecoverableVatPence: number | null;
  department: string | null;
  serviceArea: string | null;
  supplierName: string | null;
  supplierSlug: string | null;
  supplierId: string | null;
  companyNumber: string | null;
  charityNumber: string | null;
  vatNumber: string | null;
  purpose: string | null;
  expenseCategory: string | null;
  expenseCode: string | null;
  merchantCategory: string | null;
  transactionNumber: string | null;
  invoiceNumber: string | null;
  capitalRevenue: string | null;
  body: string | null;
  bodyName: string | null;
  duplicateOf: number | null;
}

export function presentLine(r: repo.LineRow): LineView {
  return {
    fileId: r.file_id, line: r.line, date: r.date, netPence: r.net_pence, irrecoverableVatPence: r.vat_pence, department: r.department,
    serviceArea: r.service_area, supplierName: r.supplier_name, supplierSlug: r.supplier_key ? supplierSlug(r.supplier_key) : null,
    supplierId: r.supplier_ref, companyNumber: r.company_number, charityNumber: r.charity_number, vatNumber: r.vat_number,
    purpose: r.purpose, expenseCategory: r.expense_category, expenseCode: r.expense_code, merchantCategory: r.merchant_category,
    transactionNumber: r.transaction_number, invoiceNumber: r.invoice_number, capitalRevenue: r.capital_revenue, body: r.body,
    bodyName: r.body_name, duplicateOf: r.duplicate_of,
  };
}

export async function publisherLines(db: Db, ref: string, input: FilterInput & { sort?: string; page?: number; pageSize?: number }) {
  const publisher = await resolvePublisher(db, ref);
  const filters = readFilters(input);
  const pageSize = Math.min(Math.max(input.pageSize ?? 50, 1), 500);
  const page = Math.max(input.page ?? 1, 1);
  const sort: repo.LineSort = input.sort === 'amount' ? 'amount' : 'date';
  const f = { organisationId: publisher.id, ...filters };
  const [totals, rows] = await Promise.all([repo.lineCount(db, f), repo.lines(db, f, { sort, limit: pageSize, offset: (page - 1) * pageSize })]);
  return {
    publisher: { id: publisher.id, name: publisher.name, slug: publisher.slug, verified: publisher.verified }, filters, sort, page, pageSize,
    total: totals.lines, netTotalPence: totals.pence, items: rows.map(presentLine),
  };
}

/** Every line under the filters, in batches (for downloads of any size). */
export async function* streamLines(db: Db, publisherId: string, filters: Filters, batch = 5000): AsyncGenerator<LineView[]> {
  let after: { fileId: string; line: number } | null = null;
  for (;;) {
    const rows = await repo.linesAfter(db, { organisationId: publisherId, ...filters }, after, batch);
    if (rows.length === 0) return;
    yield rows.map(presentLine);
    const last = rows[rows.length - 1]!;
    after = { fileId: last.file_id, line: last.line };
    if (rows.length < batch) return;
  }
}

export interface FileView {
  id: string;
  publisherId: string;
  periodFrom: string;
  periodTo: string;
  periodGiven: boolean;
  filename: string | null;
  bytes: number;
  sha256: string;
  status: 'current' | 'replaced' | 'withdrawn';
  /** 'grant-payments': a month's grant instalments recorded as paid in the grants module (spend.grantpayments.ts). */
  kind: 'upload' | 'grant-payments';
  /** When a publisher's staff withdrew it, and why (shown to everyone). */
  withdrawn: { at: string; reason: string } | null;
  version: number;
  replacedBy: string | null;
  rowsImported: number;
  rowsRejected: number;
  netTotalPence: number;
  suppliers: number;
  firstDate: string | null;
  lastDate: string | null;
  importedAt: string;
  mapping: Record<string, { column: string; confidence: string; reason: string }>;
  details: Record<string, unknown>;
  diff: repo.LineDiff | null;
}

function presentFile(r: repo.SpendFileRow): FileView {
  return {
    id: r.id, publisherId: r.organisation_id, periodFrom: r.period_from, periodTo: r.period_to, periodGiven: r.period_given,
    filename: r.filename, bytes: r.bytes, sha256: r.sha256, status: r.status, kind: r.kind,
    withdrawn: r.status === 'withdrawn' && r.withdrawn_at ? { at: new Date(r.withdrawn_at).toISOString(), reason: r.withdrawn_reason ?? '' } : null, version: r.version, replacedBy: r.replaced_by,
    rowsImported: r.rows_imported, rowsRejected: r.rows_rejected, netTotalPence: r.net_total_pence, suppliers: r.suppliers,
    firstDate: r.first_date, lastDate: r.last_date, importedAt: new Date(r.imported_at).toISOString(),
    mapping: r.mapping as FileView['mapping'], details: r.summary as Record<string, unknown>, diff: (r.diff as repo.LineDiff | null) ?? null,
  };
}

export async function publisherFiles(db: Db, ref: string) {
  const publisher = await resolvePublisher(db, ref);
  return { publisher: { id: publisher.id, name: publisher.name, slug: publisher.slug, verified: publisher.verified }, files: (await repo.listFiles(db, publisher.id)).map(presentFile) };
}

export async function getFile(db: Db, ref: string, fileId: string) {
  const publisher = await resolvePublisher(db, ref);
  if (!/^[0-9a-f-]{36}$/i.test(fileId)) throw new AppError('not_found', 'No such spend file');
  const row = await repo.findFile(db, publisher.id, fileId.toLowerCase());
  if (!row) throw new AppError('not_found', 'No such spend file for this publisher');
  // The versions of its period, with the files it replaced and the one that replaced it when their periods differ.
  const versions = (await repo.listFiles(db, publisher.id))
    .filter((f) => (f.kind === row.kind && f.period_from === row.period_from && f.period_to === row.period_to) || f.replaced_by === row.id || f.id === row.replaced_by)
    .map(presentFile);
  // A month's grant payments are few (one line an instalment): its page lists them.
  const lines = row.kind === 'grant-payments' ? (await repo.fileLines(db, publisher.id, row.id, 1000)).map(presentLine) : null;
  return { publisher: { id: publisher.id, name: publisher.name, slug: publisher.slug, verified: publisher.verified }, file: presentFile(row), versions, lines };
}

/** What every publisher paid one supplier, by month. */
export async function getSupplier(db: Db, slug: string) {
  const key = keyFromSlug(slug);
  const supplier = await repo.findSupplier(db, key);
  if (!supplier) throw new AppError('not_found', 'No supplier by that name has been paid in the published spending');
  const payments = await repo.supplierPayments(db, key);
  const ids = [...new Set(payments.map((p) => p.organisation_id))];
  const names = await organisationNames(db, [...ids, ...[supplier.organisation_id, supplier.suggested_organisation_id].filter((x): x is string => !!x)]);
  const publishers = ids.map((id) => {
    const mine = payments.filter((p) => p.organisation_id === id);
    return {
      id, name: names.get(id)?.name ?? 'Unknown', slug: names.get(id)?.slug ?? id, verified: names.get(id)?.verified ?? false,
      lines: mine.reduce((s, p) => s + p.lines, 0), netTotalPence: mine.reduce((s, p) => s + p.pence, 0),
      byMonth: mine.map((p) => ({ month: p.month, lines: p.lines, netTotalPence: p.pence })),
    };
  }).sort((a, b) => b.netTotalPence - a.netTotalPence);
  const linked = supplier.organisation_id ? { id: supplier.organisation_id, name: names.get(supplier.organisation_id)?.name ?? '', slug: names.get(supplier.organisation_id)?.slug ?? '', method: supplier.link_method } : null;
  const suggested = supplier.suggested_organisation_id && !supplier.organisation_id
    ? { id: supplier.suggested_organisation_id, name: names.get(supplier.suggested_organisation_id)?.name ?? '', slug: names.get(supplier.suggested_organisation_id)?.slug ?? '', reason: supplier.suggestion_reason ?? '' }
    : null;
  return {
    slug, name: supplier.name, companyNumber: supplier.company_number, charityNumber: supplier.charity_number, organisation: linked, suggestion: suggested,
    /** Redacted and individual payees are never linked to an organisation. */
    linkable: !isRedactedSupplier(supplier.name) && !isIndividualPayee(supplier.name),
    netTotalPence: publishers.reduce((s, p) => s + p.netTotalPence, 0), lines: publishers.reduce((s, p) => s + p.lines, 0), publishers,
  };
}

// The Code's column layout (Local Government Transparency Code 2015, spending over £500), for republishing.
export const CODE_COLUMNS: [string, (l: LineView, publisherName: string) => string][] = [
  ['Body Name', (l, p) => l.bodyName ?? p],
  ['Body', (l) => l.body ?? ''],
  ['Date', (l) => l.date ?? ''],
  ['Transaction Number', (l) => l.transactionNumber ?? ''],
  ['Invoice Number', (l) => l.invoiceNumber ?? ''],
  ['Net Amount', (l) => penceText(l.netPence)],
  ['Irrecoverable VAT', (l) => (l.irrecoverableVatPence === null ? '' : penceText(l.irrecoverableVatPence))],
  ['Supplier Name', (l) => l.supplierName ?? ''],
  ['Supplier ID', (l) => l.supplierId ?? ''],
  ['Supplier Company Registration Number', (l) => l.companyNumber ?? ''],
  ['Supplier Charity Registration Number', (l) => l.charityNumber ?? ''],
  ['Supplier VAT Registration Number', (l) => l.vatNumber ?? ''],
  ['Expense Area', (l) => l.department ?? ''],
  ['Service Area', (l) => l.serviceArea ?? ''],
  ['Expense Type', (l) => l.purpose ?? ''],
  ['Expenditure Category', (l) => l.expenseCategory ?? ''],
  ['Expense Code', (l) => l.expenseCode ?? ''],
  ['Procurement Category', (l) => l.merchantCategory ?? ''],
  ['Capital or Revenue', (l) => l.capitalRevenue ?? ''],
];

/** Pence as a decimal pounds string without float arithmetic: -123456 → "-1234.56". */
export function penceText(pence: number): string {
  const sign = pence < 0 ? '-' : '';
  const abs = Math.abs(pence);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** CSV cells and rows for spend's exports: the platform's one writer (formula starts neutralised, numbers kept). */
export { csvCell, csvRow } from '../platform/csv.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2017-02" → "Feb 2017"; null → "Undated". */
export function monthLabel(ym: string | null): string {
  if (!ym) return 'Undated';
  const m = /^(\d{4})-(\d{2})$/.exec(ym);
  return m ? `${MONTHS[Number(m[2]) - 1]} ${m[1]}` : ym;
}

/** Pence as short pounds for chart labels: £1.2m, £35k. */
export function poundsShort(pence: number): string {
  const pounds = pence / 100;
  const abs = Math.abs(pounds);
  if (abs >= 1e9) return `£${(pounds / 1e9).toFixed(1)}bn`;
  if (abs >= 1e6) return `£${(pounds / 1e6).toFixed(1)}m`;
  if (abs >= 1e3) return `£${(pounds / 1e3).toFixed(0)}k`;
  return `£${pounds.toFixed(0)}`;
}

/** Every publisher's net spending by calendar year: years are never added into one figure. */
export async function spendByYear(db: Db): Promise<{ year: string | null; lines: number; netTotalPence: number }[]> {
  return (await repo.spendByYear(db)).map((r) => ({ year: r.year, lines: r.lines, netTotalPence: r.pence }));
}

export const SUPPLIER_QUERY_MAX = 100;

/**
 * Suppliers paid by any publisher whose name holds the words asked for (matched as supplier keys are made, so
 * "Acme Ltd" finds "ACME LIMITED"). Redacted payees have no key and are never found.
 */
export async function findSuppliers(db: Db, q: string, limit = 50): Promise<{ name: string; slug: string }[]> {
  const text = q.trim();
  if (text.length > SUPPLIER_QUERY_MAX) {
    throw new AppError('validation_failed', 'Check the supplier search', { fieldErrors: [{ field: 'supplier', message: `Enter a supplier name of ${SUPPLIER_QUERY_MAX} characters or fewer` }] });
  }
  const key = supplierKey(text);
  if (!key) return [];
  return (await repo.searchSuppliers(db, key, limit)).map((r) => ({ name: r.name, slug: supplierSlug(r.key) }));
}

/** The name of the supplier behind a slug, for saying which supplier a filter shows; null when unknown. */
export async function supplierNameOf(db: Db, slug: string): Promise<string | null> {
  return (await repo.findSupplier(db, keyFromSlug(slug.slice(0, 500))))?.name ?? null;
}

