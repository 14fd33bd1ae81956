// Helpers shared by the commissioning tests, e2e journey and benchmark: a buyer with a commissioner and
// evaluators, and providers whose administrators hold API tokens.
import { randomUUID } from 'node:crypto';
import { cliActor } from '../platform/actor.ts';
import type { Actor } from '../platform/actor.ts';
import { createApiToken, registerUser } from '../platform/auth/auth.service.ts';
import { insertMembership } from '../platform/auth/auth.repository.ts';
import type { Role } from '../platform/auth/policy.ts';
import type { AppContext } from '../platform/module.ts';
import { createOrganisation, type OrganisationView } from '../organisations/organisations.service.ts';
import { verifiedPublicBody } from '../organisations/organisations.test-support.ts';
import { isPublicBodyForm } from '../organisations/organisations.forms.ts';
import type { LegalForm } from '../organisations/organisations.forms.ts';
import { validateReleasePackage } from './commissioning.ocds.ts';

export interface Person { userId: string; email: string; actor: Actor; auth: { authorization: string } }

export async function person(ctx: AppContext, label: string, roles: [string, Role][] = []): Promise<Person> {
  const email = `${label}-${randomUUID().slice(0, 8)}@example.org`;
  const user = await registerUser(ctx.db, cliActor, { email, name: label, password: 'a long enough password' });
  for (const [organisationId, role] of roles) await insertMembership(ctx.db, { organisationId, userId: user.id, role });
  const { token } = await createApiToken(ctx.db, cliActor, { userId: user.id, name: 'test' });
  return { userId: user.id, email, actor: { userId: user.id, tokenId: null, isAdmin: false, via: 'session' } as Actor, auth: { authorization: `Bearer ${token}` } };
}

/** An organisation for a test: a public body (a buyer) is registered verified, as only a verified public body publishes. */
export async function organisation(ctx: AppContext, name: string, legalForm: LegalForm): Promise<OrganisationView> {
  const unique = `${name} ${randomUUID().slice(0, 6)}`;
  return isPublicBodyForm(legalForm) ? verifiedPublicBody(ctx.db, unique, legalForm) : createOrganisation(ctx.db, cliActor, { name: unique, legalForm });
}

/** A buying council with a commissioner and two evaluators; three providers (a charity, a CIC, a company), each with an administrator. */
export async function cast(ctx: AppContext) {
  const buyer = await organisation(ctx, 'Test Borough Council', 'local-authority');
  const commissioner = await person(ctx, 'commissioner', [[buyer.id, 'commissioner']]);
  const buyerAdmin = await person(ctx, 'buyer-admin', [[buyer.id, 'admin']]);
  const evaluator1 = await person(ctx, 'evaluator1', [[buyer.id, 'evaluator']]);
  const evaluator2 = await person(ctx, 'evaluator2', [[buyer.id, 'evaluator']]);
  const charity = await organisation(ctx, 'Riverside Befriending', 'charitable-company');
  const cic = await organisation(ctx, 'Walk and Talk CIC', 'cic-guarantee');
  const company = await organisation(ctx, 'Big Care Ltd', 'company-limited-by-shares');
  const charityAdmin = await person(ctx, 'charity-admin', [[charity.id, 'admin']]);
  const cicAdmin = await person(ctx, 'cic-admin', [[cic.id, 'admin']]);
  const companyAdmin = await person(ctx, 'company-admin', [[company.id, 'admin']]);
  return { buyer, commissioner, buyerAdmin, evaluator1, evaluator2, charity, cic, company, charityAdmin, cicAdmin, companyAdmin };
}

/** A valid opportunity body: two lots (one for small providers, one not, with the reason), criteria summing to 100. */
export function opportunityBody(organisationId: string, deadline: Date, overrides: Record<string, unknown> = {}) {
  return {
    organisation: organisationId, title: 'Reducing loneliness among older people', description: 'Outcomes: fewer people report feeling lonely often or always.',
    valuePence: 30_000_000, bidDeadline: deadline.toISOString(), contractStart: '2027-04-01', contractEnd: '2029-03-31', standstillDays: 0,
    lots: [
      { title: 'Neighbourhood befriending', description: 'Volunteer befriending in four wards', valuePence: 10_000_000, suitableForSme: true, suitableForVcse: true },
      { title: 'City-wide telephone line', description: 'A 24-hour line', valuePence: 20_000_000, suitableForSme: true, suitableForVcse: false, unsuitableReason: 'Needs a regulated 24-hour call centre' },
    ],
    criteria: [
      { kind: 'quality', title: 'Quality of approach', weight: 50 },
      { kind: 'social-value', title: 'Social value', weight: 30 },
      { kind: 'price', title: 'Price', weight: 20 },
    ],
    documents: [{ title: 'Service specification', url: 'https://example.org/spec.pdf' }],
    ...overrides,
  };
}

/** Fails with the schema's own words unless the package is valid OCDS 1.1.5. */
export function assertValidOcds(pkg: unknown): void {
  const errors = validateReleasePackage(pkg);
  if (errors.length) throw new Error(`OCDS package is not valid:\n${errors.join('\n')}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `deadline` has passed (with a margin for the database clock). */
export async function waitUntil(deadline: Date): Promise<void> {
  const ms = deadline.getTime() - Date.now() + 50;
  if (ms > 0) await sleep(ms);
}
