import { resolve } from 'node:path';

/** Everything Commonweal reads from its environment, resolved once at start-up. */
export interface Config {
  port: number;
  host: string;
  /** PostgreSQL server URL; when absent, the embedded PGlite database in `dataDir` is used. */
  databaseUrl: string | null;
  /** The role that owns the schema (DATABASE_OWNER_URL): migrations run through it, and it grants the app's role
   * (DATABASE_URL's) what the app needs. Absent: DATABASE_URL migrates too (see platform/roles.ts). */
  databaseOwnerUrl: string | null;
  /** A role the app takes (SET ROLE) on every connection after migrating (DATABASE_APP_ROLE), for a DATABASE_URL
   * that is the owner's or a superuser's. */
  databaseAppRole: string | null;
  /** Connections the app keeps open to the PostgreSQL server (DATABASE_POOL_SIZE; default 8). More is not
   * faster: past a few per core the server spends its time switching between them (see bench/RESULTS.md). */
  databasePoolSize: number;
  dataDir: string;
  /** `serve` on PGlite leaves V8 to compile PGlite's WebAssembly its default way (COMMONWEAL_PGLITE_BASELINE=1;
   * otherwise a server compiles it for speed and memory from the start: see optimisePGliteCode). */
  pgliteBaselineCompiler: boolean;
  /** Public URL of the site, used in emails and feeds. */
  baseUrl: string;
  /** Set the Secure flag on the session cookie (on by default when baseUrl is https). */
  secureCookies: boolean;
  /** SMTP connection URL (smtp://user:pass@host:port); without it email stays in the outbox. */
  smtpUrl: string | null;
  mailFrom: string;
  logLevel: string;
  /** Show the outbox to administrators in the app (development and demo). */
  env: 'development' | 'production' | 'test';
}

export interface ConfigOverrides {
  dataDir?: string;
  port?: number;
  host?: string;
  databaseUrl?: string | null;
}

function intFrom(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${value}"`);
  return n;
}

function poolSizeFrom(value: string | undefined): number {
  if (value === undefined || value === '') return 8;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error(`DATABASE_POOL_SIZE must be a whole number from 1 to 1000, got "${value}"`);
  return n;
}

function roleFrom(value: string | undefined): string | null {
  if (!value) return null;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value)) throw new Error(`DATABASE_APP_ROLE must be a role name of lower-case letters, digits and _, got "${value}"`);
  return value;
}

/** Reads the configuration from environment variables, with command-line overrides taking precedence. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Config {
  const port = overrides.port ?? intFrom(env.PORT, 'PORT', 3000);
  const host = overrides.host ?? env.HOST ?? '0.0.0.0';
  const baseUrl = (env.COMMONWEAL_BASE_URL ?? `http://localhost:${port}`).replace(/\/$/, '');
  const nodeEnv = env.NODE_ENV === 'production' ? 'production' : env.NODE_ENV === 'test' ? 'test' : 'development';
  return {
    port,
    host,
    databaseUrl: overrides.databaseUrl !== undefined ? overrides.databaseUrl : env.DATABASE_URL || null,
    databaseOwnerUrl: env.DATABASE_OWNER_URL || null,
    databaseAppRole: roleFrom(env.DATABASE_APP_ROLE),
    databasePoolSize: poolSizeFrom(env.DATABASE_POOL_SIZE),
    dataDir: resolve(overrides.dataDir ?? env.COMMONWEAL_DATA_DIR ?? 'data'),
    pgliteBaselineCompiler: env.COMMONWEAL_PGLITE_BASELINE === '1',
    baseUrl,
    secureCookies: env.COMMONWEAL_SECURE_COOKIES ? env.COMMONWEAL_SECURE_COOKIES === '1' : baseUrl.startsWith('https:'),
    smtpUrl: env.SMTP_URL || null,
    mailFrom: env.MAIL_FROM ?? 'Commonweal <no-reply@commonweal.localhost>',
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    env: nodeEnv,
  };
}
