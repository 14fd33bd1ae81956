// Backups that restore: `commonweal backup --to FILE` and `commonweal restore --from FILE`.
//
// A backup file is a short header and the engine's own dump:
//   line 1  `COMMONWEAL-BACKUP 1`
//   line 2  JSON: { engine, createdAt, migrations (the schema's applied migrations), payloadBytes, sha256 }
//   rest    PGlite: its data folder as a gzipped tar (`dumpDataDir`); a server: `pg_dump -Fc` (custom format)
// The header lets a restore refuse, before it touches anything, a file that is truncated or corrupt (length and
// SHA-256 of the payload), from the other engine, or from a newer schema than this version knows. A restore
// goes into an empty database, all or nothing: PGlite's is built in a folder beside the target and renamed into
// place; a server's runs `pg_restore --single-transaction --exit-on-error`.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { redactUrl, type Engine } from './db.ts';
import { AppError } from './errors.ts';

const magic = 'COMMONWEAL-BACKUP 1';
const migrationsDir = new URL('../migrations/', import.meta.url);

export interface BackupHeader {
  engine: Engine;
  createdAt: string;
  migrations: string[];
  payloadBytes: number;
  sha256: string;
}

/** Where a long backup or restore says how far it has got (the CLI draws it on stderr). */
export type Progress = (message: string) => void;

/** The migrations this version of Commonweal knows, by name. */
export function knownMigrations(): string[] {
  return readdirSync(migrationsDir).filter((f) => /^\d{4}-[\w-]+\.ts$/.test(f)).map((f) => f.replace(/\.ts$/, '')).sort();
}

function refuse(field: string, message: string): AppError {
  return AppError.validation([{ field, message }]);
}

/** The executable's path, or an error that says what to install. */
async function requireTool(name: 'pg_dump' | 'pg_restore'): Promise<string> {
  const found = await new Promise<boolean>((done) => {
    const child = spawn(name, ['--version'], { stdio: 'ignore' });
    child.on('error', () => done(false));
    child.on('close', (code) => done(code === 0));
  });
  if (!found) {
    throw new AppError('unprocessable', `${name} is not on PATH: a backup or restore of a PostgreSQL server uses PostgreSQL's own tools. Install the PostgreSQL client of the server's version (Debian: apt-get install postgresql-client) and try again.`);
  }
  return name;
}

/** Runs a PostgreSQL tool; its --verbose lines feed `onLine`, and a failure carries its last lines of stderr. */
function runTool(command: string, args: string[], env: NodeJS.ProcessEnv, onLine: (line: string) => void): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const tail: string[] = [];
    let partial = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        onLine(line);
        if (!/: (dumping|processing|creating|executing|reading|saving|identifying|finding|last built-in|flagging|implied|connecting|launching)/.test(line)) tail.push(line);
        if (tail.length > 10) tail.shift();
      }
    });
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done() : fail(new AppError('unprocessable', `${command} failed (exit ${code}): ${tail.join(' | ').replace(/postgres(ql)?:\/\/[^\s]*/g, (u) => redactUrl(u)) || 'no message'}`))));
  });
}

async function serverMigrations(client: pg.Client): Promise<string[]> {
  const exists = await client.query(`SELECT to_regclass('public.kysely_migration') AS t`);
  if (!exists.rows[0]?.t) return [];
  return (await client.query(`SELECT name FROM kysely_migration ORDER BY name`)).rows.map((r) => r.name as string);
}

