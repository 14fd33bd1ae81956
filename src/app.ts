import { pino, type Logger } from 'pino';
import type { Config } from './platform/config.ts';
import { openPostgres, type DatabaseHandle } from './platform/db.ts';
import { routedDatabase } from './platform/replica.ts';
import { migrateOrCheck, openDatabaseForApp, roleWarning } from './platform/roles.ts';
import { buildApp } from './platform/http.ts';
import { redactUrl } from './platform/redact.ts';
import type { App, AppContext } from './platform/module.ts';
import { allModules } from './modules.ts';
import { purgeExpiredSessions } from './platform/auth/auth.service.ts';
import { smtpTransport, startOutboxDelivery } from './platform/outbox.delivery.ts';
import { startDraftExpiry } from './platform/drafts.ts';
import { purgeRateLimits } from './platform/rate-limit-store.ts';
import { startPeriodic } from './platform/periodic.ts';

/** The app's logger. A request is logged by its method, address and URL, with every secret in the URL redacted. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino({
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    serializers: {
      req: (request: { method?: string; url?: string; ip?: string; socket?: { remotePort?: number } }) => ({
        method: request.method, url: redactUrl(request.url ?? ''), remoteAddress: request.ip, remotePort: request.socket?.remotePort,
      }),
    },
  }, destination);
}

/**
 * Opens the database named by the configuration and brings its schema up to date (as the owner role, when
 * DATABASE_OWNER_URL names one: platform/roles.ts). A given handle is migrated if its role may, else checked.
 */
export async function createContext(config: Config, log: Logger = createLogger(config), handle?: DatabaseHandle): Promise<AppContext> {
  const opened = handle ? { handle, applied: (await migrateOrCheck(handle.db)).applied } : await openDatabaseForApp(config, log);
  const db = opened.handle;
  const { applied } = opened;
  if (applied.length) log.info({ applied }, 'database migrated');
  // DATABASE_REPLICA_URL: anonymous GETs read from the standby (platform/replica.ts); all else from the primary.
  if (config.databaseReplicaUrl && db.pool) {
    const replica = openPostgres(config.databaseReplicaUrl, { max: config.databasePoolSize, role: config.databaseAppRole, onIdleError: () => {} });
    const routed = routedDatabase(db.pool, replica.pool!);
    db.db = routed.db;
    // The replica's pool first, then the handle's own close (which ends the primary's pool, and whatever else it
    // does: a test database is dropped).
    const closePrimary = db.close;
    db.close = async () => {
      await replica.close();
      await closePrimary();
    };
    log.info({ replica: replica.location }, 'anonymous reads go to the replica');
  }
  return { db: db.db, handle: db, config, log, lookups: {} };
}

export async function createApp(ctx: AppContext): Promise<App> {
  return buildApp(ctx, allModules(ctx));
}

/** Loads every module's demo data (idempotent). */
export async function seedDemo(ctx: AppContext): Promise<void> {
  for (const module of allModules(ctx)) await module.seedDemo?.(ctx);
}

/** Serves the app until SIGINT/SIGTERM; returns a function that stops it. */
export async function serve(ctx: AppContext): Promise<{ app: App; stop: () => Promise<void> }> {
  const app = await createApp(ctx);
  const warning = roleWarning(ctx.handle.role);
  if (warning) ctx.log.warn({ role: ctx.handle.role?.name }, warning);
  await purgeExpiredSessions(ctx.db);
  const stopDelivery = ctx.config.smtpUrl
    ? startOutboxDelivery(ctx.db, smtpTransport(ctx.config.smtpUrl), ctx.config.mailFrom, ctx.log)
    : null;
  await purgeRateLimits(ctx.db);
  // Every process purges; a DELETE of what has expired is the same work whichever process does it first.
  const purge = setInterval(() => void Promise.all([purgeExpiredSessions(ctx.db), purgeRateLimits(ctx.db)]).catch((err) => ctx.log.error({ err }, 'session purge')), 3600_000);
  purge.unref();
  // Upload drafts past their expiry are cleaned up by every server process; each takes drafts no other holds.
  const stopDraftExpiry = startDraftExpiry(ctx.db, ctx.log);
  // The modules' periodic work (report reminders, …): every process runs it; each job claims what it does.
  const stopPeriodic = startPeriodic(ctx, allModules(ctx));
  await app.listen({ port: ctx.config.port, host: ctx.config.host });
  const stop = async () => {
    clearInterval(purge);
    await stopDraftExpiry();
    await stopPeriodic();
    await app.close();
    await stopDelivery?.();
    await ctx.handle.close();
  };
  return { app, stop };
}
