// One inbox and notification mechanism for every module (DESIGN.md). A module adds its kinds of work in its
// manifest (`work: [...]`); each kind answers "what waits for this person now" from the module's own data, so
// the inbox is always true: an item leaves it when the job is done, by whoever does it. When a change creates
// new work, the module calls `notifyWork` in the same transaction, which emails the people concerned through
// the outbox unless they turned that kind off on /account/notifications.
import type { Db } from './db.ts';
import type { Actor } from './actor.ts';
import { AppError } from './errors.ts';
import { recordAudit } from './audit.repository.ts';
import { enqueueEmail } from './outbox.repository.ts';
import { inTransaction } from './transaction.ts';

/** One thing waiting for a person. Plain text only: the page escapes it, the API sends it as it is. */
export interface WorkItem {
  /** What to do, e.g. `Moderate "The bus never came"`. */
  title: string;
  /** A same-site path to the page where the job is done, e.g. `/voice/moderation/stories/…`. */
  href: string;
  /** When the work arrived (or, for work that cannot start yet, when it can). */
  date: Date;
  /** One optional line of context, e.g. the organisation or the bank. */
  detail?: string;
}

/** Who is asking: the signed-in person. */
export interface WorkPerson {
  id: string;
  isAdmin: boolean;
}

/**
 * A kind of work a module adds to the inbox. To add one, put an object like this in the module's manifest
 * (`work: [...]`) and, where the module's service creates such work, call `notifyWork` with the same `kind`
 * in that transaction:
 *
 * ```ts
 * work: [{
 *   kind: 'grants.application-to-assess', label: 'Applications to assess',
 *   emailHint: 'When an application is assigned to you',
 *   list: (db, person) => applicationsToAssess(db, person.id),   // WorkItem[], from the module's own tables
 * }]
 * ```
 */
export interface WorkKind {
  /** Stable key, `<module>.<thing>` in lower case (e.g. 'voice.story-to-moderate'); stored with email settings. */
  kind: string;
  /** The inbox's heading for these items and the settings page's label, e.g. 'Stories to moderate'. */
  label: string;
  /** When the email is sent, for the settings page, e.g. 'When a new story is submitted'. */
  emailHint: string;
  /**
   * What waits for this person now, computed from the module's own data (oldest first; at most ~100). Only
   * work the person may do: the page behind `href` must let them do it.
   */
  list(db: Db, person: WorkPerson): Promise<WorkItem[]>;
}

export interface InboxGroup {
  kind: string;
  label: string;
  items: WorkItem[];
}

/** Everything waiting for the person, by kind (kinds with nothing waiting are left out), and the total. */
export async function inboxFor(db: Db, kinds: readonly WorkKind[], person: WorkPerson): Promise<{ total: number; groups: InboxGroup[] }> {
  const groups: InboxGroup[] = [];
  for (const k of kinds) {
    const items = await k.list(db, person);
    if (items.length) groups.push({ kind: k.kind, label: k.label, items });
  }
  return { total: groups.reduce((n, g) => n + g.items.length, 0), groups };
}

/** How many things wait for the person (the header's count). */
export async function inboxCount(db: Db, kinds: readonly WorkKind[], person: WorkPerson): Promise<number> {
  return (await inboxFor(db, kinds, person)).total;
}

// ---------------------------------------------------------------------------------------------------------
// Email settings

/** The kinds a person is not emailed about (everything else is emailed). */
export async function emailsTurnedOff(db: Db, userIds: readonly string[], kind?: string): Promise<Set<string>> {
  if (!userIds.length) return new Set();
  let q = db.selectFrom('notification_settings').select(['user_id', 'kind']).where('user_id', 'in', [...userIds]).where('email', '=', false);
  if (kind) q = q.where('kind', '=', kind);
  return new Set((await q.execute()).map((r) => `${r.user_id} ${r.kind}`));
}

/** Each kind with whether the person is emailed about it. */
export async function emailSettings(db: Db, kinds: readonly WorkKind[], userId: string): Promise<{ kind: string; label: string; emailHint: string; email: boolean }[]> {
  const off = await emailsTurnedOff(db, [userId]);
  return kinds.map((k) => ({ kind: k.kind, label: k.label, emailHint: k.emailHint, email: !off.has(`${userId} ${k.kind}`) }));
}

