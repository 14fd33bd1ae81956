// Test support: a commissioner, a provider, an independent validator, a central top-up fund and an investor,
// each with people in the roles the outcomes module checks, and a contract with a small rate card.
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { cliActor } from '../platform/actor.ts';
import { userWithToken } from '../platform/testing.ts';
import { addMember, createOrganisation } from '../organisations/organisations.service.ts';
import { verifiedPublicBody } from '../organisations/organisations.test-support.ts';
import { isPublicBodyForm, type LegalForm } from '../organisations/organisations.forms.ts';
import * as service from './outcomes.service.ts';

export function actorOf(userId: string): Actor {
  return { userId, tokenId: null, isAdmin: false, via: 'session' };
}

export async function person(ctx: AppContext, label: string, roles: [string, string][] = []) {
  const email = `${label}-${randomBytes(4).toString('hex')}@example.org`;
  const u = await userWithToken(ctx.db, email);
  for (const [org, role] of roles) await addMember(ctx.db, cliActor, org, { email, role });
  return { ...u, email, actor: actorOf(u.user.id) };
}

export async function parties(ctx: AppContext) {
  const tag = randomBytes(3).toString('hex');
  // Public bodies (the council, the fund) are registered verified: only a verified public body publishes contracts.
  const org = (name: string, legalForm: LegalForm = 'charitable-company') => isPublicBodyForm(legalForm)
    ? verifiedPublicBody(ctx.db, `${name} ${tag}`, legalForm)
    : createOrganisation(ctx.db, cliActor, { name: `${name} ${tag}`, legalForm });
  const council = await org('Test Council', 'local-authority');
  const provider = await org('Test Provider');
  const validator = await org('Test Evaluators');
  const fund = await org('Test Outcomes Fund', 'other-public-body');
  const investor = await org('Test Social Investor');
  const commissioner = await person(ctx, 'commissioner', [[council.id, 'commissioner']]);
  const finance = await person(ctx, 'finance', [[council.id, 'finance']]);
  const providerStaff = await person(ctx, 'provider-staff', [[provider.id, 'staff']]);
  const providerFinance = await person(ctx, 'provider-finance', [[provider.id, 'finance']]);
  const evaluator = await person(ctx, 'evaluator', [[validator.id, 'evaluator']]);
  const councilEvaluator = await person(ctx, 'council-evaluator', [[council.id, 'evaluator']]);
  const outsider = await person(ctx, 'outsider');
  return { council, provider, validator, fund, investor, commissioner, finance, providerStaff, providerFinance, evaluator, councilEvaluator, outsider };
}

/** A contract: cap £10,000, £3,000 a person; O1 interim £1,000 (validated by the evaluators), O2 final £2,500. */
export async function contractWithRateCard(ctx: AppContext, p: Awaited<ReturnType<typeof parties>>, options: { capPence?: number; personCapPence?: number | null } = {}) {
  const contract = await service.createContract(ctx.db, p.commissioner.actor, {
    organisation: p.council.id, provider: p.provider.id, title: 'Test outcomes contract', startDate: '2025-04-01', endDate: '2028-03-31',
    capPence: options.capPence ?? 1_000_000, personCapPence: options.personCapPence === undefined ? 300_000 : options.personCapPence ?? undefined,
  });
  const o1 = await service.addMetric(ctx.db, p.commissioner.actor, contract.id, {
    code: 'O1', name: 'Sustained tenancy 6 months', definition: 'In the same tenancy 26 weeks after moving in', validationMethod: 'Simple ex-post verification',
    evidenceRequired: 'Landlord letter', validator: p.validator.id, resultType: 'interim', pricePence: 100_000,
  });
  const o2 = await service.addMetric(ctx.db, p.commissioner.actor, contract.id, {
    code: 'O2', name: 'Sustained tenancy 12 months', definition: 'In the same tenancy 52 weeks after moving in', validationMethod: 'Simple ex-post verification',
    evidenceRequired: 'Landlord letter and rent account', validator: p.validator.id, resultType: 'final', pricePence: 250_000,
  });
  return { contract, o1, o2 };
}
