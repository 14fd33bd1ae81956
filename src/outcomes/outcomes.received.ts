// The outcome payments an organisation received as a provider, for its page in the registry.
import type { Db } from '../platform/db.ts';
import type { OrganisationSection } from '../platform/module.ts';
import { organisationNames } from '../organisations/organisations.service.ts';
import * as repo from './outcomes.repository.ts';

const pounds = (pence: number) => `£${Math.floor(pence / 100).toLocaleString('en-GB')}.${String(pence % 100).padStart(2, '0')}`;

export async function outcomesOrganisationSection(db: Db, organisationId: string): Promise<OrganisationSection | null> {
  const rows = await repo.outcomePaymentsTo(db, organisationId);
  if (rows.length === 0) return null;
  const names = await organisationNames(db, [...new Set(rows.map((r) => r.commissioner_id))]);
  return {
    heading: 'Outcome payments received',
    rows: rows.slice(0, 10).map((r) => ({
      key: r.title,
      value: `${pounds(r.paid_pence)} in ${r.payments} ${r.payments === 1 ? 'payment' : 'payments'} from ${names.get(r.commissioner_id)?.name ?? 'the commissioner'}, paid ${r.first === r.last ? r.first : `${r.first} to ${r.last}`}`,
    })),
    link: { href: `/outcomes/contracts/${encodeURIComponent(rows[0]!.id)}`, text: `The latest outcome contract: ${rows[0]!.title}` },
  };
}
