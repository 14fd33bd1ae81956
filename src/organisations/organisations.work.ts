// The organisations module's kind of work for the platform inbox: verification claims waiting for a site
// administrator's decision. A claim waits from the moment an organisation claims an identifier (the site
// administrators are emailed then, unless they turned this kind off) until one of them verifies or rejects it,
// or the organisation changes what it claims.
import type { Db } from '../platform/db.ts';
import { notifyWork, siteAdministratorIds, type WorkItem, type WorkKind, type WorkPerson } from '../platform/inbox.ts';
import * as repo from './organisations.repository.ts';

export const claimKind = 'organisations.claim-to-verify';
export const lookalikeKind = 'organisations.lookalike-to-review';

/** The anchor of a look-alike on /admin/organisations (the inbox's and the email's link). */
export function lookalikeAnchor(organisationId: string, resemblesId: string): string {
  return `lookalike-${organisationId}-${resemblesId}`;
}

async function claimsToDecide(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  if (!person.isAdmin) return [];
  const requests = await repo.listVerificationRequests(db, 'pending', 100);
  const names = await repo.namesByIds(db, [...new Set(requests.map((r) => r.organisationId))]);
  return requests.filter((r) => names.has(r.organisationId)).map((r) => ({
    title: `Verify or reject ${names.get(r.organisationId)!.name}’s claim to ${r.identifiers.join(', ')}`,
    href: `/admin/organisations#claim-${r.id}`,
    date: r.createdAt,
    detail: r.evidence ? `Evidence given: ${r.evidence.length > 120 ? `${r.evidence.slice(0, 119)}…` : r.evidence}` : 'No evidence given',
  }));
}

// A look-alike waits until a site administrator reviews it, or until it is no longer a look-alike of an
// unverified organisation (it was verified itself, so someone checked it against its register).
async function lookalikesToReview(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  if (!person.isAdmin) return [];
  return (await repo.listLookalikesToReview(db, 100)).map((l) => ({
    title: `Review ${l.name}, which looks like ${l.resembles_name}`,
    href: `/admin/organisations#${lookalikeAnchor(l.organisation_id, l.resembles_id)}`,
    date: l.created_at,
    detail: `${l.name} is not verified; ${l.resembles_name} is.`,
  }));
}

export const organisationsWork: WorkKind[] = [
  { kind: claimKind, label: 'Verification claims to decide', emailHint: 'When an organisation claims an official identifier (site administrators)', list: claimsToDecide },
  { kind: lookalikeKind, label: 'Look-alike names to review', emailHint: 'When an organisation is registered with a name like a verified one’s (site administrators)', list: lookalikesToReview },
];

/**
 * Tells the site administrators that look-alikes were flagged (in the flagging transaction): one email for the
 * flags one change made, linking to the first of them.
 */
export async function noticeLookalikes(trx: Db, x: { subject: string; text: string; first: { organisationId: string; resemblesId: string }; actor: string | null }, baseUrl: string): Promise<number> {
  return notifyWork(trx, {
    kind: lookalikeKind, userIds: await siteAdministratorIds(trx), except: x.actor, baseUrl,
    href: `/admin/organisations#${lookalikeAnchor(x.first.organisationId, x.first.resemblesId)}`,
    subject: x.subject, text: x.text,
  });
}

/** Tells the site administrators a claim waits for them (in the claiming transaction). */
export async function noticeClaimToVerify(trx: Db, x: { requestId: string; name: string; identifiers: string[]; evidence: string | null; claimant: string | null }, baseUrl: string): Promise<number> {
  return notifyWork(trx, {
    kind: claimKind, userIds: await siteAdministratorIds(trx), except: x.claimant, baseUrl,
    href: `/admin/organisations#claim-${x.requestId}`,
    subject: `Verify a claim: ${x.name} (${x.identifiers.join(', ')})`,
    text: [
      `${x.name} claims ${x.identifiers.join(', ')}. Until a site administrator checks the claim it is shown as “Not verified” and cannot publish as a public body.`,
      '',
      `Evidence given: ${x.evidence || 'none'}`,
      '',
      'Check each identifier against its register, then verify or reject the claim.',
    ].join('\n'),
  });
}
