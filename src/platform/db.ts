import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import {
  Kysely,
  PGliteDialect,
  PostgresDialect,
  type DatabaseConnection,
  type Driver,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import type { Database } from '../database.ts';
import type { DatabaseRole } from './roles.ts';

export type Engine = 'pglite' | 'postgres';

/** The database handle, or a transaction on it: repository functions accept either. */
export type Db = Kysely<Database> | Transaction<Database>;

export interface DatabaseHandle {
  db: Kysely<Database>;
  engine: Engine;
  /** Where the data lives, for messages: a folder for PGlite, the server URL without password for PostgreSQL. */
  location: string;
  /** Runs COPY … FROM STDIN-equivalent bulk loads; see copyFrom. */
  pglite: PGlite | null;
  pool: pg.Pool | null;
  /** On a PostgreSQL server, the role the app runs as, once known (platform/roles.ts). */
  role?: DatabaseRole;
  close(): Promise<void>;
}

const INT8 = 20;
const DATE = 1082;

/**
 * bigint columns (money in pence, counts) come back as JS numbers, which hold every integer exactly up to
 * 2^53 (90 trillion pounds in pence). Beyond that we refuse rather than round.
 */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint value ${text} is beyond the exact integer range`);
  return n;
}

/** Dates stay as 'YYYY-MM-DD' strings: a JS Date would shift them by the server's time zone. */
const parseDate = (text: string): string => text;

class Mutex {
  #tail: Promise<void> = Promise.resolve();
  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const acquired = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return acquired;
  }
}

/**
 * PGlite is a single connection. Kysely's PGlite driver hands that one connection to every caller at once, so
 * two concurrent requests could interleave inside one transaction. This driver serialises access: a caller
 * holds the connection from acquire to release (for a transaction, from BEGIN to COMMIT).
 */
class SerialisedDriver implements Driver {
  #inner: Driver;
  #mutex = new Mutex();
  #releases = new Map<DatabaseConnection, () => void>();
  constructor(inner: Driver) {
    this.#inner = inner;
  }
  init() {
    return this.#inner.init();
  }
  async acquireConnection() {
    const release = await this.#mutex.lock();
    const connection = await this.#inner.acquireConnection();
    this.#releases.set(connection, release);
    return connection;
  }
  async releaseConnection(connection: DatabaseConnection) {
    await this.#inner.releaseConnection(connection);
    const release = this.#releases.get(connection);
    this.#releases.delete(connection);
    release?.();
  }
  beginTransaction(...args: Parameters<Driver['beginTransaction']>) {
    return this.#inner.beginTransaction(...args);
  }
  commitTransaction(connection: DatabaseConnection) {
    return this.#inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection) {
    return this.#inner.rollbackTransaction(connection);
  }
  savepoint(...args: Parameters<NonNullable<Driver['savepoint']>>) {
    return this.#inner.savepoint!(...args);
  }
  rollbackToSavepoint(...args: Parameters<NonNullable<Driver['rollbackToSavepoint']>>) {
    return this.#inner.rollbackToSavepoint!(...args);
  }
  releaseSavepoint(...args: Parameters<NonNullable<Driver['releaseSavepoint']>>) {
    return this.#inner.releaseSavepoint!(...args);
  }
  destroy() {
    return this.#inner.destroy();
  }
}

class SerialisedPGliteDialect extends PGliteDialect {
  override createDriver(): Driver {
    return new SerialisedDriver(super.createDriver());
  }
}

/** Opens the embedded database; `dataDir` null keeps it in memory (tests). */
export async function openPGlite(dataDir: string | null): Promise<DatabaseHandle> {
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await createPGliteDataDir(dataDir);
  }
  return openPGliteFrom({ dataDir: dataDir ?? undefined });
}

/**
 * Creates a data folder in a worker thread of its own. PGlite runs initdb (a second WebAssembly instance) the
 * first time a folder is opened, and the process then held ~600 MB it never gave back; a worker's memory goes
 * when it ends, so the instance opened after starts at ~200 MB.
 */
async function createPGliteDataDir(dataDir: string): Promise<void> {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.module).then(async ({ PGlite }) => {
      const db = new PGlite({ dataDir: workerData.dataDir });
      await db.waitReady;
      await db.close();
      parentPort.postMessage('ready');
    });`;
  await new Promise<void>((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { module: import.meta.resolve('@electric-sql/pglite'), dataDir } });
    let ready = false;
    worker.once('message', () => {
      ready = true;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => (ready ? resolve() : reject(new Error(`Creating the database in ${dataDir} failed (worker exit ${code})`))));
  });
}

