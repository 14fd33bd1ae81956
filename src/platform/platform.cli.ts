import type { CliCommand } from './module.ts';
import { cliActor } from './actor.ts';
import { AppError } from './errors.ts';
import * as auth from './auth/auth.service.ts';
import { expireDrafts } from './drafts.ts';
import { setupRoles } from './roles.ts';

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
];
