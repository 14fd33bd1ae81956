import { sql, type Insertable } from 'kysely';
import type { OrganisationGovernanceTable } from './organisations.table.ts';
import type { Db } from '../platform/db.ts';
import type { OrgId } from './organisations.identifiers.ts';

export interface OrganisationRecord {
  id: string;
  name: string;
  slug: string;
  legalForm: string;
  distributesProfit: boolean;
  sector: string;
  website: string | null;
  description: string | null;
  locality: string | null;
  verified: boolean;
  createdAt: Date;
  updatedAt: Date;
  identifiers: OrgId[];
}

type Row = {
  id: string; name: string; slug: string; legal_form: string; distributes_profit: boolean; sector: string;
  website: string | null; description: string | null; address_locality: string | null; verified: boolean;
  created_at: Date; updated_at: Date;
};

function toRecord(r: Row, identifiers: OrgId[]): OrganisationRecord {
  return {
    id: r.id, name: r.name, slug: r.slug, legalForm: r.legal_form, distributesProfit: r.distributes_profit,
    sector: r.sector, website: r.website, description: r.description, locality: r.address_locality,
    verified: r.verified, createdAt: r.created_at, updatedAt: r.updated_at, identifiers,
  };
}

async function identifiersFor(db: Db, ids: string[]): Promise<Map<string, OrgId[]>> {
  const map = new Map<string, OrgId[]>();
  if (ids.length === 0) return map;
  const rows = await db.selectFrom('organisation_identifiers').selectAll().where('organisation_id', 'in', ids)
    .orderBy('scheme').orderBy('identifier').execute();
  for (const r of rows) {
    const list = map.get(r.organisation_id) ?? [];
    list.push({ scheme: r.scheme, identifier: r.identifier });
    map.set(r.organisation_id, list);
  }
  return map;
}

export type NewOrganisation = Omit<OrganisationRecord, 'id' | 'createdAt' | 'updatedAt' | 'identifiers'>;

export async function insertOrganisation(db: Db, org: NewOrganisation, identifiers: OrgId[]): Promise<OrganisationRecord> {
  const row = await db.insertInto('organisations').values({
    name: org.name, slug: org.slug, legal_form: org.legalForm, distributes_profit: org.distributesProfit,
    sector: org.sector, website: org.website, description: org.description, address_locality: org.locality,
    verified: org.verified,
  }).returningAll().executeTakeFirstOrThrow();
  if (identifiers.length) {
    await db.insertInto('organisation_identifiers')
      .values(identifiers.map((i) => ({ organisation_id: row.id, scheme: i.scheme, identifier: i.identifier, verified: org.verified }))).execute();
  }
  return toRecord(row, identifiers);
}

export async function updateOrganisation(db: Db, id: string, changes: Partial<NewOrganisation>): Promise<void> {
  await db.updateTable('organisations').set({
    ...(changes.name !== undefined && { name: changes.name }),
    ...(changes.legalForm !== undefined && { legal_form: changes.legalForm }),
    ...(changes.distributesProfit !== undefined && { distributes_profit: changes.distributesProfit }),
    ...(changes.sector !== undefined && { sector: changes.sector }),
    ...(changes.website !== undefined && { website: changes.website }),
    ...(changes.description !== undefined && { description: changes.description }),
    ...(changes.locality !== undefined && { address_locality: changes.locality }),
    ...(changes.verified !== undefined && { verified: changes.verified }),
    updated_at: new Date(),
  }).where('id', '=', id).execute();
}

export async function replaceIdentifiers(db: Db, id: string, identifiers: OrgId[], verified: boolean): Promise<void> {
  await db.deleteFrom('organisation_identifiers').where('organisation_id', '=', id).execute();
  if (identifiers.length) {
    await db.insertInto('organisation_identifiers')
      .values(identifiers.map((i) => ({ organisation_id: id, scheme: i.scheme, identifier: i.identifier, verified }))).execute();
  }
}

