// Organisational time credits: an earn partner gives a member credits for hours volunteered; a spend partner
// lists activities and redeems credits when a member presents their member code. Both are transfers through
// the ledger's one write path; the partner's statement is its account's statement.
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { hasRole } from '../platform/auth/auth.repository.ts';
import * as repo from './timebank.repository.ts';
import * as store from './timebank.exchanges.repository.ts';
import { readCategory } from './timebank.exchanges.ts';
import {
  applyTransfers, authenticated, isCoordinator, normaliseMemberCode, readMinutes, readUuid, uuidPattern, type TransferView,
} from './timebank.service.ts';

export interface ActivityView { id: string; bankId: string; partner: { id: string; name: string }; title: string; description: string; minutes: number }

function presentActivity(a: store.ActivityWithPartner): ActivityView {
  return { id: a.id, bankId: a.bank_id, partner: { id: a.account_id, name: a.partner_name }, title: a.title, description: a.description, minutes: Number(a.minutes) };
}

async function requirePartnerAccount(db: Db, id: string): Promise<repo.AccountRow> {
  const a = uuidPattern.test(id) ? await repo.findAccount(db, id.toLowerCase()) : null;
  if (!a || a.kind !== 'organisation') throw new AppError('not_found', `No partner account has the id ${id}`);
  return a;
}

/** Whether the person acts for the partner: its administrators and staff, or a coordinator of the bank. */
export async function actsForPartner(db: Db, actor: Actor, account: repo.AccountRow): Promise<boolean> {
  if (account.kind !== 'organisation') return false;
  if (actor.isAdmin) return true;
  if (!actor.userId) return false;
  return (await hasRole(db, actor.userId, account.holder_organisation_id!, ['admin', 'staff'])) || isCoordinator(db, actor, account.organisation_id);
}

async function memberByCode(db: Db, partner: repo.AccountRow, input: unknown): Promise<repo.AccountRow> {
  const code = typeof input === 'string' ? normaliseMemberCode(input) : '';
  const member = code ? await repo.findByMemberCode(db, { organisation_id: partner.organisation_id, id: partner.bank_id }, code) : null;
  if (!member) throw AppError.validation([{ field: 'memberCode', message: 'No member of this time bank has that member code; check it with the member' }]);
  return member;
}

/**
 * An earn partner gives a member credits for hours volunteered: minutes move from the partner's account (its
 * balance goes below zero by what it has issued, down to its limit) to the member found by their member code.
 */
export async function issueCredits(db: Db, actor: Actor, partnerAccountId: string, input: { id?: unknown; memberCode?: unknown; minutes?: unknown; reason?: unknown; category?: unknown }): Promise<TransferView & { replayed: boolean }> {
  authenticated(actor);
  const check = new Checker();
  const id = readUuid(check, input.id, 'id', 'the id of this entry');
  const minutes = readMinutes(check, input.minutes);
  const reason = check.text(input.reason, 'reason', 'what the volunteering was', { max: 500 });
  const category = readCategory(check, input.category ?? 'community');
  check.done();
  const partner = await requirePartnerAccount(db, partnerAccountId);
  if (!(await actsForPartner(db, actor, partner))) throw new AppError('forbidden', 'Only the partner’s administrators and staff, or the bank’s coordinators, can give its credits');
  if (partner.partner_role === 'spend') throw new AppError('unprocessable', `${partner.name} is a spend partner: it accepts credits but does not issue them`);
  const member = await memberByCode(db, partner, input.memberCode);
  const [outcome] = await applyTransfers(db, actor, [{ id, from: partner.id, to: member.id, minutes, reason, reverses: null, groupId: null, kind: 'volunteering', category }], 'default');
  return { ...outcome!.transfer, replayed: outcome!.replayed };
}

