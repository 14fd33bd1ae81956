// One draft → check → publish mechanism for everything a publisher uploads (DESIGN.md): spending files and
// senior salaries today, grants later. A module holds its upload here as a draft owned by the publishing
// organisation, with the check result it worked out (what a person reads before publishing) and whatever it
// needs to publish it later (payload, and the uploaded bytes). The draft then moves once, under a row lock,
// to published, discarded or expired, each audited; a second publish finds it no longer open (409).
//
// A module registers each kind it makes (registerDraftKind) with where its check page is and how to clean up
// what it keeps outside this table (a spending draft's loaded lines), which discarding and expiry call in the
// same transaction as the state change. Expired drafts are cleaned up by any app process (expireDrafts):
// each draft is claimed with FOR UPDATE SKIP LOCKED, so several processes share the work and none does a
// draft twice.
import { sql, type Selectable } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from './db.ts';
import type { Actor } from './actor.ts';
import { systemActor } from './actor.ts';
import { AppError } from './errors.ts';
import { recordAudit } from './audit.repository.ts';
import { requireOrganisationRole, rolesByOrganisation, type Role } from './auth/policy.ts';
import { inTransaction } from './transaction.ts';
import type { DraftsTable } from './platform.table.ts';

export type DraftState = 'draft' | 'published' | 'discarded' | 'expired';

export interface Draft<P = unknown, C = unknown> {
  id: string;
  organisationId: string;
  kind: string;
  state: DraftState;
  title: string;
  filename: string | null;
  fingerprint: string | null;
  payload: P;
  check: C;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  closedBy: string | null;
  closedAt: Date | null;
  /** What publishing made (e.g. the spend file's id). */
  resultId: string | null;
}

/** What a module tells the platform about one kind of draft it makes. */
export interface DraftKind {
  kind: string;
  /** "Spending file", "Senior salaries list": for lists of drafts. */
  label: string;
  /** The draft's check page (path, no host). */
  href(draft: Draft): string;
  /** The roles in the owner organisation that may open, change, publish or discard it (site administrators always may). */
  roles: readonly Role[];
  /** Removes what the module keeps outside the draft (called in the transaction that discards or expires it). */
  cleanUp?(trx: Db, draft: Draft): Promise<void>;
}

const kinds = new Map<string, DraftKind>();

/** Registers a kind of draft (once a process; registering it again replaces it). */
export function registerDraftKind(kind: DraftKind): void {
  kinds.set(kind.kind, kind);
}

export function draftKind(kind: string): DraftKind {
  const k = kinds.get(kind);
  if (!k) throw new Error(`No draft kind ${kind} is registered`);
  return k;
}

const json = (value: unknown): string => JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

