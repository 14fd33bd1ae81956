// Test support: every database test runs on PGlite and, where DATABASE_URL is set, on that PostgreSQL server
// too, in a database of its own that is created for the test file and dropped after it.
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, before, after } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import pg from 'pg';
import { loadConfig } from './config.ts';
import { openPGliteFrom, openPostgres, type DatabaseHandle, type Db, type Engine } from './db.ts';
import { cliActor } from './actor.ts';
import { createApiToken, registerUser } from './auth/auth.service.ts';
import { migrateToLatest } from './migrate.ts';
import { describeRole, grantAppRole } from './roles.ts';
import type { App, AppContext } from './module.ts';
import { createApp, createContext, createLogger } from '../app.ts';
import type { Database } from '../database.ts';

/** The engines this run tests on. REQUIRE_POSTGRES=1 without DATABASE_URL is a failure, not a skip. */
export function testEngines(): Engine[] {
  if (process.env.DATABASE_URL) return ['pglite', 'postgres'];
  if (process.env.REQUIRE_POSTGRES === '1') {
    throw new Error('REQUIRE_POSTGRES=1 but DATABASE_URL is not set: database tests must also run on PostgreSQL');
  }
  return ['pglite'];
}

const migrationsDir = new URL('../migrations/', import.meta.url);

/** A migrated PGlite data directory, made once and reused by every test process until a migration changes. */
async function migratedTemplate(): Promise<Blob> {
  const hash = createHash('sha256');
  for (const f of readdirSync(migrationsDir).sort()) hash.update(f).update(readFileSync(new URL(f, migrationsDir)));
  const path = join(tmpdir(), `commonweal-pglite-template-${hash.digest('hex').slice(0, 16)}.tar`);
  if (!existsSync(path)) {
    const pglite = new PGlite();
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
    await migrateToLatest(db);
    const dump = await pglite.dumpDataDir('none');
    const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path); // atomic: a concurrent test process sees all of it or none
    await db.destroy();
  }
  return new Blob([readFileSync(path)]);
}

async function openTestPGlite(): Promise<DatabaseHandle> {
  return openPGliteFrom({ loadDataDir: await migratedTemplate() });
}

/**
 * Opens a fresh, migrated database on `engine`; close() also drops a server database. On a server the database
 * belongs to an owner role of its own, which migrates it, and the handle connects as an ordinary app role
 * granted by it (platform/roles.ts), as in production: the database's rules bind every test. Both roles are made
 * for this database alone (roles are the server's, shared by concurrent test processes) and dropped with it.
 * `url` is the app role's connection, `ownerUrl` the owner's.
 */
export async function openTestDatabase(engine: Engine): Promise<DatabaseHandle & { url?: string; ownerUrl?: string }> {
  if (engine === 'pglite') return openTestPGlite();
  const server = process.env.DATABASE_URL!;
  const name = `cw_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const roles = { owner: `${name}_owner`, app: `${name}_app` };
  const passwords = { owner: randomBytes(16).toString('hex'), app: randomBytes(16).toString('hex') };
  const urlFor = (role: 'owner' | 'app') => {
    const url = new URL(server);
    url.username = roles[role];
    url.password = passwords[role];
    url.pathname = `/${name}`;
    return url.toString();
  };
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${roles.owner} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${passwords.owner}'`);
    await admin.query(`CREATE ROLE ${roles.app} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '${passwords.app}'`);
    await admin.query(`CREATE DATABASE ${name} OWNER ${roles.owner}`);
  } finally {
    await admin.end();
  }
  const drop = async () => {
    const dropper = new pg.Client({ connectionString: server });
    await dropper.connect();
    try {
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.query(`DROP ROLE IF EXISTS ${roles.app}`);
      await dropper.query(`DROP ROLE IF EXISTS ${roles.owner}`);
    } finally {
      await dropper.end();
    }
  };
  let handle: DatabaseHandle;
  try {
    const owner = openPostgres(urlFor('owner'), { max: 1, onIdleError: () => {} });
    try {
      await migrateToLatest(owner.db);
      await grantAppRole(owner.db, roles.app);
    } finally {
      await owner.close();
    }
    handle = openPostgres(urlFor('app'), { max: 5, onIdleError: () => {} });
    handle.role = await describeRole(handle.db);
  } catch (error) {
    await drop();
    throw error;
  }
  const close = handle.close;
  return {
    ...handle,
    url: urlFor('app'),
    ownerUrl: urlFor('owner'),
    async close() {
      // Dropped even when the pool was already ended (a CLI workspace ends it early, and ending it twice throws).
      try {
        await close();
      } finally {
        await drop();
      }
    },
  };
}

