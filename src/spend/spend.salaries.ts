// Senior salaries, as the Local Government Transparency Code 2015 asks a council to publish them: every post
// paid £50,000 or more, its salary in £5,000 bands, job title, responsibilities (budget held, staff managed),
// bonuses and benefits in kind; the post-holder's name only where the salary is £150,000 or more; and the pay
// multiple (the highest paid's taxable earnings against the median of the whole workforce).
//
// A publisher's list is kept per date ("as at"). The form adds one post at a time; a CSV replaces the whole
// list for its date in one transaction. Publisher staff, finance officers and administrators may publish.
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError, type FieldError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { requireOrganisationRole } from '../platform/auth/policy.ts';
import { inTransaction } from '../platform/transaction.ts';
import { requireVerifiedPublicBody } from '../organisations/organisations.service.ts';
import { tokenizeCsv } from './spend.csv.ts';
import { decodeWindows1252 } from './spend.encoding.ts';
import { parseAmount, parseSpendDate } from './spend.values.ts';
import { PUBLISHING_ROLES } from './spend.import.ts';
import { csvRow, penceText, resolvePublisher } from './spend.service.ts';
import * as repo from './spend.repository.ts';

/** The Code names post-holders only at or above this salary (£150,000), in pence. */
export const NAMED_FROM_PENCE = 15_000_000;
/** The Code's salary bands are £5,000 wide. */
const BAND_PENCE = 500_000;
/** A senior salaries CSV is small: a council has tens of senior posts, a very large one a few hundred. */
export const SALARY_CSV_LIMIT = 1024 * 1024;
const MAX_POSTS = 2000;
/** Sanity bound on any one amount (£100m): past it, a column has been misread. */
const MAX_PENCE = 10_000_000_000;

/** A senior post as it leaves the service. `name` is null unless the band starts at £150,000 or more. */
export interface SalaryPostView extends SalaryPostInput {
  id: string;
  asAt: string;
}

export interface PayMultipleView {
  asAt: string;
  highestPence: number;
  medianPence: number;
  /** The multiple to one decimal place, as text: "6.3" means the highest paid earns 6.3 times the median. */
  multiple: string;
}

function presentPost(r: repo.SalaryPostRow): SalaryPostView {
  return {
    id: r.id, asAt: r.as_at, jobTitle: r.job_title, department: r.department,
    // The database refuses a name below the threshold; this is the second lock on the same door.
    name: r.salary_from_pence >= NAMED_FROM_PENCE ? r.name : null,
    salaryFromPence: r.salary_from_pence, salaryToPence: r.salary_to_pence, responsibilities: r.responsibilities,
    budgetHeldPence: r.budget_held_pence, staffManaged: r.staff_managed, bonusesPence: r.bonuses_pence, benefitsInKindPence: r.benefits_in_kind_pence,
  };
}

/** The multiple in tenths, by integer arithmetic: round(highest × 10 / median). */
export function payMultipleText(highestPence: number, medianPence: number): string {
  const tenths = (BigInt(highestPence) * 20n + BigInt(medianPence)) / (2n * BigInt(medianPence));
  return `${tenths / 10n}.${tenths % 10n}`;
}

function presentPayMultiple(r: repo.PayMultipleRow): PayMultipleView {
  return { asAt: r.as_at, highestPence: r.highest_pence, medianPence: r.median_pence, multiple: payMultipleText(r.highest_pence, r.median_pence) };
}

// Reading untrusted input: the form and the CSV share one reader, which names the field at fault.

/** The fields of a post as text, the way the form and a CSV row carry them. */
export interface SalaryPostText {
  jobTitle?: string;
  department?: string;
  name?: string;
  /** "150000", "£150,000 - £154,999", "150,000 to 154,999"; or the lower bound with salaryTo. */
  salaryFrom?: string;
  salaryTo?: string;
  responsibilities?: string;
  budgetHeld?: string;
  staffManaged?: string;
  bonuses?: string;
  benefitsInKind?: string;
}

export type SalaryField = keyof SalaryPostText;

export const SALARY_FIELD_LABELS: Record<SalaryField, string> = {
  jobTitle: 'Job title', department: 'Department or directorate', name: 'Name', salaryFrom: 'Salary band', salaryTo: 'Salary band to',
  responsibilities: 'Responsibilities', budgetHeld: 'Budget held', staffManaged: 'Staff managed', bonuses: 'Bonuses', benefitsInKind: 'Benefits in kind',
};

