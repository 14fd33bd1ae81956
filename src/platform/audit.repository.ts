import type { Db } from './db.ts';
import type { Actor } from './actor.ts';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | null;
  organisationId?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Fields that never enter the audit log, whatever entity they sit on. */
const secretFields = new Set(['password_hash', 'token_hash', 'id_hash', 'csrf_token', 'password']);

function scrub(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value, (key, v) => {
    if (secretFields.has(key)) return '[redacted]';
    return typeof v === 'bigint' ? v.toString() : v;
  });
}

/** Appends one audit row. Call it with the transaction that makes the change. */
export async function recordAudit(trx: Db, actor: Actor, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      actor_user_id: actor.userId,
      actor_token_id: actor.tokenId,
      actor_via: actor.via,
      organisation_id: entry.organisationId ?? null,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId ?? null,
      before: scrub(entry.before),
      after: scrub(entry.after),
    })
    .execute();
}

export interface AuditRow {
  id: number;
  at: Date;
  actorUserId: string | null;
  actorName: string | null;
  actorVia: string;
  organisationId: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
}

/** Newest first; filter by entity or organisation. */
export async function listAudit(
  db: Db,
  filter: { entityType?: string; entityId?: string; organisationId?: string; limit?: number; beforeId?: number },
): Promise<AuditRow[]> {
  let q = db
    .selectFrom('audit_log')
    .leftJoin('users', 'users.id', 'audit_log.actor_user_id')
    .select([
      'audit_log.id',
      'audit_log.at',
      'audit_log.actor_user_id',
      'users.name as actor_name',
      'audit_log.actor_via',
      'audit_log.organisation_id',
      'audit_log.action',
      'audit_log.entity_type',
      'audit_log.entity_id',
      'audit_log.before',
      'audit_log.after',
    ])
    .orderBy('audit_log.id', 'desc')
    .limit(filter.limit ?? 50);
  if (filter.entityType) q = q.where('audit_log.entity_type', '=', filter.entityType);
  if (filter.entityId) q = q.where('audit_log.entity_id', '=', filter.entityId);
  if (filter.organisationId) q = q.where('audit_log.organisation_id', '=', filter.organisationId);
  if (filter.beforeId) q = q.where('audit_log.id', '<', String(filter.beforeId));
  const rows = await q.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at,
    actorUserId: r.actor_user_id,
    actorName: r.actor_name,
    actorVia: r.actor_via,
    organisationId: r.organisation_id,
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    before: r.before,
    after: r.after,
  }));
}
