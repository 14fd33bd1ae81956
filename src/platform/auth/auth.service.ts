import type { Db } from '../db.ts';
import type { Actor } from '../actor.ts';
import { AppError } from '../errors.ts';
import { Checker } from '../validate.ts';
import { recordAudit } from '../audit.repository.ts';
import { enqueueEmail } from '../outbox.repository.ts';
import { inTransaction } from '../transaction.ts';
import * as repo from './auth.repository.ts';
import { apiTokenPattern, hashPassword, newApiToken, randomToken, sha256, verifyPassword } from './secrets.ts';
import { forgetRememberedTokens, type TokenCache } from './token-cache.ts';

export type { UserRecord, ApiTokenRecord } from './auth.repository.ts';

/** How long an idle signed-in session lives, and an anonymous one (which only carries a CSRF token). */
export const sessionLifetimeMs = 14 * 24 * 3600 * 1000;
export const anonymousSessionLifetimeMs = 2 * 3600 * 1000;
const resetLifetimeMs = 3600 * 1000;
/** How long a registration's confirmation link works. */
export const registrationLifetimeMs = 24 * 3600 * 1000;

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
}

export function presentUser(u: repo.UserRecord): PublicUser {
  return { id: u.id, email: u.email, name: u.name, isAdmin: u.isAdmin };
}

/** Registers a person. A taken email is refused with `email_taken` and nothing is written. */
export async function registerUser(
  db: Db,
  actor: Actor,
  input: { email: unknown; name: unknown; password: unknown; isAdmin?: boolean },
): Promise<PublicUser> {
  const check = new Checker();
  const name = check.text(input.name, 'name', 'your full name', { max: 200 });
  const email = check.email(input.email);
  const password = input.password === null ? null : check.password(input.password);
  check.done();
  if (input.isAdmin && !actor.isAdmin) throw new AppError('forbidden', 'Only an administrator can create administrators');
  const passwordHash = password === null ? null : await hashPassword(password);
  return inTransaction(db, async (trx) => {
    if (await repo.findUserByEmail(trx, email)) {
      throw new AppError('email_taken', 'That email address is already registered: sign in or reset your password', {
        fieldErrors: [{ field: 'email', message: 'That email address is already registered' }],
      });
    }
    let user: repo.UserRecord;
    try {
      user = await repo.insertUser(trx, { email, name, passwordHash, isAdmin: !!input.isAdmin });
    } catch (error) {
      // A concurrent registration with the same email lost the race on the unique index.
      if ((error as { code?: string }).code === '23505') throw new AppError('email_taken', undefined, { fieldErrors: [{ field: 'email', message: 'That email address is already registered' }] });
      throw error;
    }
    await recordAudit(trx, { ...actor, userId: actor.userId ?? user.id }, { action: 'user.registered', entityType: 'user', entityId: user.id, after: presentUser(user) });
    return presentUser(user);
  });
}

/**
 * Asks to create an account: the account is made only when the link emailed to the address is opened (see
 * confirmRegistration). The answer, and the work done, are the same whether or not the address has an account
 * already; its owner is told by email that someone tried, so the form cannot be used to find out who has one.
 */
export async function requestRegistration(db: Db, input: { email: unknown; name: unknown; password: unknown }, baseUrl: string): Promise<void> {
  const check = new Checker();
  const name = check.text(input.name, 'name', 'your full name', { max: 200 });
  const email = check.email(input.email);
  const password = check.password(input.password);
  check.done();
  const passwordHash = await hashPassword(password);
  const token = randomToken();
  await inTransaction(db, async (trx) => {
    const existing = await repo.findUserByEmail(trx, email);
    if (existing) {
      await enqueueEmail(trx, {
        to: existing.email,
        kind: 'registration-existing',
        subject: 'Someone tried to register with your email address',
        text: [
          `Hello ${existing.name},`,
          '',
          'Someone tried to create a Commonweal account with this email address, which already has one. Nothing has changed.',
          '',
          `If it was you, sign in: ${baseUrl}/sign-in`,
          `If you have forgotten your password, reset it: ${baseUrl}/forgot-password`,
          '',
          'If it was not you, ignore this email.',
        ].join('\n'),
      });
      await recordAudit(trx, { userId: existing.id, tokenId: null, isAdmin: false, via: 'anonymous' }, { action: 'user.registration_attempted', entityType: 'user', entityId: existing.id });
      return;
    }
    await repo.insertRegistration(trx, { tokenHash: sha256(token), email, name, passwordHash, expiresAt: new Date(Date.now() + registrationLifetimeMs) });
    await enqueueEmail(trx, {
      to: email,
      kind: 'registration-confirm',
      subject: 'Confirm your email address to finish creating your Commonweal account',
      text: [
        `Hello ${name},`,
        '',
        'To finish creating your Commonweal account, open this link within 24 hours:',
        '',
        `${baseUrl}/register/confirm?token=${token}`,
        '',
        'If you did not ask for an account, ignore this email: none will be created.',
      ].join('\n'),
    });
  });
}

