import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { requireOrganisationRole, roleLabels, roles, type Role } from '../platform/auth/policy.ts';
import { enqueueEmail } from '../platform/outbox.repository.ts';
import * as authRepo from '../platform/auth/auth.repository.ts';
import * as repo from './organisations.repository.ts';
import { formatOrgId, isOrgIdError, parseOrgId, type OrgId } from './organisations.identifiers.ts';
import { legalFormKeys, legalForms, type LegalForm, type Sector } from './organisations.forms.ts';

export type { OrganisationRecord } from './organisations.repository.ts';

/** An organisation as it leaves the server (API and pages): these fields and no others. */
export interface OrganisationView {
  id: string;
  name: string;
  slug: string;
  legalForm: string;
  legalFormLabel: string;
  sector: Sector;
  distributesProfit: boolean;
  identifiers: string[];
  website: string | null;
  description: string | null;
  locality: string | null;
  verified: boolean;
}

export function presentOrganisation(o: repo.OrganisationRecord): OrganisationView {
  return {
    id: o.id, name: o.name, slug: o.slug, legalForm: o.legalForm,
    legalFormLabel: legalForms[o.legalForm as LegalForm]?.label ?? o.legalForm,
    sector: o.sector as Sector, distributesProfit: o.distributesProfit, identifiers: o.identifiers.map(formatOrgId),
    website: o.website, description: o.description, locality: o.locality, verified: o.verified,
  };
}

export function slugify(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'organisation';
}

export interface OrganisationInput {
  name?: unknown;
  legalForm?: unknown;
  identifiers?: unknown;
  distributesProfit?: unknown;
  website?: unknown;
  description?: unknown;
  locality?: unknown;
}

function readIdentifiers(check: Checker, input: unknown): OrgId[] {
  const list = Array.isArray(input) ? input : typeof input === 'string' ? input.split(/[\s,]+/) : [];
  const ids: OrgId[] = [];
  for (const raw of list) {
    if (typeof raw !== 'string' || raw.trim() === '') continue;
    const parsed = parseOrgId(raw);
    if (isOrgIdError(parsed)) check.fail('identifiers', parsed.error);
    else if (!ids.some((i) => i.scheme === parsed.scheme && i.identifier === parsed.identifier)) ids.push(parsed);
  }
  if (ids.length > 10) check.fail('identifiers', 'Give at most 10 identifiers');
  return ids;
}

function readBoolean(input: unknown): boolean | undefined {
  if (input === true || input === 'true' || input === 'yes') return true;
  if (input === false || input === 'false' || input === 'no') return false;
  return undefined;
}

function readOrganisation(input: OrganisationInput, partial: boolean) {
  const check = new Checker();
  const has = (v: unknown) => !partial || v !== undefined;
  const name = has(input.name) ? check.text(input.name, 'name', 'the organisation’s name', { max: 200 }) : undefined;
  const legalForm = has(input.legalForm) ? check.oneOf(input.legalForm, 'legalForm', 'a legal form', legalFormKeys) : undefined;
  const identifiers = input.identifiers !== undefined ? readIdentifiers(check, input.identifiers) : partial ? undefined : [];
  const distributesProfit = readBoolean(input.distributesProfit);
  if (input.distributesProfit !== undefined && input.distributesProfit !== '' && distributesProfit === undefined) {
    check.fail('distributesProfit', 'Select whether the organisation distributes profit');
  }
  const website = input.website !== undefined ? check.text(input.website, 'website', 'a website', { max: 300, optional: true }) : undefined;
  if (website && !/^https?:\/\/[^\s]+$/.test(website)) check.fail('website', 'Enter a website address starting with https://');
  const description = input.description !== undefined ? check.text(input.description, 'description', 'a description', { max: 2000, optional: true }) : undefined;
  const locality = input.locality !== undefined ? check.text(input.locality, 'locality', 'a town or city', { max: 100, optional: true }) : undefined;
  check.done();
  return { name, legalForm, identifiers, distributesProfit, website, description, locality };
}

async function refuseTakenIdentifiers(trx: Db, ids: OrgId[], exceptId?: string) {
  const taken = await repo.identifiersTaken(trx, ids, exceptId);
  if (taken.length) {
    throw new AppError('conflict', `${taken.map((t) => formatOrgId(t.id)).join(', ')} already belongs to another organisation`, {
      fieldErrors: [{ field: 'identifiers', message: `${formatOrgId(taken[0]!.id)} already belongs to another organisation in the registry` }],
    });
  }
}

async function uniqueSlug(trx: Db, name: string): Promise<string> {
  const base = slugify(name);
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    if (!(await repo.slugExists(trx, slug))) return slug;
  }
}

/**
 * Adds an organisation to the registry. A signed-in person who registers one becomes its administrator;
 * it stays unverified until a site administrator checks it against its register.
 */
