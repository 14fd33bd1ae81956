// The grants an organisation received, for its page in the registry: grants whose recipient's org-id is one
// of the organisation's identifiers, by currency (never added to pounds), with the latest and its source.
import type { Db } from '../platform/db.ts';
import type { OrganisationSection } from '../platform/module.ts';
import { getOrganisation, organisationNames } from '../organisations/organisations.service.ts';
import { receivedBy } from './grants.search.repository.ts';
import { money } from './grants.pages.ts';

export async function grantsOrganisationSection(db: Db, organisationId: string): Promise<OrganisationSection | null> {
  const org = await getOrganisation(db, organisationId);
  if (org.identifiers.length === 0) return null;
  const { totals, latest } = await receivedBy(db, org.identifiers);
  if (totals.length === 0) return null;
  const grants = totals.reduce((s, t) => s + t.grants, 0);
  const gbp = totals.find((t) => t.currency === 'GBP');
  const others = totals.filter((t) => t.currency !== 'GBP').map((t) => `${money(Number(t.total), t.currency)} (${t.grants})`);
  const first = totals.map((t) => t.first).sort()[0];
  const last = totals.map((t) => t.last).sort().reverse()[0];
  const l = latest[0]!;
  const publisher = (await organisationNames(db, [l.organisation_id])).get(l.organisation_id)?.name ?? 'its funder';
  return {
    heading: 'Grants received',
    rows: [
      { key: 'Grants', value: `${grants.toLocaleString('en-GB')} ${grants === 1 ? 'grant' : 'grants'}, awarded ${first === last ? first : `${first} to ${last}`}` },
      { key: 'In pounds', value: money(Number(gbp?.total ?? 0), 'GBP') },
      ...(others.length ? [{ key: 'In other currencies (not added to pounds)', value: others.join('; ') }] : []),
      { key: 'Latest', value: `${money(Number(l.amount_minor), l.currency)} from ${l.funder_name ?? 'a funder'}, awarded ${l.award_date}: “${l.title}” (published in 360Giving by ${publisher})` },
    ],
    link: { href: `/grants/recipients/${encodeURIComponent(org.identifiers[0]!)}`, text: 'Every grant it received, by year' },
  };
}