/** True if a registration link can still be used (the confirmation form is shown only then). */
export async function isRegistrationTokenValid(db: Db, token: string): Promise<boolean> {
  return !!token && (await repo.findRegistration(db, sha256(token))) !== null;
}

/** Creates the account a confirmed registration asked for, once; the link then stops working. */
export async function confirmRegistration(db: Db, input: { token: unknown }): Promise<PublicUser> {
  const token = typeof input.token === 'string' ? input.token : '';
  return inTransaction(db, async (trx) => {
    const registration = token ? await repo.consumeRegistration(trx, sha256(token)) : null;
    if (!registration) throw new AppError('bad_request', 'This link has expired or has already been used. Register again to get a new one.');
    if (await repo.findUserByEmail(trx, registration.email)) {
      throw new AppError('email_taken', 'This email address already has an account: sign in, or reset your password if you have forgotten it.');
    }
    let user: repo.UserRecord;
    try {
      user = await repo.insertUser(trx, { email: registration.email, name: registration.name, passwordHash: registration.passwordHash, isAdmin: false });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new AppError('email_taken', 'This email address already has an account: sign in, or reset your password if you have forgotten it.');
      throw error;
    }
    await recordAudit(trx, { userId: user.id, tokenId: null, isAdmin: false, via: 'anonymous' }, { action: 'user.registered', entityType: 'user', entityId: user.id, after: { ...presentUser(user), emailConfirmed: true } });
    return presentUser(user);
  });
}

/** Checks an email and password; the same error whichever is wrong. */
export async function authenticate(db: Db, input: { email: unknown; password: unknown }): Promise<PublicUser> {
  const check = new Checker();
  const email = check.email(input.email);
  const password = typeof input.password === 'string' ? input.password : '';
  if (password === '') check.fail('password', 'Enter your password');
  check.done();
  const user = await repo.findUserByEmail(db, email);
  const ok = await verifyPassword(user?.passwordHash ?? null, password);
  if (!user || !ok) {
    throw new AppError('invalid_credentials', 'The email address or password is not right', {
      fieldErrors: [{ field: 'email', message: 'Enter a correct email address and password' }],
    });
  }
  return presentUser(user);
}

export interface SessionInfo {
  token: string;
  csrfToken: string;
  userId: string | null;
  expiresAt: Date;
}

/** Starts a session; the token goes in the cookie and only its hash is stored. */
export async function startSession(db: Db, userId: string | null, now = new Date()): Promise<SessionInfo> {
  const token = randomToken();
  const csrfToken = randomToken();
  const expiresAt = new Date(now.getTime() + (userId ? sessionLifetimeMs : anonymousSessionLifetimeMs));
  await repo.insertSession(db, { idHash: sha256(token), userId, csrfToken, expiresAt });
  return { token, csrfToken, userId, expiresAt };
}

export interface LoadedSession {
  idHash: string;
  csrfToken: string;
  user: PublicUser | null;
}

/** Finds a live session by its cookie token, sliding its expiry at most every five minutes. */
export async function loadSession(db: Db, token: string, now = new Date()): Promise<LoadedSession | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const idHash = sha256(token);
  const session = await repo.findSession(db, idHash);
  if (!session) return null;
  if (session.expiresAt <= now) {
    await repo.deleteSession(db, idHash);
    return null;
  }
  const user = session.userId ? await repo.findUserById(db, session.userId) : null;
  if (session.userId && !user) return null;
  if (now.getTime() - session.lastSeenAt.getTime() > 5 * 60 * 1000) {
    const lifetime = session.userId ? sessionLifetimeMs : anonymousSessionLifetimeMs;
    await repo.touchSession(db, idHash, new Date(now.getTime() + lifetime));
  }
  return { idHash, csrfToken: session.csrfToken, user: user ? presentUser(user) : null };
}