export async function createOrganisation(db: Db, actor: Actor, input: OrganisationInput): Promise<OrganisationView> {
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  const v = readOrganisation(input, false);
  const form = legalForms[v.legalForm!];
  return inTransaction(db, async (trx) => {
    await refuseTakenIdentifiers(trx, v.identifiers!);
    const org = await repo.insertOrganisation(trx, {
      name: v.name!, slug: await uniqueSlug(trx, v.name!), legalForm: v.legalForm!,
      distributesProfit: v.distributesProfit ?? form.distributesProfit, sector: form.sector,
      website: v.website || null, description: v.description || null, locality: v.locality || null,
      // Verified means checked against a register, so an organisation with no identifier cannot be.
      verified: actor.isAdmin && v.identifiers!.length > 0,
    }, v.identifiers!);
    if (actor.userId) await authRepo.insertMembership(trx, { organisationId: org.id, userId: actor.userId, role: 'admin' });
    const view = presentOrganisation(org);
    await recordAudit(trx, actor, { action: 'organisation.created', entityType: 'organisation', entityId: org.id, organisationId: org.id, after: view });
    return view;
  });
}

/** Changes an organisation's details; its administrators and site administrators may. */
export async function updateOrganisation(db: Db, actor: Actor, id: string, input: OrganisationInput): Promise<OrganisationView> {
  const v = readOrganisation(input, true);
  return inTransaction(db, async (trx) => {
    const before = await repo.findById(trx, id);
    if (!before) throw new AppError('not_found', 'No such organisation');
    await requireOrganisationRole(trx, actor, id, ['admin']);
    if (v.identifiers) await refuseTakenIdentifiers(trx, v.identifiers, id);
    const form = v.legalForm ? legalForms[v.legalForm] : undefined;
    await repo.updateOrganisation(trx, id, {
      name: v.name, legalForm: v.legalForm, sector: form?.sector,
      distributesProfit: v.distributesProfit ?? (form ? form.distributesProfit : undefined),
      website: v.website === undefined ? undefined : v.website || null,
      description: v.description === undefined ? undefined : v.description || null,
      locality: v.locality === undefined ? undefined : v.locality || null,
      // Changing identifiers undoes verification: the new ones have not been checked.
      verified: v.identifiers && !actor.isAdmin ? false : undefined,
    });
    if (v.identifiers) await repo.replaceIdentifiers(trx, id, v.identifiers);
    const after = presentOrganisation((await repo.findById(trx, id))!);
    await recordAudit(trx, actor, { action: 'organisation.updated', entityType: 'organisation', entityId: id, organisationId: id, before: presentOrganisation(before), after });
    return after;
  });
}

