// Bulk loading grant versions with COPY, inside the one transaction that carries every other write of an import,
// so a failed import leaves nothing behind (the same technique as spend's loader, for this module's table).
//
// - PGlite: `COPY … FROM '/dev/blob'` with `{ blob }`, through the transaction object PGlite's own transaction()
//   hands out, in pieces of about a megabyte so memory stays flat.
// - PostgreSQL: one client from the pool, `COPY … FROM STDIN` through pg-copy-streams, with backpressure.
// Either way a Kysely instance bound to that one connection runs the import's other statements.
import { Kysely, PGliteDialect, PostgresDialect, type Insertable, type Transaction } from 'kysely';
import type { PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite';
import type pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import type { Database } from '../database.ts';
import type { DatabaseHandle } from '../platform/db.ts';
import type { GrantsGrantsTable } from './grants.table.ts';

type Row = Insertable<GrantsGrantsTable>;
const COLUMNS = ['organisation_id', 'grant_id', 'version', 'file_id', 'title', 'description', 'amount_minor', 'currency', 'award_date', 'funder_org_id', 'funder_name',
  'recipient_org_id', 'recipient_name', 'recipient_type', 'programme', 'regrant_type', 'related_activity', 'location_code', 'location_code_type', 'location_name',
  'location_postcode', 'location_source', 'location_precision', 'small_area_code', 'la_code', 'raw'] as const satisfies readonly (keyof Row)[];
const COPY = `COPY grants_grants (${COLUMNS.join(', ')})`;

/** A value in COPY's text format: \N for null; backslash, tab and line breaks escaped. */
function field(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const s = String(v);
  return /[\\\t\n\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}
const arrayLiteral = (items: readonly string[]) => `{${items.map((x) => `"${x.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

/** One grant version as a line of COPY text. */
export function copyLine(r: Row): string {
  let line = '';
  for (let i = 0; i < COLUMNS.length; i++) {
    const c = COLUMNS[i]!;
    const v = c === 'related_activity' ? arrayLiteral((r.related_activity ?? []) as string[]) : r[c];
    line += (i ? '\t' : '') + field(v);
  }
  return `${line}\n`;
}

/** Writes grant versions; end() once the last is written. */
export interface GrantsSink {
  write(rows: readonly Row[]): Promise<void>;
  end(): Promise<void>;
}

const PIECE = 1024 * 1024;

function pgliteSink(tx: PGliteTransaction): GrantsSink {
  let parts: string[] = [];
  let size = 0;
  const flush = async () => {
    if (size === 0) return;
    const blob = new Blob(parts);
    parts = [];
    size = 0;
    await tx.query(`${COPY} FROM '/dev/blob'`, [], { blob });
  };
  return {
    async write(rows) {
      for (const r of rows) {
        const line = copyLine(r);
        parts.push(line);
        size += line.length;
        if (size >= PIECE) await flush();
      }
    },
    end: flush,
  };
}

function postgresSink(client: pg.PoolClient): GrantsSink & { abort(e: Error): Promise<void> } {
  let stream: ReturnType<typeof copyFromStdin> | null = null;
  let failure: Error | null = null;
  const open = () => {
    if (!stream) {
      stream = client.query(copyFromStdin(`${COPY} FROM STDIN`));
      stream.on('error', (error: Error) => { failure = error; });
    }
    return stream;
  };
  return {
    async write(rows) {
      if (failure) throw failure;
      const s = open();
      let text = '';
      for (const r of rows) text += copyLine(r);
      if (!s.write(text) && s.writableLength > 8 * PIECE) {
        await new Promise<void>((resolve, reject) => {
          const onDrain = () => { s.off('error', onError); resolve(); };
          const onError = (error: Error) => { s.off('drain', onDrain); reject(error); };
          s.once('drain', onDrain);
          s.once('error', onError);
        });
      }
    },
    async end() {
      if (failure) throw failure;
      if (!stream) return;
      const s = stream;
      stream = null;
      await new Promise<void>((resolve, reject) => {
        s.once('finish', resolve);
        s.once('error', reject);
        s.end();
      });
      if (failure) throw failure;
    },
    async abort(error) {
      if (!stream) return;
      const s = stream;
      stream = null;
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.destroy(error);
      });
    },
  };
}

/**
 * Runs `work` in one transaction on a connection of its own, with a COPY sink into grants_grants. Commits when
 * `work` returns, rolls everything back when it throws.
 */
export async function withGrantsCopy<T>(handle: DatabaseHandle, work: (trx: Transaction<Database>, sink: GrantsSink) => Promise<T>): Promise<T> {
  if (handle.pglite) {
    return handle.pglite.transaction(async (tx) => {
      const bound = {
        closed: false, ready: true, waitReady: Promise.resolve(),
        query: (query: string, params?: unknown[], options?: Record<string, unknown>) => tx.query(query, params, options),
        transaction: async (callback: (t: PGliteTransaction) => Promise<unknown>) => callback(tx),
        close: async () => {},
      };
      const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite: bound as unknown as PGlite }) });
      return db.transaction().execute((trx) => work(trx, pgliteSink(tx)));
    }) as Promise<T>;
  }
  if (!handle.pool) throw new Error('No database connection');
  const client = await handle.pool.connect();
  let broken = false;
  const sink = postgresSink(client);
  try {
    const single = { connect: async () => ({ query: client.query.bind(client), release() {} }), end: async () => {} };
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: single as unknown as pg.Pool }) });
    return await db.transaction().execute(async (trx) => {
      try {
        return await work(trx, sink);
      } catch (error) {
        await sink.abort(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
    });
  } catch (error) {
    broken = true; // a COPY that failed part-way can leave the connection mid-protocol
    throw error;
  } finally {
    client.release(broken ? true : undefined);
  }
}
