import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { requireOrganisationRole, roleLabels, roles, type Role } from '../platform/auth/policy.ts';
import * as authRepo from '../platform/auth/auth.repository.ts';
import { randomToken, sha256 } from '../platform/auth/secrets.ts';
import { enqueueEmail } from '../platform/outbox.repository.ts';
import * as repo from './organisations.repository.ts';
import { formatOrgId, isOrgIdError, parseOrgId, type OrgId } from './organisations.identifiers.ts';
import { isPublicBodyForm, legalFormKeys, legalForms, type LegalForm, type Sector } from './organisations.forms.ts';
import { looksAlike } from './organisations.names.ts';
import { noticeClaimToVerify } from './organisations.work.ts';

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
  /** Its claim to its identifiers has been checked by a site administrator (or the operator). */
  verified: boolean;
  /** Its legal form is a public body's (isPublicBodyForm); with `verified`, it may publish as one. */
  publicBody: boolean;
}

export function presentOrganisation(o: repo.OrganisationRecord): OrganisationView {
  return {
    id: o.id, name: o.name, slug: o.slug, legalForm: o.legalForm,
    legalFormLabel: legalForms[o.legalForm as LegalForm]?.label ?? o.legalForm,
    sector: o.sector as Sector, distributesProfit: o.distributesProfit, identifiers: o.identifiers.map(formatOrgId),
    website: o.website, description: o.description, locality: o.locality, verified: o.verified,
    publicBody: isPublicBodyForm(o.legalForm),
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
  /** How a site administrator can check that the person acts for the body whose identifiers it claims. */
  evidence?: unknown;
  /** Register it already verified: operators (CLI, demo data) only. */
  verified?: unknown;
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
  const evidence = input.evidence !== undefined ? check.text(input.evidence, 'evidence', 'how we can check you act for it', { max: 2000, optional: true }) : undefined;
  check.done();
  return { name, legalForm, identifiers, distributesProfit, website, description, locality, evidence };
}

function takenMessage(taken: { id: OrgId; name: string }) {
  return `${formatOrgId(taken.id)} is held by ${taken.name}, a verified organisation: ask its administrators to invite you rather than registering it again`;
}

/** A verified identifier belongs to one organisation: a second claim on it is refused (409, field named). */
async function refuseTakenIdentifiers(trx: Db, ids: OrgId[], exceptId?: string) {
  const taken = await repo.identifiersTaken(trx, ids, exceptId);
  if (taken.length) {
    throw new AppError('conflict', takenMessage(taken[0]!), { fieldErrors: [{ field: 'identifiers', message: takenMessage(taken[0]!) }] });
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23505';
}

const raceLost = () => new AppError('conflict', 'One of those identifiers was verified for another organisation a moment ago', {
  fieldErrors: [{ field: 'identifiers', message: 'One of those identifiers is now held by a verified organisation' }],
});

async function emailAdministrators(trx: Db, email: { kind: string; subject: string; text: string }) {
  for (const admin of await authRepo.listAdministrators(trx)) await enqueueEmail(trx, { ...email, to: admin.email });
}

/** Flags an unverified organisation whose name is confusable with a verified one's, and tells the site administrators. */
async function flagLookalikes(trx: Db, org: { id: string; name: string; slug: string; verified: boolean }, baseUrl: string) {
  if (org.verified) return;
  const resembled = (await repo.verifiedNames(trx)).filter((v) => v.id !== org.id && looksAlike(v.name, org.name));
  const flagged: typeof resembled = [];
  for (const v of resembled) {
    if (await repo.insertLookalike(trx, { organisationId: org.id, resemblesId: v.id, name: org.name, resemblesName: v.name })) flagged.push(v);
  }
  if (!flagged.length) return;
  await emailAdministrators(trx, {
    kind: 'organisation-lookalike',
    subject: `Look-alike organisation registered: ${org.name}`,
    text: [
      'An organisation was registered (or renamed) with a name that looks like a verified organisation’s:',
      '',
      `  ${org.name} (not verified): ${baseUrl}/organisations/${org.slug}`,
      ...flagged.map((v) => `  resembles ${v.name} (verified): ${baseUrl}/organisations/${v.slug}`),
      '',
      `It is shown everywhere with a “Not verified” tag and cannot publish as a public body. Review it at ${baseUrl}/admin/organisations.`,
    ].join('\n'),
  });
}

/**
 * When an organisation becomes verified, look-alikes registered before it was (unverified organisations with a
 * confusable name) are flagged the same way, and the site administrators told, in the verifying transaction.
 */
async function flagEarlierLookalikes(trx: Db, org: { id: string; name: string; slug: string }, baseUrl: string) {
  const resembling = (await repo.unverifiedNames(trx)).filter((u) => u.id !== org.id && looksAlike(u.name, org.name));
  const flagged: typeof resembling = [];
  for (const u of resembling) {
    if (await repo.insertLookalike(trx, { organisationId: u.id, resemblesId: org.id, name: u.name, resemblesName: org.name })) flagged.push(u);
  }
  if (!flagged.length) return;
  await emailAdministrators(trx, {
    kind: 'organisation-lookalike',
    subject: `Look-alike organisations of ${org.name}, now verified`,
    text: [
      `${org.name} has just been verified. These organisations, registered before it was, have names that look like it:`,
      '',
      ...flagged.map((u) => `  ${u.name} (not verified): ${baseUrl}/organisations/${u.slug}`),
      `  resemble ${org.name} (verified): ${baseUrl}/organisations/${org.slug}`,
      '',
      `They are shown everywhere with a “Not verified” tag, listed after it, and cannot publish as a public body. Review them at ${baseUrl}/admin/organisations.`,
    ].join('\n'),
  });
}

async function openVerificationRequest(trx: Db, actor: Actor, org: repo.OrganisationRecord, evidence: string | null, baseUrl: string) {
  const request = await repo.insertVerificationRequest(trx, {
    organisationId: org.id, requestedBy: actor.userId, identifiers: org.identifiers.map(formatOrgId), evidence,
  });
  await recordAudit(trx, actor, { action: 'organisation.verification_requested', entityType: 'organisation', entityId: org.id, organisationId: org.id, after: { requestId: request.id, identifiers: request.identifiers, evidence } });
  await noticeClaimToVerify(trx, { requestId: request.id, name: org.name, identifiers: request.identifiers, evidence, claimant: actor.userId }, baseUrl);
  return request;
}


async function uniqueSlug(trx: Db, name: string): Promise<string> {
  const base = slugify(name);
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    if (!(await repo.slugExists(trx, slug))) return slug;
  }
}

/**
 * Adds an organisation to the registry. A signed-in person who registers one becomes its administrator.
 * It is unverified: if it claims identifiers, a verification request (with the evidence given) goes to the
 * site administrators. Only an operator or site administrator may register one already verified (`verified:
 * true`), and only with an identifier, since verified means checked against a register. An identifier another
 * organisation holds verified is refused; a name confusable with a verified organisation's is flagged.
 */
export async function createOrganisation(db: Db, actor: Actor, input: OrganisationInput, options: { baseUrl?: string } = {}): Promise<OrganisationView> {
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  const v = readOrganisation(input, false);
  const verified = readBoolean(input.verified) === true;
  if (verified && !actor.isAdmin) throw new AppError('forbidden', 'Only a site administrator can register an organisation as verified');
  if (verified && v.identifiers!.length === 0) {
    throw AppError.validation([{ field: 'identifiers', message: 'A verified organisation needs the identifier its register gives it (for example GB-LAE-NET)' }]);
  }
  const form = legalForms[v.legalForm!];
  const baseUrl = options.baseUrl ?? '';
  return inTransaction(db, async (trx) => {
    await repo.lockIdentifiers(trx, v.identifiers!);
    await refuseTakenIdentifiers(trx, v.identifiers!);
    const org = await repo.insertOrganisation(trx, {
      name: v.name!, slug: await uniqueSlug(trx, v.name!), legalForm: v.legalForm!,
      distributesProfit: v.distributesProfit ?? form.distributesProfit, sector: form.sector,
      website: v.website || null, description: v.description || null, locality: v.locality || null,
      verified: false,
    }, v.identifiers!);
    if (actor.userId) await authRepo.insertMembership(trx, { organisationId: org.id, userId: actor.userId, role: 'admin' });
    const view = presentOrganisation(org);
    await recordAudit(trx, actor, { action: 'organisation.created', entityType: 'organisation', entityId: org.id, organisationId: org.id, after: view });
    // Verified at once by an operator: the same path as a decided claim, so rival claims on its identifiers are refused.
    if (verified) return verifyOrganisation(trx, actor, org.id, { reason: 'Registered as verified by an operator' }, options);
    if (org.identifiers.length) await openVerificationRequest(trx, actor, org, v.evidence || null, baseUrl);
    await flagLookalikes(trx, org, baseUrl);
    return view;
  });
}

/**
 * Changes an organisation's details; its administrators and site administrators may. Identifiers an ordinary
 * administrator changes are unchecked claims again (a new verification request). A verified organisation's
 * name, legal form and identifiers are what its verification vouches for, so only a site administrator
 * changes those.
 */
export async function updateOrganisation(db: Db, actor: Actor, id: string, input: OrganisationInput, options: { baseUrl?: string } = {}): Promise<OrganisationView> {
  const v = readOrganisation(input, true);
  return inTransaction(db, async (trx) => {
    const before = await repo.findById(trx, id);
    if (!before) throw new AppError('not_found', 'No such organisation');
    await requireOrganisationRole(trx, actor, id, ['admin']);
    const key = (ids: OrgId[]) => ids.map(formatOrgId).sort().join(' ');
    const identifiersChanged = v.identifiers !== undefined && key(v.identifiers) !== key(before.identifiers);
    if (before.verified && !actor.isAdmin) {
      const locked = [
        v.name !== undefined && v.name !== before.name ? { field: 'name', message: 'The name of a verified organisation is changed by a site administrator: ask one' } : null,
        v.legalForm !== undefined && v.legalForm !== before.legalForm ? { field: 'legalForm', message: 'The legal form of a verified organisation is changed by a site administrator: ask one' } : null,
        identifiersChanged ? { field: 'identifiers', message: 'The identifiers of a verified organisation are changed by a site administrator: ask one' } : null,
      ].filter((e) => e !== null);
      if (locked.length) throw AppError.validation(locked);
    }
    if (v.identifiers) {
      await repo.lockIdentifiers(trx, [...v.identifiers, ...before.identifiers]);
      await refuseTakenIdentifiers(trx, v.identifiers, id);
    }
    const form = v.legalForm ? legalForms[v.legalForm] : undefined;
    await repo.updateOrganisation(trx, id, {
      name: v.name, legalForm: v.legalForm, sector: form?.sector,
      distributesProfit: v.distributesProfit ?? (form ? form.distributesProfit : undefined),
      website: v.website === undefined ? undefined : v.website || null,
      description: v.description === undefined ? undefined : v.description || null,
      locality: v.locality === undefined ? undefined : v.locality || null,
    });
    if (identifiersChanged) {
      // A site administrator's change to a verified organisation is itself the check.
      const stillVerified = before.verified && v.identifiers!.length > 0;
      try {
        await repo.replaceIdentifiers(trx, id, v.identifiers!, stillVerified);
        if (before.verified && !stillVerified) await repo.setVerification(trx, id, false);
      } catch (error) {
        if (isUniqueViolation(error)) throw raceLost();
        throw error;
      }
      const pending = await repo.pendingRequestFor(trx, id);
      if (pending) await repo.closeVerificationRequest(trx, pending.id, { status: 'superseded', reason: 'The organisation changed the identifiers it claims', decidedBy: actor.userId });
    }
    const updated = (await repo.findById(trx, id))!;
    const after = presentOrganisation(updated);
    await recordAudit(trx, actor, { action: 'organisation.updated', entityType: 'organisation', entityId: id, organisationId: id, before: presentOrganisation(before), after });
    if (identifiersChanged && !updated.verified && updated.identifiers.length) await openVerificationRequest(trx, actor, updated, v.evidence || null, options.baseUrl ?? '');
    if (v.name !== undefined && v.name !== before.name) await flagLookalikes(trx, updated, options.baseUrl ?? '');
    return after;
  });
}

async function emailClaimant(trx: Db, userId: string | null, email: { subject: string; text: string }) {
  if (!userId) return;
  const user = await authRepo.findUserById(trx, userId);
  if (user) await enqueueEmail(trx, { to: user.email, kind: 'organisation-verification', ...email });
}

function readReason(input: unknown, required: boolean): string | null {
  const check = new Checker();
  const reason = check.text(input ?? '', 'reason', 'the reason', { max: 1000, optional: !required });
  check.done();
  return reason || null;
}

/**
 * Verifies an organisation's claim to its identifiers: it (and they) become verified, its pending request is
 * closed, and every other organisation's claim on the same identifiers is refused (those identifiers are taken
 * off it). Site administrators and the operator only. Audited; the claimants are emailed.
 */
export async function verifyOrganisation(db: Db, actor: Actor, id: string, input: { reason?: unknown } = {}, options: { baseUrl?: string } = {}): Promise<OrganisationView> {
  if (!actor.isAdmin) throw new AppError('forbidden', 'Only a site administrator can verify organisations');
  const reason = readReason(input.reason, false);
  const baseUrl = options.baseUrl ?? '';
  return inTransaction(db, async (trx) => {
    const unlocked = await repo.findById(trx, id);
    if (!unlocked) throw new AppError('not_found', 'No such organisation');
    await repo.lockIdentifiers(trx, unlocked.identifiers);
    // Read again under the lock: a rival's verification may have just taken an identifier off this organisation.
    const before = (await repo.findById(trx, id))!;
    if (before.verified) return presentOrganisation(before);
    if (before.identifiers.length < unlocked.identifiers.length) throw raceLost();
    if (!before.identifiers.length) {
      // Its claim may have been refused a moment ago because a rival was verified for the same identifier.
      const latest = await repo.latestRequestFor(trx, id);
      const claimed = (latest?.identifiers ?? []).map(parseOrgId).filter((p): p is OrgId => !isOrgIdError(p));
      const taken = await repo.identifiersTaken(trx, claimed, id);
      if (taken.length) throw new AppError('conflict', takenMessage(taken[0]!));
      throw AppError.validation([{ field: 'identifiers', message: `${before.name} has no identifier to check: add the one its register gives it (for example GB-LAE-NET) first` }]);
    }
    await refuseTakenIdentifiers(trx, before.identifiers, id);
    try {
      await repo.setVerification(trx, id, true);
    } catch (error) {
      if (isUniqueViolation(error)) throw raceLost();
      throw error;
    }
    const pending = await repo.pendingRequestFor(trx, id);
    if (pending) {
      await repo.closeVerificationRequest(trx, pending.id, { status: 'verified', reason, decidedBy: actor.userId });
      await emailClaimant(trx, pending.requestedBy, {
        subject: `${before.name} is verified`,
        text: [
          `A site administrator checked ${before.name}’s claim to ${pending.identifiers.join(', ')} and verified it.`,
          ...(reason ? ['', `Note: ${reason}`] : []),
          '', `${before.name}: ${baseUrl}/organisations/${before.slug}`,
        ].join('\n'),
      });
    }
    const ids = before.identifiers.map(formatOrgId);
    const rivals = [...new Set((await repo.otherClaimants(trx, before.identifiers, id)).map((r) => r.organisationId))];
    for (const rivalId of rivals) {
      const rivalOrg = (await repo.findById(trx, rivalId))!;
      const lost = rivalOrg.identifiers.map(formatOrgId).filter((i) => ids.includes(i));
      const remaining = rivalOrg.identifiers.filter((i) => !ids.includes(formatOrgId(i)));
      await repo.replaceIdentifiers(trx, rivalId, remaining, rivalOrg.verified);
      const why = `${lost.join(', ')} was verified as held by ${before.name}`;
      const rivalPending = await repo.pendingRequestFor(trx, rivalId);
      if (rivalPending) {
        await repo.closeVerificationRequest(trx, rivalPending.id, { status: 'rejected', reason: why, decidedBy: actor.userId });
        await emailClaimant(trx, rivalPending.requestedBy, {
          subject: `Your claim for ${rivalOrg.name} was not verified`,
          text: [`${why}, so ${rivalOrg.name}’s claim to it was refused and the identifier was removed from it.`, '', `If you act for ${before.name}, ask its administrators to invite you.`].join('\n'),
        });
      }
      await recordAudit(trx, actor, { action: 'organisation.claim_refused', entityType: 'organisation', entityId: rivalId, organisationId: rivalId, before: { identifiers: rivalOrg.identifiers.map(formatOrgId) }, after: { identifiers: remaining.map(formatOrgId), reason: why } });
    }
    await flagEarlierLookalikes(trx, before, baseUrl);
    const after = presentOrganisation((await repo.findById(trx, id))!);
    await recordAudit(trx, actor, { action: 'organisation.verified', entityType: 'organisation', entityId: id, organisationId: id, before: presentOrganisation(before), after: { ...after, reason } });
    return after;
  });
}

/**
 * Rejects an organisation's pending claim, with a reason (required): the claimed identifiers are taken off
 * it and the claimant is emailed. Site administrators only. Audited.
 */
export async function rejectVerification(db: Db, actor: Actor, id: string, input: { reason?: unknown }): Promise<OrganisationView> {
  if (!actor.isAdmin) throw new AppError('forbidden', 'Only a site administrator can decide verification claims');
  const reason = readReason(input.reason, true)!;
  return inTransaction(db, async (trx) => {
    const before = await repo.findById(trx, id);
    if (!before) throw new AppError('not_found', 'No such organisation');
    await repo.lockIdentifiers(trx, before.identifiers);
    const pending = await repo.pendingRequestFor(trx, id);
    if (!pending) throw new AppError('conflict', `${before.name} has no claim waiting to be decided`);
    if (!(await repo.closeVerificationRequest(trx, pending.id, { status: 'rejected', reason, decidedBy: actor.userId }))) {
      throw new AppError('conflict', 'Someone else decided this claim a moment ago');
    }
    const claimed = new Set(pending.identifiers);
    await repo.replaceIdentifiers(trx, id, before.identifiers.filter((i) => !claimed.has(formatOrgId(i))), false);
    await emailClaimant(trx, pending.requestedBy, {
      subject: `Your claim for ${before.name} was not verified`,
      text: [
        `A site administrator checked ${before.name}’s claim to ${pending.identifiers.join(', ')} and did not verify it.`,
        '', `Reason: ${reason}`, '',
        'The identifiers were removed from the organisation. You can claim them again, with evidence, from its page.',
      ].join('\n'),
    });
    const after = presentOrganisation((await repo.findById(trx, id))!);
    await recordAudit(trx, actor, { action: 'organisation.verification_rejected', entityType: 'organisation', entityId: id, organisationId: id, before: presentOrganisation(before), after: { ...after, reason } });
    return after;
  });
}

/** Decides a pending request by its id (the administrators' page and API). */
export async function decideVerification(db: Db, actor: Actor, requestId: string, input: { decision?: unknown; reason?: unknown }, options: { baseUrl?: string } = {}): Promise<OrganisationView> {
  if (!actor.isAdmin) throw new AppError('forbidden', 'Only a site administrator can decide verification claims');
  const check = new Checker();
  const decision = check.oneOf(input.decision, 'decision', 'verify or reject', ['verify', 'reject'] as const);
  check.done();
  const request = uuidPattern.test(requestId) ? await repo.findVerificationRequest(db, requestId) : null;
  if (!request) throw new AppError('not_found', 'No such verification request');
  if (request.status !== 'pending') throw new AppError('conflict', `This claim was already decided (${request.status})`);
  return decision === 'verify'
    ? verifyOrganisation(db, actor, request.organisationId, { reason: input.reason }, options)
    : rejectVerification(db, actor, request.organisationId, { reason: input.reason });
}

/** Takes verification away (a site administrator); the organisation can no longer publish as a public body. */
export async function withdrawVerification(db: Db, actor: Actor, id: string, input: { reason?: unknown } = {}): Promise<OrganisationView> {
  if (!actor.isAdmin) throw new AppError('forbidden', 'Only a site administrator can verify organisations');
  const reason = readReason(input.reason, false);
  return inTransaction(db, async (trx) => {
    const before = await repo.findById(trx, id);
    if (!before) throw new AppError('not_found', 'No such organisation');
    if (!before.verified) return presentOrganisation(before);
    await repo.setVerification(trx, id, false);
    const after = presentOrganisation((await repo.findById(trx, id))!);
    await recordAudit(trx, actor, { action: 'organisation.unverified', entityType: 'organisation', entityId: id, organisationId: id, before: presentOrganisation(before), after: { ...after, reason } });
    return after;
  });
}

export async function setVerified(db: Db, actor: Actor, id: string, verified: boolean, options: { baseUrl?: string } = {}): Promise<OrganisationView> {
  return verified ? verifyOrganisation(db, actor, id, {}, options) : withdrawVerification(db, actor, id);
}

export interface VerificationRequestView {
  id: string;
  organisationId: string;
  identifiers: string[];
  evidence: string | null;
  status: string;
  reason: string | null;
  createdAt: string;
  decidedAt: string | null;
}

function presentRequest(r: repo.VerificationRequestRecord): VerificationRequestView {
  return {
    id: r.id, organisationId: r.organisationId, identifiers: r.identifiers, evidence: r.evidence, status: r.status, reason: r.reason,
    createdAt: r.createdAt.toISOString(), decidedAt: r.decidedAt ? r.decidedAt.toISOString() : null,
  };
}

/** An organisation's administrators ask for its identifiers to be checked (when no claim is waiting). */
export async function requestVerification(db: Db, actor: Actor, id: string, input: { evidence?: unknown }, options: { baseUrl?: string } = {}): Promise<VerificationRequestView> {
  const check = new Checker();
  const evidence = check.text(input.evidence, 'evidence', 'how we can check you act for it', { max: 2000 });
  check.done();
  return inTransaction(db, async (trx) => {
    const org = await repo.findById(trx, id);
    if (!org) throw new AppError('not_found', 'No such organisation');
    await requireOrganisationRole(trx, actor, id, ['admin']);
    if (org.verified) throw new AppError('conflict', `${org.name} is already verified`);
    if (!org.identifiers.length) throw AppError.validation([{ field: 'evidence', message: 'Add the identifier its register gives it (change the organisation’s details) before asking for verification' }]);
    if (await repo.pendingRequestFor(trx, id)) throw new AppError('conflict', 'A claim for this organisation is already waiting for a site administrator');
    await refuseTakenIdentifiers(trx, org.identifiers, id);
    try {
      return presentRequest(await openVerificationRequest(trx, actor, org, evidence, options.baseUrl ?? ''));
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('conflict', 'A claim for this organisation is already waiting for a site administrator');
      throw error;
    }
  });
}

/** The site administrators' review: pending claims (claimant, evidence, rival claimants), recent decisions and look-alikes. */
export async function verificationQueue(db: Db, actor: Actor) {
  if (!actor.isAdmin) throw new AppError('forbidden', 'Only a site administrator can review verification claims');
  const claims = [];
  for (const r of await repo.listVerificationRequests(db, 'pending', 200)) {
    const org = await repo.findById(db, r.organisationId);
    if (!org) continue;
    const claimant = r.requestedBy ? await authRepo.findUserById(db, r.requestedBy) : null;
    claims.push({
      ...presentRequest(r), organisation: presentOrganisation(org),
      claimant: claimant ? { name: claimant.name, email: claimant.email } : null,
      rivals: (await repo.otherClaimants(db, org.identifiers, org.id)).map((c) => ({ identifier: formatOrgId(c.id), name: c.name, slug: c.slug, verified: c.verified })),
    });
  }
  const lookalikes = (await repo.listLookalikes(db, 100)).map((l) => ({
    name: l.name, slug: l.slug, verified: l.verified, resemblesName: l.resembles_name, resemblesSlug: l.resembles_slug, flaggedAt: l.created_at,
  }));
  const decided = [...await repo.listVerificationRequests(db, 'verified', 20), ...await repo.listVerificationRequests(db, 'rejected', 20)]
    .sort((a, b) => (b.decidedAt?.getTime() ?? 0) - (a.decidedAt?.getTime() ?? 0)).slice(0, 20);
  const names = await repo.namesByIds(db, [...new Set(decided.map((d) => d.organisationId))]);
  return {
    claims, lookalikes,
    decided: decided.map((d) => ({ ...presentRequest(d), organisationName: names.get(d.organisationId)?.name ?? 'Removed', organisationSlug: names.get(d.organisationId)?.slug ?? null })),
  };
}

/** The organisation's latest verification request, so its page can say where its claim stands. */
export async function latestVerificationRequest(db: Db, organisationId: string): Promise<VerificationRequestView | null> {
  const r = await repo.latestRequestFor(db, organisationId);
  return r ? presentRequest(r) : null;
}

// The gate other modules call before anything is published in an organisation's name.

/** True if the organisation may publish as a public body: verified, with a public body's legal form. */
export function isVerifiedPublicBody(org: { verified: boolean; legalForm: string }): boolean {
  return org.verified && isPublicBodyForm(org.legalForm);
}

/**
 * Throws `forbidden` unless the organisation is a verified public body. `what` names what it tried to publish
 * ("spending", "senior salaries", "contracts" …). Spend, commissioning, outcomes and voice call this.
 */
export async function requireVerifiedPublicBody(db: Db, organisationId: string, what: string): Promise<OrganisationView> {
  const org = await repo.findById(db, organisationId);
  if (!org) throw new AppError('not_found', 'No such organisation');
  if (!isVerifiedPublicBody(org)) {
    const why = org.verified ? `its legal form, ${legalForms[org.legalForm as LegalForm]?.label.toLowerCase() ?? org.legalForm}, is not a public body’s` : 'its identifiers have not been checked';
    throw new AppError('forbidden', `${org.name} is not a verified public body (${why}), so it cannot ${what}: ask a site administrator to verify it against its register`);
  }
  return presentOrganisation(org);
}

/** Throws `forbidden` unless the organisation is verified (any legal form): for grants and other acts that need trust. */
export async function requireVerifiedOrganisation(db: Db, organisationId: string, what: string): Promise<OrganisationView> {
  const org = await repo.findById(db, organisationId);
  if (!org) throw new AppError('not_found', 'No such organisation');
  if (!org.verified) throw new AppError('forbidden', `${org.name} is not a verified organisation, so it cannot ${what}: ask a site administrator to verify it against its register`);
  return presentOrganisation(org);
}

// Invitations: how a verified body's administrators bring someone in, instead of them registering a copy.

const invitationLifetimeMs = 14 * 24 * 3600 * 1000;

/** Emails an invitation to join the organisation with a role; the person need not have an account yet. */
export async function inviteMember(db: Db, actor: Actor, organisationId: string, input: { email?: unknown; role?: unknown }, options: { baseUrl?: string } = {}) {
  const check = new Checker();
  const email = check.email(input.email);
  const role = check.oneOf(input.role, 'role', 'a role', roles);
  check.done();
  return inTransaction(db, async (trx) => {
    const org = await repo.findById(trx, organisationId);
    if (!org) throw new AppError('not_found', 'No such organisation');
    await requireOrganisationRole(trx, actor, organisationId, ['admin']);
    const token = randomToken();
    const invitation = await repo.insertInvitation(trx, {
      organisationId, email, role, tokenHash: sha256(token), invitedBy: actor.userId, expiresAt: new Date(Date.now() + invitationLifetimeMs),
    });
    const inviter = actor.userId ? await authRepo.findUserById(trx, actor.userId) : null;
    await enqueueEmail(trx, {
      to: email, kind: 'organisation-invitation',
      subject: `You are invited to join ${org.name} on Commonweal`,
      text: [
        `${inviter ? inviter.name : 'A site administrator'} invited you to join ${org.name}${org.verified ? ' (a verified organisation)' : ''} as ${roleLabels[role].toLowerCase()}.`,
        '',
        `To accept, open this link within 14 days and sign in (or create an account) with this email address, ${email}:`,
        '',
        `${options.baseUrl ?? ''}/invitations/${token}`,
        '',
        'If you did not expect this, ignore this email.',
      ].join('\n'),
    });
    await recordAudit(trx, actor, { action: 'membership.invited', entityType: 'invitation', entityId: invitation.id, organisationId, after: { email, role, expiresAt: invitation.expiresAt.toISOString() } });
    return { id: invitation.id, email, role, expiresAt: invitation.expiresAt.toISOString() };
  });
}

/** What an invitation link offers, or not_found if the link is not (or no longer) good. */
export async function getInvitation(db: Db, token: string) {
  const invitation = token && /^[\w-]{20,100}$/.test(token) ? await repo.findInvitationByTokenHash(db, sha256(token)) : null;
  if (!invitation) throw new AppError('not_found', 'This invitation link is not valid: check you copied all of it, or ask for a new invitation');
  const org = (await repo.findById(db, invitation.organisationId))!;
  const state = invitation.acceptedAt ? 'accepted' : invitation.expiresAt.getTime() <= Date.now() ? 'expired' : 'open';
  return {
    organisation: presentOrganisation(org), email: invitation.email, role: invitation.role as Role,
    roleLabel: roleLabels[invitation.role as Role], state, expiresAt: invitation.expiresAt.toISOString(),
  };
}

/**
 * Accepts an invitation: the signed-in person, who must be the one it was sent to, gets the invited role.
 * Once only; an expired or used link is refused. Audited.
 */
export async function acceptInvitation(db: Db, actor: Actor, token: string) {
  if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to accept the invitation');
  const invitation = token && /^[\w-]{20,100}$/.test(token) ? await repo.findInvitationByTokenHash(db, sha256(token)) : null;
  if (!invitation) throw new AppError('not_found', 'This invitation link is not valid: check you copied all of it, or ask for a new invitation');
  return inTransaction(db, async (trx) => {
    const user = await authRepo.findUserById(trx, actor.userId!);
    if (!user || user.email !== invitation.email) {
      throw new AppError('forbidden', 'This invitation was sent to a different email address: sign in with the address it was sent to');
    }
    if (!(await repo.markInvitationAccepted(trx, invitation.id, user.id))) {
      throw new AppError('conflict', 'This invitation has already been used or has expired: ask for a new one');
    }
    const added = await authRepo.insertMembership(trx, { organisationId: invitation.organisationId, userId: user.id, role: invitation.role });
    await recordAudit(trx, actor, { action: 'membership.added', entityType: 'membership', entityId: `${invitation.organisationId}/${user.id}/${invitation.role}`, organisationId: invitation.organisationId, after: { userId: user.id, email: user.email, role: invitation.role, invitationId: invitation.id } });
    const org = (await repo.findById(trx, invitation.organisationId))!;
    return { organisation: presentOrganisation(org), role: invitation.role as Role, added };
  });
}

/** Invitations sent for an organisation (its administrators). */
export async function listInvitations(db: Db, actor: Actor, organisationId: string) {
  await requireOrganisationRole(db, actor, organisationId, ['admin']);
  return (await repo.listInvitations(db, organisationId)).map((i) => ({
    id: i.id, email: i.email, role: i.role as Role, roleLabel: roleLabels[i.role as Role], sentAt: i.createdAt,
    state: i.acceptedAt ? 'Accepted' : i.expiresAt.getTime() <= Date.now() ? 'Expired' : 'Waiting',
  }));
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

/**
 * The organisations a person may mean by what they typed into a form: its registered name (or part of it), or
 * its org-id identifier or address when they know it. An exact identifier or address gives that one; a name
 * that only one organisation has exactly gives that one; otherwise every organisation whose name contains the
 * words (at most `limit`, by name), for the person to choose from. Forms call this instead of asking for an id.
 */
export async function organisationsNamed(db: Db, text: string, limit = 20): Promise<OrganisationView[]> {
  const t = text.trim().slice(0, 200);
  if (t === '') return [];
  const exact = await findOrganisation(db, t);
  if (exact) return [exact];
  const items = (await searchOrganisations(db, { q: t, pageSize: limit })).items;
  const same = items.filter((i) => i.name.toLowerCase() === t.toLowerCase());
  return same.length === 1 ? same : items;
}

export async function getOrganisation(db: Db, ref: string): Promise<OrganisationView> {
  const org = await findOrganisation(db, ref);
  if (!org) throw new AppError('not_found', `No organisation is registered as "${ref}"`);
  return org;
}

export async function searchOrganisations(db: Db, options: { q?: string; sector?: string; legalForm?: string; verified?: boolean; page?: number; pageSize?: number }) {
  const pageSize = Math.min(Math.max(options.pageSize ?? 25, 1), 100);
  const page = Math.max(options.page ?? 1, 1);
  const { total, items } = await repo.search(db, {
    q: options.q?.trim().slice(0, 200) || undefined, sector: options.sector || undefined, legalForm: options.legalForm || undefined, verified: options.verified,
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
