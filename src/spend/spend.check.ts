// The check a publisher reads before a spending file is published ("check your answers"): what was read, how
// the columns were mapped and why, what it would replace and the difference, and the warnings that stop a
// careless publish until the publisher ticks each one.
//
// The warnings:
// - no-supplier: no column is mapped to the beneficiary (supplier), so every line would be published unnamed.
// - missing-fields: a field the Local Government Transparency Code 2015 requires for each item of spending
//   over £500 has no column: date, department, beneficiary, purpose (summary of the purpose), amount.
// - outliers: amounts far outside the file's own distribution. The rule, general and robust: take the
//   amounts, ignoring sign, and the amount that all but the largest 0.1 % of lines stay within (at least the
//   second largest); a line more than OUTLIER_FACTOR times that is flagged. A file's largest real payments sit
//   within a few times its 99.9th percentile (a council's month: up to about 8 times, in the files we hold);
//   a slip of two or three extra digits is 100–1,000 times. It needs no assumption about the file's scale.
// - outside-period: lines dated outside the period the publisher declared.
// - vat-kind: a column is mapped to irrecoverable VAT though its header does not say which VAT it holds
//   (recoverable VAT is not spending; VAT already in the amount would be counted twice).
import type { Db } from '../platform/db.ts';
import { SPEND_FIELD_LABELS, type SpendField } from './spend.mapping.ts';
import { partialOverlap, type LoadedFile } from './spend.import.ts';
import * as repo from './spend.repository.ts';

export const OUTLIER_FACTOR = 20;

/** Fields the Code requires for each item of spending over £500 (the beneficiary has a warning of its own). */
export const REQUIRED_FIELDS: readonly SpendField[] = ['date', 'department', 'purpose', 'netAmount'];

export type WarningCode = 'no-supplier' | 'missing-fields' | 'outliers' | 'outside-period' | 'vat-kind';

export interface CheckWarning {
  code: WarningCode;
  /** One sentence: what is wrong. */
  title: string;
  /** What it means and what to do. */
  detail: string;
  /** Lines of the file that show it (the first few). */
  lines?: { line: number; netPence?: number; date?: string }[];
}

export interface SpendCheck {
  filename: string | null;
  periodFrom: string;
  periodTo: string;
  periodGiven: boolean;
  rowsImported: number;
  rowsRejected: number;
  rejected: { line: number; reason: string }[];
  netTotalPence: number;
  suppliers: number;
  firstDate: string | null;
  lastDate: string | null;
  mapping: LoadedFile['mapping'];
  columns: string[];
  unusedColumns: string[];
  /** The file has no header row: every column was mapped by what it holds, so each mapping is a guess to check. */
  headerless: boolean;
  /** What the reader noticed (stray characters, a changed encoding …), not blocking. */
  notes: string[];
  warnings: CheckWarning[];
  outlierRule: { factor: number; referencePence: number; thresholdPence: number } | null;
  /** The current files publishing it would replace, and the difference against them. */
  replaces: { files: { id: string; periodFrom: string; periodTo: string; version: number; rowsImported: number; netTotalPence: number; filename: string | null }[]; diff: repo.LineDiff } | null;
  /** Why it cannot be published as things stand (it would cover only part of a published file), or null. */
  blocked: string | null;
  /** The version it would be of its period. */
  version: number;
}

const LISTED = 20;