/** Writes `header` and then `payloadPath`'s bytes to `to`, through a temporary file renamed into place. */
async function writeBackupFile(to: string, header: BackupHeader, payloadPath: string): Promise<void> {
  const partial = `${to}.partial-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(partial, `${magic}\n${JSON.stringify(header)}\n`);
    await pipeline(createReadStream(payloadPath), createWriteStream(partial, { flags: 'a' }));
    renameSync(partial, to);
  } finally {
    rmSync(partial, { force: true });
  }
}

async function sha256OfFile(path: string, start = 0): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { start })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Backs up the PGlite data folder `dataDir` (the server must not be running on it) to `to`. */
export async function backupPGlite(dataDir: string, to: string, progress: Progress = () => {}): Promise<BackupHeader> {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) throw refuse('data-dir', `${dataDir} holds no Commonweal database to back up`);
  const tmp = join(dirname(resolve(to)), `.${basename(to)}.payload-${randomBytes(4).toString('hex')}`);
  try {
    progress('dumping the data folder');
    const migrations = await inPGliteWorker<string[]>(`
      const db = new PGlite({ dataDir: workerData.dataDir });
      await db.waitReady;
      const { rows } = await db.query('SELECT name FROM kysely_migration ORDER BY name').catch(() => ({ rows: [] }));
      const dump = await db.dumpDataDir('gzip');
      require('node:fs').writeFileSync(workerData.tmp, Buffer.from(await dump.arrayBuffer()));
      await db.close();
      return rows.map((r) => r.name);`, { dataDir, tmp });
    const { sha256, bytes } = await sha256OfFile(tmp);
    const header: BackupHeader = { engine: 'pglite', createdAt: new Date().toISOString(), migrations, payloadBytes: bytes, sha256 };
    progress(`writing ${to} (${(bytes / 1048576).toFixed(1)} MB)`);
    await writeBackupFile(to, header, tmp);
    return header;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Backs up a PostgreSQL server's database with `pg_dump -Fc`. The role must be a superuser or have BYPASSRLS:
 * sealed bids are under row-level security forced even on their owner, and a dump by any other role would
 * miss them (pg_dump refuses rather than drop rows silently).
 */
export async function backupPostgres(url: string, to: string, progress: Progress = () => {}): Promise<BackupHeader> {
  const pgDump = await requireTool('pg_dump');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let migrations: string[];
  let tables: number;
  try {
    const role = (await client.query(`SELECT rolsuper OR rolbypassrls AS ok, current_user AS name FROM pg_roles WHERE rolname = current_user`)).rows[0];
    if (!role?.ok) {
      throw new AppError('unprocessable', `The role ${role?.name ?? '(unknown)'} may not read every row (sealed bids are under row-level security): back up as a superuser or a role with BYPASSRLS (DATABASE_URL, or DATABASE_OWNER_URL where it is one).`);
    }
    migrations = await serverMigrations(client);
    tables = Number((await client.query(`SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`)).rows[0].n);
  } finally {
    await client.end();
  }
  const tmp = join(dirname(resolve(to)), `.${basename(to)}.payload-${randomBytes(4).toString('hex')}`);
  try {
    let done = 0;
    progress(`dumping ${tables} tables`);
    await runTool(pgDump, ['--format=custom', '--verbose', `--file=${tmp}`, `--dbname=${url}`], process.env, (line) => {
      const table = /dumping contents of table "?([\w.]+)"?/.exec(line)?.[1];
      if (table) progress(`dumping ${table} (${(done += 1)}/${tables})`);
    });
    const { sha256, bytes } = await sha256OfFile(tmp);
    const header: BackupHeader = { engine: 'postgres', createdAt: new Date().toISOString(), migrations, payloadBytes: bytes, sha256 };
    progress(`writing ${to} (${(bytes / 1048576).toFixed(1)} MB)`);
    await writeBackupFile(to, header, tmp);
    return header;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Reads and checks a backup file's header and payload: right kind of file, whole (length and SHA-256), and of a
 * schema this version knows. Returns the header and where the payload starts. Nothing is changed.
 */
export async function checkBackupFile(from: string, engine: Engine): Promise<{ header: BackupHeader; offset: number }> {
  if (!existsSync(from) || !statSync(from).isFile()) throw refuse('from', `${from} is not a file`);
  const handle = await open(from, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead).toString('latin1');
  } finally {
    await handle.close();
  }
  const first = head.indexOf('\n');
  const second = head.indexOf('\n', first + 1);
  if (first < 0 || head.slice(0, first) !== magic || second < 0) throw refuse('from', `${from} is not a Commonweal backup (it does not start with "${magic}")`);
  let header: BackupHeader;
  try {
    header = JSON.parse(Buffer.from(head.slice(first + 1, second), 'latin1').toString('utf8')) as BackupHeader;
  } catch {
    throw refuse('from', `${from} has a damaged header (line 2 is not JSON)`);
  }
  if (header.engine !== engine) {
    throw refuse('from', `${from} is a backup of ${header.engine === 'pglite' ? 'an embedded (PGlite) database' : 'a PostgreSQL server'}; restore it with ${header.engine === 'pglite' ? 'no DATABASE_URL (into --data-dir)' : 'DATABASE_URL set to an empty database'}`);
  }
  const known = new Set(knownMigrations());
  const newer = header.migrations.filter((m) => !known.has(m));
  if (newer.length) {
    throw refuse('from', `${from} is from a newer schema than this version of Commonweal knows (migration ${newer.join(', ')}): restore it with that version or later`);
  }
  const offset = Buffer.byteLength(head.slice(0, second + 1), 'latin1');
  const { sha256, bytes } = await sha256OfFile(from, offset);
  if (bytes !== header.payloadBytes) throw refuse('from', `${from} is truncated or padded: the backup holds ${header.payloadBytes} bytes of data, the file ${bytes}`);
  if (sha256 !== header.sha256) throw refuse('from', `${from} is corrupt: its data does not match the checksum in its header`);
  return { header, offset };
}

/**
 * Restores a PGlite backup into `dataDir`, which must be empty (or not exist) unless `replace`. The database
 * is built in a folder beside it and checked, then renamed into place: a failure leaves `dataDir` as it was.
 */
export async function restorePGlite(from: string, dataDir: string, options: { replace?: boolean; progress?: Progress } = {}): Promise<BackupHeader> {
  const progress = options.progress ?? (() => {});
  progress(`checking ${from}`);
  const { header, offset } = await checkBackupFile(from, 'pglite');
  const target = resolve(dataDir);
  const occupied = existsSync(target) && readdirSync(target).length > 0;
  if (occupied && !options.replace) throw refuse('data-dir', `${dataDir} is not empty: restore into an empty folder, or pass --replace to replace the database in it`);
  const building = `${target}.restoring-${randomBytes(4).toString('hex')}`;
  mkdirSync(building, { recursive: true });
  try {
    progress('loading the data folder');
    const migrations = await loadPGliteDataDir(building, from, offset);
    if (migrations !== header.migrations.length) throw new AppError('unprocessable', `The restored database holds ${migrations} migrations, its header ${header.migrations.length}: nothing was restored`);
    progress(`moving it into ${dataDir}`);
    if (occupied) {
      const old = `${target}.replaced-${randomBytes(4).toString('hex')}`;
      renameSync(target, old);
      renameSync(building, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      rmSync(target, { recursive: true, force: true });
      renameSync(building, target);
    }
    return header;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

/**
 * Restores a server backup into the database at `url`, which must hold no tables unless `replace` (then what
 * is there is dropped first, in the same transaction). Objects come to belong to the restoring role and no
 * privileges are restored: run `commonweal db setup-roles` (or start with DATABASE_OWNER_URL) afterwards to
 * give the owner and app roles theirs.
 */
export async function restorePostgres(from: string, url: string, options: { replace?: boolean; progress?: Progress } = {}): Promise<BackupHeader> {
  const progress = options.progress ?? (() => {});
  const pgRestore = await requireTool('pg_restore');
  progress(`checking ${from}`);
  const { header, offset } = await checkBackupFile(from, 'postgres');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const n = Number((await client.query(`SELECT count(*) AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')`)).rows[0].n);
    if (n > 0 && !options.replace) throw refuse('database', `The database ${redactUrl(url)} is not empty (${n} tables and other objects): restore into an empty database, or pass --replace to replace what is in it`);
  } finally {
    await client.end();
  }
  const tmp = join(dirname(resolve(from)), `.${basename(from)}.restoring-${randomBytes(4).toString('hex')}`);
  try {
    await pipeline(createReadStream(from, { start: offset }), createWriteStream(tmp));
    let done = 0;
    const tables = await countDumpTables(pgRestore, tmp);
    if (options.replace) {
      // pg_restore --clean cannot drop a partition's inherited constraints (spend_lines): the schema is dropped
      // and made again instead, in the one transaction that restores, so a failure leaves the old database.
      progress(`replacing the database with ${tables} tables`);
      await replaceWithDump(pgRestore, url, tmp);
    } else {
      progress(`restoring ${tables} tables`);
      await runTool(pgRestore, ['--single-transaction', '--exit-on-error', '--no-owner', '--no-privileges', '--verbose', `--dbname=${url}`, tmp], process.env, (line) => {
        const table = /processing data for table "?([\w."]+)"?/.exec(line)?.[1];
        if (table) progress(`restoring ${table.replace(/"/g, '')} (${(done += 1)}/${tables})`);
      });
    }
    return header;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Runs `body` (the text of an async function of PGlite, workerData and require) in a worker thread that is
 * ended afterwards. PGlite on a data folder can keep the process alive after it is closed (seen with 0.5 after
 * loading or dumping a data folder), and the worker's memory goes with it.
 */
