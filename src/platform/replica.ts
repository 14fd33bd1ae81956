// Reads that tolerate a little lag go to a hot standby (DATABASE_REPLICA_URL); everything else to the primary.
//
// Which requests: an anonymous GET (no session cookie, no token) runs inside `replicaReads`, and only there do
// queries go to the replica. A signed-in person, or anyone right after a form (they carry a session cookie),
// reads from the primary, so they always see their own writes. Within such a request:
// - a transaction goes to the primary (whatever it does),
// - a query the replica refuses as a write (read-only transaction, 25006) is run again on the primary,
// - a replica that cannot be reached (or whose connection drops mid-query) is marked down for 30 seconds and the
//   query runs on the primary; so does one the standby cancels for a conflict with its replay (40001).
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  Kysely, PostgresDialect, type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings,
} from 'kysely';
import type pg from 'pg';
import type { Database } from '../database.ts';
import { isUnavailable } from './db.ts';
import { observeReplicaFallback, observeReplicaRead, type ReplicaFallbackReason } from './metrics.ts';

const scope = new AsyncLocalStorage<boolean>();

/** Runs `work` (and everything it starts) as reads that the replica may answer. */
export function replicaReads<T>(work: () => T): T {
  return scope.run(true, work);
}

const downFor = 30_000;

class RoutedConnection implements DatabaseConnection {
  replica: DatabaseConnection | null;
  primary: DatabaseConnection | null = null;
  inTransaction = false;
  /** Set when this connection was meant to read from the replica but could not reach it (or it was marked down). */
  unreachable: boolean;
  constructor(readonly router: RoutingDriver, replica: DatabaseConnection | null, unreachable = false) {
    this.replica = replica;
    this.unreachable = unreachable;
  }
  async primaryConnection(): Promise<DatabaseConnection> {
    return (this.primary ??= await this.router.primaryDriver.acquireConnection());
  }
  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.replica && !this.inTransaction) {
      try {
        const result = await this.replica.executeQuery<R>(query);
        this.router.replicaQueries += 1;
        observeReplicaRead();
        return result;
      } catch (error) {
        const code = (error as { code?: string }).code;
        let reason: ReplicaFallbackReason;
        if (isUnavailable(error)) {
          this.router.markDown();
          reason = 'error_mid_query';
        }
        // 25006: a write the standby refuses. 40001: a standby cancels a query that conflicts with what it is
        // replaying (a row vacuumed away on the primary); the primary answers it instead.
        else if (code === '25006') reason = 'write_refused';
        else if (code === '40001') reason = 'replay_conflict';
        else throw error;
        this.router.replicaFallbacks += 1;
        observeReplicaFallback(reason);
      }
    } else if (this.unreachable && !this.inTransaction) {
      this.router.replicaFallbacks += 1;
      observeReplicaFallback('unreachable');
    }
    return (await this.primaryConnection()).executeQuery<R>(query);
  }
  async *streamQuery<R>(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    yield* (await this.primaryConnection()).streamQuery<R>(query, chunkSize);
  }
}

class RoutingDriver implements Driver {
  replicaDownUntil = 0;
  replicaQueries = 0;
  replicaFallbacks = 0;
  constructor(readonly primaryDriver: Driver, readonly replicaDriver: Driver) {}
  markDown() {
    this.replicaDownUntil = Date.now() + downFor;
  }
  async init() {
    await this.primaryDriver.init();
    await this.replicaDriver.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    let replica: DatabaseConnection | null = null;
    let unreachable = false;
    if (scope.getStore() === true) {
      if (Date.now() < this.replicaDownUntil) unreachable = true;
      else {
        try {
          replica = await this.replicaDriver.acquireConnection();
        } catch (error) {
          if (!isUnavailable(error)) throw error;
          this.markDown();
          unreachable = true;
        }
      }
    }
    const connection = new RoutedConnection(this, replica, unreachable);
    if (!replica) await connection.primaryConnection();
    return connection;
  }
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    const routed = connection as RoutedConnection;
    routed.inTransaction = true;
    await this.primaryDriver.beginTransaction(await routed.primaryConnection(), settings);
  }
  async commitTransaction(connection: DatabaseConnection) {
    await this.primaryDriver.commitTransaction((connection as RoutedConnection).primary!);
  }
  async rollbackTransaction(connection: DatabaseConnection) {
    await this.primaryDriver.rollbackTransaction((connection as RoutedConnection).primary!);
  }
  async savepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]) {
    await this.primaryDriver.savepoint!((connection as RoutedConnection).primary!, name, compile);
  }
  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['rollbackToSavepoint']>>[2]) {
    await this.primaryDriver.rollbackToSavepoint!((connection as RoutedConnection).primary!, name, compile);
  }
  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['releaseSavepoint']>>[2]) {
    await this.primaryDriver.releaseSavepoint!((connection as RoutedConnection).primary!, name, compile);
  }
  async releaseConnection(connection: DatabaseConnection) {
    const routed = connection as RoutedConnection;
    routed.inTransaction = false;
    if (routed.replica) await this.replicaDriver.releaseConnection(routed.replica);
    if (routed.primary) await this.primaryDriver.releaseConnection(routed.primary);
    routed.replica = null;
    routed.primary = null;
  }
  async destroy() {
    await this.primaryDriver.destroy();
    await this.replicaDriver.destroy();
  }
}

/**
 * A Kysely on `primary` that sends anonymous reads (inside replicaReads) to `replica`, and a count of the
 * queries the replica answered and of those it left to the primary (for tests and metrics). Destroying it ends
 * both pools.
 */
export function routedDatabase(primary: pg.Pool, replica: pg.Pool): { db: Kysely<Database>; replicaQueries: () => number; replicaFallbacks: () => number } {
  const primaryDriver = new PostgresDialect({ pool: primary }).createDriver();
  const replicaDriver = new PostgresDialect({ pool: replica }).createDriver();
  const driver = new RoutingDriver(primaryDriver, replicaDriver);
  class RoutingDialect extends PostgresDialect {
    override createDriver(): Driver {
      return driver;
    }
  }
  return {
    db: new Kysely<Database>({ dialect: new RoutingDialect({ pool: primary }) }),
    replicaQueries: () => driver.replicaQueries,
    replicaFallbacks: () => driver.replicaFallbacks,
  };
}
