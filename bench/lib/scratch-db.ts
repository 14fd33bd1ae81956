// A database of a benchmark's own on the PostgreSQL server named by DATABASE_URL (a superuser there): created
// with a random name under the prefix, and dropped (with FORCE, so a pool left open does not keep it) by drop(),
// which is safe to call twice. Benchmarks call drop() in a finally, so a failed run leaves nothing behind.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ScratchDatabase {
  name: string;
  /** The URL of the new database: DATABASE_URL with its path replaced. */
  url: string;
  drop(): Promise<void>;
}

export async function scratchDatabase(prefix: string, server = process.env.DATABASE_URL): Promise<ScratchDatabase> {
  if (!server) throw new Error('Set DATABASE_URL (a superuser on a PostgreSQL server): this benchmark makes a database of its own there');
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`A scratch database prefix is lower-case letters, digits and _: ${prefix}`);
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await onServer(server, `CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await onServer(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function onServer(server: string, statement: string) {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
