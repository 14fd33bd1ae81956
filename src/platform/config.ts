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
  /** The largest file an import reads, decompressed (COMMONWEAL_IMPORT_MAX_BYTES; default 2 GiB); per publisher, a site administrator may set another. */
  importMaxBytes: number;
  /** The most physical lines an imported file may have (COMMONWEAL_IMPORT_MAX_LINES; default 5,000,000). */
  importMaxLines: number;
  /** Which proxies in front of the app are believed about the client's address (TRUST_PROXY): a number of
   * hops, or a list of proxy addresses and CIDR ranges; false (the default) believes none. */
  trustProxy: number | string[] | false;
  /** File uploads read at once from one client address, and in all, by this process (COMMONWEAL_UPLOADS_PER_CLIENT,
   * COMMONWEAL_UPLOADS_TOTAL). One more is refused with 429 (that client) or 503 (everyone) until one finishes. */
  uploadsPerClient: number;
  uploadsTotal: number;
  /** Show the outbox to administrators in the app (development and demo). */
  env: 'development' | 'production' | 'test';
  /** Days an upload waits as a draft for its publisher to check and publish it before it expires and is
   * cleaned up (COMMONWEAL_DRAFT_DAYS; default 14). */
  draftDays: number;
  /** A PostgreSQL hot standby (DATABASE_REPLICA_URL): /healthz reports it beside the primary. */
  databaseReplicaUrl: string | null;
  /** The bearer token /metrics asks for (METRICS_TOKEN); without one, /metrics answers only the machine itself
   * (a connection from a loopback address, whatever TRUST_PROXY says). */
  metricsToken: string | null;
  /** Seconds `serve --workers N` gives its workers, after SIGTERM, to finish the requests in flight before it
   * kills them (COMMONWEAL_SHUTDOWN_GRACE_SECONDS; default 15). */
  shutdownGraceSeconds: number;
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

function limitFrom(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a whole number of 1 or more, got "${value}"`);
  return n;
}

function poolSizeFrom(value: string | undefined): number {
  if (value === undefined || value === '') return 8;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error(`DATABASE_POOL_SIZE must be a whole number from 1 to 1000, got "${value}"`);
  return n;
}

function countFrom(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 10000) throw new Error(`${name} must be a whole number from 1 to 10000, got "${value}"`);
  return n;
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * TRUST_PROXY: empty, a number of proxy hops in front of the app (`1`: one reverse proxy, which appends the
 * address it saw to X-Forwarded-For), or a comma-separated list of proxy addresses and CIDR ranges
 * (`10.0.0.0/8,::1`). `true` is refused: believing every hop lets a client choose its own address.
 */
export function trustProxyFrom(value: string | undefined): number | string[] | false {
  if (value === undefined || value.trim() === '' || value.trim() === '0') return false;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n > 20) throw new Error(`TRUST_PROXY must be a number of proxy hops (1 to 20) or a list of proxy addresses, got "${value}"`);
    return n;
  }
  const entries = text.split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, prefix, ...rest] = entry.split('/');
    const v4 = ipv4.test(address ?? '');
    const v6 = !v4 && /^[0-9a-f:.]+$/i.test(address ?? '') && (address ?? '').includes(':');
    const maxPrefix = v4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= maxPrefix);
    if ((!v4 && !v6) || !prefixOk || rest.length) {
      throw new Error(`TRUST_PROXY must be a number of proxy hops or a comma-separated list of proxy addresses or CIDR ranges (10.0.0.0/8); "${entry}" is neither`);
    }
  }
  return entries;
}

function draftDaysFrom(value: string | undefined): number {
  if (value === undefined || value === '') return 14;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 365) throw new Error(`COMMONWEAL_DRAFT_DAYS must be a whole number of days from 1 to 365, got "${value}"`);
  return n;
}

function roleFrom(value: string | undefined): string | null {
  if (!value) return null;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value)) throw new Error(`DATABASE_APP_ROLE must be a role name of lower-case letters, digits and _, got "${value}"`);
  return value;
}

function graceFrom(value: string | undefined): number {
  if (value === undefined || value === '') return 15;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3600) throw new Error(`COMMONWEAL_SHUTDOWN_GRACE_SECONDS must be a whole number of seconds from 1 to 3600, got "${value}"`);
  return n;
}

function metricsTokenFrom(value: string | undefined): string | null {
  if (!value) return null;
  if (value.length < 16 || /\s/.test(value)) throw new Error('METRICS_TOKEN must be at least 16 characters with no spaces');
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
    trustProxy: trustProxyFrom(env.TRUST_PROXY),
    uploadsPerClient: countFrom(env.COMMONWEAL_UPLOADS_PER_CLIENT, 'COMMONWEAL_UPLOADS_PER_CLIENT', 2),
    uploadsTotal: countFrom(env.COMMONWEAL_UPLOADS_TOTAL, 'COMMONWEAL_UPLOADS_TOTAL', 8),
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    importMaxBytes: limitFrom(env.COMMONWEAL_IMPORT_MAX_BYTES, 'COMMONWEAL_IMPORT_MAX_BYTES', 2 * 1024 ** 3),
    importMaxLines: limitFrom(env.COMMONWEAL_IMPORT_MAX_LINES, 'COMMONWEAL_IMPORT_MAX_LINES', 5_000_000),
    env: nodeEnv,
    draftDays: draftDaysFrom(env.COMMONWEAL_DRAFT_DAYS),
    databaseReplicaUrl: env.DATABASE_REPLICA_URL || null,
    metricsToken: metricsTokenFrom(env.METRICS_TOKEN),
    shutdownGraceSeconds: graceFrom(env.COMMONWEAL_SHUTDOWN_GRACE_SECONDS),
  };
}
