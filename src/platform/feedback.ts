// Feedback from the phase banner's link: what a person says about the service, kept for the site's
// administrators (listed at /admin/feedback) and emailed to each of them through the outbox.
import type { Db } from './db.ts';
import type { Actor } from './actor.ts';
import { Checker } from './validate.ts';
import { inTransaction } from './transaction.ts';
import { recordAudit } from './audit.repository.ts';
import { enqueueEmail } from './outbox.repository.ts';
import { normaliseEmail } from './email.ts';

export interface FeedbackView { id: string; page: string; body: string; email: string | null; createdAt: string }

/** The page a person came from, as a path on this site ("/spend?page=2"), or '' for anything else. */
export function feedbackPage(input: unknown): string {
  const text = typeof input === 'string' ? input.trim() : '';
  return /^\/(?!\/)[^\s\\]{0,499}$/.test(text) ? text : '';
}

/**
 * Stores a person's feedback (signed in or not) and emails it to every site administrator. The email address
 * is optional, for a reply; nothing else about the person is kept.
 */
export async function submitFeedback(db: Db, actor: Actor, input: { body?: unknown; email?: unknown; page?: unknown }, options: { baseUrl: string }): Promise<{ id: string }> {
  const check = new Checker();
  const body = check.text(input.body, 'body', 'your feedback', { max: 5000 });
  const rawEmail = typeof input.email === 'string' ? input.email.trim() : '';
  const email = rawEmail ? normaliseEmail(rawEmail) : null;
  if (rawEmail && (!email || email.length > 320)) check.fail('email', 'Enter an email address in the correct format, like name@example.com, or leave it empty');
  check.done();
  const page = feedbackPage(input.page);
  return inTransaction(db, async (trx) => {
    const row = await trx.insertInto('feedback').values({ page, body, email, user_id: actor.userId }).returning('id').executeTakeFirstOrThrow();
    const admins = await trx.selectFrom('users').select('email').where('is_admin', '=', true).orderBy('email').limit(50).execute();
    for (const a of admins) {
      await enqueueEmail(trx, {
        to: a.email, kind: 'feedback', subject: `Feedback${page ? ` about ${page.slice(0, 80)}` : ''}`,
        text: `Someone sent feedback${page ? ` from ${options.baseUrl}${page}` : ''}:\n\n${body}\n\n${email ? `They would like a reply at ${email}.` : 'They left no email address.'}\n\nAll feedback: ${options.baseUrl}/admin/feedback\n`,
      });
    }
    await recordAudit(trx, actor, { action: 'platform.feedback.received', entityType: 'feedback', entityId: row.id, after: { page } });
    return { id: row.id };
  });
}

/** The latest feedback, newest first (site administrators). */
export async function latestFeedback(db: Db, limit = 100): Promise<FeedbackView[]> {
  const rows = await db.selectFrom('feedback').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
  return rows.map((r) => ({ id: r.id, page: r.page, body: r.body, email: r.email, createdAt: new Date(r.created_at).toISOString() }));
}
