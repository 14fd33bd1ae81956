import type { CliCommand } from './module.ts';
import { cliActor } from './actor.ts';
import { AppError } from './errors.ts';
import * as auth from './auth/auth.service.ts';
import { expireDrafts } from './drafts.ts';
import { setupRoles } from './roles.ts';
import { backupPGlite, backupPostgres, restorePGlite, restorePostgres, type Progress } from './backup.ts';

/** Progress on stderr: one line redrawn at a terminal, a line each with COMMONWEAL_PROGRESS=1, else nothing. */
function cliProgress(): Progress & { end(): void } {
  const tty = process.stderr.isTTY;
  const lines = process.env.COMMONWEAL_PROGRESS === '1';
  const started = Date.now();
  const report = ((message: string) => {
    const line = `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${message}`;
    if (tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 80) - 1)}`);
    else if (lines) process.stderr.write(`${line}\n`);
  }) as Progress & { end(): void };
  report.end = () => {
    if (tty) process.stderr.write('\r\x1b[K');
  };
  return report;
}


export const platformCommands: CliCommand[] = [
  {
    name: ['user', 'create'],
    summary: 'Create an account (password from standard input with --password-stdin)',
    usage: 'commonweal user create --email EMAIL --name NAME [--password-stdin] [--admin]',
    options: { email: { type: 'string' }, name: { type: 'string' }, 'password-stdin': { type: 'boolean' }, admin: { type: 'boolean' } },
    async run(ctx, { values, stdin }) {
      const password = values['password-stdin'] ? (await stdin()).replace(/\r?\n$/, '') : null;
      const user = await auth.registerUser(ctx.db, cliActor, { email: values.email, name: values.name, password, isAdmin: !!values.admin });
      return { id: user.id, email: user.email, admin: user.isAdmin };
    },
  },
  {
    name: ['user', 'admin'],
    summary: 'Make an existing account a site administrator (or not, with --revoke)',
    usage: 'commonweal user admin --email EMAIL [--revoke]',
    options: { email: { type: 'string' }, revoke: { type: 'boolean' } },
    async run(ctx, { values }) {
      const user = await auth.setAdministrator(ctx.db, cliActor, String(values.email ?? '').toLowerCase(), !values.revoke);
      return { id: user.id, admin: user.isAdmin };
    },
  },
  {
    name: ['token', 'create'],
    summary: 'Create an API token for an account; it is printed once',
    usage: 'commonweal token create --user EMAIL [--name NAME]',
    options: { user: { type: 'string' }, name: { type: 'string' } },
    async run(ctx, { values }) {
      const user = await auth.findUserByEmail(ctx.db, String(values.user ?? ''));
      if (!user) throw AppError.validation([{ field: 'user', message: `No account has the email ${values.user ?? '(none given)'}` }]);
      const { token, record } = await auth.createApiToken(ctx.db, cliActor, { userId: user.id, name: values.name ?? 'Command line' });
      return { token, id: record.id };
    },
  },
  {
    name: ['drafts', 'expire'],
    summary: 'Expire and clean up every upload draft past its expiry (a server does it hourly; safe beside it)',
    usage: 'commonweal drafts expire',
    options: {},
    async run(ctx) {
      return { expired: await expireDrafts(ctx.db, ctx.log) };
    },
  },
  {
    name: ['db', 'setup-roles'],
    summary: 'As a superuser, once: make the owner and app database roles, give the owner the schema, grant the app role (README)',
    usage: 'commonweal db setup-roles --owner commonweal_owner --app commonweal_app   (DATABASE_URL: a superuser, on the database)',
    options: { owner: { type: 'string' }, app: { type: 'string' } },
    async run(ctx, { values }) {
      if (!ctx.config.databaseUrl) throw new AppError('unprocessable', 'PGlite has one user: database roles need a PostgreSQL server (DATABASE_URL)');
      return setupRoles(ctx.db, { owner: values.owner, app: values.app, databaseUrl: ctx.config.databaseUrl });
    },
  },
  {
    name: ['backup'],
    summary: 'Back up the whole database to one file (PGlite: its data folder, stopped; a server: pg_dump as a superuser)',
    usage: 'commonweal backup --to FILE [--data-dir DIR]   (a server: DATABASE_URL or DATABASE_OWNER_URL of a superuser or BYPASSRLS role)',
    options: { to: { type: 'string' } },
    needsDatabase: false,
    async run(ctx, { values }) {
      if (typeof values.to !== 'string' || !values.to) throw AppError.validation([{ field: 'to', message: 'Say where to write the backup: --to FILE' }]);
      const progress = cliProgress();
      try {
        const url = ctx.config.databaseOwnerUrl ?? ctx.config.databaseUrl;
        const header = url ? await backupPostgres(url, values.to, progress) : await backupPGlite(ctx.config.dataDir, values.to, progress);
        return { file: values.to, engine: header.engine, bytes: header.payloadBytes, sha256: header.sha256, migrations: header.migrations.length, createdAt: header.createdAt };
      } finally {
        progress.end();
      }
    },
  },
  {
    name: ['restore'],
    summary: 'Restore a backup into an empty database (--replace: replace the one there); all or nothing',
    usage: 'commonweal restore --from FILE [--replace] [--data-dir DIR]   (a server: DATABASE_URL of the empty database, as a superuser)',
    options: { from: { type: 'string' }, replace: { type: 'boolean' } },
    needsDatabase: false,
    async run(ctx, { values }) {
      if (typeof values.from !== 'string' || !values.from) throw AppError.validation([{ field: 'from', message: 'Say which backup to restore: --from FILE' }]);
      const progress = cliProgress();
      try {
        const url = ctx.config.databaseOwnerUrl ?? ctx.config.databaseUrl;
        const options = { replace: !!values.replace, progress };
        const header = url ? await restorePostgres(values.from, url, options) : await restorePGlite(values.from, ctx.config.dataDir, options);
        return { restored: true, engine: header.engine, from: values.from, migrations: header.migrations.length, createdAt: header.createdAt };
      } finally {
        progress.end();
      }
    },
  },
];
