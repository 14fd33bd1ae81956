// Importing a spend file: all or nothing. The lines are COPYed into spend_lines under a new file id inside one
// transaction, together with the file record, the replacement of an older version, the supplier register and
// the audit row; nothing is visible to anyone until that transaction commits, and a failure or a killed process
// leaves no trace. The same bytes again (same SHA-256) change nothing.
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
import { openCopyStream, type CopySource } from './spend.copy.ts';
import { abortedError } from './spend.read.ts';
import { importLimitsFor, type ImportLimits } from './spend.limits.ts';
import { parsePeriod, type SpendPeriod } from './spend.values.ts';
import { SPEND_FIELDS, type MappingOverride, type SpendMapping } from './spend.mapping.ts';
import { withBulkTransaction } from './spend.load.ts';
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

/**
 * Imports one spend file for a publisher. Publisher staff, finance officers and administrators may, and site
 * administrators. Throws AppError validation_failed naming the file's fault (no amount column, a damaged gzip
 * stream, no dates and no period …); nothing is written then.
 */
export async function importSpendFile(ctx: AppContext, actor: Actor, input: ImportInput): Promise<ImportResult> {
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
  const remembered = await repo.getMapping(ctx.db, org.id);
  const limits = { ...(await importLimitsFor(ctx.db, ctx.config, org.id)), ...input.limits };
  const signal = input.signal;
  // Checked between the steps after reading, and last of all just before the transaction commits.
  const stillWanted = () => {
    if (signal?.aborted) throw abortedError(signal);
  };
  stillWanted();
  // The file is opened (a large one in a worker, which starts reading) while its bytes are hashed. A fault it
  // finds is reported once the same bytes are known not to be published already.
  const opening = openCopyStream(input.source, {
    period, mapping: (remembered as MappingOverride | null) ?? undefined, onProgress: input.onProgress, total: size, worker: input.readInWorker,
    smallHeap: ctx.handle.engine === 'pglite', flagDuplicates: false, maxBytes: limits.maxBytes, maxLines: limits.maxLines, signal,
  });
  const abandon = () => opening.then((f) => f.close(), () => {});
  opening.catch(() => {});
  let sha256: string;
  let bytes: number;
  try {
    ({ sha256, bytes } = await sha256Of(input.source));
    const existing = await repo.findFileBySha(ctx.db, org.id, sha256);
    if (existing) {
      await abandon();
      return resultFromFile(existing, publisher, 'unchanged');
    }
  } catch (error) {
    await abandon();
    throw error;
  }

  const fileId = randomUUID();
  try {
    const file = await opening;
    try {
      return await withBulkTransaction(ctx.handle, repo.fileLinesTable(fileId), async (trx, sink) => {
        await repo.bulkLoadSettings(trx, ctx.handle.engine);
        // The lines go into a table of their own, indexed when it joins spend_lines (see migration 0014).
        await repo.createFileLines(trx, org.id, fileId);
        // Suppliers are gathered as the lines stream past; the totals are grouped from the lines in SQL after (see
        // FileSuppliers for why).
        const suppliers = file.suppliers;
        let t = performance.now();
        for await (const piece of file.pieces()) await sink.write(piece);
        await sink.end();
        stillWanted();
        t = phase('read and COPY', t);
        // Identical lines are found by the database, from the fingerprints COPY brought (see flagDuplicateLines).
        input.onStage?.('finding identical lines');
        const duplicateLines = await repo.flagDuplicateLines(trx, fileId);
        stillWanted();
        t = phase('duplicates', t);
        const summary = { ...file.summary(), duplicateLines };
        if (summary.sha256 !== sha256) throw new AppError('conflict', 'The file changed while it was being read: import it again.');
        if (summary.rowsImported === 0) {
          throw AppError.validation([{ field: 'file', message: `The file has no spend lines: no row carries an amount.${summary.rejected[0] ? ` First problem, line ${summary.rejected[0].line}: ${summary.rejected[0].reason}` : ''}` }]);
        }
        const p = filePeriod(summary);
        input.onStage?.('building the indexes');
        await repo.lockPublisherFiles(trx, org.id);
        await repo.attachFileLines(trx, org.id, fileId);
        stillWanted();
        t = phase('indexes (attach)', t);
        // A new file replaces every current file whose whole period it covers (the same period, or months it
        // gathers into a quarter). A file that would cover only part of a published file's period is refused:
        // keeping both would count the shared days twice, and hiding part of a file would make its published
        // totals untrue. The person is told which file is in the way and what period would replace it.
        const overlapping = await repo.currentFilesOverlapping(trx, org.id, p.from, p.to);
        const partial = overlapping.filter((f) => f.period_from < p.from || f.period_to > p.to);
        if (partial.length) {
          const from = [p.from, ...partial.map((f) => f.period_from)].sort()[0]!;
          const to = [p.to, ...partial.map((f) => f.period_to)].sort().at(-1)!;
          const named = partial.map((f) => `${f.period_from} to ${f.period_to}${f.filename ? ` (${f.filename})` : ''}`).join('; ');
          throw AppError.validation([{
            field: 'period',
            message: `This file covers ${p.from} to ${p.to}, which overlaps only part of the published file for ${named}. A new file replaces only files whose whole period it covers: publish one for ${from}..${to}, or for a period that does not overlap.`,
          }]);
        }
        const replaced = overlapping;
        const current = replaced[0] ?? null;
        const version = (await repo.lastVersion(trx, org.id, p.from, p.to)) + 1;
        let diff: repo.LineDiff | null = null;
        if (replaced.length) {
          diff = await repo.diffFiles(trx, org.id, replaced.map((f) => f.id), fileId);
          for (const f of replaced) await repo.markReplaced(trx, org.id, f.id, fileId);
        }
        t = phase('replace and diff', t);
        input.onStage?.('adding up the totals');
        await repo.addFileTotals(trx, org.id, fileId, replaced.map((f) => f.id));
        stillWanted();
        t = phase('totals', t);
        const mapping = presentMapping(summary.mapping);
        const stored = {
          rejected: summary.rejected, warnings: summary.warnings, encoding: summary.encoding, delimiter: summary.delimiter, undecodedLines: summary.undecodedLines,
          compression: summary.compression, headerLine: summary.headerLine, titleRows: summary.titleRows,
          blankRowsSkipped: summary.blankRowsSkipped, duplicateLines: summary.duplicateLines, linesWithoutDate: summary.linesWithoutDate,
          unusedColumns: summary.mapping.unused, mappingNotes: summary.mapping.notes, dateOrder: summary.mapping.dateOrder,
          replacedFileId: current?.id ?? null, replacedFileIds: replaced.map((f) => f.id), rememberedMapping: remembered !== null,
        };
        const netTotal = Number(summary.netTotalPence);
        if (!Number.isSafeInteger(netTotal)) throw AppError.validation([{ field: 'file', message: 'The file’s total is beyond the range this service can add up exactly' }]);
        await repo.insertFile(trx, {
          organisation_id: org.id, id: fileId, period_from: p.from, period_to: p.to, period_given: !!summary.period, sha256,
          filename: input.filename !== undefined ? input.filename : ('path' in input.source ? input.source.path.split('/').pop() ?? null : null), bytes,
          status: 'current', version, rows_imported: summary.rowsImported, rows_rejected: summary.rowsRejected,
          net_total_pence: netTotal, suppliers: summary.suppliers, first_date: summary.firstDate, last_date: summary.lastDate,
          mapping, summary: stored, diff, imported_by: actor.userId,
        });
        t = phase('file record', t);
        input.onStage?.('updating the supplier register');
        await repo.upsertSuppliers(trx, suppliers);
        await suggestSupplierLinks(trx, suppliers);
        t = phase('suppliers', t);
        const result: ImportResult = {
          outcome: current ? 'replaced' : 'imported', fileId, publisher, version, periodFrom: p.from, periodTo: p.to,
          rowsImported: summary.rowsImported, rowsRejected: summary.rowsRejected, netTotalPence: netTotal, suppliers: summary.suppliers,
          firstDate: summary.firstDate, lastDate: summary.lastDate, rejected: [...summary.rejected], mapping, sha256,
          replacedFileId: current?.id ?? null, replacedFileIds: replaced.map((f) => f.id), diff, warnings: [...summary.warnings],
          undecodedLines: [...summary.undecodedLines],
        };
        await recordAudit(trx, actor, {
          action: current ? 'spend.file.replaced' : 'spend.file.imported', entityType: 'spend_file', entityId: fileId, organisationId: org.id,
          before: replaced.length ? { files: replaced.map((f) => ({ fileId: f.id, periodFrom: f.period_from, periodTo: f.period_to, version: f.version, rowsImported: f.rows_imported, netTotalPence: f.net_total_pence })) } : undefined,
          after: { ...result, rejected: result.rejected.slice(0, 20), mapping: undefined },
        });
        stillWanted(); // the last moment: past it the transaction commits
        return result;
      });
    } finally {
      await file.close();
    }
  } catch (error) {
    if (error instanceof SpendFileError) throw spendFileToAppError(error);
    if ((error as { code?: string }).code === '23505') {
      throw new AppError('conflict', 'Another import of this publisher’s spending for the same period or the same file finished first. Try again.', { cause: error });
    }
    throw error;
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
