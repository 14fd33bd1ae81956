// What an organisation was paid in published spending (spending over £500), for its page in the registry:
// the suppliers linked to it (by identifier or by a person's confirmation), each payer, and the dates.
import type { Db } from '../platform/db.ts';
import type { OrganisationSection } from '../platform/module.ts';
import { organisationNames } from '../organisations/organisations.service.ts';
import * as repo from './spend.repository.ts';
import { supplierSlug } from './spend.suppliers.ts';

const pounds = (pence: number) => `${pence < 0 ? '−' : ''}£${Math.floor(Math.abs(pence) / 100).toLocaleString('en-GB')}.${String(Math.abs(pence) % 100).padStart(2, '0')}`;

export async function spendOrganisationSection(db: Db, organisationId: string): Promise<OrganisationSection | null> {
  const rows = await repo.paymentsToOrganisation(db, organisationId);
  if (rows.length === 0) return null;
  const names = await organisationNames(db, [...new Set(rows.map((r) => r.publisher_id))]);
  const total = rows.reduce((s, r) => s + r.pence, 0);
  const lines = rows.reduce((s, r) => s + r.lines, 0);
  const dates = rows.flatMap((r) => [r.first, r.last]).filter((d): d is string => !!d).sort();
  return {
    heading: 'Payments in published spending (over £500)',
    rows: [
      { key: 'Net total', value: `${pounds(total)} in ${lines.toLocaleString('en-GB')} ${lines === 1 ? 'payment' : 'payments'}${dates.length ? `, ${dates[0]} to ${dates[dates.length - 1]}` : ''}` },
      ...rows.slice(0, 10).map((r) => ({
        key: names.get(r.publisher_id)?.name ?? 'A publisher',
        value: `${pounds(r.pence)} to “${r.name}” (${r.lines.toLocaleString('en-GB')} ${r.lines === 1 ? 'line' : 'lines'}${r.first ? `, ${r.first} to ${r.last}` : ''}), from its spending files`,
      })),
    ],
    link: { href: `/spend/suppliers/${encodeURIComponent(supplierSlug(rows[0]!.key))}`, text: 'Every payment to it, by publisher and month' },
  };
}
