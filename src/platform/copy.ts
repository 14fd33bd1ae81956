// Bulk loading with COPY inside one transaction that also carries every other write of an import, so a failed
// or killed import leaves nothing behind. Shared by the imports that load many rows (spend lines, grants).
//
// - PGlite: `COPY … FROM '/dev/blob'` with `{ blob }`, run through the transaction object that PGlite's own
//   transaction() hands out (it locks the instance, so nothing else interleaves). The text is sent in pieces
//   of a megabyte so memory stays flat whatever the file size.
// - PostgreSQL: one client from the pool, `COPY … FROM STDIN` through pg-copy-streams, streamed with backpressure.
//
// In both cases a Kysely instance bound to that single connection runs the import's other statements, so
// repository functions and the audit log work unchanged inside it. One COPY is open at a time: end() one sink
// before writing to the next.
import { Kysely, PGliteDialect, PostgresDialect, sql, type Transaction } from 'kysely';
import type { PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite';
import type pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import type { Database } from '../database.ts';
import type { DatabaseHandle } from './db.ts';

/** Where an import writes its rows: text in COPY format, in any number of pieces, then end(). */
export interface CopySink {
  write(text: string | Uint8Array): Promise<void>;
  end(): Promise<void>;
  /** Abandons a COPY in progress (the transaction is rolled back after). */
  abort(error: Error): Promise<void>;
}

const PGLITE_PIECE = 1024 * 1024;
const POSTGRES_QUEUE = 8 * 1024 * 1024;

function pgliteSink(tx: PGliteTransaction, copy: string): CopySink {
  let parts: (string | Uint8Array)[] = [];
  let size = 0;
  const flush = async () => {
    if (size === 0) return;
    const blob = new Blob(parts);
    parts = [];
    size = 0;
    await tx.query(`${copy} FROM '/dev/blob'`, [], { blob });
  };
  return {
    async write(text) {
      parts.push(text);
      size += text.length;
      if (size >= PGLITE_PIECE) await flush();
    },
    end: flush,
    async abort() {
      parts = [];
      size = 0;
    },
  };
}

function postgresSink(client: pg.PoolClient, copy: string): CopySink {
  let stream: ReturnType<typeof copyFromStdin> | null = null;
  let failure: Error | null = null;
  let ended = false;
  const open = () => {
    if (!stream) {
      stream = client.query(copyFromStdin(`${copy} FROM STDIN`));
      stream.on('error', (error: Error) => {
        failure = error;
      });
    }
    return stream;
  };
  return {
    async write(text) {
      if (failure) throw failure;
      const s = open();
      // Waiting for every 16 KiB to drain would make the reader and the server take turns; letting a few
      // megabytes queue lets them work at the same time, while memory stays bounded.
      s.write(text);
      if (s.writableLength > POSTGRES_QUEUE) {
        await new Promise<void>((resolve, reject) => {
          const onDrain = () => {
            s.off('error', onError);
            resolve();
          };
          const onError = (error: Error) => {
            s.off('drain', onDrain);
            reject(error);
          };
          s.once('drain', onDrain);
          s.once('error', onError);
        });
      }
    },
    async end() {
      if (failure) throw failure;
      if (!stream) return;
      const s = stream;
      ended = true;
      await new Promise<void>((resolve, reject) => {
        s.once('finish', resolve);
        s.once('error', reject);
        s.end();
      });
      if (failure) throw failure;
    },
    async abort(error) {
      if (!stream || ended) return;
      const s = stream;
      ended = true;
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.destroy(error);
      });
    },
  };
}

/** Opens a sink for one COPY statement (`COPY table (columns)`; FROM … is added). Nothing is sent before the first write. */
export type OpenCopy = (statement: string) => CopySink;

/**
 * Runs `work` in one transaction on a connection of its own, with `copy` to open COPY sinks into any table.
 * Commits when `work` returns; when it throws, every sink is abandoned and everything rolled back.
 */
export async function withCopyTransaction<T>(handle: DatabaseHandle, work: (trx: Transaction<Database>, copy: OpenCopy) => Promise<T>): Promise<T> {
  if (handle.pglite) {
    const pglite = handle.pglite;
    return pglite.transaction(async (tx) => {
      // A PGlite look-alike whose queries run on this transaction: Kysely's BEGIN/COMMIT become no-ops that
      // wait for our own transaction's outcome.
      const bound = {
        closed: false,
        ready: true,
        waitReady: Promise.resolve(),
        query: (query: string, params?: unknown[], options?: Record<string, unknown>) => tx.query(query, params, options),
        transaction: async (callback: (t: PGliteTransaction) => Promise<unknown>) => callback(tx),
        close: async () => {},
      };
      const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite: bound as unknown as PGlite }) });
      return db.transaction().execute((trx) => guarded(trx, (statement) => pgliteSink(tx, statement), work));
    }) as Promise<T>;
  }
  if (!handle.pool) throw new Error('No database connection');
  const client = await handle.pool.connect();
  let broken = false;
  try {
    const single = {
      connect: async () => ({ query: client.query.bind(client), release() {} }),
      end: async () => {},
    };
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: single as unknown as pg.Pool }) });
    return await db.transaction().execute((trx) => guarded(trx, (statement) => postgresSink(client, statement), work));
  } catch (error) {
    // A COPY that failed part-way can leave the connection mid-protocol: do not give it back to the pool.
    broken = true;
    throw error;
  } finally {
    client.release(broken ? true : undefined);
  }
}

async function guarded<T>(trx: Transaction<Database>, open: OpenCopy, work: (trx: Transaction<Database>, copy: OpenCopy) => Promise<T>): Promise<T> {
  const opened: CopySink[] = [];
  const copy: OpenCopy = (statement) => {
    const sink = open(statement);
    opened.push(sink);
    return sink;
  };
  try {
    return await work(trx, copy);
  } catch (error) {
    for (const sink of opened) await sink.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

/** One field of COPY's text format back to its value: `\N` is null; backslash escapes undone. */
function copyField(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\(.)/g, (_, c: string) => ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' } as Record<string, string>)[c] ?? c);
}

/**
 * Sinks for a transaction that has no COPY connection of its own (a few rows written inside another module's
 * transaction, such as a grant made by a programme's award): the COPY text written is read back into rows and
 * inserted, so the same loading code serves a million rows and one. Not for bulk loads.
 */
export function insertingCopy(db: Kysely<Database>): OpenCopy {
  return (statement) => {
    const m = /^COPY\s+([a-z_][a-z0-9_.]*)\s*\(([^)]*)\)\s*$/i.exec(statement.trim());
    if (!m) throw new Error(`insertingCopy: not a COPY statement with a column list: ${statement}`);
    const table = m[1]!;
    const columns = m[2]!.split(',').map((c) => c.trim());
    let text = '';
    return {
      async write(piece) {
        text += typeof piece === 'string' ? piece : new TextDecoder().decode(piece);
      },
      async end() {
        const rows = text.split('\n').filter((line) => line !== '').map((line) => line.split('\t').map(copyField));
        text = '';
        for (const [i, row] of rows.entries()) {
          if (row.length !== columns.length) throw new Error(`insertingCopy: row ${i + 1} has ${row.length} fields for ${columns.length} columns`);
        }
        for (let i = 0; i < rows.length; i += 500) {
          const values = rows.slice(i, i + 500).map((row) => sql`(${sql.join(row.map((v) => sql`${v}`))})`);
          await sql`INSERT INTO ${sql.raw(table)} (${sql.raw(columns.join(', '))}) VALUES ${sql.join(values)}`.execute(db);
        }
      },
      async abort() {
        text = '';
      },
    };
  };
}
