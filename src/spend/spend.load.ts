// Bulk loading spend lines with COPY, inside one transaction that also carries every other write of an import,
// so a failed or killed import leaves nothing behind: the platform's COPY transaction (src/platform/copy.ts),
// with a sink into the file's lines table.
import type { Transaction } from 'kysely';
import type { Database } from '../database.ts';
import type { DatabaseHandle } from '../platform/db.ts';
import { withCopyTransaction, type CopySink } from '../platform/copy.ts';
import { COPY_COLUMNS } from './spend.copytext.ts';

export type { CopySink };

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
function copySql(table: string): string {
  if (!IDENTIFIER.test(table)) throw new Error(`Not a table name: ${table}`);
  return `COPY ${table} (${COPY_COLUMNS.join(', ')})`;
}

/**
 * Runs `work` in one transaction on its own connection, with a COPY sink for spend lines into `table` (which
 * `work` creates before its first write). Commits when `work` returns, rolls everything back when it throws.
 */
export async function withBulkTransaction<T>(
  handle: DatabaseHandle,
  table: string,
  work: (trx: Transaction<Database>, sink: CopySink) => Promise<T>,
): Promise<T> {
  const statement = copySql(table);
  return withCopyTransaction(handle, (trx, copy) => work(trx, copy(statement)));
}
