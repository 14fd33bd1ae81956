import type { Db } from './db.ts';
import type { Transaction } from 'kysely';
import type { Database } from '../database.ts';

/**
 * Runs `work` in a transaction: inside the caller's if it already holds one, else in a new one. Services use
 * it so that a change, its audit row and its outbox email commit together or not at all.
 */
export async function inTransaction<T>(db: Db, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db as Transaction<Database>);
  return db.transaction().execute(work);
}