async function inPGliteWorker<T>(body: string, data: Record<string, unknown>): Promise<T> {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.module).then(async ({ PGlite }) => {
      try {
        const result = await (async () => { ${body} })();
        parentPort.postMessage({ result });
      } catch (error) {
        parentPort.postMessage({ error: String(error && error.message || error) });
      }
    });`;
  const worker = new Worker(code, { eval: true, workerData: { module: import.meta.resolve('@electric-sql/pglite'), ...data } });
  try {
    const answer = await new Promise<{ result?: T; error?: string }>((done, fail) => {
      worker.once('message', done);
      worker.once('error', fail);
      worker.once('exit', (exit) => fail(new Error(`The database worker stopped (exit ${exit})`)));
    });
    if (answer.error !== undefined) throw new AppError('unprocessable', answer.error);
    return answer.result as T;
  } finally {
    await worker.terminate();
  }
}

/** Loads a dumped data folder into the empty folder `dataDir` and returns how many migrations it holds. */
async function loadPGliteDataDir(dataDir: string, from: string, offset: number): Promise<number> {
  try {
    return await inPGliteWorker<number>(`
      const loadDataDir = new Blob([require('node:fs').readFileSync(workerData.from).subarray(workerData.offset)]);
      const db = new PGlite({ dataDir: workerData.dataDir, loadDataDir });
      await db.waitReady;
      const { rows } = await db.query('SELECT count(*)::int AS n FROM kysely_migration');
      await db.close();
      return rows[0].n;`, { dataDir, from, offset });
  } catch (error) {
    throw new AppError('unprocessable', `The backup's data folder does not load: ${(error as Error).message}. Nothing was restored.`);
  }
}

