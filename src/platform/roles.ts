// The database's own rules (row-level security on sealed bids, append-only triggers on the audit log and the
// ledgers) bind the app only when it runs as an ordinary role: not a superuser, not BYPASSRLS, owning no table
// (an owner can drop a trigger or a policy). The schema belongs to an owner role, through which migrations run;
// after every migration the owner grants the app's role exactly what the app needs:
// - SELECT, INSERT, UPDATE, DELETE on every table, and the same on the tables the owner makes later (default
//   privileges: a spend import's per-file tables, made by the owner's functions of migration 0021);
// - but no UPDATE or DELETE on an append-only table (one with a trigger whose function is named *_append_only):
//   the trigger refuses them already, and without the privilege not even a trigger the owner dropped would let
//   them through;
// - SELECT only on the migrations' own tables; USAGE on sequences; EXECUTE on the schema's functions;
// - no CREATE on the schema, no TRUNCATE, no TRIGGER, no REFERENCES.
// PGlite has one user, a superuser: none of this applies there.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { AppError, type FieldError } from './errors.ts';
import { openPGlite, openPostgres, quoteIdentifier, redactUrl, type DatabaseHandle } from './db.ts';
import { migrateToLatest, pendingMigrations } from './migrate.ts';

/** What the role a connection runs as may do, as far as the database's rules are concerned. */
export interface DatabaseRole {
  /** current_user: the role whose privileges apply. */
  name: string;
  /** session_user: the login; differs from `name` after SET ROLE (DATABASE_APP_ROLE). */
  login: string;
  superuser: boolean;
  bypassRls: boolean;
  /** Tables, views and sequences of the schema that this role owns (or is a member of an owner of). */
  ownedObjects: number;
  /** May create objects in the schema. */
  canCreate: boolean;
}

/** Whether the database's rules bind this role: not a superuser, not BYPASSRLS, owns nothing, creates nothing. */
export function isOrdinary(role: DatabaseRole): boolean {
  return !role.superuser && !role.bypassRls && role.ownedObjects === 0 && !role.canCreate;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function describeRole(db: AnyDb): Promise<DatabaseRole> {
  const { rows } = await sql<{ name: string; login: string; superuser: boolean; bypass_rls: boolean; owned: number; can_create: boolean }>`
    SELECT current_user AS name, session_user AS login, r.rolsuper AS superuser, r.rolbypassrls AS bypass_rls,
           (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
               AND pg_has_role(current_user, c.relowner, 'USAGE')) AS owned,
           has_schema_privilege(current_schema(), 'CREATE') AS can_create
      FROM pg_roles r WHERE r.rolname = current_user`.execute(db);
  const r = rows[0]!;
  return { name: r.name, login: r.login, superuser: r.superuser, bypassRls: r.bypass_rls, ownedObjects: Number(r.owned), canCreate: r.can_create };
}

/** Tables with a trigger whose function is named `*_append_only`: rows are added, never changed or removed. */
export async function appendOnlyTables(db: AnyDb): Promise<string[]> {
  const { rows } = await sql<{ table: string }>`
    SELECT DISTINCT c.relname AS table FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_proc p ON p.oid = t.tgfoid
     WHERE n.nspname = current_schema() AND NOT t.tgisinternal AND p.proname LIKE '%\_append\_only'
     ORDER BY 1`.execute(db);
  return rows.map((r) => r.table);
}

/**
 * Grants `appRole` what the app needs on the schema, through `owner` (the schema's owner, which has just
 * migrated it). Idempotent; serialised, so several processes starting at once do not collide. Throws if the
 * app's role is the owner, or if some table is not the owner's to grant.
 */
export async function grantAppRole(owner: AnyDb, appRole: string): Promise<void> {
  await owner.transaction().execute((trx) => grantWithin(trx, appRole));
}

/** grantAppRole inside the caller's transaction, whose current role is the schema's owner. */
async function grantWithin(trx: AnyDb, appRole: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('commonweal:grants', 0))`.execute(trx);
  const { rows: [me] } = await sql<{ me: string; schema: string; member: boolean }>`
    SELECT current_user AS me, current_schema() AS schema, pg_has_role(${appRole}, current_user, 'USAGE') AS member`.execute(trx);
  if (!me) throw new Error('The database has no current schema');
  if (me.member) {
    throw new Error(`The app's database role "${appRole}" is the owner "${me.me}" or a member of it, so the database's rules would not bind it: give the app a role of its own (README, "Running on a PostgreSQL server")`);
  }
  const role = quoteIdentifier(appRole);
  const schema = quoteIdentifier(me.schema);
  const run = (statement: string) => sql.raw(statement).execute(trx);
  await run(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
  await run(`REVOKE CREATE ON SCHEMA ${schema} FROM ${role}`);
  await run(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
  await run(`REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA ${schema} FROM ${role}`);
  await run(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}`);
  await run(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${schema} TO ${role}`);
  await run(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${role}`);
  await run(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT USAGE, SELECT ON SEQUENCES TO ${role}`);
  for (const table of await appendOnlyTables(trx)) await run(`REVOKE UPDATE, DELETE ON ${quoteIdentifier(table)} FROM ${role}`);
  for (const table of ['kysely_migration', 'kysely_migration_lock']) {
    await run(`REVOKE INSERT, UPDATE, DELETE ON ${quoteIdentifier(table)} FROM ${role}`);
  }
  // A table someone else owns was not granted (PostgreSQL only warns): say which, and what to do.
  const { rows: missing } = await sql<{ table: string; owner: string }>`
    SELECT c.relname AS table, pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v') AND NOT has_table_privilege(${appRole}, c.oid, 'SELECT')
     ORDER BY 1 LIMIT 5`.execute(trx);
  if (missing.length) {
    throw new Error(`The owner role "${me.me}" could not grant the app's role "${appRole}" the tables ${missing.map((m) => `${m.table} (owned by ${m.owner})`).join(', ')}: make "${me.me}" their owner (commonweal db setup-roles does it)`);
  }
}