export interface SalaryPostInput {
  jobTitle: string;
  department: string | null;
  name: string | null;
  salaryFromPence: number;
  salaryToPence: number;
  responsibilities: string | null;
  budgetHeldPence: number | null;
  staffManaged: number | null;
  bonusesPence: number | null;
  benefitsInKindPence: number | null;
}

type Fail = (field: SalaryField, message: string) => void;

function text(value: string | undefined, field: SalaryField, max: number, fail: Fail): string | null {
  const v = (value ?? '').trim();
  if (v === '') return null;
  if (v.length > max) fail(field, `${SALARY_FIELD_LABELS[field]} must be ${max} characters or fewer`);
  return v.slice(0, max);
}

/** Pounds as pence, or null for blank, "N/A", "Redacted", "Not yet available"; "Nil" is 0. */
function pounds(value: string | undefined, field: SalaryField, fail: Fail): number | null {
  const v = (value ?? '').trim();
  if (v === '') return null;
  const a = parseAmount(v);
  if (!a.ok) {
    if (a.marker) return null;
    fail(field, `${SALARY_FIELD_LABELS[field]} must be an amount in pounds, like 150,000 (not “${v.slice(0, 40)}”)`);
    return null;
  }
  const p = Number(a.pence);
  if (p < 0) fail(field, `${SALARY_FIELD_LABELS[field]} cannot be negative`);
  else if (p > MAX_PENCE) fail(field, `${SALARY_FIELD_LABELS[field]} is too large to be right: check the column`);
  return p;
}

/** A band "150,000 - 154,999" or "£150,000 to £154,999", or one figure (then its £5,000 band). */
function band(fromText: string | undefined, toText: string | undefined, fail: Fail): { from: number; to: number } | null {
  let from = (fromText ?? '').trim();
  let to = (toText ?? '').trim();
  if (from === '') {
    fail('salaryFrom', 'Enter the salary band, like 150,000 to 154,999');
    return null;
  }
  const split = /^(.+?)\s*(?:-|–|to)\s*(£?\s*[\d,]+(?:\.\d+)?)$/i.exec(from);
  if (split && to === '') {
    from = split[1]!;
    to = split[2]!;
  }
  const a = pounds(from, 'salaryFrom', fail);
  if (a === null) {
    fail('salaryFrom', 'Enter the salary band as amounts in pounds, like 150,000 to 154,999');
    return null;
  }
  if (to === '') {
    const start = Math.floor(a / BAND_PENCE) * BAND_PENCE;
    return { from: start, to: start + BAND_PENCE - 100 };
  }
  const b = pounds(to, 'salaryTo', fail);
  if (b === null) return null;
  if (b < a) {
    fail('salaryTo', 'The top of the salary band must not be less than the bottom');
    return null;
  }
  return { from: a, to: b };
}

/** Reads one post; `fail` hears every fault by field. Names below £150,000 are refused, or dropped when `dropLowNames`. */
export function readSalaryPost(input: SalaryPostText, fail: Fail, options: { dropLowNames?: boolean } = {}): SalaryPostInput & { nameDropped: boolean } {
  const jobTitle = text(input.jobTitle, 'jobTitle', 300, fail);
  if (!jobTitle) fail('jobTitle', 'Enter the job title');
  const b = band(input.salaryFrom, input.salaryTo, fail);
  let name = text(input.name, 'name', 200, fail);
  let nameDropped = false;
  if (name && /^(n\/?a|none|vacant|redacted|withheld|not published|-)$/i.test(name)) name = null;
  if (name && b && b.from < NAMED_FROM_PENCE) {
    if (options.dropLowNames) {
      name = null;
      nameDropped = true;
    } else fail('name', 'Leave the name blank: the Code names a post-holder only where the salary is £150,000 or more');
  }
  let staffManaged: number | null = null;
  const staff = (input.staffManaged ?? '').trim().replace(/,/g, '');
  if (staff !== '' && !/^(n\/?a|none|nil)$/i.test(staff)) {
    const m = /^(\d{1,7})(?:\.(\d+))?(?:\s*(?:fte|staff|people))?$/i.exec(staff);
    if (!m) fail('staffManaged', `Staff managed must be a number of people, like 45 (not “${staff.slice(0, 40)}”)`);
    // Full-time equivalents (45.6 FTE) are rounded to whole people.
    else staffManaged = Number(m[1]) + (m[2] && Number(m[2][0]) >= 5 ? 1 : 0);
  } else if (/^(none|nil)$/i.test(staff)) staffManaged = 0;
  return {
    jobTitle: jobTitle ?? '', department: text(input.department, 'department', 300, fail), name,
    salaryFromPence: b?.from ?? 0, salaryToPence: b?.to ?? 0,
    responsibilities: text(input.responsibilities, 'responsibilities', 2000, fail),
    budgetHeldPence: pounds(input.budgetHeld, 'budgetHeld', fail), staffManaged,
    bonusesPence: pounds(input.bonuses, 'bonuses', fail), benefitsInKindPence: pounds(input.benefitsInKind, 'benefitsInKind', fail),
    nameDropped,
  };
}

