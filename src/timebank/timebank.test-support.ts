// Helpers shared by the time-bank tests and benchmark: a bank with members who hold API tokens.
import { cliActor } from '../platform/actor.ts';
import { createApiToken } from '../platform/auth/auth.service.ts';
import { insertMembership } from '../platform/auth/auth.repository.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import type { AppContext } from '../platform/module.ts';
import * as service from './timebank.service.ts';

export interface Member { accountId: string; userId: string; auth: { authorization: string } }

export async function tokenFor(ctx: AppContext, userId: string): Promise<{ authorization: string }> {
  const { token } = await createApiToken(ctx.db, cliActor, { userId, name: 'test' });
  return { authorization: `Bearer ${token}` };
}

/** A bank with a coordinator (holding a token) and `members` members, each with a token and `minBalance`. */
export async function bankWithMembers(ctx: AppContext, name: string, members: number, minBalance: (i: number) => number = () => 0) {
  const bank = await service.createBank(ctx.db, cliActor, { name });
  const tag = bank.id.slice(0, 8);
  const coordinator = await registerUser(ctx.db, cliActor, { email: `coordinator-${tag}@example.org`, name: 'Cora Coordinator', password: null });
  await insertMembership(ctx.db, { organisationId: bank.organisationId, userId: coordinator.id, role: 'coordinator' });
  const list: Member[] = [];
  for (let i = 0; i < members; i++) {
    const m = await service.addMember(ctx.db, cliActor, bank.id, { email: `member${i}-${tag}@example.org`, name: `Member ${i}`, minBalance: minBalance(i) });
    list.push({ accountId: m.accountId, userId: m.userId, auth: await tokenFor(ctx, m.userId) });
  }
  return { bank, issuer: bank.issuerAccountId!, coordinator: { userId: coordinator.id, auth: await tokenFor(ctx, coordinator.id) }, members: list };
}