/** Signs a person in: the old session (if any) is replaced by a new one, so a planted cookie is useless. */
export async function signIn(db: Db, oldSessionHash: string | null, user: PublicUser): Promise<SessionInfo> {
  return inTransaction(db, async (trx) => {
    if (oldSessionHash) await repo.deleteSession(trx, oldSessionHash);
    const session = await startSession(trx, user.id);
    await recordAudit(trx, { userId: user.id, tokenId: null, isAdmin: user.isAdmin, via: 'session' }, { action: 'user.signed_in', entityType: 'user', entityId: user.id });
    return session;
  });
}

export async function signOut(db: Db, sessionHash: string): Promise<void> {
  await repo.deleteSession(db, sessionHash);
}

/**
 * Sends a reset link if the email belongs to an account, and otherwise tells the address that it has none. The
 * answer and the work are the same either way, so the form cannot be used to find out who has an account. A new
 * link ends every earlier one of the account.
 */
export async function requestPasswordReset(db: Db, input: { email: unknown }, baseUrl: string): Promise<void> {
  const check = new Checker();
  const email = check.email(input.email);
  check.done();
  const token = randomToken();
  await inTransaction(db, async (trx) => {
    const user = await repo.findUserByEmail(trx, email);
    if (!user) {
      await enqueueEmail(trx, {
        to: email,
        kind: 'password-reset-unknown',
        subject: 'Reset your Commonweal password',
        text: [
          'Hello,',
          '',
          'Someone asked to reset the password of a Commonweal account with this email address, but this address has no account.',
          '',
          `If you meant to create one: ${baseUrl}/register`,
          '',
          'If it was not you, ignore this email.',
        ].join('\n'),
      });
      return;
    }
    await repo.lockUser(trx, user.id);
    await repo.closePasswordResets(trx, user.id);
    await repo.insertPasswordReset(trx, { tokenHash: sha256(token), userId: user.id, expiresAt: new Date(Date.now() + resetLifetimeMs) });
    await enqueueEmail(trx, {
      to: user.email,
      kind: 'password-reset',
      subject: 'Reset your Commonweal password',
      text: [
        `Hello ${user.name},`,
        '',
        'Someone asked to reset the password for your Commonweal account. To choose a new password, open this link within one hour:',
        '',
        `${baseUrl}/reset-password?token=${token}`,
        '',
        'If it was not you, ignore this email: your password has not changed.',
      ].join('\n'),
    });
    await recordAudit(trx, { userId: user.id, tokenId: null, isAdmin: false, via: 'anonymous' }, { action: 'user.password_reset_requested', entityType: 'user', entityId: user.id });
  });
}

/** True if the reset token can still be used (the form is shown only then). */
export async function isResetTokenValid(db: Db, token: string): Promise<boolean> {
  return !!token && (await repo.findPasswordReset(db, sha256(token))) !== null;
}

/**
 * Sets a new password from a reset link, once. Every other reset link of the account stops working, every
 * session of the account is ended and every API token revoked: whoever had the old password has nothing left.
 */
export async function resetPassword(db: Db, input: { token: unknown; password: unknown }): Promise<PublicUser> {
  const check = new Checker();
  const password = check.password(input.password);
  check.done();
  const token = typeof input.token === 'string' ? input.token : '';
  const passwordHash = await hashPassword(password);
  return inTransaction(db, async (trx) => {
    const userId = token ? await repo.consumePasswordReset(trx, sha256(token)) : null;
    if (!userId) throw new AppError('bad_request', 'This password reset link has expired or has already been used. Ask for a new one.');
    await repo.lockUser(trx, userId);
    await repo.closePasswordResets(trx, userId);
    await repo.updateUserPassword(trx, userId, passwordHash);
    await repo.deleteUserSessions(trx, userId);
    const revokedTokens = await repo.revokeUserApiTokens(trx, userId);
    const user = (await repo.findUserById(trx, userId))!;
    await recordAudit(trx, { userId, tokenId: null, isAdmin: user.isAdmin, via: 'anonymous' }, { action: 'user.password_reset', entityType: 'user', entityId: userId, after: { sessionsEnded: true, apiTokensRevoked: revokedTokens } });
    return presentUser(user);
  }).finally(forgetRememberedTokens);
}