/** A spend partner's administrators or staff (or a coordinator) list an activity members can spend credits on. */
export async function addActivity(db: Db, actor: Actor, partnerAccountId: string, input: { title?: unknown; description?: unknown; minutes?: unknown }): Promise<ActivityView> {
  authenticated(actor);
  const check = new Checker();
  const title = check.text(input.title, 'title', 'the activity’s name', { max: 120 });
  const description = typeof input.description === 'string' ? input.description.trim() : '';
  if (description.length > 1000) check.fail('description', 'Keep the description to 1,000 characters or fewer');
  const minutes = readMinutes(check, input.minutes);
  check.done();
  return inTransaction(db, async (trx) => {
    const partner = await requirePartnerAccount(trx, partnerAccountId);
    if (!(await actsForPartner(trx, actor, partner))) throw new AppError('forbidden', 'Only the partner’s administrators and staff, or the bank’s coordinators, can list its activities');
    if (partner.partner_role === 'earn') throw new AppError('unprocessable', `${partner.name} is an earn partner: it issues credits but does not accept them`);
    const row = await store.insertActivity(trx, { organisation_id: partner.organisation_id, bank_id: partner.bank_id, account_id: partner.id, title, description, minutes });
    const view = presentActivity({ ...row, partner_name: partner.name });
    await recordAudit(trx, actor, { action: 'timebank.activity.listed', entityType: 'timebank_activity', entityId: row.id, organisationId: partner.organisation_id, after: view });
    return view;
  });
}

export async function withdrawActivity(db: Db, actor: Actor, activityId: string): Promise<void> {
  authenticated(actor);
  await inTransaction(db, async (trx) => {
    const activity = uuidPattern.test(activityId) ? await store.findActivity(trx, activityId.toLowerCase()) : null;
    if (!activity) throw new AppError('not_found', `No activity has the id ${activityId}`);
    const partner = await requirePartnerAccount(trx, activity.account_id);
    if (!(await actsForPartner(trx, actor, partner))) throw new AppError('forbidden', 'Only the partner’s administrators and staff, or the bank’s coordinators, can withdraw its activities');
    await store.withdrawActivity(trx, activity);
    await recordAudit(trx, actor, { action: 'timebank.activity.withdrawn', entityType: 'timebank_activity', entityId: activity.id, organisationId: activity.organisation_id, before: { status: 'listed' }, after: { status: 'withdrawn' } });
  });
}

/** The activities partners of a bank accept credits for (anyone may see them), or one partner's. */
export async function listActivities(db: Db, bankId: string, partnerAccountId?: string): Promise<ActivityView[]> {
  const bank = uuidPattern.test(bankId) ? await repo.findBank(db, bankId.toLowerCase()) : null;
  if (!bank) throw new AppError('not_found', `No time bank has the id ${bankId}`);
  return (await store.listActivities(db, bank, partnerAccountId)).map(presentActivity);
}

export async function getActivity(db: Db, id: string): Promise<ActivityView> {
  const a = uuidPattern.test(id) ? await store.findActivity(db, id.toLowerCase()) : null;
  if (!a) throw new AppError('not_found', `No activity has the id ${id}`);
  return presentActivity(a);
}

/**
 * A member presents their member code at a spend partner, whose staff redeem an activity: its minutes move from
 * the member to the partner (refused with 422, nothing written, if the member has too few). Recorded as on the
 * member's behalf; the member sees it on their statement, the partner on its own. The id makes it idempotent.
 */
export async function redeem(db: Db, actor: Actor, activityId: string, input: { id?: unknown; memberCode?: unknown }): Promise<TransferView & { replayed: boolean }> {
  authenticated(actor);
  const check = new Checker();
  const id = readUuid(check, input.id, 'id', 'the id of this redemption');
  if (typeof input.memberCode !== 'string' || !input.memberCode.trim()) check.fail('memberCode', 'Enter the member code the member shows you');
  check.done();
  const activity = uuidPattern.test(activityId) ? await store.findActivity(db, activityId.toLowerCase()) : null;
  if (!activity || activity.status !== 'listed') throw new AppError('not_found', `No listed activity has the id ${activityId}`);
  const partner = await requirePartnerAccount(db, activity.account_id);
  if (!(await actsForPartner(db, actor, partner))) throw new AppError('forbidden', 'Only the partner’s administrators and staff, or the bank’s coordinators, can redeem credits for its activities');
  const member = await memberByCode(db, partner, input.memberCode);
  const [outcome] = await applyTransfers(db, actor, [{
    id, from: member.id, to: partner.id, minutes: Number(activity.minutes), reason: activity.title, reverses: null, groupId: null, kind: 'redemption', category: null,
  }], { onBehalf: true });
  return { ...outcome!.transfer, replayed: outcome!.replayed };
}
