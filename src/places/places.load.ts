// Bulk loading for the places module's large reference tables (the national postcode directory: ~2.7 million
// rows) with COPY, inside one transaction that also carries the import's other writes and its audit row, so a
// failed import leaves nothing behind. The transaction and the COPY sinks are the platform's (platform/copy.ts,
// shared with spend and grants); this file adds the row-by-row form the places imports write in.
import type { Transaction } from 'kysely';
import type { Database } from '../database.ts';
import type { DatabaseHandle } from '../platform/db.ts';
import { withCopyTransaction as withPlatformCopy } from '../platform/copy.ts';

/** Copies rows into a table: `rows` yields COPY text (tab-separated, `\N` for null, one row a line). */
export type Copier = (table: string, columns: readonly string[], rows: AsyncIterable<string>) => Promise<void>;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
function copySql(table: string, columns: readonly string[]): string {
  for (const name of [table, ...columns]) if (!IDENTIFIER.test(name)) throw new Error(`Not an identifier: ${name}`);
  return `COPY ${table} (${columns.join(', ')})`;
}

/** One COPY text field: null as \N. The caller has validated values: a tab, newline or backslash is refused. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  if (/[\t\n\r\\]/.test(value)) throw new Error(`A value for COPY holds a tab, new line or backslash: ${JSON.stringify(value.slice(0, 40))}`);
  return value;
}

/** Rows are sent in pieces of about this many characters. */
const PIECE = 1024 * 1024;

/**
 * Runs `work` in one transaction on one connection of its own, with a COPY loader. Commits when `work` returns
 * and rolls everything back (COPYed rows included) when it throws.
 */
export async function withCopyTransaction<T>(handle: DatabaseHandle, work: (trx: Transaction<Database>, copy: Copier) => Promise<T>): Promise<T> {
  return withPlatformCopy(handle, (trx, open) => work(trx, async (table, columns, rows) => {
    const sink = open(copySql(table, columns));
    let piece = '';
    for await (const row of rows) {
      piece += row;
      if (piece.length >= PIECE) {
        await sink.write(piece);
        piece = '';
      }
    }
    if (piece) await sink.write(piece);
    await sink.end();
  }));
}
