// Importing a spend file: all or nothing. The lines are COPYed into a table of their own under a new file id
// and indexed (loadFile); publishing attaches that table to spend_lines and writes, in the same transaction, the
// file record, the replacement of older versions, the totals, the supplier register and the audit row
// (publishLoadedFile). A direct import (the command line with --yes, the demo) does both in one transaction; an
// upload is held as a draft between the two (spend.drafts.ts), its table not part of spend_lines. Nothing is
// visible to anyone until publishing commits, and a failure or a killed process leaves no trace. The same bytes
// again (same SHA-256) change nothing.
import { timedImport } from '../platform/metrics.ts';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { requireOrganisationRole } from '../platform/auth/policy.ts';
import { getOrganisation, requireVerifiedPublicBody } from '../organisations/organisations.service.ts';
import { SpendFileError } from './spend.errors.ts';
import type { SpendSummary } from './spend.read.ts';
import { openCopyStream, type CopySource, type CopyStream } from './spend.copy.ts';
import { abortedError } from './spend.read.ts';
import { importLimitsFor, type ImportLimits } from './spend.limits.ts';
import { parsePeriod, type SpendPeriod } from './spend.values.ts';
import { SPEND_FIELDS, type MappingOverride, type SpendMapping } from './spend.mapping.ts';
import { withBulkTransaction, type CopySink } from './spend.load.ts';
import type { FileSuppliers } from './spend.filesuppliers.ts';
import type { Transaction } from 'kysely';
import type { Database } from '../database.ts';
import type { Db } from '../platform/db.ts';
import { suggestSupplierLinks } from './spend.links.ts';
import * as repo from './spend.repository.ts';

/** Roles that may publish a body's spending. Site administrators always may. */
export const PUBLISHING_ROLES = ['admin', 'staff', 'finance'] as const;

export interface ImportInput {
  /** Organisation id, org-id identifier (GB-LAE-NET) or slug. */
  publisher: string;
  /** The file's bytes, or a path to read them from. */
  source: CopySource;
  /** As the publisher named it; null: not named (a file read from a path is otherwise named after it). */
  filename?: string | null;
  /** "2010-10..2010-12": needed only when the file carries no dates. */
  period?: string | null;
  /** Called as the file is read: bytes read so far, of `total` (compressed bytes for gzip). */
  onProgress?: (read: number, total: number) => void;
  /** Called as each step after reading begins ("building the indexes"), for a progress display. */
  onStage?: (stage: string) => void;
  /** Read the file in a worker thread (default: when it is 4 MB or more; see spend.copy.ts). */
  readInWorker?: boolean;
  /**
   * Aborted when the person who sent the file has gone (the request closed): reading stops, the transaction
   * rolls back and nothing is written, even when the reading had finished.
   */
  signal?: AbortSignal;
  /** Limits for this file, over those that apply to the publisher (spend.limits.ts: its own, else the global). */
  limits?: Partial<ImportLimits>;
}

export interface ImportResult {
  /** imported: a new period; replaced: a new version of a period; unchanged: these bytes were imported before. */
  outcome: 'imported' | 'replaced' | 'unchanged';
  fileId: string;
  publisher: { id: string; name: string; slug: string };
  version: number;
  periodFrom: string;
  periodTo: string;
  rowsImported: number;
  rowsRejected: number;
  netTotalPence: number;
  suppliers: number;
  firstDate: string | null;
  lastDate: string | null;
  rejected: { line: number; reason: string }[];
  mapping: Record<string, { column: string; confidence: string; reason: string }>;
  sha256: string;
  /** The first file replaced (kept for callers of the single-file form). */
  replacedFileId: string | null;
  /** Every file this one replaced: one for the same period, several when it gathers months into a longer period. */
  replacedFileIds: string[];
  diff: repo.LineDiff | null;
  warnings: string[];
  /** Lines of a UTF-8 file holding bytes that are not UTF-8 (each read as Windows-1252): the first 1000. */
  undecodedLines: number[];
}

/** The mapping as a person reads it: field → the column it came from, and why. */
export function presentMapping(mapping: SpendMapping): ImportResult['mapping'] {
  const out: ImportResult['mapping'] = {};
  for (const field of SPEND_FIELDS) {
    const m = mapping.fields[field];
    if (m) out[field] = { column: m.header, confidence: m.confidence, reason: m.reason };
  }
  return out;
}

