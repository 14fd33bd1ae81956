// The contracts an organisation won (it led the winning bid), for its page in the registry.
import type { Db } from '../platform/db.ts';
import type { OrganisationSection } from '../platform/module.ts';
import { organisationNames } from '../organisations/organisations.service.ts';
import * as repo from './commissioning.repository.ts';

const pounds = (pence: number) => `£${Math.floor(pence / 100).toLocaleString('en-GB')}.${String(pence % 100).padStart(2, '0')}`;

export async function commissioningOrganisationSection(db: Db, organisationId: string): Promise<OrganisationSection | null> {
  const rows = await repo.contractsWonBy(db, organisationId);
  if (rows.length === 0) return null;
  const names = await organisationNames(db, [...new Set(rows.map((r) => r.buyer_id))]);
  return {
    heading: 'Contracts awarded to it',
    rows: rows.slice(0, 10).map((r) => ({
      key: r.title,
      value: `${pounds(r.value_pence)} from ${names.get(r.buyer_id)?.name ?? 'a buyer'}, signed ${r.signed_at}${r.start_date ? `, running ${r.start_date} to ${r.end_date ?? 'no end date'}` : ''}`,
    })),
    link: { href: `/commissioning/contracts/${encodeURIComponent(rows[0]!.id)}`, text: `The latest contract: ${rows[0]!.title}` },
  };
}
