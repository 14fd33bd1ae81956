// For tests in every module: organisations that may publish, made the way an operator makes them (registered
// verified through the service, audited), never by writing the verified flag around the gate.
import { randomInt } from 'node:crypto';
import type { Db } from '../platform/db.ts';
import { cliActor } from '../platform/actor.ts';
import { isPublicBodyForm, type LegalForm } from './organisations.forms.ts';
import { createOrganisation, type OrganisationView } from './organisations.service.ts';

/** A made-up but well-formed UK Government Organisation Register identifier, unique enough for one test database. */
export function testIdentifier(): string {
  return `GB-GOR-T${randomInt(100_000, 1_000_000)}`;
}

/** A verified public body (by default a local authority), registered by the operator with a fresh identifier. */
export async function verifiedPublicBody(db: Db, name: string, legalForm: LegalForm = 'local-authority', extra: { locality?: string; description?: string } = {}): Promise<OrganisationView> {
  if (!isPublicBodyForm(legalForm)) throw new Error(`${legalForm} is not a public body's legal form`);
  return createOrganisation(db, cliActor, { name, legalForm, identifiers: [testIdentifier()], verified: true, ...extra });
}

/** A verified organisation of any legal form (a charity a grant-maker can trust, say). */
export async function verifiedOrganisation(db: Db, name: string, legalForm: LegalForm): Promise<OrganisationView> {
  return createOrganisation(db, cliActor, { name, legalForm, identifiers: [testIdentifier()], verified: true });
}