/** Reads a date as 2017-03-31 or 31/03/2017; names the field. */
export function readAsAt(value: unknown, field = 'asAt'): string {
  const v = typeof value === 'string' ? value.trim() : '';
  const d = v === '' ? null : parseSpendDate(v, 'dmy');
  if (!d || !d.ok || d.iso < '2000-01-01' || d.iso > '2100-12-31') {
    throw AppError.validation([{ field, message: 'Enter the date the list is correct at, like 31/03/2017' }]);
  }
  return d.iso;
}

// CSV: header synonyms for the Code's fields, matched on the header's words.
const HEADERS: [SalaryField | 'salaryBand', RegExp][] = [
  ['salaryTo', /^(salary )?(band )?(to|max|maximum|upper|top)( of band)?$|^salary (band )?(to|max|maximum|upper)/],
  ['salaryFrom', /^(salary )?(band )?(from|min|minimum|lower|bottom)( of band)?$|^salary (band )?(from|min|minimum|lower)/],
  ['salaryBand', /^(salary|pay)( band| range| scale| bracket)?( £| gbp| pounds)?$|^(annual )?salary|^pay band|^band$/],
  ['jobTitle', /^(job )?title$|^job|^post( title)?$|^position$|^role( title)?$/],
  ['name', /^(name|post ?holder|name of post ?holder|employee name|officer)$/],
  ['department', /^(department|directorate|service|service area|division)$/],
  ['responsibilities', /responsib|^duties|^remit|^description/],
  ['budgetHeld', /budget/],
  ['staffManaged', /^(staff|fte|number of staff|headcount|staff managed|staff responsibility|no of staff)|staff managed|direct reports/],
  ['bonuses', /bonus/],
  ['benefitsInKind', /benefit|^bik$/],
];

function headerWords(h: string): string {
  return h.toLowerCase().replace(/\(.*?\)/g, ' ').replace(/[^a-z0-9£]+/g, ' ').trim();
}

export interface SalaryCsvResult {
  posts: SalaryPostInput[];
  columns: Record<string, string>;
  warnings: string[];
}

function decode(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return decodeWindows1252(bytes);
  }
}

