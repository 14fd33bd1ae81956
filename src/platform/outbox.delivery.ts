import nodemailer, { type Transporter } from 'nodemailer';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../database.ts';
import { claimUnsent, markFailed, markSent } from './outbox.repository.ts';

const maxAttempts = 5;

export function smtpTransport(smtpUrl: string): Transporter {
  return nodemailer.createTransport(smtpUrl);
}

/**
 * Delivers what the outbox holds through `transport`, a batch at a time. Each email is marked sent in the
 * same transaction that claimed it, so two workers never send one email twice.
 */
export async function deliverOutbox(
  db: Kysely<Database>,
  transport: Pick<Transporter, 'sendMail'>,
  from: string,
  log?: Logger,
): Promise<{ sent: number; failed: number }> {
  let sent = 0;
  let failed = 0;
  await db.transaction().execute(async (trx) => {
    for (const email of await claimUnsent(trx, 20, maxAttempts)) {
      try {
        await transport.sendMail({ from, to: email.to, subject: email.subject, text: email.text });
        await markSent(trx, email.id);
        sent++;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log?.warn({ emailId: email.id, err: message }, 'email delivery failed');
        await markFailed(trx, email.id, message);
        failed++;
      }
    }
  });
  return { sent, failed };
}

/** Polls the outbox every `intervalMs` until the returned stop function is called. */
export function startOutboxDelivery(
  db: Kysely<Database>,
  transport: Pick<Transporter, 'sendMail'>,
  from: string,
  log: Logger,
  intervalMs = 5000,
): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => deliverOutbox(db, transport, from, log)).catch((err) => log.error({ err }, 'outbox'));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