/** The form of a mapping a publisher confirms: field → column header. */
export function mappingOverride(mapping: SpendMapping): MappingOverride {
  const out: MappingOverride = {};
  for (const field of SPEND_FIELDS) {
    const m = mapping.fields[field];
    if (m) out[field] = m.header;
  }
  return out;
}

function spendFileToAppError(error: SpendFileError): AppError {
  if (error.code === 'spend.too-large' || error.code === 'spend.too-many-lines') {
    return new AppError('payload_too_large', `The file cannot be imported: ${error.message}`, { fieldErrors: [{ field: 'file', message: error.message }] });
  }
  if (error.code === 'spend.aborted') return new AppError('bad_request', error.message);
  // A file without dates is not at fault on its own: the period it covers is what is missing.
  const field = error.code === 'spend.period-required' || error.code === 'spend.period-invalid' ? 'period' : 'file';
  return AppError.validation([{ field, message: error.message }], `The file cannot be imported: ${error.message}`);
}

function monthEnd(iso: string): string {
  const [y, m] = iso.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${iso.slice(0, 7)}-${String(last).padStart(2, '0')}`;
}

/** The period a file covers: the one given, else whole months from its first to its last date. */
function filePeriod(summary: SpendSummary): SpendPeriod {
  if (summary.period) return summary.period;
  if (!summary.firstDate || !summary.lastDate) {
    throw AppError.validation([{ field: 'period', message: 'No line of the file has a date. Give the period it covers, e.g. 2010-10..2010-12.' }]);
  }
  return { from: `${summary.firstDate.slice(0, 7)}-01`, to: monthEnd(summary.lastDate) };
}

async function sha256Of(source: ImportInput['source']): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  if ('bytes' in source) return { sha256: hash.update(source.bytes).digest('hex'), bytes: source.bytes.length };
  let bytes = 0;
  for await (const chunk of createReadStream(source.path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

const timing = process.env.SPEND_TIMING === '1';
function phase(label: string, since: number): number {
  const now = performance.now();
  if (timing) {
    const m = process.memoryUsage();
    process.stderr.write(`spend import: ${label} ${(now - since).toFixed(0)} ms (RSS ${(m.rss / 2 ** 20).toFixed(0)} MB, heap ${(m.heapUsed / 2 ** 20).toFixed(0)} MB, external ${(m.external / 2 ** 20).toFixed(0)} MB)\n`);
  }
  return now;
}

function resultFromFile(row: repo.SpendFileRow, publisher: ImportResult['publisher'], outcome: ImportResult['outcome']): ImportResult {
  const s = row.summary as { rejected?: { line: number; reason: string }[]; warnings?: string[]; replacedFileId?: string | null; replacedFileIds?: string[]; undecodedLines?: number[] };
  return {
    outcome, fileId: row.id, publisher, version: row.version, periodFrom: row.period_from, periodTo: row.period_to,
    rowsImported: row.rows_imported, rowsRejected: row.rows_rejected, netTotalPence: row.net_total_pence, suppliers: row.suppliers,
    firstDate: row.first_date, lastDate: row.last_date, rejected: s.rejected ?? [], mapping: row.mapping as ImportResult['mapping'],
    sha256: row.sha256, replacedFileId: s.replacedFileId ?? null, replacedFileIds: s.replacedFileIds ?? (s.replacedFileId ? [s.replacedFileId] : []), diff: (row.diff as repo.LineDiff | null) ?? null, warnings: s.warnings ?? [],
    undecodedLines: s.undecodedLines ?? [],
  };
}

/** Throws when the person who sent the file has gone: checked between the steps and last before a commit. */
function stillWanted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

/** A publisher, the file's period as given, and the file opened for reading while its bytes are hashed. */
interface Prepared {
  org: { id: string; name: string; slug: string };
  publisher: ImportResult['publisher'];
  period: SpendPeriod | undefined;
  remembered: Record<string, string | null> | null;
  opening: Promise<CopyStream>;
  sha256: string;
  bytes: number;
  /** A file of this publisher with the same bytes, already published. */
  existing: repo.SpendFileRow | null;
  abandon: () => Promise<void>;
}

/**
 * Checks who may publish, reads the period given, opens the file for reading (a large one in a worker, which
 * starts reading) and hashes its bytes meanwhile. A fault the reader finds is reported only once the same
 * bytes are known not to be published already. `mapping` replaces the publisher's remembered mapping.
 */
async function prepare(ctx: AppContext, actor: Actor, input: ImportInput, mapping?: MappingOverride): Promise<Prepared> {
  const org = await getOrganisation(ctx.db, input.publisher);
  await requireOrganisationRole(ctx.db, actor, org.id, PUBLISHING_ROLES);
  // Only a verified public body publishes spending (an impostor of a council's name cannot).
  await requireVerifiedPublicBody(ctx.db, org.id, 'publish spending');
  const publisher = { id: org.id, name: org.name, slug: org.slug };
  let period: SpendPeriod | undefined;
  if (input.period) {
    try {
      period = parsePeriod(input.period);
    } catch (error) {
      if (error instanceof SpendFileError) throw AppError.validation([{ field: 'period', message: error.message }]);
      throw error;
    }
  }
  let size: number;
  if ('path' in input.source) {
    try {
      size = (await stat(input.source.path)).size;
    } catch {
      throw AppError.validation([{ field: 'file', message: `No file at ${input.source.path}` }]);
    }
  } else size = input.source.bytes.length;
  const remembered = mapping ? null : await repo.getMapping(ctx.db, org.id);
  const limits = { ...(await importLimitsFor(ctx.db, ctx.config, org.id)), ...input.limits };
  stillWanted(input.signal);
  const opening = openCopyStream(input.source, {
    period, mapping: mapping ?? (remembered as MappingOverride | null) ?? undefined, onProgress: input.onProgress, total: size, worker: input.readInWorker,
    smallHeap: ctx.handle.engine === 'pglite', flagDuplicates: false, maxBytes: limits.maxBytes, maxLines: limits.maxLines, signal: input.signal,
  });
  const abandon = () => opening.then((f) => f.close(), () => {});
  opening.catch(() => {});
  try {
    const { sha256, bytes } = await sha256Of(input.source);
    const existing = await repo.findFileBySha(ctx.db, org.id, sha256);
    return { org, publisher, period, remembered, opening, sha256, bytes, existing, abandon };
  } catch (error) {
    await abandon();
    throw error;
  }
}

/** Turns what the reader and the database refuse into the errors a publisher reads. */
function importError(error: unknown): unknown {
  if (error instanceof SpendFileError) return spendFileToAppError(error);
  if ((error as { code?: string }).code === '23505') {
    return new AppError('conflict', 'Another import of this publisher’s spending for the same period or the same file finished first. Try again.', { cause: error });
  }
  return error;
}

/**
 * A file's lines loaded into their own table (indexed, not yet part of spend_lines: no one sees them), and
 * everything publishing them needs. Plain data, so a draft can keep it until it is published.
 */
export interface LoadedFile {
  fileId: string;
  sha256: string;
  bytes: number;
  filename: string | null;
  periodFrom: string;
  periodTo: string;
  periodGiven: boolean;
  rowsImported: number;
  rowsRejected: number;
  netTotalPence: number;
  suppliers: number;
  firstDate: string | null;
  lastDate: string | null;
  rejected: { line: number; reason: string }[];
  warnings: string[];
  /** Lines of a UTF-8 file holding bytes that are not UTF-8 (each read as Windows-1252). */
  undecodedLines: number[];
  mapping: ImportResult['mapping'];
  /** What the file's page shows of how it was read (spend_files.summary). */
  stored: Record<string, unknown>;
  /** Every column of the file, by its name (mapped first, in the file's order, then those not used). */
  columns: string[];
}

/**
 * Loads a file's lines into a table of its own in the bulk transaction and builds that table's indexes (so
 * attaching it later, when it is published, only links them). Finds identical lines, and checks what the
 * reader found: the whole file is read, has lines, and has a period.
 */
async function loadFile(ctx: AppContext, trx: Transaction<Database>, sink: CopySink, prepared: Prepared, file: CopyStream, fileId: string, input: ImportInput): Promise<LoadedFile> {
  const { org, sha256, bytes, remembered } = prepared;
  await repo.bulkLoadSettings(trx, ctx.handle.engine);
  // The lines go into a table of their own, indexed before it joins spend_lines (see migration 0014).
  await repo.createFileLines(trx, org.id, fileId);
  let t = performance.now();
  for await (const piece of file.pieces()) await sink.write(piece);
  await sink.end();
  stillWanted(input.signal);
  t = phase('read and COPY', t);
  // Identical lines are found by the database, from the fingerprints COPY brought (see flagDuplicateLines).
  input.onStage?.('finding identical lines');
  const duplicateLines = await repo.flagDuplicateLines(trx, fileId);
  stillWanted(input.signal);
  t = phase('duplicates', t);
  const summary = { ...file.summary(), duplicateLines };
  if (summary.sha256 !== sha256) throw new AppError('conflict', 'The file changed while it was being read: import it again.');
  if (summary.rowsImported === 0) {
    throw AppError.validation([{ field: 'file', message: `The file has no spend lines: no row carries an amount.${summary.rejected[0] ? ` First problem, line ${summary.rejected[0].line}: ${summary.rejected[0].reason}` : ''}` }]);
  }
  const p = filePeriod(summary);
  input.onStage?.('building the indexes');
  await repo.sealFileLines(trx, fileId);
  t = phase('indexes', t);
  const netTotal = Number(summary.netTotalPence);
  if (!Number.isSafeInteger(netTotal)) throw AppError.validation([{ field: 'file', message: 'The file’s total is beyond the range this service can add up exactly' }]);
  const mapping = presentMapping(summary.mapping);
  const mapped = Object.values(summary.mapping.fields).filter((m) => !!m).sort((a, b) => a.column - b.column).map((m) => m.header);
  return {
    fileId, sha256, bytes, filename: input.filename !== undefined ? input.filename : ('path' in input.source ? input.source.path.split('/').pop() ?? null : null),
    periodFrom: p.from, periodTo: p.to, periodGiven: !!summary.period,
    rowsImported: summary.rowsImported, rowsRejected: summary.rowsRejected, netTotalPence: netTotal, suppliers: summary.suppliers,
    firstDate: summary.firstDate, lastDate: summary.lastDate, rejected: [...summary.rejected], warnings: [...summary.warnings], undecodedLines: [...summary.undecodedLines], mapping,
    stored: {
      rejected: summary.rejected, warnings: summary.warnings, encoding: summary.encoding, delimiter: summary.delimiter, undecodedLines: summary.undecodedLines,
      compression: summary.compression, headerLine: summary.headerLine, titleRows: summary.titleRows,
      blankRowsSkipped: summary.blankRowsSkipped, duplicateLines: summary.duplicateLines, linesWithoutDate: summary.linesWithoutDate,
      unusedColumns: summary.mapping.unused, mappingNotes: summary.mapping.notes, dateOrder: summary.mapping.dateOrder,
      rememberedMapping: remembered !== null,
    },
    columns: [...mapped, ...summary.mapping.unused],
  };
}

/**
 * Publishes a loaded file in the caller's transaction: attaches its lines to spend_lines, replaces the current
 * files whose whole period it covers (refusing one that would cover only part of a published file), adds its
 * totals and takes away theirs, writes its record, fills the supplier register and writes the audit row.
 * `knownDiff` is a difference already worked out against exactly these replaced files (a draft's check).
 */
export async function publishLoadedFile(
  trx: Db, engine: 'postgres' | 'pglite', actor: Actor, publisher: ImportResult['publisher'], loaded: LoadedFile, suppliers: FileSuppliers,
  options: { onStage?: (stage: string) => void; knownDiff?: { replacedFileIds: string[]; diff: repo.LineDiff | null } | null; draftId?: string; signal?: AbortSignal } = {},
): Promise<ImportResult> {
  const orgId = publisher.id;
  const fileId = loaded.fileId;
  const p = { from: loaded.periodFrom, to: loaded.periodTo };
  let t = performance.now();
  await repo.bulkLoadSettings(trx, engine);
  await repo.lockPublisherFiles(trx, orgId);
  await repo.attachFileLines(trx, orgId, fileId);
  stillWanted(options.signal);
  t = phase('attach', t);
  // A new file replaces every current file whose whole period it covers (the same period, or months it
  // gathers into a quarter). A file that would cover only part of a published file's period is refused:
  // keeping both would count the shared days twice, and hiding part of a file would make its published
  // totals untrue. The person is told which file is in the way and what period would replace it.
  const overlapping = await repo.currentFilesOverlapping(trx, orgId, p.from, p.to);
  const refusal = partialOverlap(p, overlapping);
  if (refusal) throw AppError.validation([{ field: 'period', message: refusal }]);
  const replaced = overlapping;
  const current = replaced[0] ?? null;
  const version = (await repo.lastVersion(trx, orgId, p.from, p.to)) + 1;
  let diff: repo.LineDiff | null = null;
  if (replaced.length) {
    const ids = replaced.map((f) => f.id);
    const known = options.knownDiff;
    diff = known && known.diff && known.replacedFileIds.length === ids.length && ids.every((id) => known.replacedFileIds.includes(id))
      ? known.diff : await repo.diffFiles(trx, orgId, ids, fileId);
    for (const f of replaced) await repo.markReplaced(trx, orgId, f.id, fileId);
  }
  t = phase('replace and diff', t);
  options.onStage?.('adding up the totals');
  await repo.addFileTotals(trx, orgId, fileId, replaced.map((f) => f.id));
  stillWanted(options.signal);
  t = phase('totals', t);
  const stored = { ...loaded.stored, replacedFileId: current?.id ?? null, replacedFileIds: replaced.map((f) => f.id), ...(options.draftId ? { draftId: options.draftId } : {}) };
  await repo.insertFile(trx, {
    organisation_id: orgId, id: fileId, period_from: p.from, period_to: p.to, period_given: loaded.periodGiven, sha256: loaded.sha256,
    filename: loaded.filename, bytes: loaded.bytes, status: 'current', version, rows_imported: loaded.rowsImported, rows_rejected: loaded.rowsRejected,
    net_total_pence: loaded.netTotalPence, suppliers: loaded.suppliers, first_date: loaded.firstDate, last_date: loaded.lastDate,
    mapping: loaded.mapping, summary: stored, diff, imported_by: actor.userId,
  });
  t = phase('file record', t);
  options.onStage?.('updating the supplier register');
  await repo.upsertSuppliers(trx, suppliers);
  await suggestSupplierLinks(trx, suppliers);
  t = phase('suppliers', t);
  const result: ImportResult = {
    outcome: current ? 'replaced' : 'imported', fileId, publisher, version, periodFrom: p.from, periodTo: p.to,
    rowsImported: loaded.rowsImported, rowsRejected: loaded.rowsRejected, netTotalPence: loaded.netTotalPence, suppliers: loaded.suppliers,
    firstDate: loaded.firstDate, lastDate: loaded.lastDate, rejected: [...loaded.rejected], mapping: loaded.mapping, sha256: loaded.sha256,
    replacedFileId: current?.id ?? null, replacedFileIds: replaced.map((f) => f.id), diff, warnings: [...loaded.warnings],
    undecodedLines: [...(loaded.undecodedLines ?? [])],
  };
  await recordAudit(trx, actor, {
    action: current ? 'spend.file.replaced' : 'spend.file.imported', entityType: 'spend_file', entityId: fileId, organisationId: orgId,
    before: replaced.length ? { files: replaced.map((f) => ({ fileId: f.id, periodFrom: f.period_from, periodTo: f.period_to, version: f.version, rowsImported: f.rows_imported, netTotalPence: f.net_total_pence })) } : undefined,
    after: { ...result, rejected: result.rejected.slice(0, 20), mapping: undefined, ...(options.draftId ? { draftId: options.draftId } : {}) },
  });
  stillWanted(options.signal); // the last moment: past it the transaction commits
  return result;
}

/**
 * Why a file for `p` cannot be published beside the current files overlapping it (one of them reaches outside
 * `p`), naming the file in the way and the period that would replace it; null when it can.
 */
export function partialOverlap(p: { from: string; to: string }, overlapping: repo.SpendFileRow[]): string | null {
  const partial = overlapping.filter((f) => f.period_from < p.from || f.period_to > p.to);
  if (!partial.length) return null;
  const from = [p.from, ...partial.map((f) => f.period_from)].sort()[0]!;
  const to = [p.to, ...partial.map((f) => f.period_to)].sort().at(-1)!;
  const named = partial.map((f) => `${f.period_from} to ${f.period_to}${f.filename ? ` (${f.filename})` : ''}`).join('; ');
  return `This file covers ${p.from} to ${p.to}, which overlaps only part of the published file for ${named}. A new file replaces only files whose whole period it covers: publish one for ${from}..${to}, or for a period that does not overlap.`;
}

/**
 * Imports and publishes one spend file for a publisher at once, with no draft (the command line with --yes,
 * and the demo). Publisher staff, finance officers and administrators may, and site administrators. Throws
 * AppError validation_failed naming the file's fault (no amount column, a damaged gzip stream, no dates and
 * no period …); nothing is written then. The same bytes again change nothing (outcome "unchanged").
 */
export async function importSpendFile(ctx: AppContext, actor: Actor, input: ImportInput): Promise<ImportResult> {
  return timedImport('spend', () => importSpendFileUntimed(ctx, actor, input));
}

async function importSpendFileUntimed(ctx: AppContext, actor: Actor, input: ImportInput): Promise<ImportResult> {
  const prepared = await prepare(ctx, actor, input);
  if (prepared.existing) {
    await prepared.abandon();
    return resultFromFile(prepared.existing, prepared.publisher, 'unchanged');
  }
  const fileId = randomUUID();
  try {
    const file = await prepared.opening;
    try {
      return await withBulkTransaction(ctx.handle, repo.fileLinesTable(fileId), async (trx, sink) => {
        const loaded = await loadFile(ctx, trx, sink, prepared, file, fileId, input);
        return publishLoadedFile(trx, ctx.handle.engine, actor, prepared.publisher, loaded, file.suppliers, { onStage: input.onStage, signal: input.signal });
      });
    } finally {
      await file.close();
    }
  } catch (error) {
    throw importError(error);
  }
}

/**
 * Loads a spend file without publishing it, then runs `work` in the same transaction with what was loaded
 * (a draft records it). Nothing of it is visible to anyone: its lines sit in a table of their own that is not
 * part of spend_lines. The same bytes already published are a conflict, naming the file.
 */
export async function loadSpendFile<T>(
  ctx: AppContext, actor: Actor, input: ImportInput, mapping: MappingOverride | undefined,
  work: (trx: Transaction<Database>, loaded: LoadedFile, suppliers: FileSuppliers, publisher: ImportResult['publisher']) => Promise<T>,
  before?: (publisher: ImportResult['publisher'], sha256: string) => Promise<T | null>,
): Promise<T> {
  return timedImport('spend-draft', () => loadSpendFileUntimed(ctx, actor, input, mapping, work, before));
}

async function loadSpendFileUntimed<T>(
  ctx: AppContext, actor: Actor, input: ImportInput, mapping: MappingOverride | undefined,
  work: (trx: Transaction<Database>, loaded: LoadedFile, suppliers: FileSuppliers, publisher: ImportResult['publisher']) => Promise<T>,
  before?: (publisher: ImportResult['publisher'], sha256: string) => Promise<T | null>,
): Promise<T> {
  const prepared = await prepare(ctx, actor, input, mapping);
  if (prepared.existing) {
    await prepared.abandon();
    const f = prepared.existing;
    throw new AppError('conflict', `These bytes are already published as the spending file for ${f.period_from} to ${f.period_to} (version ${f.version}${f.status !== 'current' ? `, now ${f.status}` : ''}): /spend/${prepared.publisher.slug}/files/${f.id}`);
  }
  const early = await before?.(prepared.publisher, prepared.sha256);
  if (early) {
    await prepared.abandon();
    return early;
  }
  const fileId = randomUUID();
  try {
    const file = await prepared.opening;
    try {
      return await withBulkTransaction(ctx.handle, repo.fileLinesTable(fileId), async (trx, sink) => {
        const loaded = await loadFile(ctx, trx, sink, prepared, file, fileId, input);
        return work(trx, loaded, file.suppliers, prepared.publisher);
      });
    } finally {
      await file.close();
    }
  } catch (error) {
    throw importError(error);
  }
}

/** Remembers the mapping used for a file as the publisher's confirmed mapping for its next files. */
export async function confirmMapping(ctx: AppContext, actor: Actor, publisher: string, fileId: string): Promise<Record<string, string | null>> {
  const org = await getOrganisation(ctx.db, publisher);
  await requireOrganisationRole(ctx.db, actor, org.id, PUBLISHING_ROLES);
  await requireVerifiedPublicBody(ctx.db, org.id, 'publish spending');
  const file = await repo.findFile(ctx.db, org.id, fileId);
  if (!file) throw new AppError('not_found', 'No such spend file for this publisher');
  const mapping: Record<string, string | null> = {};
  for (const [field, m] of Object.entries(file.mapping as ImportResult['mapping'])) mapping[field] = m.column;
  await ctx.db.transaction().execute(async (trx) => {
    await repo.saveMapping(trx, org.id, mapping, actor.userId);
    await recordAudit(trx, actor, { action: 'spend.mapping.confirmed', entityType: 'spend_mapping', entityId: org.id, organisationId: org.id, after: mapping });
  });
  return mapping;
}