/** A full application context on a fresh test database. */
export async function openTestContext(engine: Engine, env: Record<string, string> = {}): Promise<AppContext> {
  const config = { ...loadConfig({ NODE_ENV: 'test', ...env }), dataDir: 'unused-in-tests' };
  const handle = await openTestDatabase(engine);
  return createContext(config, createLogger({ logLevel: process.env.TEST_LOG_LEVEL ?? 'silent' }), handle);
}

/**
 * Declares a suite once per engine. `setup()` returns the context (and app) made for that engine's suite.
 * Usage: `eachEngine('organisations', (t) => { it('…', async () => { const { ctx, app } = t(); … }) })`.
 */
export function eachEngine(name: string, body: (get: () => { ctx: AppContext; app: App; engine: Engine }) => void, options: { app?: boolean } = {}): void {
  for (const engine of testEngines()) {
    describe(`${name} [${engine}]`, () => {
      let state: { ctx: AppContext; app: App; engine: Engine } | null = null;
      before(async () => {
        const ctx = await openTestContext(engine);
        const app = options.app === false ? (null as unknown as App) : await createApp(ctx);
        state = { ctx, app, engine };
      });
      after(async () => {
        await state?.app?.close();
        await state?.ctx.handle.close();
      });
      body(() => {
        if (!state) throw new Error('test context not ready');
        return state;
      });
    });
  }
}


export interface MultipartFile {
  /** The form field; `file` unless given. */
  name?: string;
  /** Empty, with empty content, is what a browser sends when no file was chosen. */
  filename: string;
  content: string | Buffer;
}