/**
 * Brings the schema up to date if this connection may change it; otherwise checks that it is up to date, and
 * says how to migrate if it is not (the app's ordinary role cannot).
 */
export async function migrateOrCheck(db: AnyDb): Promise<{ applied: string[] }> {
  const role = await describeRole(db);
  if (role.canCreate || role.superuser) return migrateToLatest(db);
  const pending = await pendingMigrations(db);
  if (pending.length) {
    throw new Error(`The database needs the migrations ${pending.join(', ')}, and the role "${role.name}" may not change the schema: set DATABASE_OWNER_URL to the owner's connection (or run commonweal migrate with DATABASE_URL set to it)`);
  }
  return { applied: [] };
}

/**
 * Opens the database for the app: PGlite, or a PostgreSQL server, migrated by the owner and with the app's role
 * granted what it needs (see the top of this file). The handle's `role` says which role the app runs as.
 * - DATABASE_OWNER_URL and DATABASE_URL: migrate as the owner, grant DATABASE_URL's role; that role must be
 *   ordinary, or the app refuses to start.
 * - DATABASE_URL and DATABASE_APP_ROLE: migrate as DATABASE_URL's role, grant the app role, and have every
 *   connection of the app take it (SET ROLE at connection start).
 * - DATABASE_URL alone: migrate through it if it may; the app runs as that role (serve warns when it is a
 *   superuser or the owner).
 */