/** Marks the organisation and all its identifiers verified or not. A verified identifier held elsewhere fails (23505). */
export async function setVerification(db: Db, id: string, verified: boolean): Promise<void> {
  await db.updateTable('organisation_identifiers').set({ verified }).where('organisation_id', '=', id).execute();
  await db.updateTable('organisations').set({ verified, updated_at: new Date() }).where('id', '=', id).execute();
}

export async function findById(db: Db, id: string): Promise<OrganisationRecord | null> {
  const row = await db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRecord(row, (await identifiersFor(db, [row.id])).get(row.id) ?? []) : null;
}

export async function findBySlug(db: Db, slug: string): Promise<OrganisationRecord | null> {
  const row = await db.selectFrom('organisations').selectAll().where('slug', '=', slug).executeTakeFirst();
  return row ? toRecord(row, (await identifiersFor(db, [row.id])).get(row.id) ?? []) : null;
}

/**
 * The organisation an identifier names: the one holding it verified, else the earliest claimant (several
 * unverified organisations may claim one identifier while they wait to be checked).
 */
export async function findByIdentifier(db: Db, id: OrgId): Promise<OrganisationRecord | null> {
  const hit = await db.selectFrom('organisation_identifiers as i').innerJoin('organisations as o', 'o.id', 'i.organisation_id')
    .select('i.organisation_id')
    .where('i.scheme', '=', id.scheme).where('i.identifier', '=', id.identifier)
    .orderBy('i.verified', 'desc').orderBy('o.created_at').orderBy('o.id').executeTakeFirst();
  return hit ? findById(db, hit.organisation_id) : null;
}

/** Which of these identifiers an organisation other than `exceptId` holds verified, and which one. */
export async function identifiersTaken(db: Db, ids: OrgId[], exceptId?: string): Promise<{ id: OrgId; organisationId: string; name: string }[]> {
  if (ids.length === 0) return [];
  let q = db.selectFrom('organisation_identifiers as i').innerJoin('organisations as o', 'o.id', 'i.organisation_id')
    .select(['i.scheme', 'i.identifier', 'i.organisation_id', 'o.name'])
    .where('i.verified', '=', true)
    .where((eb) => eb.or(ids.map((i) => eb.and([eb('i.scheme', '=', i.scheme), eb('i.identifier', '=', i.identifier)]))));
  if (exceptId) q = q.where('i.organisation_id', '!=', exceptId);
  return (await q.execute()).map((r) => ({ id: { scheme: r.scheme, identifier: r.identifier }, organisationId: r.organisation_id, name: r.name }));
}

/** Other organisations claiming any of these identifiers (verified or not), for the administrators' review. */
export async function otherClaimants(db: Db, ids: OrgId[], exceptId: string): Promise<{ id: OrgId; organisationId: string; name: string; slug: string; verified: boolean }[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('organisation_identifiers as i').innerJoin('organisations as o', 'o.id', 'i.organisation_id')
    .select(['i.scheme', 'i.identifier', 'i.organisation_id', 'o.name', 'o.slug', 'i.verified'])
    .where('i.organisation_id', '!=', exceptId)
    .where((eb) => eb.or(ids.map((i) => eb.and([eb('i.scheme', '=', i.scheme), eb('i.identifier', '=', i.identifier)]))))
    .orderBy('i.verified', 'desc').orderBy('o.name').execute();
  return rows.map((r) => ({ id: { scheme: r.scheme, identifier: r.identifier }, organisationId: r.organisation_id, name: r.name, slug: r.slug, verified: r.verified }));
}

/** Every verified organisation's name (a registry holds few enough public bodies to compare in memory). */
export async function verifiedNames(db: Db): Promise<{ id: string; name: string; slug: string }[]> {
  return db.selectFrom('organisations').select(['id', 'name', 'slug']).where('verified', '=', true).orderBy('name').execute();
}