/**
 * Settings PGlite starts with, beyond its own. shared_buffers: PGlite's memory (WebAssembly) only grows, and the
 * default 128 MB of buffers filled by any large import stays in the process for good; the data folder's files
 * are cached by the operating system either way. Measured on a million-line spend import: 16 MB against 32 MB
 * took the same time (18.0–18.3 s against 17.7–18.1 s), answered the first explorer views as fast, and peaked
 * 40–60 MB lower.
 */
const PGLITE_SETTINGS = ['shared_buffers=16MB'];

/**
 * For a long-running process on PGlite (the server): V8 compiles PGlite's WebAssembly with its optimising
 * compiler only, instead of a quick baseline first and the optimising compiler again for the code that turns
 * out hot. Both compilations stay in memory; measured on a million-line spend import, the baseline-first
 * default peaked at 644 MB and took 21.5 s, optimising only at 523 MB and 20.4 s. The price is start-up:
 * opening PGlite takes ~1.6 s longer, which a short CLI command would feel and a server does not. Applies to
 * the whole process; call it before the first PGlite opens.
 */
export function optimisePGliteCode(): void {
  v8.setFlagsFromString('--no-liftoff');
}

/** Opens PGlite with the given options (e.g. `loadDataDir`, a dumped data directory), with our type parsers. */
export async function openPGliteFrom(options: { dataDir?: string; loadDataDir?: Blob }): Promise<DatabaseHandle> {
  const dataDir = options.dataDir ?? null;
  const defaults = (PGlite as unknown as { defaultStartParams?: string[] }).defaultStartParams ?? [];
  // Only alongside PGlite's own start parameters (single-user mode and the rest), never instead of them.
  const startParams = defaults.length ? [...defaults, ...PGLITE_SETTINGS.flatMap((setting) => ['-c', setting])] : undefined;
  const pglite = new PGlite({ ...options, ...(startParams ? { startParams } : {}), parsers: { [INT8]: parseInt8, [DATE]: parseDate } });
  await pglite.waitReady;
  const db = new Kysely<Database>({ dialect: new SerialisedPGliteDialect({ pglite }) });
  return {
    db,
    engine: 'pglite',
    location: dataDir ?? 'memory',
    pglite,
    pool: null,
    close: () => db.destroy(),
  };
}

/** Opens a pool on a PostgreSQL server. */
export function openPostgres(url: string, options: { max?: number; onIdleError?: (error: Error) => void; role?: string | null } = {}): DatabaseHandle {
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8) return parseInt8;
      if (oid === DATE) return parseDate;
      return pg.types.getTypeParser(oid, format);
    },
  };
  // `role`: every connection takes that role from its start (the server refuses the connection if it cannot).
  const pool = new pg.Pool({
    connectionString: url, max: options.max ?? 10, types: types as pg.CustomTypesConfig,
    ...(options.role ? { options: `-c role=${options.role}` } : {}),
  });
  // An idle client whose server connection drops (a restart, a failover) emits 'error' on the pool; unhandled,
  // that would end the process. The pool replaces the client on next use.
  pool.on('error', options.onIdleError ?? ((error) => process.stderr.write(`database connection lost: ${error.message}\n`)));
  // A client in use whose connection drops also emits 'error', and pg-pool listens only while a client is idle:
  // unheard, that error would end the process. The query in flight already fails with it (a 503), and the pool
  // drops the client when it is released (it is no longer queryable), so here it only needs hearing.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    engine: 'postgres',
    location: redactUrl(url),
    pglite: null,
    pool,
    close: () => db.destroy(),
  };
}

/** A name as an SQL identifier, quoted. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return 'postgres server';
  }
}

/** Opens whichever engine the configuration names. */
export async function openDatabase(config: { databaseUrl: string | null; dataDir: string; databasePoolSize?: number }): Promise<DatabaseHandle> {
  return config.databaseUrl ? openPostgres(config.databaseUrl, { max: config.databasePoolSize }) : openPGlite(config.dataDir);
}

/**
 * Whether an error means the database cannot be reached (closed, refused, gone, shutting down), as opposed to a
 * fault in a query: the first is 503 "try again", the second a 500.
 */
export function isUnavailable(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth += 1) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004', '53300'].includes(code)) return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (/PGlite instance is (already )?closed|driver has already been destroyed|Cannot use a pool after calling end|Connection terminated|connection .*closed|database system is shutting down|not queryable|timeout exceeded when trying to connect/i.test(message)) return true;
  }
  return false;
}