/** Reads a senior salaries CSV: all of it or nothing, every faulty row named with its line and column. */
export function readSalaryCsv(bytes: Uint8Array): SalaryCsvResult {
  const fileError = (message: string) => AppError.validation([{ field: 'file', message }]);
  if (bytes.length === 0) throw fileError('The file is empty');
  if (bytes.length > SALARY_CSV_LIMIT) throw fileError(`The file is larger than ${SALARY_CSV_LIMIT / 1024 / 1024} MB: a senior salaries list is much smaller`);
  if (bytes.includes(0)) throw fileError('The file is not text: save it as CSV');
  const records = tokenizeCsv(decode(bytes)).filter((r) => r.fields.some((f) => f.trim() !== ''));
  // The header is the first row that names a job title and a salary.
  const headerIndex = records.findIndex((r, i) => i < 20 && (() => {
    const kinds = r.fields.map((f) => HEADERS.find(([, re]) => re.test(headerWords(f)))?.[0]);
    return kinds.includes('jobTitle') && kinds.some((k) => k === 'salaryBand' || k === 'salaryFrom');
  })());
  if (headerIndex === -1) throw fileError('No header row names a job title and a salary column (for example “Job title” and “Salary band”)');
  const header = records[headerIndex]!;
  const columns = new Map<SalaryField | 'salaryBand', number>();
  const named: Record<string, string> = {};
  header.fields.forEach((h, i) => {
    const kind = HEADERS.find(([, re]) => re.test(headerWords(h)))?.[0];
    if (kind && !columns.has(kind)) {
      columns.set(kind, i);
      named[kind === 'salaryBand' ? 'salaryFrom' : kind] = h.trim();
    }
  });
  const rows = records.slice(headerIndex + 1);
  if (rows.length === 0) throw fileError('The file has a header but no posts under it');
  if (rows.length > MAX_POSTS) throw fileError(`The file lists ${rows.length} posts; at most ${MAX_POSTS} are accepted`);
  const errors: FieldError[] = [];
  const posts: SalaryPostInput[] = [];
  let dropped = 0;
  for (const record of rows) {
    const cell = (k: SalaryField | 'salaryBand') => {
      const i = columns.get(k);
      return i === undefined ? undefined : record.fields[i];
    };
    const input: SalaryPostText = {
      jobTitle: cell('jobTitle'), department: cell('department'), name: cell('name'),
      salaryFrom: cell('salaryFrom') ?? cell('salaryBand'), salaryTo: cell('salaryTo'), responsibilities: cell('responsibilities'),
      budgetHeld: cell('budgetHeld'), staffManaged: cell('staffManaged'), bonuses: cell('bonuses'), benefitsInKind: cell('benefitsInKind'),
    };
    const seen = new Set<string>();
    const post = readSalaryPost(input, (field, message) => {
      if (seen.has(field) || errors.length >= 50) return;
      seen.add(field);
      errors.push({ field: 'file', message: `Line ${record.line}, ${named[field] ? `column “${named[field]}”` : SALARY_FIELD_LABELS[field].toLowerCase()}: ${message}` });
    }, { dropLowNames: true });
    if (post.nameDropped) dropped++;
    const { nameDropped: _, ...rest } = post;
    posts.push(rest);
  }
  if (errors.length) throw AppError.validation(errors, `The file cannot be published: ${errors.length} problem${errors.length === 1 ? '' : 's'}, first ${errors[0]!.message}`);
  const warnings = dropped ? [`${dropped} name${dropped === 1 ? ' was' : 's were'} left out: the Code names a post-holder only where the salary is £150,000 or more`] : [];
  return { posts, columns: named, warnings };
}

// Services

function newRow(organisationId: string, asAt: string, position: number, p: SalaryPostInput, actor: Actor): repo.NewSalaryPost {
  return {
    organisation_id: organisationId, as_at: asAt, position, job_title: p.jobTitle, department: p.department, name: p.name,
    salary_from_pence: p.salaryFromPence, salary_to_pence: p.salaryToPence, responsibilities: p.responsibilities,
    budget_held_pence: p.budgetHeldPence, staff_managed: p.staffManaged, bonuses_pence: p.bonusesPence, benefits_in_kind_pence: p.benefitsInKindPence,
    created_by: actor.userId,
  };
}

/** Adds one post to a publisher's list for a date (the form). */
/** One post read from the form and checked, not yet written: what the check page shows before it is public. */
export interface SalaryPostCheck {
  publisher: { id: string; name: string; slug: string };
  asAt: string;
  post: SalaryPostInput;
  /** How many posts the list for that date has now (the new post is added to them). */
  listedNow: number;
}

/**
 * Reads and checks one post as `addSalaryPost` would, writing nothing: the publisher's staff see it on a check
 * page (GOV.UK "check your answers") before they publish it. Same roles, verified-body gate and field errors.
 */
export async function checkSalaryPost(db: Db, actor: Actor, publisherRef: string, input: SalaryPostText & { asAt?: string }): Promise<SalaryPostCheck> {
  const publisher = await resolvePublisher(db, publisherRef);
  await requireOrganisationRole(db, actor, publisher.id, PUBLISHING_ROLES);
  await requireVerifiedPublicBody(db, publisher.id, 'publish senior salaries');
  const errors: FieldError[] = [];
  let asAt = '';
  try {
    asAt = readAsAt(input.asAt);
  } catch (error) {
    errors.push(...(error as AppError).fieldErrors);
  }
  const post = readSalaryPost(input, (field, message) => {
    if (!errors.some((e) => e.field === field)) errors.push({ field, message });
  });
  if (errors.length) throw AppError.validation(errors);
  const { nameDropped: _, ...fields } = post;
  return { publisher: { id: publisher.id, name: publisher.name, slug: publisher.slug }, asAt, post: fields, listedNow: await salaryListSize(db, publisher.id, asAt) };
}