/** Every unverified organisation's name, oldest first (compared in memory when a body becomes verified). */
export async function unverifiedNames(db: Db): Promise<{ id: string; name: string; slug: string }[]> {
  return db.selectFrom('organisations').select(['id', 'name', 'slug']).where('verified', '=', false).orderBy('created_at').execute();
}

export async function slugExists(db: Db, slug: string): Promise<boolean> {
  return !!(await db.selectFrom('organisations').select('id').where('slug', '=', slug).executeTakeFirst());
}

export interface SearchOptions {
  q?: string;
  sector?: string;
  legalForm?: string;
  verified?: boolean;
  limit: number;
  offset: number;
}

export async function search(db: Db, options: SearchOptions): Promise<{ total: number; items: OrganisationRecord[] }> {
  let q = db.selectFrom('organisations');
  if (options.q) {
    const pattern = `%${options.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) => eb.or([
      eb(sql`lower(name)`, 'like', pattern),
      eb.exists(eb.selectFrom('organisation_identifiers as i').select('i.organisation_id')
        .whereRef('i.organisation_id', '=', 'organisations.id')
        .where(sql`lower(i.scheme || '-' || i.identifier)`, 'like', pattern)),
    ]));
  }
  if (options.sector) q = q.where('sector', '=', options.sector);
  if (options.legalForm) q = q.where('legal_form', '=', options.legalForm);
  if (options.verified !== undefined) q = q.where('verified', '=', options.verified);
  const [{ total }, rows] = await Promise.all([
    q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    // Verified organisations first, so a look-alike never comes before the body it imitates.
    q.selectAll().orderBy('verified', 'desc').orderBy(sql`lower(name)`).orderBy('id').limit(options.limit).offset(options.offset).execute(),
  ]);
  const ids = await identifiersFor(db, rows.map((r) => r.id));
  return { total: Number(total), items: rows.map((r) => toRecord(r, ids.get(r.id) ?? [])) };
}

export async function countOrganisations(db: Db): Promise<number> {
  const r = await db.selectFrom('organisations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function namesByIds(db: Db, ids: string[]): Promise<Map<string, { name: string; slug: string; verified: boolean; legalForm: string; identifiers: OrgId[] }>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('organisations').select(['id', 'name', 'slug', 'verified', 'legal_form']).where('id', 'in', ids).execute();
  const identifiers = await identifiersFor(db, rows.map((r) => r.id));
  return new Map(rows.map((r) => [r.id, { name: r.name, slug: r.slug, verified: r.verified, legalForm: r.legal_form, identifiers: identifiers.get(r.id) ?? [] }]));
}

// Verification requests

export interface VerificationRequestRecord {
  id: string;
  organisationId: string;
  requestedBy: string | null;
  identifiers: string[];
  evidence: string | null;
  status: 'pending' | 'verified' | 'rejected' | 'superseded';
  reason: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

type RequestRow = {
  id: string; organisation_id: string; requested_by: string | null; identifiers: string[]; evidence: string | null;
  status: VerificationRequestRecord['status']; reason: string | null; decided_by: string | null; decided_at: Date | null; created_at: Date;
};

function toRequest(r: RequestRow): VerificationRequestRecord {
  return {
    id: r.id, organisationId: r.organisation_id, requestedBy: r.requested_by, identifiers: r.identifiers, evidence: r.evidence,
    status: r.status, reason: r.reason, decidedBy: r.decided_by, decidedAt: r.decided_at, createdAt: r.created_at,
  };
}

export async function insertVerificationRequest(db: Db, r: { organisationId: string; requestedBy: string | null; identifiers: string[]; evidence: string | null }): Promise<VerificationRequestRecord> {
  const row = await db.insertInto('organisation_verification_requests').values({
    organisation_id: r.organisationId, requested_by: r.requestedBy, identifiers: r.identifiers, evidence: r.evidence,
  }).returningAll().executeTakeFirstOrThrow();
  return toRequest(row as RequestRow);
}

export async function findVerificationRequest(db: Db, id: string): Promise<VerificationRequestRecord | null> {
  const row = await db.selectFrom('organisation_verification_requests').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRequest(row as RequestRow) : null;
}

export async function pendingRequestFor(db: Db, organisationId: string): Promise<VerificationRequestRecord | null> {
  const row = await db.selectFrom('organisation_verification_requests').selectAll()
    .where('organisation_id', '=', organisationId).where('status', '=', 'pending').executeTakeFirst();
  return row ? toRequest(row as RequestRow) : null;
}

export async function latestRequestFor(db: Db, organisationId: string): Promise<VerificationRequestRecord | null> {
  const row = await db.selectFrom('organisation_verification_requests').selectAll()
    .where('organisation_id', '=', organisationId).orderBy('created_at', 'desc').orderBy('id').limit(1).executeTakeFirst();
  return row ? toRequest(row as RequestRow) : null;
}

export async function listVerificationRequests(db: Db, status: VerificationRequestRecord['status'], limit: number): Promise<VerificationRequestRecord[]> {
  const rows = await db.selectFrom('organisation_verification_requests').selectAll().where('status', '=', status)
    .orderBy('created_at', status === 'pending' ? 'asc' : 'desc').orderBy('id').limit(limit).execute();
  return rows.map((r) => toRequest(r as RequestRow));
}

/** Closes a pending request; false if it was no longer pending (someone else decided it first). */
export async function closeVerificationRequest(db: Db, id: string, d: { status: 'verified' | 'rejected' | 'superseded'; reason: string | null; decidedBy: string | null }): Promise<boolean> {
  const r = await db.updateTable('organisation_verification_requests')
    .set({ status: d.status, reason: d.reason, decided_by: d.decidedBy, decided_at: new Date() })
    .where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// Look-alikes

export async function insertLookalike(db: Db, f: { organisationId: string; resemblesId: string; name: string; resemblesName: string }): Promise<boolean> {
  const r = await db.insertInto('organisation_lookalikes').values({
    organisation_id: f.organisationId, resembles_id: f.resemblesId, name: f.name, resembles_name: f.resemblesName,
  }).onConflict((oc) => oc.columns(['organisation_id', 'resembles_id']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function listLookalikes(db: Db, limit: number) {
  return db.selectFrom('organisation_lookalikes as l')
    .innerJoin('organisations as o', 'o.id', 'l.organisation_id')
    .innerJoin('organisations as r', 'r.id', 'l.resembles_id')
    .leftJoin('users as u', 'u.id', 'l.reviewed_by')
    .select(['l.organisation_id', 'l.resembles_id', 'l.created_at', 'o.name as name', 'o.slug as slug', 'o.verified as verified', 'o.created_at as registered_at',
      'r.name as resembles_name', 'r.slug as resembles_slug', 'l.reviewed_at', 'l.review_note', 'u.name as reviewer_name'])
    .orderBy('l.created_at', 'desc').limit(limit).execute();
}

/** Flags no one has reviewed whose organisation is still unverified, oldest first. */
export async function listLookalikesToReview(db: Db, limit: number) {
  return db.selectFrom('organisation_lookalikes as l')
    .innerJoin('organisations as o', 'o.id', 'l.organisation_id')
    .innerJoin('organisations as r', 'r.id', 'l.resembles_id')
    .select(['l.organisation_id', 'l.resembles_id', 'l.created_at', 'o.name as name', 'r.name as resembles_name'])
    .where('l.reviewed_at', 'is', null).where('o.verified', '=', false)
    .orderBy('l.created_at').limit(limit).execute();
}

export async function findLookalike(db: Db, organisationId: string, resemblesId: string) {
  return (await db.selectFrom('organisation_lookalikes').selectAll()
    .where('organisation_id', '=', organisationId).where('resembles_id', '=', resemblesId).executeTakeFirst()) ?? null;
}

/** Marks a flag reviewed; false if it was reviewed already (by someone else a moment ago). */
export async function markLookalikeReviewed(db: Db, organisationId: string, resemblesId: string, r: { reviewedBy: string | null; note: string }): Promise<boolean> {
  const res = await db.updateTable('organisation_lookalikes').set({ reviewed_at: new Date(), reviewed_by: r.reviewedBy, review_note: r.note })
    .where('organisation_id', '=', organisationId).where('resembles_id', '=', resemblesId).where('reviewed_at', 'is', null).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

// Invitations

export interface InvitationRecord {
  id: string;
  organisationId: string;
  email: string;
  role: string;
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  acceptedBy: string | null;
}

type InvitationRow = {
  id: string; organisation_id: string; email: string; role: string; invited_by: string | null; created_at: Date;
  expires_at: Date; accepted_at: Date | null; accepted_by: string | null;
};

function toInvitation(r: InvitationRow): InvitationRecord {
  return {
    id: r.id, organisationId: r.organisation_id, email: r.email, role: r.role, invitedBy: r.invited_by, createdAt: r.created_at,
    expiresAt: r.expires_at, acceptedAt: r.accepted_at, acceptedBy: r.accepted_by,
  };
}

const invitationColumns = ['id', 'organisation_id', 'email', 'role', 'invited_by', 'created_at', 'expires_at', 'accepted_at', 'accepted_by'] as const;

export async function insertInvitation(db: Db, i: { organisationId: string; email: string; role: string; tokenHash: string; invitedBy: string | null; expiresAt: Date }): Promise<InvitationRecord> {
  const row = await db.insertInto('organisation_invitations').values({
    organisation_id: i.organisationId, email: i.email, role: i.role, token_hash: i.tokenHash, invited_by: i.invitedBy, expires_at: i.expiresAt,
  }).returning(invitationColumns).executeTakeFirstOrThrow();
  return toInvitation(row);
}

export async function findInvitationByTokenHash(db: Db, tokenHash: string): Promise<InvitationRecord | null> {
  const row = await db.selectFrom('organisation_invitations').select(invitationColumns).where('token_hash', '=', tokenHash).executeTakeFirst();
  return row ? toInvitation(row) : null;
}

/** Marks an invitation used, once: false if it was already used or has expired (a concurrent accept lost). */
export async function markInvitationAccepted(db: Db, id: string, userId: string, now = new Date()): Promise<boolean> {
  const r = await db.updateTable('organisation_invitations').set({ accepted_at: now, accepted_by: userId })
    .where('id', '=', id).where('accepted_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function listInvitations(db: Db, organisationId: string, limit = 50): Promise<InvitationRecord[]> {
  const rows = await db.selectFrom('organisation_invitations').select(invitationColumns).where('organisation_id', '=', organisationId)
    .orderBy('created_at', 'desc').limit(limit).execute();
  return rows.map(toInvitation);
}

/**
 * Serialises everyone claiming or verifying these identifiers until the transaction ends (in a fixed order, so
 * two verifications of rival claims queue instead of deadlocking).
 */
export async function lockIdentifiers(db: Db, ids: OrgId[]): Promise<void> {
  for (const key of [...new Set(ids.map((i) => `${i.scheme}-${i.identifier}`))].sort()) {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`organisation-identifier:${key}`}, 0))`.execute(db);
  }
}

// Governance published for the scorecard (migration 0038)

export async function governanceOf(db: Db, organisationId: string) {
  return (await db.selectFrom('organisation_governance').selectAll().where('organisation_id', '=', organisationId).executeTakeFirst()) ?? null;
}

export async function upsertGovernance(db: Db, g: Omit<Insertable<OrganisationGovernanceTable>, 'updated_at'>) {
  const { organisation_id: _id, ...change } = g;
  return db.insertInto('organisation_governance').values(g)
    .onConflict((oc) => oc.column('organisation_id').doUpdateSet({ ...change, updated_at: new Date() })).returningAll().executeTakeFirstOrThrow();
}