/**
 * Saves which kinds the person is emailed about: `emailed` lists the kinds to keep on; every other known kind
 * is turned off. A person changes only their own settings. Audited, in one transaction.
 */
export async function setEmailSettings(db: Db, actor: Actor, kinds: readonly WorkKind[], emailed: unknown): Promise<void> {
  if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to change which emails you get');
  const userId = actor.userId;
  const list = (Array.isArray(emailed) ? emailed : typeof emailed === 'string' ? [emailed] : emailed === undefined ? [] : null);
  if (list === null || list.some((k) => typeof k !== 'string')) throw AppError.validation([{ field: 'email', message: 'Choose the emails you want from the list' }]);
  const known = new Set(kinds.map((k) => k.kind));
  const unknown = (list as string[]).find((k) => !known.has(k));
  if (unknown !== undefined) throw AppError.validation([{ field: 'email', message: `There is no kind of email called "${unknown.slice(0, 80)}"` }]);
  const on = new Set(list as string[]);
  await inTransaction(db, async (trx) => {
    const before = await emailsTurnedOff(trx, [userId]);
    for (const k of kinds) {
      await trx.insertInto('notification_settings').values({ user_id: userId, kind: k.kind, email: on.has(k.kind) })
        .onConflict((oc) => oc.columns(['user_id', 'kind']).doUpdateSet({ email: on.has(k.kind), updated_at: new Date() })).execute();
    }
    await recordAudit(trx, actor, {
      action: 'notifications.changed', entityType: 'user', entityId: userId,
      before: { emailOff: kinds.filter((k) => before.has(`${userId} ${k.kind}`)).map((k) => k.kind) },
      after: { emailOff: kinds.filter((k) => !on.has(k.kind)).map((k) => k.kind) },
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Notifying

export interface WorkNotice {
  /** The WorkKind's key; people who turned it off are not emailed. */
  kind: string;
  /** The people the new work is for. Duplicates, unknown ids and `except` are skipped. */
  userIds: readonly string[];
  subject: string;
  /** The body: what arrived and why it is theirs. The link to the job, the inbox and the settings are added. */
  text: string;
  /** Same-site path of the page where the job is done. */
  href: string;
  /** The site's public address (config.baseUrl). */
  baseUrl: string;
  /** Someone not to email (the person whose action made the work, when they are also one of its people). */
  except?: string | null;
}

/**
 * Emails each person that new work waits for them, through the outbox, in the caller's transaction (so
 * nothing is sent for a change that is refused or rolled back). Returns how many emails were written.
 */
export async function notifyWork(trx: Db, notice: WorkNotice): Promise<number> {
  const ids = [...new Set(notice.userIds)].filter((id) => id !== notice.except);
  if (!ids.length) return 0;
  const [people, off] = await Promise.all([
    trx.selectFrom('users').select(['id', 'email', 'name']).where('id', 'in', ids).orderBy('email').execute(),
    emailsTurnedOff(trx, ids, notice.kind),
  ]);
  // Without the site's address (a caller that has none) the links name the page to open instead.
  const at = (path: string) => (notice.baseUrl ? `${notice.baseUrl}${path}` : `sign in to Commonweal and open ${path}`);
  let sent = 0;
  for (const p of people) {
    if (off.has(`${p.id} ${notice.kind}`)) continue;
    await enqueueEmail(trx, {
      to: p.email, kind: notice.kind, subject: notice.subject,
      text: [
        `Hello ${p.name},`, '', notice.text.trim(), '',
        `Do it here: ${at(notice.href)}`, '',
        `Everything waiting for you: ${at('/inbox')}`,
        `To stop emails like this one, change your settings: ${at('/account/notifications')}`,
      ].join('\n') + '\n',
    });
    sent++;
  }
  return sent;
}

/** The site administrators (who hear about work no one else has been chosen for). */
export async function siteAdministratorIds(db: Db): Promise<string[]> {
  return (await db.selectFrom('users').select('id').where('is_admin', '=', true).execute()).map((r) => r.id);
}

/** The people holding one of `roles` in one of `organisationIds`. */
export async function roleHolderIds(db: Db, organisationIds: readonly string[], roles: readonly string[]): Promise<string[]> {
  if (!organisationIds.length || !roles.length) return [];
  const rows = await db.selectFrom('memberships').select('user_id').distinct()
    .where('organisation_id', 'in', [...organisationIds]).where('role', 'in', [...roles]).execute();
  return rows.map((r) => r.user_id);
}
