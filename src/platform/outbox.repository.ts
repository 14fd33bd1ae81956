import type { Db } from './db.ts';

export interface Email {
  to: string;
  subject: string;
  text: string;
  /** What the email is for, e.g. 'password-reset'; shown in the outbox. */
  kind: string;
}

export interface OutboxRow {
  id: number;
  to: string;
  subject: string;
  text: string;
  kind: string;
  createdAt: Date;
  sentAt: Date | null;
  attempts: number;
  lastError: string | null;
}

/** Writes an email to the outbox in the caller's transaction; it is delivered only if that commits. */
export async function enqueueEmail(trx: Db, email: Email): Promise<void> {
  await trx
    .insertInto('outbox')
    .values({ to_address: email.to, subject: email.subject, body_text: email.text, kind: email.kind })
    .execute();
}

function toRow(r: {
  id: string; to_address: string; subject: string; body_text: string; kind: string; created_at: Date;
  sent_at: Date | null; attempts: number; last_error: string | null;
}): OutboxRow {
  return {
    id: Number(r.id), to: r.to_address, subject: r.subject, text: r.body_text, kind: r.kind,
    createdAt: r.created_at, sentAt: r.sent_at, attempts: r.attempts, lastError: r.last_error,
  };
}

export async function listOutbox(db: Db, options: { limit?: number; to?: string } = {}): Promise<OutboxRow[]> {
  let q = db.selectFrom('outbox').selectAll().orderBy('id', 'desc').limit(options.limit ?? 50);
  if (options.to) q = q.where('to_address', '=', options.to);
  return (await q.execute()).map(toRow);
}

export async function getOutboxEmail(db: Db, id: number): Promise<OutboxRow | null> {
  const r = await db.selectFrom('outbox').selectAll().where('id', '=', String(id)).executeTakeFirst();
  return r ? toRow(r) : null;
}

/** Claims unsent emails for delivery, skipping ones another worker holds. */
export async function claimUnsent(trx: Db, limit: number, maxAttempts: number): Promise<OutboxRow[]> {
  const rows = await trx
    .selectFrom('outbox')
    .selectAll()
    .where('sent_at', 'is', null)
    .where('attempts', '<', maxAttempts)
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return rows.map(toRow);
}

export async function markSent(trx: Db, id: number): Promise<void> {
  await trx.updateTable('outbox').set({ sent_at: new Date(), attempts: (eb) => eb('attempts', '+', 1), last_error: null })
    .where('id', '=', String(id)).execute();
}

export async function markFailed(trx: Db, id: number, error: string): Promise<void> {
  await trx.updateTable('outbox').set({ attempts: (eb) => eb('attempts', '+', 1), last_error: error.slice(0, 1000) })
    .where('id', '=', String(id)).execute();
}