/** `DROP SCHEMA public CASCADE`, then the dump as SQL, through psql in one transaction that stops at an error. */
async function replaceWithDump(pgRestore: string, url: string, file: string): Promise<void> {
  const psql = await new Promise<boolean>((done) => {
    const child = spawn('psql', ['--version'], { stdio: 'ignore' });
    child.on('error', () => done(false));
    child.on('close', (code) => done(code === 0));
  });
  if (!psql) throw new AppError('unprocessable', 'psql is not on PATH: restore --replace on a server needs it (Debian: apt-get install postgresql-client); or restore into an empty database');
  await new Promise<void>((done, fail) => {
    const restore = spawn(pgRestore, ['--no-owner', '--no-privileges', '--file=-', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const apply = spawn('psql', ['--no-psqlrc', '--quiet', '--single-transaction', '--set=ON_ERROR_STOP=1', `--dbname=${url}`, '--file=-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let errors = '';
    restore.stderr.on('data', (d) => (errors += d));
    apply.stderr.on('data', (d) => (errors += d));
    apply.stdin.write('DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n');
    restore.stdout.pipe(apply.stdin);
    let restoreCode: number | null = null;
    restore.on('close', (code) => (restoreCode = code));
    restore.on('error', fail);
    apply.on('error', fail);
    apply.on('close', (code) => {
      if (code === 0 && restoreCode === 0) done();
      else fail(new AppError('unprocessable', `Replacing the database failed (pg_restore ${restoreCode}, psql ${code}); the database is as it was: ${errors.split('\n').filter((l) => /ERROR|error/.test(l)).slice(0, 3).join(' | ') || errors.slice(0, 500)}`));
    });
  });
}

async function countDumpTables(pgRestore: string, file: string): Promise<number> {
  return new Promise((done) => {
    const child = spawn(pgRestore, ['--list', file], { stdio: ['ignore', 'pipe', 'ignore'] });
    let n = 0;
    let partial = '';
    child.stdout.pipe(new Transform({
      transform(chunk, _enc, next) {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        n += lines.filter((l) => / TABLE DATA /.test(l)).length;
        next();
      },
    })).resume();
    child.on('error', () => done(0));
    child.on('close', () => done(n));
  });
}
