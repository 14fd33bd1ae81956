// A store for @fastify/rate-limit in PostgreSQL (platform_rate_limits, migration 0030), so a limit holds across
// every app process on the database. One statement per request: an upsert that starts a new window when the
// old one has passed, else counts one more, and returns the count and the time left.
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';
import type { Db } from './db.ts';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

function keyOf(prefix: string, client: string): string {
  return createHash('sha256').update(prefix).update('\0').update(client).digest('base64url').slice(0, 32);
}

/** Makes the store class @fastify/rate-limit instantiates (`store:` option); every route gets a child. */
export function postgresRateLimitStore(db: Kysely<Database>) {
  return class PostgresRateLimitStore {
    readonly prefix: string;
    constructor(_params?: unknown, prefix = '') {
      this.prefix = prefix;
    }

    incr(client: string, callback: Callback, timeWindow: number, _max?: number): void {
      const key = keyOf(this.prefix, client);
      const window = sql`(${timeWindow}::int * interval '1 millisecond')`;
      sql<{ hits: number; ttl: number }>`
        INSERT INTO platform_rate_limits AS r (key, window_start, hits) VALUES (${key}, now(), 1)
        ON CONFLICT (key) DO UPDATE SET
          hits = CASE WHEN r.window_start + ${window} <= now() THEN 1 ELSE r.hits + 1 END,
          window_start = CASE WHEN r.window_start + ${window} <= now() THEN now() ELSE r.window_start END
        RETURNING hits, greatest(0, ceil(extract(epoch FROM (window_start + ${window} - now())) * 1000))::int AS ttl`
        .execute(db)
        .then(({ rows }) => callback(null, { current: rows[0]!.hits, ttl: rows[0]!.ttl }), (error: Error) => callback(error));
    }

    read(client: string, callback: Callback, timeWindow: number): void {
      const key = keyOf(this.prefix, client);
      sql<{ hits: number; ttl: number }>`
        SELECT hits, greatest(0, ceil(extract(epoch FROM (window_start + (${timeWindow}::int * interval '1 millisecond') - now())) * 1000))::int AS ttl
          FROM platform_rate_limits WHERE key = ${key} AND window_start + (${timeWindow}::int * interval '1 millisecond') > now()`
        .execute(db)
        .then(({ rows }) => callback(null, rows[0] ? { current: rows[0].hits, ttl: rows[0].ttl } : { current: 0, ttl: 0 }), (error: Error) => callback(error));
    }

    /** A route's own counters: keyed by its method and URL pattern, so two routes never share a count. */
    child(routeOptions: { routeInfo?: { method?: string | string[]; url?: string }; groupId?: string }) {
      const route = routeOptions.routeInfo ?? {};
      const name = routeOptions.groupId ?? `${([] as string[]).concat(route.method ?? '').join(',')} ${route.url ?? ''}`;
      return new PostgresRateLimitStore(undefined, `${this.prefix}${name}`);
    }
  };
}

/** Deletes counters whose window ended over an hour ago (no limit here is longer than that). */
export async function purgeRateLimits(db: Db): Promise<number> {
  const result = await sql`DELETE FROM platform_rate_limits WHERE window_start < now() - interval '1 hour'`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