/** A multipart/form-data body as a browser sends it: text fields (repeated for arrays), then optionally one file. */
export function multipartBody(fields: Record<string, string | string[]>, file?: MultipartFile): { payload: Buffer; contentType: string } {
  const boundary = '----commonweal-test-boundary';
  const parts: Buffer[] = Object.entries(fields).flatMap(([k, v]) => ([] as string[]).concat(v)
    .map((x) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${x}\r\n`)));
  if (file) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name ?? 'file'}"; filename="${file.filename}"\r\nContent-Type: ${file.filename ? 'text/csv' : 'application/octet-stream'}\r\n\r\n`),
      Buffer.from(file.content), Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Drives the app like a browser without JavaScript: keeps the session cookie, and fills in the CSRF token
 * from the last page it read when it submits a form.
 */
export class TestAgent {
  cookie: string | null = null;
  csrf: string | null = null;
  constructor(readonly app: App, readonly ip = '127.0.0.1') {}

  private remember(res: { headers: Record<string, unknown>; body: string }) {
    const setCookie = res.headers['set-cookie'];
    for (const c of ([] as string[]).concat((setCookie as string | string[] | undefined) ?? [])) {
      const [pair] = c.split(';');
      const [name, value] = pair!.split('=');
      if (name === 'cw_session') this.cookie = value ? value : null;
      if (/Expires=Thu, 01 Jan 1970/i.test(c) || /Max-Age=0/i.test(c)) this.cookie = null;
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) this.csrf = m[1]!;
  }

  async get(url: string, headers: Record<string, string> = {}) {
    const res = await this.app.inject({ method: 'GET', url, remoteAddress: this.ip, headers: { ...(this.cookie ? { cookie: `cw_session=${this.cookie}` } : {}), ...headers } });
    this.remember(res);
    return res;
  }

  /** Submits a multipart form (with a file), with the CSRF token unless `csrf` is given (null sends none). */
  async postMultipart(url: string, fields: Record<string, string | string[]>, file?: MultipartFile, options: { csrf?: string | null } = {}) {
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    const { payload, contentType } = multipartBody({ ...(csrf ? { _csrf: csrf } : {}), ...fields }, file);
    const res = await this.app.inject({
      method: 'POST', url, remoteAddress: this.ip, payload,
      headers: { 'content-type': contentType, ...(this.cookie ? { cookie: `cw_session=${this.cookie}` } : {}) },
    });
    this.remember(res);
    return res;
  }

  /**
   * Registers as a person does: the form, the confirmation link from the outbox, and the confirming form; ends
   * signed in. Returns the last response (303 to the account page).
   */
  async register(db: Db, person: { name: string; email: string; password: string }) {
    await this.get('/register');
    const sent = await this.post('/register', person);
    if (sent.statusCode !== 200) throw new Error(`registration refused (${sent.statusCode}): ${sent.body.slice(0, 500)}`);
    const mail = await db.selectFrom('outbox').select('body_text').where('to_address', '=', person.email.trim().toLowerCase())
      .where('kind', '=', 'registration-confirm').orderBy('id', 'desc').executeTakeFirst();
    const token = /\/register\/confirm\?token=([\w-]+)/.exec(mail?.body_text ?? '')?.[1];
    if (!token) throw new Error(`no confirmation email reached ${person.email}`);
    await this.get(`/register/confirm?token=${token}`);
    return this.post('/register/confirm', { token });
  }

  /** Submits a urlencoded form, with the CSRF token unless `csrf` is given (null sends none). */
  async post(url: string, form: Record<string, string>, options: { csrf?: string | null } = {}) {
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    const res = await this.app.inject({
      method: 'POST', url, remoteAddress: this.ip,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(this.cookie ? { cookie: `cw_session=${this.cookie}` } : {}) },
      payload: new URLSearchParams({ ...form, ...(csrf ? { _csrf: csrf } : {}) }).toString(),
    });
    this.remember(res);
    return res;
  }
}

/** A browser-like agent signed in as `email` (the password the test helpers give everyone), from address `ip`. */
export async function signedInAgent(app: App, email: string, ip: string, password = 'a long enough password'): Promise<TestAgent> {
  const agent = new TestAgent(app, ip);
  await agent.get('/sign-in');
  const res = await agent.post('/sign-in', { email, password });
  if (res.statusCode !== 303) throw new Error(`could not sign in ${email}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return agent;
}

const cliBin = new URL('../../bin/commonweal.js', import.meta.url).pathname;

/** Runs the `commonweal` command as a person would, in a child process; DATABASE_URL only if `env` sets it. */
export function runCli(args: string[], env: Record<string, string | undefined>, stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], { env: { ...process.env, DATABASE_URL: undefined, DATABASE_OWNER_URL: undefined, DATABASE_APP_ROLE: undefined, DATABASE_REPLICA_URL: undefined, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/**
 * A place for CLI tests to work: a temp data folder for PGlite, or a fresh server database (its URL in
 * `env.DATABASE_URL`) for PostgreSQL. `close()` removes both.
 */
export async function openCliWorkspace(engine: Engine): Promise<{ dir: string; env: Record<string, string | undefined>; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-cli-'));
  const env: Record<string, string | undefined> = { COMMONWEAL_DATA_DIR: undefined };
  let dropDatabase = async () => {};
  if (engine === 'postgres') {
    const handle = await openTestDatabase('postgres');
    env.DATABASE_URL = handle.url;
    env.DATABASE_OWNER_URL = handle.ownerUrl;
    await handle.pool!.end().catch(() => {});
    dropDatabase = async () => handle.close().catch(() => {});
  }
  return {
    dir, env,
    async close() {
      await dropDatabase();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CliWorkspace {
  dir: string;
  env: Record<string, string | undefined>;
  engine: Engine;
  /** `commonweal …args --json --data-dir DIR`; `json` is stdout parsed, or null when stdout is empty or not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; json: any }>;
  /** The same, with `stdin` piped in. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  runWith(stdin: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string; json: any }>;
}

/**
 * A CLI test suite on every engine, each in a workspace of its own (see openCliWorkspace):
 * `describeCli('the x command line', (ws) => { it('…', async () => { const { run } = ws(); … }) })`.
 */
export function describeCli(name: string, body: (workspace: () => CliWorkspace) => void): void {
  for (const engine of testEngines()) {
    describe(`${name} [${engine}]`, () => {
      let workspace: CliWorkspace | undefined;
      let close = async () => {};
      before(async () => {
        const opened = await openCliWorkspace(engine);
        close = opened.close;
        const { dir, env } = opened;
        const runWith = async (stdin: string, ...args: string[]) => {
          const r = await runCli([...args, '--json', '--data-dir', dir], env, stdin);
          let json = null;
          try {
            json = r.stdout ? JSON.parse(r.stdout) : null;
          } catch {
            json = null;
          }
          return { ...r, json };
        };
        workspace = { dir, env, engine, runWith, run: (...args) => runWith('', ...args) };
      });
      after(() => close());
      body(() => {
        if (!workspace) throw new Error('The CLI workspace is opened in before(); use it inside a test.');
        return workspace;
      });
    });
  }
}

/** A registered person with an API token, and the header that sends it. */
export async function userWithToken(db: Db, email: string, password = 'a long enough password') {
  const user = await registerUser(db, cliActor, { email, name: email.split('@')[0]!, password });
  const { token } = await createApiToken(db, cliActor, { userId: user.id, name: 'test' });
  return { user, token, auth: { authorization: `Bearer ${token}` } };
}
