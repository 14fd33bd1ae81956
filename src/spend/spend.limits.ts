// How much one spend file may hold, decompressed: a gzip of a few megabytes can inflate to gigabytes and tens
// of millions of lines (issue 15). The reader stops at the limit (spend.read.ts) and the import writes nothing.
// The global limits come from the configuration (COMMONWEAL_IMPORT_MAX_BYTES, COMMONWEAL_IMPORT_MAX_LINES;
// 2 GiB and 5,000,000 lines by default: a council's year of spending is well under a million lines); a site
// administrator may set other limits for one publisher (a county that publishes a large file, or a small body
// that should never need more than a few thousand lines).
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import type { Config } from '../platform/config.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { resolvePublisher } from './spend.service.ts';
import * as repo from './spend.repository.ts';

export interface ImportLimits {
  /** The largest file, decompressed, in bytes. */
  maxBytes: number;
  /** The most physical lines. */
  maxLines: number;
}

export interface ImportLimitsView extends ImportLimits {
  /** The publisher's own settings (null: the global limit applies). */
  own: { maxBytes: number | null; maxLines: number | null };
  global: ImportLimits;
}

/** The limits that apply to a publisher's next file: its own where set, else the configuration's. */
export async function importLimitsFor(db: Db, config: Pick<Config, 'importMaxBytes' | 'importMaxLines'>, organisationId: string): Promise<ImportLimitsView> {
  const own = await repo.findImportLimits(db, organisationId);
  const global = { maxBytes: config.importMaxBytes, maxLines: config.importMaxLines };
  return {
    maxBytes: own?.max_bytes ?? global.maxBytes, maxLines: own?.max_lines ?? global.maxLines,
    own: { maxBytes: own?.max_bytes ?? null, maxLines: own?.max_lines ?? null }, global,
  };
}

const MAX_BYTES_LIMIT = 64 * 1024 ** 3;
const MAX_LINES_LIMIT = 500_000_000;

function readLimit(check: Checker, input: unknown, field: string, unit: 'megabytes' | 'lines', most: number): number | null {
  if (input === undefined || input === null || (typeof input === 'string' && input.trim() === '')) return null;
  const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim().replace(/,/g, '') : '';
  if (!/^[1-9][0-9]*$/.test(text)) {
    check.fail(field, `Enter the limit as a whole number of ${unit}, or leave it empty for the global limit`);
    return null;
  }
  const n = Number(text) * (unit === 'megabytes' ? 1024 ** 2 : 1);
  if (n > most) {
    check.fail(field, `The limit can be at most ${unit === 'megabytes' ? `${most / 1024 ** 2} megabytes` : `${most.toLocaleString('en-GB')} lines`}`);
    return null;
  }
  return n;
}

/**
 * Sets a publisher's own limits (site administrators only): `maxMegabytes` and `maxLines` as typed, empty for
 * the global limit. Audited. Returns the limits that now apply.
 */
export async function setImportLimits(db: Db, config: Pick<Config, 'importMaxBytes' | 'importMaxLines'>, actor: Actor, publisherRef: string, input: { maxMegabytes?: unknown; maxLines?: unknown }): Promise<ImportLimitsView> {
  if (!actor.isAdmin) throw new AppError('forbidden', 'Only site administrators can change a publisher’s import limits');
  const publisher = await resolvePublisher(db, publisherRef);
  const check = new Checker();
  const maxBytes = readLimit(check, input.maxMegabytes, 'maxMegabytes', 'megabytes', MAX_BYTES_LIMIT);
  const maxLines = readLimit(check, input.maxLines, 'maxLines', 'lines', MAX_LINES_LIMIT);
  check.done();
  return inTransaction(db, async (trx) => {
    const before = await importLimitsFor(trx, config, publisher.id);
    await repo.saveImportLimits(trx, publisher.id, { maxBytes, maxLines }, actor.userId);
    const after = await importLimitsFor(trx, config, publisher.id);
    await recordAudit(trx, actor, { action: 'spend.import_limits.changed', entityType: 'spend_import_limits', entityId: publisher.id, organisationId: publisher.id, before: before.own, after: after.own });
    return after;
  });
}