function present<P, C>(r: Selectable<DraftsTable>): Draft<P, C> {
  return {
    id: r.id, organisationId: r.organisation_id, kind: r.kind, state: r.state, title: r.title, filename: r.filename,
    fingerprint: r.fingerprint, payload: r.payload as P, check: r.check_result as C, createdBy: r.created_by,
    createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at), expiresAt: new Date(r.expires_at),
    closedBy: r.closed_by, closedAt: r.closed_at ? new Date(r.closed_at) : null, resultId: r.result_id,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NewDraft<P, C> {
  organisationId: string;
  kind: string;
  title: string;
  filename?: string | null;
  /** The same fingerprint (e.g. the bytes' SHA-256) is one open draft per organisation and kind. */
  fingerprint?: string | null;
  payload: P;
  check: C;
  /** Days until it expires. */
  days: number;
  /** A chosen id (e.g. one the module already used for what it loaded). */
  id?: string;
}

/** Holds a new draft. Audited (`draft.created`). Call in the transaction that makes what the draft keeps. */
export async function createDraft<P, C>(trx: Db, actor: Actor, input: NewDraft<P, C>): Promise<Draft<P, C>> {
  draftKind(input.kind);
  const row = await trx.insertInto('platform_drafts').values({
    organisation_id: input.organisationId, ...(input.id ? { id: input.id } : {}), kind: input.kind, title: input.title,
    filename: input.filename ?? null, fingerprint: input.fingerprint ?? null, payload: json(input.payload), check_result: json(input.check),
    created_by: actor.userId, expires_at: sql<Date>`now() + make_interval(days => ${input.days})` as unknown as Date,
  }).returningAll().executeTakeFirstOrThrow();
  const draft = present<P, C>(row as Selectable<DraftsTable>);
  await recordAudit(trx, actor, {
    action: 'draft.created', entityType: 'draft', entityId: draft.id, organisationId: draft.organisationId,
    after: { kind: draft.kind, title: draft.title, filename: draft.filename, expiresAt: draft.expiresAt.toISOString(), check: input.check },
  });
  return draft;
}

/** Keeps the uploaded bytes with the draft, in pieces of a megabyte. */
export async function saveDraftBytes(trx: Db, draft: Pick<Draft, 'id' | 'organisationId'>, bytes: Uint8Array): Promise<void> {
  const PIECE = 1024 * 1024;
  for (let i = 0, piece = 0; i < bytes.length || piece === 0; i += PIECE, piece++) {
    await trx.insertInto('platform_draft_bytes').values({ organisation_id: draft.organisationId, draft_id: draft.id, piece, data: bytes.subarray(i, i + PIECE) }).execute();
    if (bytes.length === 0) break;
  }
}

/** The bytes uploaded with a draft, whole. */
export async function readDraftBytes(db: Db, draft: Pick<Draft, 'id' | 'organisationId'>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let after = -1;
  // A few pieces at a time, in order, so no one result holds the whole upload twice.
  for (;;) {
    const rows = await db.selectFrom('platform_draft_bytes').select(['piece', 'data']).where('organisation_id', '=', draft.organisationId)
      .where('draft_id', '=', draft.id).where('piece', '>', after).orderBy('piece').limit(8).execute();
    if (rows.length === 0) break;
    for (const r of rows) parts.push(Buffer.from(r.data));
    after = rows[rows.length - 1]!.piece;
  }
  return Buffer.concat(parts);
}

/** A draft by its id alone, whatever its state; null when there is none. */
export async function findDraft<P = unknown, C = unknown>(db: Db, id: string): Promise<Draft<P, C> | null> {
  if (!UUID.test(id)) return null;
  const row = await db.selectFrom('platform_drafts').selectAll().where('id', '=', id.toLowerCase()).executeTakeFirst();
  return row ? present<P, C>(row as Selectable<DraftsTable>) : null;
}

/** The organisation owning a draft, for a route's access check: not_found when there is no such draft. */
export async function draftOrganisation(db: Db, id: string): Promise<string> {
  const draft = await findDraft(db, id);
  if (!draft) throw new AppError('not_found', 'No such draft');
  return draft.organisationId;
}

/**
 * Opens a draft for someone who may work on it: its kind's roles in the owner organisation, or a site
 * administrator. Anyone else is refused (forbidden), and a draft that does not exist, or of another kind, is
 * not_found.
 */
export async function openDraft<P = unknown, C = unknown>(db: Db, actor: Actor, id: string, kind?: string | readonly string[]): Promise<Draft<P, C>> {
  const draft = await findDraft<P, C>(db, id);
  const wanted = kind === undefined ? null : ([] as string[]).concat(kind);
  if (!draft || (wanted && !wanted.includes(draft.kind))) throw new AppError('not_found', 'No such draft');
  await requireOrganisationRole(db, actor, draft.organisationId, draftKind(draft.kind).roles);
  return draft;
}

function closedMessage(draft: Draft): string {
  switch (draft.state) {
    case 'published': return `This draft was already published${draft.closedAt ? ` on ${draft.closedAt.toISOString().slice(0, 10)}` : ''}: it cannot be changed or published again.`;
    case 'discarded': return 'This draft was discarded: upload the file again to publish it.';
    case 'expired': return 'This draft expired before it was published: upload the file again to publish it.';
    default: return 'This draft is no longer open.';
  }
}

/**
 * Locks an open draft for a change (until the transaction ends) after checking that `actor` may work on it.
 * A draft already published, discarded or expired — or past its expiry though not yet cleaned up — is a
 * conflict (409), so two publishers pressing "Publish" at once publish it once.
 */
export async function lockOpenDraft<P = unknown, C = unknown>(trx: Db, actor: Actor, id: string, kind?: string | readonly string[]): Promise<Draft<P, C>> {
  const seen = await openDraft<P, C>(trx, actor, id, kind);
  const row = await trx.selectFrom('platform_drafts').selectAll().select(sql<boolean>`expires_at <= now()`.as('past'))
    .where('organisation_id', '=', seen.organisationId).where('id', '=', seen.id).forUpdate().executeTakeFirstOrThrow();
  const draft = present<P, C>(row as Selectable<DraftsTable>);
  if (draft.state !== 'draft') throw new AppError('conflict', closedMessage(draft));
  if ((row as { past: boolean }).past) throw new AppError('conflict', closedMessage({ ...draft, state: 'expired' }));
  return draft;
}

/** Replaces what an open, locked draft holds after its publisher changed it. Audited (`draft.changed`). */
export async function updateDraft<P, C>(trx: Db, actor: Actor, draft: Draft<P, C>, change: { payload: P; check: C; audit?: unknown }): Promise<Draft<P, C>> {
  const row = await trx.updateTable('platform_drafts').set({ payload: json(change.payload), check_result: json(change.check), updated_at: new Date() })
    .where('organisation_id', '=', draft.organisationId).where('id', '=', draft.id).where('state', '=', 'draft').returningAll().executeTakeFirstOrThrow();
  await recordAudit(trx, actor, { action: 'draft.changed', entityType: 'draft', entityId: draft.id, organisationId: draft.organisationId, after: change.audit ?? change.check });
  return present<P, C>(row as Selectable<DraftsTable>);
}

/**
 * Closes a locked, open draft: published (with what it made), discarded or expired. Its bytes are removed;
 * its record stays. Audited (`draft.published`, `draft.discarded`, `draft.expired`). Discarding and expiry run
 * the kind's clean-up in the same transaction.
 */
export async function closeDraft(trx: Db, actor: Actor, draft: Draft, state: Exclude<DraftState, 'draft'>, resultId: string | null = null): Promise<void> {
  if (state !== 'published') await draftKind(draft.kind).cleanUp?.(trx, draft);
  await trx.deleteFrom('platform_draft_bytes').where('organisation_id', '=', draft.organisationId).where('draft_id', '=', draft.id).execute();
  const r = await trx.updateTable('platform_drafts').set({ state, closed_by: actor.userId, closed_at: new Date(), result_id: resultId, updated_at: new Date() })
    .where('organisation_id', '=', draft.organisationId).where('id', '=', draft.id).where('state', '=', 'draft').executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw new AppError('conflict', closedMessage(draft));
  await recordAudit(trx, actor, { action: `draft.${state}`, entityType: 'draft', entityId: draft.id, organisationId: draft.organisationId, after: { kind: draft.kind, title: draft.title, resultId } });
}

/** Discards an open draft (its publisher's staff). Audited. */
export async function discardDraft(db: Db, actor: Actor, id: string, kind?: string | readonly string[]): Promise<Draft> {
  return inTransaction(db, async (trx) => {
    const draft = await lockOpenDraft(trx, actor, id, kind);
    await closeDraft(trx, actor, draft, 'discarded');
    return { ...draft, state: 'discarded' as const };
  });
}

/** The open draft with this fingerprint, if any (the same bytes uploaded again). */
export async function findOpenDraftByFingerprint<P = unknown, C = unknown>(db: Db, organisationId: string, kind: string, fingerprint: string): Promise<Draft<P, C> | null> {
  const row = await db.selectFrom('platform_drafts').selectAll().where('organisation_id', '=', organisationId).where('kind', '=', kind)
    .where('fingerprint', '=', fingerprint).where('state', '=', 'draft').where(sql<boolean>`expires_at > now()`).executeTakeFirst();
  return row ? present<P, C>(row as Selectable<DraftsTable>) : null;
}

/** An organisation's open drafts (not past their expiry), newest first; of some kinds only when given. */
export async function listOpenDrafts<P = unknown, C = unknown>(db: Db, organisationId: string, kind?: readonly string[]): Promise<Draft<P, C>[]> {
  let q = db.selectFrom('platform_drafts').selectAll().where('organisation_id', '=', organisationId).where('state', '=', 'draft')
    .where(sql<boolean>`expires_at > now()`).orderBy('created_at', 'desc');
  if (kind?.length) q = q.where('kind', 'in', [...kind]);
  return (await q.execute()).map((r) => present<P, C>(r as Selectable<DraftsTable>));
}

/**
 * The open drafts waiting for a person: those of every organisation where they hold one of the draft kind's
 * roles (a site administrator, who may open any draft, is shown only their own organisations'), newest first,
 * each with its kind's label and check page. For an inbox of work ("a draft waiting to be published").
 */
export async function draftsWaitingFor(db: Db, userId: string): Promise<{ draft: Draft; label: string; href: string }[]> {
  const held = await rolesByOrganisation(db, userId);
  if (!held.size) return [];
  const rows = await db.selectFrom('platform_drafts').selectAll().where('organisation_id', 'in', [...held.keys()]).where('state', '=', 'draft')
    .where(sql<boolean>`expires_at > now()`).orderBy('created_at', 'desc').limit(200).execute();
  const out: { draft: Draft; label: string; href: string }[] = [];
  for (const row of rows) {
    const draft = present(row as Selectable<DraftsTable>);
    const kind = kinds.get(draft.kind);
    if (!kind || !(held.get(draft.organisationId) ?? []).some((r) => kind.roles.includes(r))) continue;
    out.push({ draft, label: kind.label, href: kind.href(draft) });
  }
  return out;
}

/**
 * Expires every open draft past its expiry: its kind cleans up what it kept, its bytes go, it is marked expired
 * and audited, one draft a transaction. Safe in several processes at once: each draft is claimed with
 * FOR UPDATE SKIP LOCKED, so a draft being published or expired elsewhere is left to that process.
 */
export async function expireDrafts(db: Db, log?: Logger, limit = 1000): Promise<number> {
  let done = 0;
  while (done < limit) {
    const expired = await db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('platform_drafts').selectAll().where('state', '=', 'draft').where(sql<boolean>`expires_at <= now()`)
        .orderBy('expires_at').limit(1).forUpdate().skipLocked().executeTakeFirst();
      if (!row) return false;
      const draft = present(row as Selectable<DraftsTable>);
      if (!kinds.has(draft.kind)) {
        log?.warn({ draftId: draft.id, kind: draft.kind }, 'draft of a kind no module registered: expired without its clean-up');
        await trx.deleteFrom('platform_draft_bytes').where('organisation_id', '=', draft.organisationId).where('draft_id', '=', draft.id).execute();
        await trx.updateTable('platform_drafts').set({ state: 'expired', closed_at: new Date(), updated_at: new Date() })
          .where('organisation_id', '=', draft.organisationId).where('id', '=', draft.id).execute();
        await recordAudit(trx, systemActor, { action: 'draft.expired', entityType: 'draft', entityId: draft.id, organisationId: draft.organisationId, after: { kind: draft.kind, title: draft.title } });
      } else await closeDraft(trx, systemActor, draft, 'expired');
      return true;
    });
    if (!expired) break;
    done++;
  }
  return done;
}

/** Expires drafts every `intervalMs` (and once at once) until the returned function is called. */
export function startDraftExpiry(db: Db, log: Logger, intervalMs = 3600_000): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = running.then(() => expireDrafts(db, log)).then((n) => {
      if (n) log.info({ expired: n }, 'drafts expired');
    }).catch((err) => log.error({ err }, 'draft expiry'));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