/** Publishes one post (after its check), added at the end of the publisher's list for its date. Audited. */
export async function addSalaryPost(db: Db, actor: Actor, publisherRef: string, input: SalaryPostText & { asAt?: string }): Promise<SalaryPostView> {
  const { publisher, asAt, post } = await checkSalaryPost(db, actor, publisherRef, input);
  return inTransaction(db, async (trx) => {
    await repo.lockSalaryList(trx, publisher.id, asAt);
    const position = await repo.nextSalaryPosition(trx, publisher.id, asAt);
    const [row] = await repo.insertSalaryPosts(trx, [newRow(publisher.id, asAt, position, post, actor)]);
    const view = presentPost(row!);
    await recordAudit(trx, actor, { action: 'spend.salary.added', entityType: 'spend_salary_post', entityId: view.id, organisationId: publisher.id, after: view });
    return view;
  });
}

/** Removes one post (a mistake, or a post that has gone). */
export async function removeSalaryPost(db: Db, actor: Actor, publisherRef: string, id: string): Promise<SalaryPostView> {
  const publisher = await resolvePublisher(db, publisherRef);
  await requireOrganisationRole(db, actor, publisher.id, PUBLISHING_ROLES);
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('not_found', 'No such senior post');
  return inTransaction(db, async (trx) => {
    const row = await repo.findSalaryPost(trx, publisher.id, id.toLowerCase());
    if (!row) throw new AppError('not_found', 'No such senior post for this publisher');
    await repo.lockSalaryList(trx, publisher.id, row.as_at);
    await repo.deleteSalaryPost(trx, publisher.id, row.id);
    const view = presentPost(row);
    await recordAudit(trx, actor, { action: 'spend.salary.removed', entityType: 'spend_salary_post', entityId: row.id, organisationId: publisher.id, before: view });
    return view;
  });
}

export interface SalaryImportResult {
  publisher: { id: string; name: string; slug: string; verified: boolean };
  asAt: string;
  posts: number;
  replaced: number;
  columns: Record<string, string>;
  warnings: string[];
}

/** Publishes a whole list for a date from a CSV: the list for that date is replaced, all or nothing. */
export async function importSalaryCsv(db: Db, actor: Actor, publisherRef: string, input: { bytes: Uint8Array; asAt?: string }): Promise<SalaryImportResult> {
  const upload = await readSalaryUpload(db, actor, publisherRef, input);
  return inTransaction(db, (trx) => writeSalaryList(trx, actor, upload));
}

/** A senior salaries CSV read and checked for a publisher and date, before anything is written. */
export interface SalaryUpload {
  publisher: { id: string; name: string; slug: string; verified: boolean };
  asAt: string;
  csv: SalaryCsvResult;
}

/** Checks who may publish and reads the date and the CSV, naming every faulty row; writes nothing. */
export async function readSalaryUpload(db: Db, actor: Actor, publisherRef: string, input: { bytes: Uint8Array; asAt?: string }): Promise<SalaryUpload> {
  const publisher = await resolvePublisher(db, publisherRef);
  await requireOrganisationRole(db, actor, publisher.id, PUBLISHING_ROLES);
  await requireVerifiedPublicBody(db, publisher.id, 'publish senior salaries');
  const errors: FieldError[] = [];
  let asAt = '';
  try {
    asAt = readAsAt(input.asAt);
  } catch (error) {
    errors.push(...(error as AppError).fieldErrors);
  }
  let read: SalaryCsvResult | null = null;
  try {
    read = readSalaryCsv(input.bytes);
  } catch (error) {
    if (error instanceof AppError) errors.push(...error.fieldErrors);
    else throw error;
  }
  if (errors.length || !read) throw AppError.validation(errors);
  return { publisher: { id: publisher.id, name: publisher.name, slug: publisher.slug, verified: publisher.verified }, asAt, csv: read };
}

/** How many posts a publisher's list for a date has now (what a new list would replace). */
export async function salaryListSize(db: Db, organisationId: string, asAt: string): Promise<number> {
  return (await repo.salaryPosts(db, organisationId, asAt)).length;
}

/** Replaces a publisher's list for a date with the upload's posts, in the caller's transaction. Audited. */
export async function writeSalaryList(trx: Db, actor: Actor, upload: SalaryUpload): Promise<SalaryImportResult> {
  const { publisher, asAt, csv } = upload;
  await repo.lockSalaryList(trx, publisher.id, asAt);
  const replaced = await repo.deleteSalaryPosts(trx, publisher.id, asAt);
  await repo.insertSalaryPosts(trx, csv.posts.map((p, i) => newRow(publisher.id, asAt, i + 1, p, actor)));
  const result: SalaryImportResult = { publisher, asAt, posts: csv.posts.length, replaced, columns: csv.columns, warnings: csv.warnings };
  await recordAudit(trx, actor, {
    action: 'spend.salaries.published', entityType: 'spend_salary_list', entityId: null, organisationId: publisher.id,
    before: { asAt, posts: replaced }, after: { asAt, posts: csv.posts.length, columns: csv.columns },
  });
  return result;
}

