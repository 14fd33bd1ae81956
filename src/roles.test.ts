// The app's database role (platform/roles.ts): on a PostgreSQL server the app runs as an ordinary role that owns
// nothing, so the database's own rules bind it. PGlite has one user, a superuser: these tests need a server.
import { randomBytes } from 'node:crypto';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from './platform/config.ts';
import { openPostgres, type DatabaseHandle } from './platform/db.ts';
import { describeRole, isOrdinary, openDatabaseForApp, roleWarning } from './platform/roles.ts';
import { openTestDatabase, runCli, testEngines } from './platform/testing.ts';
import { createContext } from './app.ts';
import type { AppContext } from './platform/module.ts';
import * as commissioning from './commissioning/commissioning.service.ts';
import * as commissioningRepo from './commissioning/commissioning.repository.ts';
import { cast, opportunityBody, waitUntil } from './commissioning/commissioning.test-support.ts';

const silent = pino({ level: 'silent' });
const onServer = testEngines().includes('postgres');

describe('the app\'s database role, without a server', () => {
  it('refuses DATABASE_OWNER_URL or DATABASE_APP_ROLE without DATABASE_URL: PGlite has one user', async () => {
    await assert.rejects(openDatabaseForApp(loadConfig({ NODE_ENV: 'test', DATABASE_OWNER_URL: 'postgres://owner@127.0.0.1/x' }), silent), /DATABASE_OWNER_URL is set without DATABASE_URL/);
    await assert.rejects(openDatabaseForApp(loadConfig({ NODE_ENV: 'test', DATABASE_APP_ROLE: 'commonweal_app' }), silent), /DATABASE_APP_ROLE is set without DATABASE_URL/);
  });

  it('warns, in words, about a role the database\'s rules do not bind, and says nothing of an ordinary one', () => {
    const ordinary = { name: 'app', login: 'app', superuser: false, bypassRls: false, ownedObjects: 0, canCreate: false };
    assert.equal(roleWarning(ordinary), null);
    assert.match(roleWarning({ ...ordinary, superuser: true })!, /"app", which is a superuser: row-level security \(sealed bids\) does not bind it/);
    assert.match(roleWarning({ ...ordinary, ownedObjects: 80 })!, /owns 80 of the schema's tables: it could drop or disable the row-level security/);
    assert.match(roleWarning({ ...ordinary, login: 'postgres' })!, /DATABASE_APP_ROLE.*RESET ROLE/);
  });
});

describe('the app\'s database role [postgres]', { skip: onServer ? false : 'needs DATABASE_URL (PGlite has one user, a superuser)' }, () => {
  let test: DatabaseHandle & { url?: string; ownerUrl?: string };
  let ctx: AppContext;
  /** The same database, reached as the server's superuser (DATABASE_URL of the test run). */
  let superuserUrl: string;
  before(async () => {
    test = await openTestDatabase('postgres');
    ctx = await createContext(loadConfig({ NODE_ENV: 'test' }), silent, test);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = new URL(test.url!).pathname;
    superuserUrl = url.toString();
  });
  after(async () => {
    await test?.close();
  });

  it('is not a superuser, does not bypass row-level security, owns no table and may not create one', async () => {
    const role = await describeRole(ctx.db);
    assert.equal(role.superuser, false);
    assert.equal(role.bypassRls, false);
    assert.equal(role.ownedObjects, 0);
    assert.equal(role.canCreate, false);
    assert.ok(isOrdinary(role));
    assert.equal(roleWarning(role), null);
  });

  it('may not update, delete or truncate the audit log or the ledgers, not even rows that do not exist', async () => {
    for (const table of ['audit_log', 'timebank_postings', 'timebank_transfers', 'commissioning_bid_contents', 'commissioning_scores', 'commissioning_releases']) {
      const denied = new RegExp(`permission denied for table ${table}`);
      await assert.rejects(sql.raw(`UPDATE ${table} SET organisation_id = organisation_id WHERE false`).execute(ctx.db), denied, table);
      await assert.rejects(sql.raw(`DELETE FROM ${table} WHERE false`).execute(ctx.db), denied, table);
      await assert.rejects(sql.raw(`TRUNCATE ${table}`).execute(ctx.db), denied, table);
    }
    // But it adds to them, as every change does.
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log`.execute(ctx.db);
    assert.ok(rows[0]!.n >= 0);
  });

  it('may not change the schema: no table of its own, no dropping or disabling the database\'s rules', async () => {
    const refusals: [string, RegExp][] = [
      ['CREATE TABLE mine (id int)', /permission denied for schema/],
      ['CREATE FUNCTION mine() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', /permission denied for schema/],
      ['DROP TABLE audit_log', /must be owner/],
      ['ALTER TABLE audit_log DISABLE TRIGGER ALL', /must be owner/],
      ['DROP TRIGGER audit_log_no_update_delete ON audit_log', /must be owner/],
      ['DROP POLICY commissioning_bid_contents_sealed ON commissioning_bid_contents', /must be owner/],
      ['ALTER TABLE commissioning_bid_contents NO FORCE ROW LEVEL SECURITY', /must be owner/],
      ['DROP VIEW commissioning_unsealed_bid_contents', /must be owner/],
      ["SET session_replication_role = 'replica'", /permission denied/],
      ["DELETE FROM kysely_migration WHERE name = '0001-platform'", /permission denied/],
    ];
    for (const [statement, error] of refusals) await assert.rejects(sql.raw(statement).execute(ctx.db), error, statement);
  });

  it('cannot read a sealed bid before the deadline, even with raw SQL, and reads it once the deadline passes', async () => {
    const c = await cast(ctx);
    const deadline = new Date(Date.now() + 8_000);
    const { id } = await commissioning.createProcess(ctx.db, c.commissioner.actor, opportunityBody(c.buyer.id, deadline));
    await commissioning.publishProcess(ctx.db, c.commissioner.actor, id);
    const lot = (await commissioningRepo.listLots(ctx.db, { organisation_id: c.buyer.id, id }))[0]!;
    await commissioning.submitBid(ctx.db, c.charityAdmin.actor, id, { lotId: lot.id, organisation: c.charity.id, pricePence: 100, approach: 'Sealed approach', socialValue: 'Sealed value' });
    const direct = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM commissioning_bid_contents WHERE process_id = ${id}`.execute(ctx.db)).rows[0]!.n;
    assert.equal(await direct(), 0, 'row-level security hides the sealed content from the app itself');
    // The server's superuser is not bound: this is what running the app as one would give away.
    const superuser = openPostgres(superuserUrl, { max: 1, onIdleError: () => {} });
    try {
      assert.equal((await sql<{ n: number }>`SELECT count(*)::int AS n FROM commissioning_bid_contents WHERE process_id = ${id}`.execute(superuser.db)).rows[0]!.n, 1);
    } finally {
      await superuser.close();
    }
    await waitUntil(deadline);
    assert.equal(await direct(), 1, 'after the deadline the policy lets the content through');
  });

  it('imports a spending file as the app role: the per-file table is made and attached by the owner\'s functions', async () => {
    const role = await describeRole(ctx.db);
    // The functions run as the schema's owner; the table they make is the owner's, and the app may fill it.
    const { rows } = await sql<{ definer: boolean; owner: string }>`
      SELECT p.prosecdef AS definer, pg_get_userbyid(p.proowner) AS owner FROM pg_proc p WHERE p.proname = 'spend_create_file_lines'`.execute(ctx.db);
    assert.equal(rows[0]!.definer, true);
    assert.notEqual(rows[0]!.owner, role.name);
    // (The spend module's own tests import real files on this role; here, only what its privileges must not allow.)
    await assert.rejects(sql`ALTER TABLE spend_lines DETACH PARTITION spend_lines_o_00000000000000000000000000000000`.execute(ctx.db), /must be owner|does not exist/);
  });

  it('starts with DATABASE_OWNER_URL and DATABASE_URL: migrates as the owner and runs as the ordinary role', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: test.url!, DATABASE_OWNER_URL: test.ownerUrl! });
    const { handle } = await openDatabaseForApp(config, silent);
    try {
      assert.equal(handle.role?.name, new URL(test.url!).username);
      assert.ok(isOrdinary(handle.role!));
    } finally {
      await handle.close();
    }
  });

  it('refuses to start when DATABASE_OWNER_URL is given but DATABASE_URL is the owner or a superuser', async () => {
    for (const databaseUrl of [test.ownerUrl!, superuserUrl]) {
      const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, DATABASE_OWNER_URL: test.ownerUrl! });
      await assert.rejects(openDatabaseForApp(config, silent), /would not bind it/);
    }
  });

  it('with DATABASE_URL alone as a superuser, still starts (as before) and serve warns that the rules do not bind it', async () => {
    const { handle } = await openDatabaseForApp(loadConfig({ NODE_ENV: 'test', DATABASE_URL: superuserUrl }), silent);
    try {
      assert.equal(handle.role?.superuser, true);
      assert.match(roleWarning(handle.role) ?? '', /a superuser: row-level security \(sealed bids\) does not bind it.*DATABASE_OWNER_URL/);
    } finally {
      await handle.close();
    }
  });

  it('with DATABASE_APP_ROLE, a superuser\'s DATABASE_URL migrates and then every connection runs as the app role', async () => {
    const appRole = new URL(test.url!).username;
    const { handle } = await openDatabaseForApp(loadConfig({ NODE_ENV: 'test', DATABASE_URL: superuserUrl, DATABASE_APP_ROLE: appRole, DATABASE_POOL_SIZE: '3' }), silent);
    try {
      assert.equal(handle.role?.name, appRole);
      assert.equal(handle.role?.login, 'postgres');
      // Every connection of the pool, not just the first.
      await Promise.all([1, 2, 3].map(() => handle.db.transaction().execute(async (trx) => {
        assert.equal((await sql<{ u: string }>`SELECT current_user AS u`.execute(trx)).rows[0]!.u, appRole);
        await new Promise((r) => setTimeout(r, 20));
      })));
      await assert.rejects(sql`DELETE FROM audit_log WHERE false`.execute(handle.db), /permission denied/);
      assert.match(roleWarning(handle.role) ?? '', /RESET ROLE/);
    } finally {
      await handle.close();
    }
    assert.throws(() => loadConfig({ DATABASE_APP_ROLE: 'app; DROP TABLE x' }), /DATABASE_APP_ROLE must be a role name/);
  });

  it('with DATABASE_URL alone as the app role, refuses to start on a schema it cannot migrate, naming DATABASE_OWNER_URL', async () => {
    const owner = openPostgres(test.ownerUrl!, { max: 1, onIdleError: () => {} });
    try {
      const last = (await sql<{ name: string; timestamp: string }>`SELECT name, timestamp FROM kysely_migration ORDER BY name DESC LIMIT 1`.execute(owner.db)).rows[0]!;
      await sql`DELETE FROM kysely_migration WHERE name = ${last.name}`.execute(owner.db);
      try {
        await assert.rejects(openDatabaseForApp(loadConfig({ NODE_ENV: 'test', DATABASE_URL: test.url! }), silent),
          new RegExp(`needs the migrations ${last.name}, and the role "[a-z0-9_]+" may not change the schema: set DATABASE_OWNER_URL`));
      } finally {
        await sql`INSERT INTO kysely_migration (name, timestamp) VALUES (${last.name}, ${last.timestamp})`.execute(owner.db);
      }
      const { handle } = await openDatabaseForApp(loadConfig({ NODE_ENV: 'test', DATABASE_URL: test.url! }), silent);
      await handle.close();
    } finally {
      await owner.close();
    }
  });

  it('db setup-roles, run once by a superuser, turns an install that ran as the superuser into an owner and an app role', async () => {
    const name = `cw_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const owner = `${name}_owner`;
    const app = `${name}_app`;
    const server = new URL(process.env.DATABASE_URL!);
    const admin = async (statement: string) => {
      const client = new pg.Client({ connectionString: server.toString() });
      await client.connect();
      try {
        return await client.query(statement);
      } finally {
        await client.end();
      }
    };
    await admin(`CREATE DATABASE ${name}`);
    const superUrl = new URL(server);
    superUrl.pathname = `/${name}`;
    try {
      // An install as the README had it until now: the superuser migrated, and owns every table.
      assert.equal((await runCli(['migrate', '--json'], { DATABASE_URL: superUrl.toString() })).code, 0);
      const setup = await runCli(['db', 'setup-roles', '--owner', owner, '--app', app, '--json'], { DATABASE_URL: superUrl.toString() });
      assert.equal(setup.code, 0, setup.stderr);
      const result = JSON.parse(setup.stdout);
      assert.deepEqual(result.created, [owner, app]);
      assert.ok(result.reassigned > 50, `reassigned ${result.reassigned}`);
      assert.equal(new URL(result.appUrl).username, app);
      assert.ok(new URL(result.appUrl).password.length > 10, 'a new role gets a password, shown once');
      // Again: nothing to create or reassign, and no password is shown or changed.
      const again = JSON.parse((await runCli(['db', 'setup-roles', '--owner', owner, '--app', app, '--json'], { DATABASE_URL: superUrl.toString() })).stdout);
      assert.deepEqual([again.created, again.reassigned, new URL(again.appUrl).password], [[], 0, '']);
      // The app starts with the two URLs and runs as an ordinary role; the superuser owns nothing in the schema.
      const { handle } = await openDatabaseForApp(loadConfig({ NODE_ENV: 'test', DATABASE_URL: result.appUrl, DATABASE_OWNER_URL: result.ownerUrl }), silent);
      try {
        assert.ok(isOrdinary(handle.role!), JSON.stringify(handle.role));
        await assert.rejects(sql`DELETE FROM audit_log WHERE false`.execute(handle.db), /permission denied/);
      } finally {
        await handle.close();
      }
      const superuser = openPostgres(superUrl.toString(), { max: 1, onIdleError: () => {} });
      try {
        const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relowner <> ${owner}::regrole`.execute(superuser.db);
        assert.equal(left.rows[0]!.n, 0);
      } finally {
        await superuser.close();
      }
      // Only a superuser may run it; and the names must be role names.
      const refused = await runCli(['db', 'setup-roles', '--owner', owner, '--app', app], { DATABASE_URL: result.appUrl });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /Run this as a superuser/);
      const bad = await runCli(['db', 'setup-roles', '--owner', 'Owner Role', '--app', owner], { DATABASE_URL: superUrl.toString() });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /--owner: Give the owner role a name of lower-case letters/);
    } finally {
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin(`DROP ROLE IF EXISTS ${app}`);
      await admin(`DROP ROLE IF EXISTS ${owner}`);
    }
  });
});
