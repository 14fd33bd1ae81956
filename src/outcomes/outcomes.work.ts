// Outcomes' kind of work for the platform inbox: claims to validate. A claim waits for the evaluators of the
// metric's validating organisation (the commissioner's when the metric names none) until one of them accepts
// or rejects it, except for anyone in the provider and the person who made the claim (they may not validate it).
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import { notifyWork, type WorkItem, type WorkKind, type WorkPerson } from '../platform/inbox.ts';

export const validateKind = 'outcomes.claim-to-validate';

async function toValidate(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  const rows = await sql<{ contract_id: string; title: string; code: string; participant_ref: string; claimed_at: Date }>`
    SELECT c.contract_id, k.title, m.code, c.participant_ref, c.claimed_at
      FROM outcome_claims c
      JOIN outcome_contracts k ON k.organisation_id = c.organisation_id AND k.id = c.contract_id
      JOIN outcome_metrics m ON m.organisation_id = c.organisation_id AND m.contract_id = c.contract_id AND m.id = c.metric_id
      JOIN memberships v ON v.organisation_id = COALESCE(m.validator_organisation_id, k.organisation_id) AND v.user_id = ${person.id} AND v.role = 'evaluator'
     WHERE c.status = 'claimed' AND c.claimed_by IS DISTINCT FROM ${person.id}
       AND NOT EXISTS (SELECT 1 FROM memberships p WHERE p.organisation_id = k.provider_organisation_id AND p.user_id = ${person.id})
     ORDER BY c.claimed_at
     LIMIT 100`.execute(db);
  return rows.rows.map((r) => ({
    title: `Validate the claim for ${r.code}, participant ${r.participant_ref}`,
    href: `/outcomes/contracts/${r.contract_id}/claims?status=claimed`, date: r.claimed_at, detail: r.title,
  }));
}

export const outcomesWork: WorkKind[] = [
  { kind: validateKind, label: 'Outcome claims to validate', emailHint: 'When a provider claims an outcome that your organisation validates', list: toValidate },
];

/** Tells the claim's validators it waits (in the claiming transaction). */
export async function noticeClaimToValidate(trx: Db, x: { contractId: string; contractTitle: string; providerOrganisationId: string; validatorOrganisationId: string; code: string; participantRef: string; claimedBy: string | null }, baseUrl: string): Promise<void> {
  const rows = await sql<{ user_id: string }>`
    SELECT DISTINCT v.user_id FROM memberships v
     WHERE v.organisation_id = ${x.validatorOrganisationId} AND v.role = 'evaluator'
       AND NOT EXISTS (SELECT 1 FROM memberships p WHERE p.organisation_id = ${x.providerOrganisationId} AND p.user_id = v.user_id)`.execute(trx);
  await notifyWork(trx, {
    kind: validateKind, userIds: rows.rows.map((r) => r.user_id), except: x.claimedBy, baseUrl,
    href: `/outcomes/contracts/${x.contractId}/claims?status=claimed`,
    subject: `An outcome claim to validate: ${x.contractTitle}`,
    text: `The provider has claimed outcome ${x.code} for participant ${x.participantRef} under “${x.contractTitle}”. Check the evidence, then accept the claim or reject it with a reason. Nothing is paid until a claim is accepted.`,
  });
}
