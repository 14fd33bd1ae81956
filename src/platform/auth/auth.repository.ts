import { normaliseEmail } from '../email.ts';
import type { Db } from '../db.ts';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  passwordHash: string | null;
  isAdmin: boolean;
  createdAt: Date;
}

const userColumns = ['id', 'email', 'name', 'password_hash', 'is_admin', 'created_at'] as const;

function toUser(r: { id: string; email: string; name: string; password_hash: string | null; is_admin: boolean; created_at: Date }): UserRecord {
  return { id: r.id, email: r.email, name: r.name, passwordHash: r.password_hash, isAdmin: r.is_admin, createdAt: r.created_at };
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRecord | null> {
  const r = await db.selectFrom('users').select(userColumns).where('email', '=', normaliseEmail(email) ?? email.toLowerCase()).executeTakeFirst();
  return r ? toUser(r) : null;
}

export async function findUserById(db: Db, id: string): Promise<UserRecord | null> {
  const r = await db.selectFrom('users').select(userColumns).where('id', '=', id).executeTakeFirst();
  return r ? toUser(r) : null;
}

export async function insertUser(
  db: Db,
  user: { email: string; name: string; passwordHash: string | null; isAdmin: boolean },
): Promise<UserRecord> {
  const r = await db
    .insertInto('users')
    .values({ email: normaliseEmail(user.email) ?? user.email.toLowerCase(), name: user.name, password_hash: user.passwordHash, is_admin: user.isAdmin })
    .returning(userColumns)
    .executeTakeFirstOrThrow();
  return toUser(r);
}

export async function updateUserPassword(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash, updated_at: new Date() }).where('id', '=', userId).execute();
}

export async function setUserAdmin(db: Db, userId: string, isAdmin: boolean): Promise<void> {
  await db.updateTable('users').set({ is_admin: isAdmin, updated_at: new Date() }).where('id', '=', userId).execute();
}

export async function listUsers(db: Db, limit = 100): Promise<UserRecord[]> {
  return (await db.selectFrom('users').select(userColumns).orderBy('created_at', 'desc').limit(limit).execute()).map(toUser);
}

/** The site administrators, for the emails that ask them to look at something. */
export async function listAdministrators(db: Db): Promise<UserRecord[]> {
  return (await db.selectFrom('users').select(userColumns).where('is_admin', '=', true).orderBy('created_at').execute()).map(toUser);
}

// Sessions

export interface SessionRecord {
  idHash: string;
  userId: string | null;
  csrfToken: string;
  expiresAt: Date;
  lastSeenAt: Date;
}

export async function insertSession(db: Db, s: { idHash: string; userId: string | null; csrfToken: string; expiresAt: Date }): Promise<void> {
  await db.insertInto('sessions').values({ id_hash: s.idHash, user_id: s.userId, csrf_token: s.csrfToken, expires_at: s.expiresAt }).execute();
}

export async function findSession(db: Db, idHash: string): Promise<SessionRecord | null> {
  const r = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  return r ? { idHash: r.id_hash, userId: r.user_id, csrfToken: r.csrf_token, expiresAt: r.expires_at, lastSeenAt: r.last_seen_at } : null;
}

export async function touchSession(db: Db, idHash: string, expiresAt: Date): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: new Date(), expires_at: expiresAt }).where('id_hash', '=', idHash).execute();
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

export async function deleteUserSessions(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export async function deleteExpiredSessions(db: Db, now = new Date()): Promise<number> {
  const r = await db.deleteFrom('sessions').where('expires_at', '<', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}

// API tokens

export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

function toToken(r: { id: string; user_id: string; name: string; prefix: string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }): ApiTokenRecord {
  return { id: r.id, userId: r.user_id, name: r.name, prefix: r.prefix, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at };
}

const tokenColumns = ['id', 'user_id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'] as const;

export async function insertApiToken(db: Db, t: { userId: string; name: string; prefix: string; tokenHash: string }): Promise<ApiTokenRecord> {
  const r = await db.insertInto('api_tokens')
    .values({ user_id: t.userId, name: t.name, prefix: t.prefix, token_hash: t.tokenHash })
    .returning(tokenColumns).executeTakeFirstOrThrow();
  return toToken(r);
}

export async function findApiTokenByHash(db: Db, tokenHash: string): Promise<ApiTokenRecord | null> {
  const r = await db.selectFrom('api_tokens').select(tokenColumns).where('token_hash', '=', tokenHash).executeTakeFirst();
  return r ? toToken(r) : null;
}

/** A token and its user in one round trip (every API request asks this). */
export async function findApiTokenWithUser(db: Db, tokenHash: string): Promise<{ token: ApiTokenRecord; user: UserRecord } | null> {
  const r = await db.selectFrom('api_tokens as t').innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id', 't.user_id', 't.name', 't.prefix', 't.created_at', 't.last_used_at', 't.revoked_at',
      'u.email as u_email', 'u.name as u_name', 'u.password_hash as u_password_hash', 'u.is_admin as u_is_admin', 'u.created_at as u_created_at'])
    .where('t.token_hash', '=', tokenHash).executeTakeFirst();
  if (!r) return null;
  return {
    token: toToken(r),
    user: toUser({ id: r.user_id, email: r.u_email, name: r.u_name, password_hash: r.u_password_hash, is_admin: r.u_is_admin, created_at: r.u_created_at }),
  };
}

