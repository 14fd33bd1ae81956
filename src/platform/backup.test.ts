import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Database } from '../database.ts';
import { createContext, createLogger, seedDemo } from '../app.ts';
import { checkLedger } from '../timebank/timebank.check.ts';
import { loadConfig } from './config.ts';
import { openPGlite, openPostgres, type DatabaseHandle } from './db.ts';
import { backupPGlite, backupPostgres, restorePGlite, restorePostgres } from './backup.ts';
import { openTestDatabase, runCli, testEngines } from './testing.ts';

/** Every table's row count and a digest of its rows: two databases with equal fingerprints hold the same data. */
async function fingerprint(db: Kysely<Database>): Promise<Map<string, string>> {
  const tables = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname`.execute(db);
  const out = new Map<string, string>();
  for (const { name } of tables.rows) {
    const row = await sql<{ n: number; digest: string | null }>`
      SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM ${sql.table(name)} t`.execute(db);
    out.set(name, `${row.rows[0]!.n}:${row.rows[0]!.digest}`);
  }
  return out;
}

const rows = (print: Map<string, string>, table: string) => Number(print.get(table)?.split(':')[0] ?? -1);

/** What the demo seeds in each module, which a restore must bring back. */
const everyModule = ['organisations', 'places_small_areas', 'spend_files', 'spend_lines', 'timebank_postings', 'voice_stories', 'voice_petitions',
  'commissioning_processes', 'outcome_contracts', 'audit_log', 'users'];

async function assertRestored(source: Map<string, string>, restored: Map<string, string>, db: Kysely<Database>) {
  for (const table of everyModule) {
    const leaf = [...source.keys()].filter((t) => t === table || t.startsWith(`${table}_`));
    assert.ok(leaf.some((t) => rows(source, t) > 0), `the demo put rows in ${table}`);
  }
  assert.deepEqual([...restored.keys()], [...source.keys()], 'the same tables');
  for (const [table, print] of source) assert.equal(restored.get(table), print, `${table} holds the same rows`);
  const ledger = await checkLedger(db);
  assert.equal(ledger.ok, true, JSON.stringify(ledger.violations));
}

const quiet = createLogger({ logLevel: 'silent' });

for (const engine of testEngines()) {
  describe(`backup and restore [${engine}]`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'commonweal-backup-'));
    const file = join(dir, 'commonweal.backup');
    let source: Map<string, string>;
    let superUrl = '';
    let sourceHandle: (DatabaseHandle & { url?: string }) | null = null;
    const emptyDatabases: string[] = [];
    const serverUrl = (name: string) => {
      const url = new URL(process.env.DATABASE_URL!);
      url.pathname = `/${name}`;
      return url.toString();
    };
    async function emptyDatabase(): Promise<string> {
      const name = `cw_test_restore_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
      const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      emptyDatabases.push(name);
      return serverUrl(name);
    }

    before(async () => {
      if (engine === 'pglite') {
        const config = loadConfig({ NODE_ENV: 'test', COMMONWEAL_DATA_DIR: join(dir, 'source') });
        const ctx = await createContext(config, quiet);
        await seedDemo(ctx);
        source = await fingerprint(ctx.db);
        await ctx.handle.close();
        await backupPGlite(join(dir, 'source'), file);
      } else {
        sourceHandle = await openTestDatabase('postgres');
        const ctx = await createContext(loadConfig({ NODE_ENV: 'test' }), quiet, sourceHandle);
        await seedDemo(ctx);
        superUrl = serverUrl(new URL(sourceHandle.url!).pathname.slice(1));
        const superuser = openPostgres(superUrl, { max: 1 });
        source = await fingerprint(superuser.db);
        await superuser.close();
        await backupPostgres(superUrl, file);
      }
    });
    after(async () => {
      await sourceHandle?.close();
      if (emptyDatabases.length) {
        const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await admin.connect();
        for (const name of emptyDatabases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('restores into an empty database every module\'s data, the audit log and a ledger that checks', async () => {
      if (engine === 'pglite') {
        const target = join(dir, 'restored');
        await restorePGlite(file, target);
        const handle = await openPGlite(target);
        try {
          await assertRestored(source, await fingerprint(handle.db), handle.db);
        } finally {
          await handle.close();
        }
      } else {
        const url = await emptyDatabase();
        await restorePostgres(file, url);
        const handle = openPostgres(url, { max: 1 });
        try {
          await assertRestored(source, await fingerprint(handle.db), handle.db);
        } finally {
          await handle.close();
        }
      }
    });

    it('refuses a target that is not empty, and --replace replaces it', async () => {
      if (engine === 'pglite') {
        const target = join(dir, 'occupied');
        await restorePGlite(file, target);
        await assert.rejects(restorePGlite(file, target), /is not empty: restore into an empty folder, or pass --replace/);
        await restorePGlite(file, target, { replace: true });
        const handle = await openPGlite(target);
        try {
          assert.equal(rows(await fingerprint(handle.db), 'audit_log'), rows(source, 'audit_log'));
        } finally {
          await handle.close();
        }
      } else {
        await assert.rejects(restorePostgres(file, superUrl), /is not empty \(\d+ tables and other objects\): restore into an empty database, or pass --replace/);
        const url = await emptyDatabase();
        await restorePostgres(file, url);
        await restorePostgres(file, url, { replace: true });
        const handle = openPostgres(url, { max: 1 });
        try {
          assert.deepEqual(await fingerprint(handle.db), source);
        } finally {
          await handle.close();
        }
      }
    });

    it('refuses a truncated file, a damaged one, another engine\'s and a newer schema\'s, and restores nothing', async () => {
      const whole = readFileSync(file);
      const restore = (from: string) => (engine === 'pglite' ? restorePGlite(from, join(dir, 'never')) : emptyDatabase().then((url) => restorePostgres(from, url)));
      const truncated = join(dir, 'truncated');
      writeFileSync(truncated, whole.subarray(0, whole.length - 1000));
      await assert.rejects(restore(truncated), /is truncated or padded: the backup holds \d+ bytes of data, the file \d+/);
      const corrupt = join(dir, 'corrupt');
      const flipped = Buffer.from(whole);
      flipped[flipped.length - 10] = flipped[flipped.length - 10]! ^ 0xff;
      writeFileSync(corrupt, flipped);
      await assert.rejects(restore(corrupt), /is corrupt: its data does not match the checksum/);
      const notBackup = join(dir, 'not-a-backup');
      writeFileSync(notBackup, 'lsoa_code,score\n');
      await assert.rejects(restore(notBackup), /is not a Commonweal backup/);
      const text = whole.toString('latin1');
      const headerEnd = text.indexOf('\n', text.indexOf('\n') + 1);
      const header = JSON.parse(text.slice(text.indexOf('\n') + 1, headerEnd));
      const rewrite = (name: string, change: Record<string, unknown>) => {
        const path = join(dir, name);
        writeFileSync(path, Buffer.concat([Buffer.from(`COMMONWEAL-BACKUP 1\n${JSON.stringify({ ...header, ...change })}\n`), whole.subarray(headerEnd + 1)]));
        return path;
      };
      await assert.rejects(restore(rewrite('newer', { migrations: [...header.migrations, '9999-from-the-future'] })), /from a newer schema than this version of Commonweal knows \(migration 9999-from-the-future\)/);
      await assert.rejects(restore(rewrite('other-engine', { engine: engine === 'pglite' ? 'postgres' : 'pglite' })), /is a backup of/);
      if (engine === 'postgres') {
        // Nothing half-restored: each refused restore left its empty database empty.
        for (const name of emptyDatabases.slice(-5)) {
          const handle = openPostgres(serverUrl(name), { max: 1 });
          const { rows: [count] } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`.execute(handle.db);
          await handle.close();
          assert.equal(count!.n, 0, `${name} is still empty`);
        }
      }
    });

    it('is on the command line, which names the option at fault', async () => {
      const env = engine === 'postgres' ? { DATABASE_URL: superUrl } : {};
      const missing = await runCli(['backup', '--json', '--data-dir', join(dir, 'source')], env);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /"field":"to"/);
      const refused = await runCli(['restore', '--from', file, '--json', '--data-dir', join(dir, 'source')], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /is not empty/);
      const made = await runCli(['backup', '--to', join(dir, 'again.backup'), '--json', '--data-dir', join(dir, 'source')], env);
      assert.equal(made.code, 0, made.stderr);
      assert.equal(JSON.parse(made.stdout).engine, engine);
    });
  });
}