/** Creates an API token for a user. The token itself is returned this once and never stored. */
export async function createApiToken(db: Db, actor: Actor, input: { userId: string; name: unknown }): Promise<{ token: string; record: repo.ApiTokenRecord }> {
  if (!actor.isAdmin && actor.userId !== input.userId) throw new AppError('forbidden');
  const check = new Checker();
  const name = check.text(input.name ?? 'API token', 'name', 'a name for the token', { max: 100 });
  check.done();
  const token = newApiToken();
  return inTransaction(db, async (trx) => {
    const record = await repo.insertApiToken(trx, { userId: input.userId, name, prefix: token.slice(0, 10), tokenHash: sha256(token) });
    await recordAudit(trx, actor, { action: 'api_token.created', entityType: 'api_token', entityId: record.id, after: record });
    return { token, record };
  });
}

export async function revokeApiToken(db: Db, actor: Actor, tokenId: string): Promise<void> {
  if (!actor.userId) throw new AppError('unauthenticated');
  await inTransaction(db, async (trx) => {
    const record = await repo.revokeApiToken(trx, actor.userId!, tokenId);
    if (!record) throw new AppError('not_found', 'That token does not exist or is already revoked');
    await recordAudit(trx, actor, { action: 'api_token.revoked', entityType: 'api_token', entityId: tokenId, after: record });
  });
  // The database tells every process (migration 0016); this process need not wait to hear it.
  forgetRememberedTokens();
}

export function listApiTokens(db: Db, userId: string) {
  return repo.listApiTokens(db, userId);
}

/** Resolves an `Authorization: Bearer` value to an actor, or throws `invalid_token`. */
export async function authenticateApiToken(db: Db, token: string, cache?: TokenCache): Promise<{ actor: Actor; user: PublicUser }> {
  if (!apiTokenPattern.test(token)) throw new AppError('invalid_token', 'The API token is malformed: expected "Authorization: Bearer cw_…"');
  const hash = sha256(token);
  const remembered = cache?.get(hash);
  if (remembered) {
    await markUsed(db, remembered);
    return { actor: remembered.actor, user: remembered.user };
  }
  const generation = cache?.begin() ?? 0;
  const found = await repo.findApiTokenWithUser(db, hash);
  if (!found || found.token.revokedAt) throw new AppError('invalid_token', 'The API token is not recognised or has been revoked');
  const { token: record, user } = found;
  const result = {
    actor: { userId: user.id, tokenId: record.id, isAdmin: user.isAdmin, via: 'token' as const },
    user: presentUser(user),
    lastUsedAt: record.lastUsedAt,
  };
  await markUsed(db, result);
  cache?.remember(hash, result, generation);
  return { actor: result.actor, user: result.user };
}

/** Notes when a token was last used, to the minute (not at every request). */
async function markUsed(db: Db, token: { actor: Actor; lastUsedAt: Date | null }): Promise<void> {
  if (token.lastUsedAt && Date.now() - token.lastUsedAt.getTime() <= 60_000) return;
  token.lastUsedAt = new Date();
  await repo.markApiTokenUsed(db, token.actor.tokenId!);
}

export async function findUserByEmail(db: Db, email: string): Promise<PublicUser | null> {
  const u = await repo.findUserByEmail(db, email);
  return u ? presentUser(u) : null;
}

export async function listUsers(db: Db, actor: Actor): Promise<PublicUser[]> {
  if (!actor.isAdmin) throw new AppError('forbidden');
  return (await repo.listUsers(db)).map(presentUser);
}

export async function purgeExpiredSessions(db: Db): Promise<number> {
  await repo.deleteExpiredRegistrations(db);
  return repo.deleteExpiredSessions(db);
}

/** Grants or withdraws site administration. Only an administrator (or the command line) may. */
export async function setAdministrator(db: Db, actor: Actor, email: string, isAdmin: boolean): Promise<PublicUser> {
  if (!actor.isAdmin) throw new AppError('forbidden');
  return inTransaction(db, async (trx) => {
    const user = await repo.findUserByEmail(trx, email);
    if (!user) throw new AppError('not_found', `No account has the email ${email}`);
    await repo.setUserAdmin(trx, user.id, isAdmin);
    await recordAudit(trx, actor, { action: isAdmin ? 'user.made_admin' : 'user.admin_revoked', entityType: 'user', entityId: user.id, before: { isAdmin: user.isAdmin }, after: { isAdmin } });
    return { ...presentUser(user), isAdmin };
  }).finally(forgetRememberedTokens);
}