export async function listApiTokens(db: Db, userId: string): Promise<ApiTokenRecord[]> {
  return (await db.selectFrom('api_tokens').select(tokenColumns).where('user_id', '=', userId).orderBy('created_at', 'desc').execute()).map(toToken);
}

export async function revokeApiToken(db: Db, userId: string, tokenId: string): Promise<ApiTokenRecord | null> {
  const r = await db.updateTable('api_tokens').set({ revoked_at: new Date() })
    .where('id', '=', tokenId).where('user_id', '=', userId).where('revoked_at', 'is', null)
    .returning(tokenColumns).executeTakeFirst();
  return r ? toToken(r) : null;
}

export async function markApiTokenUsed(db: Db, tokenId: string): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', tokenId).execute();
}

// Password resets

export async function insertPasswordReset(db: Db, r: { tokenHash: string; userId: string; expiresAt: Date }): Promise<void> {
  await db.insertInto('password_resets').values({ token_hash: r.tokenHash, user_id: r.userId, expires_at: r.expiresAt }).execute();
}

/** Marks a reset used and returns its user, only if it exists, is unused and unexpired (atomically). */
export async function consumePasswordReset(db: Db, tokenHash: string, now = new Date()): Promise<string | null> {
  const r = await db.updateTable('password_resets').set({ used_at: now })
    .where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now)
    .returning('user_id').executeTakeFirst();
  return r?.user_id ?? null;
}

export async function findPasswordReset(db: Db, tokenHash: string, now = new Date()): Promise<string | null> {
  const r = await db.selectFrom('password_resets').select('user_id')
    .where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
  return r?.user_id ?? null;
}

// Memberships (roles in organisations)

export interface MembershipRecord {
  organisationId: string;
  userId: string;
  role: string;
}

export async function listMembershipsOfUser(db: Db, userId: string): Promise<MembershipRecord[]> {
  const rows = await db.selectFrom('memberships').select(['organisation_id', 'user_id', 'role']).where('user_id', '=', userId).execute();
  return rows.map((r) => ({ organisationId: r.organisation_id, userId: r.user_id, role: r.role }));
}

export async function listMembershipsOfOrganisation(db: Db, organisationId: string) {
  return db.selectFrom('memberships').innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['memberships.user_id', 'memberships.role', 'memberships.created_at', 'users.name', 'users.email'])
    .where('memberships.organisation_id', '=', organisationId).orderBy('users.name').execute();
}

export async function hasRole(db: Db, userId: string, organisationId: string, roles: readonly string[]): Promise<boolean> {
  if (roles.length === 0) return false;
  const r = await db.selectFrom('memberships').select('role')
    .where('user_id', '=', userId).where('organisation_id', '=', organisationId).where('role', 'in', [...roles])
    .executeTakeFirst();
  return !!r;
}

export async function insertMembership(db: Db, m: MembershipRecord): Promise<boolean> {
  const r = await db.insertInto('memberships').values({ organisation_id: m.organisationId, user_id: m.userId, role: m.role })
    .onConflict((oc) => oc.doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function deleteMembership(db: Db, m: MembershipRecord): Promise<boolean> {
  const r = await db.deleteFrom('memberships')
    .where('organisation_id', '=', m.organisationId).where('user_id', '=', m.userId).where('role', '=', m.role)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// Account recovery (migration 0019)

/** Holds the user's row until the transaction ends, so two changes to the same account's secrets queue up. */
export async function lockUser(db: Db, userId: string): Promise<void> {
  await db.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
}

/** Ends every open reset link of a user; returns how many were still open. */
export async function closePasswordResets(db: Db, userId: string, now = new Date()): Promise<number> {
  const r = await db.updateTable('password_resets').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Revokes every live API token of a user; returns their ids. */
export async function revokeUserApiTokens(db: Db, userId: string, now = new Date()): Promise<string[]> {
  const rows = await db.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).returning('id').execute();
  return rows.map((r) => r.id);
}

// Registrations waiting for their email address to be confirmed

export interface RegistrationRecord {
  email: string;
  name: string;
  passwordHash: string;
  expiresAt: Date;
}

export async function insertRegistration(db: Db, r: { tokenHash: string; email: string; name: string; passwordHash: string; expiresAt: Date }): Promise<void> {
  await db.insertInto('registrations').values({ token_hash: r.tokenHash, email: r.email.toLowerCase(), name: r.name, password_hash: r.passwordHash, expires_at: r.expiresAt }).execute();
}

export async function findRegistration(db: Db, tokenHash: string, now = new Date()): Promise<RegistrationRecord | null> {
  const r = await db.selectFrom('registrations').selectAll().where('token_hash', '=', tokenHash).where('expires_at', '>', now).executeTakeFirst();
  return r ? { email: r.email, name: r.name, passwordHash: r.password_hash, expiresAt: r.expires_at } : null;
}

/** Takes a live registration away (once) and returns it, and ends every other pending one for that address. */
export async function consumeRegistration(db: Db, tokenHash: string, now = new Date()): Promise<RegistrationRecord | null> {
  const r = await db.deleteFrom('registrations').where('token_hash', '=', tokenHash).where('expires_at', '>', now).returningAll().executeTakeFirst();
  if (!r) return null;
  await db.deleteFrom('registrations').where('email', '=', r.email).execute();
  return { email: r.email, name: r.name, passwordHash: r.password_hash, expiresAt: r.expires_at };
}

export async function deleteExpiredRegistrations(db: Db, now = new Date()): Promise<number> {
  const r = await db.deleteFrom('registrations').where('expires_at', '<', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}
