import { readdirSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely/migration';

const migrationsDir = new URL('../migrations/', import.meta.url);

/**
 * A migration file exports `statements`: plain SQL, one statement a string, run in order inside one
 * transaction. (PGlite's extended protocol takes one statement per query, so they are not joined.)
 */
export interface MigrationModule {
  statements: string[];
}

class SqlFileProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = readdirSync(migrationsDir)
      .filter((f) => /^\d{4}-[\w-]+\.ts$/.test(f))
      .sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const mod = (await import(new URL(file, migrationsDir).href)) as MigrationModule;
      if (!Array.isArray(mod.statements)) throw new Error(`Migration ${file} does not export statements`);
      migrations[file.replace(/\.ts$/, '')] = {
        async up(db: Kysely<any>) {
          for (const statement of mod.statements) await sql.raw(statement).execute(db);
        },
      };
    }
    return migrations;
  }
}

/** Brings the schema up to date. Forward only; each migration is all-or-nothing. */
export async function migrateToLatest(db: Kysely<any>): Promise<{ applied: string[] }> {
  const migrator = new Migrator({ db, provider: new SqlFileProvider() });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${reason}`, { cause: result.error });
  }
  return { applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/** The migrations not yet applied, by name (reads only: for a role that may not change the schema). */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new SqlFileProvider() });
  return (await migrator.getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
}