export async function openDatabaseForApp(config: Config, log: Logger): Promise<{ handle: DatabaseHandle; applied: string[] }> {
  if (!config.databaseUrl) {
    if (config.databaseOwnerUrl || config.databaseAppRole) {
      throw new Error(`${config.databaseOwnerUrl ? 'DATABASE_OWNER_URL' : 'DATABASE_APP_ROLE'} is set without DATABASE_URL: database roles need a PostgreSQL server (PGlite has one user)`);
    }
    const handle = await openPGlite(config.dataDir);
    try {
      return { handle, applied: (await migrateToLatest(handle.db)).applied };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }
  const ownerUrl = config.databaseOwnerUrl ?? (config.databaseAppRole ? config.databaseUrl : null);
  const handle = openPostgres(config.databaseUrl, { max: config.databasePoolSize, role: config.databaseAppRole });
  try {
    if (!ownerUrl) {
      const { applied } = await migrateOrCheck(handle.db);
      handle.role = await describeRole(handle.db);
      return { handle, applied };
    }
    const owner = openPostgres(ownerUrl, { max: 1 });
    let applied: string[];
    try {
      applied = (await migrateToLatest(owner.db)).applied;
      const appRole = await describeRole(handle.db);
      await grantAppRole(owner.db, appRole.name);
    } finally {
      await owner.close();
    }
    const role = await describeRole(handle.db);
    if (!isOrdinary(role)) {
      throw new Error(`The app's database role "${role.name}" (${redactUrl(config.databaseUrl)}) ${roleProblem(role)}, so the database's rules would not bind it: give DATABASE_URL an ordinary role (README, "Running on a PostgreSQL server")`);
    }
    handle.role = role;
    log.debug({ role: role.name, login: role.login }, 'the app runs as an ordinary database role');
    return { handle, applied };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Why a role is not bound by the database's rules, in words. */
export function roleProblem(role: DatabaseRole): string {
  if (role.superuser) return 'is a superuser';
  if (role.bypassRls) return 'bypasses row-level security';
  if (role.ownedObjects) return `owns ${role.ownedObjects} of the schema's tables`;
  if (role.canCreate) return 'may create tables in the schema';
  return 'is an ordinary role';
}

/**
 * The warning `serve` logs when the app runs as a role the database's rules do not bind (null when they do).
 */
export function roleWarning(role: DatabaseRole | undefined): string | null {
  if (!role) return null;
  if (!isOrdinary(role)) {
    const risk = role.superuser || role.bypassRls
      ? 'row-level security (sealed bids) does not bind it, and it could disable the append-only triggers'
      : 'it could drop or disable the row-level security on sealed bids and the append-only triggers';
    return `The app connects to the database as "${role.name}", which ${roleProblem(role)}: ${risk}. Run it as an ordinary role: DATABASE_OWNER_URL for migrations and DATABASE_URL for the app, or DATABASE_APP_ROLE (README, "Running on a PostgreSQL server").`;
  }
  if (role.login !== role.name) {
    return `The app runs as the ordinary role "${role.name}" (DATABASE_APP_ROLE) on connections of "${role.login}": the database's rules bind every query it makes, but code that took over the process could RESET ROLE. A login of its own (DATABASE_OWNER_URL for migrations) closes that.`;
  }
  return null;
}

const roleName = /^[a-z_][a-z0-9_]{0,62}$/;

export interface SetupRolesResult {
  database: string;
  owner: string;
  app: string;
  /** The roles this run created (with a new random password each, in the URLs below); the others were kept. */
  created: string[];
  /** Objects of the schema whose owner this run changed to the owner role. */
  reassigned: number;
  /** DATABASE_OWNER_URL and DATABASE_URL for the app: with the password of a role created now, else without. */
  ownerUrl: string;
  appUrl: string;
}

/**
 * `commonweal db setup-roles`, run once by a superuser (through `db`): makes the owner and app roles (login,
 * not superuser, no BYPASSRLS) if they do not exist, gives the owner the database, its schema and everything in
 * the schema (an install that ran as a superuser until now keeps its data), stops PUBLIC creating objects in
 * the schema, and grants the app role what it needs. Idempotent: run again, it changes nothing it need not.
 */
export async function setupRoles(db: AnyDb, input: { owner?: unknown; app?: unknown; databaseUrl: string }): Promise<SetupRolesResult> {
  const owner = typeof input.owner === 'string' ? input.owner : '';
  const app = typeof input.app === 'string' ? input.app : '';
  const fieldErrors: FieldError[] = [];
  if (!roleName.test(owner)) fieldErrors.push({ field: 'owner', message: 'Give the owner role a name of lower-case letters, digits and _, like commonweal_owner' });
  if (!roleName.test(app)) fieldErrors.push({ field: 'app', message: 'Give the app role a name of lower-case letters, digits and _, like commonweal_app' });
  if (!fieldErrors.length && owner === app) fieldErrors.push({ field: 'app', message: 'The app role must not be the owner role' });
  if (fieldErrors.length) throw AppError.validation(fieldErrors);
  const me = await describeRole(db);
  if (!me.superuser) throw new AppError('forbidden', `Run this as a superuser: DATABASE_URL connects as "${me.name}", which is not one`);
  return db.transaction().execute(async (trx) => {
    const run = (statement: string) => sql.raw(statement).execute(trx);
    const created: string[] = [];
    const passwords: Record<string, string> = {};
    for (const name of [owner, app]) {
      const { rows: [existing] } = await sql<{ superuser: boolean; bypass: boolean }>`SELECT rolsuper AS superuser, rolbypassrls AS bypass FROM pg_roles WHERE rolname = ${name}`.execute(trx);
      if (existing && (existing.superuser || existing.bypass)) {
        throw AppError.validation([{ field: name === owner ? 'owner' : 'app', message: `The role ${name} exists and ${existing.superuser ? 'is a superuser' : 'bypasses row-level security'}: choose another name, or make it NOSUPERUSER NOBYPASSRLS` }]);
      }
      if (existing) continue;
      passwords[name] = randomBytes(18).toString('base64url');
      await run(`CREATE ROLE ${quoteIdentifier(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '${passwords[name]}'`);
      created.push(name);
    }
    const { rows: [where] } = await sql<{ database: string; schema: string }>`SELECT current_database() AS database, current_schema() AS schema`.execute(trx);
    const o = quoteIdentifier(owner);
    const schema = quoteIdentifier(where!.schema);
    await run(`ALTER DATABASE ${quoteIdentifier(where!.database)} OWNER TO ${o}`);
    await run(`ALTER SCHEMA ${schema} OWNER TO ${o}`);
    // PostgreSQL 14 and older let every role create in public; 15 does not. Either way, only the owner may now.
    await run(`REVOKE CREATE ON SCHEMA ${schema} FROM PUBLIC`);
    // Everything the schema holds, but the sequences of identity and serial columns (they follow their table).
    const { rows: objects } = await sql<{ kind: string; name: string }>`
      SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind,
             format('%I.%I', n.nspname, c.relname) AS name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.relowner <> ${owner}::regrole
         AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      UNION ALL
      SELECT 'FUNCTION', p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = current_schema() AND p.proowner <> ${owner}::regrole
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')`.execute(trx);
    for (const object of objects) await run(`ALTER ${object.kind} ${object.name} OWNER TO ${o}`);
    // The grants are the owner's to give, and its default privileges cover what it makes later.
    await run(`SET LOCAL ROLE ${o}`);
    await grantWithin(trx, app);
    const urlFor = (name: string) => {
      const url = new URL(input.databaseUrl);
      url.username = name;
      url.password = passwords[name] ?? '';
      return url.toString();
    };
    return { database: where!.database, owner, app, created, reassigned: objects.length, ownerUrl: urlFor(owner), appUrl: urlFor(app) };
  });
}