/** Sets the pay multiple for a date from the highest paid's and the median taxable earnings, in pounds. */
export async function setPayMultiple(db: Db, actor: Actor, publisherRef: string, input: { asAt?: string; highest?: string; median?: string }): Promise<PayMultipleView> {
  const publisher = await resolvePublisher(db, publisherRef);
  await requireOrganisationRole(db, actor, publisher.id, PUBLISHING_ROLES);
  await requireVerifiedPublicBody(db, publisher.id, 'publish senior salaries');
  const errors: FieldError[] = [];
  let asAt = '';
  try {
    asAt = readAsAt(input.asAt);
  } catch (error) {
    errors.push(...(error as AppError).fieldErrors);
  }
  const amount = (value: string | undefined, field: 'highest' | 'median', label: string): number => {
    const a = parseAmount((value ?? '').trim());
    if (!a.ok || a.pence <= 0n || a.pence > BigInt(MAX_PENCE)) {
      errors.push({ field, message: `Enter ${label} in pounds, like 185,000` });
      return 0;
    }
    return Number(a.pence);
  };
  const highest = amount(input.highest, 'highest', 'the highest paid’s taxable earnings');
  const median = amount(input.median, 'median', 'the median earnings of the whole workforce');
  if (!errors.length && median > highest) errors.push({ field: 'median', message: 'The median cannot be more than the highest paid’s earnings' });
  if (errors.length) throw AppError.validation(errors);
  return inTransaction(db, async (trx) => {
    const before = await repo.findPayMultiple(trx, publisher.id, asAt);
    await repo.savePayMultiple(trx, { organisation_id: publisher.id, as_at: asAt, highest_pence: highest, median_pence: median, updated_by: actor.userId });
    const view: PayMultipleView = { asAt, highestPence: highest, medianPence: median, multiple: payMultipleText(highest, median) };
    await recordAudit(trx, actor, { action: 'spend.pay-multiple.set', entityType: 'spend_pay_multiple', entityId: null, organisationId: publisher.id, before: before ? presentPayMultiple(before) : undefined, after: view });
    return view;
  });
}

export interface PublisherSalaries {
  publisher: { id: string; name: string; slug: string; verified: boolean };
  /** The date shown: the one asked for, else the newest published. Null when nothing is published. */
  asAt: string | null;
  dates: string[];
  posts: SalaryPostView[];
  payMultiple: PayMultipleView | null;
}

/** A publisher's senior salaries on a date (the newest when none is asked for). */
export async function publisherSalaries(db: Db, publisherRef: string, asAtInput?: string): Promise<PublisherSalaries> {
  const publisher = await resolvePublisher(db, publisherRef);
  const dates = await repo.salaryDates(db, publisher.id);
  const asAt = asAtInput ? readAsAt(asAtInput) : (dates[0] ?? null);
  if (asAtInput && asAt && !dates.includes(asAt)) throw new AppError('not_found', `${publisher.name} has published no senior salaries as at ${asAt}`);
  const [posts, multiple] = asAt ? await Promise.all([repo.salaryPosts(db, publisher.id, asAt), repo.findPayMultiple(db, publisher.id, asAt)]) : [[], null];
  return {
    publisher: { id: publisher.id, name: publisher.name, slug: publisher.slug, verified: publisher.verified }, asAt, dates,
    posts: posts.map(presentPost), payMultiple: multiple ? presentPayMultiple(multiple) : null,
  };
}

/** The list as CSV, in the Code's fields; amounts in pounds. */
export function salariesCsv(s: PublisherSalaries): string {
  const money = (p: number | null) => (p === null ? '' : penceText(p));
  let out = csvRow(['Body Name', 'As at', 'Job Title', 'Department', 'Name', 'Salary Band From (£)', 'Salary Band To (£)', 'Responsibilities', 'Budget Held (£)', 'Staff Managed', 'Bonuses (£)', 'Benefits in Kind (£)']);
  for (const p of s.posts) {
    out += csvRow([s.publisher.name, p.asAt, p.jobTitle, p.department, p.name, money(p.salaryFromPence), money(p.salaryToPence), p.responsibilities, money(p.budgetHeldPence), p.staffManaged, money(p.bonusesPence), money(p.benefitsInKindPence)]);
  }
  return out;
}
