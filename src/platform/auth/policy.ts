import type { Db } from '../db.ts';
import type { Actor } from '../actor.ts';
import { AppError } from '../errors.ts';
import { hasRole, listMembershipsOfUser } from './auth.repository.ts';

/** Roles a person can hold in an organisation. `admin` manages the organisation and its members. */
export const roles = ['admin', 'staff', 'commissioner', 'moderator', 'coordinator', 'evaluator', 'finance'] as const;
export type Role = (typeof roles)[number];

export const roleLabels: Record<Role, string> = {
  admin: 'Administrator',
  staff: 'Staff',
  commissioner: 'Commissioner',
  moderator: 'Moderator',
  coordinator: 'Time-bank coordinator',
  evaluator: 'Evaluator',
  finance: 'Finance and transparency officer',
};

/**
 * Who may call a route. Every route that changes data declares one of these (the app refuses to start
 * otherwise); the single check below is the only place it is enforced.
 *
 * - `public`: anyone, signed in or not.
 * - `signed-in`: any signed-in person or API token.
 * - `admin`: a site administrator.
 * - `{ roles, organisation }`: a member holding one of `roles` in the organisation the request names
 *   (`organisation` reads its id from the request's path or query); site administrators always pass.
 *
 * Access is checked before the body is read (so a refused upload costs nothing), which is why `organisation`
 * sees only the path parameters and the query string. A route whose organisation is named in its body declares
 * `signed-in`, and its service checks the role with `requireOrganisationRole` once the body is read.
 */
export type Access =
  | 'public'
  | 'signed-in'
  | 'admin'
  | { roles: readonly Role[]; organisation: (request: AccessRequest) => string | Promise<string> };

/** What an access check can see of a request: its path parameters and query string, as sent (not yet validated). */
export interface AccessRequest {
  params: unknown;
  query: unknown;
}

/** Throws unless `actor` may act with `roles` in `organisationId`. Services call it for their own checks. */
export async function requireOrganisationRole(db: Db, actor: Actor, organisationId: string, allowed: readonly Role[]): Promise<void> {
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  if (actor.isAdmin) return;
  if (!(await hasRole(db, actor.userId!, organisationId, allowed))) {
    throw new AppError('forbidden', `You need to be ${allowed.map((r) => roleLabels[r].toLowerCase()).join(' or ')} in this organisation`);
  }
}

/** Throws unless `actor` satisfies `access`. */
export async function authorise(
  db: Db,
  actor: Actor,
  access: Access,
  request: AccessRequest,
): Promise<void> {
  if (access === 'public') return;
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  if (access === 'signed-in') return;
  if (access === 'admin') {
    if (!actor.isAdmin) throw new AppError('forbidden', 'Only a site administrator can do this');
    return;
  }
  const organisationId = await access.organisation(request);
  await requireOrganisationRole(db, actor, organisationId, access.roles);
}

/** The organisations in which a person holds a role, with the roles. */
export async function rolesByOrganisation(db: Db, userId: string): Promise<Map<string, Role[]>> {
  const map = new Map<string, Role[]>();
  for (const m of await listMembershipsOfUser(db, userId)) {
    const list = map.get(m.organisationId) ?? [];
    list.push(m.role as Role);
    map.set(m.organisationId, list);
  }
  return map;
}

/** Whether the person holds one of `roles` in any of `organisationIds`. */
export async function holdsRoleIn(db: Db, userId: string, organisationIds: readonly string[], roles: readonly string[]): Promise<boolean> {
  if (!organisationIds.length) return false;
  const held = await rolesByOrganisation(db, userId);
  return organisationIds.some((id) => (held.get(id) ?? []).some((role) => roles.includes(role)));
}
