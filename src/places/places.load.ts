// Bulk loading for the places module's large reference tables (the national postcode directory: ~2.7 million
// rows) with COPY, inside one transaction that also carries the import's other writes and its audit row, so a
// failed import leaves nothing behind.
//
// - PGlite: `COPY … FROM '/dev/blob'` with `{ blob }` through the transaction object PGlite's own transaction()
//   hands out (a Kysely transaction on the same single connection would wait on itself), a megabyte at a time.
// - PostgreSQL: one client from the pool, `COPY … FROM STDIN` (pg-copy-streams), with backpressure.
// A Kysely instance bound to that one connection runs everything else, so repository functions work unchanged.
import { Kysely, PGliteDialect, PostgresDialect, type Transaction } from 'kysely';
import type { PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite';
import type pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import type { Database } from '../database.ts';
import type { DatabaseHandle } from '../platform/db.ts';

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

const PIECE = 1024 * 1024;

function pgliteCopier(tx: PGliteTransaction): Copier {
  return async (table, columns, rows) => {
    const sql = `${copySql(table, columns)} FROM '/dev/blob'`;
    let parts: string[] = [];
    let size = 0;
    const flush = async () => {
      if (size === 0) return;
      const blob = new Blob(parts);
      parts = [];
      size = 0;
      await tx.query(sql, [], { blob });
    };
    for await (const row of rows) {
      parts.push(row);
      size += row.length;
      if (size >= PIECE) await flush();
    }
    await flush();
  };
}

function postgresCopier(client: pg.PoolClient): Copier {
  return async (table, columns, rows) => {
    const stream = client.query(copyFromStdin(`${copySql(table, columns)} FROM STDIN`));
    let failure: Error | null = null;
    stream.on('error', (error: Error) => {
      failure = error;
    });
    const iterator = rows[Symbol.asyncIterator]();
    try {
      let batch = '';
      for (;;) {
        const next = await iterator.next();
        if (!next.done) batch += next.value;
        if (batch.length >= PIECE || (next.done && batch.length > 0)) {
          if (failure) throw failure;
          const more = stream.write(batch);
          batch = '';
          if (!more) {
            await new Promise<void>((resolve, reject) => {
              const onDrain = () => { stream.off('error', onError); resolve(); };
              const onError = (error: Error) => { stream.off('drain', onDrain); reject(error); };
              stream.once('drain', onDrain);
              stream.once('error', onError);
            });
          }
        }
        if (next.done) break;
      }
      if (failure) throw failure;
      await new Promise<void>((resolve, reject) => {
        stream.once('finish', resolve);
        stream.once('error', reject);
        stream.end();
      });
    } catch (error) {
      await new Promise<void>((resolve) => {
        stream.once('close', () => resolve());
        stream.destroy(error as Error);
      });
      throw error;
    }
  };
}

/**
 * Runs `work` in one transaction on one connection of its own, with a COPY loader. Commits when `work` returns
 * and rolls everything back (COPYed rows included) when it throws.
 */
export async function withCopyTransaction<T>(handle: DatabaseHandle, work: (trx: Transaction<Database>, copy: Copier) => Promise<T>): Promise<T> {
  if (handle.pglite) {
    return handle.pglite.transaction(async (tx) => {
      // A PGlite look-alike whose queries run on this transaction: Kysely's BEGIN/COMMIT become no-ops inside it.
      const bound = {
        closed: false,
        ready: true,
        waitReady: Promise.resolve(),
        query: (query: string, params?: unknown[], options?: Record<string, unknown>) => tx.query(query, params, options),
        transaction: async (callback: (t: PGliteTransaction) => Promise<unknown>) => callback(tx),
        close: async () => {},
      };
      const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite: bound as unknown as PGlite }) });
      return db.transaction().execute((trx) => work(trx, pgliteCopier(tx)));
    }) as Promise<T>;
  }
  if (!handle.pool) throw new Error('No database connection');
  const client = await handle.pool.connect();
  let broken = false;
  try {
    const single = { connect: async () => ({ query: client.query.bind(client), release() {} }), end: async () => {} };
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: single as unknown as pg.Pool }) });
    return await db.transaction().execute((trx) => work(trx, postgresCopier(client)));
  } catch (error) {
    // A COPY that failed part-way can leave the connection mid-protocol: do not give it back to the pool.
    broken = true;
    throw error;
  } finally {
    client.release(broken ? true : undefined);
  }
}
