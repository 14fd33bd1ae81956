// Test support: an accredited CDFI with an officer, investors and an investee, dated relative to today so
// every rule that depends on the calendar (30 days, years of a loan) is exercised as it would be in use.
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { cliActor } from '../platform/actor.ts';
import { userWithToken } from '../platform/testing.ts';
import { addMember, createOrganisation } from '../organisations/organisations.service.ts';
import { addDays, addYears, todayDay } from './investment.compute.ts';
import * as service from './investment.service.ts';

export function actorOf(userId: string): Actor {
  return { userId, tokenId: null, isAdmin: false, via: 'session' };
}

export async function person(ctx: AppContext, label: string, roles: [string, string][] = []) {
  const email = `${label}-${randomBytes(4).toString('hex')}@example.org`;
  const u = await userWithToken(ctx.db, email);
  for (const [org, role] of roles) await addMember(ctx.db, cliActor, org, { email, role });
  return { ...u, email, actor: actorOf(u.user.id) };
}

/** `n` days before today (negative: after). */
export function daysAgo(n: number): string {
  return addDays(todayDay(), -n);
}

/**
 * A CDFI accredited from four years ago until a year from now (so loans can be years old), with an application
 * of £400,000 (limit £500,000 unless given), a finance officer, a staff member (not an officer), two investors
 * and an investee.
 */
export async function cdfiWorld(ctx: AppContext, options: { limitPence?: number } = {}) {
  const tag = randomBytes(3).toString('hex');
  const org = (name: string) => createOrganisation(ctx.db, cliActor, { name: `${name} ${tag}`, legalForm: 'community-benefit-society' });
  const cdfiOrg = await org('Test Community Finance');
  const investorA = await org('Test Investor A');
  const investorB = await org('Test Investor B');
  const investee = await org('Test Community Shop');
  const cdfi = await service.accreditCdfi(ctx.db, cliActor, {
    organisation: cdfiOrg.id, accreditedFrom: addYears(todayDay(), -4), accreditedTo: addYears(todayDay(), 1),
    applicationPence: 40_000_000, certificateLimitPence: options.limitPence,
  });
  const officer = await person(ctx, 'cdfi-officer', [[cdfiOrg.id, 'finance']]);
  const staff = await person(ctx, 'cdfi-staff', [[cdfiOrg.id, 'staff']]);
  const investorPerson = await person(ctx, 'investor', [[investorA.id, 'finance']]);
  const investeePerson = await person(ctx, 'investee', [[investee.id, 'staff']]);
  const outsider = await person(ctx, 'outsider');
  return { tag, cdfiOrg, cdfi, investorA, investorB, investee, officer, staff, investorPerson, investeePerson, outsider };
}