export async function setVerified(db: Db, actor: Actor, id: string, verified: boolean): Promise<OrganisationView> {
  if (!actor.isAdmin) throw new AppError('forbidden', 'Only a site administrator can verify organisations');
  return inTransaction(db, async (trx) => {
    const before = await repo.findById(trx, id);
    if (!before) throw new AppError('not_found', 'No such organisation');
    await repo.updateOrganisation(trx, id, { verified });
    const after = presentOrganisation((await repo.findById(trx, id))!);
    await recordAudit(trx, actor, { action: verified ? 'organisation.verified' : 'organisation.unverified', entityType: 'organisation', entityId: id, organisationId: id, before: presentOrganisation(before), after });
    return after;
  });
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Finds an organisation by its id, its org-id identifier (GB-CHC-…) or its slug. Other modules call this to
 * resolve what a person typed (e.g. `--publisher GB-LAE-NET`).
 */
export async function findOrganisation(db: Db, ref: string): Promise<OrganisationView | null> {
  const r = ref.trim();
  if (uuidPattern.test(r)) {
    const o = await repo.findById(db, r.toLowerCase());
    return o ? presentOrganisation(o) : null;
  }
  const parsed = parseOrgId(r);
  if (!isOrgIdError(parsed)) {
    const o = await repo.findByIdentifier(db, parsed);
    if (o) return presentOrganisation(o);
  }
  const o = await repo.findBySlug(db, r.toLowerCase());
  return o ? presentOrganisation(o) : null;
}

export async function getOrganisation(db: Db, ref: string): Promise<OrganisationView> {
  const org = await findOrganisation(db, ref);
  if (!org) throw new AppError('not_found', `No organisation is registered as "${ref}"`);
  return org;
}

export async function searchOrganisations(db: Db, options: { q?: string; sector?: string; legalForm?: string; page?: number; pageSize?: number }) {
  const pageSize = Math.min(Math.max(options.pageSize ?? 25, 1), 100);
  const page = Math.max(options.page ?? 1, 1);
  const { total, items } = await repo.search(db, {
    q: options.q?.trim().slice(0, 200) || undefined, sector: options.sector || undefined, legalForm: options.legalForm || undefined,
    limit: pageSize, offset: (page - 1) * pageSize,
  });
  return { total, page, pageSize, items: items.map(presentOrganisation) };
}

export function countOrganisations(db: Db) {
  return repo.countOrganisations(db);
}

export async function organisationNames(db: Db, ids: string[]) {
  return repo.namesByIds(db, ids);
}

// Members

export async function listMembers(db: Db, actor: Actor, organisationId: string) {
  await requireOrganisationRole(db, actor, organisationId, ['admin']);
  const rows = await authRepo.listMembershipsOfOrganisation(db, organisationId);
  return rows.map((r) => ({ userId: r.user_id, name: r.name, email: r.email, role: r.role as Role, since: r.created_at }));
}

/** What each role is for, in the email that tells a person they hold it. */
const roleWork: Record<Role, string> = {
  admin: 'You can change the organisation’s details and choose who holds which role in it.',
  staff: 'You can act for the organisation: answer stories about its services, run its services in the directory, and bid for work.',
  commissioner: 'You can commission for the organisation: needs, opportunities, evaluation, awards and outcomes contracts.',
  moderator: 'If the organisation moderates Commonweal’s stories and responses, you can now read and publish them.',
  coordinator: 'You can coordinate the organisation’s time banks: approve or refuse members, set their limits and record exchanges.',
  evaluator: 'You can score the bids assigned to you and validate the outcome claims the organisation checks.',
  finance: 'You can publish the organisation’s spending and record outcome payments.',
};

/**
 * Gives a registered person a role in an organisation. Only the organisation's administrators may. The person
 * is emailed (in the same transaction) to say so, with what the role lets them do and a link to their inbox.
 */
export async function addMember(db: Db, actor: Actor, organisationId: string, input: { email?: unknown; role?: unknown }, options: { baseUrl?: string } = {}) {
  const check = new Checker();
  const email = check.email(input.email);
  const role = check.oneOf(input.role, 'role', 'a role', roles);
  check.done();
  return inTransaction(db, async (trx) => {
    if (!(await repo.findById(trx, organisationId))) throw new AppError('not_found', 'No such organisation');
    await requireOrganisationRole(trx, actor, organisationId, ['admin']);
    const user = await authRepo.findUserByEmail(trx, email);
    if (!user) {
      throw AppError.validation([{ field: 'email', message: `No one has registered with ${email}: ask them to create an account first` }]);
    }
    const org = (await repo.findById(trx, organisationId))!;
    const added = await authRepo.insertMembership(trx, { organisationId, userId: user.id, role });
    if (added) {
      await recordAudit(trx, actor, { action: 'membership.added', entityType: 'membership', entityId: `${organisationId}/${user.id}/${role}`, organisationId, after: { userId: user.id, email, role } });
      if (user.id !== actor.userId) {
        const base = options.baseUrl ?? '';
        await enqueueEmail(trx, {
          to: user.email, kind: 'membership-added', subject: `You are now ${roleLabels[role].toLowerCase()} for ${org.name}`,
          text: [
            `Hello ${user.name},`, '',
            `You have been given the role of ${roleLabels[role].toLowerCase()} in ${org.name} on Commonweal.`, roleWork[role], '',
            `Work waiting for you will be in your inbox, and we will email you when new work arrives: ${base}/inbox`,
            `The organisation: ${base}/organisations/${org.slug}`,
            `Choose which work emails you get: ${base}/account/notifications`, '',
            'If you did not expect this, please tell the organisation’s administrators.',
          ].join('\n') + '\n',
        });
      }
    }
    return { userId: user.id, email: user.email, name: user.name, role, added };
  });
}

export async function removeMember(db: Db, actor: Actor, organisationId: string, input: { userId: string; role: string }) {
  if (!uuidPattern.test(input.userId)) throw new AppError('not_found', 'That person does not hold that role here');
  return inTransaction(db, async (trx) => {
    await requireOrganisationRole(trx, actor, organisationId, ['admin']);
    if (input.role === 'admin') {
      // An organisation must keep someone who can manage it; a site administrator can still step in.
      const admins = (await authRepo.listMembershipsOfOrganisation(trx, organisationId)).filter((m) => m.role === 'admin');
      if (admins.length === 1 && admins[0]!.user_id === input.userId && !actor.isAdmin) {
        throw new AppError('conflict', 'You cannot remove the last administrator: give someone else the administrator role first');
      }
    }
    const removed = await authRepo.deleteMembership(trx, { organisationId, userId: input.userId, role: input.role });
    if (!removed) throw new AppError('not_found', 'That person does not hold that role here');
    await recordAudit(trx, actor, { action: 'membership.removed', entityType: 'membership', entityId: `${organisationId}/${input.userId}/${input.role}`, organisationId, before: input });
  });
}