/** Works out the check of a loaded, unpublished file (its own table) against the publisher's current files. */
export async function checkLoadedFile(db: Db, organisationId: string, loaded: LoadedFile): Promise<SpendCheck> {
  const warnings: CheckWarning[] = [];
  const mapped = (f: SpendField) => !!loaded.mapping[f];
  if (!mapped('supplierName')) {
    warnings.push({
      code: 'no-supplier', title: 'No column says who was paid',
      detail: 'No column is mapped to the beneficiary (supplier), so every line would be published without a supplier and the file would count 0 suppliers. Map the column that names who was paid, or tick to publish without suppliers.',
    });
  }
  const missing = REQUIRED_FIELDS.filter((f) => !mapped(f));
  if (missing.length) {
    warnings.push({
      code: 'missing-fields', title: `The Transparency Code requires ${missing.map((f) => SPEND_FIELD_LABELS[f].toLowerCase()).join(', ')}, which no column gives`,
      detail: 'The Local Government Transparency Code 2015 asks for the date, the department, the beneficiary, the summary of the purpose and the amount of each item of spending over £500. Map a column to each, or tick to publish without them.',
    });
  }
  const outliers = await repo.loadedFileOutliers(db, loaded.fileId, loaded.rowsImported, OUTLIER_FACTOR, LISTED);
  const outlierRule = outliers ? { factor: OUTLIER_FACTOR, referencePence: outliers.referencePence, thresholdPence: outliers.referencePence * OUTLIER_FACTOR } : null;
  if (outliers && outliers.count > 0) {
    warnings.push({
      code: 'outliers', title: `${outliers.count === 1 ? '1 amount is' : `${outliers.count} amounts are`} far larger than the rest of the file`,
      detail: `All but the largest 0.1 % of this file’s lines are within ${poundsText(outliers.referencePence)} (ignoring sign). ${outliers.count === 1 ? 'This line is' : 'These lines are'} more than ${OUTLIER_FACTOR} times that (over ${poundsText(outliers.referencePence * OUTLIER_FACTOR)}), which is more often a slip of the keyboard or a misplaced decimal point than a real payment. Check ${outliers.count === 1 ? 'it' : 'them'} against your finance system.`,
      lines: outliers.lines.map((l) => ({ line: l.line, netPence: l.netPence })),
    });
  }
  if (loaded.periodGiven) {
    const outside = await repo.loadedFileOutside(db, loaded.fileId, loaded.periodFrom, loaded.periodTo, LISTED);
    if (outside.count > 0) {
      warnings.push({
        code: 'outside-period', title: `${outside.count === 1 ? '1 line is' : `${outside.count} lines are`} dated outside the period ${loaded.periodFrom} to ${loaded.periodTo}`,
        detail: 'You declared the period this file covers; these lines are dated before or after it. They would be published as part of that period. Check the period, or the dates.',
        lines: outside.lines.map((l) => ({ line: l.line, date: l.date })),
      });
    }
  }
  const vat = loaded.mapping.irrecoverableVat;
  if (vat && vat.confidence !== 'high') {
    warnings.push({
      code: 'vat-kind', title: `The column “${vat.column}” is read as irrecoverable VAT, but its header does not say which VAT it is`,
      detail: 'Only VAT that cannot be recovered is spending. If this column is recoverable VAT, or VAT already included in the amount, map it to nothing. Tick to confirm it is VAT that cannot be recovered.',
    });
  }
  const overlapping = await repo.currentFilesOverlapping(db, organisationId, loaded.periodFrom, loaded.periodTo);
  const blocked = partialOverlap({ from: loaded.periodFrom, to: loaded.periodTo }, overlapping);
  let replaces: SpendCheck['replaces'] = null;
  if (!blocked && overlapping.length) {
    replaces = {
      files: overlapping.map((f) => ({ id: f.id, periodFrom: f.period_from, periodTo: f.period_to, version: f.version, rowsImported: f.rows_imported, netTotalPence: f.net_total_pence, filename: f.filename })),
      diff: await repo.diffLoadedFile(db, organisationId, overlapping.map((f) => f.id), loaded.fileId),
    };
  }
  const version = (await repo.lastVersion(db, organisationId, loaded.periodFrom, loaded.periodTo)) + 1;
  const stored = loaded.stored as { unusedColumns?: string[]; mappingNotes?: string[]; headerLine?: number | null };
  return {
    filename: loaded.filename, periodFrom: loaded.periodFrom, periodTo: loaded.periodTo, periodGiven: loaded.periodGiven,
    rowsImported: loaded.rowsImported, rowsRejected: loaded.rowsRejected, rejected: loaded.rejected.slice(0, 100), netTotalPence: loaded.netTotalPence,
    suppliers: loaded.suppliers, firstDate: loaded.firstDate, lastDate: loaded.lastDate, mapping: loaded.mapping, columns: loaded.columns,
    unusedColumns: stored.unusedColumns ?? [], headerless: stored.headerLine === null, notes: [...(stored.mappingNotes ?? []), ...loaded.warnings.slice(0, 20)],
    warnings, outlierRule, replaces, blocked, version,
  };
}

function poundsText(pence: number): string {
  const abs = Math.abs(pence);
  return `£${new Intl.NumberFormat('en-GB').format(Math.floor(abs / 100))}.${String(abs % 100).padStart(2, '0')}`;
}
